#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Connection resets under a transfer: 128 MiB as 8 MiB messages (copy
# mode) while the pipe's TCP connection is reset 8 times (64 MiB and 4
# resets on the debug kernel) (a TCP RST both ways,
# everything in flight lost). The dialer reconnects with the pipe's token,
# the agent resends what was not acknowledged, sessions repeat their
# handshake frames: every message arrives once, intact and in order.
# Then a late loss report: B drops RSTs (nft), A's connection is destroyed,
# A redials; while B's agent attaches it (attach_delay_ms) B's old
# connection is destroyed and reports: the session must outlive it.
#
#   +--------------------+            +--------------------+
#   | netns A (client)   |  TCP RST   | netns B (server)   |
#   |  veth-a 10.77.0.1  |<--x-x-x--->|  veth-b 10.77.0.2  |
#   +--------------------+    8 times +--------------------+
#   resetter: msgpipe_soft reset_conns=1, then waits for the reconnection
#   part 2: ss -K in A (RST dropped in B), redial, ss -K of B's old one
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
cpid= spid=
trap 'kill $resetter $cpid $spid 2>/dev/null; cleanup_pair' EXIT
setup_pair || exit 1

# Once data flows (before, there is no pipe to reset): reset, wait until
# the pipe is back, RESETS times; log each. Stops when the client is done.
resetter() {
	local i n
	until_stat agent tx_bytes 1 "$T/done" || return 0
	for i in $(seq $RESETS); do
		n=$(host_stat reconnects)
		knob msgpipe_soft reset_conns 1
		until_stat host reconnects $((n + 1)) "$T/done" || return 0
		echo "reset $i" >> "$T/resets"
		sleep 0.2
	done
}

# 8 resets in 128 MiB; on the debug kernel 4 in 64 MiB (lib.sh's MP_SCALE).
RESETS=8
[ "$MP_SCALE" -gt 1 ] && RESETS=4
rc0=$(host_stat reconnects)
nb "$BIN/mp_xfer" server --report --port 4300 --bufsize 1048576 \
	> "$T/rst.srv" 2>&1 &
spid=$!
wait_listening "$T/rst.srv" || fail "server did not listen"
resetter &
resetter=$!
na "$BIN/mp_xfer" client --report --addr $ADDR_B --port 4300 --count 16 \
	--msgsize $(scaled 8388608 4194304) > "$T/rst.cli" 2> "$T/rst.err"
crc=$?
touch "$T/done"
resets_in_time=$(cat "$T/resets" 2>/dev/null | wc -l)
wait $spid
src=$?
wait $resetter
check "client and server succeeded (rc $crc/$src) $(cat "$T/rst.err")" \
	test "$crc/$src" = 0/0
check "$RESETS resets happened during the transfer ($resets_in_time)" \
	test "$resets_in_time" -ge $RESETS
check "the host reconnected the pipe each time ($(( $(host_stat reconnects) - rc0 )))" \
	test "$(( $(host_stat reconnects) - rc0 ))" -ge $RESETS
check "16 messages, same SHA-256 and order at both ends" same_messages rst
check "the server received exactly 16 messages (none twice)" \
	test "$(grep -c '^msg' "$T/rst.srv")" = 16
log "agent: resends $(agent_stat resends), replaced $(agent_stat conn_replaced), timeouts $(agent_stat ack_timeouts); host retransmits $(host_stat retransmits), retx_unknown $(host_stat retx_unknown), rx_dups $(host_stat rx_dups), rx_ooo $(host_stat rx_ooo)"
log "$(grep '^received' "$T/rst.srv")"

# 2. A late loss report of a replaced connection. B drops every RST, so
# A's connection is destroyed (ss -K) without B noticing; A redials and B's
# agent replaces the connection it still thinks live, holding the attach
# attach_delay_ms; meanwhile B's old connection is destroyed too and reports
# its loss. That report is the old connection's: B's pipe must not wait for
# a redial (it would fail after reconnect_ms) and the session goes on.
# Needs a kernel that can destroy sockets (CONFIG_INET_DIAG_DESTROY: the
# stock one; the shared debug kernel cannot, and the log says so).
late_report() {
	local old l0 end crc src o s
	nb nft -f - << 'NFT' || { fail "nft: cannot drop RSTs in B"; return; }
table inet mp_rst {
	chain in {
		type filter hook input priority 0; policy accept;
		tcp flags & rst == rst drop
	}
}
NFT
	# Attaches are held 5 s (the knob is the module's, so A's too): the
	# poll below must see both connections in B before B attaches, and
	# one poll of ss may cost a second on a loaded host (two guests on two
	# CPUs). reconnect_ms also bounds A's redial, its attach included.
	knob msgpipe reconnect_ms 10000
	knob msgpipe_soft attach_delay_ms 5000
	mkfifo "$T/hold"
	nb "$BIN/mp_xfer" server --report --port 4301 > "$T/late.srv" 2>&1 &
	spid=$!
	wait_listening "$T/late.srv" || { fail "late: server did not listen"; return; }
	na "$BIN/mp_xfer" client --report --addr $ADDR_B --port 4301 --count 4 \
		--msgsize 1048576 --hold < "$T/hold" > "$T/late.cli" 2> "$T/late.err" &
	cpid=$!
	exec 7> "$T/hold"	# the client holds its session open until closed
	# The session is up and idle once its messages were acknowledged.
	end=$((SECONDS + 120))
	until stat_to o /sys/kernel/debug/msgpipe/stats tx_msgs_open && [ "$o" = 0 ] &&
	      stat_to s /sys/kernel/debug/msgpipe/stats sessions && [ "$s" = 2 ]; do
		[ $SECONDS -lt $end ] || { fail "late: the messages did not arrive"; return; }
		sleep 0.2
	done
	old=$(na ss -Htn state established dst $ADDR_B | awk '{ sub(/.*:/, "", $3); print $3 }')
	[ "$(echo $old | wc -w)" = 1 ] ||
		{ fail "late: A should have one connection to B ($old)"; return; }
	l0=$(host_stat conn_losses)
	na ss -K -tn dst $ADDR_B > /dev/null 2>&1
	if na ss -Htn state established dst $ADDR_B | grep -q ":$old "; then
		log "late report: not run, this kernel cannot destroy a socket (CONFIG_INET_DIAG_DESTROY)"
		return
	fi
	# B sees the redialed connection next to the old one, then attaches it.
	t0=$SECONDS
	end=$((SECONDS + 30))
	until [ "$(nb ss -Htn state established dst $ADDR_A | wc -l)" -ge 2 ]; do
		[ $SECONDS -lt $end ] || { fail "late: A did not redial ($(nb ss -Htn dst $ADDR_A | tr '\n' ' '))"; return; }
		sleep 0.05
	done
	log "late report: B saw A's new connection after $((SECONDS - t0)) s"
	sleep 0.3
	nb ss -K -tn dst $ADDR_A:$old > /dev/null
	sleep 17	# past the attach and reconnect_ms
	exec 7>&-
	wait $cpid
	crc=$?
	wait $spid
	src=$?
	check "late report: the session outlived reconnect_ms (rc $crc/$src) $(cat "$T/late.err")" \
		test "$crc/$src" = 0/0
	check "late report: its 4 messages arrived, same SHA-256 and order" same_messages late
	check "late report: one loss counted, A's ($(( $(host_stat conn_losses) - l0 )))" \
		test "$(( $(host_stat conn_losses) - l0 ))" = 1
}
late_report
exec 7>&-
kill $cpid $spid 2>/dev/null
knob msgpipe_soft attach_delay_ms 0
knob msgpipe reconnect_ms 10000
rm -rf "$T"
[ $FAILS = 0 ]
