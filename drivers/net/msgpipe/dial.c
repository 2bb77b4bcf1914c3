// SPDX-License-Identifier: GPL-2.0
/*
 * The connections of a pipe: the HELLO exchange that names the pipe and the
 * connection's slot on a new TCP connection, and keeping every slot
 * connected. The dialer dials slot 0 in connect() and the others in the
 * background, and redials a slot that broke with backoff; the acceptor
 * waits. While one connection lives the pipe carries on (the agent resends
 * what a broken one lost on the others); a pipe left without any is failed
 * after reconnect_ms. Each loss makes the sessions repeat the control
 * frames the broken connection may have lost.
 *
 * Lifetime: every queued dial, reconnect or resync work holds a pipe
 * reference; a connection waiting for its HELLO counts in mn->nr_pipes,
 * so the namespace waits for it, and in mn->nr_hellos, which is capped.
 * Until its HELLO is read, an accepted socket's sk_user_data points to its
 * struct msgpipe_hello; the work that reads it restores the callback under
 * sk_callback_lock before it frees it. pipe->conn_lock orders conn_attach()
 * against the destruction of the agent half; slot states change under
 * pipe->lock.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/module.h>
#include <linux/random.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/tcp.h>
#include "msgpipe.h"
#include "stats.h"

#define MSGPIPE_HELLO_TIMEOUT	(5 * HZ)
/* The dialer waits longer for the answer: the acceptor answers once it
 * made the pipe's agent half, and a host taking a burst of new pipes (a
 * SOCK_RDM sender opening a thousand) may take seconds to get to it.
 */
#define MSGPIPE_HELLO_ANSWER_TIMEOUT	(15 * HZ)
/* Connections of one namespace that may wait for their HELLO at once. */
#define MSGPIPE_HELLOS_MAX	1024

unsigned int msgpipe_reconnect_ms = 10000;
module_param_named(reconnect_ms, msgpipe_reconnect_ms, uint, 0644);
MODULE_PARM_DESC(reconnect_ms, "give a broken pipe this long to reconnect");

unsigned int msgpipe_dead_peer_ms = 15000;
module_param_named(dead_peer_ms, msgpipe_dead_peer_ms, uint, 0644);
MODULE_PARM_DESC(dead_peer_ms, "a connection silent this long is broken");

#define MSGPIPE_BACKOFF_MIN	(msecs_to_jiffies(10) ?: 1)

/* A peer that vanished without a word (its namespace deleted, a cable
 * pulled) must still break the connection: a session waiting for the
 * peer's window has nothing in flight, so neither the agent's timeouts nor
 * TCP's retransmissions would ever notice. Keepalive probes the idle
 * connection and the user timeout bounds both probes and retransmissions.
 * Probing scales with dead_peer_ms (a third of it idle, then fifteen
 * probes; 5 s and 1 s at the default): a host with thousands of idle
 * pipes, or a slow one given a long dead_peer_ms, is not kept busy
 * answering probes.
 */
static void msgpipe_conn_tune(struct sock *sk)
{
	unsigned int dead = clamp(READ_ONCE(msgpipe_dead_peer_ms), 1000U,
				  3600000U);
	unsigned int intvl = max(dead / 15000, 1U);

	tcp_sock_set_nodelay(sk);
	sock_set_keepalive(sk);
	tcp_sock_set_keepidle(sk, max(dead / 3000, 1U));
	tcp_sock_set_keepintvl(sk, intvl);
	tcp_sock_set_keepcnt(sk, clamp(dead / 1000 / intvl, 1U, 127U));
	tcp_sock_set_user_timeout(sk, dead);
}

/**
 * msgpipe_hello_send() - send a HELLO
 * @sock:     the connection
 * @token:    the pipe's token
 * @join:     msg_seq: joins a pipe (dialer), has it (acceptor)
 * @idx:      the connection's slot
 * @nconns:   the pipe's size
 * @security: the pipe's security
 *
 * Return: 0 or -errno.
 */
int msgpipe_hello_send(struct socket *sock, u64 token, bool join, u32 idx,
		       u32 nconns, u8 security)
{
	struct msgpipe_frame f = {
		.type = MSGPIPE_T_HELLO, .stream_seq = token, .msg_seq = join,
		.offset = idx, .total_len = nconns, .window = security,
	};
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct msgpipe_wire_hdr h;
	struct kvec iov = { &h, sizeof(h) };
	int ret;

	msgpipe_wire_encode(&f, &h);
	ret = kernel_sendmsg(sock, &msg, &iov, 1, sizeof(h));
	return ret == sizeof(h) ? 0 : ret < 0 ? ret : -EPIPE;
}

/**
 * msgpipe_hello_recv() - read a HELLO, waiting up to 15 s
 * @sock: the connection
 * @f:    the decoded frame
 *
 * Return: 0, or -errno (EPROTO: not a valid HELLO).
 */
int msgpipe_hello_recv(struct socket *sock, struct msgpipe_frame *f)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct msgpipe_wire_hdr h;
	struct kvec iov = { &h, sizeof(h) };
	int ret;

	WRITE_ONCE(sock->sk->sk_rcvtimeo, MSGPIPE_HELLO_ANSWER_TIMEOUT);
	ret = kernel_recvmsg(sock, &msg, &iov, 1, sizeof(h), MSG_WAITALL);
	WRITE_ONCE(sock->sk->sk_rcvtimeo, MAX_SCHEDULE_TIMEOUT);
	if (ret != sizeof(h))
		return ret < 0 ? ret : -ECONNRESET;
	ret = msgpipe_wire_decode(&h, sizeof(h), f);
	if (!ret && f->type != MSGPIPE_T_HELLO)
		ret = -EPROTO;
	return ret;
}

/**
 * msgpipe_dial() - open a connection of a pipe and say HELLO
 * @pipe:  the pipe (its peer, token and size)
 * @idx:   the connection's slot
 * @join:  the pipe exists already (every slot but the first of a new one)
 * @known: set to whether the peer has the pipe
 *
 * When the pipe has security and the peer has it, the connection's TLS
 * handshake follows the HELLOs (msgpipe_hs_run()).
 *
 * Return: the connected socket, or ERR_PTR (ECONNREFUSED: no msgpipe
 * there; ETIMEDOUT: no answer; the handshake's errors).
 */
struct socket *msgpipe_dial(struct msgpipe_pipe *pipe, u32 idx, bool join,
			    bool *known)
{
	const struct sockaddr_storage *peer = &pipe->peer;
	struct msgpipe_frame f;
	struct socket *tcp;
	int len, err;

	len = peer->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
					   sizeof(struct sockaddr_in6);
	err = sock_create_kern(pipe->mn->net, peer->ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &tcp);
	if (err)
		return ERR_PTR(err);
	tcp->sk->sk_sndtimeo = 10 * HZ;
	err = kernel_connect(tcp, (struct sockaddr *)peer, len, 0);
	if (err == -EINPROGRESS)
		err = -ETIMEDOUT;
	err = err ?: msgpipe_hello_send(tcp, pipe->token, join, idx,
					pipe->nconns, pipe->security);
	err = err ?: msgpipe_hello_recv(tcp, &f);
	if (!err && (f.stream_seq != pipe->token || f.offset != idx ||
		     f.total_len != pipe->nconns || f.window != pipe->security))
		err = -EPROTO;
	/* A send or receive timeout of the socket: no answer. */
	if (err == -EAGAIN)
		err = -ETIMEDOUT;
	if (err) {
		msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_DIAL_FAILURES);
		if (err == -ETIMEDOUT)
			msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_DIAL_TIMEOUTS);
		msgpipe_conn_release(tcp);
		return ERR_PTR(err);
	}
	tcp->sk->sk_sndtimeo = MAX_SCHEDULE_TIMEOUT;
	*known = f.msg_seq;
	/* A peer that forgot the pipe closes the connection: no handshake. */
	if (join && !*known)
		return tcp;
	err = msgpipe_hs_run(pipe, idx, tcp, MSGPIPE_HS_ROLE_CLIENT);
	return err ? ERR_PTR(err) : tcp;
}

/* Sessions repeat what a broken connection may have lost. */
static void msgpipe_pipe_resync_work(struct work_struct *work)
{
	struct msgpipe_pipe *pipe = container_of(work, struct msgpipe_pipe,
						 resync_work);
	struct msgpipe_sock **all, *msk;
	unsigned int i, n = 0;

	spin_lock(&pipe->lock);
	all = kmalloc_array(pipe->nr_sessions ?: 1, sizeof(*all), GFP_ATOMIC);
	if (all) {
		list_for_each_entry(msk, &pipe->sessions, pipe_node) {
			sock_hold(&msk->sk);
			all[n++] = msk;
		}
	}
	spin_unlock(&pipe->lock);
	for (i = 0; i < n; i++) {
		msgpipe_session_resync(all[i], pipe);
		sock_put(&all[i]->sk);
	}
	kfree(all);
	msgpipe_pipe_put(pipe);
}

/* Queue @dw with a pipe reference of its own. */
static void msgpipe_pipe_queue(struct msgpipe_pipe *pipe,
			       struct delayed_work *dw, unsigned long delay)
{
	refcount_inc(&pipe->refs);
	if (!queue_delayed_work(msgpipe_wq, dw, delay))
		msgpipe_pipe_put(pipe);
}

/* A slot lost its connection (its state is CONNECTING again). */
static void msgpipe_pconn_lost(struct msgpipe_pipe *pipe,
			       struct msgpipe_pconn *c, int err)
{
	bool fail = false, wait = false, resync = false;

	spin_lock(&pipe->lock);
	if (pipe->state == MSGPIPE_PIPE_DOWN) {
		spin_unlock(&pipe->lock);
		return;
	}
	c->err = err;
	c->backoff = MSGPIPE_BACKOFF_MIN;
	if (!pipe->live) {
		if ((!pipe->nr_sessions && !pipe->persist) ||
		    (pipe->inbound && err == -ESHUTDOWN)) {
			fail = true;
		} else if (pipe->state == MSGPIPE_PIPE_UP) {
			pipe->state = MSGPIPE_PIPE_RECONNECTING;
			pipe->deadline = jiffies +
				msecs_to_jiffies(READ_ONCE(msgpipe_reconnect_ms));
			wait = pipe->inbound;
		}
	}
	if (!fail && pipe->nr_sessions) {
		resync = true;
		refcount_inc(&pipe->refs);
	}
	spin_unlock(&pipe->lock);
	msgpipe_nl_conn_event(pipe, c->idx);
	if (fail) {
		msgpipe_pipe_fail(pipe, err == -ESHUTDOWN ? -ECONNRESET :
				  err ?: -ECONNRESET);
		return;
	}
	if (wait || (!pipe->inbound && !pipe->live))
		msgpipe_nl_pipe_event(pipe);
	msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_CONN_LOSSES);
	if (resync && !queue_work(msgpipe_wq, &pipe->resync_work))
		msgpipe_pipe_put(pipe);
	if (!pipe->inbound)
		msgpipe_pipe_queue(pipe, &c->dial_work, 0);
	else if (wait)
		msgpipe_pipe_queue(pipe, &pipe->reconnect_work,
				   pipe->deadline - jiffies);
}

/**
 * msgpipe_pipe_conn_attach() - give a slot of a pipe its connection
 * @pipe: the pipe; the caller holds a reference
 * @idx:  the slot, below @pipe->nconns
 * @tcp:  the connected socket, HELLO done; consumed
 *
 * A slot the host thought live is replaced (the peer redialed it).
 *
 * Return: 0 or -errno (the slot is then redialed or awaited).
 */
int msgpipe_pipe_conn_attach(struct msgpipe_pipe *pipe, u32 idx,
			     struct socket *tcp)
{
	bool again = false, back = false, recheck;
	struct msgpipe_pconn *c = &pipe->conns[idx];
	struct msgpipe_conn_info info;
	struct msgpipe_apipe *ap;
	int err = -ENETDOWN;

	msgpipe_conn_tune(tcp->sk);
	mutex_lock(&pipe->conn_lock);
	spin_lock(&pipe->lock);
	ap = pipe->state == MSGPIPE_PIPE_DOWN ? NULL : pipe->apipe;
	if (ap) {
		if (c->state == MSGPIPE_CONN_UP)
			pipe->live--;
		c->state = MSGPIPE_CONN_ATTACHING;
		c->lost = false;
	}
	spin_unlock(&pipe->lock);
	if (!ap) {
		msgpipe_conn_release(tcp);
		mutex_unlock(&pipe->conn_lock);
		return err;
	}
	err = ap->agent->ops->conn_attach(ap, idx, tcp);
	/* A report that came while the agent attached may be the replaced
	 * connection's, sent before the agent marked it replaced (a peer's
	 * RST read late by its receive thread while the peer redialed at
	 * once). Once conn_attach() returned no such report follows: the
	 * agent says whether the new one is up (conn_lock keeps @ap).
	 */
	spin_lock(&pipe->lock);
	recheck = !err && c->lost;
	c->lost = false;
	spin_unlock(&pipe->lock);
	if (recheck && (ap->agent->ops->conn_info(ap, idx, &info) || !info.up))
		err = c->err ?: -ECONNRESET;
	mutex_unlock(&pipe->conn_lock);

	spin_lock(&pipe->lock);
	/* The new connection may have broken before we got here. */
	if (!err && (c->lost || pipe->state == MSGPIPE_PIPE_DOWN))
		err = c->err ?: -ECONNRESET;
	if (err) {
		c->state = MSGPIPE_CONN_CONNECTING;
	} else {
		c->state = MSGPIPE_CONN_UP;
		again = c->attached++;
		pipe->live++;
		back = pipe->state == MSGPIPE_PIPE_RECONNECTING;
		if (back)
			pipe->state = MSGPIPE_PIPE_UP;
	}
	spin_unlock(&pipe->lock);
	if (err) {
		msgpipe_pconn_lost(pipe, c, err);
		return err;
	}
	msgpipe_nl_conn_event(pipe, idx);
	if (back)
		msgpipe_nl_pipe_event(pipe);
	if (again)
		msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RECONNECTS);
	return 0;
}

static void msgpipe_pconn_dial_work(struct work_struct *work)
{
	struct msgpipe_pconn *c = container_of(to_delayed_work(work),
					       struct msgpipe_pconn,
					       dial_work);
	struct msgpipe_pipe *pipe = c->pipe;
	enum msgpipe_pipe_state state;
	bool known = false, expired;
	struct socket *tcp;

	spin_lock(&pipe->lock);
	state = pipe->state;
	expired = !pipe->live && time_after(jiffies, pipe->deadline);
	spin_unlock(&pipe->lock);
	if (state == MSGPIPE_PIPE_DOWN)
		goto out_put;
	if (state == MSGPIPE_PIPE_RECONNECTING && expired)
		goto out_fail;

	tcp = msgpipe_dial(pipe, c->idx, true, &known);
	if (!IS_ERR(tcp) && !known) {
		msgpipe_conn_release(tcp);
		/* The peer forgot the pipe. With sessions, their state there
		 * is gone: fail them. Without, nothing was lost: open the
		 * pipe afresh (a kept pipe outlives a peer's restart).
		 */
		if (READ_ONCE(pipe->nr_sessions))
			goto out_fail;
		tcp = msgpipe_dial(pipe, c->idx, false, &known);
	}
	if (!IS_ERR(tcp)) {
		/* On failure the slot is queued again by the loss. */
		msgpipe_pipe_conn_attach(pipe, c->idx, tcp);
		goto out_put;
	}
	c->err = PTR_ERR(tcp);
	c->backoff = min(c->backoff * 2, HZ);
	/* The work keeps its reference for the next try. */
	if (queue_delayed_work(msgpipe_wq, &c->dial_work, c->backoff))
		return;
	goto out_put;

out_fail:
	msgpipe_pipe_fail(pipe, -ECONNRESET);
out_put:
	msgpipe_pipe_put(pipe);
}

/* Inbound: a pipe still without connections at its deadline fails. */
static void msgpipe_pipe_reconnect_work(struct work_struct *work)
{
	struct msgpipe_pipe *pipe = container_of(to_delayed_work(work),
						 struct msgpipe_pipe,
						 reconnect_work);
	unsigned long left = 0;
	bool fail = false;

	spin_lock(&pipe->lock);
	if (pipe->state == MSGPIPE_PIPE_RECONNECTING && !pipe->live) {
		/* A later loss moved the deadline while this work was
		 * already queued for the earlier one: wait on for it.
		 */
		if (time_after_eq(jiffies, pipe->deadline))
			fail = true;
		else
			left = pipe->deadline - jiffies;
	}
	spin_unlock(&pipe->lock);
	if (fail)
		msgpipe_pipe_fail(pipe, -ECONNRESET);
	else if (left)
		msgpipe_pipe_queue(pipe, &pipe->reconnect_work, left);
	msgpipe_pipe_put(pipe);
}

/**
 * msgpipe_pipe_conn_init() - the connection slots of a new pipe
 * @pipe: the pipe, @nconns set
 *
 * Return: 0 or -ENOMEM.
 */
int msgpipe_pipe_conn_init(struct msgpipe_pipe *pipe)
{
	u32 i;

	pipe->conns = kcalloc(pipe->nconns, sizeof(*pipe->conns), GFP_KERNEL);
	if (!pipe->conns)
		return -ENOMEM;
	for (i = 0; i < pipe->nconns; i++) {
		pipe->conns[i].pipe = pipe;
		pipe->conns[i].idx = i;
		pipe->conns[i].backoff = MSGPIPE_BACKOFF_MIN;
		INIT_DELAYED_WORK(&pipe->conns[i].dial_work,
				  msgpipe_pconn_dial_work);
	}
	mutex_init(&pipe->conn_lock);
	INIT_DELAYED_WORK(&pipe->reconnect_work, msgpipe_pipe_reconnect_work);
	INIT_WORK(&pipe->resync_work, msgpipe_pipe_resync_work);
	return 0;
}

/**
 * msgpipe_pipe_conn_free() - free the slots of a pipe no work uses
 * @pipe: the pipe
 */
void msgpipe_pipe_conn_free(struct msgpipe_pipe *pipe)
{
	kfree(pipe->conns);
	mutex_destroy(&pipe->conn_lock);
}

/**
 * msgpipe_pipe_dial_rest() - dial every slot but the first, in the background
 * @pipe: a new outbound pipe whose slot 0 is up
 */
void msgpipe_pipe_dial_rest(struct msgpipe_pipe *pipe)
{
	u32 i;

	for (i = 1; i < pipe->nconns; i++)
		msgpipe_pipe_queue(pipe, &pipe->conns[i].dial_work, 0);
}

/**
 * msgpipe_agent_conn_down() - the agent lost a connection of a pipe
 * @pipe: the host pipe
 * @idx:  the connection's slot
 * @err:  why: -ESHUTDOWN when the peer closed it in order, else the error
 *
 * The dialer redials the slot, the acceptor waits for it. A pipe left
 * without connections fails after reconnect_ms, or at once when no session
 * uses it or the peer closed it on purpose. The agent keeps what was
 * posted for the other connections. Callable from agent threads.
 */
void msgpipe_agent_conn_down(struct msgpipe_pipe *pipe, unsigned int idx,
			     int err)
{
	struct msgpipe_pconn *c;

	if (WARN_ON_ONCE(idx >= pipe->nconns))
		return;
	c = &pipe->conns[idx];
	spin_lock(&pipe->lock);
	if (c->state == MSGPIPE_CONN_ATTACHING) {
		/* msgpipe_pipe_conn_attach() acts on it. */
		c->lost = true;
		c->err = err;
		spin_unlock(&pipe->lock);
		return;
	}
	if (c->state != MSGPIPE_CONN_UP || pipe->state == MSGPIPE_PIPE_DOWN) {
		spin_unlock(&pipe->lock);
		return;
	}
	c->state = MSGPIPE_CONN_CONNECTING;
	pipe->live--;
	spin_unlock(&pipe->lock);
	msgpipe_pconn_lost(pipe, c, err);
}
EXPORT_SYMBOL_GPL(msgpipe_agent_conn_down);

/**
 * struct msgpipe_hello - an accepted connection waiting for its HELLO
 * @work:     reads it once it is all there, or gives up at @deadline
 * @mn:       engine
 * @tcp:      the socket; its sk_user_data points here until the HELLO is
 *            read
 * @deadline: jiffies by which the HELLO must have arrived
 */
struct msgpipe_hello {
	struct delayed_work	work;
	struct msgpipe_net	*mn;
	struct socket		*tcp;
	unsigned long		deadline;
};

/* Find the inbound pipe a HELLO names. */
static struct msgpipe_pipe *msgpipe_pipe_by_token(struct msgpipe_net *mn,
						  const struct sockaddr_storage *peer,
						  u64 token)
{
	struct msgpipe_pipe *pipe, *found = NULL;

	mutex_lock(&mn->lock);
	list_for_each_entry(pipe, &mn->pipes, node)
		if (pipe->inbound && pipe->token == token &&
		    msgpipe_addr_same_host(&pipe->peer, peer) &&
		    refcount_inc_not_zero(&pipe->refs)) {
			found = pipe;
			break;
		}
	mutex_unlock(&mn->lock);
	return found;
}

/* Bytes arrived on a connection still waiting for its HELLO: look now. */
static void msgpipe_hello_data_ready(struct sock *sk)
{
	struct msgpipe_hello *h;

	read_lock_bh(&sk->sk_callback_lock);
	h = sk->sk_user_data;
	if (h)
		mod_delayed_work(msgpipe_hello_wq, &h->work, 0);
	read_unlock_bh(&sk->sk_callback_lock);
}

/* Read the HELLO if it is all there: 0, -EAGAIN if not yet, or -errno. */
static int msgpipe_hello_try(struct msgpipe_hello *h, struct msgpipe_frame *f)
{
	struct msghdr msg = { .msg_flags = MSG_DONTWAIT };
	struct msgpipe_wire_hdr w;
	struct kvec iov = { &w, sizeof(w) };
	struct sock *sk = h->tcp->sk;
	int ret;

	ret = kernel_recvmsg(h->tcp, &msg, &iov, 1, sizeof(w),
			     MSG_DONTWAIT | MSG_PEEK);
	if (ret >= 0 && ret < sizeof(w))
		ret = ret ? -EAGAIN : -ECONNRESET;
	if (ret == -EAGAIN && time_after_eq(jiffies, h->deadline))
		ret = -ETIMEDOUT;
	if (ret == -EAGAIN)
		return ret;

	/* Done waiting: the socket goes back to TCP's own callback, and no
	 * callback can queue the work again once it is cancelled.
	 */
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = NULL;
	sk->sk_data_ready = h->mn->saved_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	cancel_delayed_work(&h->work);
	if (ret < 0)
		return ret;
	/* The peeked bytes are there: this read takes exactly them. */
	ret = kernel_recvmsg(h->tcp, &msg, &iov, 1, sizeof(w), MSG_DONTWAIT);
	if (ret != sizeof(w))
		return ret < 0 ? ret : -EPROTO;
	ret = msgpipe_wire_decode(&w, sizeof(w), f);
	if (!ret && f->type != MSGPIPE_T_HELLO)
		ret = -EPROTO;
	return ret;
}

static void msgpipe_hello_work(struct work_struct *work)
{
	struct msgpipe_hello *h = container_of(to_delayed_work(work),
					       struct msgpipe_hello, work);
	struct msgpipe_pipe *pipe = NULL;
	struct msgpipe_net *mn = h->mn;
	struct socket *tcp = h->tcp;
	struct sockaddr_storage peer;
	struct msgpipe_frame f;
	bool fresh = false;
	int err;

	err = msgpipe_hello_try(h, &f);
	if (err == -EAGAIN) {
		/* Not all there: data_ready brings us back, or the deadline. */
		queue_delayed_work(msgpipe_hello_wq, &h->work,
				   time_after(h->deadline, jiffies) ?
				   h->deadline - jiffies : 0);
		return;
	}
	if (!err && kernel_getpeername(tcp, (struct sockaddr *)&peer) < 0)
		err = -ENOTCONN;
	if (err)
		goto out_release;
	if (mn->require_security && f.window == MSGPIPE_SECURITY_NONE) {
		msgpipe_stat_inc(mn, MSGPIPE_STAT_INSECURE_REFUSED);
		err = -EPERM;
		goto out_release;
	}
	pipe = msgpipe_pipe_by_token(mn, &peer, f.stream_seq);
	if (pipe && (pipe->nconns != f.total_len ||
		     pipe->security != f.window)) {
		err = -EPROTO;
		goto out_release;
	}
	if (!pipe && !f.msg_seq) {
		/* Published before the answer: the other slots find it. */
		pipe = msgpipe_pipe_accept(mn, &peer, f.stream_seq,
					   f.total_len, f.window);
		if (IS_ERR(pipe)) {
			err = PTR_ERR(pipe);
			pipe = NULL;
			goto out_release;
		}
		fresh = true;
	}
	/* Joining a pipe we do not have: the answer tells the dialer. */
	err = msgpipe_hello_send(tcp, f.stream_seq, pipe && !fresh, f.offset,
				 f.total_len, f.window);
	if (err || !pipe)
		goto out_release;
	err = msgpipe_hs_run(pipe, f.offset, tcp, MSGPIPE_HS_ROLE_SERVER);
	if (err) {
		/* The handshake closed the socket. */
		tcp = NULL;
		goto out_release;
	}
	msgpipe_pipe_conn_attach(pipe, f.offset, tcp);
	goto out_put;

out_release:
	if (tcp)
		msgpipe_conn_release(tcp);
	if (fresh)
		msgpipe_pipe_fail(pipe, err);
out_put:
	if (pipe)
		msgpipe_pipe_put(pipe);
	atomic_dec(&mn->nr_hellos);
	/* Freed last: a work item freed early and reallocated for the next
	 * connection has the address of one still executing, and the
	 * workqueue would run it only after this one.
	 */
	kfree(h);
	if (atomic_dec_and_test(&mn->nr_pipes))
		wake_up_all(&mn->pipes_wq);
}

/**
 * msgpipe_hello_queue() - wait for the HELLO of an accepted connection
 * @mn:  engine
 * @tcp: the accepted socket; consumed
 *
 * Waiting takes no worker: the socket's data_ready callback looks at the
 * bytes as they come, and a connection without a whole HELLO after
 * MSGPIPE_HELLO_TIMEOUT is closed. At most MSGPIPE_HELLOS_MAX connections
 * of a namespace wait at once; more are closed at once.
 */
void msgpipe_hello_queue(struct msgpipe_net *mn, struct socket *tcp)
{
	struct sock *sk = tcp->sk;
	struct msgpipe_hello *h;

	if (atomic_inc_return(&mn->nr_hellos) > MSGPIPE_HELLOS_MAX) {
		msgpipe_stat_inc(mn, MSGPIPE_STAT_HELLO_DROPPED);
		goto err_release;
	}
	h = kmalloc(sizeof(*h), GFP_KERNEL);
	if (!h)
		goto err_release;
	h->mn = mn;
	h->tcp = tcp;
	h->deadline = jiffies + MSGPIPE_HELLO_TIMEOUT;
	INIT_DELAYED_WORK(&h->work, msgpipe_hello_work);
	/* Counted like a pipe: the namespace waits for it. */
	atomic_inc(&mn->nr_pipes);
	write_lock_bh(&sk->sk_callback_lock);
	sk->sk_user_data = h;
	sk->sk_data_ready = msgpipe_hello_data_ready;
	write_unlock_bh(&sk->sk_callback_lock);
	/* The HELLO may have come with the handshake already. */
	mod_delayed_work(msgpipe_hello_wq, &h->work, 0);
	return;

err_release:
	atomic_dec(&mn->nr_hellos);
	msgpipe_conn_release(tcp);
}

/**
 * msgpipe_pipe_new_token() - a token for a new outbound pipe
 *
 * Return: a random non-zero 64-bit value.
 */
u64 msgpipe_pipe_new_token(void)
{
	return get_random_u64() | 1;
}
