#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where a check's time went: every VM test's time on each kernel with its
# fixed costs (module load, the teardown after it: gauges back to 0 and
# rmmod, with the gauge waited for longest), each guest's boot and
# kmemleak scans, from the logs check.sh leaves in build/check.
#
# usage: time-table.sh [LOGDIR]   (default build/check)
set -u
LOG=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build/check}
printf '%-8s %-18s %6s %6s %6s %8s  %s\n' kernel test total load test teardown "waited on"
for f in "$LOG"/vm-*.log; do
	[ -f "$f" ] || continue
	[[ $f == */vm-verdict-* ]] && continue
	run=${f##*/vm-}
	run=${run%.log}
	awk -v run="$run" '
	function row(t, tot, ld, ts, td, w) {
		printf "%-8s %-18s %6s %6s %6s %8s  %s\n", run, t, tot, ld, ts, td, w
	}
	/^MSGPIPE-VM: user space/ { boot = $4 }
	/^(not )?ok [0-9]+ [^ ]+ .*\([0-9]+ s: load/ {
		line = $0
		t = ($1 == "not") ? $4 : $3
		sub(/.*\(/, "", line)
		# "T s: load L, test X, teardown D (gauge))"
		split(line, a, /[ ,:()]+/)
		w = ""
		if (match($0, /teardown [0-9.]+ \([^)]*\)/)) {
			w = substr($0, RSTART, RLENGTH)
			sub(/.*\(/, "", w); sub(/\)$/, "", w)
		}
		row(t, a[1], a[4], a[6], a[8], w)
		tot += a[1]; ld += a[4]; ts += a[6]; td += a[8]
		next
	}
	/^(not )?ok [0-9]+ kmemleak\[/ {
		s = $0; sub(/.*\(/, "", s); sub(/ s\).*/, "", s)
		scans += s; nscan++
	}
	END {
		if (boot != "")
			row("(boot)", sprintf("%.0f", boot), "", "", "", "")
		if (nscan)
			row("(kmemleak x" nscan ")", scans, "", "", "", "")
		row("(sum)", tot + scans + boot, ld, ts, td, "")
	}' "$f"
done
grep -h '^# stage ' "$LOG"/../check/*.out "$LOG"/*.out 2>/dev/null | sort -u | sed 's/^# //'
