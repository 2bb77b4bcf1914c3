#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The demo: a 256 MiB file sent as 4 MiB messages from one host to another
# through msgpipe, then through plain TCP in the same VM run, with the
# SHA-256 of what arrived checked against the file and the throughput of
# both printed side by side (measured by the receiver, first byte to end).
#
#   +--------------------+            +--------------------+
#   | netns A (sender)   |            | netns B (receiver) |
#   |  veth-a 10.77.0.1  |<--veth---->|  veth-b 10.77.0.2  |
#   +--------------------+            +--------------------+
. "$(dirname "$0")/lib.sh"
SIZE_MB=${SIZE_MB:-256}
MSG=$((4 << 20))
trap 'cleanup_pair; rmmod msgpipe_soft msgpipe 2>/dev/null' EXIT
load_modules || exit 1
setup_pair || exit 1
T=$(mktemp -d)
head -c $((SIZE_MB << 20)) /dev/urandom > "$T/file"
want=$(sha256sum < "$T/file" | cut -d' ' -f1)

run() {
	# run NAME [--tcp]: one transfer; prints MB/s or fails.
	local name=$1; shift
	: > "$T/$name.out"	# a repeat's: not the last server's "listening"
	nb "$BIN/mp_xfer" server --port 5000 --bufsize $MSG "$@" \
		> "$T/$name.out" 2>&1 &
	local spid=$!
	wait_listening "$T/$name.out" || return 1
	na "$BIN/mp_xfer" client --addr $ADDR_B --port 5000 --file "$T/file" \
		--msgsize $MSG "$@" 2> "$T/$name.cli" || { cat "$T/$name.cli"; return 1; }
	wait $spid
}

status=0
for mode in msgpipe tcp; do
	args=()
	[ $mode = tcp ] && args=(--tcp)
	if ! run $mode "${args[@]}"; then
		echo "demo: $mode transfer failed"; status=1; continue
	fi
	got=$(sed -n 's/^stream sha256 //p' "$T/$mode.out")
	rate=$(sed -n 's/^received .*: \([0-9.]*\) MB\/s$/\1/p' "$T/$mode.out")
	if [ "$got" = "$want" ]; then ok=intact; else ok=CORRUPT; status=1; fi
	printf '%-8s %6s MB/s  %s MiB  sha256 %s\n' $mode "$rate" $SIZE_MB $ok | tee -a "$T/table"
done
echo "== demo: ${SIZE_MB} MiB as $((MSG >> 20)) MiB messages over veth (same VM run) =="
cat "$T/table"
rm -rf "$T"
exit $status
