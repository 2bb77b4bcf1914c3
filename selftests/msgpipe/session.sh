#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Sessions between two hosts: the SYNC / SYNC_ACK / ACCEPT handshake, messages
# of 1 B, 64 KiB and 16 MiB (4 MiB on the debug kernel: lib.sh's MP_SCALE)
# intact and in order (SHA-256 of every message at both ends), a 64 MiB
# message read with a 1 MiB buffer in pieces with
# MSG_EOR only on the last, IPv6, a session whose SYNC_ACK is lost with its
# connection (opened by the ACCEPT alone), a refused session, and the data
# path going through the agent (its frame counters move).
#
#   +--------------------+            +--------------------+
#   | netns A (client)   |            | netns B (server)   |
#   |  veth-a 10.77.0.1  |<--veth---->|  veth-b 10.77.0.2  |
#   |         fd77::1    |            |         fd77::2    |
#   +--------------------+            +--------------------+
. "$(dirname "$0")/lib.sh"
trap cleanup_pair EXIT
setup_pair || exit 1
T=$(mktemp -d)
BIG=$(scaled 16777216 4194304)
N=$(mib $BIG)

# Test that 1 B, 64 KiB and $N MiB messages arrive intact and in order.
tx0=$(agent_stat tx_bytes)
da0=$(host_stat delayed_acks)
transfer sizes --port 4000 --bufsize 1048576 -- \
	--addr $ADDR_B --port 4000 --sizes 1,65536,$BIG,1,65536
check "five messages, same order and SHA-256 at both ends" same_messages sizes
check "the server counted five messages" \
	test "$(grep -c '^msg' "$T/sizes.srv")" = 5
# The big message came in pieces: at least N reads of 1 MiB, and the tool
# only ends a message on MSG_EOR, so the digests above prove EOR came on the
# last piece and nowhere else.
reads=$(awk -v big=$BIG '$1 == "msg" && $2 == big { sub("reads=", "", $4); print $4 }' "$T/sizes.srv")
check "$N MiB read with a 1 MiB buffer took >= $N pieces ($reads)" \
	test "${reads:-0}" -ge $N
tx1=$(agent_stat tx_bytes)
check "the payload went through the agent ($((tx1 - tx0)) bytes)" \
	test $((tx1 - tx0)) -ge $((BIG + 2 * 65536 + 2))
# Chunks in the middle of the big message, under a quarter window apart,
# are acknowledged by the delayed-ack timer (10 ms), not left to wait.
check "the delayed ACK acknowledged mid-message chunks ($(( $(host_stat delayed_acks) - da0 )))" \
	test $(( $(host_stat delayed_acks) - da0 )) -gt 0

# Test that MSG_WAITALL fills the buffer: exactly N pieces of 1 MiB.
transfer waitall --port 4001 --bufsize 1048576 --waitall -- \
	--addr $ADDR_B --port 4001 --sizes $BIG --seed 7
check "waitall: same SHA-256" same_messages waitall
check "waitall: $N MiB in exactly $N reads" \
	grep -q "^msg $BIG .* reads=$N\$" "$T/waitall.srv"

# Test that sessions work over IPv6 too, with odd sizes.
transfer v6 --port 4002 --bufsize 4096 -- \
	--addr $ADDR6_B --port 4002 --sizes 4095,4097,1000000,3 --seed 3
check "IPv6: same messages at both ends" same_messages v6

# Test that a session opens when its SYNC_ACK is lost with a connection:
# while the agent's lose_type knob is 2, every SYNC_ACK is lost and the
# connection it left on is reset. The acceptor's ACCEPT, sent on another
# connection or repeated after the loss, must open the session alone.
lost0=$(agent_stat lost_frames)
af0=$(host_stat accept_first)
knob msgpipe_soft lose_type 2
nb "$BIN/mp_xfer" server --report --port 4003 > "$T/lost.srv" 2>&1 &
spid=$!
wait_listening "$T/lost.srv"
na timeout $((60 * MP_SCALE)) "$BIN/mp_xfer" client --report --addr $ADDR_B \
	--port 4003 --sizes 1,65536,1048576 --seed 5 > "$T/lost.cli" 2> "$T/lost.err"
crc=$?
knob msgpipe_soft lose_type 0
[ $crc = 0 ] || kill $spid 2> /dev/null
wait $spid
check "lost SYNC_ACK: the session opened and moved 3 messages (client $crc $(head -c 200 "$T/lost.err"))" \
	test $crc = 0
check "lost SYNC_ACK: same messages at both ends" same_messages lost
check "lost SYNC_ACK: lost with its connection ($(( $(agent_stat lost_frames) - lost0 ))), opened by the ACCEPT ($(( $(host_stat accept_first) - af0 )))" \
	test $(( $(agent_stat lost_frames) - lost0 )) -gt 0 -a \
	$(( $(host_stat accept_first) - af0 )) -gt 0

# Test that a session to a port without a listener is refused.
na "$BIN/mp_xfer" client --addr $ADDR_B --port 4999 --sizes 1 2> "$T/refused.err"
check "no listener: connect fails with ECONNREFUSED" \
	grep -q "Connection refused" "$T/refused.err"

rm -rf "$T"
[ $FAILS = 0 ]
