#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# 1000 concurrent sessions over one pipe of 8 connections: each sends 10
# messages of 12 bytes to 16 KiB, round robin; the server verifies every
# byte and that each session's messages arrive in order, none missing,
# none twice. msgpipectl shows the 1000 sessions on one pipe meanwhile.
# On the debug kernel 250 sessions (lib.sh's MP_SCALE), through the same
# paths.
#
#   +--------------------+  one pipe, 8 TCP  +--------------------+
#   | netns A            |===================| netns B            |
#   |  mp_many client    |  1000 sessions    |  mp_many server    |
#   |  10.77.0.1         |                   |  10.77.0.2         |
#   +--------------------+                   +--------------------+
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'cleanup_pair' EXIT
setup_pair || exit 1
CTL=$BIN/msgpipectl
N=$(scaled 1000 250)
na $CTL defaults set conns 8

nb "$BIN/mp_many" server --port 4600 --sessions $N --count 10 --maxsize 16384 \
	> "$T/srv" 2>&1 &
spid=$!
wait_listening "$T/srv" || fail "server did not listen"
na "$BIN/mp_many" client --addr $ADDR_B --port 4600 --sessions $N --count 10 \
	--maxsize 16384 > "$T/cli" 2>&1 &
cpid=$!
wait_until 120 file_has "$T/cli" "sessions open"
na $CTL -j pipe show > "$T/pipes"
na $CTL -j session show > "$T/sessions"
wait $cpid
crc=$?
wait $spid
src=$?
cat "$T/cli" "$T/srv" | sed 's/^/# /' | tail -n 6
check "client and server succeeded (rc $crc/$src)" test "$crc/$src" = 0/0
check "the server verified $N sessions x 10 messages, none bad" \
	grep -q "server: sessions $N messages $((N * 10)) bad 0" "$T/srv"
check "one pipe of 8 connections carried them ($(cat "$T/pipes"))" \
	jq -e "length == 1 and .[0].conns == 8 and .[0].sessions == $N" "$T/pipes"
check "session show listed the $N sessions, ready" \
	jq -e "[.[] | select(.state == \"ready\")] | length == $N" "$T/sessions"
rm -rf "$T"
[ $FAILS = 0 ]
