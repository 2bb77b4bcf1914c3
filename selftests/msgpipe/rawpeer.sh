#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A hostile peer (mp_raw) sends malformed frames to host B's pipe listener
# while a real session from A to B moves 128 MiB: every bad connection is
# closed or reset, the real session is unaffected (same messages, same
# digests, in order) and the hosts counted the protocol errors. Beside it,
# peers that stay silent (no HELLO, no answer to one) are reset when their
# time is up, not left half-closed.
#
#   +-----------------------------+            +----------------------+
#   | netns A                     |            | netns B              |
#   |  mp_xfer client ==pipe=====>|----------->|  mp_xfer server 4800  |
#   |  mp_raw: bad magic, version,|  TCP 7460  |  mp_xfer server 4801  |
#   |   checksum, truncation,     |----------->|  (the raw peer's     |
#   |   unknown sessions, window, |            |   SYNC target)       |
#   |   floods                    |            |                      |
#   +-----------------------------+            +----------------------+
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
trap 'cleanup_pair' EXIT
setup_pair || exit 1
SEED=${MP_SEED:-$RANDOM}

perr0=$(( $(host_stat proto_errors) + $(agent_stat proto_errors) ))
unk0=$(host_stat rx_unknown_session)
nb "$BIN/mp_xfer" server --report --port 4800 > "$T/legit.srv" 2>&1 &
spid=$!
nb "$BIN/mp_xfer" server --port 4801 > "$T/raw.srv" 2>&1 &
rpid=$!
wait_listening "$T/legit.srv" && wait_listening "$T/raw.srv" ||
	fail "servers did not listen"
na "$BIN/mp_xfer" client --report --addr $ADDR_B --port 4800 --count 16 \
	--msgsize $(scaled 8388608) > "$T/legit.cli" 2> "$T/legit.err" &
cpid=$!

# Silent peers, beside it: a connection to B's listener that never says
# HELLO (B gives up after 5 s), and a listener in A that takes A's dial and
# its HELLO but never answers (A gives up after 10 s). Each end that gives
# up aborts the connection (a reset): a FIN would leave an orphaned socket
# in FIN-WAIT for a peer that never closes.
silent() {	# silent connect ADDR | silent listen ADDR: how it ended
	python3 -c '
import socket, sys
role, addr = sys.argv[1], sys.argv[2]
if role == "connect":
    s = socket.create_connection((addr, 7460))
else:
    l = socket.socket()
    l.bind((addr, 7460))
    l.listen()
    print("listening", flush=True)
    s = l.accept()[0]
s.settimeout(60)
got = 0
try:
    while True:
        d = s.recv(4096)
        if not d:
            print("eof after", got, "bytes")
            break
        got += len(d)
except ConnectionResetError:
    print("reset after", got, "bytes")
except socket.timeout:
    print("nothing in 60 s")
' "$@"
}
na bash -c "$(declare -f silent); silent connect $ADDR_B" > "$T/silent.cli" 2>&1 &
scli=$!
na bash -c "$(declare -f silent); silent listen 127.0.0.2" > "$T/silent.srv" 2>&1 &
ssrv=$!
wait_listening "$T/silent.srv"
na "$BIN/msgpipectl" pipe add 127.0.0.2 > /dev/null 2> "$T/silent.err" &
sadd=$!

na "$BIN/mp_raw" --addr $ADDR_B --svc-port 4801 --seed "$SEED" > "$T/raw" 2>&1
rc=$?
sed 's/^/# /' "$T/raw"
check "mp_raw: the host closed every bad connection (seed $SEED, rc $rc)" test $rc = 0

wait $cpid
crc=$?
# A client that failed leaves the server waiting in accept for ever.
[ $crc = 0 ] || { sed 's/^/# client: /' "$T/legit.err"; kill $spid 2>/dev/null; }
wait $spid
src=$?
check "the real session finished (client $crc, server $src: $(cat "$T/legit.err"))" \
	test "$crc/$src" = 0/0
check "it delivered 16 messages, same digests and order" same_messages legit
check "exactly 16 arrived" test "$(grep -c '^msg' "$T/legit.srv")" = 16
kill $rpid 2>/dev/null
wait $rpid 2>/dev/null
wait $scli $ssrv $sadd
check "a connection that never said HELLO was reset ($(cat "$T/silent.cli"))" \
	grep -q '^reset after 0 bytes' "$T/silent.cli"
check "a dial never answered failed with ETIMEDOUT ($(cat "$T/silent.err"))" \
	grep -q 'timed out' "$T/silent.err"
check "and was reset ($(tail -n 1 "$T/silent.srv"))" \
	grep -q '^reset after [1-9]' "$T/silent.srv"
perr=$(( $(host_stat proto_errors) + $(agent_stat proto_errors) - perr0 ))
check "the hosts counted the protocol errors ($perr)" test $perr -ge 5
unk=$(( $(host_stat rx_unknown_session) - unk0 ))
check "and the frames for an unknown session ($unk)" test $unk -ge 2
rm -rf "$T"
[ $FAILS = 0 ]
