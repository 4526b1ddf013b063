#!/usr/bin/env bash
# Sets up, then builds the sample apps' images with build-images (the main job).
# Extra arguments go to build-images, e.g. `bash scripts/build-samples.sh api`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"
cd "$here/.."

setup_env="$(bash "$here/setup.sh")" || die "setup failed (scripts/setup.sh); its log is above"
eval "$setup_env"
export BUILD_IMAGES_BASE_IMAGE BUILD_IMAGES_BUNDLE_IMAGE
use_node24
pnpm build
node packages/cli/dist/bin.js "$@"
echo
docker image ls --format 'table {{.Repository}}:{{.Tag}}\t{{.ID}}\t{{.Size}}' | grep -E '^(REPOSITORY|api|web|worker):' || true
