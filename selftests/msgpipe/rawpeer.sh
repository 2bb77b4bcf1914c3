#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# A hostile peer (mp_raw) sends malformed frames to host B's pipe listener
# while a real session from A to B moves 128 MiB: every bad connection is
# closed or reset, the real session is unaffected (same messages, same
# digests, in order) and the hosts counted the protocol errors. Beside it,
# peers that stay silent (no HELLO, no answer to one) are reset when their
# time is up, not left half-closed. A peer that vanishes while B's delayed
# ACK is on its way leaves it a pipe to send on. Last, a host C that
# receives SOCK_RDM batches forges acknowledgments for another host's.
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
NSC=mpc-$$
trap 'ip netns del $NSC 2>/dev/null; cleanup_pair' EXIT
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

# A peer that vanishes while B owes it a delayed acknowledgment (mp_raw
# --vanish: half a message, then gone). The ACK is held after it was built
# (stall_delack_ms); meanwhile the connection closes, the session is reset
# and its socket closed: the ACK is the pipe's last user. Released, it goes
# out on a pipe that must still exist (the debug kernel's KASAN reports a
# use after free if not; the runner fails the test on it).
d0=$(host_stat delayed_acks)
nb "$BIN/mp_xfer" server --port 4802 > "$T/van.srv" 2>&1 &
vpid=$!
wait_listening "$T/van.srv"
knob msgpipe stall_delack_ms 600000
mkfifo "$T/van.in"
na "$BIN/mp_raw" --addr $ADDR_B --svc-port 4802 --vanish < "$T/van.in" \
	> "$T/van.raw" 2>&1 &
rawpid=$!
exec {van}> "$T/van.in"
wait_until 30 host_ge delayed_acks $((d0 + 1))
check "vanish: B's delayed ACK is held ($(( $(host_stat delayed_acks) - d0 )); $(cat "$T/van.raw"))" \
	test "$(host_stat delayed_acks)" -gt "$d0"
exec {van}>&-
wait $rawpid
wait $vpid
vrc=$?
wait_until 30 host_is sessions 0
check "vanish: the session was reset and closed (server rc $vrc, $(host_stat sessions) sessions)" \
	test $vrc != 0 -a "$(host_stat sessions)" = 0
# A pipe no longer used goes in a work item: let it run.
sleep 1
a0=$(host_stat acks_sent)
knob msgpipe stall_delack_ms 0
wait_until 10 host_ge acks_sent $((a0 + 1))
check "vanish: the held ACK went out after ($(( $(host_stat acks_sent) - a0 )))" \
	test "$(host_stat acks_sent)" -gt "$a0"

# A receiver that forges acknowledgments: host C answers A's SOCK_RDM
# batches as two hosts (mp_raw --forge), the attacker at 10.78.1.1, which
# acknowledges its own batches, and the victim at 10.78.1.2, which never
# does. The attacker forges records for 128 GUIDs around its own and for
# every GUID the victim received. A's items to the victim must fail with
# ETIMEDOUT after their retries, as if nobody had forged anything.
ip netns add $NSC
ip -n $NSC link set lo up
ip link add veth-ac netns "$NSA" type veth peer name veth-ca netns $NSC
ip -n "$NSA" addr add 10.78.1.254/24 dev veth-ac
ip -n $NSC addr add 10.78.1.1/24 dev veth-ca
ip -n $NSC addr add 10.78.1.2/24 dev veth-ca
ip -n "$NSA" link set veth-ac up
ip -n $NSC link set veth-ca up
f0=$(host_stat rdm_ack_foreign)
u0=$(host_stat rdm_ack_unknown)
ip netns exec $NSC "$BIN/mp_raw" --forge 10.78.1.1 --victim 10.78.1.2 \
	--seconds $((30 * MP_SCALE)) > "$T/forge" 2>&1 &
fpid=$!
wait_listening "$T/forge"
na "$BIN/mp_rdm" send --net 10.78.0.0 --port 5000 --dests 1 --items 20 \
	--down 10.78.1.2 --retry-ms $((1000 * MP_SCALE)) --retries 2 \
	--timeout $((20 * MP_SCALE)) > "$T/forge.send" 2>&1
src=$?
kill -TERM $fpid
wait $fpid
frc=$?
check "forged: the attacker acknowledged its own and forged the victim's ($(tail -n 1 "$T/forge"))" \
	test $frc = 0
check "forged: items to the attacker delivered, to the victim ETIMEDOUT ($(tail -n 1 "$T/forge.send"))" \
	test $src = 0
check "forged: records naming the victim's batches were ignored ($(( $(host_stat rdm_ack_foreign) - f0 )))" \
	test "$(host_stat rdm_ack_foreign)" -gt "$f0"
gap=$(sed -n 's/.*nearest GUID gap \([0-9]*\) bits.*/\1/p' "$T/forge")
check "forged: GUIDs cannot be guessed from one's own: the victim's are ${gap:-?} bits away" \
	test "${gap:-0}" -ge 32
check "forged: the guesses named nothing ($(( $(host_stat rdm_ack_unknown) - u0 )) unknown)" \
	test "$(host_stat rdm_ack_unknown)" -gt "$u0"
rm -rf "$T"
[ $FAILS = 0 ]
