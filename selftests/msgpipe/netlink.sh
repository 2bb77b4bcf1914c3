#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# The control plane through msgpipectl: namespace defaults, a pipe of 8
# connections made over netlink and used by a session, its connections and
# counters, the agent's knobs (one resets every connection), the events
# "msgpipectl monitor" sees, errors with the kernel's extack text and exit
# codes, a policy for every op, counters that are each namespace's own
# (every namespace's for the admin only), and the namespace's listen
# setting: who may make it accept pipes, and that the TCP port cannot be
# taken.
#
#   +----------------------------+            +--------------------+
#   | netns A                    |            | netns B (server)   |
#   |  msgpipectl pipe add ...   |==8 conns==>|  mp_xfer server    |
#   |  msgpipectl -j monitor &   |            |  veth-b 10.77.0.2  |
#   |  veth-a 10.77.0.1          |            +--------------------+
#   +----------------------------+
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
NSC=mpc-$$
trap 'kill $mon 2>/dev/null; ip netns del "$NSC" 2>/dev/null; cleanup_pair' EXIT
setup_pair || exit 1
CTL=$BIN/msgpipectl
# jq, not python: python's start costs seconds on the debug kernel.
jq_() { jq -r "$1"; }
# "${nobody[@]}" CMD...: CMD as a local user without any capability.
nobody=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)

check "the default is 1 connection per pipe" \
	test "$(na $CTL -j defaults show | jq_ '.[0].conns')" = 1
check "defaults set conns 4" na $CTL defaults set conns 4
check "the default is now 4" \
	test "$(na $CTL -j defaults show | jq_ '.[0].conns')" = 4
na $CTL defaults set conns 0 2> "$T/err"
check "defaults set conns 0: exit 1 with the kernel's reason ($(cat "$T/err"))" \
	grep -q "Numerical result out of range" "$T/err"

na $CTL -j monitor > "$T/events" 2> "$T/mon.err" &
mon=$!
wait_until 30 file_has "$T/mon.err" monitoring
grep -q monitoring "$T/mon.err" || fail "the monitor did not start ($(cat "$T/mon.err"))"

nb "$BIN/mp_xfer" server --report --port 4500 > "$T/s.srv" 2>&1 &
spid=$!
wait_listening "$T/s.srv" || fail "server did not listen"
na $CTL -j pipe add $ADDR_B conns 8 > "$T/add" 2> "$T/add.err"
check "pipe add $ADDR_B conns 8 ($(cat "$T/add.err"))" \
	test "$(jq_ '.[0].conns' < "$T/add")" = 8
id=$(jq_ '.[0].id' < "$T/add")
t0=$SECONDS
wait_live 8 "$id"
check "all 8 connections came up ($((SECONDS - t0)) s)" \
	test "$(na $CTL -j pipe show "$id" | jq_ '.[0].live')" = 8
check "conn show lists 8 connections, all up" \
	test "$(na $CTL -j conn show pipe "$id" | jq_ '[.[] | select(.state == "up")] | length')" = 8
na $CTL pipe add $ADDR_B 2> "$T/err"
rc=$?
check "a second pipe to the peer: exit 1, extack shown ($(cat "$T/err"))" \
	test $rc = 1 -a -n "$(grep 'exists already' "$T/err")"

# 4 messages of 8 MiB (4 on the debug kernel): at least 64 chunks to
# stripe over the 8 connections.
msgsize=$(scaled 8388608 4194304)
na "$BIN/mp_xfer" client --report --addr $ADDR_B --port 4500 --count 4 \
	--msgsize $msgsize > "$T/s.cli" 2> "$T/s.err"
rc=$?
check "a session used the pipe (rc $rc $(cat "$T/s.err"))" test $rc = 0
wait $spid

# Counters are each namespace's: A sent 4 messages, B received them, a
# third namespace saw nothing of it, nor of A's pipe.
ip netns add "$NSC"
# ns_stats NS: tx_msgs/rx_msgs/pipes/rx_bytes of namespace NS, one call.
ns_stats() {
	ip netns exec "$1" $CTL -j stats |
		jq_ '.[0] | "\(.tx_msgs)/\(.rx_msgs)/\(.pipes)/\(.rx_bytes)"'
}
a=$(ns_stats "$NSA") b=$(ns_stats "$NSB") c=$(ns_stats "$NSC")
check "A's counters: 4 messages sent, none received ($a)" test "${a%/*/*}" = 4/0
check "B's: none sent, 4 received ($b)" test "${b%/*/*}" = 0/4
check "a third namespace: no messages, no pipe, no bytes ($c)" test "$c" = 0/0/0/0
check "agent show counts A's pipe in A, none in the third namespace" \
	test "$(na $CTL -j agent show soft | jq_ '.[0].pipes')/$(ip netns exec "$NSC" $CTL -j agent show soft | jq_ '.[0].pipes')" = 1/0
check "stats all: the admin reads the sum over the namespaces" \
	test "$(ip netns exec "$NSC" $CTL -j stats all tx_msgs | jq_ '.[0].tx_msgs')" = 4
ip netns exec "$NSC" "${nobody[@]}" $CTL stats all 2> "$T/err" > /dev/null
check "a user cannot read every namespace's ($(cat "$T/err"))" \
	grep -q "not permitted" "$T/err"
check "but reads its own" \
	ip netns exec "$NSC" "${nobody[@]}" $CTL stats tx_msgs
ip netns del "$NSC"
# The connections' send threads take frames from one ring as they get the
# CPU: under load one may get none of the 64 or 128, so half of them is
# the bar.
spread=$(na $CTL -j conn show pipe "$id" | jq_ '[.[] | .tx_bytes / 1024 | floor | tostring] | join(" ")')
check "the pipe striped it over its connections (KiB: $spread)" \
	test "$(echo $spread | tr ' ' '\n' | grep -vc '^0$')" -ge 4
pipe_field() { na $CTL -j pipe show "$id" | jq_ ".[0].$1"; }
check "the pipe's counters sum its connections' ($(pipe_field tx_bytes) bytes)" \
	test "$(pipe_field tx_bytes)" = \
	"$(na $CTL -j conn show pipe "$id" | jq_ '[.[].tx_bytes] | add')"
check "it carried $(mib $((4 * msgsize))) MiB and more" \
	test "$(pipe_field tx_bytes)" -ge $((4 * msgsize))

knob() { na $CTL -j agent show soft | jq_ "[.[0].knobs[] | select(.name == \"$1\") | .value][0]"; }
check "agent show lists the soft agent with its knobs" \
	test "$(na $CTL -j agent show | jq_ '.[0].knobs | length')" -ge 8
check "agent set soft drop_permille 7 ack_delay_ms 3" \
	na $CTL agent set soft drop_permille 7 ack_delay_ms 3
check "the knobs read back 7 and 3" test "$(knob drop_permille)/$(knob ack_delay_ms)" = 7/3
check "the module parameter agrees" \
	test "$(cat /sys/module/msgpipe_soft/parameters/drop_permille)" = 7
na $CTL agent set soft drop_permille 0 ack_delay_ms 0
na $CTL agent set soft drop_permille 1001 2> "$T/err"
rc=$?
check "a value out of range: exit 1, extack shown ($(cat "$T/err"))" \
	test $rc = 1 -a -n "$(grep "out of the knob's range" "$T/err")"
check "and the knob kept its value" test "$(knob drop_permille)" = 0
before=$(pipe_field conn_failures)
check "agent set soft reset_conns all" na $CTL agent set soft reset_conns all
t0=$SECONDS
for i in $(seq 300); do
	[ "$(pipe_field conn_failures)" -ge $((before + 8)) ] &&
		[ "$(pipe_field live)" = 8 ] && break
	sleep 0.1
done
check "every connection broke once and came back ($before -> $(pipe_field conn_failures) failures, $(pipe_field live) live, $((SECONDS - t0)) s)" \
	test "$(pipe_field conn_failures)" -ge $((before + 8)) -a "$(pipe_field live)" = 8

check "it stays without sessions (keep)" \
	test "$(na $CTL -j pipe show | jq_ 'length')" = 1
check "stats NAME reads one counter" \
	test "$(na $CTL -j stats pipes | jq_ '.[0] | keys | join(" ")')" = pipes
check "pipe del" na $CTL pipe del "$id"
check "the pipe is gone" test "$(na $CTL -j pipe show | jq_ 'length')" = 0
# Nothing listens in B any more: its admin lets it accept pipes. B keeps
# its listener reconnect_ms after an accepted pipe went: 1 s from here on.
echo 1000 > /sys/module/msgpipe/parameters/reconnect_ms
nb $CTL defaults set listen on
id2=$(na $CTL -j pipe add $ADDR_B conns 2 | jq_ '.[0].id')
check "pipe set keep off" na $CTL pipe set "$id2" keep off
check "an idle pipe no longer kept closes" \
	test "$(na $CTL -j pipe show | jq_ 'length')" = 0
nb $CTL defaults set listen auto
na $CTL pipe del "$id" 2> "$T/err"
rc=$?
check "pipe del of a gone pipe: exit 1, \"no such pipe\" ($(cat "$T/err"))" \
	test $rc = 1 -a -n "$(grep 'no such pipe' "$T/err")"
na $CTL pipe frobnicate 2> /dev/null
check "an unknown verb: exit 2" test $? = 2
check "-h at every level" sh -c "($CTL -h && $CTL pipe -h && $CTL conn -h && $CTL session -h && $CTL stats -h && $CTL defaults -h && $CTL agent -h) > /dev/null 2>&1"

# The last event is the kept-off pipe going down: wait for it to be read.
for i in $(seq 100); do
	[ "$(grep -c '"state":"down"' "$T/events")" -ge 2 ] && break
	sleep 0.1
done
kill $mon
wait $mon 2>/dev/null
# ev FILTER: how many events FILTER selects.
ev() { jq -s "[.[] | select($1)] | length" "$T/events"; }
check "events: the pipe came up ($(ev '.event == "pipe" and .state == "up"'))" \
	test "$(ev '.event == "pipe" and .state == "up"')" -ge 1
check "events: 8 connections came up ($(ev '.event == "conn" and .state == "up"'))" \
	test "$(ev '.event == "conn" and .state == "up"')" -ge 8
check "events: the session became ready and closed" \
	test "$(ev '.event == "session" and (.state == "waiting-ack" or .state == "ready" or .state == "closed")')" -ge 2
check "events: the pipe went down" \
	test "$(ev '.event == "pipe" and .state == "down"')" -ge 1

# --- the listen setting -------------------------------------------------
# B's server left and A's pipes are gone: nothing holds B's listener.
# listeners N: until the host's listener gauge reads N, at most 30 s (an
# accepted pipe that went keeps it reconnect_ms for its redial).
listeners() { wait_until 30 host_is listeners "$1"; }
check "B's listener closed with its last listening socket and accepted pipe" \
	listeners 0
check "listen is auto by default" \
	test "$(nb $CTL -j defaults show | jq_ '.[0].listen')" = auto
# server NAME PORT [nobody]: an mp_xfer server in B; its pid in $spid.
server() {
	: > "$T/$1.srv"
	ip netns exec "$NSB" ${3:+"${nobody[@]}"} "$BIN/mp_xfer" server \
		--port "$2" --count 1 > "$T/$1.srv" 2>&1 &
	spid=$!
	wait_listening "$T/$1.srv" || fail "$1: the server did not listen"
}
# client PORT: one message from A to B's PORT; its exit code.
client() {
	na "$BIN/mp_xfer" client --addr $ADDR_B --port "$1" --count 1 \
		--msgsize 4096 > /dev/null 2> "$T/c.err"
}
server user 4600 nobody
check "auto: a user's listen() opens no listener" test "$(host_stat listeners)" = 0
client 4600
check "and A cannot reach it: connection refused ($(tail -n 1 "$T/c.err"))" \
	grep -q "refused" "$T/c.err"
nb "${nobody[@]}" $CTL defaults set listen on 2> "$T/err"
check "a user cannot change the setting ($(cat "$T/err"))" \
	grep -q "not permitted" "$T/err"
check "the admin sets listen on" nb $CTL defaults set listen on
check "on: the listener is open" test "$(host_stat listeners)" = 1
check "and the user's server now takes A's session" client 4600
wait $spid
# nc exits at once when its bind fails; one that got the port is cut off.
nb "${nobody[@]}" timeout 5 nc -l 7460 > /dev/null 2> "$T/err"
check "a user cannot take the TCP port ($(cat "$T/err"))" \
	grep -q "in use" "$T/err"
check "the admin sets listen off" nb $CTL defaults set listen off
check "off: the listener closed" listeners 0
server root 4601
check "off: even root's listen() opens none" test "$(host_stat listeners)" = 0
client 4601
check "and A's session is refused ($(tail -n 1 "$T/c.err"))" \
	grep -q "refused" "$T/c.err"
check "the admin sets listen auto" nb $CTL defaults set listen auto
check "auto: root's listening socket opens the listener" \
	test "$(host_stat listeners)" = 1
check "and A's session arrives" client 4601
wait $spid
check "auto: the listener closes after its socket and A's pipe" listeners 0

genl ctrl policy name msgpipe > "$T/policy" 2>&1
ops=$(grep -oE "op [0-9]+ policies: [a-z]" "$T/policy" | sort -u | wc -l)
log "genl ctrl policy name msgpipe: $(head -c 400 "$T/policy" | tr '\n' ' ')"
check "genl ctrl policy shows a policy for every op (11 ops, $ops seen)" \
	test "$ops" -ge 11
rm -rf "$T"
[ $FAILS = 0 ]
