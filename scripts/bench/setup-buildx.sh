#!/usr/bin/env bash
# Installs Debian 13's docker-buildx (0.13.1) as a Docker CLI plugin (~/.docker/cli-plugins/)
# without touching the system's Debian 12 packages: apt-get download with a separate sources
# list and lists directory for trixie, then dpkg -x into a scratch directory. Idempotent.
set -euo pipefail
. "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/lib.sh"
PLUGIN_DIR="${DOCKER_CONFIG:-$HOME/.docker}/cli-plugins"
PLUGIN="$PLUGIN_DIR/docker-buildx"
if [ -x "$PLUGIN" ] && "$PLUGIN" version >/dev/null 2>&1; then
  echo "[setup-buildx] already installed: $("$PLUGIN" version)" >&2
  exit 0
fi
WORK="${BUILDX_SETUP_DIR:-$HOME/.cache/build-images/buildx-trixie}"
mkdir -p "$WORK/root"
echo "[setup-buildx] apt-get download docker-buildx (trixie, apt state of its own)" >&2
debian_download trixie "$WORK" "$WORK/deb" "$WORK/apt.log" docker-buildx ||
  { tail -n 5 "$WORK/apt.log" >&2; exit 1; }
cd "$WORK/deb"
DEB="$(ls docker-buildx_*.deb | head -n1)"
dpkg -x "$DEB" "$WORK/root"
BIN="$WORK/root/usr/libexec/docker/cli-plugins/docker-buildx"
[ -x "$BIN" ] || { echo "[setup-buildx] no docker-buildx binary in $DEB" >&2; exit 1; }
mkdir -p "$PLUGIN_DIR"
install -m 0755 "$BIN" "$PLUGIN"
echo "[setup-buildx] installed $PLUGIN: $("$PLUGIN" version)" >&2
docker buildx version >&2 || true
