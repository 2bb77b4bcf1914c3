/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * The msgpipe generic netlink family: pipes, their connections, sessions,
 * counters and per-namespace defaults. Documentation/netlink/specs/
 * msgpipe.yaml is the source of truth; this header follows it.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _UAPI_LINUX_MSGPIPE_NL_H
#define _UAPI_LINUX_MSGPIPE_NL_H

#define MSGPIPE_GENL_NAME		"msgpipe"
#define MSGPIPE_GENL_VERSION		1
#define MSGPIPE_MCGRP_EVENTS		"events"
#define MSGPIPE_MCGRP_HANDSHAKE		"handshake"

/* Longest agent or knob name (MSGPIPE_A_AGENT_NAME, _KNOB_NAME), with its NUL. */
#define MSGPIPE_KNOB_NAME_LEN		32

/* Pipe states (MSGPIPE_A_PIPE_STATE). */
enum {
	MSGPIPE_PIPE_STATE_UP,
	MSGPIPE_PIPE_STATE_RECONNECTING,
	MSGPIPE_PIPE_STATE_DOWN,
};

/* Connection states (MSGPIPE_A_CONN_STATE). */
enum {
	MSGPIPE_CONN_STATE_CONNECTING,
	MSGPIPE_CONN_STATE_ATTACHING,
	MSGPIPE_CONN_STATE_UP,
};

/* Session states (MSGPIPE_A_SESSION_STATE) of the session handshake. */
enum {
	MSGPIPE_SESSION_STATE_NULL,
	MSGPIPE_SESSION_STATE_LISTEN,
	MSGPIPE_SESSION_STATE_WAITING_ACK,
	MSGPIPE_SESSION_STATE_WAITING_FOR_ACCEPT_ACK,
	MSGPIPE_SESSION_STATE_PENDING_ACCEPT,
	MSGPIPE_SESSION_STATE_READY,
	MSGPIPE_SESSION_STATE_SENDING_FIN,
	MSGPIPE_SESSION_STATE_CLOSED,
};

/* Pipe security (MSGPIPE_A_PIPE_SECURITY, MSGPIPE_A_DEFAULT_SECURITY): what
 * the handshake daemon must establish on each connection before it joins.
 */
enum {
	MSGPIPE_SECURITY_NONE,		/* plain TCP */
	MSGPIPE_SECURITY_TLS,		/* TLS 1.3, the server's certificate checked */
	MSGPIPE_SECURITY_MTLS,		/* TLS 1.3, certificates checked both ways */
	MSGPIPE_SECURITY_PSK,		/* TLS 1.3 with a pre-shared key */
	__MSGPIPE_SECURITY_MAX,
	MSGPIPE_SECURITY_MAX = __MSGPIPE_SECURITY_MAX - 1
};

/* Handshake roles (MSGPIPE_A_HS_ROLE): the dialer is the TLS client. */
enum {
	MSGPIPE_HS_ROLE_CLIENT,
	MSGPIPE_HS_ROLE_SERVER,
};

/* When the namespace accepts pipes from peers (MSGPIPE_A_DEFAULT_LISTEN):
 * the kernel's TCP listener exists while a process with
 * CAP_NET_BIND_SERVICE has a listening (or bound SOCK_RDM) socket or a
 * pipe it accepted lives (auto), from the admin's setting on (on), or
 * never (off).
 */
enum {
	MSGPIPE_LISTEN_AUTO,
	MSGPIPE_LISTEN_ON,
	MSGPIPE_LISTEN_OFF,
	__MSGPIPE_LISTEN_MAX,
	MSGPIPE_LISTEN_MAX = __MSGPIPE_LISTEN_MAX - 1
};

/* Agent knob flags (MSGPIPE_A_KNOB_FLAGS), bits. */
enum {
	MSGPIPE_KNOB_F_WRITE_ONLY = 1,	/* an action: no value to read */
	MSGPIPE_KNOB_F_TESTING = 2,	/* fault injection */
};

enum {
	MSGPIPE_A_UNSPEC,
	MSGPIPE_A_PAD,
	MSGPIPE_A_PIPE_ID,		/* u32 */
	MSGPIPE_A_PEER_IPV4,		/* be32 */
	MSGPIPE_A_PEER_IPV6,		/* binary, 16 bytes */
	MSGPIPE_A_PIPE_CONNS,		/* u32, 1..1024 */
	MSGPIPE_A_PIPE_STATE,		/* u8 */
	MSGPIPE_A_PIPE_INBOUND,		/* flag */
	MSGPIPE_A_PIPE_KEEP,		/* u8: stays open without sessions */
	MSGPIPE_A_PIPE_LIVE,		/* u32: connections up */
	MSGPIPE_A_PIPE_SESSIONS,	/* u32 */
	MSGPIPE_A_PIPE_ERROR,		/* s32: why it went down (-errno) */
	MSGPIPE_A_CONN_IDX,		/* u32 */
	MSGPIPE_A_CONN_STATE,		/* u8 */
	MSGPIPE_A_CONN_FAILURES,	/* u32 */
	MSGPIPE_A_CONN_TX_FRAMES,	/* u64 */
	MSGPIPE_A_CONN_TX_BYTES,	/* u64 */
	MSGPIPE_A_CONN_RETRANSMITS,	/* u64 */
	MSGPIPE_A_CONN_RX_FRAMES,	/* u64 */
	MSGPIPE_A_CONN_RX_BYTES,	/* u64 */
	MSGPIPE_A_SESSION_ID,		/* u32: local id */
	MSGPIPE_A_SESSION_REMOTE_ID,	/* u32 */
	MSGPIPE_A_SESSION_STATE,	/* u8 */
	MSGPIPE_A_SESSION_PORT,		/* u16: listening port */
	MSGPIPE_A_SESSION_TX_UNACKED,	/* u64: bytes sent, not acknowledged */
	MSGPIPE_A_SESSION_RX_QUEUED,	/* u64: bytes received, not read */
	MSGPIPE_A_STAT,			/* nest, multi: one counter */
	MSGPIPE_A_STAT_NAME,		/* string */
	MSGPIPE_A_STAT_VALUE,		/* s64 */
	MSGPIPE_A_DEFAULT_CONNS,	/* u32, 1..1024 */
	MSGPIPE_A_PIPE_TX_FRAMES,	/* u64: sums over the connections */
	MSGPIPE_A_PIPE_TX_BYTES,	/* u64 */
	MSGPIPE_A_PIPE_RETRANSMITS,	/* u64 */
	MSGPIPE_A_PIPE_RX_FRAMES,	/* u64 */
	MSGPIPE_A_PIPE_RX_BYTES,	/* u64 */
	MSGPIPE_A_PIPE_CONN_FAILURES,	/* u32 */
	MSGPIPE_A_AGENT_NAME,		/* string */
	MSGPIPE_A_AGENT_SQ_DEPTH,	/* u32 */
	MSGPIPE_A_AGENT_PIPES,		/* u32: pipes of this netns using it */
	MSGPIPE_A_KNOB,			/* nest, multi: one agent knob */
	MSGPIPE_A_KNOB_NAME,		/* string */
	MSGPIPE_A_KNOB_VALUE,		/* u64 */
	MSGPIPE_A_KNOB_MIN,		/* u64 */
	MSGPIPE_A_KNOB_MAX,		/* u64 */
	MSGPIPE_A_KNOB_FLAGS,		/* u32: MSGPIPE_KNOB_F_* */
	MSGPIPE_A_DEFAULT_RDM_TIME_US,	/* u32, 0..10000000 */
	MSGPIPE_A_DEFAULT_RDM_SIZE,	/* u32, 0..67108864 */
	MSGPIPE_A_DEFAULT_RDM_RETRY_MS,	/* u32, 10..600000 */
	MSGPIPE_A_DEFAULT_RDM_RETRIES,	/* u32, 0..100 */
	MSGPIPE_A_DEFAULT_RDM_RX_TIME_US,	/* u32, 0..10000000 */
	MSGPIPE_A_DEFAULT_RDM_RX_SIZE,	/* u32, 0..67108864 */
	MSGPIPE_A_DEFAULT_RDM_THROTTLE_MS,	/* u32, 0..10000 */
	MSGPIPE_A_PIPE_SECURITY,	/* u8: MSGPIPE_SECURITY_* */
	MSGPIPE_A_DEFAULT_SECURITY,	/* u8: for pipes connect() opens */
	MSGPIPE_A_DEFAULT_REQUIRE_SECURITY,	/* u8: 1 forbids SECURITY_NONE */
	MSGPIPE_A_HS_ID,		/* u32: a pending handshake */
	MSGPIPE_A_HS_ROLE,		/* u8: MSGPIPE_HS_ROLE_* */
	MSGPIPE_A_HS_FD,		/* s32: the socket, in the caller */
	MSGPIPE_A_HS_STATUS,		/* s32: 0 or -errno */
	MSGPIPE_A_DEFAULT_LISTEN,	/* u8: MSGPIPE_LISTEN_* */
	MSGPIPE_A_STAT_ALL,		/* flag: every namespace's (admin of
					 * the initial user namespace)
					 */

	__MSGPIPE_A_MAX,
	MSGPIPE_A_MAX = __MSGPIPE_A_MAX - 1
};

enum {
	MSGPIPE_CMD_UNSPEC,
	MSGPIPE_CMD_PIPE_NEW,		/* admin: open a pipe, reply its id */
	MSGPIPE_CMD_PIPE_DEL,		/* admin: close a pipe */
	MSGPIPE_CMD_PIPE_GET,		/* do: one pipe; dump: all */
	MSGPIPE_CMD_PIPE_SET,		/* admin: change a pipe */
	MSGPIPE_CMD_CONN_GET,		/* dump: connections (of one pipe) */
	MSGPIPE_CMD_SESSION_GET,	/* do: one session; dump: all */
	MSGPIPE_CMD_STATS_GET,		/* do: the namespace's counters */
	MSGPIPE_CMD_DEFAULTS_GET,	/* do: the namespace's defaults */
	MSGPIPE_CMD_DEFAULTS_SET,	/* admin: change them */
	MSGPIPE_CMD_PIPE_NTF,		/* event: a pipe changed state */
	MSGPIPE_CMD_CONN_NTF,		/* event: a connection changed state */
	MSGPIPE_CMD_SESSION_NTF,	/* event: a session changed state */
	MSGPIPE_CMD_AGENT_GET,		/* do: one agent; dump: all */
	MSGPIPE_CMD_AGENT_SET,		/* init-netns admin: set one knob */
	MSGPIPE_CMD_HS_REQ_NTF,		/* handshake group: a connection needs TLS */
	MSGPIPE_CMD_HS_ACCEPT,		/* admin: take it, reply its fd */
	MSGPIPE_CMD_HS_DONE,		/* admin: kTLS is set (status 0) or failed */
	MSGPIPE_CMD_HS_NTF,		/* event: a handshake ended */

	__MSGPIPE_CMD_MAX,
	MSGPIPE_CMD_MAX = __MSGPIPE_CMD_MAX - 1
};

#endif /* _UAPI_LINUX_MSGPIPE_NL_H */
