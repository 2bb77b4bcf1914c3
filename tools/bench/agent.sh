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
. "$MP_ROOT/tools/bench/bulk.sh"

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
