#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Module unload with sessions open. msgpipe.ko is held by its sockets, so
# rmmod refuses (EBUSY). msgpipe_soft.ko (the agent) unloads cleanly: every
# pipe is detached and the sessions on it fail with ENETDOWN; the host
# module then unloads once the sockets are closed. The agent's module
# parameters keep their knobs' ranges, at load time and later.
#
#   +--------------------+            +--------------------+
#   | netns A (client,   |            | netns B (listener, |
#   |  session held)     |<--veth---->|  session held)     |
#   +--------------------+            +--------------------+
. "$(dirname "$0")/lib.sh"
trap cleanup_pair EXIT
setup_pair || exit 1
T=$(mktemp -d)
mkfifo "$T/hold"

nb "$BIN/mp_xfer" server --port 4100 --report > "$T/srv" 2>&1 &
spid=$!
wait_listening "$T/srv" || fail "server did not listen"
na "$BIN/mp_xfer" client --addr $ADDR_B --port 4100 --sizes 1000 --hold \
	< "$T/hold" > "$T/cli" 2>&1 &
cpid=$!
exec 9> "$T/hold"
wait_until 20 file_has "$T/srv" '^msg'
check "a message crossed before the unload" grep -q '^msg 1000 ' "$T/srv"

check "rmmod msgpipe is refused while sockets are open" \
	bash -c '! rmmod msgpipe 2>/dev/null'
check "rmmod msgpipe_soft succeeds with sessions open" rmmod msgpipe_soft
check "the agent said it unregistered" \
	bash -c 'dmesg | tail -n 20 | grep -q "agent soft unregistered"'

exec 9>&-
wait $cpid
# ENETDOWN when its own pipe was detached first, ECONNRESET when the
# server's pipe went first and closed the connection under it.
check "the client's session ended with an error after the unload" \
	grep -q -E "Network is down|Connection reset by peer" "$T/cli"
log "client: $(tr '\n' ' ' < "$T/cli")"
kill $spid 2>/dev/null
wait $spid 2>/dev/null
# A module parameter is a knob: out of its range it is refused, at load
# time and later, as msgpipectl agent set refuses it.
KO=$MP_MODDIR/msgpipe_soft/msgpipe_soft.ko
for bad in ack_timeout_ms=0 retire_ms=0 drop_permille=1001; do
	check "insmod with $bad is refused" \
		bash -c "! insmod $KO $bad 2>/dev/null || { rmmod msgpipe_soft; false; }"
done
# Reload the agent so the runner's own unload finds both modules.
insmod "$KO"
P=/sys/module/msgpipe_soft/parameters
check "ack_timeout_ms 0 is refused later too" \
	bash -c "! echo 0 2>/dev/null > $P/ack_timeout_ms"
check "and the knob kept its value ($(cat $P/ack_timeout_ms))" \
	test "$(cat $P/ack_timeout_ms)" = 200
check "its debugfs file refuses it too" \
	bash -c "! echo 0 2>/dev/null > /sys/kernel/debug/msgpipe_soft/ack_timeout_ms"
check "a value in range is taken" \
	bash -c "echo 300 > $P/ack_timeout_ms && test \$(cat /sys/kernel/debug/msgpipe_soft/ack_timeout_ms) = 300"
echo 200 > $P/ack_timeout_ms
rm -rf "$T"
[ $FAILS = 0 ]
