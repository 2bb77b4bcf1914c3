#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Helpers shared by the msgpipe selftests: two hosts in network namespaces
# joined by a veth pair, module counters, and check/fail reporting.
#
#   +--------------------+            +--------------------+
#   | netns $NSA         |            | netns $NSB         |
#   |  veth-a 10.77.0.1  |<--veth---->|  veth-b 10.77.0.2  |
#   |         fd77::1    |            |         fd77::2    |
#   +--------------------+            +--------------------+

. "$(dirname "${BASH_SOURCE[0]}")/nap.sh"
BIN=${MP_BIN:-$MP_ROOT/build/bin}
NSA=mpa-$$
NSB=mpb-$$
NSM=mpm-$$
ADDR_A=10.77.0.1
ADDR_B=10.77.0.2
ADDR6_A=fd77::1
ADDR6_B=fd77::2
FAILS=0

# The debug kernel (KASAN, lockdep, kmemleak) runs about ten times slower
# under TCG: there the tests move MP_SCALE times less data through the same
# paths, and wait MP_SCALE times longer. Where kmemleak exists, the default
# is 16; otherwise 1.
if [ -z "${MP_SCALE:-}" ]; then
	MP_SCALE=1
	[ -e /sys/kernel/debug/kmemleak ] && MP_SCALE=16
fi
# scaled N [MIN]: N / MP_SCALE (a size in bytes, a count), at least MIN:
# what a test needs to prove its point (enough chunks for a 5 % drop to
# hit, a transfer long enough for its resets) whatever the kernel.
scaled() {
	local v=$(($1 / MP_SCALE))
	[ $# -gt 1 ] && [ $v -lt $2 ] && v=$2
	echo $v
}
# mib N: N bytes in MiB, for messages.
mib() { echo $(($1 >> 20)); }

log() { printf '# %s\n' "$*"; }
# skip REASON: this test cannot run on this kernel; run.sh reports REASON.
skip() {
	log "SKIP: $*"
	[ -n "${MP_SKIP_FILE:-}" ] && echo "$*" > "$MP_SKIP_FILE"
	exit 4
}
fail() { printf '# FAIL: %s\n' "$*"; FAILS=$((FAILS + 1)); }
check() {
	# check "what" command...: run the command, fail if it fails. The
	# line ends with the seconds since the test started: where its time
	# went.
	local what=$1; shift
	if "$@"; then log "ok: $what [${SECONDS}s]"; else fail "$what [${SECONDS}s]"; fi
}
# in_ns NS COMMAND...: COMMAND in the network namespace NS. The tests need
# no more than that: nsenter, not `ip netns exec`, whose mount namespace
# and /sys of the namespace cost another process's time under TCG, and
# msgpipectl enters it itself (-n), with no process between.
in_ns() {
	local ns=$1
	shift
	case $1 in
	*/msgpipectl) "$1" -n "$ns" "${@:2}" ;;
	*) nsenter --net="/run/netns/$ns" "$@" ;;
	esac
}
na() { in_ns "$NSA" "$@"; }
nb() { in_ns "$NSB" "$@"; }

# pair_addrs: the hosts' IPv4 and IPv6 addresses on veth-a and veth-b.
pair_addrs() {
	ip -n "$NSA" addr add $ADDR_A/24 dev veth-a
	ip -n "$NSB" addr add $ADDR_B/24 dev veth-b
	ip -n "$NSA" addr add $ADDR6_A/64 dev veth-a nodad
	ip -n "$NSB" addr add $ADDR6_B/64 dev veth-b nodad
}

# setup_pair: the two hosts of the diagram above; with MP_MBOX set (run.sh's
# TEST@mbox), joined through the DPDK middlebox instead (setup_mbox).
setup_pair() {
	[ -n "${MP_MBOX:-}" ] && { setup_mbox; return; }
	ip netns add "$NSA" && ip netns add "$NSB" || return 1
	ip -n "$NSA" link set lo up
	ip -n "$NSB" link set lo up
	ip link add veth-a netns "$NSA" type veth peer name veth-b netns "$NSB"
	pair_addrs
	ip -n "$NSA" link set veth-a up
	ip -n "$NSB" link set veth-b up
}

# cleanup_pair: remove the namespaces and what runs in them. Through the
# middlebox, its observer has the last word: a violation of the wire format
# or a connection it could not follow fails the test (exit 1, also from an
# EXIT trap).
cleanup_pair() {
	local ns verdict=0
	# An EXIT trap also runs in a subshell killed right after its fork
	# (a bash race): only the test's own shell tears the hosts down.
	[ "$BASHPID" = $$ ] || return 0
	if [ -S "${MBOX_CTL:-}" ]; then
		mbox_verdict || verdict=1
		mbox quit > /dev/null 2>&1
		sleep 1
	fi
	for ns in "$NSA" "$NSB" "$NSM"; do
		ip netns pids "$ns" 2>/dev/null | xargs -r kill -9 2>/dev/null
		ip netns del "$ns" 2>/dev/null
	done
	[ -n "${MBOX_DIR:-}" ] && rm -rf "$MBOX_DIR"
	MBOX_CTL= MBOX_DIR=
	[ $verdict = 0 ] || exit 1
	return 0
}

# setup_mbox: the same two hosts, joined through the DPDK middlebox
# (tools/testing/mbox, mp_mbox.8) in a third namespace. Its control socket
# is $MBOX_CTL, its output $MBOX_DIR/mbox.log; `mbox CMD...` talks to it.
#
#   +------------------+     +---------------------------+     +------------------+
#   | netns $NSA       |     | netns $NSM: mp_mbox       |     | netns $NSB       |
#   | veth-a 10.77.0.1 |<--->| mb-a [0] == L2 == [1] mb-b|<--->| veth-b 10.77.0.2 |
#   +------------------+     | faults on command, observer|     +------------------+
#                            +---------------------------+
# Segmentation offloads are off on every veth (the middlebox sees frames of
# at most the MTU) and checksums are computed in software at the ends.
setup_mbox() {
	local ns dev pid end
	ip netns add "$NSA" && ip netns add "$NSB" && ip netns add "$NSM" || return 1
	for ns in "$NSA" "$NSB" "$NSM"; do ip -n "$ns" link set lo up; done
	ip link add veth-a netns "$NSA" type veth peer name mb-a netns "$NSM"
	ip link add veth-b netns "$NSB" type veth peer name mb-b netns "$NSM"
	pair_addrs
	for dev in "$NSA veth-a" "$NSB veth-b" "$NSM mb-a" "$NSM mb-b"; do
		set -- $dev
		ip -n "$1" link set "$2" up
		ip netns exec "$1" ethtool -K "$2" tso off gso off gro off tx off \
			> /dev/null || return 1
	done
	MBOX_DIR=$(mktemp -d /tmp/mbox.XXXXXX)
	MBOX_CTL=$MBOX_DIR/mbox.sock
	ip netns exec "$NSM" "$BIN/mp_mbox" -l 0 --no-huge -m 256 --no-pci \
		--file-prefix=mbox$$ --log-level=lib.eal:error \
		--vdev=net_af_packet0,iface=mb-a --vdev=net_af_packet1,iface=mb-b \
		-- --ctl "$MBOX_CTL" > "$MBOX_DIR/mbox.log" 2>&1 &
	# EAL starts in a few seconds under TCG; give it a minute (times
	# MP_SCALE) while it runs.
	pid=$!
	end=$((SECONDS + 60 * MP_SCALE))
	while [ $SECONDS -lt $end ] && kill -0 $pid 2>/dev/null; do
		file_has "$MBOX_DIR/mbox.log" '^mp_mbox: bridging' && return 0
		sleep 0.1
	done
	sed 's/^/# mbox: /' "$MBOX_DIR/mbox.log"
	return 1
}

# mbox CMD...: one command to the middlebox; its answer on stdout.
mbox() { echo "$*" | nc -U -N "$MBOX_CTL"; }
# mbox_stat NAME: one of the middlebox's counters.
mbox_stat() { mbox stats | awk -v k="$1" '$1 == k { print $2 }'; }

# mbox_verdict: the observer's counters into the log; 1 on a violation or a
# connection to msgpipe's port it could not follow.
mbox_verdict() {
	local v d
	mbox stats > "$MBOX_DIR/stats"
	v=$(awk '$1 == "obs_violations" { print $2 }' "$MBOX_DIR/stats")
	d=$(awk '$1 == "obs_desync" { print $2 }' "$MBOX_DIR/stats")
	log "observer: $(awk '$1 ~ /^obs_(conns|frames|data_bytes|batches|batch_acks)$/ { printf "%s %s ", substr($1, 5), $2 }' "$MBOX_DIR/stats")violations ${v:-?} desync ${d:-?}"
	[ "$v" = 0 ] || mbox violations | head -40 | sed 's/^/# /'
	[ "$v" = 0 ] && [ "$d" = 0 ]
}

# rdm_hosts N: N addresses 10.79.(1 + d / 250).(1 + d % 250) on B's lo, routed
# from A: the destinations of the SOCK_RDM test and benchmark (mp_rdm --net).
rdm_hosts() {
	local d
	for d in $(seq 0 $(($1 - 1))); do
		echo "addr add 10.79.$((1 + d / 250)).$((1 + d % 250))/32 dev lo"
	done > "$T/rdm_hosts"
	ip -n "$NSB" -batch "$T/rdm_hosts" &&
		ip -n "$NSA" route add 10.79.0.0/16 via $ADDR_B
}

# mkcert NAME CA TEMPLATE-LINES...: $T/NAME.key and $T/NAME.pem, signed by
# $T/CA.{pem,key} or self-signed (CA "self"), from certtool template lines.
mkcert() {
	local name=$1 ca=$2
	shift 2
	certtool --generate-privkey --key-type ecdsa --outfile "$T/$name.key" 2> /dev/null
	printf '%s\n' "$@" > "$T/$name.tmpl"
	if [ "$ca" = self ]; then
		certtool --generate-self-signed --load-privkey "$T/$name.key" \
			--template "$T/$name.tmpl" --outfile "$T/$name.pem" 2> /dev/null
	else
		certtool --generate-certificate --load-privkey "$T/$name.key" \
			--load-ca-certificate "$T/$ca.pem" --load-ca-privkey "$T/$ca.key" \
			--template "$T/$name.tmpl" --outfile "$T/$name.pem" 2> /dev/null
	fi
}

# msgpiped_conf FILE CERT [PSK]: a msgpiped.conf trusting $T/ca.pem, with
# $T/CERT.{pem,key} and the PSK identity host-a.
msgpiped_conf() {
	printf 'ca %s\ncert %s\nkey %s\npsk-identity host-a\npsk host-a %s\n' \
		"$T/ca.pem" "$T/$2.pem" "$T/$2.key" "${3:-00}" > "$1"
}

# msgpiped_start NS CONF LOG: msgpiped in NS, $MSGPIPED_PID, once it listens.
msgpiped_start() {
	# Emptied here, not by the redirection: until the new daemon's shell
	# opened it, the file still says what an earlier one printed.
	: > "$3"
	ip netns exec "$1" "$BIN/msgpiped" -f -v -c "$2" > "$3" 2>&1 &
	MSGPIPED_PID=$!
	wait_until 30 file_has "$3" 'listening for handshakes' && return 0
	fail "msgpiped did not start in $1: $(cat "$3")"
	return 1
}

# stat_to VAR FILE NAME: a counter from a debugfs stats file into VAR, by
# bash itself: under TCG a process started costs a tenth of a second (half
# of one on the debug kernel), and samplers call this in a loop. mapfile
# reads the file to its end in one pass; the read builtin seeks back after
# each line, and a seek on the file prints the counters afresh, so lines
# read one at a time come from different snapshots, cut or skipped.
stat_to() {
	local _l _lines
	mapfile -t _lines < "$2"
	printf -v "$1" ''
	for _l in "${_lines[@]}"; do
		[ "${_l%% *}" = "$3" ] && { printf -v "$1" '%s' "${_l#* }"; return 0; }
	done
	return 1
}
# stat FILE NAME: the same counter, printed.
stat() { local v; stat_to v "$1" "$2" && echo "$v"; }
host_stat() { stat /sys/kernel/debug/msgpipe/stats "$1"; }
# host_is NAME VALUE: the host's counter NAME reads VALUE (no subshell).
host_is() { local v; stat_to v /sys/kernel/debug/msgpipe/stats "$1" && [ "$v" = "$2" ]; }
# host_ge NAME MIN: the host's counter NAME reads MIN or more.
host_ge() { local v; stat_to v /sys/kernel/debug/msgpipe/stats "$1" && [ "$v" -ge "$2" ]; }
agent_stat() { stat /sys/kernel/debug/msgpipe_soft/stats "$1"; }

# wait_live N [ID]: until A's pipe ID (by default its first) has N live
# connections, for at most 30 s (times MP_SCALE); false if it never had.
# pipe add returns once the first connection is up, the others dial in the
# background.
wait_live() {
	wait_until 30 live_is "$@"
}
# live_is N [ID]: A's pipe ID (by default its first) has N live connections
# (the first line's "live N", read by bash: no jq started).
live_is() {
	[[ "$(na "$BIN/msgpipectl" pipe show ${2:+"$2"})" =~ ^[^$'\n']*\ live\ ([0-9]+) ]] &&
		[ "${BASH_REMATCH[1]}" = "$1" ]
}

# counters: every counter that is not 0, host and agent, for a failure's log.
counters() {
	awk '$2 != 0 { printf "# host %s %s\n", $1, $2 }' /sys/kernel/debug/msgpipe/stats
	awk '$2 != 0 { printf "# agent %s %s\n", $1, $2 }' /sys/kernel/debug/msgpipe_soft/stats
}

# until_stat host|agent NAME MIN [STOP]: wait until a counter reaches MIN;
# 1 once the file STOP exists (the transfer it waited for is over).
until_stat() {
	local v f=/sys/kernel/debug/msgpipe/stats

	[ "$1" = agent ] && f=/sys/kernel/debug/msgpipe_soft/stats
	# stat_to, not $(...): a subshell forked twenty times a second.
	while stat_to v "$f" "$2" && [ "$v" -lt "$3" ]; do
		[ -n "${4:-}" ] && [ -e "$4" ] && return 1
		sleep 0.05
	done
	return 0
}

# wait_until SECS COMMAND...: run COMMAND every tenth of a second until it
# succeeds (true) or SECS seconds, MP_SCALE times that on the debug kernel,
# passed (false). Bounded by the clock, not by a count of tries: a try
# costs what its command costs, and that differs from kernel to kernel.
wait_until() {
	local end=$((SECONDS + $1 * MP_SCALE))

	shift
	until "$@"; do
		[ $SECONDS -lt $end ] || return 1
		sleep 0.1
	done
}

# file_has FILE TEXT: a line of FILE holds TEXT (a glob; ^ at its start
# anchors it), read by bash: the polling loops ask ten times a second, and
# grep would be a process each time.
file_has() {
	local l pat="*$2*"

	[ "${2:0:1}" = ^ ] && pat="${2:1}*"
	[ -r "$1" ] || return 1
	while IFS= read -r l || [ -n "$l" ]; do
		# shellcheck disable=SC2053
		[[ $l == $pat ]] && return 0
	done < "$1"
	return 1
}

# wait_listening FILE: until a server printed "listening" into FILE, at most
# 30 s (times MP_SCALE). A file used before must be emptied (: > FILE)
# before that server starts: its redirection may come after the first look.
wait_listening() {
	wait_until 30 file_has "$1" listening
}

# transfer NAME SERVER_ARGS -- CLIENT_ARGS: run one session from A to B,
# keep both outputs in $T/NAME.{srv,cli,err}.
transfer() {
	local name=$1; shift
	local sargs=() cargs=()
	while [ "$1" != -- ]; do sargs+=("$1"); shift; done
	shift
	cargs=("$@")
	nb "$BIN/mp_xfer" server --report "${sargs[@]}" > "$T/$name.srv" 2>&1 &
	local spid=$!
	wait_listening "$T/$name.srv" || { fail "$name: server did not listen"; return 1; }
	na "$BIN/mp_xfer" client --report "${cargs[@]}" > "$T/$name.cli" 2> "$T/$name.err"
	local crc=$?
	wait $spid
	local src=$?
	[ $crc = 0 ] && [ $src = 0 ] || { fail "$name: client rc=$crc server rc=$src: $(cat "$T/$name.err")"; return 1; }
}

# same_messages NAME: both ends saw the same lengths and digests, in order.
same_messages() {
	diff <(awk '/^msg/ { print $2, $3 }' "$T/$1.cli") \
	     <(awk '/^msg/ { print $2, $3 }' "$T/$1.srv")
}

# field NAME KEY: the value after KEY on the client's summary line.
field() {
	awk -v k="$2" '/^client bytes/ { for (i = 1; i < NF; i++) if ($i == k) print $(i + 1) }' "$T/$1.cli"
}

# knob MODULE NAME VALUE: set a module parameter (works without debugfs).
knob() { echo "$3" > "/sys/module/$1/parameters/$2"; }

# load_modules: for scripts run outside run.sh (demo, benchmarks).
load_modules() {
	modprobe libcrc32c
	insmod "$MP_MODDIR/msgpipe/msgpipe.ko" &&
		insmod "$MP_MODDIR/msgpipe_soft/msgpipe_soft.ko"
}
