#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (runs in the VM, started by `make bench`): the bulk transfer of
# agent.sh (1 GiB as 64 MiB messages, one session, A to B over veth) on a
# pipe of 4 connections with security none and with mtls (msgpiped in both
# namespaces, TLS 1.3 handshakes in user space, AES-GCM records in kernel
# TLS), and TCP send() for reference, in the same boot. Writes
# $MP_RESULTS/bench-tls.json (tools/bench/report.py makes the table).
#
#   +-----------------------+            +-----------------------+
#   | netns A (sender)      |            | netns B (receiver)    |
#   |  msgpiped, mp_xfer    |<--veth---->|  msgpiped, mp_xfer    |
#   |  pipe: 4 conns, kTLS  |            |                       |
#   +-----------------------+            +-----------------------+
. "$MP_ROOT/selftests/msgpipe/lib.sh"
COUNT=${COUNT:-16}
MSG=$((64 << 20))
T=$(mktemp -d)
dpids=
trap 'kill $dpids 2>/dev/null; cleanup_pair; rmmod msgpipe_soft msgpipe 2>/dev/null; rm -rf "$T"' EXIT
load_modules || exit 1
setup_pair || exit 1
. "$MP_ROOT/tools/bench/bulk.sh"

mkcert ca self 'cn = "msgpipe bench CA"' ca cert_signing_key 'expiration_days = 30'
mkcert a ca 'cn = "host-a"' "ip_address = $ADDR_A" tls_www_client tls_www_server 'expiration_days = 30'
mkcert b ca 'cn = "host-b"' "ip_address = $ADDR_B" tls_www_client tls_www_server 'expiration_days = 30'
msgpiped_conf "$T/a.conf" a
msgpiped_conf "$T/b.conf" b
msgpiped_start "$NSA" "$T/a.conf" "$T/a.log" || exit 1
dpids="$dpids $MSGPIPED_PID"
msgpiped_start "$NSB" "$T/b.conf" "$T/b.log" || exit 1
dpids="$dpids $MSGPIPED_PID"
# B's engine listens once something listens.
nb "$BIN/mp_xfer" server --port 5999 > "$T/keep.srv" 2>&1 &
wait_listening "$T/keep.srv" || exit 1

# pipe SECURITY: A's kept pipe to B, 4 connections, all up.
pipe() {
	local id i
	id=$(na "$BIN/msgpipectl" pipe show | awk '{ print $2; exit }')
	[ -n "$id" ] && na "$BIN/msgpipectl" pipe del "$id"
	na "$BIN/msgpipectl" pipe add $ADDR_B conns 4 keep on security "$1" > /dev/null || return 1
	for i in $(seq 300); do
		na "$BIN/msgpipectl" pipe show | grep -q ' live 4 ' && return 0
		sleep 0.1
	done
	return 1
}

status=0
{
	echo '{"benchmark": "tls", "what": "1 GiB as 64 MiB messages, pipe of 4 connections, none vs mtls (kTLS), same VM boot", "kernel": "'"$(uname -r)"'", "scenarios": ['
	sep=
	for s in "msgpipe-none msgpipe none" "msgpipe-mtls msgpipe mtls" "tcp tcp copy --tcp"; do
		set -- $s
		if [ "$2" = msgpipe ] && ! pipe "$3"; then
			echo "bench: no $3 pipe" >&2
			status=1
			continue
		fi
		# shellcheck disable=SC2086
		line=$(scenario $s) || { echo "bench: $s failed" >&2; status=1; continue; }
		printf '%s%s\n' "$sep" "$line"
		sep=,
	done
	echo ']}'
} > "$MP_RESULTS/bench-tls.json"
cat "$MP_RESULTS/bench-tls.json"
exit $status
