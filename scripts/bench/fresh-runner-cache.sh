#!/bin/bash
# Which steps a fresh CI runner takes from the registry cache (a diagnostic, not a test).
#
# A copy of this repository's sample workspace is built and pushed to a local registry with
# --cache-to (the stage caches beside each image); then, twice, the engine loses the copy's
# images and all build cache, and the apps are built again with --cache-from only, after the
# change CHANGE makes (a shell command run in the copy; none by default). Each rebuild prints
# the Dockerfile steps BuildKit ran and those it took from the cache.
#
#   bash scripts/bench/fresh-runner-cache.sh                          (the engine DOCKER_HOST names)
#   APPS=worker CHANGE='(cd apps/worker && pnpm add ms@2.1.3 --lockfile-only)' bash scripts/bench/fresh-runner-cache.sh
#
# Needs Debian's docker-registry, git, and `pnpm build` run first. Deletes the build cache of
# the engine it uses: not for an engine whose cache you want to keep.
set -euo pipefail
repo="$(cd "$(dirname "$0")/../.." && pwd)"
cli="$repo/packages/cli/dist/bin.js"
base="${BUILD_IMAGES_BASE_IMAGE:-build-images-local/node:24.21.0}"
[ -f "$cli" ] || { echo "run pnpm build first ($cli is missing)" >&2; exit 2; }
command -v docker-registry >/dev/null || { echo "docker-registry is missing: apt-get install docker-registry" >&2; exit 2; }
scratch="$(mktemp -d /tmp/fresh-runner-cache-XXXXXX)"
host="127.0.0.1:$((5000 + RANDOM % 900))"
mkdir -p "$scratch/registry"
printf 'version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: %s\n' \
  "$scratch/registry/data" "$host" > "$scratch/registry/config.yml"
docker-registry serve "$scratch/registry/config.yml" 2>/dev/null &
registry=$!
trap 'kill "$registry"' EXIT
for _ in $(seq 50); do curl -sf "http://$host/v2/" >/dev/null && break; sleep 0.1; done

mkdir "$scratch/ws"
git -C "$repo" archive HEAD | tar -x -C "$scratch/ws"
cd "$scratch/ws"
git init -q && git add -A && git -c user.email=bench@localhost -c user.name=bench commit -qm base

forget() {
  docker image ls --format '{{.Repository}}:{{.Tag}}' | { grep "^$host/" || true; } | xargs -r docker image rm -f >/dev/null
  docker builder prune -af >/dev/null
}
steps() {
  node -e '
const results = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).results;
for (const app of results) {
  const steps = app.steps.filter((step) => step.name.startsWith("[") && !step.name.startsWith("[internal]"));
  const ran = steps.filter((step) => !step.cached);
  console.log(`${app.app}: ${app.status}, ${ran.length} of ${steps.length} steps ran`);
  for (const step of ran) console.log(`  ran  ${step.name.slice(0, 100)}`);
}' "$1"
}

forget
node "$cli" --push --tag "$host/bench/{app}:main" --cache-to "$host/bench/{app}:main" \
  --base-image "$base" --json > "$scratch/base.json" 2> "$scratch/base.log"
eval "${CHANGE:-true}"
for round in 1 2; do
  forget
  # shellcheck disable=SC2086
  node "$cli" ${APPS:-} --push --tag "$host/bench/{app}:round$round" --cache-from "$host/bench/{app}:main" \
    --base-image "$base" --json > "$scratch/round$round.json" 2> "$scratch/round$round.log"
  echo "rebuild $round on a fresh engine:"
  steps "$scratch/round$round.json"
done
echo "files: $scratch"
