#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (runs in the VM, started by `make bench`): the Linux source tree
# (linux-source-6.1, about 80 000 files) from A to B, three ways in the same
# boot, each from a cold start into an empty destination in tmpfs:
#  - tar | nc over TCP, unpacked by tar on B (no checksums, no fsync);
#  - msgpipe-backup push over 4 sessions into a new store (SHA-256 on both
#    sides, fsync and rename per file, hashes kept in a cache file);
#  - the same push again: nothing changed, nothing read or sent.
# Reports seconds, MB/s of the tree's bytes, and the guest's CPU seconds.
#
#   +----------------------------+          +----------------------------+
#   | netns A 10.77.0.1          |---veth---| netns B 10.77.0.2          |
#   |  tar -c | nc               |          |  nc -l | tar -x            |
#   |  msgpipe-backup push -j 4  |          |  msgpipe-backup serve      |
#   +----------------------------+          +----------------------------+
. "$MP_ROOT/selftests/msgpipe/lib.sh"
T=$(mktemp -d)
FS=$T/fs
MB=$BIN/msgpipe-backup
trap 'kill $srv 2>/dev/null; cleanup_pair; umount $FS 2>/dev/null; rmmod msgpipe_soft msgpipe 2>/dev/null' EXIT
load_modules || exit 1
setup_pair || exit 1
mkdir -p $FS && mount -t tmpfs -o size=90% none $FS || exit 1
mkdir $FS/src $FS/tar
xz -dc /usr/src/linux-source-6.1.tar.xz | tar -x -C $FS/src || exit 1
TREE=linux-source-6.1
BYTES=$(du -sb $FS/src/$TREE | cut -f1)
NFILES=$(find $FS/src/$TREE -type f | wc -l)
HZ=$(getconf CLK_TCK)
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 }' /proc/stat; }
now() { date +%s.%N; }
since() { awk -v a="$(now)" -v b="$1" 'BEGIN { printf "%.2f", a - b }'; }

# json NAME TRANSPORT MODE SECS CPU_TICKS
json() {
	awk -v n="$1" -v t="$2" -v m="$3" -v s="$4" -v c="$5" -v hz=$HZ \
	    -v b=$BYTES -v f=$NFILES 'BEGIN {
		printf "{\"name\": \"%s\", \"transport\": \"%s\", \"mode\": \"%s\", ", n, t, m
		printf "\"bytes\": %d, \"files\": %d, \"seconds\": %.2f, ", b, f, s
		printf "\"mb_per_s\": %.1f, \"files_per_s\": %.0f, ", b / s / 1e6, f / s
		printf "\"sender_cpu_s\": 0, \"system_cpu_s\": %.2f}\n", c / hz }'
}

tarnc() {
	local t0 b0
	nb sh -c "nc -l 5000 | tar -x -C $FS/tar" &
	local p=$!
	sleep 1
	sync; echo 3 > /proc/sys/vm/drop_caches
	b0=$(busy) t0=$(now)
	na sh -c "tar -c -C $FS/src $TREE | nc -N $ADDR_B 5000" || return 1
	wait $p || return 1
	json tcp tcp "tar | nc" "$(since $t0)" $(( $(busy) - b0 ))
	rm -rf $FS/tar
}

push() {	# push NAME MODE
	local t0 b0
	sync; echo 3 > /proc/sys/vm/drop_caches
	b0=$(busy) t0=$(now)
	na $MB push -q -j 4 --cache $T/cache --set "$1" $FS/src/$TREE $ADDR_B:4873 > $T/$1.out 2>&1 ||
		{ cat $T/$1.out >&2; return 1; }
	json "$1" msgpipe "$2" "$(since $t0)" $(( $(busy) - b0 ))
}

nb $MB serve --store $FS/store --port 4873 > $T/srv 2>&1 &
srv=$!
wait_listening $T/srv || exit 1
status=0
{
	echo '{"benchmark": "backup", "what": "the Linux source tree ('$NFILES' files, '$((BYTES >> 20))' MiB), A to B, same VM boot", "kernel": "'"$(uname -r)"'", "scenarios": ['
	tarnc || { echo "bench: tar | nc failed" >&2; status=1; }
	echo ,
	push msgpipe-backup "push -j 4, empty store" || { echo "bench: push failed" >&2; status=1; }
	echo ,
	push msgpipe-backup-again "push -j 4, nothing changed" || { echo "bench: push again failed" >&2; status=1; }
	echo ']}'
} > "$MP_RESULTS/bench-backup.json"
cat "$MP_RESULTS/bench-backup.json"
exit $status
