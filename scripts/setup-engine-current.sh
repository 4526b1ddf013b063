#!/usr/bin/env bash
# Starts a current Docker Engine (Debian unstable's docker.io, 28.5 at the time of writing, with
# its containerd) BESIDE the engine of setup-docker.sh, for running the Docker tests twice: users
# run Engine 27 to 29, Debian 12 ships 20.10. With the containerd image store (Engine 29's and
# Docker Desktop's default, and the most different from 20.10's): BUILD_IMAGES_ENGINE2_STORE=classic
# starts it with the classic store (overlay2) instead, in a data folder of its own.
#   socket   unix:///run/build-images-engine2.sock (printed on stdout as a DOCKER_HOST line)
#   files    $TOOLS_DIR/engine2: binaries (dpkg -x, the system's apt state untouched), data, logs
#   network  its own bridge (10.90.0.1/24) and, as it runs with --iptables=false, its own NAT
#            and FORWARD chains for it
# sid's runc needs a newer glibc than Debian 12's: the system's runc and tini-static are used.
# Idempotent: what exists is kept, a running engine is left alone. Needs root.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

E="$TOOLS_DIR/engine2"
ROOT="$E/root"
BIN="$E/bin"
STORE="${BUILD_IMAGES_ENGINE2_STORE:-containerd}"
case "$STORE" in
  containerd) DATA="$E/data-containerd" STORE_FLAGS=(--feature containerd-snapshotter=true) ;;
  classic) DATA="$E/data" STORE_FLAGS=(--storage-driver overlay2) ;;
  *) echo "BUILD_IMAGES_ENGINE2_STORE must be containerd or classic, not \"$STORE\"" >&2; exit 2 ;;
esac
RUNDIR=/run/build-images-engine2
SOCK=/run/build-images-engine2.sock
BR=bi-engine2
BR_ADDR=10.90.0.1/24
POOL=10.91.0.0/16
NETS=10.90.0.0/15 # the bridge and the address pool together

[ "$(id -u)" = 0 ] || die "the second engine needs root (a bridge, iptables rules and dockerd)"
command -v runc >/dev/null || die "no runc: run scripts/setup-docker.sh first (Debian's docker.io brings it)"
[ -x /usr/bin/tini-static ] || {
  log "installing tini (its static build is the engine's docker-init)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq tini >/dev/null
}

# 1. docker.io and containerd from Debian unstable, with apt's lists and archives of our own.
if [ ! -x "$ROOT/usr/sbin/dockerd" ] || [ ! -x "$ROOT/usr/bin/containerd" ]; then
  log "fetching docker.io and containerd from Debian unstable"
  debian_download sid "$E/apt" "$E/deb" "$E/apt.log" docker.io containerd
  mkdir -p "$ROOT"
  for deb in "$E"/deb/docker.io_*.deb "$E"/deb/containerd_*.deb; do dpkg -x "$deb" "$ROOT"; done
fi

# 2. Its PATH: the unpacked daemons and shim, the system's runc and tini-static.
mkdir -p "$BIN" "$DATA" "$RUNDIR/containerd"
ln -sfn "$ROOT/usr/sbin/dockerd" "$BIN/dockerd"
ln -sfn "$ROOT/usr/sbin/docker-proxy" "$BIN/docker-proxy"
ln -sfn "$ROOT/usr/bin/containerd" "$BIN/containerd"
ln -sfn "$ROOT/usr/bin/containerd-shim-runc-v2" "$BIN/containerd-shim-runc-v2"
ln -sfn "$(command -v runc)" "$BIN/runc"
ln -sfn /usr/bin/tini-static "$BIN/docker-init"
export PATH="$BIN:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

answers() { DOCKER_HOST="unix://$SOCK" docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }
# The image store it runs with: "io.containerd.snapshotter.v1" in DriverStatus for containerd's.
# Output is captured before it is matched: with pipefail, grep -q ending a pipe early fails the
# pipe (SIGPIPE on the writer), which read as "not there" and re-added an assigned address once.
store_of() {
  local status
  status="$(DOCKER_HOST="unix://$SOCK" docker info --format '{{json .DriverStatus}}' 2>/dev/null || true)"
  case "$status" in *io.containerd.snapshotter*) echo containerd ;; *) echo classic ;; esac
}
if answers && [ "$(store_of)" != "$STORE" ]; then
  log "the engine on unix://$SOCK runs the $(store_of) image store; restarting it with the $STORE one"
  kill "$(cat "$RUNDIR/dockerd.pid")" 2>/dev/null || true
  for _ in $(seq 1 100); do answers || break; sleep 0.2; done
fi
if answers; then
  log "engine $(DOCKER_HOST="unix://$SOCK" docker version --format '{{.Server.Version}}') answers on unix://$SOCK"
  echo "export BUILD_IMAGES_ENGINE2=unix://$SOCK"
  exit 0
fi

# 3. The bridge, and the NAT and FORWARD rules the engine does not write itself.
ip link show "$BR" >/dev/null 2>&1 || ip link add "$BR" type bridge
case "$(ip addr show dev "$BR")" in *"inet ${BR_ADDR%/*}/"*) ;; *) ip addr add "$BR_ADDR" dev "$BR" ;; esac
ip link set "$BR" up
echo 1 >/proc/sys/net/ipv4/ip_forward
iptables -N BI-ENGINE2-FWD 2>/dev/null || true
iptables -F BI-ENGINE2-FWD
iptables -A BI-ENGINE2-FWD -s "$NETS" -j ACCEPT
iptables -A BI-ENGINE2-FWD -d "$NETS" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT
iptables -C FORWARD -j BI-ENGINE2-FWD 2>/dev/null || iptables -I FORWARD 1 -j BI-ENGINE2-FWD
iptables -t nat -N BI-ENGINE2-NAT 2>/dev/null || true
iptables -t nat -F BI-ENGINE2-NAT
iptables -t nat -A BI-ENGINE2-NAT -s "$NETS" ! -d "$NETS" -j MASQUERADE
iptables -t nat -C POSTROUTING -j BI-ENGINE2-NAT 2>/dev/null || iptables -t nat -I POSTROUTING 1 -j BI-ENGINE2-NAT

# 4. containerd and dockerd, in their own folders; a killed pair leaves files that are removed.
running() { [ -s "$1" ] && [ -d "/proc/$(cat "$1")" ] && [ "$(readlink -f "/proc/$(cat "$1")/exe")" = "$(readlink -f "$2")" ]; }
CTD_SOCK="$RUNDIR/containerd/containerd.sock"
cat >"$E/containerd.toml" <<TOML
version = 3
root = "$DATA/containerd"
state = "$RUNDIR/containerd-state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.nri.v1.nri"]

[grpc]
  address = "$CTD_SOCK"

[ttrpc]
  address = "$CTD_SOCK.ttrpc"

[debug]
  address = "$RUNDIR/containerd/debug.sock"
TOML
if ! running "$RUNDIR/containerd.pid" "$ROOT/usr/bin/containerd"; then
  rm -f "$CTD_SOCK" "$CTD_SOCK.ttrpc" "$RUNDIR/containerd/debug.sock"
  log "starting containerd (log: $E/containerd.log)"
  setsid containerd --config "$E/containerd.toml" >>"$E/containerd.log" 2>&1 </dev/null &
  echo $! >"$RUNDIR/containerd.pid"
  for _ in $(seq 1 100); do [ -S "$CTD_SOCK" ] && break; sleep 0.1; done
  [ -S "$CTD_SOCK" ] || die "containerd did not start; see $E/containerd.log"
fi
if ! running "$RUNDIR/dockerd.pid" "$ROOT/usr/sbin/dockerd"; then
  rm -f "$RUNDIR/dockerd.pid" "$SOCK"
  log "starting dockerd (log: $E/dockerd.log)"
  setsid dockerd --host "unix://$SOCK" --containerd "$CTD_SOCK" --data-root "$DATA" \
    --exec-root "$RUNDIR/docker" --pidfile "$RUNDIR/dockerd.pid" "${STORE_FLAGS[@]}" \
    --bridge "$BR" --default-address-pool "base=$POOL,size=24" \
    --iptables=false --ip6tables=false --ip-masq=false --cgroup-parent /build-images-engine2 \
    >>"$E/dockerd.log" 2>&1 </dev/null &
fi
for _ in $(seq 1 300); do answers && break; sleep 0.2; done
answers || { tail -n 20 "$E/dockerd.log" >&2; die "the second engine did not answer; see $E/dockerd.log"; }
log "engine $(DOCKER_HOST="unix://$SOCK" docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})'), $(store_of) image store, answers on unix://$SOCK"
echo "export BUILD_IMAGES_ENGINE2=unix://$SOCK"
