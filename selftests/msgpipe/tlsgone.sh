#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Namespaces with secure pipes go away: four times (twice on the debug
# kernel) a pair of namespaces with a 4-connection mtls pipe, msgpiped in
# each, is deleted. A connection admitted after its TLS handshake is closed
# with its file, which the agent drops from its own threads when the
# namespace goes. That close still routes (the reset of an aborted
# connection), so it must end before the namespace's routing tables are
# freed; a close left to the kernel's deferred file release ran after them
# (a use-after-free in fib_get_table from delayed_fput; old code on 6.12
# crashed within 3 rounds). KASAN on the debug kernel catches the use
# itself; a round takes 100 s there.
#
#   +------------------+   4 TCP connections, mtls   +------------------+
#   | netns A msgpiped |=============================| netns B msgpiped |
#   +------------------+  deleted with the pipe up   +------------------+
. "$(dirname "$0")/lib.sh"
T=$(mktemp -d)
CTL="$BIN/msgpipectl"
trap 'cleanup_pair; rm -rf "$T"' EXIT
command -v certtool > /dev/null || { log "certtool (gnutls-bin) missing"; exit 1; }
knob msgpipe hs_timeout_ms $((30000 * MP_SCALE))
mkcert ca self 'cn = "msgpipe test CA"' ca cert_signing_key 'expiration_days = 30'
mkcert a ca 'cn = "host-a"' "ip_address = $ADDR_A" tls_www_client tls_www_server 'expiration_days = 30'
mkcert b ca 'cn = "host-b"' "ip_address = $ADDR_B" tls_www_client tls_www_server 'expiration_days = 30'
[ -s "$T/a.pem" ] && [ -s "$T/b.pem" ] || { fail "certtool made no certificates"; exit 1; }
msgpiped_conf "$T/a.conf" a
msgpiped_conf "$T/b.conf" b

rounds=$(scaled 4 2)
for round in $(seq $rounds); do
	setup_pair || { fail "round $round: no namespaces"; break; }
	msgpiped_start "$NSA" "$T/a.conf" "$T/da.log" &&
		msgpiped_start "$NSB" "$T/b.conf" "$T/db.log" || break
	: > "$T/srv"	# each round's, not the last one's "listening"
	nb "$BIN/mp_xfer" server --port 4708 > "$T/srv" 2>&1 &
	wait_listening "$T/srv" || { fail "round $round: no server"; break; }
	na $CTL pipe add $ADDR_B conns 4 keep on security mtls > /dev/null 2> "$T/err" ||
		{ fail "round $round: pipe add: $(cat "$T/err")"; break; }
	wait_until 10 live_is 4
	cleanup_pair
	wait
	gone=$round
done
check "$rounds namespace pairs with secure pipes torn down (${gone:-0})" \
	test "${gone:-0}" = $rounds
[ $FAILS = 0 ]
