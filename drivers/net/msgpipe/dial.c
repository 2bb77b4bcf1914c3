// SPDX-License-Identifier: GPL-2.0
/*
 * The connections of a pipe: the HELLO exchange that names the pipe on a
 * new TCP connection, and re-establishing a pipe whose connection broke
 * while sessions used it. The dialer redials with backoff; the acceptor
 * waits for it; both give up after reconnect_ms and reset the sessions.
 * On the new connection the agent resends what was not acknowledged and
 * each session repeats the handshake frames that may have been lost.
 *
 * Lifetime: a pending reconnection holds a pipe reference (the work's);
 * a connection waiting for its HELLO counts in mn->nr_pipes, so the
 * namespace waits for it. pipe->conn_lock orders conn_attach() against the
 * destruction of the agent half.
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

static unsigned int msgpipe_reconnect_ms = 10000;
module_param_named(reconnect_ms, msgpipe_reconnect_ms, uint, 0644);
MODULE_PARM_DESC(reconnect_ms, "give a broken pipe this long to reconnect");

static int msgpipe_hello_send(struct socket *sock, u64 token, bool resume)
{
	struct msgpipe_frame f = {
		.type = MSGPIPE_T_HELLO, .stream_seq = token, .msg_seq = resume,
	};
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct msgpipe_wire_hdr h;
	struct kvec iov = { &h, sizeof(h) };
	int ret;

	msgpipe_wire_encode(&f, &h);
	ret = kernel_sendmsg(sock, &msg, &iov, 1, sizeof(h));
	return ret == sizeof(h) ? 0 : ret < 0 ? ret : -EPIPE;
}

static int msgpipe_hello_recv(struct socket *sock, struct msgpipe_frame *f)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	struct msgpipe_wire_hdr h;
	struct kvec iov = { &h, sizeof(h) };
	int ret;

	WRITE_ONCE(sock->sk->sk_rcvtimeo, MSGPIPE_HELLO_TIMEOUT);
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
 * @mn:      engine
 * @peer:    the peer's engine listener
 * @token:   the pipe's token
 * @resume:  re-establishing an existing pipe
 * @resumed: set to whether the peer still had the pipe
 *
 * Return: the connected socket, or ERR_PTR (ECONNREFUSED: no msgpipe
 * there; ETIMEDOUT: no answer).
 */
struct socket *msgpipe_dial(struct msgpipe_net *mn,
			    const struct sockaddr_storage *peer, u64 token,
			    bool resume, bool *resumed)
{
	struct msgpipe_frame f;
	struct socket *tcp;
	int len, err;

	len = peer->ss_family == AF_INET ? sizeof(struct sockaddr_in) :
					   sizeof(struct sockaddr_in6);
	err = sock_create_kern(mn->net, peer->ss_family, SOCK_STREAM,
			       IPPROTO_TCP, &tcp);
	if (err)
		return ERR_PTR(err);
	tcp->sk->sk_sndtimeo = 10 * HZ;
	err = kernel_connect(tcp, (struct sockaddr *)peer, len, 0);
	if (err == -EINPROGRESS)
		err = -ETIMEDOUT;
	err = err ?: msgpipe_hello_send(tcp, token, resume);
	err = err ?: msgpipe_hello_recv(tcp, &f);
	if (!err && f.stream_seq != token)
		err = -EPROTO;
	if (err) {
		sock_release(tcp);
		return ERR_PTR(err);
	}
	tcp->sk->sk_sndtimeo = MAX_SCHEDULE_TIMEOUT;
	*resumed = f.msg_seq;
	return tcp;
}

/* Sessions repeat what the broken connection may have lost. */
static void msgpipe_pipe_resync(struct msgpipe_pipe *pipe)
{
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
}

/**
 * msgpipe_pipe_reattach() - give a pipe a new connection
 * @pipe: the pipe; the caller holds a reference
 * @tcp:  the connected socket, HELLO done; consumed
 *
 * Return: 0 or -errno.
 */
int msgpipe_pipe_reattach(struct msgpipe_pipe *pipe, struct socket *tcp)
{
	struct msgpipe_apipe *ap;
	int err = -ENETDOWN;

	tcp_sock_set_nodelay(tcp->sk);
	mutex_lock(&pipe->conn_lock);
	spin_lock(&pipe->lock);
	ap = pipe->state == MSGPIPE_PIPE_DOWN ? NULL : pipe->apipe;
	spin_unlock(&pipe->lock);
	if (ap)
		err = ap->agent->ops->conn_attach(ap, tcp);
	else
		sock_release(tcp);
	mutex_unlock(&pipe->conn_lock);
	if (err)
		return err;

	spin_lock(&pipe->lock);
	if (pipe->state == MSGPIPE_PIPE_RECONNECTING)
		pipe->state = MSGPIPE_PIPE_UP;
	spin_unlock(&pipe->lock);
	msgpipe_stat_inc(MSGPIPE_STAT_RECONNECTS);
	msgpipe_pipe_resync(pipe);
	return 0;
}

static void msgpipe_pipe_reconnect_work(struct work_struct *work)
{
	struct msgpipe_pipe *pipe = container_of(to_delayed_work(work),
						 struct msgpipe_pipe,
						 reconnect_work);
	struct socket *tcp;
	bool resumed = false;
	int err = -ECONNRESET;

	spin_lock(&pipe->lock);
	if (pipe->state != MSGPIPE_PIPE_RECONNECTING) {
		spin_unlock(&pipe->lock);
		goto out_put;
	}
	spin_unlock(&pipe->lock);
	if (pipe->inbound || time_after(jiffies, pipe->deadline))
		goto out_fail;

	tcp = msgpipe_dial(pipe->mn, &pipe->peer, pipe->token, true, &resumed);
	if (!IS_ERR(tcp) && !resumed) {
		/* The peer forgot the pipe: its sessions are gone. */
		sock_release(tcp);
		goto out_fail;
	}
	if (!IS_ERR(tcp) && !msgpipe_pipe_reattach(pipe, tcp))
		goto out_put;
	pipe->backoff = min(pipe->backoff * 2, HZ);
	/* The work keeps its reference for the next try. */
	queue_delayed_work(msgpipe_wq, &pipe->reconnect_work, pipe->backoff);
	return;

out_fail:
	msgpipe_pipe_fail(pipe, err);
out_put:
	msgpipe_pipe_put(pipe);
}

/**
 * msgpipe_pipe_conn_init() - the reconnection state of a new pipe
 * @pipe: the pipe
 */
void msgpipe_pipe_conn_init(struct msgpipe_pipe *pipe)
{
	mutex_init(&pipe->conn_lock);
	INIT_DELAYED_WORK(&pipe->reconnect_work, msgpipe_pipe_reconnect_work);
}

/**
 * msgpipe_agent_conn_down() - the agent lost a connection of a pipe
 * @pipe: the host pipe
 * @err:  why: -ESHUTDOWN when the peer closed it in order, else the error
 *
 * A pipe that sessions use is re-established: the dialer redials, the
 * acceptor waits; either fails it after reconnect_ms. A pipe without
 * sessions, or one the peer closed on purpose, fails at once. The agent
 * keeps what was posted for the next connection. Callable from agent
 * threads.
 */
void msgpipe_agent_conn_down(struct msgpipe_pipe *pipe, int err)
{
	bool fail = false;

	spin_lock(&pipe->lock);
	if (pipe->state != MSGPIPE_PIPE_UP) {
		spin_unlock(&pipe->lock);
		return;
	}
	if (!pipe->nr_sessions || (pipe->inbound && err == -ESHUTDOWN)) {
		fail = true;
	} else {
		pipe->state = MSGPIPE_PIPE_RECONNECTING;
		pipe->deadline = jiffies +
				 msecs_to_jiffies(READ_ONCE(msgpipe_reconnect_ms));
		pipe->backoff = msecs_to_jiffies(10) ?: 1;
		refcount_inc(&pipe->refs);
	}
	spin_unlock(&pipe->lock);
	if (fail) {
		msgpipe_pipe_fail(pipe, err == -ESHUTDOWN ? -ECONNRESET :
				  err ?: -ECONNRESET);
		return;
	}
	msgpipe_stat_inc(MSGPIPE_STAT_CONN_LOSSES);
	if (!queue_delayed_work(msgpipe_wq, &pipe->reconnect_work,
				pipe->inbound ? pipe->deadline - jiffies : 0))
		msgpipe_pipe_put(pipe);
}
EXPORT_SYMBOL_GPL(msgpipe_agent_conn_down);

/**
 * struct msgpipe_hello - an accepted connection waiting for its HELLO
 * @work: reads it
 * @mn:   engine
 * @tcp:  the socket
 */
struct msgpipe_hello {
	struct work_struct	work;
	struct msgpipe_net	*mn;
	struct socket		*tcp;
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

static void msgpipe_hello_work(struct work_struct *work)
{
	struct msgpipe_hello *h = container_of(work, struct msgpipe_hello,
					       work);
	struct msgpipe_net *mn = h->mn;
	struct socket *tcp = h->tcp;
	struct sockaddr_storage peer;
	struct msgpipe_pipe *pipe;
	struct msgpipe_frame f;
	int err;

	kfree(h);
	err = msgpipe_hello_recv(tcp, &f);
	if (!err && kernel_getpeername(tcp, (struct sockaddr *)&peer) < 0)
		err = -ENOTCONN;
	if (err) {
		sock_release(tcp);
		goto out;
	}
	pipe = msgpipe_pipe_by_token(mn, &peer, f.stream_seq);
	err = msgpipe_hello_send(tcp, f.stream_seq, !!pipe);
	if (err || (!pipe && f.msg_seq)) {
		/* Resuming a pipe we no longer have: the dialer resets. */
		sock_release(tcp);
	} else if (pipe) {
		msgpipe_pipe_reattach(pipe, tcp);
	} else {
		msgpipe_pipe_accept(mn, tcp, &peer, f.stream_seq);
	}
	if (pipe)
		msgpipe_pipe_put(pipe);
out:
	if (atomic_dec_and_test(&mn->nr_pipes))
		wake_up_all(&mn->pipes_wq);
}

/**
 * msgpipe_hello_queue() - wait for the HELLO of an accepted connection
 * @mn:  engine
 * @tcp: the accepted socket; consumed
 */
void msgpipe_hello_queue(struct msgpipe_net *mn, struct socket *tcp)
{
	struct msgpipe_hello *h = kmalloc(sizeof(*h), GFP_KERNEL);

	if (!h) {
		sock_release(tcp);
		return;
	}
	h->mn = mn;
	h->tcp = tcp;
	INIT_WORK(&h->work, msgpipe_hello_work);
	/* Counted like a pipe: the namespace waits for it. */
	atomic_inc(&mn->nr_pipes);
	queue_work(msgpipe_wq, &h->work);
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
