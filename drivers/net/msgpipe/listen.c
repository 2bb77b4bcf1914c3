// SPDX-License-Identifier: GPL-2.0
/*
 * The engine's TCP listener, which accepts pipe connections from peers,
 * and the namespace's policy of when it exists: the admin's "listen"
 * setting (auto, on, off) and, in auto, the sockets of privileged
 * processes that listen.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/capability.h>
#include <linux/in6.h>
#include <linux/tcp.h>
#include <net/net_namespace.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "stats.h"

static void msgpipe_listener_data_ready(struct sock *sk)
{
	struct msgpipe_net *mn;

	read_lock_bh(&sk->sk_callback_lock);
	mn = sk->sk_user_data;
	if (mn)
		queue_work(msgpipe_wq, &mn->accept_work);
	read_unlock_bh(&sk->sk_callback_lock);
}

/**
 * msgpipe_accept_work() - accept the listener's connections
 * @work: &msgpipe_net.accept_work
 *
 * Each accepted connection is handed to the HELLO stage (dial.c).
 */
void msgpipe_accept_work(struct work_struct *work)
{
	struct msgpipe_net *mn = container_of(work, struct msgpipe_net,
					      accept_work);
	struct socket *tcp;

	for (;;) {
		mutex_lock(&mn->lock);
		if (!mn->listener ||
		    kernel_accept(mn->listener, &tcp, O_NONBLOCK)) {
			mutex_unlock(&mn->lock);
			return;
		}
		mutex_unlock(&mn->lock);
		/* Accepted sockets inherit the listener's callbacks. */
		write_lock_bh(&tcp->sk->sk_callback_lock);
		tcp->sk->sk_user_data = NULL;
		tcp->sk->sk_data_ready = mn->saved_data_ready;
		write_unlock_bh(&tcp->sk->sk_callback_lock);
		msgpipe_hello_queue(mn, tcp);
	}
}

/* Creates the TCP listener on [::]:tcp_port (IPv4 too) if it is not there.
 * Returns 0 or -errno (EADDRINUSE if the TCP port is taken).
 */
static int msgpipe_listen_open(struct msgpipe_net *mn)
{
	struct sockaddr_in6 sin6 = {
		.sin6_family = AF_INET6,
		.sin6_addr = IN6ADDR_ANY_INIT,
	};
	struct socket *tcp;
	int err;

	lockdep_assert_held(&mn->listen_lock);
	if (mn->listener)
		return 0;
	if (mn->exiting)	/* set under both locks */
		return -ENETDOWN;
	err = sock_create_kern(mn->net, AF_INET6, SOCK_STREAM, IPPROTO_TCP,
			       &tcp);
	if (err)
		return err;
	sock_set_reuseaddr(tcp->sk);
	sin6.sin6_port = htons(mn->tcp_port);
	err = kernel_bind(tcp, (struct sockaddr *)&sin6, sizeof(sin6));
	if (err)
		goto err_release;
	/* As deep as the namespace allows (net.core.somaxconn): many hosts
	 * may open pipes at once, and a dropped SYN costs the dialer a
	 * second or more.
	 */
	err = kernel_listen(tcp, READ_ONCE(mn->net->core.sysctl_somaxconn));
	if (err)
		goto err_release;

	write_lock_bh(&tcp->sk->sk_callback_lock);
	mn->saved_data_ready = tcp->sk->sk_data_ready;
	tcp->sk->sk_user_data = mn;
	tcp->sk->sk_data_ready = msgpipe_listener_data_ready;
	write_unlock_bh(&tcp->sk->sk_callback_lock);
	mutex_lock(&mn->lock);
	mn->listener = tcp;
	mutex_unlock(&mn->lock);
	msgpipe_stat_inc(mn, MSGPIPE_STAT_LISTENERS);
	return 0;

err_release:
	sock_release(tcp);
	return err;
}

static void msgpipe_listen_close(struct msgpipe_net *mn)
{
	struct socket *tcp;

	lockdep_assert_held(&mn->listen_lock);
	mutex_lock(&mn->lock);
	tcp = mn->listener;
	mn->listener = NULL;
	mutex_unlock(&mn->lock);
	if (!tcp)
		return;
	write_lock_bh(&tcp->sk->sk_callback_lock);
	tcp->sk->sk_user_data = NULL;
	tcp->sk->sk_data_ready = mn->saved_data_ready;
	write_unlock_bh(&tcp->sk->sk_callback_lock);
	cancel_work_sync(&mn->accept_work);
	sock_release(tcp);
	msgpipe_stat_dec(mn, MSGPIPE_STAT_LISTENERS);
}

/* In auto, the listener stays while a privileged socket holds it or a pipe
 * it accepted lives, and for msgpipe_reconnect_ms after such a pipe went:
 * its peer redials a pipe whose connections broke (an idle accepted pipe
 * fails with its last connection, the dialer's kept one waits for a new
 * one that long).
 */
static bool msgpipe_listen_wanted(struct msgpipe_net *mn)
{
	struct msgpipe_pipe *pipe;
	bool inbound = false;

	lockdep_assert_held(&mn->listen_lock);
	switch (mn->listen_mode) {
	case MSGPIPE_LISTEN_ON:
		return true;
	case MSGPIPE_LISTEN_OFF:
		return false;
	}
	if (mn->listen_holds ||
	    time_before(jiffies, READ_ONCE(mn->listen_grace)))
		return true;
	mutex_lock(&mn->lock);
	list_for_each_entry(pipe, &mn->pipes, node)
		if (pipe->inbound) {
			inbound = true;
			break;
		}
	mutex_unlock(&mn->lock);
	return inbound;
}

/**
 * msgpipe_listen_work() - close the listener nothing wants any more
 * @work: &msgpipe_net.listen_work
 */
void msgpipe_listen_work(struct work_struct *work)
{
	struct msgpipe_net *mn = container_of(to_delayed_work(work),
					      struct msgpipe_net, listen_work);
	unsigned long grace;

	mutex_lock(&mn->listen_lock);
	grace = READ_ONCE(mn->listen_grace);
	if (!msgpipe_listen_wanted(mn))
		msgpipe_listen_close(mn);
	else if (time_before(jiffies, grace))
		schedule_delayed_work(&mn->listen_work, grace - jiffies);
	mutex_unlock(&mn->listen_lock);
}

/**
 * msgpipe_listen_hold() - a socket starts to receive: listen() or the bind
 *                         of a SOCK_RDM socket
 * @msk: the socket
 *
 * With the namespace's listen setting "on" the listener is open already
 * (or opened here); "off" never opens it; "auto" opens it for a process
 * with CAP_NET_BIND_SERVICE in the namespace, like a TCP port below 1024,
 * and the socket keeps it open until it closes. Any socket may listen: it
 * then receives sessions over the pipes that exist.
 *
 * Return: 0 or -errno (EADDRINUSE: the TCP port is taken; ENETDOWN: the
 * namespace is going away).
 */
int msgpipe_listen_hold(struct msgpipe_sock *msk)
{
	struct msgpipe_net *mn = msk->mn;
	bool privileged;
	int err = 0;

	if (msk->listen_hold)
		return 0;
	privileged = ns_capable(sock_net(&msk->sk)->user_ns,
				CAP_NET_BIND_SERVICE);
	mutex_lock(&mn->listen_lock);
	switch (mn->listen_mode) {
	case MSGPIPE_LISTEN_OFF:
		break;
	case MSGPIPE_LISTEN_ON:
		err = msgpipe_listen_open(mn);
		break;
	default:
		if (privileged)
			err = msgpipe_listen_open(mn);
	}
	if (!err && privileged) {
		mn->listen_holds++;
		msk->listen_hold = true;
	}
	mutex_unlock(&mn->listen_lock);
	return err;
}

/**
 * msgpipe_listen_unhold() - a socket that held the listener closes
 * @msk: the socket
 */
void msgpipe_listen_unhold(struct msgpipe_sock *msk)
{
	struct msgpipe_net *mn = msk->mn;

	if (!msk->listen_hold)
		return;
	msk->listen_hold = false;
	mutex_lock(&mn->listen_lock);
	if (!--mn->listen_holds)
		schedule_delayed_work(&mn->listen_work, 0);
	mutex_unlock(&mn->listen_lock);
}

/**
 * msgpipe_listen_check() - a pipe the listener accepted is gone
 * @mn: engine
 *
 * The listener may be closed once its peer had time to redial; a work
 * item looks, since the pipe goes in contexts that must not wait for the
 * listener's accept work.
 */
void msgpipe_listen_check(struct msgpipe_net *mn)
{
	unsigned long grace;

	if (READ_ONCE(mn->listen_mode) != MSGPIPE_LISTEN_AUTO)
		return;
	grace = msecs_to_jiffies(READ_ONCE(msgpipe_reconnect_ms));
	WRITE_ONCE(mn->listen_grace, jiffies + grace);
	mod_delayed_work(system_wq, &mn->listen_work, grace + 1);
}

/**
 * msgpipe_listen_set() - the admin changes the namespace's listen setting
 * @mn:     engine
 * @mode:   MSGPIPE_LISTEN_*
 * @extack: for the reason of a failure
 *
 * Return: 0 or -errno; on failure the setting is unchanged.
 */
int msgpipe_listen_set(struct msgpipe_net *mn, u8 mode,
		       struct netlink_ext_ack *extack)
{
	u8 old;
	int err = 0;

	mutex_lock(&mn->listen_lock);
	old = mn->listen_mode;
	WRITE_ONCE(mn->listen_mode, mode);
	if (mode == MSGPIPE_LISTEN_ON ||
	    (mode == MSGPIPE_LISTEN_AUTO && mn->listen_holds))
		err = msgpipe_listen_open(mn);
	if (err) {
		WRITE_ONCE(mn->listen_mode, old);
		NL_SET_ERR_MSG(extack,
			       "cannot open the TCP listener (is its port taken?)");
	} else if (!msgpipe_listen_wanted(mn)) {
		msgpipe_listen_close(mn);
	}
	mutex_unlock(&mn->listen_lock);
	return err;
}

/**
 * msgpipe_listen_stop() - close the listener for good: the namespace exits
 * @mn: engine
 *
 * Before the pipes are shut down: no new pipe comes in after.
 */
void msgpipe_listen_stop(struct msgpipe_net *mn)
{
	mutex_lock(&mn->listen_lock);
	mutex_lock(&mn->lock);
	mn->exiting = true;
	mutex_unlock(&mn->lock);
	msgpipe_listen_close(mn);
	mutex_unlock(&mn->listen_lock);
}
