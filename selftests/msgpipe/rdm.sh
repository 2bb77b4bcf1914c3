#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# SOCK_RDM: batched, acknowledged items to many destinations.
#  1. 1000 destinations (addresses 10.79.x.y on B, one receiving socket
#     each on ports 5000..5999) x 100 items of 1 KiB from one socket on A
#     (each destination's items in a row), plus items to 500 destinations
#     at once (on the debug kernel 250 destinations, 25 items each, and all
#     of them at once): every item arrives once,
#     intact, at its socket and completes once as delivered; far fewer
#     BATCH_ACK frames than items. A destination that is down (an
#     unreachable route) fails with ETIMEDOUT after the retries, one with
#     no socket on its port with ECONNREFUSED, while the others succeed.
#  2. A receiver that throttles (MSGPIPE_RDM_THROTTLE_MS 300) slows a
#     sender of priority items, each sent when the last completed, to one
#     batch per 300 ms.
#  3. Namespace defaults over netlink reach new sockets.
#  4. Payloads are parsed where they landed: in 1, hardly any BATCH is
#     copied to linear memory; with rx_scatter (scattered pages) each
#     multi-page one is, and the items still arrive intact. The sender
#     stages items' bytes in pages it reuses (in 1, more than twice as
#     many reuses as fresh pages), and reuses the pages of acknowledged
#     batches.
#  5. Batches waiting in the pipe's queues behind a slow link are not
#     resent: the retry time runs from when a copy left for the network.
# run.sh checks afterwards that every counter is back to 0 and rmmod works.
#
#   +----------------------+          +-------------------------------+
#   | netns A  10.77.0.1   |          | netns B  10.77.0.2            |
#   |  mp_rdm send         |---veth---|  10.79.1.1 .. 10.79.4.250 (lo) |
#   |  10.80.0.1 unreachable          |  mp_rdm recv: 1000 sockets    |
#   +----------------------+          +-------------------------------+
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'cleanup_pair; rm -rf "$T"' EXIT
setup_pair || exit 1
CTL=$BIN/msgpipectl
N=1000
# Each destination is a pipe whose connection takes four kernel threads:
# on the debug kernel 1000 of them made part 1 take 290 s of a full run.
# 250 run the same paths there (the tables past their first resizes, a
# batch to every destination at once); the other kernels run 1000.
[ "$MP_SCALE" -gt 1 ] && N=250
AT_ONCE=$((N < 500 ? N : 500))
# Each destination's share of 100 000 items (MP_SCALE times fewer on the
# debug kernel: 25 each). The staging pages are a working set of about 150
# whatever the count, and their reuses grow with the items: 6 items to each
# of 250 destinations are too few for part 4's two reuses a fresh page.
ITEMS=$(( $(scaled 100000) / N ))
MULTI=4

# The debug kernel under TCG is MP_SCALE times slower: a connection's
# liveness bound (dead_peer_ms, TCP's user timeout) grows with it, like
# every other time here. Through the middlebox (a DPDK process polling on
# the guest's one vCPU beside both hosts' stacks) frames wait seconds when
# the machine is loaded: with four guests on two cores, 46 connections
# reached the 15 s bound and their batches failed. Part 1's times triple
# there.
SLOW=$MP_SCALE
[ -n "${MP_MBOX:-}" ] && SLOW=$((3 * MP_SCALE))
[ "$SLOW" -gt 1 ] && knob msgpipe dead_peer_ms $((15000 * SLOW))
rdm_hosts $N || fail "adding $N addresses"
ip -n "$NSA" route add unreachable 10.80.0.1/32

before() { host_stat "$1" > "$T/$1.0"; }
delta() { echo $(($(host_stat "$1") - $(cat "$T/$1.0"))); }

# 1. Many destinations.
for c in rdm_ack_frames_tx rdm_rx_items rdm_batches_sent rdm_elements rx_linear_copies \
	 rdm_stage_allocs rdm_stage_reuses rdm_page_reuses rdm_resends rdm_open_fails \
	 rdm_rx_overflows rdm_throttled dial_timeouts; do
	before $c
done
TOTAL=$((N * ITEMS + MULTI * AT_ONCE))
nb "$BIN/mp_rdm" recv --port 5000 --socks $N --total $TOTAL --timeout 120 \
	> "$T/recv" 2>&1 &
rpid=$!
wait_listening "$T/recv" || fail "receiver did not start"
# The retry time (2 s by default) grows with SLOW: on the debug kernel an
# acknowledgment of this many batches takes longer than four of them.
na "$BIN/mp_rdm" send --net 10.79.0.0 --port 5000 --dests $N --items $ITEMS \
	--multi $MULTI --multi-dests $AT_ONCE --down 10.80.0.1 --refused 4999 --retries 3 \
	--retry-ms $((2000 * SLOW)) --timeout $((300 * SLOW)) \
	> "$T/send" 2>&1
src=$?
wait $rpid
rrc=$?
sed 's/^/# /' "$T/send" "$T/recv"
[ $src = 0 ] || counters
# What a failure's one line must say: the sender's tally, the first item
# whose status was not the one expected, and how often batches were resent
# or refused for a full receive queue.
tally=$(sed -n 's/^send items .* \(failed [0-9]* wrong [0-9]* twice [0-9]*\) .*/\1/p' "$T/send")
first=$(grep -m1 '^item .*status' "$T/send")
log "resends $(delta rdm_resends), open failures $(delta rdm_open_fails)," \
	"dial timeouts $(delta dial_timeouts), receive overflows $(delta rdm_rx_overflows)," \
	"throttled $(delta rdm_throttled)"
check "sender: every item completed once, as expected (rc $src; $tally${first:+; $first})" \
	test $src = 0
check "receiver: $TOTAL items, each once and intact (rc $rrc)" test $rrc = 0
sent=$((N * ITEMS + 2 * ITEMS + MULTI))
check "sender: $sent items completed" grep -q "send items $sent completed $sent " "$T/send"
check "failures: the down and the refused destination only ($((2 * ITEMS)); $tally)" \
	grep -q " failed $((2 * ITEMS)) wrong 0 twice 0 " "$T/send"
acks=$(delta rdm_ack_frames_tx)
items=$(delta rdm_rx_items)
log "items delivered $items in $(delta rdm_batches_sent) BATCH frames" \
	"($(delta rdm_elements) elements), acknowledged by $acks BATCH_ACK frames"
# Acknowledgments are batched per origin pipe, and every destination here
# is a pipe of its own: one BATCH_ACK per destination at the least. With
# 100 items each that is far fewer than items; with the debug kernel's
# fewer items per destination (MP_SCALE), still well under one per item.
if [ "$ITEMS" -ge 50 ]; then
	check "BATCH_ACK frames ($acks) far fewer than items ($items)" \
		test $((acks * 10)) -lt "$items"
else
	check "BATCH_ACK frames ($acks) well under one per item ($items)" \
		test $((acks * 3)) -lt "$items"
fi
check "the down destination was retried" test "$(host_stat rdm_open_fails)" -gt 0
copies=$(delta rx_linear_copies)
check "BATCH payloads read in place: $copies linear copies, $(delta rdm_batches_sent) BATCH frames" \
	test $((copies * 10)) -lt "$(delta rdm_batches_sent)"
fresh=$(delta rdm_stage_allocs)
reused=$(delta rdm_stage_reuses)
check "items' bytes staged in reused pages: $reused reuses, $fresh fresh pages" \
	test $((fresh * 2)) -lt "$reused"
check "BATCH pages reused ($(delta rdm_page_reuses) times)" \
	test "$(delta rdm_page_reuses)" -gt 0

# 2. Throttling: 10 priority items (one batch each) to one destination,
# each sent once the one before completed.
throttled() {	# throttled MS: seconds the sender took
	: > "$T/trecv"	# not the last call's "listening"
	nb "$BIN/mp_rdm" recv --port 6000 --socks 1 --total 10 --throttle "$1" \
		--timeout 30 > "$T/trecv" 2>&1 &
	local p=$!
	wait_listening "$T/trecv" || fail "throttle receiver did not start" >&2
	na "$BIN/mp_rdm" send --net 10.79.0.0 --port 6000 --dests 1 --items 10 \
		--prio --sync --timeout 60 > "$T/tsend" 2>&1 ||
		fail "throttled sender: $(cat "$T/tsend")" >&2
	wait $p || fail "throttled receiver: $(cat "$T/trecv")" >&2
	awk '/^send/ { for (i = 1; i < NF; i++) if ($i == "secs") print $(i + 1) }' "$T/tsend"
}
before rdm_throttled
fast=$(throttled 0)
slow=$(throttled 300)
log "10 priority items: ${fast}s, ${slow}s with the receiver throttling at 300 ms"
check "throttled: at least 9 x 300 ms (${slow}s)" \
	awk -v s="$slow" 'BEGIN { exit !(s >= 2.7) }'
check "the sender held batches back ($(delta rdm_throttled) times)" \
	test "$(delta rdm_throttled)" -gt 0

# 3. Defaults over netlink.
na $CTL defaults set rdm_size 0 rdm_retries 7 || fail "defaults set"
check "defaults show has them" \
	bash -c "ip netns exec $NSA $CTL -j defaults show | jq -e '.[0].rdm_size == 0 and .[0].rdm_retries == 7' > /dev/null"
check "a new socket takes them" \
	bash -c "ip netns exec $NSA $BIN/mp_rdm show | grep -q 'size 0 retry_ms 2000 retries 7'"
check "an out-of-range default is refused with a message" \
	bash -c "ip netns exec $NSA $CTL defaults set rdm_retries 1000 2>&1 | grep -q range"

# 4. Scattered receive pages: 20 destinations x 8 items, each
# destination's in one BATCH of three pages, copied to be parsed, intact.
knob msgpipe rx_scatter 1
before rx_linear_copies
nb "$BIN/mp_rdm" recv --port 7000 --socks 20 --total 160 --timeout 60 \
	> "$T/srecv" 2>&1 &
rpid=$!
wait_listening "$T/srecv" || fail "scatter receiver did not start"
na "$BIN/mp_rdm" send --net 10.79.0.0 --port 7000 --dests 20 --items 8 \
	--batch 65536 --time-us 200000 --timeout $((60 * MP_SCALE)) > "$T/ssend" 2>&1
src=$?
wait $rpid
rrc=$?
knob msgpipe rx_scatter 0
check "scattered pages: 160 items completed, each once and intact (rc $src, $rrc)" \
	test "$src$rrc" = 00
check "scattered pages: BATCH payloads copied to be parsed ($(delta rx_linear_copies))" \
	test "$(delta rx_linear_copies)" -gt 0
# 5. A slow link: 1000 items of 1 KiB to one new destination through
# 2 Mbit/s, with TCP's send buffer at most 64 KiB, wait up to 4 s in the
# pipe's queues, four times the retry time. The retry clock runs from
# when a copy left for the network: they all arrive, none fails, and
# hardly any is resent.
ip -n "$NSB" addr add 10.81.1.1/32 dev lo
ip -n "$NSA" route add 10.81.0.0/16 via $ADDR_B
na sysctl -qw net.ipv4.tcp_wmem="4096 16384 65536"
tc -n "$NSA" qdisc add dev veth-a root tbf rate 2mbit burst 32kb latency 30s ||
	fail "tc tbf"
before rdm_resends
before rdm_batches_sent
nb "$BIN/mp_rdm" recv --port 8000 --socks 1 --total 1000 --timeout 120 \
	> "$T/qrecv" 2>&1 &
rpid=$!
wait_listening "$T/qrecv" || fail "slow-link receiver did not start"
na "$BIN/mp_rdm" send --net 10.81.0.0 --port 8000 --dests 1 --items 1000 \
	--retry-ms 1000 --retries 3 --timeout 120 > "$T/qsend" 2>&1
src=$?
wait $rpid
rrc=$?
tc -n "$NSA" qdisc del dev veth-a root
sed 's/^/# /' "$T/qsend" "$T/qrecv"
tally=$(sed -n 's/^send items .* \(failed [0-9]* wrong [0-9]* twice [0-9]*\) .*/\1/p' "$T/qsend")
check "slow link: 1000 items completed as delivered, each once ($tally; rc $src, $rrc)" \
	test "$src$rrc" = 00
check "slow link: $(delta rdm_resends) resends of $(delta rdm_batches_sent) BATCH frames" \
	test $(($(delta rdm_resends) * 10)) -lt "$(delta rdm_batches_sent)"
[ $FAILS = 0 ]
