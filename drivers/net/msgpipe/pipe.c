// SPDX-License-Identifier: GPL-2.0
/*
 * Pipes: the TCP connections from this host to one peer, shared by every
 * session to that peer, and the upcalls through which the agent hands
 * received frames and completions back.
 *
 * Lifetime: a pipe is reference counted. The engine's list of live pipes
 * holds one reference, each session holds one. When a pipe fails (the agent
 * reports it down, or its agent unregisters) its sessions are reset and it
 * leaves the list; an outbound pipe also leaves it when its last session
 * goes. The last reference queues destroy_work, which destroys the agent
 * half (waiting for the agent's threads) and frees the pipe; it never runs
 * in an agent upcall, where waiting for the agent would deadlock.
 *
 * Locking: mn->lock (mutex) orders list membership and session attachment
 * against idle closing; pipe->lock (spinlock) protects state, the agent half
 * and the session list, and is held around post(), doorbell() and forget() so the
 * agent half cannot be destroyed under them. Order: mn->lock, pipe->lock,
 * msk->lock.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/module.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/ipv6.h>
#include <net/tcp.h>
#include "msgpipe.h"
#include "stats.h"

static atomic_t msgpipe_pipe_ids = ATOMIC_INIT(0);

static void msgpipe_pipe_destroy_work(struct work_struct *work);

static struct msgpipe_pipe *msgpipe_pipe_alloc(struct msgpipe_net *mn,
					       const struct sockaddr_storage *peer,
					       bool inbound, u64 token,
					       u32 nconns)
{
	struct msgpipe_pipe *pipe;

	pipe = kzalloc(sizeof(*pipe), GFP_KERNEL);
	if (!pipe)
		return NULL;
	pipe->nconns = nconns;
	if (msgpipe_pipe_conn_init(pipe)) {
		kfree(pipe);
		return NULL;
	}
	pipe->mn = mn;
	INIT_LIST_HEAD(&pipe->node);
	INIT_LIST_HEAD(&pipe->all_node);
	refcount_set(&pipe->refs, 1);
	spin_lock_init(&pipe->lock);
	pipe->state = MSGPIPE_PIPE_UP;
	INIT_LIST_HEAD(&pipe->sessions);
	INIT_LIST_HEAD(&pipe->backlog);
	pipe->throttle_until = jiffies;
	pipe->inbound = inbound;
	pipe->peer = *peer;
	pipe->id = atomic_inc_return(&msgpipe_pipe_ids);
	pipe->token = token;
	INIT_WORK(&pipe->destroy_work, msgpipe_pipe_destroy_work);
	atomic_inc(&mn->nr_pipes);
	msgpipe_stat_inc(mn, MSGPIPE_STAT_PIPES);
	return pipe;
}

static void msgpipe_pipe_free(struct msgpipe_pipe *pipe)
{
	struct msgpipe_net *mn = pipe->mn;

	WARN_ON_ONCE(!list_empty(&pipe->sessions));
	msgpipe_agent_forget(pipe);
	msgpipe_pipe_conn_free(pipe);
	msgpipe_stat_dec(pipe->mn, MSGPIPE_STAT_PIPES);
	if (pipe->inbound)
		msgpipe_listen_check(mn);
	kfree(pipe);
	if (atomic_dec_and_test(&mn->nr_pipes))
		wake_up_all(&mn->pipes_wq);
}

/**
 * msgpipe_pipe_fail() - reset a pipe's sessions, take it off the list
 * @pipe: the pipe
 * @err:  what the sessions see
 */
void msgpipe_pipe_fail(struct msgpipe_pipe *pipe, int err)
{
	struct msgpipe_net *mn = pipe->mn;
	bool listed = false, failed = false;
	struct msgpipe_sock *msk;

	spin_lock(&pipe->lock);
	if (!pipe->err) {
		pipe->err = err;
		pipe->state = MSGPIPE_PIPE_DOWN;
		list_for_each_entry(msk, &pipe->sessions, pipe_node)
			msgpipe_session_reset(msk, err);
		failed = true;
	}
	spin_unlock(&pipe->lock);
	if (failed)
		msgpipe_nl_pipe_event(pipe);

	mutex_lock(&mn->lock);
	if (!list_empty(&pipe->node)) {
		list_del_init(&pipe->node);
		listed = true;
	}
	mutex_unlock(&mn->lock);
	if (listed)
		msgpipe_pipe_put(pipe);
}

/**
 * msgpipe_pipe_detach() - destroy the agent half of a pipe
 * @pipe:     the pipe; the caller holds a reference
 * @graceful: let the agent send what was posted first
 *
 * Sessions still on the pipe are reset with ENETDOWN. Must not be called
 * from an agent upcall. Safe to call more than once.
 */
void msgpipe_pipe_detach(struct msgpipe_pipe *pipe, bool graceful)
{
	struct msgpipe_tx *tx, *tmp;
	struct msgpipe_apipe *ap;
	LIST_HEAD(backlog);

	msgpipe_pipe_fail(pipe, -ENETDOWN);
	spin_lock(&pipe->lock);
	ap = pipe->apipe;
	WRITE_ONCE(pipe->apipe, NULL);
	list_splice_init(&pipe->backlog, &backlog);
	spin_unlock(&pipe->lock);
	/* Frames that never reached the ring complete here, unsent. */
	list_for_each_entry_safe(tx, tmp, &backlog, node) {
		list_del(&tx->node);
		tx->status = -ECONNABORTED;
		msgpipe_session_tx_done(tx);
	}
	if (!ap)
		return;
	mutex_lock(&pipe->conn_lock);
	ap->agent->ops->pipe_destroy(ap, graceful);
	mutex_unlock(&pipe->conn_lock);
	msgpipe_agent_release(pipe);
}

static void msgpipe_pipe_destroy_work(struct work_struct *work)
{
	struct msgpipe_pipe *pipe = container_of(work, struct msgpipe_pipe,
						 destroy_work);

	msgpipe_pipe_detach(pipe, true);
	msgpipe_pipe_free(pipe);
}

/**
 * msgpipe_pipe_put() - drop a reference; the last one destroys the pipe
 * @pipe: the pipe
 */
void msgpipe_pipe_put(struct msgpipe_pipe *pipe)
{
	if (refcount_dec_and_test(&pipe->refs))
		queue_work(msgpipe_wq, &pipe->destroy_work);
}

/* Called with mn->lock held. @msk NULL: a SOCK_RDM destination. */
static int msgpipe_pipe_session_attach(struct msgpipe_pipe *pipe,
				       struct msgpipe_sock *msk)
{
	int err = 0;

	spin_lock(&pipe->lock);
	if (pipe->state != MSGPIPE_PIPE_UP) {
		err = pipe->err ?: -ENOTCONN;
	} else {
		refcount_inc(&pipe->refs);
		pipe->nr_sessions++;
		if (msk) {
			list_add_tail(&msk->pipe_node, &pipe->sessions);
			msk->pipe = pipe;
		}
	}
	spin_unlock(&pipe->lock);
	return err;
}

/* An outbound pipe nobody uses or keeps leaves the engine's list; the
 * caller then drops the list's reference. Under mn->lock and pipe->lock.
 */
static bool msgpipe_pipe_unlist_idle(struct msgpipe_pipe *pipe)
{
	if (pipe->nr_sessions || pipe->inbound || pipe->persist ||
	    list_empty(&pipe->node))
		return false;
	list_del_init(&pipe->node);
	return true;
}

/* Drop a user of @pipe: a session (unlisted here) or, @msk NULL, a
 * SOCK_RDM destination.
 */
static void msgpipe_pipe_user_del(struct msgpipe_pipe *pipe,
				  struct msgpipe_sock *msk)
{
	struct msgpipe_net *mn = pipe->mn;
	bool unlist;

	mutex_lock(&mn->lock);
	spin_lock(&pipe->lock);
	if (msk)
		list_del_init(&msk->pipe_node);
	pipe->nr_sessions--;
	unlist = msgpipe_pipe_unlist_idle(pipe);
	spin_unlock(&pipe->lock);
	mutex_unlock(&mn->lock);
	if (unlist)
		msgpipe_pipe_put(pipe);
	msgpipe_pipe_put(pipe);
}

/**
 * msgpipe_pipe_session_add() - bind a session to a pipe
 * @pipe: the pipe a SYNC arrived on
 * @msk:  the new destination-side session
 *
 * Return: 0 or the error the pipe failed with.
 */
int msgpipe_pipe_session_add(struct msgpipe_pipe *pipe,
			     struct msgpipe_sock *msk)
{
	int err;

	mutex_lock(&pipe->mn->lock);
	err = msgpipe_pipe_session_attach(pipe, msk);
	mutex_unlock(&pipe->mn->lock);
	return err;
}

/**
 * msgpipe_pipe_session_del() - unbind a session from its pipe
 * @msk: the session
 *
 * An outbound pipe left without sessions is closed gracefully.
 */
void msgpipe_pipe_session_del(struct msgpipe_sock *msk)
{
	struct msgpipe_pipe *pipe = msk->pipe;

	if (!pipe)
		return;
	msgpipe_pipe_user_del(pipe, msk);
	msk->pipe = NULL;
}

/**
 * msgpipe_pipe_set_keep() - whether an outbound pipe outlives its sessions
 * @pipe: the pipe; the caller holds a reference
 * @keep: keep it open without sessions
 *
 * A pipe no longer kept and without sessions is closed now, gracefully.
 */
void msgpipe_pipe_set_keep(struct msgpipe_pipe *pipe, bool keep)
{
	struct msgpipe_net *mn = pipe->mn;
	bool unlist;

	mutex_lock(&mn->lock);
	spin_lock(&pipe->lock);
	pipe->persist = keep;
	unlist = msgpipe_pipe_unlist_idle(pipe);
	spin_unlock(&pipe->lock);
	mutex_unlock(&mn->lock);
	if (unlist)
		msgpipe_pipe_put(pipe);
}

/**
 * msgpipe_pipe_totals() - the pipe's counters: sums over its connections
 * @pipe: the pipe, its lock held (the agent's conn_info() does not sleep)
 * @sum:  zeroed by the caller; @sum->up is unused
 */
void msgpipe_pipe_totals(struct msgpipe_pipe *pipe,
			 struct msgpipe_conn_info *sum)
{
	struct msgpipe_apipe *ap = pipe->apipe;
	struct msgpipe_conn_info ci;
	u32 i;

	lockdep_assert_held(&pipe->lock);
	if (!ap)
		return;
	for (i = 0; i < pipe->nconns; i++) {
		memset(&ci, 0, sizeof(ci));
		if (ap->agent->ops->conn_info(ap, i, &ci))
			continue;
		sum->failures += ci.failures;
		sum->tx_frames += ci.tx_frames;
		sum->tx_bytes += ci.tx_bytes;
		sum->retransmits += ci.retransmits;
		sum->rx_frames += ci.rx_frames;
		sum->rx_bytes += ci.rx_bytes;
	}
}

/**
 * msgpipe_addr_same_host() - do two socket addresses name the same host
 * @a: an AF_INET or AF_INET6 address
 * @b: another
 *
 * Return: true when family, address (and IPv6 scope) match; ports may not.
 */
bool msgpipe_addr_same_host(const struct sockaddr_storage *a,
			    const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return false;
	if (a->ss_family == AF_INET)
		return ((const struct sockaddr_in *)a)->sin_addr.s_addr ==
		       ((const struct sockaddr_in *)b)->sin_addr.s_addr;
	return ipv6_addr_equal(&((const struct sockaddr_in6 *)a)->sin6_addr,
			       &((const struct sockaddr_in6 *)b)->sin6_addr) &&
	       ((const struct sockaddr_in6 *)a)->sin6_scope_id ==
	       ((const struct sockaddr_in6 *)b)->sin6_scope_id;
}

/* Called with mn->lock held. */
static struct msgpipe_pipe *msgpipe_pipe_find(struct msgpipe_net *mn,
					      const struct sockaddr_storage *peer)
{
	struct msgpipe_pipe *pipe;

	list_for_each_entry(pipe, &mn->pipes, node)
		if (!pipe->inbound && pipe->state == MSGPIPE_PIPE_UP &&
		    msgpipe_addr_same_host(&pipe->peer, peer) &&
		    /* sin_port and sin6_port share their offset */
		    ((struct sockaddr_in *)&pipe->peer)->sin_port ==
		    ((const struct sockaddr_in *)peer)->sin_port)
			return pipe;
	return NULL;
}

/**
 * msgpipe_pipe_peer_addr() - the peer host of a pipe as a socket address
 * @pipe: the pipe
 * @port: the service port to put in it
 * @a:    filled in
 */
void msgpipe_pipe_peer_addr(const struct msgpipe_pipe *pipe, u16 port,
			    struct sockaddr_msgpipe *a)
{
	memset(a, 0, sizeof(*a));
	a->smp_family = msgpipe_family;
	a->smp_port = port;
	if (pipe->peer.ss_family == AF_INET) {
		const struct sockaddr_in *in = (const void *)&pipe->peer;

		a->smp_af = AF_INET;
		memcpy(a->smp_addr, &in->sin_addr, 4);
	} else if (ipv6_addr_v4mapped(&((const struct sockaddr_in6 *)
					&pipe->peer)->sin6_addr)) {
		/* The engine listens on [::]: IPv4 peers come mapped. */
		const struct sockaddr_in6 *in6 = (const void *)&pipe->peer;

		a->smp_af = AF_INET;
		memcpy(a->smp_addr, &in6->sin6_addr.s6_addr32[3], 4);
	} else {
		const struct sockaddr_in6 *in6 = (const void *)&pipe->peer;

		a->smp_af = AF_INET6;
		a->smp_scope_id = in6->sin6_scope_id;
		memcpy(a->smp_addr, &in6->sin6_addr, 16);
	}
}

static int msgpipe_addr_to_tcp(const struct sockaddr_msgpipe *a, u16 port,
			       struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (a->smp_af == AF_INET) {
		struct sockaddr_in *sin = (void *)ss;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		memcpy(&sin->sin_addr, a->smp_addr, 4);
		return sizeof(*sin);
	}
	if (a->smp_af == AF_INET6) {
		struct sockaddr_in6 *sin6 = (void *)ss;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		memcpy(&sin6->sin6_addr, a->smp_addr, 16);
		sin6->sin6_scope_id = a->smp_scope_id;
		return sizeof(*sin6);
	}
	return -EAFNOSUPPORT;
}

/* Give a new pipe its agent half and put it on the engine's list; on
 * failure tear it down. Return: 0 or -errno.
 */
static int msgpipe_pipe_publish(struct msgpipe_pipe *pipe)
{
	struct msgpipe_net *mn = pipe->mn;
	int err;

	err = msgpipe_agent_attach(pipe);
	if (!err) {
		mutex_lock(&mn->lock);
		if (mn->exiting)
			err = -ENETDOWN;
		else
			list_add_tail(&pipe->node, &mn->pipes);
		mutex_unlock(&mn->lock);
	}
	if (!err)
		msgpipe_nl_pipe_event(pipe);
	if (err) {
		msgpipe_pipe_detach(pipe, false);
		msgpipe_pipe_put(pipe);
	}
	return err;
}

/**
 * msgpipe_pipe_open() - open a new outbound pipe to @peer
 * @mn:      engine
 * @peer:    the peer's engine listener
 * @nconns:  its connections, 1..MSGPIPE_PIPE_CONNS_MAX
 * @persist: stays open without sessions (created over netlink)
 * @security: MSGPIPE_SECURITY_*: a TLS handshake on each connection
 *
 * Dials the first connection (a blocking TCP connect) and the others in
 * the background.
 *
 * Return: the pipe, on the engine's list, with a reference for the
 * caller; or ERR_PTR (ECONNREFUSED when the peer has no msgpipe
 * listener, ENETDOWN without an agent, EPERM for @security none where
 * the namespace requires security, or the handshake's errors:
 * msgpipe_hs_run()).
 */
struct msgpipe_pipe *msgpipe_pipe_open(struct msgpipe_net *mn,
				       const struct sockaddr_storage *peer,
				       u32 nconns, bool persist, u8 security)
{
	struct msgpipe_pipe *pipe;
	bool known = false;
	struct socket *tcp;
	int err;

	pipe = msgpipe_pipe_alloc(mn, peer, false, msgpipe_pipe_new_token(),
				  nconns);
	if (!pipe)
		return ERR_PTR(-ENOMEM);
	pipe->persist = persist;
	pipe->security = security;
	if (mn->require_security && security == MSGPIPE_SECURITY_NONE) {
		msgpipe_pipe_put(pipe);
		return ERR_PTR(-EPERM);
	}
	tcp = msgpipe_dial(pipe, 0, false, &known);
	if (IS_ERR(tcp)) {
		msgpipe_pipe_put(pipe);
		return ERR_CAST(tcp);
	}
	err = msgpipe_pipe_publish(pipe);
	if (err) {
		msgpipe_conn_release(tcp);
		return ERR_PTR(err);
	}
	refcount_inc(&pipe->refs);
	/* Published first: a slot lost from here on is redialed. */
	pipe->conns[0].state = MSGPIPE_CONN_CONNECTING;
	err = msgpipe_pipe_conn_attach(pipe, 0, tcp);
	if (err) {
		msgpipe_pipe_fail(pipe, err);
		msgpipe_pipe_put(pipe);
		return ERR_PTR(err);
	}
	msgpipe_pipe_dial_rest(pipe);
	return pipe;
}

/**
 * msgpipe_pipe_connect() - bind a session to the pipe to @addr's host
 * @mn:   engine
 * @addr: the destination (validated by the caller)
 * @msk:  the session
 *
 * Reuses a live outbound pipe to the same host or opens a new one of the
 * namespace's default size.
 *
 * Return: 0 with @msk->pipe set, or -errno (see msgpipe_pipe_open()).
 */
int msgpipe_pipe_connect(struct msgpipe_net *mn,
			 const struct sockaddr_msgpipe *addr,
			 struct msgpipe_sock *msk)
{
	struct sockaddr_storage peer;
	struct msgpipe_pipe *pipe;
	int len, err;

	len = msgpipe_addr_to_tcp(addr, mn->tcp_port, &peer);
	if (len < 0)
		return len;

	mutex_lock(&mn->lock);
	pipe = msgpipe_pipe_find(mn, &peer);
	err = pipe ? msgpipe_pipe_session_attach(pipe, msk) : -ENOENT;
	mutex_unlock(&mn->lock);
	if (err != -ENOENT)
		return err;

	pipe = msgpipe_pipe_open(mn, &peer, READ_ONCE(mn->pipe_conns), false,
				 READ_ONCE(mn->security));
	if (IS_ERR(pipe))
		return PTR_ERR(pipe);
	mutex_lock(&mn->lock);
	err = msgpipe_pipe_session_attach(pipe, msk);
	mutex_unlock(&mn->lock);
	msgpipe_pipe_put(pipe);
	return err;
}

/**
 * msgpipe_pipe_use() - the pipe to @addr's host, for a SOCK_RDM destination
 * @mn:   engine
 * @addr: the destination (validated by the caller)
 *
 * Like msgpipe_pipe_connect() without a session: the pipe counts the
 * caller as a user and stays open until msgpipe_pipe_unuse(). May sleep
 * in a TCP connect.
 *
 * Return: the pipe with a reference for the caller, or ERR_PTR.
 */
struct msgpipe_pipe *msgpipe_pipe_use(struct msgpipe_net *mn,
				      const struct sockaddr_msgpipe *addr)
{
	struct sockaddr_storage peer;
	struct msgpipe_pipe *pipe;
	int len, err;

	len = msgpipe_addr_to_tcp(addr, mn->tcp_port, &peer);
	if (len < 0)
		return ERR_PTR(len);

	mutex_lock(&mn->lock);
	pipe = msgpipe_pipe_find(mn, &peer);
	err = pipe ? msgpipe_pipe_session_attach(pipe, NULL) : -ENOENT;
	mutex_unlock(&mn->lock);
	if (!err)
		return pipe;
	if (err != -ENOENT)
		return ERR_PTR(err);

	pipe = msgpipe_pipe_open(mn, &peer, READ_ONCE(mn->pipe_conns), false,
				 READ_ONCE(mn->security));
	if (IS_ERR(pipe))
		return pipe;
	mutex_lock(&mn->lock);
	err = msgpipe_pipe_session_attach(pipe, NULL);
	mutex_unlock(&mn->lock);
	msgpipe_pipe_put(pipe);
	return err ? ERR_PTR(err) : pipe;
}

/**
 * msgpipe_pipe_unuse() - a SOCK_RDM destination is done with a pipe
 * @pipe: from msgpipe_pipe_use(); its reference is dropped
 *
 * An outbound pipe left without users is closed gracefully.
 */
void msgpipe_pipe_unuse(struct msgpipe_pipe *pipe)
{
	msgpipe_pipe_user_del(pipe, NULL);
}

/**
 * msgpipe_pipe_accept() - make an inbound pipe for a HELLO that starts one
 * @mn:     engine
 * @peer:   the dialer
 * @token:  the pipe's token from the HELLO
 * @nconns: its size from the HELLO
 * @security: its security from the HELLO
 *
 * Return: the pipe, published, with a reference for the caller, or
 * ERR_PTR.
 */
struct msgpipe_pipe *msgpipe_pipe_accept(struct msgpipe_net *mn,
					 const struct sockaddr_storage *peer,
					 u64 token, u32 nconns, u8 security)
{
	struct msgpipe_pipe *pipe;
	int err;

	pipe = msgpipe_pipe_alloc(mn, peer, true, token, nconns);
	if (!pipe)
		return ERR_PTR(-ENOMEM);
	pipe->security = security;
	err = msgpipe_pipe_publish(pipe);
	if (err)
		return ERR_PTR(err);
	refcount_inc(&pipe->refs);
	return pipe;
}

/**
 * msgpipe_pipe_post() - hand a frame to the agent
 * @pipe: the pipe
 * @tx:   the frame
 *
 * A frame goes into the agent's submission ring, or waits in the pipe's
 * backlog while the ring is full; frames keep their order either way.
 *
 * Return: 0, after which exactly one completion follows, or -errno when
 * the pipe is down (the caller still owns @tx).
 */
int msgpipe_pipe_post(struct msgpipe_pipe *pipe, struct msgpipe_tx *tx)
{
	struct msgpipe_apipe *ap;
	int err;

	/* A session closing meanwhile leaves a frame without ids: the peer
	 * would reset the connection for it, so it is not sent.
	 */
	err = msgpipe_wire_valid(&tx->frame);
	if (err) {
		msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_TX_INVALID);
		return err;
	}
	spin_lock(&pipe->lock);
	ap = pipe->apipe;
	if (pipe->state == MSGPIPE_PIPE_DOWN || !ap) {
		err = pipe->err ?: -ENOTCONN;
	} else if (pipe->posted >= pipe->agent->sq_depth ||
		   !list_empty(&pipe->backlog)) {
		list_add_tail(&tx->node, &pipe->backlog);
	} else {
		err = ap->agent->ops->post(ap, tx);
		if (!err) {
			pipe->posted++;
			ap->agent->ops->doorbell(ap);
		}
	}
	spin_unlock(&pipe->lock);
	return err;
}

/* A frame left the ring: move what the backlog holds into the room. */
static void msgpipe_pipe_refill(struct msgpipe_pipe *pipe, unsigned int done)
{
	struct msgpipe_apipe *ap;
	struct msgpipe_tx *tx;
	bool ring = false;
	LIST_HEAD(failed);

	spin_lock(&pipe->lock);
	pipe->posted -= done;
	ap = pipe->apipe;
	while (ap && pipe->posted < pipe->agent->sq_depth &&
	       (tx = list_first_entry_or_null(&pipe->backlog,
					      struct msgpipe_tx, node))) {
		list_del(&tx->node);
		if (ap->agent->ops->post(ap, tx)) {
			list_add_tail(&tx->node, &failed);
			continue;
		}
		pipe->posted++;
		ring = true;
	}
	if (ring)
		ap->agent->ops->doorbell(ap);
	spin_unlock(&pipe->lock);
	while ((tx = list_first_entry_or_null(&failed, struct msgpipe_tx,
					      node))) {
		list_del(&tx->node);
		tx->status = -ENOTCONN;
		msgpipe_session_tx_done(tx);
	}
}

/**
 * msgpipe_pipe_forget() - the agent may drop what it keeps for a session
 * @pipe: the pipe
 * @sid:  the local session id, no longer in use
 */
void msgpipe_pipe_forget(struct msgpipe_pipe *pipe, u32 sid)
{
	struct msgpipe_apipe *ap;

	spin_lock(&pipe->lock);
	ap = pipe->apipe;
	if (ap)
		ap->agent->ops->forget(ap, sid);
	spin_unlock(&pipe->lock);
}

/**
 * msgpipe_pipes_shutdown() - destroy every pipe of a namespace going away
 * @mn: engine
 *
 * Sleeps until all of them are freed.
 */
void msgpipe_pipes_shutdown(struct msgpipe_net *mn)
{
	struct msgpipe_pipe *pipe;

	mutex_lock(&mn->lock);
	mn->exiting = true;
	while ((pipe = list_first_entry_or_null(&mn->pipes,
						struct msgpipe_pipe, node))) {
		refcount_inc(&pipe->refs);
		mutex_unlock(&mn->lock);
		msgpipe_pipe_detach(pipe, false);
		msgpipe_pipe_put(pipe);
		mutex_lock(&mn->lock);
	}
	mutex_unlock(&mn->lock);
	wait_event(mn->pipes_wq, !atomic_read(&mn->nr_pipes));
}

/**
 * msgpipe_agent_pipe_down() - the agent reports that a pipe failed
 * @pipe: the host pipe
 * @err:  why (-ECONNRESET for a closed or broken connection, -EPROTO for
 *        a protocol violation)
 *
 * Every session on the pipe is reset. Callable from agent threads.
 */
void msgpipe_agent_pipe_down(struct msgpipe_pipe *pipe, int err)
{
	msgpipe_pipe_fail(pipe, err ?: -ECONNRESET);
}
EXPORT_SYMBOL_GPL(msgpipe_agent_pipe_down);

/**
 * msgpipe_agent_rx() - the agent hands up one received frame
 * @pipe: the host pipe it arrived on
 * @f:    the decoded, validated header
 * @buf:  the payload (@f->chunk_len bytes) or NULL; always consumed
 *
 * Process context.
 *
 * Return: 0, or -errno for a protocol violation, after which the agent
 * resets the connection.
 */
int msgpipe_agent_rx(struct msgpipe_pipe *pipe, const struct msgpipe_frame *f,
		     struct msgpipe_rxbuf *buf)
{
	int err;

	if (buf && buf->len != f->chunk_len) {
		msgpipe_rxbuf_free(buf);
		err = -EINVAL;
	} else {
		err = msgpipe_session_rx(pipe, f, buf);
	}
	if (err) {
		msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_PROTO_ERRORS);
		net_warn_ratelimited("msgpipe: pipe %u: bad %s frame (%d), resetting\n",
				     pipe->id, msgpipe_wire_type_name(f->type),
				     err);
	}
	return err;
}
EXPORT_SYMBOL_GPL(msgpipe_agent_rx);

/**
 * msgpipe_agent_complete() - the agent reports completions, in a batch
 * @pipe: the host pipe
 * @cqe:  the completions
 * @n:    how many
 *
 * Process context. TX_DONE for frames posted from the backlog are counted
 * here too, so the ring never overflows.
 */
void msgpipe_agent_complete(struct msgpipe_pipe *pipe,
			    struct msgpipe_cqe *cqe, unsigned int n)
{
	unsigned int i, done = 0;

	for (i = 0; i < n; i++) {
		switch (cqe[i].type) {
		case MSGPIPE_CQE_TX_DONE:
			cqe[i].tx->status = cqe[i].status;
			msgpipe_session_tx_done(cqe[i].tx);
			done++;
			break;
		case MSGPIPE_CQE_ERROR:
			if (!cqe[i].sid) {
				msgpipe_pipe_fail(pipe, cqe[i].status);
				break;
			}
			fallthrough;
		case MSGPIPE_CQE_ACKED:
		case MSGPIPE_CQE_NEED_PAGES:
			msgpipe_session_cqe(pipe, &cqe[i]);
			break;
		default:
			WARN_ON_ONCE(1);
			break;
		}
	}
	if (done)
		msgpipe_pipe_refill(pipe, done);
}
EXPORT_SYMBOL_GPL(msgpipe_agent_complete);
