#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Fault injection (needs a kernel with failslab and fail_page_alloc: the
# debug kernel; elsewhere the test is skipped). Allocations fail only in the
# tasks marked for it (/proc/PID/fail-nth, /proc/PID/make-it-fail):
#  1. loading each module (mp_load: init_module from memory) with its Nth
#     allocation failing, N = 1, 2, ... past the last one: a load works or
#     fails cleanly, and a clean load works afterwards;
#  2. sessions (pipe dial, SYNC/accept, pinning, sends, receives) with the
#     applications and the agent's threads marked, 1, 2, 5 or 10 % of slab
#     and page allocations failing: transfers succeed or fail with an
#     errno, none hangs, no acknowledgment is judged invalid, and once the
#     faults stop every gauge returns to 0 and a transfer works again;
#  3. the agent's fault point fail_zc fails the record of a zero-copy
#     frame: the transfer ends and every gauge returns to 0.
# run.sh then unloads both modules and (kmemleak) scans for leaks.
#
#   +----------------------+            +----------------------+
#   | netns A              |            | netns B              |
#   |  mp_xfer client  =========pipe=======> mp_xfer server    |
#   |  (make-it-fail)      |   veth     |  (make-it-fail)      |
#   +----------------------+            +----------------------+
. "$(dirname "$0")/lib.sh"
FS=/sys/kernel/debug/failslab
FP=/sys/kernel/debug/fail_page_alloc
if [ ! -d $FS ] || [ ! -d $FP ]; then
	skip "no failslab/fail_page_alloc in this kernel (the debug kernel has them)"
fi
T=$(mktemp -d)
ROUNDS=${MP_FAULT_ROUNDS:-4}

# faults PERCENT: allocations of marked tasks fail at PERCENT. The task
# filter goes on before the probability: never may every task fail.
faults() {
	local d
	for d in $FS $FP; do
		echo Y > $d/task-filter
		echo 1 > $d/interval
		echo -1 > $d/times
		echo 0 > $d/space
		echo 0 > $d/verbose
		echo N > $d/ignore-gfp-wait
	done
	echo N > $FP/ignore-gfp-highmem
	echo 0 > $FP/min-order
	echo "$1" > $FS/probability
	echo "$1" > $FP/probability
}
faults_off() {
	echo 0 > $FS/probability
	echo 0 > $FP/probability
}
# Marked tasks must not touch the VM's 9p root (a failure there can break
# 9p for every task): mp_load and mp_xfer --faults mark themselves once
# they have read what they need; the agent's threads never read files.
mark_agent() {	# the agent's threads: receive, transmit
	local p
	for p in $(pgrep '^msa_(rx|tx)/'); do
		echo 1 > /proc/$p/make-it-fail 2>/dev/null
	done
}
cleanup() {
	[ "$BASHPID" = $$ ] || return 0	# never from a subshell
	faults_off
	cleanup_pair
	rm -rf "$T"
}
trap cleanup EXIT

# nine_p_ok: the VM's 9p root still works (see mark_agent); else stop now.
nine_p_ok() {
	/bin/true && return 0
	fail "9p broke: a marked task reached it"
	exit 1
}

# 1. Module load, the way syzkaller walks error paths: load each module
# with its Nth allocation failing (/proc/thread-self/fail-nth), for N from
# 1 to past the last allocation of the load. Each load fails cleanly and
# leaves nothing behind, or (N past the end) works.
rmmod msgpipe_soft && rmmod msgpipe || fail "could not unload before the test"
faults 0	# probability 0: only fail-nth injects
NTHS="$(seq -s, 1 40),50,60,80,100,130,160,200,250,300,400,500,700,1000,1500,2000,3000,5000"
# loads KO: load KO with each Nth allocation failing, each load that worked
# unloaded again; one mp_load walks the list.
loads() {
	local ko=${1##*/} ok bad past

	"$BIN/mp_load" --fail-nth "$NTHS" "$1" > "$T/walk" 2>&1 ||
		fail "$ko: mp_load: $(tail -n 2 "$T/walk" | tr '\n' ' ')"
	nine_p_ok
	grep '^init_module:' "$T/walk" >> "$T/insmod"
	bad=$(grep -c '^init_module:' "$T/walk")
	ok=$(( $(grep -c '^fault ' "$T/walk") - bad ))
	past=$(grep -c ': not reached$' "$T/walk")
	log "$ko: $bad loads failed cleanly, $ok worked ($past with no fault reached)"
	check "$ko: the early faults failed the load, the last ones did not" \
		test "$bad" -gt 0 -a "$past" -gt 0
}
loads "$MP_MODDIR/msgpipe/msgpipe.ko"
"$BIN/mp_load" "$MP_MODDIR/msgpipe/msgpipe.ko" || fail "load msgpipe"
loads "$MP_MODDIR/msgpipe_soft/msgpipe_soft.ko"
rmmod msgpipe || fail "rmmod msgpipe"
log "errors seen: $(grep -o 'init_module: .*' "$T/insmod" | sort | uniq -c | tr -s ' \n' ' ')"
check "no module left behind" test -z "$(lsmod | grep '^msgpipe')"
check "a clean load works afterwards" load_modules

# 2. Sessions under faults.
# reap_server [SECS]: the round's server's status. One still running after
# SECS (default 20; in accept() for a client that failed, or still starting
# up) is killed.
# Polled, not by a killer subshell: bash runs the EXIT trap in a subshell
# killed right after its fork, and that cleanup deleted the hosts under the
# next round.
reap_server() {
	local end=$((SECONDS + ${1:-20}))

	while [ $SECONDS -lt $end ] && kill -0 $spid 2>/dev/null; do
		sleep 0.2
	done
	kill $spid 2>/dev/null
	wait $spid
}
# listening_or_gone: until the round's server listens (true) or, failed
# under the faults, exits (false); at most 10 s (times MP_SCALE).
listening_or_gone() {
	local end=$((SECONDS + 10 * MP_SCALE))

	while [ $SECONDS -lt $end ]; do
		file_has "$T/srv" listening && return 0
		kill -0 $spid 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}
# Between two msgpipe hosts an acknowledgment judged invalid is a bug of
# ours, faults or not: a frame whose record the agent could not allocate
# went out all the same, and its acknowledgment once reset the connection.
bad_acks() { dmesg | grep -c 'bad ACK for session'; }
bad0=$(bad_acks)
setup_pair || exit 1
fails=0 oks=0 hung=0
for r in $(seq "$ROUNDS"); do
	port=$((5000 + r))
	# 1, 2, 5 and 10 %. A transfer of 8 MiB makes thousands of marked
	# allocations, so even at 1 % most rounds fail (at the dial, the
	# connect or a send), each with an errno: what the test is after.
	pct=$(echo 1 2 5 10 | cut -d' ' -f$(( (r - 1) % 4 + 1 )))
	faults $pct
	# Not through nb(): $! must be mp_xfer itself, for the kill below.
	: > "$T/srv"	# each round's, not the last one's "listening"
	ip netns exec "$NSB" "$BIN/mp_xfer" server --faults --port $port \
		> "$T/srv" 2>&1 &
	spid=$!
	if ! listening_or_gone; then
		# Listening itself may fail under faults: that is a clean error.
		# Or the server is only slow to start (its page faults retried
		# under failing allocations) and will listen for ever: killed.
		reap_server
		fails=$((fails + 1))
		continue
	fi
	mode=
	[ $((r % 2)) = 0 ] && mode=--zerocopy
	timeout 120 ip netns exec "$NSA" "$BIN/mp_xfer" client --faults $mode \
		--addr $ADDR_B --port $port --count 8 --msgsize 1048576 \
		> "$T/cli" 2>&1 &
	cpid=$!
	# The agent's threads of this round's pipe exist once it is up.
	sleep 1
	mark_agent
	wait $cpid
	crc=$?
	[ $crc = 124 ] && hung=$((hung + 1))
	faults_off
	nine_p_ok
	# A client that failed leaves its server waiting for a session that
	# will not come: 2 s for it to see the end of one that did.
	if [ $crc = 0 ]; then reap_server; else reap_server 2; fi
	src=$?
	if [ $crc = 0 ]; then
		oks=$((oks + 1))
	else
		fails=$((fails + 1))
		log "round $r ($pct %): client $crc: $(tail -n 1 "$T/cli"); server $src: $(tail -n 1 "$T/srv")"
	fi
done
log "sessions under faults: $oks rounds whole, $fails failed"
check "no transfer hung under faults" test $hung = 0
check "no acknowledgment judged invalid" test "$(bad_acks)" = "$bad0"
check "faults were hit (some rounds failed with an errno)" \
	test $((fails + oks)) = "$ROUNDS" -a $fails -gt 0

idle() {
	for g in socks sessions tx_bufs tx_pages tx_unacked_bytes pinned_pages \
		 rx_bufs rx_pages rx_queued_bytes; do
		[ "$(host_stat $g)" = 0 ] || return 1
	done
}
wait_idle() { wait_until 60 idle; }
check "every gauge back to 0 once the faults stopped" wait_idle

: > "$T/srv"
nb "$BIN/mp_xfer" server --port 5999 > "$T/srv" 2>&1 &
spid=$!
wait_listening "$T/srv" || fail "the server did not listen after the faults"
check "a transfer works again" na "$BIN/mp_xfer" client --addr $ADDR_B \
	--port 5999 --count 4 --msgsize 1048576
wait $spid

# 3. A zero-copy frame whose record the agent cannot allocate (its fault
# point fail_zc, once): the agent aborts that connection and the frame is
# not lost: it is sent again over the redialed connection, the transfer
# completes and every gauge returns to 0. A frame left without its
# completion kept its buffer, pins and session for good; a connection
# closed with a FIN instead of aborted ended the pipe at the acceptor,
# which reset the session (ECONNRESET to the client).
ZC=/sys/kernel/debug/msgpipe_soft/fail_zc
echo 0 > $ZC/verbose
echo 1 > $ZC/interval
echo 1 > $ZC/times
echo 100 > $ZC/probability
nb "$BIN/mp_xfer" server --report --port 5998 > "$T/zc.srv" 2>&1 &
spid=$!
wait_listening "$T/zc.srv" || fail "fail_zc: the server did not listen"
timeout $((60 * MP_SCALE)) ip netns exec "$NSA" "$BIN/mp_xfer" client \
	--report --zerocopy --addr $ADDR_B --port 5998 --count 8 \
	--msgsize 1048576 > "$T/zc.cli" 2>&1
crc=$?
[ $crc = 0 ] || kill $spid 2>/dev/null
wait $spid
left=$(cat $ZC/times)
echo 0 > $ZC/probability
check "fail_zc: hit ($left left)" test "$left" = 0
check "fail_zc: the transfer completed (client $crc: $(tail -n 1 "$T/zc.cli"))" \
	test $crc = 0
check "fail_zc: the server received the 8 messages" \
	test "$(grep -c '^msg' "$T/zc.srv")" = 8
check "fail_zc: every gauge back to 0" wait_idle
[ $FAILS = 0 ]
