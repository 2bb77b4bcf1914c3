// SPDX-License-Identifier: GPL-2.0
/*
 * The TLS handshake upcall: a connection of a pipe whose security is not
 * none joins the pipe only after the handshake daemon (msgpiped) took its
 * socket, ran TLS 1.3 in user space, set kTLS for both directions and said
 * so; the kernel checks that kTLS is there before the agent gets it.
 *
 * Lifetime: a struct msgpipe_hs lives on the stack of the dialing or
 * accepting task that waits for it, and on mn->hs_list while it waits;
 * the netlink handlers touch it only under mn->hs_lock and while it is
 * listed, and the waiter unlists it before it returns. The socket gets a
 * file (the daemon's descriptor is a reference to it); from then on it is
 * closed with its file (msgpipe_conn_release()). While the daemon may hold
 * the descriptor the socket holds a reference on its namespace, as a user
 * socket does; it is given back once the daemon closed it, so that kernel
 * sockets do not keep their namespace alive. From then on, as for every
 * kernel socket, the close must be over before the namespace's exit is:
 * the file is released at once, never left to the deferred release of
 * files put by kernel threads.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/file.h>
#include <linux/module.h>
#include <net/genetlink.h>
#include <net/inet_connection_sock.h>
#include <net/sock.h>
#include <net/tls.h>
#include "msgpipe.h"
#include "stats.h"

static unsigned int msgpipe_hs_timeout_ms = 10000;
module_param_named(hs_timeout_ms, msgpipe_hs_timeout_ms, uint, 0644);
MODULE_PARM_DESC(hs_timeout_ms,
		 "give the handshake daemon this long per connection");

/**
 * struct msgpipe_hs - a connection waiting for its TLS handshake
 * @node:     on mn->hs_list while pending
 * @done:     completed by hs-done
 * @file:     the socket's file
 * @pipe:     the pipe it will join
 * @id:       the handshake's id, unique in the namespace for 2^32 handshakes
 * @idx:      the connection's slot
 * @portid:   the netlink socket that took it (hs-accept), 0 before
 * @role:     MSGPIPE_HS_ROLE_*
 * @status:   what hs-done said
 */
struct msgpipe_hs {
	struct list_head	node;
	struct completion	done;
	struct file		*file;
	struct msgpipe_pipe	*pipe;
	u32			id;
	u32			idx;
	u32			portid;
	u8			role;
	int			status;
};

static int msgpipe_hs_fill(struct sk_buff *skb, const struct msgpipe_hs *hs,
			   u32 portid, u32 seq, u8 cmd, int fd)
{
	const struct msgpipe_pipe *pipe = hs->pipe;
	void *hdr;

	hdr = genlmsg_put(skb, portid, seq, &msgpipe_nl_family, 0, cmd);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_u32(skb, MSGPIPE_A_HS_ID, hs->id) ||
	    nla_put_u8(skb, MSGPIPE_A_HS_ROLE, hs->role) ||
	    nla_put_u8(skb, MSGPIPE_A_PIPE_SECURITY, pipe->security) ||
	    nla_put_u32(skb, MSGPIPE_A_PIPE_ID, pipe->id) ||
	    nla_put_u32(skb, MSGPIPE_A_CONN_IDX, hs->idx) ||
	    msgpipe_nl_put_peer(skb, &pipe->peer) ||
	    (fd >= 0 && nla_put_s32(skb, MSGPIPE_A_HS_FD, fd)) ||
	    (cmd == MSGPIPE_CMD_HS_NTF &&
	     nla_put_s32(skb, MSGPIPE_A_HS_STATUS, hs->status))) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

/* Tell @grp about @hs: -ESRCH when nobody listens there. */
static int msgpipe_hs_notify(struct msgpipe_hs *hs, u8 cmd, bool handshake)
{
	struct net *net = hs->pipe->mn->net;
	struct sk_buff *msg;
	int err;

	if (!msgpipe_nl_has_listeners(net, handshake))
		return -ESRCH;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	err = msgpipe_hs_fill(msg, hs, 0, 0, cmd, -1);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return msgpipe_nl_multicast(net, msg, handshake);
}

/* A kernel socket holds no reference on its namespace; one the daemon may
 * keep open must, as a user socket does (see the lifetime rules above).
 * False when the namespace is going away already (a redial racing its
 * exit, which closes the pipe): nothing may be handed out of it then.
 */
static bool msgpipe_hs_net_hold(struct sock *sk)
{
	struct net *net = sock_net(sk);

	if (!maybe_get_net(net))
		return false;
	lock_sock(sk);
	sk->sk_net_refcnt = 1;
	netns_tracker_alloc(net, &sk->ns_tracker, GFP_KERNEL);
	sock_inuse_add(net, 1);
	release_sock(sk);
	return true;
}

static void msgpipe_hs_net_put(struct sock *sk)
{
	struct net *net = sock_net(sk);

	lock_sock(sk);
	sk->sk_net_refcnt = 0;
	put_net_track(net, &sk->ns_tracker);
	sock_inuse_add(net, -1);
	release_sock(sk);
}

/* kTLS is set for both directions: nothing else may carry sessions. */
static bool msgpipe_hs_ktls_ready(struct sock *sk)
{
	const struct inet_connection_sock *icsk = inet_csk(sk);
	struct tls_context *ctx;
	bool ok;

	lock_sock(sk);
	ok = icsk->icsk_ulp_ops && !strcmp(icsk->icsk_ulp_ops->name, "tls");
	if (ok) {
		ctx = tls_get_ctx(sk);
		ok = ctx && ctx->tx_conf != TLS_BASE &&
		     ctx->rx_conf != TLS_BASE;
	}
	release_sock(sk);
	return ok;
}

/* TLS 1.3 ends the client's handshake before the server has judged the
 * client's certificate or key: the acceptor confirms the admission with its
 * HELLO answer once more, now encrypted, and the dialer waits for it. An
 * alert or a close instead means the peer refused us.
 */
static int msgpipe_hs_admit(struct msgpipe_pipe *pipe, u32 idx,
			    struct socket *tcp, u8 role)
{
	struct msgpipe_frame f;
	int err;

	if (role == MSGPIPE_HS_ROLE_SERVER)
		return msgpipe_hello_send(tcp, pipe->token, true, idx,
					  pipe->nconns, pipe->security);
	err = msgpipe_hello_recv(tcp, &f);
	if (!err && (f.stream_seq != pipe->token || f.offset != idx ||
		     f.total_len != pipe->nconns || f.window != pipe->security))
		err = -EPROTO;
	if (err == -EAGAIN)
		err = -ETIMEDOUT;
	else if (err && err != -EPROTO)
		err = -EKEYREJECTED;
	return err;
}

/**
 * msgpipe_hs_run() - the TLS handshake of a connection, if its pipe wants one
 * @pipe: the pipe the connection is for (security and peer)
 * @idx:  its slot
 * @tcp:  the connected socket, HELLO done
 * @role: MSGPIPE_HS_ROLE_CLIENT on the dialer, _SERVER on the acceptor
 *
 * Announces the connection on the handshake group and waits, killable, up
 * to hs_timeout_ms for the daemon's hs-done. May sleep.
 *
 * Return: 0 (nothing to do, or kTLS set; @tcp then has a file) or -errno,
 * @tcp released: ESRCH when no daemon listens, ETIMEDOUT when it did not
 * answer in time, ENETDOWN when the namespace is going away, EPROTO
 * when it said done without kTLS, EBUSY when it still held the socket,
 * EKEYREJECTED when the peer refused us after its handshake, else the
 * daemon's own error.
 */
int msgpipe_hs_run(struct msgpipe_pipe *pipe, u32 idx, struct socket *tcp,
		   u8 role)
{
	struct msgpipe_net *mn = pipe->mn;
	struct msgpipe_hs hs = {
		.pipe = pipe, .idx = idx, .role = role, .status = -ETIMEDOUT,
	};
	unsigned long timeout;
	struct file *file;
	long left;
	int err;

	if (pipe->security == MSGPIPE_SECURITY_NONE)
		return 0;
	if (!msgpipe_nl_has_listeners(mn->net, true)) {
		err = -ESRCH;
		goto out_release;
	}
	file = sock_alloc_file(tcp, 0, NULL);
	if (IS_ERR(file)) {
		/* sock_alloc_file() released the socket. */
		hs.status = PTR_ERR(file);
		goto out_event;
	}
	hs.file = file;
	if (!msgpipe_hs_net_hold(tcp->sk)) {
		hs.status = -ENETDOWN;
		msgpipe_conn_release(tcp);
		goto out_event;
	}
	init_completion(&hs.done);

	spin_lock(&mn->hs_lock);
	hs.id = ++mn->hs_next_id ?: ++mn->hs_next_id;
	list_add_tail(&hs.node, &mn->hs_list);
	spin_unlock(&mn->hs_lock);
	msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_HS_PENDING);

	err = msgpipe_hs_notify(&hs, MSGPIPE_CMD_HS_REQ_NTF, true);
	timeout = msecs_to_jiffies(READ_ONCE(msgpipe_hs_timeout_ms)) ?: 1;
	left = err ? 0 : wait_for_completion_killable_timeout(&hs.done,
							      timeout);
	spin_lock(&mn->hs_lock);
	if (!list_empty(&hs.node)) {
		/* No hs-done (yet): it can no longer come. */
		list_del_init(&hs.node);
		hs.status = err ?: left < 0 ? -EINTR : -ETIMEDOUT;
	}
	spin_unlock(&mn->hs_lock);
	msgpipe_stat_dec(pipe->mn, MSGPIPE_STAT_HS_PENDING);

	if (!hs.status && file_count(file) > 1)
		hs.status = -EBUSY;
	if (!hs.status && !msgpipe_hs_ktls_ready(tcp->sk))
		hs.status = -EPROTO;
	if (!hs.status)
		hs.status = msgpipe_hs_admit(pipe, idx, tcp, role);
	/* The daemon closed its descriptor (or never took one): the socket
	 * is the kernel's alone again. Otherwise it stays a user socket
	 * until the daemon closes it.
	 */
	if (file_count(file) == 1)
		msgpipe_hs_net_put(tcp->sk);
	if (hs.status) {
		kernel_sock_shutdown(tcp, SHUT_RDWR);
		msgpipe_conn_release(tcp);
	}
out_event:
	msgpipe_stat_inc(pipe->mn, hs.status ? MSGPIPE_STAT_HS_FAILED :
				     MSGPIPE_STAT_HS_DONE);
	msgpipe_hs_notify(&hs, MSGPIPE_CMD_HS_NTF, false);
	if (hs.status)
		net_info_ratelimited("msgpipe: pipe %u conn %u: TLS handshake failed (%d)\n",
				     pipe->id, idx, hs.status);
	return hs.status;

out_release:
	msgpipe_conn_release(tcp);
	hs.status = err;
	goto out_event;
}

/**
 * msgpipe_conn_release() - close a connection's socket
 * @sock: a socket given to conn_attach(), or one being dialed or accepted
 *
 * The connection is aborted (a reset), never left an orphan: an orphaned
 * TCP socket holds no reference on its namespace yet keeps its timers,
 * its unacknowledged data and with it the host's zero-copy pages, until it
 * gives up on a peer that may never answer. What the peer still needed is
 * resent by the host on another connection.
 *
 * One admitted after a TLS handshake has a file (the handshake daemon
 * worked on it through a descriptor) and goes with it, closed before this
 * returns: a kernel thread's fput() would leave the close to a shared work
 * item, which may run after the namespace's exit freed what TCP's close
 * still uses (its routes, its counters). May sleep.
 */
void msgpipe_conn_release(struct socket *sock)
{
	sock_no_linger(sock->sk);
	if (sock->file)
		msgpipe_fput_now(sock->file);
	else
		sock_release(sock);
}
EXPORT_SYMBOL_GPL(msgpipe_conn_release);

/* A pending handshake of @mn by id, under mn->hs_lock. */
static struct msgpipe_hs *msgpipe_hs_find(struct msgpipe_net *mn, u32 id)
{
	struct msgpipe_hs *hs;

	list_for_each_entry(hs, &mn->hs_list, node)
		if (hs->id == id)
			return hs;
	return NULL;
}

/**
 * msgpipe_nl_hs_accept() - hs-accept: install a pending handshake's socket
 * @skb:  the request
 * @info: its attributes
 *
 * Return: 0 or -errno (ENOENT: no such handshake pending, EBUSY: taken).
 */
int msgpipe_nl_hs_accept(struct sk_buff *skb, struct genl_info *info)
{
	struct msgpipe_net *mn = msgpipe_net(genl_info_net(info));
	struct file *file = NULL;
	struct msgpipe_hs *hs;
	struct sk_buff *msg;
	int fd, err;

	if (msgpipe_nl_missing(info, MSGPIPE_A_HS_ID, "hs-id is required"))
		return -EINVAL;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	fd = get_unused_fd_flags(O_CLOEXEC);
	if (fd < 0) {
		err = fd;
		goto err_free;
	}
	spin_lock(&mn->hs_lock);
	hs = msgpipe_hs_find(mn, nla_get_u32(info->attrs[MSGPIPE_A_HS_ID]));
	err = !hs ? -ENOENT : hs->portid ? -EBUSY : 0;
	if (!err) {
		hs->portid = info->snd_portid;
		file = get_file(hs->file);
		err = msgpipe_hs_fill(msg, hs, info->snd_portid, info->snd_seq,
				      MSGPIPE_CMD_HS_ACCEPT, fd);
		if (err)
			hs->portid = 0;
	}
	spin_unlock(&mn->hs_lock);
	if (err) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[MSGPIPE_A_HS_ID]);
		if (err == -ENOENT)
			NL_SET_ERR_MSG(info->extack, "no such handshake pending");
		else if (err == -EBUSY)
			NL_SET_ERR_MSG(info->extack,
				       "the handshake was taken already");
		goto err_put;
	}
	/* Last: an installed descriptor cannot be taken back. */
	fd_install(fd, file);
	return genlmsg_reply(msg, info);

err_put:
	if (file)
		fput(file);
	put_unused_fd(fd);
err_free:
	nlmsg_free(msg);
	return err;
}

/**
 * msgpipe_nl_hs_done() - hs-done: the daemon's verdict on a handshake
 * @skb:  the request
 * @info: its attributes
 *
 * Return: 0 or -errno (ENOENT: no such handshake taken by this socket).
 */
int msgpipe_nl_hs_done(struct sk_buff *skb, struct genl_info *info)
{
	struct msgpipe_net *mn = msgpipe_net(genl_info_net(info));
	struct msgpipe_hs *hs;

	if (msgpipe_nl_missing(info, MSGPIPE_A_HS_ID, "hs-id is required") ||
	    msgpipe_nl_missing(info, MSGPIPE_A_HS_STATUS,
			       "hs-status is required"))
		return -EINVAL;
	spin_lock(&mn->hs_lock);
	hs = msgpipe_hs_find(mn, nla_get_u32(info->attrs[MSGPIPE_A_HS_ID]));
	if (!hs || hs->portid != info->snd_portid) {
		spin_unlock(&mn->hs_lock);
		NL_SET_BAD_ATTR(info->extack, info->attrs[MSGPIPE_A_HS_ID]);
		NL_SET_ERR_MSG(info->extack,
			       "no such handshake taken by this socket");
		return -ENOENT;
	}
	list_del_init(&hs->node);
	hs->status = nla_get_s32(info->attrs[MSGPIPE_A_HS_STATUS]);
	complete(&hs->done);
	spin_unlock(&mn->hs_lock);
	return 0;
}
