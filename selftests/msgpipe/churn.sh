#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Churn and teardown under load:
#  1. 1000 sessions opened, used and closed, MP_CHURN_ROUNDS times (3; 1
#     on the debug kernel): afterwards the module's socket slab ("MSGPIPE")
#     holds no object and the gauges are 0;
#  2. a namespace deleted in the middle of a transfer: the peer's session
#     fails (retire time 5 s) and everything is released; and deleted while
#     the sender waits for the peer's window (nothing in flight): the
#     connections' keepalive finds the peer gone (dead_peer_ms);
#  3. rmmod of the agent and then of the host while transfers run in two
#     pairs of namespaces: both unload, the sessions fail cleanly.
#
#   +--------------+            +--------------+
#   | netns A      |<--veth---->| netns B      |   pair 1 (lib.sh)
#   +--------------+            +--------------+
#   +--------------+            +--------------+
#   | netns C      |<--veth---->| netns D      |   pair 2 (10.78.0.0/24)
#   +--------------+            +--------------+
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
NSC=mpc-$$
NSD=mpd-$$
trap 'cleanup_pair; for ns in $NSC $NSD; do ip netns pids $ns 2>/dev/null | xargs -r kill -9; ip netns del $ns 2>/dev/null; done' EXIT
setup_pair || exit 1
CTL=$BIN/msgpipectl
ROUNDS=${MP_CHURN_ROUNDS:-$((MP_SCALE > 1 ? 1 : 3))}

slab_objects() {
	local s=/sys/kernel/slab/MSGPIPE
	echo 1 > $s/shrink 2>/dev/null
	awk '{ print $1 }' $s/objects
}
gauges_idle() {
	for g in socks sessions pipes tx_bufs rx_bufs pinned_pages; do
		[ "$(host_stat $g)" = 0 ] || return 1
	done
}
wait_idle() {
	wait_until 30 gauges_idle && return 0
	for g in socks sessions pipes tx_bufs rx_bufs pinned_pages; do
		log "still: $g $(host_stat $g)"
	done
	return 1
}

# 1. Churn.
unrec0=$(awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo)
t0=$SECONDS rounds=0 bad=0
while [ $rounds -lt "$ROUNDS" ]; do
	: > "$T/srv"	# each round's, not the last one's "listening"
	nb "$BIN/mp_many" server --port 4900 --sessions 1000 --count 1 \
		--maxsize 256 > "$T/srv" 2>&1 &
	spid=$!
	wait_listening "$T/srv" || { bad=$((bad + 1)); kill $spid; break; }
	b0=$bad
	na "$BIN/mp_many" client --addr $ADDR_B --port 4900 --sessions 1000 \
		--count 1 --maxsize 256 > "$T/cli" 2>&1 || bad=$((bad + 1))
	wait $spid || bad=$((bad + 1))
	grep -q "bad 0" "$T/srv" || bad=$((bad + 1))
	rounds=$((rounds + 1))
	if [ $bad != $b0 ] && [ $b0 -lt 3 ]; then
		log "round $rounds went wrong:"
		tail -n 4 "$T/cli" | sed 's/^/#   client: /'
		tail -n 4 "$T/srv" | sed 's/^/#   server: /'
	fi
done
check "churn: $rounds rounds of 1000 sessions in $((SECONDS - t0))s, $bad bad" \
	test $rounds = "$ROUNDS" -a $bad = 0
check "churn: the gauges went back to 0" wait_idle
objs=$(slab_objects)
check "churn: the MSGPIPE slab holds no socket ($objs)" test "$objs" = 0
unrec1=$(awk '/^SUnreclaim:/ { print $2 }' /proc/meminfo)
log "SUnreclaim ${unrec0} kB before, ${unrec1} kB after"

# 2. The server's namespace goes away mid-transfer.
na $CTL agent set soft retire_ms 5000
nb "$BIN/mp_xfer" server --port 4901 > "$T/srv2" 2>&1 &
wait_listening "$T/srv2" || fail "server did not listen"
na "$BIN/mp_xfer" client --addr $ADDR_B --port 4901 --count 64 \
	--msgsize 16777216 > "$T/cli2" 2>&1 &
cpid=$!
sleep 2
ip netns pids "$NSB" | xargs -r kill -9
ip netns del "$NSB"
t0=$SECONDS
wait $cpid
crc=$?
check "netns gone: the client's session failed ($(tail -n 1 "$T/cli2"), after $((SECONDS - t0))s)" \
	test $crc != 0
check "netns gone: the gauges went back to 0" wait_idle
na $CTL agent set soft retire_ms 60000

# pair2_up: (re)create netns C and D and their veth (D's deletion takes
# the veth with it).
pair2_up() {
	ip netns list | grep -qw "$NSC" || ip netns add "$NSC"
	ip netns add "$NSD"
	for ns in $NSC $NSD; do ip -n $ns link set lo up; done
	ip link add veth-c netns "$NSC" type veth peer name veth-d netns "$NSD"
	ip -n "$NSC" addr add 10.78.0.1/24 dev veth-c
	ip -n "$NSD" addr add 10.78.0.2/24 dev veth-d
	ip -n "$NSC" link set veth-c up
	ip -n "$NSD" link set veth-d up
}
# exits_within PID SECS: PID ends within SECS seconds.
exits_within() {
	local end=$((SECONDS + $2))
	while kill -0 "$1" 2>/dev/null; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.5
	done
}

# 2b. The peer's namespace goes away while the sender waits for its window:
# nothing is in flight, so only the connections' keepalive and user
# timeout (dead_peer_ms) notice; the pipe then fails after reconnect_ms.
pair2_up
mkfifo "$T/hold"
ip netns exec "$NSD" "$BIN/mp_xfer" server --port 4903 --hold \
	< "$T/hold" > "$T/srv3" 2>&1 &
exec 7> "$T/hold"	# held open: the server holds while it is
wait_listening "$T/srv3" || fail "holding server did not listen"
ip netns exec "$NSC" "$BIN/mp_xfer" client --addr 10.78.0.2 --port 4903 \
	--count 64 --msgsize 16777216 > "$T/cli3" 2>&1 &
cpid=$!
# Until the window closed: the client's unacknowledged bytes reach 0.
sleep 3
wait_until 20 host_is tx_unacked_bytes 0
ip netns pids "$NSD" | xargs -r kill -9
ip netns del "$NSD"
t0=$SECONDS
exits_within $cpid 120
gone=$?
[ $gone = 0 ] || kill -9 $cpid
wait $cpid
crc=$?
check "window closed, netns gone: the client's session failed ($(tail -n 1 "$T/cli3"), after $((SECONDS - t0))s)" \
	test $gone = 0 -a $crc != 0
check "window closed, netns gone: the gauges went back to 0" wait_idle
exec 7>&-

# 3. rmmod while two pairs of namespaces transfer.
ip netns add "$NSB"
ip -n "$NSB" link set lo up
ip link add veth-b2 netns "$NSA" type veth peer name veth-b netns "$NSB"
ip -n "$NSA" addr add 10.79.0.1/24 dev veth-b2
ip -n "$NSB" addr add 10.79.0.2/24 dev veth-b
ip -n "$NSA" link set veth-b2 up
ip -n "$NSB" link set veth-b up
pair2_up
nb "$BIN/mp_xfer" server --port 4902 > "$T/s1" 2>&1 &
ip netns exec "$NSD" "$BIN/mp_xfer" server --port 4902 > "$T/s2" 2>&1 &
wait_listening "$T/s1" && wait_listening "$T/s2" || fail "servers did not listen"
na "$BIN/mp_xfer" client --addr 10.79.0.2 --port 4902 --count 64 \
	--msgsize 16777216 > "$T/c1" 2>&1 &
c1=$!
ip netns exec "$NSC" "$BIN/mp_xfer" client --addr 10.78.0.2 --port 4902 \
	--count 64 --msgsize 16777216 > "$T/c2" 2>&1 &
c2=$!
sleep 3
check "rmmod msgpipe_soft with two transfers running" rmmod msgpipe_soft
wait $c1; r1=$?
wait $c2; r2=$?
check "both sessions failed cleanly (rc $r1/$r2: $(tail -n 1 "$T/c1"); $(tail -n 1 "$T/c2"))" \
	test $r1 != 0 -a $r2 != 0
for ns in $NSB $NSD; do ip netns pids $ns | xargs -r kill; done
sleep 0.5
check "the host's gauges went back to 0" wait_idle
check "rmmod msgpipe then succeeds" rmmod msgpipe
check "the MSGPIPE slab is gone with the module" test ! -e /sys/kernel/slab/MSGPIPE
# Load both again for the runner's own unload.
insmod "$MP_MODDIR/msgpipe/msgpipe.ko" &&
	insmod "$MP_MODDIR/msgpipe_soft/msgpipe_soft.ko"
rm -rf "$T"
[ $FAILS = 0 ]
