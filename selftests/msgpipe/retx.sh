#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Retransmission by asking the host for the pages again: 64 MiB as 4 MiB
# zero-copy messages (256 chunks; 32 MiB, 128 chunks, on the debug kernel)
# while the sending agent drops 5 % of its DATA frames
# (never delivered, so only retransmission recovers them). Every message
# arrives once, intact and in order; the host re-pinned user pages for the
# resends; every message completed on the sender's error queue.
#
#   +--------------------+            +--------------------+
#   | netns A (client)   |            | netns B (server)   |
#   |  mp_xfer --zerocopy|            |  mp_xfer server    |
#   |  veth-a 10.77.0.1  |<--veth---->|  veth-b 10.77.0.2  |
#   |  agent drops 5 %   |            |                    |
#   +--------------------+            +--------------------+
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'knob msgpipe_soft drop_permille 0; cleanup_pair' EXIT
setup_pair || exit 1

retx0=$(host_stat retransmits)
repin0=$(host_stat repins)
drop0=$(agent_stat dropped)
knob msgpipe_soft drop_permille 50
SZ=$(scaled 4194304 2097152)
transfer drop --port 4100 --bufsize 1048576 -- \
	--addr $ADDR_B --port 4100 --count 16 --msgsize $SZ --zerocopy
knob msgpipe_soft drop_permille 0

check "16 messages of $(mib $SZ) MiB, same SHA-256 and order at both ends" \
	same_messages drop
check "the server received exactly 16 messages (none twice)" \
	test "$(grep -c '^msg' "$T/drop.srv")" = 16
check "the agent dropped DATA frames ($(( $(agent_stat dropped) - drop0 )))" \
	test "$(agent_stat dropped)" -gt "$drop0"
check "the host re-posted chunks ($(( $(host_stat retransmits) - retx0 )))" \
	test "$(host_stat retransmits)" -gt "$retx0"
check "the host re-pinned user pages ($(( $(host_stat repins) - repin0 )))" \
	test "$(host_stat repins)" -gt "$repin0"
check "16 completions, none failed" \
	test "$(field drop zc_done)/$(field drop zc_errors)" = 16/0
log "$(grep '^received' "$T/drop.srv")"
rm -rf "$T"
[ $FAILS = 0 ]
