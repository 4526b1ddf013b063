#!/usr/bin/env bash
# Sets up everything build-images and its tests need on a fresh Debian machine:
# Node 24 and pnpm, the workspace's dependencies, a Docker Engine, and a base image.
# Idempotent. Prints `export ...` lines for the chosen base image on stdout.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

bash "$here/setup-node.sh"
use_node24
(cd "$here/.." && pnpm install --frozen-lockfile --reporter=silent)
bash "$here/setup-docker.sh"

# The generated Dockerfile's default base is a pinned public image. Where it cannot be
# pulled (no registry reachable), a local stand-in is built from this machine's files.
if [ -n "${BUILD_IMAGES_BASE_IMAGE:-}" ]; then
  log "base image: $BUILD_IMAGES_BASE_IMAGE (from BUILD_IMAGES_BASE_IMAGE)"
elif public="node:$NODE_VERSION-bookworm-slim" && \
     { docker image inspect "$public" >/dev/null 2>&1 || timeout 120 docker pull -q "$public" >/dev/null 2>&1; }; then
  BUILD_IMAGES_BASE_IMAGE="$public"
  log "base image: $public (public)"
else
  log "the public base node:$NODE_VERSION-bookworm-slim cannot be pulled here; using a local stand-in"
  bash "$here/make-base-image.sh"
  BUILD_IMAGES_BASE_IMAGE="$LOCAL_BASE_IMAGE"
  BUILD_IMAGES_BUNDLE_IMAGE="${BUILD_IMAGES_BUNDLE_IMAGE:-$LOCAL_BUNDLE_IMAGE}"
fi
bash "$here/setup-chromium.sh" # the report test renders in headless chromium; logs on stderr
echo "export BUILD_IMAGES_BASE_IMAGE=$BUILD_IMAGES_BASE_IMAGE"
[ -z "${BUILD_IMAGES_BUNDLE_IMAGE:-}" ] || echo "export BUILD_IMAGES_BUNDLE_IMAGE=$BUILD_IMAGES_BUNDLE_IMAGE"
