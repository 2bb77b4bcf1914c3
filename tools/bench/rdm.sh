#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (runs in the VM, started by `make bench`): many small
# transfers. 1 KiB items to 1000 destinations (addresses 10.79.x.y
# on B, one receiving socket or TCP connection each), $ITEMS each, each
# destination's items in a row:
#  - plain TCP, one send() per item on one connection per destination;
#  - msgpipe SOCK_RDM batched (the namespace's triggers: 2 ms, 256 KiB),
#    one sendmsg() per item;
#  - the same unbatched (size trigger 0: one batch per item);
#  - batched, with sendmmsg()/recvmmsg() of 64 items per call;
#  - fan-out: the same $ITEMS items, each to all 1000 destinations in one
#    sendmsg() (an item of many destinations; TCP still needs one
#    send() per destination).
# The SOCK_RDM sender's SO_SNDBUF is 32 MiB (SO_SNDBUFFORCE): with the
# default 2 MiB at most ~1600 items are in flight, and under TCG the time
# from sendmsg() to the acknowledgment, not the path, then sets the rate.
# Each counts from the first item until every item was delivered: for
# msgpipe the last completion (acknowledged by the receiving host), for
# TCP the receiver's close after reading everything. Pipes and
# connections are opened before the clock starts. Reports items/s and
# acknowledgment frames per item (BATCH_ACK frames; TCP sends no
# application acknowledgment).
#
#   +----------------------+          +--------------------------------+
#   | netns A  10.77.0.1   |---veth---| netns B  10.77.0.2             |
#   |  mp_rdm send /       |          |  10.79.1.1 .. 10.79.4.250 (lo) |
#   |  tcp-send            |          |  mp_rdm recv / tcp-recv        |
#   +----------------------+          +--------------------------------+
. "$MP_ROOT/selftests/msgpipe/lib.sh"
N=1000
ITEMS=${RDM_ITEMS:-100}
SIZE=1024
trap 'cleanup_pair; rmmod msgpipe_soft msgpipe 2>/dev/null' EXIT
load_modules || exit 1
setup_pair || exit 1
T=$(mktemp -d)
CTL=$BIN/msgpipectl

rdm_hosts $N || exit 1
for ns in $NSA $NSB; do
	ip netns exec $ns sysctl -qw net.core.somaxconn=4096
done
# The fan-out's list of 1000 destinations (24 000 bytes of control
# message) is more than the default optmem_max (20 480) lets sendmsg() copy.
sysctl -qw net.core.optmem_max=65536

# field FILE KEY: the value after KEY on FILE's summary line.
field() { awk -v k="$2" '{ for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$1"; }

# json NAME TRANSPORT MODE SECS ACKS: one scenario.
json() {
	local items=$((N * ITEMS))
	printf '{"name": "%s", "transport": "%s", "mode": "%s", ' "$1" "$2" "$3"
	printf '"bytes": %d, "seconds": %s, "items": %d, ' $((items * SIZE)) "$4" $items
	awk -v s="$4" -v n=$items -v b=$((items * SIZE)) -v a="$5" 'BEGIN {
		printf "\"items_per_s\": %.0f, \"mb_per_s\": %.2f, ", n / s, b / s / 1e6
		printf "\"ack_frames_per_item\": %.4f, ", a / n }'
	printf '"sender_cpu_s": 0, "system_cpu_s": 0}\n'
}

tcp() {
	: > "$T/tcp.recv"	# a repeat's: not the last receiver's "listening"
	nb "$BIN/mp_rdm" tcp-recv --port 7000 --total $((N * ITEMS)) --size $SIZE \
		--timeout 120 > "$T/tcp.recv" 2>&1 &
	local p=$!
	wait_listening "$T/tcp.recv" || return 1
	na "$BIN/mp_rdm" tcp-send --net 10.79.0.0 --port 7000 --dests $N \
		--items $ITEMS --size $SIZE > "$T/tcp.send" 2>&1 || return 1
	wait $p || return 1
	json tcp tcp per-item-send "$(field "$T/tcp.send" secs)" 0
}

rdm() {	# rdm NAME BATCH MMSG [SENDER OPTIONS]
	local a0 a1 name=$1 batch=$2 mmsg=$3 mode
	shift 3
	mode="size trigger $batch, $mmsg per call${1:+, $*}"
	: > "$T/$name.recv"	# a repeat's: not the last receiver's "listening"
	nb "$BIN/mp_rdm" recv --port 5000 --socks $N --total $((N * ITEMS)) \
		--mmsg "$mmsg" --timeout 120 > "$T/$name.recv" 2>&1 &
	local p=$!
	wait_listening "$T/$name.recv" || return 1
	a0=$(host_stat rdm_ack_frames_tx)
	na "$BIN/mp_rdm" send --net 10.79.0.0 --port 5000 --dests $N \
		--items $ITEMS --size $SIZE --batch "$batch" --mmsg "$mmsg" \
		--sndbuf 33554432 --timeout 300 "$@" \
		> "$T/$name.send" 2>&1 || { cat "$T/$name.send" >&2; return 1; }
	wait $p || { cat "$T/$name.recv" >&2; return 1; }
	a1=$(host_stat rdm_ack_frames_tx)
	json "$name" msgpipe "$mode" "$(field "$T/$name.send" secs)" $((a1 - a0))
}

# The pipes, opened and kept before the clock starts (TCP connects first
# too). A bound SOCK_RDM socket makes B's engine accept pipes; it stays so.
nb "$BIN/mp_rdm" recv --port 4999 --socks 1 --total 0 > /dev/null ||
	{ echo "bench: no receiver" >&2; exit 1; }
for d in $(seq 0 $((N - 1))); do
	na $CTL pipe add 10.79.$((1 + d / 250)).$((1 + d % 250)) keep on > /dev/null ||
		{ echo "bench: pipe add failed" >&2; exit 1; }
done

status=0
{
	echo '{"benchmark": "rdm", "what": "'$ITEMS' rounds of 1 KiB items to '$N' destinations: items/s until delivered", "kernel": "'"$(uname -r)"'", "scenarios": ['
	tcp || { echo "bench: tcp failed" >&2; status=1; }
	echo ,
	rdm rdm-batched 262144 1 || { echo "bench: rdm batched failed" >&2; status=1; }
	echo ,
	rdm rdm-unbatched 0 1 || { echo "bench: rdm unbatched failed" >&2; status=1; }
	echo ,
	rdm rdm-batched-mmsg 262144 64 || { echo "bench: rdm mmsg failed" >&2; status=1; }
	echo ,
	rdm rdm-fanout 262144 1 --items 0 --multi $ITEMS --multi-dests $N ||
		{ echo "bench: rdm fan-out failed" >&2; status=1; }
	echo ']}'
} > "$MP_RESULTS/bench-rdm.json"
cat "$MP_RESULTS/bench-rdm.json"
exit $status
