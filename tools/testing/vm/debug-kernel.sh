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
#        debug-kernel.sh --config DIR    only the configuration stage, in DIR:
#                                        what a build would run first, checked
#                                        (every option sticks; the result is
#                                        the shipped kernel's config when
#                                        ../shared/kernels has one); 20 s
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../../.." && pwd)
CACHE=${MSGPIPE_CACHE:-/var/cache/msgpipe}
SRC_TAR=/usr/src/linux-source-6.1.tar.xz

# configure: allnoconfig plus the fragment, then olddefconfig, in the
# current kernel tree; fails naming every option that did not stick (one
# whose dependencies the fragment lacks is dropped without a word).
configure() {
	local opt lost=

	make -s allnoconfig >&2
	scripts/kconfig/merge_config.sh -m .config "$HERE/debug.config" > /dev/null
	make -s olddefconfig >&2
	for opt in $(sed -n 's/^\(CONFIG_[A-Z0-9_]*\)=y$/\1/p' "$HERE/debug.config"); do
		grep -q "^$opt=y" .config || lost="$lost $opt"
	done
	[ -z "$lost" ] && return 0
	echo "debug-kernel.sh: did not stick:$lost" >&2
	return 1
}

# kernel_tools: what building a kernel needs, installed when missing (root).
kernel_tools() {
	local p missing=

	[ "$(id -u)" = 0 ] || return 0
	for p in flex bison bc libelf-dev libssl-dev xz-utils make gcc; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing="$missing $p"
	done
	[ -n "$missing" ] || return 0
	apt-get update -qq >&2
	DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
		--no-install-recommends $missing >&2
}

shipped=$(ls -d "$ROOT"/../shared/kernels/debug-* 2>/dev/null | tail -n 1 || true)

if [ "${1:-}" = --config ]; then
	dir=${2:?usage: debug-kernel.sh --config DIR}
	kernel_tools
	rm -rf "$dir"
	mkdir -p "$dir"
	# Kconfig reads only these: a fraction of the tree, unpacked in seconds.
	tar -xJf "$SRC_TAR" -C "$dir" --strip-components=1 --wildcards \
		'linux-source-6.1/Makefile' 'linux-source-6.1/scripts/*' \
		'linux-source-6.1/arch/x86/*' 'linux-source-6.1/include/*' \
		'linux-source-6.1/init/*' 'linux-source-6.1/kernel/*' \
		'linux-source-6.1/tools/*' '*Kconfig*' '*/Makefile'
	cd "$dir"
	configure
	echo "debug-kernel.sh: $(grep -c '^CONFIG_.*=y' .config) options set, every one of the fragment's stuck"
	if [ -n "$shipped" ] && [ -r "$shipped/config" ]; then
		if ! diff <(grep '^CONFIG' "$shipped/config" | sort) \
			  <(grep '^CONFIG' .config | sort) > config.diff; then
			echo "debug-kernel.sh: differs from $shipped/config:" >&2
			head -n 20 config.diff >&2
			exit 1
		fi
		echo "debug-kernel.sh: the same as $shipped/config"
	fi
	exit 0
fi

if [ -n "$shipped" ] && [ -r "$shipped/bzImage" ]; then
	echo "$shipped"
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
kernel_tools
rm -rf "$out.tmp"
mkdir -p "$out.tmp"
tar -xJf "$SRC_TAR" -C "$out.tmp"
mv "$out.tmp/linux-source-6.1" "$out.tmp/build"
cd "$out.tmp/build"
configure
make -j"$(nproc)" bzImage modules >&2
cp arch/x86/boot/bzImage "$out.tmp/bzImage"
cp .config "$out.tmp/config"
rm -rf "$out"
mv "$out.tmp" "$out"
echo "$out"
