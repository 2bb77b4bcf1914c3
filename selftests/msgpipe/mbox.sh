#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Through the DPDK middlebox (tools/testing/mbox): chosen faults on chosen
# connections of a pipe of 8 while 12 messages of 8 MiB cross, each
# transfer checked for every message exactly once, intact and in order; the
# protocol observer decodes every msgpipe connection and must find no
# violation of wire-format.rst over all of it, batches (SOCK_RDM) included.
#
#   +------------------+      +--------------------------+      +------------------+
#   | netns A (client) |      | netns M: mp_mbox (DPDK)  |      | netns B (server) |
#   | veth-a 10.77.0.1 |<---->| mb-a [0] == L2 == [1] mb-b|<---->| veth-b 10.77.0.2 |
#   +------------------+      | rst / blackhole / cut /  |      +------------------+
#                             | flip / drop dup reorder  |
#                             | observer: frames, rules  |
#                             +--------------------------+
# 1. clean        nothing damaged: the observer's baseline
# 2. rst          a RST injected both ways into the 3rd live connection
# 3. blackhole    the 5th live connection gets nothing through for 10 s
# 4. flap         the whole link cut 3 times for 2 s
# 5. tamper       payload bits flipped on the 2nd live connection, TCP
#                 checksum fixed (data_crc on): a damaged chunk is dropped
#                 and sent again, a damaged header resets the connection
# 6. lossy        drop 1 %, duplicate 1 %, reorder 2 % of every packet,
#                 and the 1st live connection delayed by 20 ms
# 7. IPv6         a pipe over IPv6, a RST into one of its connections
# 8. batches      SOCK_RDM items to 20 destinations, acknowledged by GUID
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
agitator=
trap 'kill $agitator 2>/dev/null; cleanup_pair' EXIT
knob msgpipe pipe_conns 8
setup_mbox || { fail "the middlebox did not start"; exit 1; }

MSG=$(scaled 2097152 524288)
COUNT=12

# agitate NAME BYTES CMD...: once BYTES more went out, run CMD (a function
# or a middlebox command), then mark NAME agitated.
agitate() {
	local name=$1 bytes=$2
	shift 2
	until_stat agent tx_bytes $(( $(agent_stat tx_bytes) + bytes )) "$T/done" ||
		return 0
	"$@" >> "$T/$name.agit" 2>&1
	touch "$T/$name.agitated"
}

# run NAME PORT CMD...: a transfer of COUNT messages with CMD agitating it.
run() {
	local name=$1 port=$2
	shift 2
	rm -f "$T/done"
	if [ $# -gt 0 ]; then
		agitate "$name" $((MSG * 3)) "$@" &
		agitator=$!
	fi
	transfer "$name" --port "$port" --bufsize 1048576 -- --addr $ADDR_B \
		--port "$port" --count $COUNT --msgsize $MSG
	touch "$T/done"
	[ -n "$agitator" ] && wait $agitator
	agitator=
	check "$name: $COUNT messages, same SHA-256 and order at both ends" \
		same_messages "$name"
	check "$name: the server received exactly $COUNT messages (none twice)" \
		test "$(grep -c '^msg' "$T/$name.srv")" = $COUNT
	[ $# -gt 0 ] && check "$name: the fault was applied mid-transfer" \
		test -f "$T/$name.agitated"
	log "$name: $(grep '^client' "$T/$name.cli")"
}

# 1. clean
run clean 4600
log "flows: $(mbox flows | grep -c msgpipe) msgpipe connections seen"
check "clean: the observer decoded the 8 connections of the pipe" \
	test "$(mbox_stat obs_conns)" -ge 8
check "clean: and every payload byte ($(mbox_stat obs_data_bytes))" \
	test "$(mbox_stat obs_data_bytes)" -ge $((MSG * COUNT))

# 2. rst
r0=$(host_stat reconnects)
run rst 4601 mbox rst live 3
log "rst: $(cat "$T/rst.agit")"
check "rst: RSTs were injected ($(mbox_stat rst_injected))" \
	test "$(mbox_stat rst_injected)" -ge 2
check "rst: the pipe redialed the connection ($(( $(host_stat reconnects) - r0 )))" \
	test "$(( $(host_stat reconnects) - r0 ))" -ge 1

# 3. blackhole
run blackhole 4602 mbox fault live 5 blackhole 10
check "blackhole: packets vanished ($(mbox_stat blackholed))" \
	test "$(mbox_stat blackholed)" -gt 0
mbox clear > /dev/null

# 4. flap
flap() {
	local i
	for i in 1 2 3; do
		mbox cut on
		sleep 2
		mbox cut off
		sleep 2
	done
}
run flap 4603 flap
check "flap: the link was down ($(mbox_stat cut) packets lost)" \
	test "$(mbox_stat cut)" -gt 0

# 5. tamper: every DATA frame carries its CRC32C, so a flipped payload bit
# is caught by the receiving agent, which drops the chunk (it is sent
# again), and a flipped header bit by hdr_crc (the connection is reset).
knob msgpipe_soft data_crc 1
r0=$(host_stat retransmits)
c0=$(agent_stat crc_errors)
p0=$(agent_stat proto_errors)
run tamper 4604 mbox fault live 2 flip 0.05
mbox clear > /dev/null
knob msgpipe_soft data_crc 0
check "tamper: bits were flipped ($(mbox_stat flipped))" \
	test "$(mbox_stat flipped)" -gt 0
check "tamper: caught by the agent ($(( $(agent_stat crc_errors) - c0 )) payload, $(( $(agent_stat proto_errors) - p0 )) header)" \
	test $(( $(agent_stat crc_errors) - c0 + $(agent_stat proto_errors) - p0 )) -gt 0
check "tamper: the damaged chunks were sent again ($(( $(host_stat retransmits) - r0 )))" \
	test "$(( $(host_stat retransmits) - r0 ))" -ge 1

# 6. lossy
lossy() {
	mbox fault live 1 delay 20
	mbox fault port 7460 drop 0.01 dup 0.01 reorder 0.02
}
run lossy 4605 lossy
mbox clear > /dev/null
check "lossy: dropped $(mbox_stat dropped), duplicated $(mbox_stat duplicated), reordered $(mbox_stat reordered), delayed $(mbox_stat delayed)" \
	test "$(mbox_stat dropped)" -gt 0 -a "$(mbox_stat duplicated)" -gt 0 \
		-a "$(mbox_stat reordered)" -gt 0 -a "$(mbox_stat delayed)" -gt 0

# 7. IPv6: a pipe to B's IPv6 address, a RST into one of its connections
# (the middlebox parses and builds IPv6 headers too).
v6rst() {
	local id
	id=$(mbox flows | awk '/\[fd77::/ && / msgpipe/ && !/ rst/ && !/ fin/ { print $2; exit }')
	mbox rst flow "$id"
}
r0=$(host_stat reconnects)
rm -f "$T/done"
agitate v6 $((MSG * 2)) v6rst &
agitator=$!
transfer v6 --port 4606 --bufsize 1048576 -- --addr $ADDR6_B --port 4606 \
	--count 8 --msgsize $MSG
touch "$T/done"
wait $agitator
agitator=
check "IPv6: 8 messages, same SHA-256 and order, each once" same_messages v6
log "IPv6: $(cat "$T/v6.agit" 2>/dev/null)"
check "IPv6: a RST was injected into an IPv6 connection" grep -q "ok reset 1" "$T/v6.agit"
check "IPv6: the pipe redialed the connection ($(( $(host_stat reconnects) - r0 )))" \
	test "$(( $(host_stat reconnects) - r0 ))" -ge 1

# 8. batches
knob msgpipe pipe_conns 2
N=20 ITEMS=50
rdm_hosts $N || fail "adding $N addresses"
b0=$(mbox_stat obs_batches)
nb "$BIN/mp_rdm" recv --port 5000 --socks $N --total $((N * ITEMS)) \
	--timeout $((120 * MP_SCALE)) > "$T/recv" 2>&1 &
rpid=$!
wait_listening "$T/recv" || fail "batches: the receiver did not start"
# The retry time (2 s by default) grows with MP_SCALE, as in rdm.sh: on the
# debug kernel, through the middlebox, acknowledgments took longer than the
# default retries and live destinations were given up (ETIMEDOUT).
na "$BIN/mp_rdm" send --net 10.79.0.0 --port 5000 --dests $N --items $ITEMS \
	--retry-ms $((2000 * MP_SCALE)) --timeout $((120 * MP_SCALE)) \
	> "$T/send" 2>&1
src=$?
wait $rpid
rrc=$?
sed 's/^/# /' "$T/send" "$T/recv"
check "batches: every item completed and delivered once (rc $src/$rrc)" \
	test "$src/$rrc" = 0/0
check "batches: the observer decoded BATCH frames ($(( $(mbox_stat obs_batches) - b0 ))) and their acknowledgments ($(mbox_stat obs_batch_acks) records)" \
	test $(( $(mbox_stat obs_batches) - b0 )) -gt 0 -a "$(mbox_stat obs_batch_acks)" -gt 0

# The observer, over all of it.
mbox stats | sed 's/^/# mbox: /'
log "connections whose 4-tuple a new one took: $(mbox flows | grep -c ' replaced')"
v=$(mbox_stat obs_violations)
[ "$v" = 0 ] || mbox violations | head -40 | sed 's/^/# /'
check "the observer found no violation of the wire format ($v)" test "$v" = 0
check "the observer followed every connection (desync $(mbox_stat obs_desync))" \
	test "$(mbox_stat obs_desync)" = 0
rm -rf "$T"
[ $FAILS = 0 ]
