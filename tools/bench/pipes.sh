#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (runs in the VM, started by `make bench`): pipes of several
# connections on a long fat lossy link, and what failover costs.
#
# 1. netem on both veths: 50 ms each way, 0.1 % loss, 500 Mbit/s; TCP
#    buffers up to 64 MiB. One session sends $WAN_MB MiB as 4 MiB messages
#    over a pipe of 1, 4 and 8 connections, and one plain TCP stream sends
#    the same: throughput and % of the link rate, same boot.
# 2. plain veth: 1 GiB as 64 MiB messages over a pipe of 8 connections,
#    once clean and once with 3 of the 8 reset 3 s in: the seconds lost.
#
#   +--------------------+   netem 50 ms, 0.1 %,   +--------------------+
#   | netns A (sender)   |   500 Mbit/s each way   | netns B (receiver) |
#   |  mp_xfer client    |<----------------------->|  mp_xfer server    |
#   |  veth-a 10.77.0.1  |                         |  veth-b 10.77.0.2  |
#   +--------------------+                         +--------------------+
. "$MP_ROOT/selftests/msgpipe/lib.sh"
WAN_MB=${WAN_MB:-48}
RATE_MBIT=500
trap 'cleanup_pair; rmmod msgpipe_soft msgpipe 2>/dev/null' EXIT
load_modules || exit 1
setup_pair || exit 1
T=$(mktemp -d)
CTL=$BIN/msgpipectl

for ns in $NSA $NSB; do
	ip netns exec $ns sysctl -qw net.ipv4.tcp_rmem="4096 131072 67108864" \
		net.ipv4.tcp_wmem="4096 131072 67108864"
done
wan() {
	na tc qdisc $1 dev veth-a root netem delay 50ms loss 0.1% rate ${RATE_MBIT}mbit limit 100000
	nb tc qdisc $1 dev veth-b root netem delay 50ms loss 0.1% rate ${RATE_MBIT}mbit limit 100000
}

# run NAME COUNT MSGSIZE [mp_xfer args]: one transfer; prints its seconds
# and MB/s as the receiver saw them.
run() {
	local name=$1 count=$2 size=$3; shift 3
	local port=$((6000 + RANDOM % 1000))
	: > "$T/$name.srv"	# a repeat's: not the last server's "listening"
	nb "$BIN/mp_xfer" server --fast --port $port --bufsize 4194304 "$@" \
		> "$T/$name.srv" 2>&1 &
	local spid=$!
	wait_listening "$T/$name.srv" || return 1
	na "$BIN/mp_xfer" client --fast --addr $ADDR_B --port $port \
		--count $count --msgsize $size "$@" > "$T/$name.cli" 2>&1 || {
		cat "$T/$name.cli" >&2; return 1; }
	wait $spid || return 1
	awk '/^received/ { printf "%.3f %.1f\n", $8, $2 / $8 / 1e6 }' "$T/$name.srv"
}

# scenario NAME TRANSPORT MODE CONNS COUNT MSGSIZE [mp_xfer args]: a JSON object.
scenario() {
	local name=$1 transport=$2 mode=$3 conns=$4 count=$5 size=$6; shift 6
	local r secs mbs
	[ "$transport" = msgpipe ] && na $CTL defaults set conns $conns
	r=$(run "$name" $count $size "$@") || return 1
	read -r secs mbs <<< "$r"
	printf '{"name": "%s", "transport": "%s", "mode": "%s", "conns": %d, ' \
		"$name" "$transport" "$mode" $conns
	printf '"bytes": %d, "seconds": %s, "mb_per_s": %s, ' \
		$((count * size)) $secs $mbs
	printf '"link_pct": %s, "sender_cpu_s": 0, "system_cpu_s": 0}\n' \
		"$(awk -v m="$mbs" -v r=$RATE_MBIT 'BEGIN { printf "%.1f", m * 8 * 100 / r }')"
}

status=0
wan add
{
	echo '{"benchmark": "pipes-wan", "what": "'$WAN_MB' MiB as 4 MiB messages, one session, netem 50 ms each way, 0.1 % loss, '$RATE_MBIT' Mbit/s", "kernel": "'"$(uname -r)"'", "scenarios": ['
	sep=
	n=$((WAN_MB / 4))
	for s in "tcp tcp copy 1 $n 4194304 --tcp" \
		 "msgpipe-1 msgpipe copy 1 $n 4194304" \
		 "msgpipe-4 msgpipe copy 4 $n 4194304" \
		 "msgpipe-8 msgpipe copy 8 $n 4194304"; do
		# shellcheck disable=SC2086
		line=$(scenario $s) || { echo "bench: $s failed" >&2; status=1; continue; }
		printf '%s%s\n' "$sep" "$line"
		sep=,
	done
	echo ']}'
} > "$MP_RESULTS/bench-pipes-wan.json"
wan del
cat "$MP_RESULTS/bench-pipes-wan.json"

# Failover: the same 1 GiB on 8 connections, clean, then with 3 reset.
na $CTL defaults set conns 8
clean=$(run clean 16 67108864) || status=1
( sleep 3; knob msgpipe_soft reset_conns 7 ) &
killed=$(run killed 16 67108864) || status=1
wait
read -r cs cm <<< "$clean"
read -r ks km <<< "$killed"
{
	echo '{"benchmark": "pipes-failover", "what": "1 GiB as 64 MiB messages over 8 connections, veth; 3 of 8 reset 3 s in", "kernel": "'"$(uname -r)"'", "scenarios": ['
	echo '{"name": "8-conns-clean", "transport": "msgpipe", "mode": "clean", "conns": 8, "bytes": 1073741824, "seconds": '$cs', "mb_per_s": '$cm', "sender_cpu_s": 0, "system_cpu_s": 0},'
	echo '{"name": "3-of-8-reset", "transport": "msgpipe", "mode": "3 reset", "conns": 8, "bytes": 1073741824, "seconds": '$ks', "mb_per_s": '$km', "sender_cpu_s": 0, "system_cpu_s": 0, "seconds_lost": '"$(awk -v k="$ks" -v c="$cs" 'BEGIN { printf "%.1f", k - c }')"'}'
	echo ']}'
} > "$MP_RESULTS/bench-pipes-failover.json"
cat "$MP_RESULTS/bench-pipes-failover.json"
rm -rf "$T"
exit $status
