#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Runs inside the test VM as PID 1 in the host's root (read-only; /run
# and /tmp are tmpfs, results go to /run/results). Runs the job's command,
# then checks what a test cannot hide: the kernel taint (only O and E are
# allowed), crash reports in the kernel log, kmemleak when the kernel has
# it, and that the msgpipe modules are unloaded. Writes the verdict token
# to /run/results/status; the host trusts only that token and its own scan
# of the console.
set -u
# The host boots again if the kernel died before this line (boot flake).
: > /run/results/started
echo "MSGPIPE-VM: user space $(cut -d' ' -f1 /proc/uptime) s after boot"
. /run/results/job
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export HOME=/tmp MP_ROOT MP_MODDIR MP_RESULTS=/run/results
cd "$MP_ROOT" || exit 1
ip link set lo up
printf 0 > /proc/sys/net/core/message_cost
[ -e /sys/kernel/debug/kmemleak ] && echo clear > /sys/kernel/debug/kmemleak

if [ "$MP_CMD" = shell ]; then
	echo "msgpipe VM shell: modules in $MP_MODDIR; exit to power off"
	setsid -c bash -i
	rc=0
else
	bash -c "$MP_CMD"
	rc=$?
fi

verdict=PASS
for m in msgpipe_soft msgpipe; do
	[ -d "/sys/module/$m" ] || continue
	rm -f /run/results/kmemleak-scanned
	if ! rmmod "$m"; then
		echo "MSGPIPE-VM: rmmod $m failed"
		verdict=FAIL
	fi
done
# A job whose last act was a kmemleak scan of its own (selftests' run.sh
# leaves kmemleak-scanned then) reported what it found: two more scans
# would cost a minute of the debug kernel's time and find nothing new.
if [ -e /run/results/kmemleak-scanned ]; then
	echo "MSGPIPE-VM: kmemleak scanned by the job after its last test"
elif [ -e /sys/kernel/debug/kmemleak ]; then
	echo scan > /sys/kernel/debug/kmemleak
	echo scan > /sys/kernel/debug/kmemleak
	if [ -s /sys/kernel/debug/kmemleak ]; then
		echo "MSGPIPE-VM: kmemleak reports:"
		head -60 /sys/kernel/debug/kmemleak
		verdict=FAIL
	fi
fi
taint=$(cat /proc/sys/kernel/tainted)
if (( taint & ~(4096 | 8192) )); then
	echo "MSGPIPE-VM: kernel tainted: $taint"
	verdict=FAIL
fi
dmesg > /run/results/dmesg
# One pattern for the test and the excerpt (-a: a stray byte must not turn
# the excerpt into "binary file matches").
bugs='BUG:|WARNING:|Oops|general protection|refcount_t:|list_(add|del) corruption|UBSAN:|ODEBUG:|possible (circular|recursive) locking|sleeping function called'
if grep -a -E -q "$bugs" /run/results/dmesg; then
	echo "MSGPIPE-VM: kernel reported a bug:"
	grep -a -E -B2 -A24 "$bugs" /run/results/dmesg | head -80
	verdict=FAIL
fi
[ "$rc" = 0 ] || verdict=FAIL
echo "MSGPIPE-VM: $verdict rc=$rc" > /run/results/status
sync
