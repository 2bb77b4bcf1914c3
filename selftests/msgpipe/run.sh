#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The in-VM test runner. For each test: load the modules, run it, wait for
# every gauge counter of both modules to return to 0, unload both modules
# (which must succeed), and check the kernel taint did not change. Prints a
# TAP-like line per test and a closing "N passed, N failed, N skipped"; the
# same counts go to $MP_RESULTS/summary for the host.
#
# usage: run.sh [TEST...]   (default: the suite MP_SUITE names, below;
#                           NAME.sh@mbox runs NAME.sh through the DPDK
#                           middlebox)
#
# The suites (MP_SUITE; by default debug on a kernel with failslab, else
# stock):
#   stock  every test but faults.sh, whose fault injection only the debug
#          kernel has;
#   debug  every test but backup.sh, in groups ("/") after each of which
#          kmemleak scans; "//" splits it into the parts check.sh runs in
#          guests of their own (MP_PART head or tail);
#   next   the core paths on Debian's 6.12 kernel, so the compat header's
#          6.5+ branches run: sessions, zero-copy, retransmission, resets,
#          pipes, SOCK_RDM, the control plane, TLS;
#   quick  the core paths on the stock kernel, for make check-quick.
# A test that cannot run on this kernel exits 4 after printing why ("skip
# REASON" in lib.sh) and is reported skipped with that reason; a test that
# did not run because the deadline came is a failure.
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
. "$DIR/nap.sh"
MODDIR=${MP_MODDIR:?}
RESULTS=${MP_RESULTS:-/tmp}
# No test may take longer than this (seconds of the host's clock, which
# the guest's keeps: vm.sh gives it the TSC's rate); a stuck one is dumped
# and killed.
TEST_LIMIT=${MP_TEST_LIMIT:-1080}
# tls.sh and mbox.sh (handshakes, the DPDK middlebox) and faults.sh (105
# module loads, sessions under faults) take the longest on the debug
# kernel beside other guests, and vary most (tls.sh 494 and 664 s,
# faults.sh 177 and 378 s in two full runs of the same code): they get 5/3
# of it.
limit_of() {
	case $1 in
	faults.sh | mbox.sh | tls.sh) echo $((TEST_LIMIT * 5 / 3)) ;;
	*) echo $TEST_LIMIT ;;
	esac
}
STOCK_TESTS="af_test ioctl_test ioctl_test32 nl_test session.sh retx.sh resets.sh stripe.sh many.sh rdm.sh netlink.sh rawpeer.sh tls.sh tlsgone.sh mbox.sh many.sh@mbox rdm.sh@mbox fuzz.sh pincap.sh churn.sh unload.sh backup.sh"
# What only this kernel can test (faults.sh) and the fuzzer first; a "/"
# ends a group of tests: kmemleak scans after each group, and after each
# test of a list given without one. A scan takes about 30 s there: two
# groups a part; a leak's report names the stack that allocated it, the
# group the few tests that can have run it.
DEBUG_TESTS="faults.sh fuzz.sh unload.sh / af_test ioctl_test nl_test session.sh resets.sh retx.sh many.sh rdm.sh churn.sh pincap.sh // tls.sh tlsgone.sh netlink.sh / rawpeer.sh stripe.sh mbox.sh"
NEXT_TESTS="af_test ioctl_test ioctl_test32 nl_test session.sh retx.sh resets.sh stripe.sh rdm.sh netlink.sh tls.sh tlsgone.sh"
QUICK_TESTS="af_test ioctl_test nl_test session.sh retx.sh stripe.sh rdm.sh netlink.sh"
SUITE=${MP_SUITE:-stock}
[ -z "${MP_SUITE:-}" ] && [ -d /sys/kernel/debug/failslab ] && SUITE=debug
case $SUITE in
stock) DEFAULT_TESTS=$STOCK_TESTS ;;
debug) DEFAULT_TESTS=$DEBUG_TESTS ;;
next) DEFAULT_TESTS=$NEXT_TESTS ;;
quick) DEFAULT_TESTS=$QUICK_TESTS ;;
*) echo "run.sh: no suite '$SUITE'" >&2; exit 2 ;;
esac
case "${MP_PART:-}" in
head) DEFAULT_TESTS="${DEFAULT_TESTS%%//*} /" ;;
tail) DEFAULT_TESTS="${DEFAULT_TESTS#*//} /" ;;
esac
DEFAULT_TESTS=${DEFAULT_TESTS//\/\//\/}
TESTS=${*:-$DEFAULT_TESTS}
case " $TESTS " in
*" / "*) SCAN_EACH=0 ;;
*) SCAN_EACH=1 ;;
esac
GAUGES_HOST="socks sessions pipes listeners tx_bufs tx_pages tx_unacked_bytes tx_msgs_open pinned_pages rx_bufs rx_pages rx_queued_bytes rdm_items rdm_batches rdm_dests rdm_rx_batches rdm_seen rdm_stage_pages rdm_spare_pages ioc_regions ioc_cqes hs_pending"
GAUGES_AGENT="pipes conns tx_queued unacked_ranges unacked_bytes zc_inflight inflight_bytes"
pass=0 failc=0 skip=0 n=0
# Where a test says why it skipped (lib.sh's skip).
export MP_SKIP_FILE=$RESULTS/skip-reason

load() {
	modprobe libcrc32c 2>/dev/null
	insmod "$MODDIR/msgpipe/msgpipe.ko" &&
		insmod "$MODDIR/msgpipe_soft/msgpipe_soft.ko"
}

# nonzero WHO FILE GAUGES: "WHO NAME=VALUE" for the first of GAUGES that is
# not 0 in FILE (or is missing there). One awk a file: under TCG each
# process started costs a tenth of a second.
nonzero() {
	awk -v who="$1" -v g="$3" '
		BEGIN { n = split(g, a, " "); for (i = 1; i <= n; i++) want[a[i]] = 1 }
		($1 in want) { seen[$1] = 1; if ($2 != 0) { print who " " $1 "=" $2; found = 1; exit } }
		END { if (!found) for (k in want) if (!(k in seen)) { print who " " k "=missing"; exit } }' "$2"
}

# gauges_zero: true when every gauge of both modules is 0, else prints the
# first that is not.
gauges_zero() {
	local left

	left=$(nonzero host /sys/kernel/debug/msgpipe/stats "$GAUGES_HOST")
	[ -z "$left" ] &&
		left=$(nonzero agent /sys/kernel/debug/msgpipe_soft/stats "$GAUGES_AGENT")
	[ -z "$left" ] && return 0
	echo "$left"
	return 1
}

run_one() {
	local t=$1
	case "$t" in
	*.sh) bash "$DIR/$t" ;;
	# The same test through the DPDK middlebox, its observer judging.
	*.sh@mbox) MP_MBOX=1 bash "$DIR/${t%@mbox}" ;;
	*)
		# C tests run in a namespace of their own, like a fresh host.
		ip netns add mpt-$$ && ip -n mpt-$$ link set lo up &&
			ip netns exec mpt-$$ "$MP_ROOT/build/bin/$t"
		local rc=$?
		ip netns del mpt-$$
		return $rc
		;;
	esac
}

# On a kernel with kmemleak: scan after each group of tests (modules
# unloaded) and report a leak as a failure of that group, so it is pinned
# to the few tests that can have made it. Objects must be a few seconds
# old to be reported: wait that long. The kernel's own periodic scan is
# turned off (it would only slow the tests down).
KMEMLEAK=/sys/kernel/debug/kmemleak
kmemleak_check() {
	[ -w $KMEMLEAK ] || return 0
	sleep 6
	echo scan > $KMEMLEAK
	if [ -s $KMEMLEAK ] && grep -q unreferenced $KMEMLEAK; then
		sed 's/^/#   kmemleak: /' $KMEMLEAK | head -n 40
		echo clear > $KMEMLEAK
		return 1
	fi
	echo clear > $KMEMLEAK
	# For guest.sh: nothing ran since this scan, no need for its own.
	: > "$RESULTS/kmemleak-scanned"
}

# scan_group: the kmemleak check of the tests run since the last one, as a
# result line of its own: "ok N kmemleak[a,b,c] (S s)".
group=
scan_group() {
	local t0 name
	[ -w $KMEMLEAK ] && [ -n "$group" ] || { group=; return 0; }
	name="kmemleak[$(echo $group | tr ' ' ,)]"
	group=
	n=$((n + 1))
	t0=$(date +%s)
	if kmemleak_check; then
		echo "ok $n $name ($(( $(date +%s) - t0 )) s)"
		pass=$((pass + 1))
	else
		echo "not ok $n $name # kmemleak reported a leak ($(( $(date +%s) - t0 )) s)"
		failc=$((failc + 1))
	fi
}

# faults_off: fault injection off, whatever the test left (a test killed
# at TEST_LIMIT never ran its own cleanup).
faults_off() {
	local d
	for d in /sys/kernel/debug/failslab /sys/kernel/debug/fail_page_alloc; do
		[ -w $d/probability ] && echo 0 > $d/probability
	done
	return 0
}

# What a stuck test left: counters, every namespace's pipes and session
# states, and the kernel stacks of the test's processes.
dump_stuck() {
	local ns p
	echo "# stuck after ${limit}s; state:"
	sed 's/^/#   host /' /sys/kernel/debug/msgpipe/stats | grep -v ' 0$'
	sed 's/^/#   agent /' /sys/kernel/debug/msgpipe_soft/stats | grep -v ' 0$'
	for ns in $(ip netns list | awk '{ print $1 }'); do
		echo "#   netns $ns:"
		ip netns exec "$ns" "$MP_ROOT/build/bin/msgpipectl" pipe show 2>&1 | sed 's/^/#     /'
		ip netns exec "$ns" "$MP_ROOT/build/bin/msgpipectl" session show 2>&1 |
			awk '{ for (i = 1; i < NF; i++) if ($i == "state") n[$(i + 1)]++ }
			     END { for (s in n) printf "#     sessions %s: %d\n", s, n[s] }'
	done
	echo "#   processes (kernel threads but the agent's left out):"
	ps -eo pid,ppid,stat,wchan:24,args | awk '$5 !~ /^\[/ || $5 ~ /msa_/' |
		cut -c1-120 | sed 's/^/#     /'
	for p in $(pgrep -f 'mp_|msgpipectl') $(ps -eo pid=,stat= | awk '$2 ~ /D/ { print $1 }'); do
		echo "#   pid $p $(tr '\0' ' ' < /proc/$p/cmdline | cut -c1-80):"
		sed 's/^/#     /' /proc/$p/stack 2>/dev/null
	done
}

# kill_tree PID: PID and every process below it (a test's background
# helpers too); each stopped first so that it starts nothing new.
kill_tree() {
	local c
	kill -STOP "$1" 2>/dev/null
	for c in $(ps -o pid= --ppid "$1"); do
		kill_tree "$c"
	done
	kill -KILL "$1" 2>/dev/null
}

# run_limited TEST: run_one under its limit (limit_of, set in $limit); 124
# when it had to be killed. Waited for, not polled: a /bin/sleep every
# half second, each a process started, took the guest's one processor
# from the test for all of its run.
run_limited() {
	local pid wd done rc
	# Under CI's clock (MP_DEADLINE: every test ends by then) a stuck
	# test is stopped in time.
	limit=$(limit_of "$1")
	if [ -n "${MP_DEADLINE:-}" ] &&
	   [ $((MP_DEADLINE - $(date +%s))) -lt "$limit" ]; then
		limit=$((MP_DEADLINE - $(date +%s)))
	fi
	run_one "$1" &
	pid=$!
	# The watchdog: its end first means the test is stuck. The guest's
	# clock is the host's (vm.sh gives it the TSC's rate).
	command sleep "$limit" &
	wd=$!
	wait -n -p done $pid $wd
	rc=$?
	if [ "$done" = "$pid" ]; then
		kill $wd 2>/dev/null
		wait $wd 2>/dev/null
		return $rc
	fi
	dump_stuck
	# Faults off first: a marked task killed by SIGKILL keeps its mark
	# as it exits, and a failure there (closing its binary on 9p) would
	# break the VM's root for every later test.
	faults_off
	kill_tree $pid
	wait $pid 2>/dev/null
	# fuzz.sh's, which its own trap did not get to restore.
	echo "$MODPROBE" > /proc/sys/kernel/modprobe
	for ns in $(ip netns list | awk '{ print $1 }'); do
		ip netns pids "$ns" | xargs -r kill -9 2>/dev/null
		ip netns del "$ns"
	done
	return 124
}

MODPROBE=$(cat /proc/sys/kernel/modprobe)
# Leaks from boot or earlier tests are not this suite's.
[ -w $KMEMLEAK ] && echo clear > $KMEMLEAK && echo scan=off > $KMEMLEAK
for t in $TESTS; do
	if [ "$t" = / ]; then
		scan_group
		continue
	fi
	n=$((n + 1))
	# CI's clock (MP_DEADLINE, seconds since the epoch, from check.sh,
	# by when every test has ended): a test with less than MP_MIN_LEFT
	# (60 s) left does not start, and did not run: a failure.
	if [ -n "${MP_DEADLINE:-}" ] &&
	   [ $(( MP_DEADLINE - $(date +%s) )) -lt "${MP_MIN_LEFT:-60}" ]; then
		echo "not ok $n $t # not run: no time left before the deadline"
		failc=$((failc + 1))
		continue
	fi
	taint0=$(cat /proc/sys/kernel/tainted)
	rm -f "$RESULTS/kmemleak-scanned"
	echo "# RUN $t"
	start=$(date +%s.%N)
	# Tasks started during the test (the last pid handed out: processes
	# and threads): under TCG a process costs a tenth of a second, on the
	# debug kernel half of one.
	read -r _ _ _ _ pid0 < /proc/loadavg
	if ! load; then
		echo "not ok $n $t # modules did not load"
		failc=$((failc + 1))
		continue
	fi
	t_run=$(date +%s.%N)
	rm -f "$MP_SKIP_FILE"
	run_limited "$t"
	rc=$?
	faults_off
	# What follows the test (gauges back to 0, rmmod) is timed apart, with
	# the gauge waited for longest: on the debug kernel it is much of a
	# short test's time.
	t_end=$(date +%s.%N)
	read -r _ _ _ _ pid1 < /proc/loadavg
	why=
	[ $rc = 0 ] || why="exit $rc"
	[ $rc = 124 ] && why="timed out after ${limit}s"
	[ $rc = 4 ] && why=skip
	left= last=
	for i in $(seq 100); do
		left=$(gauges_zero) && break
		last=${left%=*}
		sleep 0.2
	done
	[ -z "$left" ] || why="${why:+$why, }counters not back to 0: $left"
	rmmod msgpipe_soft || why="${why:+$why, }rmmod msgpipe_soft failed"
	rmmod msgpipe || why="${why:+$why, }rmmod msgpipe failed"
	[ "$(cat /proc/sys/kernel/tainted)" = "$taint0" ] || [ "$taint0" = 0 ] ||
		why="${why:+$why, }kernel taint changed"
	secs=$(awk -v a="$start" -v b="$t_run" -v c="$t_end" -v d="$(date +%s.%N)" \
		-v w="$last" -v p=$((pid1 - pid0)) 'BEGIN {
			printf "%d s: load %.1f, test %.1f, teardown %.1f%s, %d tasks",
			d - a + 0.5, b - a, c - b, d - c, w == "" ? "" : " (" w ")", p }')
	if [ "$why" = skip ]; then
		echo "ok $n $t # SKIP $(cat "$MP_SKIP_FILE" 2>/dev/null || echo "no reason given") ($secs)"
		skip=$((skip + 1))
	elif [ -z "$why" ]; then
		echo "ok $n $t ($secs)"
		pass=$((pass + 1))
	else
		echo "not ok $n $t # $why ($secs)"
		failc=$((failc + 1))
	fi
	group="$group $t"
	[ $SCAN_EACH = 0 ] || scan_group
done
scan_group
echo "$pass $failc $skip" > "$RESULTS/summary"
echo "vm: $pass passed, $failc failed, $skip skipped"
[ $failc = 0 ]
