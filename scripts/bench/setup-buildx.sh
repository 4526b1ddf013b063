#!/usr/bin/env bash
# Installs Debian 13's docker-buildx (0.13.1) as a Docker CLI plugin (~/.docker/cli-plugins/)
# without touching the system's Debian 12 packages: apt-get download with a separate sources
# list and lists directory for trixie, then dpkg -x into a scratch directory. Idempotent.
set -euo pipefail
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
PLUGIN="$PLUGIN_DIR/docker-buildx"
if [ -x "$PLUGIN" ] && "$PLUGIN" version >/dev/null 2>&1; then
  echo "[setup-buildx] already installed: $("$PLUGIN" version)" >&2
  exit 0
fi
WORK="${BUILDX_SETUP_DIR:-$HOME/.cache/build-images/buildx-trixie}"
mkdir -p "$WORK/lists/partial" "$WORK/archives/partial" "$WORK/deb" "$WORK/root"
cat >"$WORK/trixie.sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
# A deb822 file can only be read as a SourceParts entry: give it a directory of its own.
mkdir -p "$WORK/sources.d"
cp "$WORK/trixie.sources" "$WORK/sources.d/trixie.sources"
APT_OPTS=(
  -o "Dir::Etc::SourceList=/dev/null"
  -o "Dir::Etc::SourceParts=$WORK/sources.d"
  -o "Dir::State::Lists=$WORK/lists"
  -o "Dir::Cache::Archives=$WORK/archives"
  -o "Debug::NoLocking=1"
  -o "APT::Get::List-Cleanup=0"
)
echo "[setup-buildx] apt-get update (trixie, separate lists directory)" >&2
apt-get "${APT_OPTS[@]}" update -qq 2>&1 | grep -v "unsandboxed" >&2 || true
cd "$WORK/deb"
rm -f docker-buildx_*.deb
echo "[setup-buildx] apt-get download docker-buildx" >&2
apt-get "${APT_OPTS[@]}" download docker-buildx 2>&1 | grep -v "unsandboxed" >&2 || true
DEB="$(ls docker-buildx_*.deb | head -n1)"
dpkg -x "$DEB" "$WORK/root"
BIN="$WORK/root/usr/libexec/docker/cli-plugins/docker-buildx"
[ -x "$BIN" ] || { echo "[setup-buildx] no docker-buildx binary in $DEB" >&2; exit 1; }
mkdir -p "$PLUGIN_DIR"
install -m 0755 "$BIN" "$PLUGIN"
echo "[setup-buildx] installed $PLUGIN: $("$PLUGIN" version)" >&2
docker buildx version >&2 || true
