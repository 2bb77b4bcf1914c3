// SPDX-License-Identifier: GPL-2.0
/*
 * The proto_ops of SOCK_RDM AF_MSGPIPE sockets and their tunables: every
 * user argument is checked here; sending is in rdm_tx.c, receiving in
 * rdm_rx.c.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/net.h>
#include <linux/poll.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "rdm.h"

/* The tunables of SOCK_RDM sockets: the same table checks setsockopt()
 * and the namespace defaults set over netlink (whose policy states the
 * same ranges).
 */
const struct msgpipe_rdm_tunable msgpipe_rdm_tunables[MSGPIPE_RDM_NR_TUN] = {
	{ MSGPIPE_RDM_TIME_US, offsetof(struct msgpipe_rdm_tun, time_us),
	  0, MSGPIPE_RDM_TIME_MAX },
	{ MSGPIPE_RDM_SIZE, offsetof(struct msgpipe_rdm_tun, size),
	  0, MSGPIPE_RDM_SIZE_MAX },
	{ MSGPIPE_RDM_RETRY_MS, offsetof(struct msgpipe_rdm_tun, retry_ms),
	  MSGPIPE_RDM_RETRY_MIN, MSGPIPE_RDM_RETRY_MAX },
	{ MSGPIPE_RDM_RETRIES, offsetof(struct msgpipe_rdm_tun, retries),
	  0, MSGPIPE_RDM_RETRIES_MAX },
	{ MSGPIPE_RDM_RX_TIME_US, offsetof(struct msgpipe_rdm_tun, rx_time_us),
	  0, MSGPIPE_RDM_TIME_MAX },
	{ MSGPIPE_RDM_RX_SIZE, offsetof(struct msgpipe_rdm_tun, rx_size),
	  0, MSGPIPE_RDM_SIZE_MAX },
	{ MSGPIPE_RDM_THROTTLE_MS, offsetof(struct msgpipe_rdm_tun, throttle_ms),
	  0, MSGPIPE_THROTTLE_MAX_MS },
};

static const struct msgpipe_rdm_tunable *msgpipe_rdm_tunable(int optname)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(msgpipe_rdm_tunables); i++)
		if (msgpipe_rdm_tunables[i].optname == optname)
			return &msgpipe_rdm_tunables[i];
	return NULL;
}

static u32 *msgpipe_rdm_tun_field(struct msgpipe_rdm_tun *t,
				  const struct msgpipe_rdm_tunable *d)
{
	return (u32 *)((u8 *)t + d->offset);
}

/**
 * msgpipe_rdm_tun_set() - set one tunable after checking its range
 * @t:       the tunables
 * @idx:     which, index into msgpipe_rdm_tunables
 * @val:     the value
 *
 * Return: 0 or -EINVAL.
 */
int msgpipe_rdm_tun_set(struct msgpipe_rdm_tun *t, unsigned int idx, u64 val)
{
	const struct msgpipe_rdm_tunable *d = &msgpipe_rdm_tunables[idx];

	if (val < d->min || val > d->max)
		return -EINVAL;
	WRITE_ONCE(*msgpipe_rdm_tun_field(t, d), val);
	return 0;
}

static int msgpipe_rdm_release(struct socket *sock)
{
	struct sock *sk = sock->sk;
	struct msgpipe_sock *msk;

	if (!sk)
		return 0;
	msk = msgpipe_sk(sk);
	lock_sock(sk);
	msgpipe_rdm_close(msk);
	msgpipe_sock_unbind(msk);
	msgpipe_listen_unhold(msk);
	sock_orphan(sk);
	sock->sk = NULL;
	release_sock(sk);
	sock_put(sk);
	return 0;
}

/* A bound RDM socket receives, as a listening one does (listen.c). */
static int msgpipe_rdm_bind(struct socket *sock, struct sockaddr *uaddr,
			    int len)
{
	int err = msgpipe_af_bind(sock, uaddr, len);

	if (err)
		return err;
	lock_sock(sock->sk);
	err = msgpipe_listen_hold(msgpipe_sk(sock->sk));
	if (err)
		msgpipe_sock_unbind(msgpipe_sk(sock->sk));
	release_sock(sock->sk);
	return err;
}

static int msgpipe_rdm_getname(struct socket *sock, struct sockaddr *uaddr,
			       int peer)
{
	struct sockaddr_msgpipe *a = (struct sockaddr_msgpipe *)uaddr;

	if (peer)
		return -ENOTCONN;
	memset(a, 0, sizeof(*a));
	a->smp_family = msgpipe_family;
	a->smp_port = READ_ONCE(msgpipe_sk(sock->sk)->port);
	return sizeof(*a);
}

static __poll_t msgpipe_rdm_poll(struct file *file, struct socket *sock,
				 poll_table *wait)
{
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	struct msgpipe_rdm *rdm = msk->rdm;
	struct sock *sk = sock->sk;
	__poll_t mask = 0;

	sock_poll_wait(file, sock, wait);
	spin_lock(&rdm->lock);
	if (!list_empty(&rdm->done))
		mask |= EPOLLERR;
	if (!list_empty(&rdm->rxq))
		mask |= EPOLLIN | EPOLLRDNORM;
	if (sk->sk_shutdown & RCV_SHUTDOWN)
		mask |= EPOLLIN | EPOLLRDNORM | EPOLLRDHUP;
	if (sk->sk_shutdown == SHUTDOWN_MASK)
		mask |= EPOLLHUP;
	if (!rdm->shut &&
	    rdm->inflight + rdm->done_bytes < (u64)READ_ONCE(sk->sk_sndbuf))
		mask |= EPOLLOUT | EPOLLWRNORM;
	spin_unlock(&rdm->lock);
	return mask;
}

static int msgpipe_rdm_shutdown(struct socket *sock, int how)
{
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	struct msgpipe_rdm *rdm = msk->rdm;
	struct sock *sk = sock->sk;

	/* SHUT_RD, SHUT_WR, SHUT_RDWR are 0, 1, 2. */
	if (how < SHUT_RD || how > SHUT_RDWR)
		return -EINVAL;
	how++;
	lock_sock(sk);
	sk->sk_shutdown |= how;
	release_sock(sk);
	if (how & SEND_SHUTDOWN) {
		/* What is queued goes now; nothing more is taken. */
		spin_lock(&rdm->lock);
		rdm->shut = true;
		spin_unlock(&rdm->lock);
		if (cancel_delayed_work(&rdm->flush_work))
			sock_put(sk);
		msgpipe_rdm_flush(rdm);
	}
	msgpipe_sk_wake(sk);
	return 0;
}

static int msgpipe_rdm_sendmsg(struct socket *sock, struct msghdr *msg,
			       size_t len)
{
	/* sendmmsg() adds MSG_BATCH to all but its last message. */
	const int allowed = MSG_DONTWAIT | MSG_EOR | MSG_NOSIGNAL |
			    MSG_CMSG_COMPAT | MSG_BATCH;

	if (msg->msg_flags & ~allowed)
		return -EOPNOTSUPP;
	if (!len)
		return -EINVAL;
	if (len > MSGPIPE_RDM_ITEM_MAX)
		return -EMSGSIZE;
	if (sock->sk->sk_shutdown & SEND_SHUTDOWN)
		return -EPIPE;
	return msgpipe_rdm_sendmsg_item(msgpipe_sk(sock->sk), msg, len);
}

static int msgpipe_rdm_recvmsg(struct socket *sock, struct msghdr *msg,
			       size_t len, int flags)
{
	const int allowed = MSG_DONTWAIT | MSG_WAITALL | MSG_CMSG_COMPAT |
			    MSG_NOSIGNAL | MSG_ERRQUEUE | MSG_TRUNC;
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);

	if (flags & ~allowed)
		return -EOPNOTSUPP;
	if (flags & MSG_ERRQUEUE)
		return msgpipe_rdm_errqueue(msk, msg, len);
	return msgpipe_rdm_recvmsg_item(msk, msg, len, flags);
}

static int msgpipe_rdm_setsockopt(struct socket *sock, int level, int optname,
				  sockptr_t optval, unsigned int optlen)
{
	struct msgpipe_rdm *rdm = msgpipe_sk(sock->sk)->rdm;
	const struct msgpipe_rdm_tunable *d;
	int val, err;

	if (level != SOL_MSGPIPE)
		return -ENOPROTOOPT;
	d = msgpipe_rdm_tunable(optname);
	if (!d)
		return optname == MSGPIPE_RDM_PENDING ? -EPERM : -ENOPROTOOPT;
	if (optlen < sizeof(int))
		return -EINVAL;
	if (copy_from_sockptr(&val, optval, sizeof(val)))
		return -EFAULT;
	if (val < 0)
		return -EINVAL;
	spin_lock(&rdm->lock);
	err = msgpipe_rdm_tun_set(&rdm->tun, d - msgpipe_rdm_tunables, val);
	spin_unlock(&rdm->lock);
	return err;
}

static int msgpipe_rdm_getsockopt(struct socket *sock, int level, int optname,
				  char __user *optval, int __user *optlen)
{
	struct msgpipe_rdm *rdm = msgpipe_sk(sock->sk)->rdm;
	const struct msgpipe_rdm_tunable *d;
	int val, len;

	if (level != SOL_MSGPIPE)
		return -ENOPROTOOPT;
	if (get_user(len, optlen))
		return -EFAULT;
	d = msgpipe_rdm_tunable(optname);
	if (d)
		val = READ_ONCE(*msgpipe_rdm_tun_field(&rdm->tun, d));
	else if (optname == MSGPIPE_RDM_PENDING)
		val = READ_ONCE(rdm->pending);
	else
		return -ENOPROTOOPT;
	if (len < (int)sizeof(int))
		return -EINVAL;
	len = sizeof(int);
	if (put_user(len, optlen) || copy_to_user(optval, &val, len))
		return -EFAULT;
	return 0;
}

static int msgpipe_rdm_ioctl(struct socket *sock, unsigned int cmd,
			     unsigned long arg)
{
	return -ENOIOCTLCMD;
}

struct proto_ops msgpipe_rdm_ops = {
	.owner = THIS_MODULE,
	.release = msgpipe_rdm_release,
	.bind = msgpipe_rdm_bind,
	.connect = sock_no_connect,
	.socketpair = sock_no_socketpair,
	.accept = sock_no_accept,
	.getname = msgpipe_rdm_getname,
	.poll = msgpipe_rdm_poll,
	.ioctl = msgpipe_rdm_ioctl,
	.listen = sock_no_listen,
	.shutdown = msgpipe_rdm_shutdown,
	.setsockopt = msgpipe_rdm_setsockopt,
	.getsockopt = msgpipe_rdm_getsockopt,
	.sendmsg = msgpipe_rdm_sendmsg,
	.recvmsg = msgpipe_rdm_recvmsg,
	.mmap = sock_no_mmap,
	MSGPIPE_NO_SENDPAGE
};
