#!/usr/bin/env bash
# Makes sure Debian's chromium is installed: the report test renders the HTML report in it
# (headless). Idempotent. Never downloads a browser through npm or playwright.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

if command -v chromium >/dev/null; then
  log "chromium: $(chromium --version 2>/dev/null || echo installed)"
  exit 0
fi
if [ "$(id -u)" != 0 ]; then
  log "warning: chromium is missing and this is not root; the report rendering test cannot run (apt-get install chromium)"
  exit 0
fi
log "installing Debian's chromium for the report rendering test"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
apt-get install -y -qq chromium >/dev/null
