#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Print the directory of the debug kernel (KASAN, lockdep, kmemleak, UBSAN,
# failslab) the VM tests use: ../shared/kernels/debug-* when present, else
# one built from Debian's linux-source-6.1 with debug.config and cached in
# $MSGPIPE_CACHE (/var/cache/msgpipe) so later runs and clones reuse it.
# The directory has bzImage and either build.tar.xz (a prepared module
# build tree) or build/ (the kernel tree itself).
#
# usage: debug-kernel.sh [--no-build]   (about 20 minutes on 2 cores to build)
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=${MSGPIPE_CACHE:-/var/cache/msgpipe}
SRC_TAR=/usr/src/linux-source-6.1.tar.xz

d=$(ls -d "$ROOT"/../shared/kernels/debug-* 2>/dev/null | tail -n 1 || true)
if [ -n "$d" ] && [ -r "$d/bzImage" ]; then
	echo "$d"
	exit 0
fi
# Keyed by the source package and the fragment: either changing rebuilds.
key=$( (dpkg-query -W -f='${Version}' linux-source-6.1 2>/dev/null; cat "$HERE/debug.config") |
	sha256sum | cut -c1-12)
out=$CACHE/debug-6.1-$key
if [ -r "$out/bzImage" ] && [ -f "$out/build/Module.symvers" ]; then
	echo "$out"
	exit 0
fi
[ "${1:-}" = --no-build ] && { echo "debug-kernel.sh: none built yet" >&2; exit 1; }

echo "debug-kernel.sh: building the debug kernel into $out (about 20 min)" >&2
if [ "$(id -u)" = 0 ]; then
	missing=
	for p in flex bison bc libelf-dev libssl-dev xz-utils make gcc; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		apt-get update -qq >&2
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
			--no-install-recommends $missing >&2
	fi
fi
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
tar -xJf "$SRC_TAR" -C "$out.tmp"
mv "$out.tmp/linux-source-6.1" "$out.tmp/build"
cd "$out.tmp/build"
make allnoconfig >&2
scripts/kconfig/merge_config.sh -m .config "$HERE/debug.config" >&2
make olddefconfig >&2
# Every option of the fragment must have survived olddefconfig.
for opt in $(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=y$/\1/p' "$HERE/debug.config"); do
	grep -q "^$opt=y" .config || { echo "debug-kernel.sh: $opt did not stick" >&2; exit 1; }
done
make -j"$(nproc)" bzImage modules >&2
cp arch/x86/boot/bzImage "$out.tmp/bzImage"
cp .config "$out.tmp/config"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out"
