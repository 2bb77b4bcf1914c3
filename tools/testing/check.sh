#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# `make check`: every check of msgpipe in one run, each stage timed.
# Build with W=1 -Werror (against 6.1 and the newest 6.12), checkpatch --strict, sparse C=2, the user-space
# unit tests under ASan/UBSan, and the VM suite on a real kernel (Debian's
# stock kernel, or KERNEL=debug for the one in ../shared/kernels). Ends with
# "N passed, N failed, N skipped" and a non-zero status on any failure.
#
# usage: check.sh [STAGE...]   stages: static unit vm (default: all)
set -u
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
cd "$ROOT" || exit 1
KERNEL=${KERNEL:-stock}
STAGES=${*:-static unit vm}
LOG=$ROOT/build/check
mkdir -p "$LOG"
pass=0 failc=0 skip=0

result() {
	# result NAME RC
	if [ "$2" = 0 ]; then
		echo "ok - $1"
		pass=$((pass + 1))
	else
		echo "not ok - $1"
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

finish() {
	echo "check: $pass passed, $failc failed, $skip skipped"
	[ $failc = 0 ]
	exit
}

timed deps make -s deps || finish
timed build make modules || finish
timed build-6.12 tools/testing/build-next.sh
timed tools make -s tools || finish

for stage in $STAGES; do
	case $stage in
	static)
		timed checkpatch make -s checkpatch
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
		pass=$((pass + p))
		failc=$((failc + f))
		if [ $rc != 0 ] && [ "$f" = 0 ]; then
			result unit-build 1
		fi
		;;
	vm)
		moddir=$ROOT/drivers/net
		if [ "$KERNEL" = debug ]; then
			timed debug-modules tools/testing/vm/debug-modules.sh || finish
			moddir=$(cat "$ROOT/build/mods/debug.dir")/drivers/net
		fi
		t0=$SECONDS
		tools/testing/vm/vm.sh --kernel "$KERNEL" --moddir "$moddir" \
			--mem 3072 --timeout 2400 run 'bash selftests/msgpipe/run.sh' \
			> "$LOG/vm.log" 2>&1
		rc=$?
		echo "# stage vm ($KERNEL kernel): $((SECONDS - t0)) s"
		grep -E '^(not )?ok |^# (FAIL|ok)|^vm.sh:|^MSGPIPE-VM' "$LOG/vm.log" | sed 's/^/#   /'
		res=$(sed -n 's/^vm.sh: results in //p' "$LOG/vm.log")
		if [ -n "$res" ] && [ -s "$res/summary" ]; then
			read -r p f s < "$res/summary"
			pass=$((pass + p))
			failc=$((failc + f))
			skip=$((skip + s))
		fi
		if [ $rc != 0 ]; then
			# The verdict failed beyond the counted tests (oops, taint,
			# timeout, crash report): that is a failure of its own.
			result vm-verdict 1
		fi
		;;
	*)
		echo "check.sh: unknown stage $stage" >&2
		failc=$((failc + 1))
		;;
	esac
done
finish
