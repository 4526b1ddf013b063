# shellcheck shell=bash disable=SC2034
# Shared helpers for the set-up scripts. Source it; do not run it.
# Versions live here so every script, the base image and CI agree.
NODE_VERSION="${NODE_VERSION:-24.21.0}"
PNPM_VERSION="${PNPM_VERSION:-10.34.9}"
# npm in the local base image, as in the official node images: the Dockerfile installs the pinned pnpm with it.
NPM_VERSION="${NPM_VERSION:-11.19.1}"
TOOLS_DIR="${BUILD_IMAGES_TOOLS_DIR:-$HOME/.cache/build-images}"
NODE_HOME="$TOOLS_DIR/node-v$NODE_VERSION"
# Node 22 (the oldest supported) runs the packed CLI in a test; it is never put on PATH.
NODE22_VERSION="${NODE22_VERSION:-22.23.3}"
NODE22_BIN="$TOOLS_DIR/node-v$NODE22_VERSION/bin/node"
LOCAL_BASE_IMAGE="${BUILD_IMAGES_LOCAL_BASE:-build-images-local/node:$NODE_VERSION}"
LOCAL_BUNDLE_IMAGE="${BUILD_IMAGES_LOCAL_BUNDLE:-build-images-local/node-distroless:$NODE_VERSION}"

log() { printf '[setup] %s\n' "$*" >&2; }
die() { printf '[setup] error: %s\n' "$*" >&2; exit 1; }

# Puts the provisioned Node 24 and pnpm first on PATH when they exist.
use_node24() {
  if [ -x "$NODE_HOME/bin/node" ]; then
    case ":$PATH:" in *":$NODE_HOME/bin:"*) ;; *) export PATH="$NODE_HOME/bin:$PATH" ;; esac
  fi
}

node_major() { node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

# Downloads Debian packages of another suite (sid, trixie…) into a folder without touching the
# system's apt state: a sources list, lists and archives of their own under $2, the .debs in $3.
#   debian_download <suite> <apt work dir> <deb dir> <log file> <package>...
debian_download() {
  local suite="$1" work="$2" debs="$3" logfile="$4"
  shift 4
  mkdir -p "$work/lists/partial" "$work/archives/partial" "$work/sources.d" "$debs"
  # A deb822 file can only be read as a SourceParts entry: a directory of its own.
  cat >"$work/sources.d/$suite.sources" <<SRC
Types: deb
URIs: http://deb.debian.org/debian
Suites: $suite
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
  local opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$work/sources.d"
    -o "Dir::State::Lists=$work/lists" -o "Dir::Cache::Archives=$work/archives"
    -o "Debug::NoLocking=1" -o "APT::Get::List-Cleanup=0")
  apt-get "${opts[@]}" update -qq >>"$logfile" 2>&1
  local pkg
  for pkg in "$@"; do rm -f "$debs/${pkg}"_*.deb; done
  (cd "$debs" && apt-get "${opts[@]}" download "$@" >>"$logfile" 2>&1)
}
