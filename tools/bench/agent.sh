#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (runs in the VM, started by `make bench`): one session, 1 GiB as
# 64 MiB messages from A to B over veth, four ways in the same boot:
# msgpipe copy mode, msgpipe MSG_ZEROCOPY, TCP send(), TCP MSG_ZEROCOPY.
# For each: throughput seen by the receiver (first byte to end), CPU of the
# sending process (getrusage), and CPU of the whole guest (/proc/stat: user,
# system, irq, softirq), which also counts the agent's kernel threads and the
# receiver. Writes $MP_RESULTS/bench-agent.json; tools/bench/report.py makes
# the table, the merged JSON and the SVG chart.
#
#   +--------------------+            +--------------------+
#   | netns A (sender)   |            | netns B (receiver) |
#   |  mp_xfer client    |            |  mp_xfer server    |
#   |  veth-a 10.77.0.1  |<--veth---->|  veth-b 10.77.0.2  |
#   +--------------------+            +--------------------+
. "$MP_ROOT/selftests/msgpipe/lib.sh"
COUNT=${COUNT:-16}
MSG=$((64 << 20))
trap 'cleanup_pair; rmmod msgpipe_soft msgpipe 2>/dev/null' EXIT
load_modules || exit 1
setup_pair || exit 1
T=$(mktemp -d)
HZ=$(getconf CLK_TCK)
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

# scenario NAME TRANSPORT MODE [mp_xfer args]: one transfer, one JSON object.
scenario() {
	local name=$1 transport=$2 mode=$3; shift 3
	local b0 b1 port=$((6000 + RANDOM % 1000))
	nb "$BIN/mp_xfer" server --fast --port $port --bufsize 1048576 "$@" \
		> "$T/$name.srv" 2>&1 &
	local spid=$!
	wait_listening "$T/$name.srv" || return 1
	b0=$(busy)
	na "$BIN/mp_xfer" client --fast --addr $ADDR_B --port $port \
		--count $COUNT --msgsize $MSG "$@" > "$T/$name.cli" 2>&1 || {
		cat "$T/$name.cli" >&2; return 1; }
	wait $spid || return 1
	b1=$(busy)
	awk -v name="$name" -v transport="$transport" -v mode="$mode" \
	    -v sys="$(( b1 - b0 ))" -v hz="$HZ" '
		/^received/ { bytes = $2; msgs = $5; secs = $8 }
		/^client bytes/ { cpu = $7 }
		END {
			printf "{\"name\": \"%s\", \"transport\": \"%s\", \"mode\": \"%s\", ", name, transport, mode
			printf "\"bytes\": %d, \"messages\": %d, \"seconds\": %.3f, ", bytes, msgs, secs
			printf "\"mb_per_s\": %.1f, \"sender_cpu_s\": %.3f, \"system_cpu_s\": %.3f}\n", bytes / secs / 1e6, cpu, sys / hz
		}' "$T/$name.srv" "$T/$name.cli"
}

status=0
{
	echo '{"benchmark": "agent", "what": "1 GiB as 64 MiB messages, one session, veth, same VM boot", "kernel": "'"$(uname -r)"'", "scenarios": ['
	sep=
	for s in "msgpipe-copy msgpipe copy" "msgpipe-zerocopy msgpipe zerocopy --zerocopy" \
		 "tcp tcp copy --tcp" "tcp-zerocopy tcp zerocopy --tcp --zerocopy"; do
		# shellcheck disable=SC2086
		line=$(scenario $s) || { echo "bench: $s failed" >&2; status=1; continue; }
		printf '%s%s\n' "$sep" "$line"
		sep=,
	done
	echo ']}'
} > "$MP_RESULTS/bench-agent.json"
cat "$MP_RESULTS/bench-agent.json"
rm -rf "$T"
exit $status
