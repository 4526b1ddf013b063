#!/usr/bin/env bash
# Makes sure a Docker Engine answers on DOCKER_HOST (default: the local socket).
# Installs Debian's docker.io and starts dockerd in the background when none does.
# Idempotent: an engine that already answers is left alone.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"

engine_answers() { docker version --format '{{.Server.Version}}' >/dev/null 2>&1; }

# What the tests use besides the engine: a local registry (Debian's docker-registry) and
# htpasswd for the push tests, shellcheck for the Dockerfile checks, GNU time for bench:plan,
# sshd and ssh-agent for the ssh engine test, openssl for the TLS engine test.
missing_tools=()
command -v docker-registry >/dev/null || missing_tools+=(docker-registry)
command -v htpasswd >/dev/null || missing_tools+=(apache2-utils)
command -v shellcheck >/dev/null || missing_tools+=(shellcheck)
[ -x /usr/bin/time ] || missing_tools+=(time)
[ -x /usr/sbin/sshd ] || missing_tools+=(openssh-server)
command -v ssh-agent >/dev/null || missing_tools+=(openssh-client)
command -v openssl >/dev/null || missing_tools+=(openssl)
if [ ${#missing_tools[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    log "installing ${missing_tools[*]} from Debian"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq "${missing_tools[@]}" >/dev/null
  else
    log "warning: ${missing_tools[*]} missing and this is not root; some tests cannot run"
  fi
fi

# A local engine whose default bridge interface vanished (seen here once, after a day of
# engine restarts) answers but starts no container: restart it, which makes the bridge again.
bridge_gone() {
  [ -z "${DOCKER_HOST:-}" ] && command -v ip >/dev/null && [ -f /var/run/docker.pid ] || return 1
  bridge="$(docker network inspect bridge --format '{{index .Options "com.docker.network.bridge.name"}}' 2>/dev/null || true)"
  [ -n "$bridge" ] && ! ip link show "$bridge" >/dev/null 2>&1
}
if engine_answers && bridge_gone; then
  log "the engine's bridge $bridge is gone (no container could start): restarting dockerd"
  old_pid="$(cat /var/run/docker.pid)"
  kill "$old_pid" 2>/dev/null || true
  for _ in $(seq 1 60); do kill -0 "$old_pid" 2>/dev/null || break; sleep 1; done
fi

if engine_answers; then
  log "Docker Engine $(docker version --format '{{.Server.Version}}') answers"
  exit 0
fi
if [ -n "${DOCKER_HOST:-}" ] && [ "${DOCKER_HOST#unix://}" = "$DOCKER_HOST" ]; then
  die "DOCKER_HOST=$DOCKER_HOST does not answer; start that engine or unset DOCKER_HOST to use a local one"
fi

if ! command -v dockerd >/dev/null; then
  [ "$(id -u)" = 0 ] || die "no Docker Engine and not root: install docker.io (Debian) and start dockerd"
  log "installing Debian's docker.io"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null
  apt-get install -y -qq docker.io >/dev/null
fi

# A pid file left by an engine that was killed (e.g. with the session that started it)
# stops dockerd from starting; remove it when no live dockerd has that pid.
pidfile=/var/run/docker.pid
if [ -f "$pidfile" ]; then
  pid="$(cat "$pidfile" 2>/dev/null || true)"
  state="$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null || true)"
  if [ -z "$pid" ] || [ "$(cat "/proc/$pid/comm" 2>/dev/null)" != dockerd ] || [ "$state" = Z ]; then
    log "removing stale $pidfile (pid ${pid:-none} is not a running dockerd)"
    rm -f "$pidfile"
  fi
fi

mkdir -p "$TOOLS_DIR"
log "starting dockerd (log: $TOOLS_DIR/dockerd.log)"
# setsid: the engine must outlive this script and the shell that ran it.
setsid nohup dockerd >"$TOOLS_DIR/dockerd.log" 2>&1 < /dev/null &
dockerd_pid=$!
for _ in $(seq 1 120); do
  if engine_answers; then
    log "Docker Engine $(docker version --format '{{.Server.Version}}') answers"
    exit 0
  fi
  kill -0 "$dockerd_pid" 2>/dev/null || break
  sleep 0.5
done
tail -n 20 "$TOOLS_DIR/dockerd.log" >&2 || true
die "dockerd did not start or answer; see $TOOLS_DIR/dockerd.log"
