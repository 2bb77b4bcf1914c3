/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host <-> sending agent contract. msgpipe.ko (the host) builds
 * descriptor chains over pages it pinned or owns and posts them as frames; an
 * agent (msgpipe_soft.ko, or a NIC driver offloading the same work) moves
 * them over the connections of a pipe, hands received frames up, and reports
 * completions. The agent reaches payload only through the descriptors.
 *
 * Reliability is the agent's: it keeps {address, size, sequence} of every
 * DATA frame the peer has not acknowledged (never the pages), reads the
 * peer's ACK frames, reports ACKED ranges, and when a frame was lost (a
 * selective acknowledgment shows a hole, an acknowledgment times out, a
 * connection breaks) asks the host for the pages again with NEED_PAGES; the
 * host re-pins them and posts the frame once more, flagged
 * MSGPIPE_DESC_F_RETX.
 *
 * A pipe has up to MSGPIPE_PIPE_CONNS_MAX connections, numbered from 0. The
 * agent dispatches DATA frames to any live connection (so one message is
 * striped over all of them) and keeps every other frame on one connection
 * at a time, so a session's control frames stay in order. Loss on one
 * connection is repaired on the others.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_AGENT_H
#define _MSGPIPE_AGENT_H

#include <linux/file.h>
#include <linux/list.h>
#include <linux/net.h>
#include <linux/types.h>
#include <net/inet_connection_sock.h>
#include <msgpipe/desc.h>
#include <msgpipe/wire.h>
#include <uapi/linux/msgpipe.h>
#include <uapi/linux/msgpipe_nl.h>

struct module;
struct socket;
struct msgpipe_net;
struct msgpipe_pipe;
struct msgpipe_agent;

/**
 * struct msgpipe_tx - one frame posted to the agent
 * @node:   owned by the agent from post() until the completion
 * @frame:  header fields; the agent encodes them (and may set @frame.flags
 *          MSGPIPE_F_DATA_CRC with @frame.data_crc)
 * @chain:  the payload, @frame.chunk_len bytes; NULL for control frames
 * @cookie: opaque to the agent
 * @status: set by the agent before the completion: 0 when the transport
 *          has taken the whole frame and released the pages, else -errno
 */
struct msgpipe_tx {
	struct list_head	node;
	struct msgpipe_frame	frame;
	struct msgpipe_desc	*chain;
	u64			cookie;
	int			status;
};

/**
 * enum msgpipe_cqe_type - completion kinds an agent reports
 * @MSGPIPE_CQE_TX_DONE:    @tx is finished: the agent and its transport
 *                          hold no reference to its pages any more (for a
 *                          zero-copy send: TCP freed the last skb)
 * @MSGPIPE_CQE_ACKED:      the peer acknowledged the stream bytes
 *                          [@seq_lo, @seq_hi) of session @sid; reported in
 *                          order, each range starting where the last ended
 * @MSGPIPE_CQE_NEED_PAGES: the frame of session @sid starting at @seq_lo
 *                          (@seq_hi is its end) must be sent again: post it
 *                          again, pages re-pinned; nothing if the host has
 *                          no such frame any more
 * @MSGPIPE_CQE_ERROR:      @sid 0: the pipe failed with @status; otherwise
 *                          session @sid made no progress within the
 *                          agent's retire time (@status -ETIMEDOUT)
 */
enum msgpipe_cqe_type {
	MSGPIPE_CQE_TX_DONE,
	MSGPIPE_CQE_ACKED,
	MSGPIPE_CQE_NEED_PAGES,
	MSGPIPE_CQE_ERROR,
};

/**
 * struct msgpipe_cqe - one completion
 * @type:   enum msgpipe_cqe_type
 * @status: 0 or -errno
 * @tx:     the frame, for MSGPIPE_CQE_TX_DONE
 * @sid:    the local session the range belongs to (ACKED, NEED_PAGES,
 *          ERROR)
 * @seq_lo: first stream sequence number of the range
 * @seq_hi: one past the last
 * @addr:   NEED_PAGES: the user address of the first byte as posted, for
 *          agents that map by address (0 for host-owned pages)
 */
struct msgpipe_cqe {
	u8			type;
	int			status;
	struct msgpipe_tx	*tx;
	u32			sid;
	u64			seq_lo;
	u64			seq_hi;
	u64			addr;
};

/**
 * struct msgpipe_rxbuf - payload of one received frame
 * @mn:       the host's: the namespace that counts it (not for the agent)
 * @len:      bytes held
 * @nr_pages: entries in @pages
 * @pages:    order-0 pages, filled from the start
 *
 * Allocated by the agent with msgpipe_rxbuf_alloc(); ownership passes to
 * the host with the call to msgpipe_agent_rx(), whatever it returns.
 */
struct msgpipe_rxbuf {
	struct msgpipe_net	*mn;
	u32			len;
	u32			nr_pages;
	struct page		*pages[];
};

/**
 * struct msgpipe_conn_info - what an agent tells of one connection
 * @up:          connected and not failed
 * @failures:    times a connection in this slot broke
 * @tx_frames:   frames sent on it
 * @tx_bytes:    payload bytes sent on it
 * @retransmits: of those frames, ones sent again (MSGPIPE_DESC_F_RETX)
 * @rx_frames:   frames received on it
 * @rx_bytes:    payload bytes received on it
 *
 * Counters cover every connection that held the slot.
 */
struct msgpipe_conn_info {
	bool			up;
	u32			failures;
	u64			tx_frames;
	u64			tx_bytes;
	u64			retransmits;
	u64			rx_frames;
	u64			rx_bytes;
};

/**
 * struct msgpipe_knob - one tunable an agent offers, devlink-param style
 * @name:  [a-z0-9_], unique within the agent, shorter than
 *         MSGPIPE_KNOB_NAME_LEN
 * @min:   smallest value accepted
 * @max:   largest value accepted
 * @flags: MSGPIPE_KNOB_F_WRITE_ONLY (an action such as "reset these
 *         connections now": knob_get() is never called for it) and
 *         MSGPIPE_KNOB_F_TESTING (fault injection, not for production)
 *
 * The host checks names and ranges and serialises every knob_get() and
 * knob_set() of an agent, so the agent sees only values in [@min, @max].
 * Knobs are global to the agent, not per network namespace.
 */
struct msgpipe_knob {
	const char	*name;
	u64		min;
	u64		max;
	u32		flags;
};

/**
 * struct msgpipe_apipe - the agent's half of a pipe
 * @agent: the agent that created it
 * @host:  the host's pipe, passed to every upcall
 *
 * Embedded in the agent's own pipe structure.
 */
struct msgpipe_apipe {
	struct msgpipe_agent	*agent;
	struct msgpipe_pipe	*host;
};

/**
 * struct msgpipe_agent_ops - what an agent implements
 *
 * All ops are called in process context without host locks held, except
 * post(), doorbell() and forget(), which may also be called from inside
 * an upcall (msgpipe_agent_rx(), msgpipe_agent_complete()) and must not
 * sleep.
 *
 * @pipe_create:  set up the agent side of @host, which will have up to
 *                @nconns connections (1..MSGPIPE_PIPE_CONNS_MAX); return
 *                it or ERR_PTR.
 * @pipe_destroy: stop all work of @ap: every posted frame completes (with
 *                -ECONNABORTED if unsent) before this returns, no upcall
 *                runs after it, connections are closed and @ap is freed.
 *                With @graceful, frames already posted are sent first.
 * @conn_attach:  give the pipe a connected kernel TCP socket as connection
 *                @idx (below @nconns, else -EINVAL); the agent owns the
 *                socket from then on (releases it even on error). A live
 *                connection in that slot is reset and replaced; once this
 *                returns the agent reports no loss of the replaced one (a
 *                report made while it runs may be the replaced one's: the
 *                host then asks @conn_info whether the new one is up).
 *                When a connection breaks (msgpipe_agent_conn_down()) the agent
 *                resends what it carried and the peer did not acknowledge
 *                (NEED_PAGES) on the others, or on the next one attached.
 *                A connection of a pipe with security carries kernel TLS
 *                (msgpipe_conn_tls()): the agent writes it with plain
 *                sendmsg() (no MSG_ZEROCOPY, no page splicing: kTLS copies
 *                into its records), reads it with a control buffer and
 *                takes any record that is not application data (an alert,
 *                a post-handshake message) as the end of that connection.
 *                The agent closes it with msgpipe_conn_release().
 * @post:         write @tx into the submission ring, also while the pipe
 *                waits for a new connection; -ENOTCONN if it cannot take
 *                it (then no completion follows and the host keeps @tx).
 *                The host never has more than @sq_depth frames posted
 *                and not completed, so the ring cannot overflow.
 * @doorbell:     start transmitting what was posted (the host rings once
 *                per batch of posts).
 * @forget:       drop every record of session @sid: its unacknowledged
 *                ranges, timers and counters; no completion for @sid
 *                follows except TX_DONE of frames still posted.
 * @conn_info:    fill @info for connection @idx; -ENOENT if the slot never
 *                had one. Must not sleep.
 * @knob_get:     read knob @idx of the agent's knobs[] into @val. Needed
 *                when the agent has knobs.
 * @knob_set:     set knob @idx to @val, already checked against the
 *                knob's range; 0 or -errno. Needed when the agent has
 *                knobs.
 */
struct msgpipe_agent_ops {
	struct msgpipe_apipe *(*pipe_create)(struct msgpipe_agent *agent,
					     struct msgpipe_pipe *host,
					     unsigned int nconns);
	void (*pipe_destroy)(struct msgpipe_apipe *ap, bool graceful);
	int (*conn_attach)(struct msgpipe_apipe *ap, unsigned int idx,
			   struct socket *sock);
	int (*post)(struct msgpipe_apipe *ap, struct msgpipe_tx *tx);
	void (*doorbell)(struct msgpipe_apipe *ap);
	void (*forget)(struct msgpipe_apipe *ap, u32 sid);
	int (*conn_info)(struct msgpipe_apipe *ap, unsigned int idx,
			 struct msgpipe_conn_info *info);
	int (*knob_get)(struct msgpipe_agent *agent, unsigned int idx,
			u64 *val);
	int (*knob_set)(struct msgpipe_agent *agent, unsigned int idx,
			u64 val);
};

/**
 * struct msgpipe_agent - a registered sending agent
 * @name:  short name, unique, shorter than MSGPIPE_KNOB_NAME_LEN; shown in
 *         the kernel log and names the agent over netlink
 * @ops:   its operations; all mandatory but the knob ops
 * @owner: THIS_MODULE of the agent
 * @sq_depth: entries of each pipe's submission ring, 16 to 65536
 * @knobs: its tunables, or NULL
 * @nr_knobs: entries in @knobs, at most 64
 * @list:  host private
 * @users: host private: pipes using the agent
 */
struct msgpipe_agent {
	const char			*name;
	const struct msgpipe_agent_ops	*ops;
	struct module			*owner;
	u32				sq_depth;
	const struct msgpipe_knob	*knobs;
	unsigned int			nr_knobs;
	struct list_head		list;
	unsigned int			users;
};

/**
 * msgpipe_conn_tls() - does a connection carry kernel TLS?
 * @sock: a socket given to conn_attach()
 *
 * Return: true when the host admitted it after a TLS handshake.
 */
static inline bool msgpipe_conn_tls(const struct socket *sock)
{
	return inet_csk(sock->sk)->icsk_ulp_ops;
}

void msgpipe_conn_release(struct socket *sock);
int msgpipe_agent_register(struct msgpipe_agent *agent);
void msgpipe_agent_unregister(struct msgpipe_agent *agent);

void msgpipe_agent_complete(struct msgpipe_pipe *pipe,
			    struct msgpipe_cqe *cqe, unsigned int n);
int msgpipe_agent_rx(struct msgpipe_pipe *pipe, const struct msgpipe_frame *f,
		     struct msgpipe_rxbuf *buf);
void msgpipe_agent_pipe_down(struct msgpipe_pipe *pipe, int err);
void msgpipe_agent_conn_down(struct msgpipe_pipe *pipe, unsigned int idx,
			     int err);

struct msgpipe_rxbuf *msgpipe_rxbuf_alloc(struct msgpipe_pipe *pipe, u32 len);
void msgpipe_rxbuf_free(struct msgpipe_rxbuf *buf);

#endif /* _MSGPIPE_AGENT_H */
