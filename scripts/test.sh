#!/usr/bin/env bash
# Sets up and runs every test: unit, integration, and the Docker tests on a real engine.
# This is the README's test command, and what CI runs.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"
cd "$here/.."

# A failing setup stops the run here: eval "$(…)" alone would go on with nothing set.
setup_env="$(bash "$here/setup.sh")" || die "setup failed (scripts/setup.sh); its log is above"
eval "$setup_env"
export BUILD_IMAGES_BASE_IMAGE BUILD_IMAGES_BUNDLE_IMAGE
# The packed CLI is also run on the oldest Node it supports.
export BUILD_IMAGES_NODE22="$NODE22_BIN"
use_node24
pnpm build
# The committed Dockerfile must be what the generator writes today; one formatter for all.
node packages/cli/dist/bin.js generate --check
pnpm format:check
pnpm test

# The Docker tests once more on a current engine (Debian unstable's, Engine 28 when written) with
# the containerd image store (Engine 29's default), beside the first one: users run Engine 27 to
# 29, Debian 12 ships 20.10 (classic store). BUILD_IMAGES_ENGINE2_STORE=classic runs that store
# instead; BUILD_IMAGES_ENGINE2=off
# skips it; a DOCKER_HOST of its own (unix://…) uses that engine instead of starting one.
if [ "${BUILD_IMAGES_ENGINE2:-}" != off ]; then
  if [ -z "${BUILD_IMAGES_ENGINE2:-}" ]; then
    engine2_env="$(bash "$here/setup-engine-current.sh")" ||
      die "the second engine did not start (scripts/setup-engine-current.sh); its log is above"
    eval "$engine2_env"
  fi
  log "the Docker tests on the second engine ($BUILD_IMAGES_ENGINE2)"
  DOCKER_HOST="$BUILD_IMAGES_ENGINE2" bash "$here/make-base-image.sh"
  DOCKER_HOST="$BUILD_IMAGES_ENGINE2" pnpm vitest run --project docker
fi
