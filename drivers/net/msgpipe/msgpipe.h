/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Objects of the msgpipe host module: the per-netns engine, pipes and the
 * AF_MSGPIPE socket that carries one session.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_MSGPIPE_H
#define _MSGPIPE_MSGPIPE_H

#include <linux/hashtable.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/siphash.h>
#include <linux/socket.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/sock.h>
#include <msgpipe/agent.h>
#include <uapi/linux/msgpipe.h>
#include <msgpipe/compat.h>

struct genl_family;
struct genl_info;
struct netlink_callback;
struct netlink_ext_ack;
struct msgpipe_rdm;
struct msgpipe_ioc;
struct msgpipe_ioc_done;

extern int msgpipe_family;
extern struct workqueue_struct *msgpipe_wq;
extern unsigned int msgpipe_reconnect_ms;
extern struct workqueue_struct *msgpipe_hello_wq;
extern unsigned int msgpipe_pin_cap_kb;
extern unsigned int msgpipe_dead_peer_ms;

/* Messages a receiver queues beyond those read: its message window. */
#define MSGPIPE_RX_MSGS		256
/* Longest a received chunk waits for its acknowledgment (TCP's delayed
 * ACK idea, well under the agent's smallest ack timeout).
 */
#define MSGPIPE_DELACK_MS	10
/* Completions a sender may leave unread before it is throttled. */
#define MSGPIPE_ERRQ_MAX	64

/**
 * struct msgpipe_rdm_tun - the tunables of one RDM socket
 * @time_us:     close the active batch this long after its first item
 * @size:        ... or once it holds this many bytes (0: every item)
 * @retry_ms:    resend a batch not acknowledged after this long
 * @retries:     resends before the batch fails with ETIMEDOUT
 * @rx_time_us:  deliver received batches this long after the first
 * @rx_size:     ... or once this many bytes wait
 * @throttle_ms: ask the origin hosts to pause this long after each
 *               delivery (0: only when the receive queue overflows)
 */
struct msgpipe_stats;

struct msgpipe_rdm_tun {
	u32	time_us;
	u32	size;
	u32	retry_ms;
	u32	retries;
	u32	rx_time_us;
	u32	rx_size;
	u32	throttle_ms;
};

/**
 * struct msgpipe_net - the engine: msgpipe state of one network namespace
 * @net:         the namespace
 * @stats:       this namespace's counters (stats.h), per CPU
 * @stats_node:  in the list of every namespace's counters (stats.c)
 * @lock:        serialises @pipes and @listener's pointer
 * @listen_lock: serialises the listener's opening and closing and the
 *               listen fields below (taken before @lock)
 * @listen_mode: MSGPIPE_LISTEN_*: when the listener exists (netlink)
 * @listen_holds: sockets of privileged processes that listen or are bound
 *               SOCK_RDM sockets (msgpipe_listen_hold())
 * @listen_grace: jiffies until which an accepted pipe that went may be
 *               redialed by its peer: the listener stays (auto)
 * @listen_work: closes the listener when nothing wants it any more
 * @pipes:       pipes of this namespace that are up (each holds a reference)
 * @nr_pipes:    pipes not yet destroyed, up or down, and connections
 *               waiting for their HELLO
 * @nr_hellos:   connections waiting for their HELLO (capped)
 * @pipes_wq:    woken when @nr_pipes drops
 * @listener:    kernel TCP socket accepting pipe connections, or NULL
 * @accept_work: accepts connections from @listener
 * @saved_data_ready: @listener's original callback
 * @sids:        session id -> struct msgpipe_sock (lookup takes a sock ref
 *               under the xarray lock)
 * @next_sid:    where the cyclic allocation of @sids goes on
 * @ports:       bound service port -> struct msgpipe_sock
 * @tcp_port:    TCP port of @listener and of peers' listeners
 * @exiting:     the namespace is going away; no new pipes
 * @pinned:      user pages pinned for zero-copy sends in this namespace
 * @pin_wq:      senders waiting for @pinned to drop under the cap
 * @pipe_conns:  connections of a pipe connect() opens (netlink default)
 * @rdm_tun:     defaults of new SOCK_RDM sockets (netlink)
 * @guid_lock:   protects @guids
 * @guids:       SOCK_RDM batches sent and not acknowledged, by GUID
 * @guid_hi:     high half of this engine's GUIDs: random
 * @guid_next:   GUIDs handed out (under @guid_lock)
 * @guid_key:    key of the low halves: a keyed hash of @guid_next, so that
 *               a host that received one GUID cannot name others
 * @security:    MSGPIPE_SECURITY_* of the pipes connect() opens (netlink)
 * @require_security: refuse pipes, made or accepted, without security
 * @hs_lock:     protects @hs_list and @hs_next_id
 * @hs_list:     connections waiting for their TLS handshake (hs.c)
 * @hs_next_id:  the last handshake id handed out
 */
struct msgpipe_net {
	struct net		*net;
	struct msgpipe_stats __percpu *stats;
	struct list_head	stats_node;
	struct mutex		lock;		/* see @lock */
	struct mutex		listen_lock;	/* see @listen_lock */
	u8			listen_mode;
	unsigned int		listen_holds;
	unsigned long		listen_grace;
	struct delayed_work	listen_work;
	struct list_head	pipes;
	atomic_t		nr_pipes;
	atomic_t		nr_hellos;
	wait_queue_head_t	pipes_wq;
	struct socket		*listener;
	struct work_struct	accept_work;
	void			(*saved_data_ready)(struct sock *sk);
	struct xarray		sids;
	u32			next_sid;
	struct xarray		ports;
	u16			tcp_port;
	bool			exiting;
	atomic_long_t		pinned;
	wait_queue_head_t	pin_wq;
	u32			pipe_conns;
	struct msgpipe_rdm_tun	rdm_tun;
	spinlock_t		guid_lock;	/* see @guid_lock */
	DECLARE_HASHTABLE(guids, 12);
	u64			guid_hi;
	u64			guid_next;
	siphash_key_t		guid_key;
	u8			security;
	bool			require_security;
	spinlock_t		hs_lock;	/* see @hs_lock */
	struct list_head	hs_list;
	u32			hs_next_id;
};

/**
 * enum msgpipe_pipe_state - life of a pipe
 * @MSGPIPE_PIPE_UP:   a connection is live, sessions may use it
 * @MSGPIPE_PIPE_RECONNECTING: every connection broke; posts wait in the
 *                     agent for the next one (dial.c)
 * @MSGPIPE_PIPE_DOWN: failed or closing; posts are refused
 */
enum msgpipe_pipe_state {
	MSGPIPE_PIPE_UP,
	MSGPIPE_PIPE_RECONNECTING,
	MSGPIPE_PIPE_DOWN,
};

/**
 * enum msgpipe_conn_state - one connection slot of a pipe
 * @MSGPIPE_CONN_CONNECTING: being dialed (outbound) or awaited (inbound)
 * @MSGPIPE_CONN_ATTACHING:  a socket is being handed to the agent
 * @MSGPIPE_CONN_UP:         the agent carries frames on it
 */
enum msgpipe_conn_state {
	MSGPIPE_CONN_CONNECTING,
	MSGPIPE_CONN_ATTACHING,
	MSGPIPE_CONN_UP,
};

/**
 * struct msgpipe_pconn - the host's view of one connection slot of a pipe
 * @pipe:      its pipe
 * @idx:       its number in the pipe
 * @state:     enum msgpipe_conn_state, under the pipe's lock
 * @lost:      the agent reported it down while it was ATTACHING
 * @attached:  connections attached to the slot so far
 * @err:       why it last went down
 * @backoff:   the next redial delay
 * @dial_work: redials the slot (outbound pipes); holds a pipe reference
 */
struct msgpipe_pconn {
	struct msgpipe_pipe	*pipe;
	u32			idx;
	u8			state;
	bool			lost;
	u32			attached;
	int			err;
	unsigned long		backoff;
	struct delayed_work	dial_work;
};

/**
 * struct msgpipe_pipe - the connections from this host to one peer
 * @mn:          engine
 * @node:        in @mn->pipes while up
 * @all_node:    in the global list the agent registry walks
 * @refs:        sessions, the engine list and in-flight users
 * @lock:        protects @state, @apipe, @sessions, @nr_sessions,
 *               @posted, @backlog
 * @state:       enum msgpipe_pipe_state
 * @err:         why it went down
 * @apipe:       the agent's half; NULL once detached
 * @agent:       the agent @apipe belongs to
 * @sessions:    sessions bound to this pipe
 * @nr_sessions: how many; an idle outbound pipe is closed
 * @inbound:     created by an accepted connection
 * @peer:        the peer's address (AF_INET or AF_INET6)
 * @posted:      frames in the agent's submission ring, not completed
 * @backlog:     frames waiting for room in the ring (msgpipe_tx.node)
 * @id:          number for logs and counters
 * @token:       names the pipe in the HELLO of each of its connections
 * @conn_lock:   orders conn_attach() against destroying the agent half
 * @reconnect_work: fails a pipe left without connections past @deadline
 *               (inbound; outbound slots check it when they redial);
 *               holds a reference
 * @deadline:    jiffies after which a pipe without connections is failed
 * @nconns:      connection slots, 1..MSGPIPE_PIPE_CONNS_MAX
 * @live:        slots UP
 * @conns:       the slots
 * @persist:     created over netlink: stays without sessions
 * @security:    MSGPIPE_SECURITY_*: what each connection establishes first
 * @throttle_until: jiffies before which no SOCK_RDM batch goes to the
 *               peer (its THROTTLE)
 * @resync_work: sessions repeat control frames a broken connection may
 *               have lost; holds a reference while queued
 * @destroy_work: final teardown, off any agent context
 */
struct msgpipe_pipe {
	struct msgpipe_net	*mn;
	struct list_head	node;
	struct list_head	all_node;
	refcount_t		refs;
	spinlock_t		lock;		/* see @lock */
	enum msgpipe_pipe_state	state;
	int			err;
	struct msgpipe_apipe	*apipe;
	struct msgpipe_agent	*agent;
	struct list_head	sessions;
	unsigned int		nr_sessions;
	bool			inbound;
	struct sockaddr_storage	peer;
	u32			posted;
	struct list_head	backlog;
	u32			id;
	u64			token;
	struct mutex		conn_lock;	/* see @conn_lock */
	struct delayed_work	reconnect_work;
	unsigned long		deadline;
	u32			nconns;
	u32			live;
	struct msgpipe_pconn	*conns;
	bool			persist;
	u8			security;
	unsigned long		throttle_until;
	struct work_struct	resync_work;
	struct work_struct	destroy_work;
};

/**
 * enum msgpipe_session_state - the session handshake's states
 * @MSGPIPE_SS_NULL:         fresh socket
 * @MSGPIPE_SS_LISTEN:       accepting sessions on its port
 * @MSGPIPE_SS_WAITING_ACK:  SYNC sent, waiting for the destination host
 * @MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK: the destination host queued the
 *                           session; waiting for its application
 * @MSGPIPE_SS_PENDING_ACCEPT: destination side: queued on a listener
 * @MSGPIPE_SS_READY:        messages flow both ways
 * @MSGPIPE_SS_SENDING_FIN:  this side sent FIN (shutdown or close)
 * @MSGPIPE_SS_CLOSED:       refused, reset or closed
 */
enum msgpipe_session_state {
	MSGPIPE_SS_NULL,
	MSGPIPE_SS_LISTEN,
	MSGPIPE_SS_WAITING_ACK,
	MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK,
	MSGPIPE_SS_PENDING_ACCEPT,
	MSGPIPE_SS_READY,
	MSGPIPE_SS_SENDING_FIN,
	MSGPIPE_SS_CLOSED,
};

/**
 * struct msgpipe_rxchunk - received payload, or a voided message
 * @node:    in msgpipe_rxmsg.chunks, or in msk->rx_ooo
 * @stream:  stream sequence number of its first byte
 * @len:     bytes of stream it covers (a void: the whole message)
 * @msg_seq: its message
 * @offset:  its offset in the message
 * @total:   the message's length
 * @buf:     the payload; NULL for a void
 * @off:     bytes of @buf already read
 */
struct msgpipe_rxchunk {
	struct list_head	node;
	u64			stream;
	u32			len;
	u64			msg_seq;
	u32			offset;
	u32			total;
	struct msgpipe_rxbuf	*buf;
	u32			off;
};

/**
 * struct msgpipe_rxmsg - a message being received
 * @node:     in the session's receive queue
 * @seq:      its sequence number
 * @total:    its length (cut to @received when voided)
 * @received: bytes arrived in order
 * @consumed: bytes read by the application
 * @voided:   the sender gave it up after part of it arrived
 * @chunks:   struct msgpipe_rxchunk, in offset order
 */
struct msgpipe_rxmsg {
	struct list_head	node;
	u64			seq;
	u64			total;
	u64			received;
	u64			consumed;
	bool			voided;
	struct list_head	chunks;
};

/**
 * struct msgpipe_pin_owner - whom a zero-copy message pins from and charges
 * @mm:    the sender's mm (mmgrab), pinned from for a resend
 * @user:  the user charged in locked_vm; NULL with CAP_IPC_LOCK
 * @limit: its RLIMIT_MEMLOCK in pages at send time
 */
struct msgpipe_pin_owner {
	struct mm_struct	*mm;
	struct user_struct	*user;
	unsigned long		limit;
};

/**
 * struct msgpipe_txmsg - a sent message not yet acknowledged
 * @mn:      the sender's namespace (its counters)
 * @node:    in msgpipe_sock.tx_msgs
 * @refs:    the sender's while in sendmsg(), the list's, and one per
 *           frame that pins for it
 * @seq:     its message number
 * @stream:  stream sequence number of its first byte
 * @len:     its length
 * @status:  0, or why it failed (reported in its completion)
 * @zc:      sent with MSG_ZEROCOPY from the user's pages
 * @notify:  a completion goes to the error queue
 * @voided:  given up; the peer was told with a void frame
 * @po:      zero-copy: owner of the pages
 * @note:    the completion, allocated at send time
 * @nr_segs: zero-copy: entries in @iov
 * @iov:     zero-copy: the user's segments
 * @done:    posted by ioctl: its completion record, allocated at send time
 *           (the error queue is not used then)
 * @chunks:  struct msgpipe_txchunk not yet acknowledged, in stream order
 */
struct msgpipe_txmsg {
	struct msgpipe_net	*mn;
	struct list_head	node;
	refcount_t		refs;
	u64			seq;
	u64			stream;
	u32			len;
	int			status;
	bool			zc;
	bool			notify;
	bool			voided;
	struct msgpipe_pin_owner po;
	struct sk_buff		*note;
	unsigned int		nr_segs;
	struct iovec		*iov;
	struct msgpipe_ioc_done	*done;
	struct list_head	chunks;
};

/**
 * struct msgpipe_file_part - file bytes a message carries (ioctl.c)
 * @file: the file, referenced by the caller
 * @pos:  where the next byte is read
 * @len:  bytes still to read
 */
struct msgpipe_file_part {
	struct file		*file;
	loff_t			pos;
	u64			len;
};

/**
 * struct msgpipe_send_src - where a message's bytes come from, when not
 * from the caller's msghdr alone (ioctl.c)
 * @parts:     copy mode: read the bytes from these file ranges, in order
 * @nparts:    entries in @parts (0: the msghdr has the bytes)
 * @cur:       the part being read
 * @done:      the completion record of a posted message, taken over by it
 * @no_charge: zero-copy from registered regions: their pages are charged
 *             to RLIMIT_MEMLOCK already
 */
struct msgpipe_send_src {
	struct msgpipe_file_part *parts;
	unsigned int		nparts;
	unsigned int		cur;
	struct msgpipe_ioc_done	*done;
	bool			no_charge;
};

/**
 * struct msgpipe_txchunk - an unacknowledged chunk of a message
 * @node:     in msgpipe_txmsg.chunks, in stream order
 * @stream:   stream sequence number of its first byte
 * @len:      bytes
 * @offset:   its offset in the message
 * @crc:      zero-copy: CRC32C of the bytes when first pinned
 * @nr_pages: copy mode: pages of the host's copy, else 0
 * @pages:    the copy
 */
struct msgpipe_txchunk {
	struct list_head	node;
	u64			stream;
	u32			len;
	u32			offset;
	u32			crc;
	u32			nr_pages;
	struct page		*pages[];
};

/**
 * struct msgpipe_txbuf - a frame the host posted, with what it holds
 * @tx:       the frame handed to the agent
 * @mn:       the namespace whose counters count it
 * @desc:     its descriptor chain, or NULL
 * @msk:      the session (holds a reference), or NULL for a REFUSE
 * @msg:      the message whose pages are pinned (holds a reference)
 * @pin:      the pages are pinned and charged to this owner; else each
 *            holds a page reference
 * @owned:    the pages were allocated for this frame (counted in TX_PAGES)
 * @nr_pages: pages in @pages
 * @pages:    what the descriptors point into
 */
struct msgpipe_txbuf {
	struct msgpipe_tx	tx;
	struct msgpipe_net	*mn;
	struct msgpipe_desc	*desc;
	struct msgpipe_sock	*msk;
	struct msgpipe_txmsg	*msg;
	struct msgpipe_pin_owner *pin;
	bool			owned;
	u32			nr_pages;
	struct page		*pages[];
};

/**
 * struct msgpipe_sock - an AF_MSGPIPE socket; carries one session
 * @sk:          must be first
 * @mn:          engine of the socket's namespace
 * @lock:        protects the session fields below against agent upcalls
 * @state:       enum msgpipe_session_state
 * @local_id:    this side's session id, 0 when not in @mn->sids
 * @remote_id:   the peer's session id
 * @port:        bound service port, 0 if none
 * @peer:        the peer's address
 * @pipe:        the pipe the session uses (holds a reference)
 * @pipe_node:   in @pipe->sessions
 * @tx_mutex:    one sender at a time: a message's chunks are contiguous
 * @tx_lock:     protects @tx_msgs and their chunks (see tx.c)
 * @rx_mutex:    one reader at a time
 * @tx_seq:      sequence number of the last message sent
 * @tx_stream:   stream sequence number of the next payload byte
 * @tx_acked:    every stream byte below it was acknowledged
 * @tx_right:    the peer's window: send no byte at or past it
 * @tx_msg_limit: the peer's message window: start no message past it
 * @tx_want:     bytes the sender waits to post (tx_mutex)
 * @tx_want_seq: message it waits to start, 0 when in the middle of one
 * @tx_pinned:   user pages pinned by this socket's frames in flight
 * @tx_posting:  the message the sender is posting, NULL between messages
 *               (tx_mutex); a void of it ends the sender's wait
 * @acceptor:    this side accepted the session (it sent ACCEPT)
 * @listen_hold: counted in the engine's listen_holds (under the socket
 *               lock)
 * @tx_notify:   MSGPIPE_NOTIFY: a completion for every message
 * @tx_err:      the error a reset session's messages complete with
 * @tx_purge_work: completes them after a reset
 * @tx_msgs:     struct msgpipe_txmsg not yet acknowledged, in order
 * @rx_msgs:     struct msgpipe_rxmsg, oldest first
 * @rx_ooo:      chunks and voids that arrived ahead of @rx_stream
 * @rx_queued:   payload bytes held, in order or not
 * @rx_unread:   bytes received in order and not yet read
 * @rx_stream:   every stream byte below it arrived
 * @rx_right:    the right edge of our window, never moved back
 * @rx_adv_right: the right edge last advertised
 * @rx_adv_msgs: the message limit last advertised
 * @rx_acked:    @rx_stream as of the last acknowledgment
 * @rx_delack:   acknowledges data no rule acknowledged yet, at most
 *               MSGPIPE_DELACK_MS after it came (holds a socket reference)
 * @rx_next_seq: sequence number the next new message must have
 * @rx_msgs_done: messages read whole or voided
 * @rx_skip:     a MSG_TRUNC read took the head message's length: what is
 *               left of it is dropped as it comes (rx_mutex)
 * @peer_fin:    the peer sent FIN
 * @rx_fin_stream: the stream position its FIN named: data ends there
 * @accept_q:    listener: sessions waiting for accept()
 * @accept_len:  entries in @accept_q
 * @accept_node: child: in the listener's @accept_q
 * @rdm:         SOCK_RDM: everything the socket sends and receives
 * @ioc:         the ioctl interface's regions and completions, or NULL
 */
struct msgpipe_sock {
	struct sock		sk;
	struct msgpipe_net	*mn;
	spinlock_t		lock;		/* see @lock */
	enum msgpipe_session_state state;
	u32			local_id;
	u32			remote_id;
	u16			port;
	struct sockaddr_msgpipe	peer;
	struct msgpipe_pipe	*pipe;
	struct list_head	pipe_node;
	struct mutex		tx_mutex;	/* see @tx_mutex */
	struct mutex		tx_lock;	/* see @tx_lock */
	struct mutex		rx_mutex;	/* see @rx_mutex */
	u64			tx_seq;
	u64			tx_stream;
	u64			tx_acked;
	u64			tx_right;
	u64			tx_msg_limit;
	u32			tx_want;
	u64			tx_want_seq;
	atomic_t		tx_pinned;
	struct msgpipe_txmsg	*tx_posting;
	bool			acceptor;
	bool			listen_hold;
	bool			tx_notify;
	int			tx_err;
	struct work_struct	tx_purge_work;
	struct list_head	tx_msgs;
	struct list_head	rx_msgs;
	struct list_head	rx_ooo;
	u64			rx_queued;
	u64			rx_unread;
	u64			rx_stream;
	u64			rx_right;
	u64			rx_adv_right;
	u64			rx_adv_msgs;
	u64			rx_acked;
	struct delayed_work	rx_delack;
	u64			rx_next_seq;
	u64			rx_msgs_done;
	bool			rx_skip;
	bool			peer_fin;
	u64			rx_fin_stream;
	struct list_head	accept_q;
	unsigned int		accept_len;
	struct list_head	accept_node;
	struct msgpipe_rdm	*rdm;
	struct msgpipe_ioc	*ioc;
};

static inline struct msgpipe_sock *msgpipe_sk(const struct sock *sk)
{
	return (struct msgpipe_sock *)sk;
}

/* The peer sent FIN and every byte before it arrived. Under msk->lock. */
static inline bool msgpipe_rx_ended(const struct msgpipe_sock *msk)
{
	return msk->peer_fin && msk->rx_stream >= msk->rx_fin_stream;
}

int msgpipe_wait(struct sock *sk, long *timeo, unsigned int state,
		 bool (*cond)(struct msgpipe_sock *msk));

/* engine.c */
struct msgpipe_net *msgpipe_net(const struct net *net);
void msgpipe_accept_work(struct work_struct *work);
void msgpipe_listen_work(struct work_struct *work);
int msgpipe_listen_hold(struct msgpipe_sock *msk);
void msgpipe_listen_unhold(struct msgpipe_sock *msk);
void msgpipe_listen_check(struct msgpipe_net *mn);
int msgpipe_listen_set(struct msgpipe_net *mn, u8 mode,
		       struct netlink_ext_ack *extack);
void msgpipe_listen_stop(struct msgpipe_net *mn);
int msgpipe_engine_init(void);
void msgpipe_engine_exit(void);
int msgpipe_sid_alloc(struct msgpipe_net *mn, struct msgpipe_sock *msk,
		      u32 *id);
struct msgpipe_sock *msgpipe_sid_lookup(struct msgpipe_net *mn, u32 sid);
struct msgpipe_sock *msgpipe_port_lookup(struct msgpipe_net *mn, u16 port);

/* agent.c */
int msgpipe_agent_attach(struct msgpipe_pipe *pipe);
void msgpipe_agent_release(struct msgpipe_pipe *pipe);
void msgpipe_agent_forget(struct msgpipe_pipe *pipe);
unsigned int msgpipe_agent_pipes(const struct msgpipe_agent *agent,
				 const struct msgpipe_net *mn);
int msgpipe_agent_walk(const char *name, long *pos,
		       int (*fn)(struct msgpipe_agent *agent, void *arg),
		       void *arg);
int msgpipe_agent_knob_set(const char *name, const char *knob, u64 val,
			   struct netlink_ext_ack *extack);

/* pipe.c */
int msgpipe_pipe_connect(struct msgpipe_net *mn,
			 const struct sockaddr_msgpipe *addr,
			 struct msgpipe_sock *msk);
struct msgpipe_pipe *msgpipe_pipe_open(struct msgpipe_net *mn,
				       const struct sockaddr_storage *peer,
				       u32 nconns, bool persist, u8 security);
struct msgpipe_pipe *msgpipe_pipe_accept(struct msgpipe_net *mn,
					 const struct sockaddr_storage *peer,
					 u64 token, u32 nconns, u8 security);
void msgpipe_pipe_fail(struct msgpipe_pipe *pipe, int err);
bool msgpipe_addr_same_host(const struct sockaddr_storage *a,
			    const struct sockaddr_storage *b);
void msgpipe_pipe_put(struct msgpipe_pipe *pipe);
void msgpipe_pipe_set_keep(struct msgpipe_pipe *pipe, bool keep);
void msgpipe_pipe_peer_addr(const struct msgpipe_pipe *pipe, u16 port,
			    struct sockaddr_msgpipe *a);
struct msgpipe_pipe *msgpipe_pipe_use(struct msgpipe_net *mn,
				      const struct sockaddr_msgpipe *addr);
void msgpipe_pipe_unuse(struct msgpipe_pipe *pipe);
void msgpipe_pipe_totals(struct msgpipe_pipe *pipe,
			 struct msgpipe_conn_info *sum);
int msgpipe_pipe_post(struct msgpipe_pipe *pipe, struct msgpipe_tx *tx);
void msgpipe_pipe_forget(struct msgpipe_pipe *pipe, u32 sid);
int msgpipe_pipe_session_add(struct msgpipe_pipe *pipe,
			     struct msgpipe_sock *msk);
void msgpipe_pipe_session_del(struct msgpipe_sock *msk);
void msgpipe_pipe_detach(struct msgpipe_pipe *pipe, bool graceful);
void msgpipe_pipes_shutdown(struct msgpipe_net *mn);

/* dial.c */
struct socket *msgpipe_dial(struct msgpipe_pipe *pipe, u32 idx, bool join,
			    bool *known);
int msgpipe_hello_send(struct socket *sock, u64 token, bool join, u32 idx,
		       u32 nconns, u8 security);
int msgpipe_hello_recv(struct socket *sock, struct msgpipe_frame *f);
int msgpipe_pipe_conn_attach(struct msgpipe_pipe *pipe, u32 idx,
			     struct socket *tcp);
int msgpipe_pipe_conn_init(struct msgpipe_pipe *pipe);
void msgpipe_pipe_conn_free(struct msgpipe_pipe *pipe);
void msgpipe_pipe_dial_rest(struct msgpipe_pipe *pipe);
void msgpipe_hello_queue(struct msgpipe_net *mn, struct socket *tcp);
u64 msgpipe_pipe_new_token(void);

/* netlink.c */
extern struct genl_family msgpipe_nl_family;
bool msgpipe_nl_missing(struct genl_info *info, int attr, const char *msg);
int msgpipe_nl_init(void);
void msgpipe_nl_exit(void);
void msgpipe_nl_pipe_event(struct msgpipe_pipe *pipe);
void msgpipe_nl_conn_event(struct msgpipe_pipe *pipe, u32 idx);
void msgpipe_nl_session_event(struct msgpipe_sock *msk);
int msgpipe_nl_put_peer(struct sk_buff *skb,
			const struct sockaddr_storage *ss);
bool msgpipe_nl_has_listeners(struct net *net, bool handshake);
int msgpipe_nl_multicast(struct net *net, struct sk_buff *msg,
			 bool handshake);

/* hs.c */
int msgpipe_hs_run(struct msgpipe_pipe *pipe, u32 idx, struct socket *tcp,
		   u8 role);
int msgpipe_nl_hs_accept(struct sk_buff *skb, struct genl_info *info);
int msgpipe_nl_hs_done(struct sk_buff *skb, struct genl_info *info);

/* nl_agent.c */
int msgpipe_nl_agent_get_doit(struct sk_buff *skb, struct genl_info *info);
int msgpipe_nl_agent_get_dump(struct sk_buff *skb,
			      struct netlink_callback *cb);
int msgpipe_nl_agent_set(struct sk_buff *skb, struct genl_info *info);

/* session.c */
void msgpipe_session_resync(struct msgpipe_sock *msk,
			    struct msgpipe_pipe *pipe);
void msgpipe_session_refuse(struct msgpipe_pipe *pipe, u32 dst, int err);
int msgpipe_session_rx(struct msgpipe_pipe *pipe,
		       const struct msgpipe_frame *f,
		       struct msgpipe_rxbuf *buf);
void msgpipe_session_reset(struct msgpipe_sock *msk, int err);
void msgpipe_session_purge_work(struct work_struct *work);
void msgpipe_sk_wake(struct sock *sk);

/* rxbuf.c */
const void *msgpipe_rxbuf_view(const struct msgpipe_rxbuf *buf, void **copy);

/* rx.c */
void msgpipe_rx_window_init(struct msgpipe_sock *msk, struct msgpipe_frame *f);
void msgpipe_rx_ack(struct msgpipe_sock *msk);
void msgpipe_rx_delack_work(struct work_struct *work);
int msgpipe_rx_data(struct msgpipe_sock *msk, const struct msgpipe_frame *f,
		    struct msgpipe_rxbuf *buf);
void msgpipe_rxmsg_free(struct msgpipe_rxmsg *m);
void msgpipe_rxchunk_free(struct msgpipe_rxchunk *c);
void msgpipe_rx_purge(struct msgpipe_sock *msk);

/* rx_read.c */
int msgpipe_session_recvmsg(struct msgpipe_sock *msk, struct msghdr *msg,
			    size_t len, int flags);

/* txbuf.c */
struct msgpipe_txbuf *msgpipe_txbuf_alloc(struct msgpipe_net *mn,
					  struct msgpipe_sock *msk,
					  unsigned int nr_desc,
					  unsigned int nr_pages);
void msgpipe_txbuf_free(struct msgpipe_txbuf *txb);
int msgpipe_tx_ctrl(struct msgpipe_sock *msk, struct msgpipe_pipe *pipe,
		    const struct msgpipe_frame *f,
		    const struct msgpipe_range *r, unsigned int n);
int msgpipe_session_send_ctrl(struct msgpipe_sock *msk,
			      struct msgpipe_pipe *pipe, u8 type, u16 flags);
int msgpipe_tx_void(struct msgpipe_sock *msk, struct msgpipe_txmsg *m);
void msgpipe_tx_void_msg(struct msgpipe_sock *msk, struct msgpipe_txmsg *m,
			 int err);
void msgpipe_session_tx_done(struct msgpipe_tx *tx);

/* tx.c */
void msgpipe_txchunk_free(struct msgpipe_net *mn, struct msgpipe_txchunk *c);
void msgpipe_txmsg_put(struct msgpipe_txmsg *m);
void msgpipe_txmsg_trim(struct msgpipe_txmsg *m, u64 upto);
int msgpipe_tx_post_chunk(struct msgpipe_sock *msk, struct msgpipe_txmsg *m,
			  struct msgpipe_txchunk *c, bool retx);
int msgpipe_session_sendmsg(struct msgpipe_sock *msk, struct msghdr *msg,
			    size_t len);
int msgpipe_session_send(struct msgpipe_sock *msk, struct msghdr *msg,
			 size_t len, struct msgpipe_send_src *src);

/* ioctl.c */
int msgpipe_ioc_ioctl(struct socket *sock, unsigned int cmd,
		      unsigned long arg);
int msgpipe_ioc_compat_ioctl(struct socket *sock, unsigned int cmd,
			     unsigned long arg);
void msgpipe_ioc_complete(struct msgpipe_sock *msk, struct msgpipe_txmsg *m);
void msgpipe_ioc_done_free(struct msgpipe_ioc_done *d);
void msgpipe_ioc_release(struct msgpipe_sock *msk);
void msgpipe_ioc_destruct(struct msgpipe_sock *msk);

/* complete.c */
void msgpipe_tx_purge(struct msgpipe_sock *msk, int err);
void msgpipe_session_cqe(struct msgpipe_pipe *pipe,
			 const struct msgpipe_cqe *cqe);
int msgpipe_session_errqueue(struct msgpipe_sock *msk, struct msghdr *msg,
			     size_t len);

/* pin.c */
void msgpipe_pin_owner_init(struct msgpipe_pin_owner *po);
void msgpipe_pin_owner_release(struct msgpipe_pin_owner *po);
bool msgpipe_pin_room(struct msgpipe_net *mn, unsigned int n);
bool msgpipe_pin_memlock_room(const struct msgpipe_pin_owner *po,
			      unsigned int n);
int msgpipe_pin_region(struct msgpipe_net *mn, struct msgpipe_pin_owner *po,
		       u64 addr, unsigned int n, struct page **pages);
void msgpipe_unpin_region(struct msgpipe_net *mn, struct msgpipe_pin_owner *po,
			  struct page **pages, unsigned int n);
int msgpipe_pin_range(struct msgpipe_net *mn, struct msgpipe_pin_owner *po,
		      u64 addr, u32 len, struct page **pages, bool remote);
void msgpipe_unpin(struct msgpipe_net *mn, struct msgpipe_pin_owner *po,
		   struct page **pages, unsigned int n);
u32 msgpipe_pages_crc(u32 crc, struct page **pages, u32 off, u32 len);

/* af.c */
int msgpipe_af_bind(struct socket *sock, struct sockaddr *uaddr, int len);
void msgpipe_sock_unbind(struct msgpipe_sock *msk);
int msgpipe_af_init(void);
void msgpipe_af_exit(void);
struct msgpipe_sock *msgpipe_sock_alloc(struct net *net, struct socket *sock,
					int kern);
void msgpipe_sock_close(struct msgpipe_sock *msk);

#endif /* _MSGPIPE_MSGPIPE_H */
