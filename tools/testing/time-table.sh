#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Where a check's time went: every VM test's time on each kernel with its
# fixed costs (module load, the teardown after it: gauges back to 0 and
# rmmod, with the gauge waited for longest), the tasks it started
# (processes and threads: each process costs a tenth of a second under
# TCG, half of one on the debug kernel), each guest's boot and kmemleak
# scans, and what the guest cost the host: its wall-clock time and QEMU's
# processor time; from the logs check.sh leaves in build/check.
#
# usage: time-table.sh [LOGDIR]   (default build/check)
set -u
LOG=${1:-$(cd "$(dirname "$0")/../.." && pwd)/build/check}
printf '%-8s %-18s %6s %6s %6s %8s %6s  %s\n' kernel test total load test teardown tasks "waited on"
for f in "$LOG"/vm-*.log; do
	[ -f "$f" ] || continue
	[[ $f == */vm-verdict-* ]] && continue
	run=${f##*/vm-}
	run=${run%.log}
	awk -v run="$run" '
	function row(t, tot, ld, ts, td, np, w) {
		printf "%-8s %-18s %6s %6s %6s %8s %6s  %s\n", run, t, tot, ld, ts, td, np, w
	}
	/^MSGPIPE-VM: user space/ { boot = $4 }
	/^vm.sh: qemu used / { cpu = $4; wall = $10 }
	/^(not )?ok [0-9]+ [^ ]+ .*\([0-9]+ s: load/ {
		# "... (T s: load L, test X, teardown D (gauge))"
		t = ($1 == "not") ? $4 : $3
		i = index($0, " s: load ")
		pre = substr($0, 1, i - 1)
		while ((j = index(pre, "(")) > 0)
			pre = substr(pre, j + 1)
		split(substr($0, i + 9), b, /[ ,()]+/)
		w = (b[6] != "" && b[7] != "tasks") ? b[6] " " b[7] : ""
		np = match($0, /[0-9]+ tasks/) ? substr($0, RSTART, RLENGTH - 6) : ""
		row(t, pre, b[1], b[3], b[5], np, w)
		tot += pre; ld += b[1]; ts += b[3]; td += b[5]; procs += np
		next
	}
	/^(not )?ok [0-9]+ kmemleak\[/ {
		s = $0; sub(/.*\(/, "", s); sub(/ s\).*/, "", s)
		scans += s; nscan++
	}
	END {
		if (boot != "")
			row("(boot)", sprintf("%.0f", boot), "", "", "", "", "")
		if (nscan)
			row("(kmemleak x" nscan ")", scans, "", "", "", "", "")
		row("(sum)", sprintf("%.0f", tot + scans + boot), sprintf("%.0f", ld),
		    sprintf("%.0f", ts), sprintf("%.0f", td), procs, "")
		if (wall != "")
			row("(host)", wall, "", "", "", "", "qemu used " cpu " s of CPU")
	}' "$f"
done
grep -h '^# stage ' "$LOG"/../check/*.out "$LOG"/*.out 2>/dev/null | sort -u | sed 's/^# //'
