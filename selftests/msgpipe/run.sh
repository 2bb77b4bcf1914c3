#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The in-VM test runner. For each test: load the modules, run it, wait for
# every gauge counter of both modules to return to 0, unload both modules
# (which must succeed), and check the kernel taint did not change. Prints a
# TAP-like line per test and a closing "N passed, N failed, N skipped"; the
# same counts go to $MP_RESULTS/summary for the host.
#
# usage: run.sh [TEST...]   (default: every test of this directory)
set -u
DIR=$(cd "$(dirname "$0")" && pwd)
MODDIR=${MP_MODDIR:?}
RESULTS=${MP_RESULTS:-/tmp}
DEFAULT_TESTS="af_test session.sh retx.sh resets.sh pincap.sh unload.sh"
TESTS=${*:-$DEFAULT_TESTS}
GAUGES_HOST="socks sessions pipes listeners tx_bufs tx_pages tx_unacked_bytes tx_msgs_open pinned_pages rx_bufs rx_pages rx_queued_bytes"
GAUGES_AGENT="pipes conns tx_queued unacked_ranges unacked_bytes zc_inflight inflight_bytes"
pass=0 failc=0 skip=0 n=0

load() {
	modprobe libcrc32c 2>/dev/null
	insmod "$MODDIR/msgpipe/msgpipe.ko" &&
		insmod "$MODDIR/msgpipe_soft/msgpipe_soft.ko"
}

gauges_zero() {
	local g v
	for g in $GAUGES_HOST; do
		v=$(awk -v k=$g '$1 == k { print $2 }' /sys/kernel/debug/msgpipe/stats)
		[ "$v" = 0 ] || { echo "host $g=$v"; return 1; }
	done
	for g in $GAUGES_AGENT; do
		v=$(awk -v k=$g '$1 == k { print $2 }' /sys/kernel/debug/msgpipe_soft/stats)
		[ "$v" = 0 ] || { echo "agent $g=$v"; return 1; }
	done
}

run_one() {
	local t=$1
	case "$t" in
	*.sh) bash "$DIR/$t" ;;
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

for t in $TESTS; do
	n=$((n + 1))
	taint0=$(cat /proc/sys/kernel/tainted)
	echo "# RUN $t"
	start=$(date +%s)
	if ! load; then
		echo "not ok $n $t # modules did not load"
		failc=$((failc + 1))
		continue
	fi
	run_one "$t"
	rc=$?
	why=
	[ $rc = 0 ] || why="exit $rc"
	[ $rc = 4 ] && why=skip
	left=
	for i in $(seq 100); do
		left=$(gauges_zero) && break
		sleep 0.2
	done
	[ -z "$left" ] || why="${why:+$why, }counters not back to 0: $left"
	rmmod msgpipe_soft || why="${why:+$why, }rmmod msgpipe_soft failed"
	rmmod msgpipe || why="${why:+$why, }rmmod msgpipe failed"
	[ "$(cat /proc/sys/kernel/tainted)" = "$taint0" ] || [ "$taint0" = 0 ] ||
		why="${why:+$why, }kernel taint changed"
	secs=$(( $(date +%s) - start ))
	if [ "$why" = skip ]; then
		echo "ok $n $t # SKIP (${secs}s)"
		skip=$((skip + 1))
	elif [ -z "$why" ]; then
		echo "ok $n $t (${secs}s)"
		pass=$((pass + 1))
	else
		echo "not ok $n $t # $why (${secs}s)"
		failc=$((failc + 1))
	fi
done
echo "$pass $failc $skip" > "$RESULTS/summary"
echo "vm: $pass passed, $failc failed, $skip skipped"
[ $failc = 0 ]
