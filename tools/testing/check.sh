#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check` and `make check-quick`: every check of msgpipe in one run,
# each stage timed. Build with W=1 -Werror (against 6.1 and the newest
# 6.12), checkpatch --strict, the netlink spec against the header, sparse
# C=2, the debug kernel's configuration stage, the user-space unit tests
# under ASan/UBSan, the libFuzzer smoke runs, and the VM suites: Debian's
# stock 6.1 kernel, its 6.12 kernel and the debug kernel (KASAN, lockdep,
# kmemleak, UBSAN, failslab; tools/testing/vm/debug-kernel.sh finds it).
# The guests start as soon as the modules and tools are built, in lanes
# that run side by side; the static checks, unit tests and fuzzers run
# beside them. Ends with "N passed, N failed, N skipped" and a non-zero
# status on any failure.
#
# usage: check.sh [--quick] [STAGE...]
#   stages: static unit fuzz vm vm-next vm-debug (default: all)
#   --quick: static, unit and the stock kernel's quick suite (check-quick)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
QUICK=0
if [ "${1:-}" = --quick ]; then
	QUICK=1
	shift
fi
STAGES=${*:-static unit fuzz vm vm-next vm-debug}
[ $QUICK = 1 ] && STAGES="static unit vm"
LOG=$ROOT/build/check
mkdir -p "$LOG"
pass=0 failc=0 skip=0
failed=

has() { [[ " $STAGES " == *" $1 "* ]]; }

result() {
	# result NAME RC
	if [ "$2" = 0 ]; then
		echo "ok - $1"
		pass=$((pass + 1))
	else
		echo "not ok - $1"
		failed="$failed $1"
		[ -f "$LOG/$1.log" ] && tail -n 30 "$LOG/$1.log" | sed 's/^/#   /'
		failc=$((failc + 1))
	fi
}

timed() {
	# timed NAME COMMAND...: run, log, time, count as one test.
	local name=$1 t0=$SECONDS rc
	shift
	"$@" > "$LOG/$name.log" 2>&1
	rc=$?
	echo "# stage $name: $((SECONDS - t0)) s"
	result "$name" $rc
	return $rc
}

# vm_failures: every failed check, stuck test and skipped test of the VM
# runs, under the run's and the test's names.
vm_failures() {
	local f

	for f in "$LOG"/vm-*.log; do
		[ -f "$f" ] || continue
		[[ $f == */vm-verdict-* ]] && continue
		awk -v run="${f##*/vm-}" '
			/^# RUN / { t = $3 }
			/^# (FAIL|stuck)/ { print "#   " run ": " t ": " substr($0, 3) }
			/^(not ok|ok) [0-9]+ [^ #]+ .*(# SKIP|# timed out|# exit|# not run)/ {
				print "#   " run ": " $0 }' "$f"
	done | sed 's/\.log: /: /' | head -n 60
}

finish() {
	# The CI log may keep only its end: name what failed there again,
	# with the failed checks.
	[ -n "$failed" ] && echo "# failed:$failed"
	vm_failures
	echo "# total: $SECONDS s"
	echo "check: $pass passed, $failc failed, $skip skipped"
	[ $failc = 0 ]
	exit
}

# vm_report RESULTS: what went wrong, for the CI log: the start of the
# first crash report (vm.sh's crash.txt), or the console's last lines.
vm_report() {
	if [ -s "$1/crash.txt" ]; then
		cat "$1/crash.txt"
	elif grep -a -q '^MSGPIPE-VM: kernel reported a bug' "$1/console.log"; then
		sed -n '/^MSGPIPE-VM: kernel reported a bug/,/^MSGPIPE-VM: /p' \
			"$1/console.log" | head -90
	elif [ -f "$1/console.log" ]; then
		tail -n 30 "$1/console.log"
	fi
}

# run_vm KERNEL[:PART]: one guest running one suite of run.sh. KERNEL is
# stock (suite stock, or quick under --quick), next (6.12, suite next) or
# debug (suite debug; PART head or tail: that part of its list).
run_vm() {
	local kernel=${1%%:*} part= name=${1/:/-} moddir=$ROOT/drivers/net
	local limit=5400 mem=2048 suite deadline left t0 rc res p f s

	[[ $1 == *:* ]] && part=${1#*:}
	suite=$kernel
	[ $QUICK = 1 ] && suite=quick
	case $kernel in
	next) moddir=$ROOT/build/next/drivers/net ;;
	debug)
		moddir=$(cat "$ROOT/build/mods/debug.dir")/drivers/net
		# With 2 GiB (KASAN's shadow is an eighth of it) the debug
		# kernel's init was seen to die at its first instruction.
		mem=3072
		;;
	esac
	# Under a budget for the whole check (MP_CHECK_BUDGET seconds, set by
	# CI) every test ends 120 s before it, time to shut the guest down:
	# run.sh cuts a test's limit to that deadline, and a test it cannot
	# start in time is a failure.
	deadline=
	if [ -n "${MP_CHECK_BUDGET:-}" ]; then
		deadline=$(( $(date +%s) - SECONDS + MP_CHECK_BUDGET - 120 ))
		left=$(( deadline - $(date +%s) + 120 ))
		[ $left -lt $limit ] && limit=$left
		[ $limit -gt 60 ] || limit=60
	fi
	t0=$SECONDS
	# One vCPU a guest: three guests share the two cores. With two each
	# the debug lanes, which set the wall clock, were slower (faults.sh
	# 835 s against 504 s in two runs); the stock transfers were faster.
	tools/testing/vm/vm.sh --kernel "$kernel" --moddir "$moddir" \
		--mem $mem --cpus "${MP_VM_CPUS:-1}" --timeout $limit \
		run "MP_SUITE=$suite MP_PART=$part MP_DEADLINE=$deadline bash selftests/msgpipe/run.sh" \
		> "$LOG/vm-$name.log" 2>&1
	rc=$?
	echo "# stage vm ($kernel kernel${part:+, $part of its tests}): $((SECONDS - t0)) s"
	grep -E '^(not )?ok |^# (FAIL|ok|stuck)|^#   kmemleak|^vm.sh:|^MSGPIPE-VM' \
		"$LOG/vm-$name.log" | sed 's/^/#   /'
	res=$(sed -n 's/^vm.sh: results in //p' "$LOG/vm-$name.log")
	if [ -n "$res" ] && [ -s "$res/summary" ]; then
		read -r p f s < "$res/summary"
		failed="$failed$(sed -n "s/^not ok [0-9]* \([^ ]*\).*/ $kernel:\1/p" \
			"$LOG/vm-$name.log" | tr -d '\n')"
		pass=$((pass + p))
		failc=$((failc + f))
		skip=$((skip + s))
	else
		# No summary: the suite never finished (crash, timeout).
		result "vm-suite-$name" 1
	fi
	if [ $rc != 0 ]; then
		# The verdict failed beyond the counted tests (oops, taint,
		# timeout, crash report): that is a failure of its own. Its log
		# is the start of the first report, or the console's last lines.
		vm_report "$res" > "$LOG/vm-verdict-$name.log"
		result "vm-verdict-$name" 1
	fi
}

# lane RUN...: the runs one after the other in a subshell of their own;
# each run's lines go to $LOG/stage-NAME.out, its counts and failed names
# to $LOG/stage-NAME.tally for tally.
lane() {
	local r name

	for r in "$@"; do
		name=${r/:/-}
		(
			pass=0 failc=0 skip=0 failed=
			run_vm "$r"
			echo "$pass $failc $skip$failed" > "$LOG/stage-$name.tally"
		) > "$LOG/stage-$name.out" 2>&1
	done
}

# tally RUN: print what its lane printed and add its counts.
tally() {
	local name=${1/:/-} p f s rest

	cat "$LOG/stage-$name.out"
	if ! read -r p f s rest < "$LOG/stage-$name.tally"; then
		result "vm-stage-$name" 1
		return
	fi
	pass=$((pass + p))
	failc=$((failc + f))
	skip=$((skip + s))
	failed="$failed${rest:+ $rest}"
}

rm -f "$LOG"/stage-*.tally "$LOG"/stage-*.out "$LOG"/vm-*.log

# The lanes, each a list of guests run in turn, each started as soon as
# what it needs is built. The debug kernel is ten times slower than the
# others under TCG: its list is split in two lanes, which start first; the
# stock and 6.12 suites share the third. Measured times and how the split
# was chosen: testing.rst.
runs=()
pids=
start_lane() {
	local r

	for r in "$@"; do
		runs+=("$r")
	done
	lane "$@" &
	pids="$pids $!"
}
jobs=-j$(nproc)
timed deps make -s deps || finish
timed build make "$jobs" modules || finish
timed tools make -s "$jobs" tools || finish
t_vm=$SECONDS
if has vm-debug &&
   timed debug-modules tools/testing/vm/debug-modules.sh "$jobs"; then
	start_lane debug:head
	start_lane debug:tail
fi
next=0
if has vm-next || { has static && [ $QUICK = 0 ]; }; then
	timed build-6.12 tools/testing/build-next.sh "$jobs" && next=1
fi
l=()
has vm && l+=(stock)
has vm-next && [ $next = 1 ] && l+=(next)
[ ${#l[@]} -gt 0 ] && start_lane "${l[@]}"

# Beside the guests: the checks that need no VM.
if has static; then
	timed checkpatch make -s checkpatch
	timed spec-check python3 tools/testing/spec-check.py
	timed sparse make sparse
	[ $QUICK = 1 ] ||
		timed debug-config tools/testing/vm/debug-kernel.sh --config "$ROOT/build/debug-config"
fi
if has unit; then
	t0=$SECONDS
	make -s unit > "$LOG/unit.log" 2>&1
	rc=$?
	echo "# stage unit: $((SECONDS - t0)) s"
	p=$(awk -F'[: ]+' '/^# Totals:/ { s += $4 } END { print s + 0 }' "$LOG/unit.log")
	f=$(awk -F'[: ]+' '/^# Totals:/ { s += $6 } END { print s + 0 }' "$LOG/unit.log")
	grep -E '^(not )?ok ' "$LOG/unit.log" | sed 's/^/#   unit: /'
	failed="$failed$(sed -n 's/^not ok [0-9]* \([^ ]*\).*/ unit:\1/p' \
		"$LOG/unit.log" | tr -d '\n')"
	pass=$((pass + p))
	failc=$((failc + f))
	if [ $rc != 0 ] && [ "$f" = 0 ]; then
		result unit-build 1
	fi
fi
if has fuzz; then
	# libFuzzer smoke of the wire parser, the chain walker and the
	# netlink policies.
	timed fuzz make -s -C drivers/net/msgpipe/test fuzz \
		OUT="$ROOT/build/unit" FUZZ_SECS="${FUZZ_SECS:-60}"
	grep -E '^# fuzz_|^Done' "$LOG/fuzz.log" | sed 's/^/#   /'
fi

# shellcheck disable=SC2086
wait $pids
[ ${#runs[@]} -gt 0 ] && echo "# stage vm (every lane): $((SECONDS - t_vm)) s"
for r in "${runs[@]}"; do
	tally "$r"
done
tools/testing/time-table.sh "$LOG" > "$LOG/times.txt" 2>/dev/null &&
	sed 's/^/# /' "$LOG/times.txt"
finish
