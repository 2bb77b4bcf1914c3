#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build the modules (W=1 -Werror) against the newest Debian 12 kernel
# headers of the 6.12 series, so the compat header keeps 6.5+ (sendpage
# gone, MSG_SPLICE_PAGES, pin_user_pages_remote without vmas, 6.10's
# ubuf_info_ops and proto_accept_arg) compiling. The sources are copied to
# build/next so the 6.1 build is untouched. Arguments go to make (-j).
set -eu
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
KDIR=${NEXT_KDIR:-$(ls -d /usr/src/linux-headers-6.12.*-amd64 2>/dev/null |
	grep -v -e cloud -e rt | sort -V | tail -1)}
[ -n "$KDIR" ] || { echo "build-next: no 6.12 headers (make deps)"; exit 1; }
OUT=$ROOT/build/next
rm -rf "$OUT"
mkdir -p "$OUT"
cp -r "$ROOT/Kbuild" "$ROOT/include" "$ROOT/uapi" "$ROOT/drivers" "$OUT/"
find "$OUT" \( -name '*.o' -o -name '*.ko' -o -name '*.mod*' -o -name '.*.cmd' \
	-o -name 'test' -prune \) -exec rm -rf {} + 2>/dev/null || true
echo "build-next: $KDIR"
make -C "$KDIR" M="$OUT" W=1 "$@" modules
ls "$OUT"/drivers/net/*/*.ko
