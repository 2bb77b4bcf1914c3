#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The syscall and netlink fuzzer (mp_fuzz) in rounds: each round runs
# children in fresh network namespaces against the AF_MSGPIPE family and
# the msgpipe netlink family, then unloads and reloads both modules. Fails
# on a hung or killed child, a failed unload, or counters not back to 0;
# the runner adds the kernel's own reports (taint, oops, KASAN, lockdep).
# Reproduce a round with MP_SEED=<seed printed below>.
#
#   +--------------------------------------------------+
#   | VM                                               |
#   |  netns 1..C: mp_fuzz child  --syscalls-->  msgpipe.ko + msgpipe_soft.ko
#   |              --genl "msgpipe"-->                  |
#   |  between rounds: rmmod, insmod                     |
#   +--------------------------------------------------+
. "$(dirname "$0")/lib.sh"
# 4 rounds; 2 on the debug kernel, where an operation costs ten times as
# much. Measured with KCOV (mp_fuzz --kcov, testing.rst): a run had reached
# 1065, 1125, 1146 and 1150 basic blocks of msgpipe.ko after each of its
# rounds; another seed's first round alone reached 1245.
ROUNDS=4
[ "$MP_SCALE" -gt 1 ] && ROUNDS=2
ROUNDS=${MP_FUZZ_ROUNDS:-$ROUNDS}
OPS=${MP_FUZZ_OPS:-12500}
CHILDREN=${MP_FUZZ_CHILDREN:-2}
SEED=${MP_SEED:-$(( $(date +%s) % 100000 ))}
total=0
# socket() on a family or protocol the kernel lacks asks user space to load
# a module: modprobe started for each (half a second on the debug kernel,
# half of a round's time). The fuzzer's subject is msgpipe, not whatever
# other modules a random family number would bring in: while it runs, the
# kernel is told there is no modprobe and answers at once.
modprobe0=$(cat /proc/sys/kernel/modprobe)
trap 'echo "$modprobe0" > /proc/sys/kernel/modprobe' EXIT
echo > /proc/sys/kernel/modprobe

knobs_reset() {
	local p=/sys/module/msgpipe_soft/parameters
	echo 0 > $p/drop_permille; echo 0 > $p/ack_delay_ms
	echo 200 > $p/ack_timeout_ms; echo 60000 > $p/retire_ms
	echo 0 > $p/max_inflight_kb; echo Y > $p/zerocopy; echo N > $p/data_crc
}

for r in $(seq "$ROUNDS"); do
	s=$((SEED + r))
	"$BIN/mp_fuzz" --seed $s --ops "$OPS" --children "$CHILDREN" --netns > /tmp/fuzz.$$ 2>&1
	rc=$?
	sed 's/^/# /' /tmp/fuzz.$$ | tail -n $((2 * CHILDREN + 2))
	check "round $r (seed $s): no child hung or died (rc $rc)" test $rc = 0
	total=$((total + OPS * CHILDREN))
	knobs_reset
	left=
	for i in $(seq 300); do
		left=$(awk '$2 != 0 && $1 ~ /^(socks|sessions|pipes|listeners|tx_bufs|pinned_pages|rx_bufs)$/' \
			/sys/kernel/debug/msgpipe/stats)
		[ -z "$left" ] && break
		sleep 0.2
	done
	check "round $r: the host's gauges went back to 0 ($left)" test -z "$left"
	[ "$r" = "$ROUNDS" ] && break
	# Between rounds: unload and load again, as a user would.
	check "round $r: rmmod msgpipe_soft msgpipe" rmmod msgpipe_soft msgpipe
	insmod "$MP_MODDIR/msgpipe/msgpipe.ko" &&
		insmod "$MP_MODDIR/msgpipe_soft/msgpipe_soft.ko"
	check "round $r: insmod again" test $? = 0
done
rm -f /tmp/fuzz.$$
log "mp_fuzz: $total operations in $ROUNDS rounds from seed $SEED"
[ $FAILS = 0 ]
