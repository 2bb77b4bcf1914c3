# SPDX-License-Identifier: GPL-2.0
# Shared by the bulk benchmarks (agent.sh, tls.sh), sourced after lib.sh
# and setup_pair, with $T and $COUNT set: one transfer of COUNT messages of
# MSG bytes from A to B, measured, as one JSON object.
HZ=$(getconf CLK_TCK)
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }

# scenario NAME TRANSPORT MODE [mp_xfer args]: one transfer, one JSON object.
scenario() {
	local name=$1 transport=$2 mode=$3; shift 3
	local b0 b1 port=$((6000 + RANDOM % 1000))
	: > "$T/$name.srv"	# a repeat's: not the last server's "listening"
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

