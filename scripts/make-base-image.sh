#!/usr/bin/env bash
# Builds the local Node 24 base image with `docker import`, from files on this machine:
# the provisioned Node binary with glibc, libstdc++ and libgcc, busybox as the shell,
# the CA bundle (NODE_EXTRA_CA_CERTS points at it), a `node` user (uid 1000), npm, pnpm and tini.
# It stands in for the pinned public base, which cannot be pulled here. Idempotent:
# an image whose fingerprint label matches the inputs is kept.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"
use_node24

node_bin="$NODE_HOME/bin/node"
pnpm_dir="$NODE_HOME/lib/node_modules/pnpm"
[ -x "$node_bin" ] || die "Node $NODE_VERSION is not provisioned: run scripts/setup-node.sh first"
[ -d "$pnpm_dir" ] || die "pnpm is not provisioned in $NODE_HOME: run scripts/setup-node.sh first"
for tool in /bin/busybox /usr/bin/tini-static /etc/ssl/certs/ca-certificates.crt; do
  [ -e "$tool" ] || missing=1
done
if [ "${missing:-0}" = 1 ]; then
  log "installing busybox-static, tini and ca-certificates from Debian"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null && apt-get install -y -qq busybox-static tini ca-certificates >/dev/null
fi

fingerprint="$( { echo "node=$NODE_VERSION pnpm=$PNPM_VERSION npm=$NPM_VERSION"; cat "$0"; sha256sum /etc/ssl/certs/ca-certificates.crt; } | sha256sum | cut -c1-16)"
label() { docker image inspect --format '{{ index .Config.Labels "build-images.base.fingerprint" }}' "$1" 2>/dev/null || true; }
if [ "$(label "$LOCAL_BASE_IMAGE")" = "$fingerprint" ] && [ "$(label "$LOCAL_BUNDLE_IMAGE")" = "$fingerprint" ]; then
  log "local base images $LOCAL_BASE_IMAGE and $LOCAL_BUNDLE_IMAGE are up to date"
  exit 0
fi

root="$(mktemp -d)"
droot=""
trap 'rm -rf "$root" ${droot:+"$droot"}' EXIT
mkdir -p "$root"/{bin,sbin,etc/ssl/certs,usr/bin,usr/local/bin,usr/local/lib/node_modules,lib/x86_64-linux-gnu,lib64,tmp,home/node,root,var/tmp,proc,sys,dev}
chmod 1777 "$root/tmp" "$root/var/tmp"

# Node and every shared library it loads, plus the rest of glibc, libstdc++ and libgcc:
# native addons (Vite's bundler among them) load libraries node itself does not.
cp "$node_bin" "$root/usr/local/bin/node"
libs="$(ldd "$node_bin" | awk '/=>/ { print $3 } /ld-linux/ { print $1 }')"
for lib in $libs /lib/x86_64-linux-gnu/{libc,libm,libdl,libpthread,librt,libresolv,libutil,libnss_files,libnss_dns,libanl}.so.* \
           /lib/x86_64-linux-gnu/libstdc++.so.6 /lib/x86_64-linux-gnu/libgcc_s.so.1 /lib/x86_64-linux-gnu/libz.so.1; do
  [ -e "$lib" ] || continue
  cp -L "$lib" "$root/lib/x86_64-linux-gnu/$(basename "$lib")"
done
cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
ln -s ../lib "$root/usr/lib"

# busybox provides /bin/sh and the usual tools.
cp /bin/busybox "$root/bin/busybox"
for applet in $(/bin/busybox --list); do
  [ "$applet" = busybox ] || ln -sf busybox "$root/bin/$applet"
done
ln -s ../../bin/busybox "$root/usr/bin/env"
# bash, as Debian's images carry it: build scripts call it (zx, for one, quotes for bash).
cp /bin/bash "$root/bin/bash"
cp -L /lib/x86_64-linux-gnu/libtinfo.so.6 "$root/lib/x86_64-linux-gnu/"
# Debian's name for the static build, which distroless stages copy; `tini` points at it.
cp /usr/bin/tini-static "$root/usr/bin/tini-static"
ln -s tini-static "$root/usr/bin/tini"
cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"

cp -a "$pnpm_dir" "$root/usr/local/lib/node_modules/pnpm"
ln -s ../lib/node_modules/pnpm/bin/pnpm.cjs "$root/usr/local/bin/pnpm"
ln -s ../lib/node_modules/pnpm/bin/pnpx.cjs "$root/usr/local/bin/pnpx"
# npm from the registry (its package bundles its dependencies), as the official images carry it.
(cd "$root" && npm pack --silent "npm@$NPM_VERSION" >/dev/null)
mkdir -p "$root/usr/local/lib/node_modules/npm"
tar -xzf "$root"/npm-*.tgz --strip-components=1 -C "$root/usr/local/lib/node_modules/npm"
rm -f "$root"/npm-*.tgz
ln -s ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
ln -s ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"

cat > "$root/etc/passwd" <<'PASSWD'
root:x:0:0:root:/root:/bin/sh
node:x:1000:1000:node:/home/node:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
PASSWD
cat > "$root/etc/group" <<'GROUP'
root:x:0:
node:x:1000:
nogroup:x:65534:
GROUP
printf 'hosts: files dns\n' > "$root/etc/nsswitch.conf"
chown 1000:1000 "$root/home/node"

log "importing $LOCAL_BASE_IMAGE"
tar --numeric-owner -C "$root" -c . | docker import \
  --change "ENV PATH=/usr/local/bin:/usr/bin:/bin:/sbin" \
  --change "ENV NODE_VERSION=$NODE_VERSION" \
  --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
  --change "LABEL build-images.base.fingerprint=$fingerprint" \
  --change "LABEL org.opencontainers.image.description=\"local stand-in for node:$NODE_VERSION-bookworm-slim\"" \
  --change 'CMD ["node"]' \
  - "$LOCAL_BASE_IMAGE" >/dev/null
docker run --rm "$LOCAL_BASE_IMAGE" node -e 'console.log("node", process.version, "works")' >&2
docker run --rm --user node "$LOCAL_BASE_IMAGE" pnpm --version >&2
docker run --rm --user node "$LOCAL_BASE_IMAGE" npm --version >&2

# The distroless stand-in for `bundle` apps: node at /nodejs/bin/node (as in
# gcr.io/distroless/nodejs*), its libraries, the CA bundle and a nonroot user; no shell.
droot="$(mktemp -d)"
mkdir -p "$droot"/{nodejs/bin,etc/ssl/certs,lib,lib64,tmp,home/nonroot}
chmod 1777 "$droot/tmp"
cp "$root/usr/local/bin/node" "$droot/nodejs/bin/node"
cp -a "$root/lib/x86_64-linux-gnu" "$droot/lib/"
cp -a "$root/lib64/." "$droot/lib64/"
mkdir -p "$droot/usr" && ln -s ../lib "$droot/usr/lib"
cp /etc/ssl/certs/ca-certificates.crt "$droot/etc/ssl/certs/"
printf 'root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n' > "$droot/etc/passwd"
printf 'root:x:0:\nnonroot:x:65532:\n' > "$droot/etc/group"
chown 65532:65532 "$droot/home/nonroot"
log "importing $LOCAL_BUNDLE_IMAGE"
tar --numeric-owner -C "$droot" -c . | docker import \
  --change "ENV PATH=/nodejs/bin" \
  --change "ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt" \
  --change "LABEL build-images.base.fingerprint=$fingerprint" \
  --change "USER 65532" \
  --change 'ENTRYPOINT ["/nodejs/bin/node"]' \
  - "$LOCAL_BUNDLE_IMAGE" >/dev/null
docker run --rm "$LOCAL_BUNDLE_IMAGE" -e 'console.log("distroless node", process.version, "works")' >&2
