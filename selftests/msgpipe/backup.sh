#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# msgpipe-backup end to end: a tree of the kernel's and libc's headers
# (/usr/include's linux/, asm-generic/ and x86_64-linux-gnu/: about 1 200
# files, whatever else the host installed) and 48 files of 1 MiB (bytes
# enough for the push to be killed a third of the way) pushed from A into a
# store on B over 4 sessions with the sendfile ioctl:
#  1. the server is killed in the middle: the push fails; restarted, a
#     re-run completes and sends only what the store lacks, while the
#     connections of the pipe are reset under it;
#  2. verify finds every object intact; restore rebuilds the tree: diff -r
#     is empty and modes, owners, times, symlinks and xattrs match;
#  3. a second set shares the unchanged files; a damaged object is found;
#  4. a hostile client (mp_backup_evil): paths and symlinks that leave the
#     tree, bad hashes and sizes, wrong bytes, oversized messages, quota.
#
#   +-------------------------+            +-------------------------+
#   | netns A  10.77.0.1      |<--veth---->| netns B  10.77.0.2      |
#   |  msgpipe-backup push    |  msgpipe   |  msgpipe-backup serve   |
#   |  mp_backup_evil         |  sessions  |  --store $FS/store      |
#   +-------------------------+            +-------------------------+
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
FS=$T/fs
MB=$BIN/msgpipe-backup
trap 'kill $srv $srv2 2>/dev/null; cleanup_pair; umount $FS 2>/dev/null; rm -rf $T' EXIT
setup_pair || exit 1
mkdir -p $FS && mount -t tmpfs -o size=90% none $FS || exit 1
mkdir -p $FS/src

t0=$SECONDS
TREE=include
# Each file read over the guest's 9p root costs a round trip to the host:
# the whole /usr/include (8 500 files here) took 166 s to copy.
mkdir -p $FS/src/$TREE/mp-bulk
cp -a /usr/include/linux /usr/include/asm-generic /usr/include/x86_64-linux-gnu \
	$FS/src/$TREE || exit 1
head -c $((48 << 20)) /dev/urandom | (cd $FS/src/$TREE/mp-bulk && split -b 1M) || exit 1
# msgpipe-backup refuses a symlink whose target is absolute or leaves the
# tree, and a host's headers may have some (alternatives): they are left
# out of the copy.
find $FS/src/$TREE -type l -lname '/*' -delete
find $FS/src/$TREE -type l | while read -r l; do
	case $(readlink -m -- "$l") in
	$FS/src/$TREE/*) ;;
	*) rm -f -- "$l" ;;
	esac
done
# What the tree may lack: an owner, an old time, an empty file, a symlink,
# an extended attribute, a private mode.
mkdir $FS/src/$TREE/mp-extra
echo private > $FS/src/$TREE/mp-extra/secret
chmod 600 $FS/src/$TREE/mp-extra/secret
chown 1234:5678 $FS/src/$TREE/mp-extra/secret
: > $FS/src/$TREE/mp-extra/empty
ln -s ../mp-extra/secret $FS/src/$TREE/mp-extra/link
setfattr -n trusted.msgpipe -v backup $FS/src/$TREE/mp-extra/secret || exit 1
touch -d 2001-02-03T04:05:06 $FS/src/$TREE/mp-extra/secret $FS/src/$TREE/mp-extra
NFILES=$(find $FS/src/$TREE -type f | wc -l)
log "tree $TREE: $NFILES files, $(du -sm $FS/src/$TREE | cut -f1) MiB, ready in $((SECONDS - t0)) s"

serve() {	# serve PORT STORE [ARGS]: start a server in B, set $srv
	local port=$1 store=$2
	shift 2
	: > $T/srv.$port	# a restart's: not the last server's "listening"
	nb $MB serve --store $store --port $port "$@" > $T/srv.$port 2>&1 &
	if wait_until 60 file_has $T/srv.$port listening; then
		srv=$(pgrep -f "serve --store $store --port $port")
		return 0
	fi
	tail -n 3 $T/srv.$port | sed 's/^/#   server: /'
	return 1
}
# show FILE: its last lines in the log, after a failed check.
show() { tail -n 5 "$1" | sed "s|^|#   $(basename "$1"): |"; }
objects() { find $FS/store/objects -type f | wc -l; }
# sent FILE, stored FILE: from push's summary line.
sent() { sed -n 's/.* sent \([0-9]*\) files.*/\1/p' "$1"; }
stored() { sed -n 's/.*, \([0-9]*\) already stored.*/\1/p' "$1"; }

# 1. Killed in the middle, then completed.
serve 4873 $FS/store || fail "server did not start"
BYTES=$(du -sb $FS/src/$TREE | cut -f1)
s0=$(host_stat sendfile_bytes)
na $MB push -j 4 --cache $T/cache $FS/src/$TREE $ADDR_B:4873 > $T/push1 2>&1 &
push=$!
# A third of the bytes on their way (or the push over): kill the server.
while kill -0 $push 2>/dev/null; do
	[ $(( $(host_stat sendfile_bytes) - s0 )) -ge $((BYTES / 3)) ] && break
	sleep 0.2
done
# What the dead server never acknowledged fails within the retire time.
na $BIN/msgpipectl agent set soft retire_ms 10000 > /dev/null
kill -9 $srv
wait $srv 2>/dev/null
t1=$SECONDS
wait $push
rc=$?
log "$(grep -E 'hashed|lacks' $T/push1 | tr '\n' ' ')"
log "the push ended $((SECONDS - t1)) s after the kill"
na $BIN/msgpipectl agent set soft retire_ms 60000 > /dev/null
have=$(objects)
check "server killed mid-push: the push failed (rc $rc, $have objects stored)" \
	test $rc != 0 -a $have -gt 0 -a $have -lt $NFILES
show $T/push1
ls $FS/store/sets | grep -q . && fail "a set was written for the broken run"

serve 4873 $FS/store || fail "server did not restart"
# Once files flow again, reset a connection of every pipe under them.
s1=$(host_stat sendfile_bytes)
(
	for i in $(seq 3000); do
		[ $(( $(host_stat sendfile_bytes) - s1 )) -ge $((BYTES / 10)) ] && break
		sleep 0.1
	done
	knob msgpipe_soft reset_conns 1
) &
resetter=$!
t1=$SECONDS
na $MB push -j 4 --cache $T/cache $FS/src/$TREE $ADDR_B:4873 > $T/push2 2>&1
rc=$?
wait $resetter
sent=$(sent $T/push2)
stored=$(stored $T/push2)
log "$(grep '^push:' $T/push2 | tr '\n' ' ') ($((SECONDS - t1)) s)"
check "the re-run completed (rc $rc)" test $rc = 0
if [ $rc != 0 ]; then
	show $T/push2
	show $T/srv.4873
	log "host: $(for k in conn_losses reconnects proto_errors aborts_sent rx_unknown_session tx_retired tx_msg_errors; do printf '%s %s ' $k "$(host_stat $k)"; done)"
	log "agent: $(for k in conn_failures conn_replaced retired ack_timeouts; do printf '%s %s ' $k "$(agent_stat $k)"; done)"
	dmesg | tail -n 5 | sed 's/^/#   dmesg: /'
fi
check "it sent only what was missing ($sent sent, $stored already stored of $NFILES)" \
	test -n "$sent" -a "$sent" -lt "$NFILES" -a "$stored" -ge "$have"
check "the hash cache spared reading the tree again ($(sed -n 's/.*, \([0-9]*\) files hashed.*/\1/p' $T/push2) hashed)" \
	test "$(sed -n 's/.*, \([0-9]*\) files hashed.*/\1/p' $T/push2)" = 0
check "connections were reset under it ($(host_stat conn_losses))" \
	test "$(host_stat conn_losses)" -gt 0
check "the pushes used the sendfile ioctl ($(host_stat ioc_sendfiles))" \
	test "$(host_stat ioc_sendfiles)" -gt 0

# 2. Verify and restore.
check "verify: every object intact" $MB verify --store $FS/store
$MB restore -q --store $FS/store $FS/restore
check "restore succeeded" test $? = 0
# capped CMD...: run CMD, show no more than 20 lines of what it printed.
capped() { "$@" > $T/capped 2>&1; local rc=$?; head -n 20 $T/capped; return $rc; }
check "diff -r of the restore against the source is empty" \
	capped diff -r --no-dereference $FS/src/$TREE $FS/restore/$TREE
meta() { (cd $1 && find $TREE -printf '%p %y %m %U %G %T@ %l\n' | sort); }
check "modes, owners, times and symlinks match" \
	capped diff <(meta $FS/src) <(meta $FS/restore)
check "the extended attribute came back" \
	test "$(getfattr --only-values -n trusted.msgpipe $FS/restore/$TREE/mp-extra/secret)" = backup

# 3. A second set shares the unchanged files; damage is found.
n0=$(objects)
echo changed >> $FS/src/$TREE/mp-extra/empty
na $MB push -j 2 --cache $T/cache --set second $FS/src/$TREE $ADDR_B:4873 > $T/push3 2>&1
check "a second set sends only the changed file ($(sent $T/push3) sent)" \
	test "$(sent $T/push3)" = 1 -a "$(objects)" = $((n0 + 1))
check "both sets are kept" test -f $FS/store/sets/second.jsonl -a \
	"$(ls $FS/store/sets | wc -l)" = 2
h=$(grep "\"p\":\"$TREE/mp-extra/secret\"" $FS/store/sets/second.jsonl |
	sed 's/.*"h":"\([0-9a-f]*\)".*/\1/')
check "the second set names the file's object (${h:-none})" test -n "$h"
echo x >> $FS/store/objects/${h:0:2}/$h
$MB verify --store $FS/store --set second > $T/verify 2>&1
rc=$?
check "verify finds a damaged object (rc $rc, $(tail -n 1 $T/verify))" \
	test $rc = 1 -a "$(grep -c ^BAD $T/verify)" -ge 1

# 4. Hostile input and the quota.
serve 4874 $FS/store2 --quota 1M || fail "quota server did not start"
srv2=$srv
na $BIN/mp_backup_evil --addr $ADDR_B --port 4874 --quota-size 2000000 > $T/evil 2>&1
rc=$?
sed 's/^/#   /' $T/evil | grep -v '^#   ok'
check "the server refused every hostile input ($(tail -n 1 $T/evil))" test $rc = 0
mkdir $FS/big && head -c 2097152 /dev/urandom > $FS/big/file
na $MB push -q $FS/big $ADDR_B:4874 > $T/push4 2>&1
check "a file over the quota is refused" \
	grep -q "over the store's quota" $T/push4
check "and nothing over the quota was stored ($(du -sk $FS/store2/objects | cut -f1) KiB)" \
	test "$(find $FS/store2/objects -type f -size +1000k | wc -l)" = 0
kill $srv $srv2 2>/dev/null
[ $FAILS = 0 ]
