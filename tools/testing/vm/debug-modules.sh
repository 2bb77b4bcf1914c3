#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the msgpipe modules for the debug kernel (debug-kernel.sh finds it in
# ../shared/kernels or its cache, or builds it): unpack a shipped build tree
# once (cached), copy the sources to build/mods/<kernel>/ and build there,
# so the stock build in the work tree is left alone. Arguments go to make
# (-j).
set -eu
ROOT=$(cd "$(dirname "$0")/../../.." && pwd)
d=$("$ROOT/tools/testing/vm/debug-kernel.sh")
tag=$(basename "$d")
if [ -f "$d/build/Module.symvers" ]; then
	kdir=$d/build
else
	kb=$ROOT/build/kernels/$tag
	if [ ! -f "$kb/.stamp" ]; then
		mkdir -p "$kb"
		tar -xJf "$d/build.tar.xz" -C "$kb"
		touch "$kb/.stamp"
	fi
	kdir=$(dirname "$(find "$kb" -maxdepth 3 -name Module.symvers | head -n 1)")
fi
out=$ROOT/build/mods/$tag
mkdir -p "$out"
cp -r "$ROOT/Kbuild" "$ROOT/include" "$ROOT/uapi" "$out/"
mkdir -p "$out/drivers/net"
for m in msgpipe msgpipe_soft; do
	rm -rf "$out/drivers/net/$m"
	mkdir -p "$out/drivers/net/$m"
	cp "$ROOT/drivers/net/$m"/*.[ch] "$ROOT/drivers/net/$m/Kbuild" "$out/drivers/net/$m/"
done
make -C "$kdir" M="$out" "$@" modules
echo "$out" > "$ROOT/build/mods/debug.dir"
