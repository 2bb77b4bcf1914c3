#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: every check of msgpipe in one run, each stage timed.
# Build with W=1 -Werror (against 6.1 and the newest 6.12), checkpatch
# --strict, the netlink spec against the header, sparse C=2, the user-space
# unit tests under ASan/UBSan, the libFuzzer smoke runs, and the VM suite on
# Debian's stock kernel and on the debug kernel (KASAN, lockdep, kmemleak,
# UBSAN, failslab; tools/testing/vm/debug-kernel.sh finds or builds it),
# the two guests at once.
# Every stage prints its duration. Ends with "N passed, N failed, N
# skipped" and a non-zero status on any failure.
#
# usage: check.sh [STAGE...]
#   stages: static unit fuzz vm vm-debug (default: all)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
STAGES=${*:-static unit fuzz vm vm-debug}
LOG=$ROOT/build/check
mkdir -p "$LOG"
pass=0 failc=0 skip=0
failed=

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
			/^(not ok|ok) [0-9]+ [^ #]+ .*(# SKIP|# timed out|# exit)/ {
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

timed deps make -s deps || finish
timed build make modules || finish
timed build-6.12 tools/testing/build-next.sh
timed tools make -s tools || finish

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

# run_vm KERNEL [PART]: the VM suite on Debian's stock kernel or the debug
# one; PART head or tail: that part of the debug kernel's list (run.sh).
run_vm() {
	local kernel=$1 part=${2:-} moddir=$ROOT/drivers/net limit=3600 mem=8192
	local deadline left name=$1${2:+-$2} t0 rc res p f s
	# Room for backup.sh (the Linux source tree three times in tmpfs).
	if [ "$kernel" = debug ]; then
		limit=4800 mem=3072
		timed debug-modules tools/testing/vm/debug-modules.sh || return
		moddir=$(cat "$ROOT/build/mods/debug.dir")/drivers/net
	fi
	# Under a budget for the whole check (MP_CHECK_BUDGET seconds, set by
	# CI) every test ends 180 s before it, time to shut the guest down:
	# run.sh cuts a test's limit to that deadline and starts none with
	# too little time left.
	deadline=
	if [ -n "${MP_CHECK_BUDGET:-}" ]; then
		deadline=$(( $(date +%s) - SECONDS + MP_CHECK_BUDGET - 180 ))
		left=$(( deadline - $(date +%s) + 180 ))
		[ $left -lt $limit ] && limit=$left
		[ $limit -gt 60 ] || limit=60
	fi
	t0=$SECONDS
	tools/testing/vm/vm.sh --kernel "$kernel" --moddir "$moddir" \
		--mem $mem --timeout $limit \
		run "MP_PART=$part MP_DEADLINE=$deadline bash selftests/msgpipe/run.sh" \
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
	fi
	if [ $rc != 0 ]; then
		# The verdict failed beyond the counted tests (oops, taint,
		# timeout, crash report): that is a failure of its own. Its log
		# is the start of the first report, or the console's last lines.
		vm_report "$res" > "$LOG/vm-verdict-$name.log"
		result "vm-verdict-$name" 1
	fi
}

# vm_stage KERNEL [PART]: run_vm in a subshell of its own (runs may
# overlap): its lines go to $LOG/stage-NAME.out, its counts and failed
# names to $LOG/stage-NAME.tally for vm_tally (NAME: KERNEL[-PART]).
vm_stage() {
	local name=$1${2:+-$2}

	(
		pass=0 failc=0 skip=0 failed=
		run_vm "$@"
		echo "$pass $failc $skip$failed" > "$LOG/stage-$name.tally"
	) > "$LOG/stage-$name.out" 2>&1
}

# vm_tally NAME: print what vm_stage printed and add its counts.
vm_tally() {
	local p f s rest
	cat "$LOG/stage-$1.out"
	if ! read -r p f s rest < "$LOG/stage-$1.tally"; then
		result "vm-stage-$1" 1
		return
	fi
	pass=$((pass + p))
	failc=$((failc + f))
	skip=$((skip + s))
	failed="$failed${rest:+ $rest}"
}

# Both VM suites run at once, in two lanes of about the same length: the
# stock suite then the tail of the debug list, and the head of the debug
# list. One guest alone leaves much of the two CPUs idle (the stock
# kernel's about a third, the debug kernel's half: its tests wait on one
# CPU), and CI's 90 minutes do not hold the two suites one after the
# other. MP_VM_SERIAL=1 runs them in turn, each whole.
both=0
if [[ " $STAGES " == *" vm "* && " $STAGES " == *" vm-debug "* ]] &&
   [ "${MP_VM_SERIAL:-0}" != 1 ]; then
	both=1
fi
rm -f "$LOG"/stage-*.tally "$LOG"/vm-*.log

for stage in $STAGES; do
	case $stage in
	static)
		timed checkpatch make -s checkpatch
		timed spec-check python3 tools/testing/spec-check.py
		timed sparse make sparse
		;;
	unit)
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
		;;
	fuzz)
		# libFuzzer smoke of the wire parser and the chain walker.
		timed fuzz make -s -C drivers/net/msgpipe/test fuzz \
			OUT="$ROOT/build/unit" FUZZ_SECS="${FUZZ_SECS:-60}"
		grep -E '^# fuzz_|^Done' "$LOG/fuzz.log" | sed 's/^/#   /'
		;;
	vm | vm-debug)
		kernel=stock
		[ $stage = vm-debug ] && kernel=debug
		if [ $both = 0 ]; then
			vm_stage $kernel
			vm_tally $kernel
		elif [ $both = 1 ]; then
			# The first of the two starts both lanes, the head
			# of the debug list in the background.
			both=2
			t0=$SECONDS
			vm_stage debug head &
			vm_stage stock
			vm_stage debug tail
			wait
			echo "# stage vm (both kernels, two lanes): $((SECONDS - t0)) s"
			vm_tally stock
			vm_tally debug-head
			vm_tally debug-tail
		fi
		;;
	*)
		echo "check.sh: unknown stage $stage" >&2
		failc=$((failc + 1))
		;;
	esac
done
finish
