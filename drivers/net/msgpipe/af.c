// SPDX-License-Identifier: GPL-2.0
/*
 * The AF_MSGPIPE socket family: socket creation and the proto_ops of
 * SOCK_SEQPACKET sessions (bind, listen, accept, connect, sendmsg, recvmsg,
 * poll, shutdown, release). Every user argument is checked here; the
 * session logic lives in session.c.
 *
 * Lifetime: a socket holds a reference on this module (proto and
 * proto_ops owners), so msgpipe.ko cannot be unloaded while one is open.
 * The struct sock is freed when the last reference goes: the file's, a
 * listener queue's (for a session not yet accepted), or a posted frame's.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/poll.h>
#include <linux/sched/signal.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "rdm.h"
#include "stats.h"

#define MSGPIPE_SNDBUF_DEFAULT	(2 << 20)
#define MSGPIPE_RCVBUF_DEFAULT	(4 << 20)
#define MSGPIPE_CONNECT_TIMEOUT	(60 * HZ)

static struct proto msgpipe_proto = {
	.name = "MSGPIPE",
	.owner = THIS_MODULE,
	.obj_size = sizeof(struct msgpipe_sock),
};

static struct proto_ops msgpipe_seqpacket_ops;

static void msgpipe_sk_destruct(struct sock *sk)
{
	struct msgpipe_sock *msk = msgpipe_sk(sk);

	if (msk->rdm)
		msgpipe_rdm_destruct(msk);
	msgpipe_ioc_destruct(msk);
	WARN_ON_ONCE(!list_empty(&msk->rx_msgs) || !list_empty(&msk->rx_ooo));
	WARN_ON_ONCE(!list_empty(&msk->tx_msgs));
	WARN_ON_ONCE(msk->local_id || msk->pipe);
	skb_queue_purge(&sk->sk_error_queue);
	mutex_destroy(&msk->tx_mutex);
	mutex_destroy(&msk->tx_lock);
	mutex_destroy(&msk->rx_mutex);
	msgpipe_stat_dec(msk->mn, MSGPIPE_STAT_SOCKS);
}

/**
 * msgpipe_sock_alloc() - allocate the sock of an AF_MSGPIPE socket
 * @net:  namespace
 * @sock: the socket it belongs to, NULL for a session not yet accepted
 * @kern: created by the kernel
 *
 * Return: the new socket with one reference, or NULL.
 */
struct msgpipe_sock *msgpipe_sock_alloc(struct net *net, struct socket *sock,
					int kern)
{
	struct msgpipe_sock *msk;
	struct sock *sk;

	sk = sk_alloc(net, msgpipe_family, GFP_KERNEL, &msgpipe_proto, kern);
	if (!sk)
		return NULL;
	sock_init_data(sock, sk);
	sk->sk_destruct = msgpipe_sk_destruct;
	sk->sk_sndbuf = MSGPIPE_SNDBUF_DEFAULT;
	sk->sk_rcvbuf = MSGPIPE_RCVBUF_DEFAULT;
	msk = msgpipe_sk(sk);
	msk->mn = msgpipe_net(net);
	spin_lock_init(&msk->lock);
	msk->state = MSGPIPE_SS_NULL;
	INIT_LIST_HEAD(&msk->pipe_node);
	mutex_init(&msk->tx_mutex);
	mutex_init(&msk->tx_lock);
	mutex_init(&msk->rx_mutex);
	INIT_LIST_HEAD(&msk->tx_msgs);
	INIT_WORK(&msk->tx_purge_work, msgpipe_session_purge_work);
	INIT_LIST_HEAD(&msk->rx_msgs);
	INIT_LIST_HEAD(&msk->rx_ooo);
	INIT_DELAYED_WORK(&msk->rx_delack, msgpipe_rx_delack_work);
	msk->rx_next_seq = 1;
	INIT_LIST_HEAD(&msk->accept_q);
	INIT_LIST_HEAD(&msk->accept_node);
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_SOCKS);
	return msk;
}

/**
 * msgpipe_sock_close() - end the session of a socket being released
 * @msk: the session
 *
 * Tells the peer (FIN after the data already queued, REFUSE for a session
 * never accepted, FIN with ABORT while the handshake runs or when what it
 * sent was not all read), forgets the
 * session id, leaves the pipe and frees what was received and not read.
 */
void msgpipe_sock_close(struct msgpipe_sock *msk)
{
	struct msgpipe_pipe *pipe = msk->pipe;
	bool unread;
	u8 type = 0;
	u16 flags = 0;

	spin_lock(&msk->lock);
	/* As TCP answers a close with unread data by a RST: what the peer
	 * sent will never be read, and what it still has to send would
	 * wait for a window this end no longer opens.
	 */
	unread = !list_empty(&msk->rx_msgs) || !list_empty(&msk->rx_ooo);
	switch (msk->state) {
	case MSGPIPE_SS_READY:
		type = MSGPIPE_T_FIN;
		flags = unread ? MSGPIPE_F_ABORT : 0;
		break;
	case MSGPIPE_SS_SENDING_FIN:
		/* The FIN went at shutdown(); the abort follows it. */
		type = unread ? MSGPIPE_T_FIN : 0;
		flags = MSGPIPE_F_ABORT;
		break;
	case MSGPIPE_SS_PENDING_ACCEPT:
		type = msk->peer_fin ? 0 : MSGPIPE_T_REFUSE;
		break;
	case MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK:
		type = MSGPIPE_T_FIN;
		flags = MSGPIPE_F_ABORT;
		break;
	default:
		break;
	}
	msk->state = MSGPIPE_SS_CLOSED;
	spin_unlock(&msk->lock);
	msgpipe_nl_session_event(msk);

	if (pipe && type == MSGPIPE_T_REFUSE)
		msgpipe_session_refuse(pipe, msk->remote_id, -ECONNREFUSED);
	else if (pipe && type)
		msgpipe_session_send_ctrl(msk, pipe, type, flags);
	if (msk->local_id) {
		xa_erase(&msk->mn->sids, msk->local_id);
		if (pipe)
			msgpipe_pipe_forget(pipe, msk->local_id);
		WRITE_ONCE(msk->local_id, 0);
		msgpipe_stat_dec(msk->mn, MSGPIPE_STAT_SESSIONS);
	}
	msgpipe_pipe_session_del(msk);
	/* A purge queued by a reset may still run; it finds nothing. */
	msgpipe_tx_purge(msk, -ECONNABORTED);
	msgpipe_rx_purge(msk);
}

static int msgpipe_addr_check(const struct sockaddr *uaddr, int len)
{
	const struct sockaddr_msgpipe *a = (const void *)uaddr;

	if (!uaddr || len < (int)sizeof(*a))
		return -EINVAL;
	if (a->smp_family != msgpipe_family)
		return -EAFNOSUPPORT;
	if (a->smp_reserved)
		return -EINVAL;
	return 0;
}

/**
 * msgpipe_af_bind() - bind a socket to a service port of its namespace
 * @sock:  the socket (SOCK_SEQPACKET or SOCK_RDM)
 * @uaddr: struct sockaddr_msgpipe with a wildcard host
 * @len:   its length
 *
 * Return: 0 or -errno.
 */
int msgpipe_af_bind(struct socket *sock, struct sockaddr *uaddr, int len)
{
	const struct sockaddr_msgpipe *a = (const void *)uaddr;
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	struct sock *sk = sock->sk;
	int err;

	err = msgpipe_addr_check(uaddr, len);
	if (err)
		return err;
	if (a->smp_af != AF_UNSPEC && a->smp_af != AF_INET &&
	    a->smp_af != AF_INET6)
		return -EAFNOSUPPORT;
	if (memchr_inv(a->smp_addr, 0, sizeof(a->smp_addr)) || a->smp_scope_id)
		return -EADDRNOTAVAIL;
	if (!a->smp_port)
		return -EINVAL;
	if (a->smp_port < PROT_SOCK &&
	    !ns_capable(sock_net(sk)->user_ns, CAP_NET_BIND_SERVICE))
		return -EACCES;

	lock_sock(sk);
	if (msk->port || msk->state != MSGPIPE_SS_NULL) {
		err = -EINVAL;
		goto out_release;
	}
	err = xa_insert(&msk->mn->ports, a->smp_port, msk, GFP_KERNEL);
	if (err) {
		err = err == -EBUSY ? -EADDRINUSE : err;
		goto out_release;
	}
	msk->port = a->smp_port;
out_release:
	release_sock(sk);
	return err;
}

/**
 * msgpipe_sock_unbind() - give a socket's service port back
 * @msk: the socket, locked
 */
void msgpipe_sock_unbind(struct msgpipe_sock *msk)
{
	if (msk->port) {
		xa_erase(&msk->mn->ports, msk->port);
		msk->port = 0;
	}
}

static int msgpipe_listen(struct socket *sock, int backlog)
{
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	struct sock *sk = sock->sk;
	int err;

	lock_sock(sk);
	err = -EINVAL;
	if (!msk->port || (msk->state != MSGPIPE_SS_NULL &&
			   msk->state != MSGPIPE_SS_LISTEN))
		goto out_release;
	err = msgpipe_listen_hold(msk);
	if (err)
		goto out_release;
	WRITE_ONCE(sk->sk_max_ack_backlog,
		   clamp_t(int, backlog, 1, SOMAXCONN));
	spin_lock(&msk->lock);
	msk->state = MSGPIPE_SS_LISTEN;
	spin_unlock(&msk->lock);
out_release:
	release_sock(sk);
	return err;
}

static bool msgpipe_accept_ready(struct msgpipe_sock *msk)
{
	return !list_empty_careful(&msk->accept_q) ||
	       READ_ONCE(msk->state) != MSGPIPE_SS_LISTEN;
}

static int msgpipe_accept(struct socket *sock, struct socket *newsock,
			  MSGPIPE_ACCEPT_PARAMS)
{
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	struct msgpipe_sock *child = NULL;
	struct sock *sk = sock->sk;
	bool accepted = false;
	long timeo;
	int err;

	timeo = sock_rcvtimeo(sk, MSGPIPE_ACCEPT_FLAGS & O_NONBLOCK);
	lock_sock(sk);
	for (;;) {
		err = -EINVAL;
		if (READ_ONCE(msk->state) != MSGPIPE_SS_LISTEN)
			break;
		spin_lock(&msk->lock);
		child = list_first_entry_or_null(&msk->accept_q,
						 struct msgpipe_sock,
						 accept_node);
		if (child) {
			list_del_init(&child->accept_node);
			msk->accept_len--;
		}
		spin_unlock(&msk->lock);
		if (child)
			break;
		release_sock(sk);
		err = msgpipe_wait(sk, &timeo, TASK_INTERRUPTIBLE,
				   msgpipe_accept_ready);
		lock_sock(sk);
		if (err)
			break;
	}
	release_sock(sk);
	if (!child)
		return err;

	sock_graft(&child->sk, newsock);
	newsock->state = SS_CONNECTED;
	spin_lock(&child->lock);
	if (child->state == MSGPIPE_SS_PENDING_ACCEPT) {
		child->state = MSGPIPE_SS_READY;
		accepted = true;
	}
	spin_unlock(&child->lock);
	if (accepted) {
		msgpipe_session_send_ctrl(child, child->pipe,
					  MSGPIPE_T_ACCEPT, 0);
		msgpipe_nl_session_event(child);
	}
	return 0;
}

static bool msgpipe_connect_done(struct msgpipe_sock *msk)
{
	enum msgpipe_session_state st = READ_ONCE(msk->state);

	return st == MSGPIPE_SS_READY || st == MSGPIPE_SS_CLOSED;
}

static int msgpipe_connect_start(struct msgpipe_sock *msk,
				 const struct sockaddr_msgpipe *a)
{
	struct msgpipe_net *mn = msk->mn;
	u32 id;
	int err;

	msk->peer = *a;
	err = msgpipe_sid_alloc(mn, msk, &id);
	if (err)
		return err;
	msk->local_id = id;
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_SESSIONS);
	WRITE_ONCE(msk->state, MSGPIPE_SS_WAITING_ACK);
	err = msgpipe_pipe_connect(mn, a, msk);
	if (!err)
		err = msgpipe_session_send_ctrl(msk, msk->pipe,
						MSGPIPE_T_SYNC, 0);
	if (!err)
		msgpipe_nl_session_event(msk);
	if (err) {
		msgpipe_pipe_session_del(msk);
		xa_erase(&mn->sids, msk->local_id);
		WRITE_ONCE(msk->local_id, 0);
		msgpipe_stat_dec(msk->mn, MSGPIPE_STAT_SESSIONS);
		WRITE_ONCE(msk->state, MSGPIPE_SS_NULL);
	}
	return err;
}

static int msgpipe_connect(struct socket *sock, struct sockaddr *uaddr,
			   int len, int flags)
{
	const struct sockaddr_msgpipe *a = (const void *)uaddr;
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	struct sock *sk = sock->sk;
	long timeo;
	int err;

	err = msgpipe_addr_check(uaddr, len);
	if (err)
		return err;
	if (a->smp_af != AF_INET && a->smp_af != AF_INET6)
		return -EAFNOSUPPORT;
	if (!a->smp_port)
		return -EINVAL;

	lock_sock(sk);
	switch (READ_ONCE(msk->state)) {
	case MSGPIPE_SS_NULL:
		err = msgpipe_connect_start(msk, a);
		if (err)
			goto out_release;
		break;
	case MSGPIPE_SS_WAITING_ACK:
	case MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK:
		err = -EALREADY;
		if (flags & O_NONBLOCK)
			goto out_release;
		break;
	case MSGPIPE_SS_LISTEN:
		err = -EINVAL;
		goto out_release;
	default:
		/* The outcome of a non-blocking connect is reported once. */
		err = sock->state == SS_CONNECTING ? sock_error(sk) :
		      sock->state == SS_CONNECTED ? -EISCONN : -EINVAL;
		if (sock->state == SS_CONNECTING)
			sock->state = err ? SS_UNCONNECTED : SS_CONNECTED;
		goto out_release;
	}

	sock->state = SS_CONNECTING;
	timeo = sock_sndtimeo(sk, flags & O_NONBLOCK);
	if (!timeo) {
		err = -EINPROGRESS;
		goto out_release;
	}
	timeo = min_t(long, timeo, MSGPIPE_CONNECT_TIMEOUT);
	release_sock(sk);
	err = msgpipe_wait(sk, &timeo, TASK_INTERRUPTIBLE,
			   msgpipe_connect_done);
	lock_sock(sk);
	if (err == -EAGAIN) {
		msgpipe_session_reset(msk, -ETIMEDOUT);
		err = 0;
	} else if (err) {
		goto out_release;
	}
	err = READ_ONCE(msk->state) == MSGPIPE_SS_READY ? 0 :
	      sock_error(sk) ?: -ECONNRESET;
	sock->state = err ? SS_UNCONNECTED : SS_CONNECTED;
out_release:
	release_sock(sk);
	return err;
}

static int msgpipe_getname(struct socket *sock, struct sockaddr *uaddr,
			   int peer)
{
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	struct sockaddr_msgpipe *a = (void *)uaddr;

	memset(a, 0, sizeof(*a));
	if (peer) {
		if (sock->state == SS_UNCONNECTED)
			return -ENOTCONN;
		*a = msk->peer;
	} else {
		a->smp_port = msk->port;
	}
	a->smp_family = msgpipe_family;
	return sizeof(*a);
}

static __poll_t msgpipe_poll(struct file *file, struct socket *sock,
			     poll_table *wait)
{
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	struct sock *sk = sock->sk;
	enum msgpipe_session_state st;
	struct msgpipe_rxmsg *m;
	__poll_t mask = 0;

	sock_poll_wait(file, sock, wait);
	spin_lock(&msk->lock);
	st = msk->state;
	if (st == MSGPIPE_SS_LISTEN) {
		if (msk->accept_len)
			mask |= EPOLLIN | EPOLLRDNORM;
		goto out_unlock;
	}
	if (READ_ONCE(sk->sk_err) || !skb_queue_empty_lockless(&sk->sk_error_queue))
		mask |= EPOLLERR;
	m = list_first_entry_or_null(&msk->rx_msgs, struct msgpipe_rxmsg, node);
	if (m && (m->received > m->consumed || m->voided))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (msgpipe_rx_ended(msk) || (sk->sk_shutdown & RCV_SHUTDOWN))
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (st == MSGPIPE_SS_CLOSED)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLHUP;
	if (st == MSGPIPE_SS_READY &&
	    msk->tx_stream - READ_ONCE(msk->tx_acked) < READ_ONCE(sk->sk_sndbuf) &&
	    msk->tx_stream < READ_ONCE(msk->tx_right) &&
	    msk->tx_seq < READ_ONCE(msk->tx_msg_limit) &&
	    skb_queue_len(&sk->sk_error_queue) < MSGPIPE_ERRQ_MAX)
		mask |= EPOLLOUT | EPOLLWRNORM;
out_unlock:
	spin_unlock(&msk->lock);
	return mask;
}

static int msgpipe_shutdown(struct socket *sock, int how)
{
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	struct sock *sk = sock->sk;
	bool fin = false;

	/* SHUT_RD, SHUT_WR, SHUT_RDWR are 0, 1, 2. */
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	if (sock->state == SS_UNCONNECTED)
		return -ENOTCONN;
	how++;
	mutex_lock(&msk->tx_mutex);
	lock_sock(sk);
	spin_lock(&msk->lock);
	sk->sk_shutdown |= how;
	if ((how & SEND_SHUTDOWN) && msk->state == MSGPIPE_SS_READY) {
		msk->state = MSGPIPE_SS_SENDING_FIN;
		fin = true;
	}
	spin_unlock(&msk->lock);
	if (fin) {
		msgpipe_session_send_ctrl(msk, msk->pipe, MSGPIPE_T_FIN, 0);
		msgpipe_nl_session_event(msk);
	}
	release_sock(sk);
	mutex_unlock(&msk->tx_mutex);
	msgpipe_sk_wake(sk);
	return 0;
}

static void msgpipe_listener_close(struct msgpipe_sock *msk)
{
	struct msgpipe_sock *child, *tmp;
	LIST_HEAD(queue);

	spin_lock(&msk->lock);
	msk->state = MSGPIPE_SS_CLOSED;
	list_splice_init(&msk->accept_q, &queue);
	msk->accept_len = 0;
	spin_unlock(&msk->lock);
	list_for_each_entry_safe(child, tmp, &queue, accept_node) {
		list_del_init(&child->accept_node);
		msgpipe_sock_close(child);
		sock_put(&child->sk);
	}
}

static int msgpipe_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct msgpipe_sock *msk;

	if (!sk)
		return 0;
	msk = msgpipe_sk(sk);
	lock_sock(sk);
	if (msk->state == MSGPIPE_SS_LISTEN)
		msgpipe_listener_close(msk);
	else
		msgpipe_sock_close(msk);
	msgpipe_sock_unbind(msk);
	msgpipe_listen_unhold(msk);
	msgpipe_ioc_release(msk);
	sock_orphan(sk);
	sock->sk = NULL;
	release_sock(sk);
	sock_put(sk);
	return 0;
}

static int msgpipe_sendmsg(struct socket *sock, struct msghdr *msg, size_t len)
{
	/* sendmmsg() adds MSG_BATCH to all but its last message. */
	const int allowed = MSG_DONTWAIT | MSG_EOR | MSG_NOSIGNAL |
			    MSG_CMSG_COMPAT | MSG_ZEROCOPY | MSG_BATCH;

	if (msg->msg_flags & ~allowed)
		return -EOPNOTSUPP;
	if (msg->msg_namelen)
		return sock->state == SS_CONNECTED ? -EISCONN : -EOPNOTSUPP;
	if (msg->msg_controllen)
		return -EINVAL;
	if (!len)
		return -EINVAL;
	if (len > MSGPIPE_MAX_MSG)
		return -EMSGSIZE;
	if (sock->state == SS_UNCONNECTED)
		return -ENOTCONN;
	return msgpipe_session_sendmsg(msgpipe_sk(sock->sk), msg, len);
}

static int msgpipe_recvmsg(struct socket *sock, struct msghdr *msg,
			   size_t len, int flags)
{
	const int allowed = MSG_DONTWAIT | MSG_WAITALL | MSG_CMSG_COMPAT |
			    MSG_NOSIGNAL | MSG_ERRQUEUE | MSG_PEEK | MSG_TRUNC;
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	int ret;

	if (flags & ~allowed)
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE) {
		/* Completions are read once and whole. */
		if (flags & (MSG_PEEK | MSG_TRUNC))
			return -EOPNOTSUPP;
		return msgpipe_session_errqueue(msk, msg, len);
	}
	if (sock->state == SS_UNCONNECTED)
		return -ENOTCONN;
	if (!len && !(flags & MSG_TRUNC))
		return 0;
	ret = msgpipe_session_recvmsg(msk, msg, len, flags);
	if (ret >= 0 && msg->msg_name) {
		msgpipe_getname(sock, msg->msg_name, 1);
		msg->msg_namelen = sizeof(struct sockaddr_msgpipe);
	}
	return ret;
}

static int msgpipe_ioctl(struct socket *sock, unsigned int cmd,
			 unsigned long arg)
{
	return msgpipe_ioc_ioctl(sock, cmd, arg);
}

static int msgpipe_setsockopt(struct socket *sock, int level, int optname,
			      sockptr_t optval, unsigned int optlen)
{
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	int val;

	if (level != SOL_MSGPIPE)
		return -ENOPROTOOPT;
	if (optname != MSGPIPE_NOTIFY)
		return -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	if (val != 0 && val != 1)
		return -EINVAL;
	WRITE_ONCE(msk->tx_notify, val);
	return 0;
}

static int msgpipe_getsockopt(struct socket *sock, int level, int optname,
			      char __user *optval, int __user *optlen)
{
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	int val, len;

	if (level != SOL_MSGPIPE)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	if (len < (int)sizeof(int))
		return -EINVAL;
	switch (optname) {
	case MSGPIPE_NOTIFY:
		val = READ_ONCE(msk->tx_notify);
		break;
	case MSGPIPE_UNACKED:
		val = min_t(u64, msk->tx_stream - READ_ONCE(msk->tx_acked),
			    INT_MAX);
		break;
	case MSGPIPE_WINDOW:
		val = min_t(u64, READ_ONCE(msk->tx_right) - msk->tx_stream,
			    INT_MAX);
		break;
	default:
		return -ENOPROTOOPT;
	}
	len = sizeof(int);
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

static struct proto_ops msgpipe_seqpacket_ops = {
	.owner = THIS_MODULE,
	.release = msgpipe_release,
	.bind = msgpipe_af_bind,
	.connect = msgpipe_connect,
	.socketpair = sock_no_socketpair,
	.accept = msgpipe_accept,
	.getname = msgpipe_getname,
	.poll = msgpipe_poll,
	.ioctl = msgpipe_ioctl,
#ifdef CONFIG_COMPAT
	.compat_ioctl = msgpipe_ioc_compat_ioctl,
#endif
	.listen = msgpipe_listen,
	.shutdown = msgpipe_shutdown,
	.setsockopt = msgpipe_setsockopt,
	.getsockopt = msgpipe_getsockopt,
	.sendmsg = msgpipe_sendmsg,
	.recvmsg = msgpipe_recvmsg,
	.mmap = sock_no_mmap,
	MSGPIPE_NO_SENDPAGE
};

static int msgpipe_create(struct net *net, struct socket *sock, int protocol,
			  int kern)
{
	struct msgpipe_sock *msk;
	int err;

	if (protocol)
		return -EPROTONOSUPPORT;
	if (sock->type != SOCK_SEQPACKET && sock->type != SOCK_RDM)
		return -ESOCKTNOSUPPORT;
	sock->ops = sock->type == SOCK_RDM ? &msgpipe_rdm_ops :
		    &msgpipe_seqpacket_ops;
	sock->state = SS_UNCONNECTED;
	msk = msgpipe_sock_alloc(net, sock, kern);
	if (!msk)
		return -ENOMEM;
	if (sock->type == SOCK_SEQPACKET)
		return 0;

	/* An RDM socket's id names it as the origin of its batches. */
	err = -ENOMEM;
	msk->rdm = msgpipe_rdm_alloc(msk);
	if (!msk->rdm)
		goto err_free;
	err = msgpipe_sid_alloc(msk->mn, msk, &msk->local_id);
	if (err)
		goto err_free;
	msgpipe_stat_inc(msgpipe_net(net), MSGPIPE_STAT_SESSIONS);
	return 0;

err_free:
	/* The sock's destructor frees the RDM state. */
	sock->sk = NULL;
	sk_free(&msk->sk);
	return err;
}

static struct net_proto_family msgpipe_family_ops = {
	.create = msgpipe_create,
	.owner = THIS_MODULE,
};

/**
 * msgpipe_af_init() - register the protocol and the socket family
 *
 * Return: 0, or -EEXIST (logged) when another family holds the number.
 */
int msgpipe_af_init(void)
{
	int err;

	/* A slab of its own: tests read its object count (churn.sh). */
	err = proto_register(&msgpipe_proto, 1);
	if (err)
		return err;
	msgpipe_seqpacket_ops.family = msgpipe_family;
	msgpipe_rdm_ops.family = msgpipe_family;
	msgpipe_family_ops.family = msgpipe_family;
	err = sock_register(&msgpipe_family_ops);
	if (err) {
		pr_err("address family %d is taken (%d); load with family=N to choose a free one\n",
		       msgpipe_family, err);
		proto_unregister(&msgpipe_proto);
	}
	return err;
}

/**
 * msgpipe_af_exit() - unregister the socket family and the protocol
 */
void msgpipe_af_exit(void)
{
	sock_unregister(msgpipe_family);
	proto_unregister(&msgpipe_proto);
}
