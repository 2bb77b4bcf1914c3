#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pinned memory is bounded by the namespace's cap, not by the message: one
# 128 MiB zero-copy message (32 MiB on the debug kernel), 16 (4) times the
# cap, with 64 MiB socket buffers at both ends (so the window allows far
# more than the cap) never has more than 8 MiB of user pages pinned, and
# arrives intact. The agent's own cap on what TCP holds (max_inflight_kb,
# 4 MiB here) holds as well.
#
#   +--------------------+            +--------------------+
#   | netns A (client)   |            | netns B (server)   |
#   | 128 MiB, zero-copy |            |  mp_xfer server    |
#   |  veth-a 10.77.0.1  |<--veth---->|  veth-b 10.77.0.2  |
#   +--------------------+            +--------------------+
#   sampler: host pinned_pages and agent inflight_bytes every 20 ms
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
cap0=$(cat /sys/module/msgpipe/parameters/pin_cap_kb)
trap 'kill $sampler 2>/dev/null; knob msgpipe pin_cap_kb $cap0; knob msgpipe_soft max_inflight_kb 0; cleanup_pair' EXIT
setup_pair || exit 1

knob msgpipe pin_cap_kb 8192
knob msgpipe_soft max_inflight_kb 4096
# Sampled by bash alone, no process started (each costs more than the
# 20 ms between samples); read -t on a pipe nobody writes is the sleep.
(exec 3<> <(:)
while :; do
	stat_to p /sys/kernel/debug/msgpipe/stats pinned_pages
	stat_to f /sys/kernel/debug/msgpipe_soft/stats inflight_bytes
	echo "${p:-none} ${f:-none}"
	read -r -t 0.02 -u 3
done) > "$T/samples" &
sampler=$!
transfer cap --port 4200 --bufsize 1048576 --rcvbuf 67108864 -- \
	--addr $ADDR_B --port 4200 --count 1 --msgsize $(scaled 134217728 33554432) \
	--zerocopy --sndbuf 67108864
kill $sampler
torn=$(grep -c none "$T/samples")
peak=$(awk '{ print $1 }' "$T/samples" | sort -n | tail -1)
held=$(awk '{ print $2 }' "$T/samples" | sort -n | tail -1)
check "the $(mib $(scaled 134217728 33554432)) MiB message arrived intact" \
	same_messages cap
check "every sample has both counters ($(wc -l < "$T/samples") samples, $torn without)" \
	test "$torn" = 0
check "pages were pinned during the transfer (peak $peak)" test "$peak" -gt 0
check "never more than 8 MiB pinned (peak $((peak * 4)) KiB)" \
	test "$peak" -le 2048
check "the agent never had more than 4 MiB in TCP (peak $held bytes)" \
	test "$held" -le 4194304
check "its completion came, without error" \
	test "$(field cap zc_done)/$(field cap zc_errors)" = 1/0
rm -rf "$T"
[ $FAILS = 0 ]
