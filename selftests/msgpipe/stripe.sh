#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Pipes of 8 connections: one 64 MiB message (256 chunks) is striped
# over them (at least 4 carry 1 % of it or more, see below), and 3 of
# the 8 are reset in the middle of a 64 MiB transfer: the others carry on,
# the 3 are redialed, every message arrives exactly once, intact, in order.
#
#   +--------------------+  8 TCP connections  +--------------------+
#   | netns A (client)   |=====================| netns B (server)   |
#   |  veth-a 10.77.0.1  |  one pipe, striped  |  veth-b 10.77.0.2  |
#   +--------------------+                     +--------------------+
#   killer:  msgpipe_soft reset_conns=7 (slots 0, 1, 2) once, mid-transfer
# On the debug kernel (lib.sh's MP_SCALE) a 16 MiB message, still 64
# chunks for 8 connections, and 32 MiB.
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'kill $killer 2>/dev/null; cleanup_pair' EXIT
knob msgpipe pipe_conns 8
setup_pair || exit 1

# Connections take chunks as fast as their TCP sockets drain, so their
# shares are as even as their 16 agent threads' turns on the CPU: on 6.12
# 10 to 15 % each; on 6.1 in one vCPU one slot may carry a single chunk
# (0.4 %) and another 56 %, all 8 up from the start. At least half of the
# 8 slots (the agent counts what every connection that held a slot sent)
# must carry 1 % or more, as netlink.sh asks: a pipe that does not stripe
# has one.
ONE=$(scaled 67108864 16777216)
# Kept, so that its counters outlive the session. (B accepts pipes while
# a root process listens there: a server it keeps.)
nb "$BIN/mp_xfer" server --port 4399 > "$T/keep.srv" 2>&1 &
wait_listening "$T/keep.srv"
check "a kept pipe of 8 connections" na "$BIN/msgpipectl" pipe add $ADDR_B keep on
# A slot that comes up during the transfer carries less of it.
t0=$SECONDS
wait_live 8
check "all 8 connections up before the transfer ($((SECONDS - t0)) s)" \
	test "$(na "$BIN/msgpipectl" -j pipe show | jq '.[0].live')" = 8
transfer one --port 4400 --bufsize 1048576 -- --addr $ADDR_B --port 4400 \
	--count 1 --msgsize $ONE
check "$(mib $ONE) MiB in one message over a pipe of 8 connections" \
	same_messages one
na "$BIN/msgpipectl" conn show > "$T/conns"
line=$(awk '{ for (i = 1; i < NF; i++) if ($i == "tx_bytes") printf "%s ", $(i + 1) }' "$T/conns")
fails=$(awk '{ for (i = 1; i < NF; i++) if ($i == "failures") n += $(i + 1) } END { print n + 0 }' "$T/conns")
log "bytes per connection: $line(failures $fails)"
check "8 connections carried the message" test "$(echo $line | wc -w)" = 8
wide=$(echo $line | awk -v min=$((ONE / 100)) '{ n = 0; for (i = 1; i <= NF; i++) if ($i >= min) n++; print n }')
check "at least 4 of the 8 carried 1 % of it or more (${wide:-?})" \
	test -n "$line" -a "${wide:-0}" -ge 4

# Kill 3 of the 8 while 16 x 4 MiB cross.
l0=$(host_stat conn_losses)
killer() {	# once an eighth of the bytes went out
	until_stat agent tx_bytes $(( $(agent_stat tx_bytes) + $(scaled 4194304 2097152) * 2 )) \
		"$T/done" || return 0
	knob msgpipe_soft reset_conns 7
	echo killed > "$T/killed"
}
killer &
killer=$!
transfer kill --port 4401 --bufsize 1048576 -- --addr $ADDR_B --port 4401 \
	--count 16 --msgsize $(scaled 4194304 2097152)
touch "$T/done"
wait $killer
check "3 connections were reset during the transfer" test -f "$T/killed"
check "the host saw them go ($(( $(host_stat conn_losses) - l0 )) losses)" \
	test "$(( $(host_stat conn_losses) - l0 ))" -ge 3
check "16 messages, same SHA-256 and order at both ends" same_messages kill
check "the server received exactly 16 messages (none twice)" \
	test "$(grep -c '^msg' "$T/kill.srv")" = 16
log "agent: need_pages $(agent_stat need_pages), resends $(agent_stat resends), retransmits $(agent_stat retransmits); host rx_dups $(host_stat rx_dups), rx_early $(host_stat rx_early)"
log "$(grep '^client' "$T/one.cli")"
log "$(grep '^client' "$T/kill.cli")"
rm -rf "$T"
[ $FAILS = 0 ]
