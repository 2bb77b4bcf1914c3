/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Objects of the msgpipe host module: the per-netns engine, pipes and the
 * AF_MSGPIPE socket that carries one session.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_MSGPIPE_H
#define _MSGPIPE_MSGPIPE_H

#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/sched/signal.h>
#include <linux/socket.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <net/sock.h>
#include <msgpipe/agent.h>
#include <uapi/linux/msgpipe.h>
#include <msgpipe/compat.h>

extern int msgpipe_family;
extern struct workqueue_struct *msgpipe_wq;

/**
 * struct msgpipe_net - the engine: msgpipe state of one network namespace
 * @net:         the namespace
 * @lock:        serialises @pipes and the TCP listener's life
 * @pipes:       pipes of this namespace that are up (each holds a reference)
 * @nr_pipes:    pipes not yet destroyed, up or down
 * @pipes_wq:    woken when @nr_pipes drops
 * @listener:    kernel TCP socket accepting pipe connections, or NULL
 * @accept_work: accepts connections from @listener
 * @saved_data_ready: @listener's original callback
 * @sids:        session id -> struct msgpipe_sock (lookup takes a sock ref
 *               under the xarray lock)
 * @ports:       bound service port -> struct msgpipe_sock
 * @tcp_port:    TCP port of @listener and of peers' listeners
 * @exiting:     the namespace is going away; no new pipes
 */
struct msgpipe_net {
	struct net		*net;
	struct mutex		lock;		/* see @lock */
	struct list_head	pipes;
	atomic_t		nr_pipes;
	wait_queue_head_t	pipes_wq;
	struct socket		*listener;
	struct work_struct	accept_work;
	void			(*saved_data_ready)(struct sock *sk);
	struct xarray		sids;
	struct xarray		ports;
	u16			tcp_port;
	bool			exiting;
};

/**
 * enum msgpipe_pipe_state - life of a pipe
 * @MSGPIPE_PIPE_UP:   connections attached, sessions may use it
 * @MSGPIPE_PIPE_DOWN: failed or closing; posts are refused
 */
enum msgpipe_pipe_state {
	MSGPIPE_PIPE_UP,
	MSGPIPE_PIPE_DOWN,
};

/**
 * struct msgpipe_pipe - the connections from this host to one peer
 * @mn:          engine
 * @node:        in @mn->pipes while up
 * @all_node:    in the global list the agent registry walks
 * @refs:        sessions, the engine list and in-flight users
 * @lock:        protects @state, @apipe, @sessions, @nr_sessions
 * @state:       enum msgpipe_pipe_state
 * @err:         why it went down
 * @apipe:       the agent's half; NULL once detached
 * @agent:       the agent @apipe belongs to
 * @sessions:    sessions bound to this pipe
 * @nr_sessions: how many; an idle outbound pipe is closed
 * @inbound:     created by an accepted connection
 * @peer:        the peer's address (AF_INET or AF_INET6)
 * @id:          number for logs and counters
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
	u32			id;
	struct work_struct	destroy_work;
};

/**
 * enum msgpipe_session_state - seed 001's session states
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
 * struct msgpipe_rxmsg - a message being received
 * @node:     in the session's receive queue
 * @seq:      its sequence number
 * @total:    its length
 * @received: bytes arrived (always a prefix: chunks arrive in order)
 * @consumed: bytes read by the application
 * @chunks:   struct msgpipe_rxchunk, in offset order
 */
struct msgpipe_rxmsg {
	struct list_head	node;
	u64			seq;
	u64			total;
	u64			received;
	u64			consumed;
	struct list_head	chunks;
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
 * @rx_mutex:    one reader at a time
 * @tx_seq:      sequence number of the last message sent
 * @tx_queued:   bytes posted and not yet completed (bounded by sk_sndbuf)
 * @tx_stream:   stream sequence number of the next payload byte
 * @rx_msgs:     struct msgpipe_rxmsg, oldest first
 * @rx_queued:   bytes received and not yet read (bounded by sk_rcvbuf)
 * @rx_next_seq: sequence number the next new message must have
 * @rx_throttled: the pipe was asked to pause receiving for us
 * @peer_fin:    the peer sent FIN: end of data after @rx_msgs
 * @accept_q:    listener: sessions waiting for accept()
 * @accept_len:  entries in @accept_q
 * @accept_node: child: in the listener's @accept_q
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
	struct mutex		rx_mutex;	/* see @rx_mutex */
	u64			tx_seq;
	u64			tx_queued;
	u64			tx_stream;
	struct list_head	rx_msgs;
	u64			rx_queued;
	u64			rx_next_seq;
	bool			rx_throttled;
	bool			peer_fin;
	struct list_head	accept_q;
	unsigned int		accept_len;
	struct list_head	accept_node;
};

static inline struct msgpipe_sock *msgpipe_sk(const struct sock *sk)
{
	return (struct msgpipe_sock *)sk;
}

int msgpipe_wait(struct sock *sk, long *timeo, unsigned int state,
		 bool (*cond)(struct msgpipe_sock *msk));

/* engine.c */
struct msgpipe_net *msgpipe_net(const struct net *net);
int msgpipe_engine_listen(struct msgpipe_net *mn);
int msgpipe_engine_init(void);
void msgpipe_engine_exit(void);
struct msgpipe_sock *msgpipe_sid_lookup(struct msgpipe_net *mn, u32 sid);
struct msgpipe_sock *msgpipe_port_lookup(struct msgpipe_net *mn, u16 port);

/* agent.c */
int msgpipe_agent_attach(struct msgpipe_pipe *pipe);
void msgpipe_agent_release(struct msgpipe_pipe *pipe);
void msgpipe_agent_forget(struct msgpipe_pipe *pipe);

/* pipe.c */
int msgpipe_pipe_connect(struct msgpipe_net *mn,
			 const struct sockaddr_msgpipe *addr,
			 struct msgpipe_sock *msk);
int msgpipe_pipe_accept(struct msgpipe_net *mn, struct socket *tcp);
void msgpipe_pipe_put(struct msgpipe_pipe *pipe);
int msgpipe_pipe_post(struct msgpipe_pipe *pipe, struct msgpipe_tx *tx);
void msgpipe_pipe_rx_resume(struct msgpipe_pipe *pipe);
int msgpipe_pipe_session_add(struct msgpipe_pipe *pipe,
			     struct msgpipe_sock *msk);
void msgpipe_pipe_session_del(struct msgpipe_sock *msk);
void msgpipe_pipe_detach(struct msgpipe_pipe *pipe, bool graceful);
void msgpipe_pipes_shutdown(struct msgpipe_net *mn);

/* session.c */
int msgpipe_session_send_ctrl(struct msgpipe_sock *msk,
			      struct msgpipe_pipe *pipe, u8 type, u16 flags);
void msgpipe_session_refuse(struct msgpipe_pipe *pipe, u32 dst, int err);
int msgpipe_session_rx(struct msgpipe_pipe *pipe,
		       const struct msgpipe_frame *f,
		       struct msgpipe_rxbuf *buf);
void msgpipe_session_reset(struct msgpipe_sock *msk, int err);
void msgpipe_session_tx_done(struct msgpipe_tx *tx);
int msgpipe_session_sendmsg(struct msgpipe_sock *msk, struct msghdr *msg,
			    size_t len);
int msgpipe_session_recvmsg(struct msgpipe_sock *msk, struct msghdr *msg,
			    size_t len, int flags);
void msgpipe_session_purge(struct msgpipe_sock *msk);
void msgpipe_sk_wake(struct sock *sk);

/* af.c */
int msgpipe_af_init(void);
void msgpipe_af_exit(void);
struct msgpipe_sock *msgpipe_sock_alloc(struct net *net, struct socket *sock,
					int kern);
void msgpipe_sock_close(struct msgpipe_sock *msk);

#endif /* _MSGPIPE_MSGPIPE_H */
