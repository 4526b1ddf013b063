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
