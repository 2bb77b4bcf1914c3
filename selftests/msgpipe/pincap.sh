#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pinned memory is bounded by the namespace's cap, not by the message: one
# 128 MiB zero-copy message (32 MiB on the debug kernel), 16 (4) times the
# cap, with 64 MiB socket buffers at both ends (so the window allows far
# more than the cap) never has more than 8 MiB of user pages pinned, and
# arrives intact. The agent's own cap on what TCP holds (max_inflight_kb,
# 4 MiB here) holds as well. A user whose RLIMIT_MEMLOCK holds less than a
# message sends it zero-copy all the same: the sender waits for its pins.
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
# 20 ms between samples; lib.sh's sleep is bash's too).
(while :; do
	stat_to p /sys/kernel/debug/msgpipe/stats pinned_pages
	stat_to f /sys/kernel/debug/msgpipe_soft/stats inflight_bytes
	echo "${p:-none} ${f:-none}"
	sleep 0.02
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

# RLIMIT_MEMLOCK: a user without CAP_IPC_LOCK whose limit (1 MiB) holds a
# few chunks but not its send queue (2 MiB) sends two 4 MiB messages
# zero-copy. Once its first chunk went, A's link goes down for a second:
# the frames in flight keep their pins (no acknowledgment completes them)
# while the sender posts on. It waits for them, and nothing fails.
knob msgpipe pin_cap_kb $cap0
w0=$(host_stat memlock_waits)
x0=$(agent_stat tx_bytes)
nb "$BIN/mp_xfer" server --report --port 4201 > "$T/lock.srv" 2>&1 &
spid=$!
wait_listening "$T/lock.srv" || fail "the server did not listen"
(na setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all \
	prlimit --memlock=1048576 "$BIN/mp_xfer" client --report --zerocopy \
	--addr $ADDR_B --port 4201 --count 2 --msgsize 4194304 \
	> "$T/lock.cli" 2> "$T/lock.err"
 echo $? > "$T/lock.rc") &
cpid=$!
until_stat agent tx_bytes $((x0 + 262144)) "$T/lock.rc"
ip -n "$NSA" link set veth-a down
sleep 1
ip -n "$NSA" link set veth-a up
wait $cpid
crc=$(cat "$T/lock.rc")
[ "$crc" = 0 ] || kill $spid 2> /dev/null
wait $spid
check "memlock: 2 zero-copy messages of 4 MiB within 1 MiB of RLIMIT_MEMLOCK (rc $crc $(cat "$T/lock.err"))" \
	test "$crc" = 0
check "memlock: intact" same_messages lock
check "memlock: the sender waited for its own pins ($(( $(host_stat memlock_waits) - w0 )) times)" \
	test "$(host_stat memlock_waits)" -gt "$w0"
check "memlock: every pinned page released ($(host_stat pinned_pages))" \
	test "$(host_stat pinned_pages)" = 0
rm -rf "$T"
[ $FAILS = 0 ]
