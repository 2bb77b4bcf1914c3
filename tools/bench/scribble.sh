#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (runs in the VM, started by `make bench`): what a sender that
# writes into its zero-copy buffers in flight costs the other sessions of
# its pipe. One session moves 256 MiB as 4 MiB zero-copy messages over a
# pipe of 4 connections (frames held 5 ms by netem, so that writes land
# in flight) three ways, each REPEAT times in the same boot, interleaved:
# alone; beside a session sending 1 MiB zero-copy messages one at a time
# (polite, mp_xfer --each); beside the same session writing into each buffer until its
# completion (mp_xfer --scribble). Median seconds of the 256 MiB (the
# lower middle run for an even REPEAT) and their spread (max - min); the
# scribbler's damage is counted (crc_errors, connections lost).
#
#   +--------------------+   netem 5 ms    +--------------------+
#   | netns A            |---------------->| netns B            |
#   |  256 MiB session   |  pipe, 4 conns  |  mp_xfer server    |
#   |  1 MiB session     |<----------------|  mp_xfer server    |
#   +--------------------+                 +--------------------+
. "$MP_ROOT/selftests/msgpipe/lib.sh"
REPEAT=${REPEAT:-5}
BIG_COUNT=${BIG_COUNT:-64}
trap 'kill $side $keeper 2>/dev/null; cleanup_pair; rmmod msgpipe_soft msgpipe 2>/dev/null' EXIT
load_modules || exit 1
setup_pair || exit 1
T=$(mktemp -d)
CTL=$BIN/msgpipectl
side=
keeper=

na tc qdisc add dev veth-a root netem delay 5ms limit 100000 || exit 1
# Something listens in B for as long as the pipe is wanted.
nb "$BIN/mp_xfer" server --port 5999 > "$T/keeper.srv" 2>&1 &
keeper=$!
wait_listening "$T/keeper.srv" || exit 1
pid=$(na $CTL -j pipe add $ADDR_B conns 4 | jq '.[0].id')
wait_live 4 "$pid" || { echo "bench: 4 connections did not come up" >&2; exit 1; }

# once MODE: the 256 MiB session's seconds (receiver's clock), with the
# side session of MODE (none, polite, scribble) running beside it.
once() {
	local port=$((6000 + RANDOM % 1000)) sport=$((7000 + RANDOM % 1000))
	local spid sspid
	# A repeat's files: not the last servers' "listening".
	: > "$T/big.srv"
	: > "$T/side.srv"
	nb "$BIN/mp_xfer" server --fast --port $port --bufsize 4194304 \
		> "$T/big.srv" 2>&1 &
	spid=$!
	wait_listening "$T/big.srv" || return 1
	side=
	if [ "$1" != none ]; then
		nb "$BIN/mp_xfer" server --go-on --port $sport > "$T/side.srv" 2>&1 &
		sspid=$!
		wait_listening "$T/side.srv" || return 1
		# Enough messages to outlast the 256 MiB; killed after it
		# (started without na: $! is the client itself).
		ip netns exec "$NSA" "$BIN/mp_xfer" client --addr $ADDR_B --port $sport --zerocopy \
			--count 100000 --msgsize 1048576 \
			$([ "$1" = scribble ] && echo --scribble || echo --each) \
			> "$T/side.cli" 2> "$T/side.err" &
		side=$!
	fi
	na "$BIN/mp_xfer" client --fast --zerocopy --addr $ADDR_B --port $port \
		--count "$BIG_COUNT" --msgsize 4194304 > "$T/big.cli" 2>&1 || {
		cat "$T/big.cli" >&2; return 1; }
	wait $spid || return 1
	if [ -n "$side" ]; then
		kill $side
		wait $side 2>/dev/null
		wait $sspid 2>/dev/null
		side=
	fi
	awk '/^received/ { print $8 }' "$T/big.srv"
}

status=0
declare -A secs
crc0=$(agent_stat crc_errors)
loss0=$(host_stat conn_losses)
for r in $(seq "$REPEAT"); do
	for m in none polite scribble; do
		s=$(once $m) || { echo "bench: $m run $r failed" >&2; status=1; continue; }
		secs[$m]+="$s "
		echo "scribble bench: run $r $m: $s s" >&2
	done
done
crc=$(( $(agent_stat crc_errors) - crc0 ))
loss=$(( $(host_stat conn_losses) - loss0 ))

# scenario NAME: a JSON object, median and spread of its runs.
scenario() {
	local v
	# shellcheck disable=SC2086
	v=$(printf '%s\n' ${secs[$1]} | sort -n | awk '
		{ a[NR] = $1 } END { printf "%s %s %d", a[int((NR + 1) / 2)], a[NR] - a[1], NR }')
	read -r med spread n <<< "$v"
	printf '{"name": "%s", "transport": "msgpipe", "mode": "zerocopy", "conns": 4, ' "$1"
	printf '"bytes": %d, "seconds": %s, "mb_per_s": %s, "runs": %d, "spread_s": %s, ' \
		$((BIG_COUNT * 4194304)) "$med" \
		"$(awk -v s="$med" -v b=$((BIG_COUNT * 4194304)) 'BEGIN { printf "%.1f", b / s / 1e6 }')" \
		"$n" "$spread"
	printf '"sender_cpu_s": 0, "system_cpu_s": 0}'
}
{
	echo '{"benchmark": "scribble", "what": "'$((BIG_COUNT * 4))' MiB as 4 MiB zero-copy messages over a pipe of 4 connections (netem 5 ms), alone, beside a polite and beside a scribbling zero-copy sender; median of '"$REPEAT"'", "kernel": "'"$(uname -r)"'", "crc_errors": '$crc', "conn_losses": '$loss', "scenarios": ['
	printf '%s,\n%s,\n%s\n' "$(scenario none)" "$(scenario polite)" "$(scenario scribble)"
	echo ']}'
} > "$MP_RESULTS/bench-scribble.json"
cat "$MP_RESULTS/bench-scribble.json"
python3 - "$MP_RESULTS/bench-scribble.json" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
s = {x["name"]: x for x in b["scenarios"]}
print("scribble bench: beside the scribbler %.2f x the time beside a polite sender, %.2f x alone; %d chunks dropped for their CRC, %d connections lost"
      % (s["scribble"]["seconds"] / s["polite"]["seconds"],
         s["scribble"]["seconds"] / s["none"]["seconds"], b["crc_errors"],
         b["conn_losses"]))
EOF
na $CTL pipe del "$pid"
rm -rf "$T"
exit $status
