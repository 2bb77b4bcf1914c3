// SPDX-License-Identifier: GPL-2.0
/*
 * The msgpipe generic netlink family (Documentation/netlink/specs/
 * msgpipe.yaml): pipes, connections, sessions, counters and per-namespace
 * defaults of the caller's network namespace, the "events" multicast
 * group, and the "handshake" group of the TLS upcall (hs.c). Thin glue:
 * the objects' own files do the work.
 *
 * Locking: handlers run in parallel (pipe-new may wait for the handshake
 * daemon, whose hs-accept must get through meanwhile); pipes are looked up under
 * mn->lock and filled under pipe->lock; sessions are held by a socket
 * reference while filled; agents (nl_agent.c) are filled under the agent
 * registry lock. Events are built with GFP_ATOMIC: they are sent
 * from agent threads and with spinlocks held.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <net/genetlink.h>
#include <net/ipv6.h>
#include <uapi/linux/msgpipe_nl.h>
#include "msgpipe.h"
#include "rdm.h"
#include "nl_policy.h"
#include "stats.h"

enum msgpipe_nl_mcgrp {
	MSGPIPE_NLGRP_EVENTS,
	MSGPIPE_NLGRP_HANDSHAKE,
};

static const struct genl_multicast_group msgpipe_nl_mcgrps[] = {
	[MSGPIPE_NLGRP_EVENTS] = { .name = MSGPIPE_MCGRP_EVENTS,
				   .flags = GENL_MCAST_CAP_NET_ADMIN },
	[MSGPIPE_NLGRP_HANDSHAKE] = { .name = MSGPIPE_MCGRP_HANDSHAKE,
				      .flags = GENL_MCAST_CAP_NET_ADMIN },
};

/**
 * msgpipe_nl_missing() - report a missing required attribute
 * @info: the request
 * @attr: the attribute
 * @msg:  a string literal, as NL_SET_ERR_MSG() wants
 *
 * Return: true (and the extack names @attr) when it is missing; the
 * caller then fails with -EINVAL.
 */
bool msgpipe_nl_missing(struct genl_info *info, int attr, const char *msg)
{
	if (info->attrs[attr])
		return false;
	NL_SET_ERR_ATTR_MISS(info->extack, NULL, attr);
	if (info->extack)
		info->extack->_msg = msg;
	return true;
}

static struct msgpipe_net *msgpipe_nl_net(struct genl_info *info)
{
	return msgpipe_net(genl_info_net(info));
}

/* A pipe of @mn by id, with a reference, or NULL. */
static struct msgpipe_pipe *msgpipe_nl_pipe_get(struct msgpipe_net *mn, u32 id)
{
	struct msgpipe_pipe *pipe, *found = NULL;

	mutex_lock(&mn->lock);
	list_for_each_entry(pipe, &mn->pipes, node)
		if (pipe->id == id && refcount_inc_not_zero(&pipe->refs)) {
			found = pipe;
			break;
		}
	mutex_unlock(&mn->lock);
	return found;
}

/**
 * msgpipe_nl_put_peer() - put a peer address attribute
 * @skb: the message
 * @ss:  an IPv4 or IPv6 address
 *
 * Return: 0 or -EMSGSIZE.
 */
int msgpipe_nl_put_peer(struct sk_buff *skb, const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return nla_put_in_addr(skb, MSGPIPE_A_PEER_IPV4,
				       ((const struct sockaddr_in *)ss)->sin_addr.s_addr);
	return nla_put_in6_addr(skb, MSGPIPE_A_PEER_IPV6,
				&((const struct sockaddr_in6 *)ss)->sin6_addr);
}

static int msgpipe_nl_fill_pipe(struct sk_buff *skb, struct msgpipe_pipe *pipe,
				u32 portid, u32 seq, int flags, u8 cmd)
{
	struct msgpipe_conn_info sum = {};
	void *hdr;
	int err;

	hdr = genlmsg_put(skb, portid, seq, &msgpipe_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	spin_lock(&pipe->lock);
	msgpipe_pipe_totals(pipe, &sum);
	err = nla_put_u32(skb, MSGPIPE_A_PIPE_ID, pipe->id) ?:
	      nla_put_u8(skb, MSGPIPE_A_PIPE_SECURITY, pipe->security) ?:
	      msgpipe_nl_put_peer(skb, &pipe->peer) ?:
	      nla_put_u32(skb, MSGPIPE_A_PIPE_CONNS, pipe->nconns) ?:
	      nla_put_u32(skb, MSGPIPE_A_PIPE_LIVE, pipe->live) ?:
	      nla_put_u8(skb, MSGPIPE_A_PIPE_STATE, pipe->state) ?:
	      nla_put_u8(skb, MSGPIPE_A_PIPE_KEEP, pipe->persist) ?:
	      nla_put_u32(skb, MSGPIPE_A_PIPE_SESSIONS, pipe->nr_sessions) ?:
	      nla_put_s32(skb, MSGPIPE_A_PIPE_ERROR, pipe->err) ?:
	      nla_put_u32(skb, MSGPIPE_A_PIPE_CONN_FAILURES, sum.failures) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_PIPE_TX_FRAMES, sum.tx_frames,
				MSGPIPE_A_PAD) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_PIPE_TX_BYTES, sum.tx_bytes,
				MSGPIPE_A_PAD) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_PIPE_RETRANSMITS,
				sum.retransmits, MSGPIPE_A_PAD) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_PIPE_RX_FRAMES, sum.rx_frames,
				MSGPIPE_A_PAD) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_PIPE_RX_BYTES, sum.rx_bytes,
				MSGPIPE_A_PAD);
	if (!err && pipe->inbound)
		err = nla_put_flag(skb, MSGPIPE_A_PIPE_INBOUND);
	spin_unlock(&pipe->lock);
	if (err) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int msgpipe_nl_fill_conn(struct sk_buff *skb, struct msgpipe_pipe *pipe,
				u32 idx, u32 portid, u32 seq, int flags, u8 cmd)
{
	struct msgpipe_conn_info ci = {};
	struct msgpipe_apipe *ap;
	void *hdr;
	u8 state;
	int err;

	spin_lock(&pipe->lock);
	state = pipe->conns[idx].state;
	ap = pipe->apipe;
	if (ap)
		ap->agent->ops->conn_info(ap, idx, &ci);
	spin_unlock(&pipe->lock);

	hdr = genlmsg_put(skb, portid, seq, &msgpipe_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	err = nla_put_u32(skb, MSGPIPE_A_PIPE_ID, pipe->id) ?:
	      nla_put_u32(skb, MSGPIPE_A_CONN_IDX, idx) ?:
	      nla_put_u8(skb, MSGPIPE_A_CONN_STATE, state) ?:
	      nla_put_u32(skb, MSGPIPE_A_CONN_FAILURES, ci.failures) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_CONN_TX_FRAMES, ci.tx_frames,
				MSGPIPE_A_PAD) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_CONN_TX_BYTES, ci.tx_bytes,
				MSGPIPE_A_PAD) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_CONN_RETRANSMITS, ci.retransmits,
				MSGPIPE_A_PAD) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_CONN_RX_FRAMES, ci.rx_frames,
				MSGPIPE_A_PAD) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_CONN_RX_BYTES, ci.rx_bytes,
				MSGPIPE_A_PAD);
	if (err) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int msgpipe_nl_fill_session(struct sk_buff *skb,
				   struct msgpipe_sock *msk, u32 portid,
				   u32 seq, int flags, u8 cmd)
{
	struct msgpipe_pipe *pipe;
	u64 unacked, queued;
	u32 remote, pipe_id;
	void *hdr;
	u8 state;
	u16 port;
	int err;

	spin_lock(&msk->lock);
	state = msk->state;
	remote = msk->remote_id;
	port = msk->port;
	unacked = msk->tx_stream - msk->tx_acked;
	queued = msk->rx_queued;
	pipe = READ_ONCE(msk->pipe);
	pipe_id = pipe ? pipe->id : 0;
	spin_unlock(&msk->lock);

	hdr = genlmsg_put(skb, portid, seq, &msgpipe_nl_family, flags, cmd);
	if (!hdr)
		return -EMSGSIZE;
	err = nla_put_u32(skb, MSGPIPE_A_SESSION_ID, msk->local_id) ?:
	      nla_put_u32(skb, MSGPIPE_A_SESSION_REMOTE_ID, remote) ?:
	      nla_put_u8(skb, MSGPIPE_A_SESSION_STATE, state) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_SESSION_TX_UNACKED, unacked,
				MSGPIPE_A_PAD) ?:
	      nla_put_u64_64bit(skb, MSGPIPE_A_SESSION_RX_QUEUED, queued,
				MSGPIPE_A_PAD);
	if (!err && port)
		err = nla_put_u16(skb, MSGPIPE_A_SESSION_PORT, port);
	if (!err && pipe_id)
		err = nla_put_u32(skb, MSGPIPE_A_PIPE_ID, pipe_id);
	if (err) {
		genlmsg_cancel(skb, hdr);
		return -EMSGSIZE;
	}
	genlmsg_end(skb, hdr);
	return 0;
}

static int msgpipe_nl_pipe_new(struct sk_buff *skb, struct genl_info *info)
{
	struct msgpipe_net *mn = msgpipe_nl_net(info);
	struct nlattr **tb = info->attrs;
	struct sockaddr_storage peer = {};
	struct msgpipe_pipe *pipe, *old;
	struct sk_buff *msg;
	u8 security;
	u32 nconns;
	int err;

	if (!!tb[MSGPIPE_A_PEER_IPV4] == !!tb[MSGPIPE_A_PEER_IPV6]) {
		NL_SET_ERR_MSG(info->extack,
			       "give exactly one of peer-ipv4 and peer-ipv6");
		return -EINVAL;
	}
	if (tb[MSGPIPE_A_PEER_IPV4]) {
		struct sockaddr_in *sin = (struct sockaddr_in *)&peer;

		sin->sin_family = AF_INET;
		sin->sin_port = htons(mn->tcp_port);
		sin->sin_addr.s_addr = nla_get_in_addr(tb[MSGPIPE_A_PEER_IPV4]);
		if (ipv4_is_multicast(sin->sin_addr.s_addr) ||
		    ipv4_is_zeronet(sin->sin_addr.s_addr) ||
		    ipv4_is_lbcast(sin->sin_addr.s_addr)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[MSGPIPE_A_PEER_IPV4],
					    "peer must be a unicast address");
			return -EINVAL;
		}
	} else {
		struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&peer;

		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(mn->tcp_port);
		sin6->sin6_addr = nla_get_in6_addr(tb[MSGPIPE_A_PEER_IPV6]);
		if (ipv6_addr_any(&sin6->sin6_addr) ||
		    ipv6_addr_is_multicast(&sin6->sin6_addr) ||
		    (ipv6_addr_type(&sin6->sin6_addr) & IPV6_ADDR_LINKLOCAL)) {
			NL_SET_ERR_MSG_ATTR(info->extack,
					    tb[MSGPIPE_A_PEER_IPV6],
					    "peer must be a global or unique-local unicast address");
			return -EINVAL;
		}
	}
	nconns = tb[MSGPIPE_A_PIPE_CONNS] ?
		 nla_get_u32(tb[MSGPIPE_A_PIPE_CONNS]) : READ_ONCE(mn->pipe_conns);
	security = tb[MSGPIPE_A_PIPE_SECURITY] ?
		   nla_get_u8(tb[MSGPIPE_A_PIPE_SECURITY]) :
		   READ_ONCE(mn->security);
	if (security == MSGPIPE_SECURITY_NONE &&
	    READ_ONCE(mn->require_security)) {
		NL_SET_ERR_MSG_ATTR(info->extack, tb[MSGPIPE_A_PIPE_SECURITY],
				    "this namespace requires a pipe security other than none");
		return -EPERM;
	}

	mutex_lock(&mn->lock);
	list_for_each_entry(old, &mn->pipes, node)
		if (!old->inbound && msgpipe_addr_same_host(&old->peer, &peer)) {
			mutex_unlock(&mn->lock);
			NL_SET_ERR_MSG(info->extack,
				       "a pipe to that peer exists already");
			return -EEXIST;
		}
	mutex_unlock(&mn->lock);

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	pipe = msgpipe_pipe_open(mn, &peer, nconns,
				 !tb[MSGPIPE_A_PIPE_KEEP] ||
				 nla_get_u8(tb[MSGPIPE_A_PIPE_KEEP]), security);
	if (IS_ERR(pipe)) {
		nlmsg_free(msg);
		err = PTR_ERR(pipe);
		if (err == -ESRCH)
			NL_SET_ERR_MSG(info->extack,
				       "no TLS handshake daemon (msgpiped) listens in this namespace");
		else if (security && (err == -ETIMEDOUT || err == -EPROTO ||
				      err == -EBUSY || err == -EACCES ||
				      err == -EKEYREJECTED))
			NL_SET_ERR_MSG(info->extack,
				       "the connection's TLS handshake failed");
		else
			NL_SET_ERR_MSG(info->extack,
				       "cannot open a pipe to the peer's msgpipe listener");
		return err;
	}
	err = msgpipe_nl_fill_pipe(msg, pipe, info->snd_portid, info->snd_seq,
				   0, MSGPIPE_CMD_PIPE_NEW);
	msgpipe_pipe_put(pipe);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static struct msgpipe_pipe *msgpipe_nl_pipe_arg(struct genl_info *info)
{
	struct msgpipe_pipe *pipe;

	if (msgpipe_nl_missing(info, MSGPIPE_A_PIPE_ID, "pipe-id is required"))
		return ERR_PTR(-EINVAL);
	pipe = msgpipe_nl_pipe_get(msgpipe_nl_net(info),
				   nla_get_u32(info->attrs[MSGPIPE_A_PIPE_ID]));
	if (!pipe) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[MSGPIPE_A_PIPE_ID]);
		NL_SET_ERR_MSG(info->extack, "no such pipe");
		return ERR_PTR(-ENOENT);
	}
	return pipe;
}

static int msgpipe_nl_pipe_del(struct sk_buff *skb, struct genl_info *info)
{
	struct msgpipe_pipe *pipe = msgpipe_nl_pipe_arg(info);

	if (IS_ERR(pipe))
		return PTR_ERR(pipe);
	/* Its sessions are reset (ENETDOWN); the pipe goes with its last. */
	msgpipe_pipe_detach(pipe, false);
	msgpipe_pipe_put(pipe);
	return 0;
}

static int msgpipe_nl_pipe_set(struct sk_buff *skb, struct genl_info *info)
{
	struct msgpipe_pipe *pipe = msgpipe_nl_pipe_arg(info);

	if (IS_ERR(pipe))
		return PTR_ERR(pipe);
	if (info->attrs[MSGPIPE_A_PIPE_KEEP])
		msgpipe_pipe_set_keep(pipe,
				      nla_get_u8(info->attrs[MSGPIPE_A_PIPE_KEEP]));
	msgpipe_pipe_put(pipe);
	return 0;
}

static int msgpipe_nl_pipe_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct msgpipe_pipe *pipe = msgpipe_nl_pipe_arg(info);
	struct sk_buff *msg;
	int err;

	if (IS_ERR(pipe))
		return PTR_ERR(pipe);
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	err = msg ? msgpipe_nl_fill_pipe(msg, pipe, info->snd_portid,
					 info->snd_seq, 0, MSGPIPE_CMD_PIPE_GET) :
		    -ENOMEM;
	msgpipe_pipe_put(pipe);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

/* The @n-th pipe of @mn with a reference, or NULL past the end. */
static struct msgpipe_pipe *msgpipe_nl_pipe_nth(struct msgpipe_net *mn, long n)
{
	struct msgpipe_pipe *pipe, *found = NULL;

	mutex_lock(&mn->lock);
	list_for_each_entry(pipe, &mn->pipes, node)
		if (n-- == 0) {
			refcount_inc(&pipe->refs);
			found = pipe;
			break;
		}
	mutex_unlock(&mn->lock);
	return found;
}

static int msgpipe_nl_pipe_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct msgpipe_net *mn = msgpipe_net(sock_net(skb->sk));
	struct msgpipe_pipe *pipe;
	int err = 0;

	while ((pipe = msgpipe_nl_pipe_nth(mn, cb->args[0]))) {
		err = msgpipe_nl_fill_pipe(skb, pipe,
					   NETLINK_CB(cb->skb).portid,
					   cb->nlh->nlmsg_seq, NLM_F_MULTI,
					   MSGPIPE_CMD_PIPE_GET);
		msgpipe_pipe_put(pipe);
		if (err)
			break;
		cb->args[0]++;
	}
	return err == -EMSGSIZE && skb->len ? skb->len : err ?: skb->len;
}

static int msgpipe_nl_conn_dump(struct sk_buff *skb,
				struct netlink_callback *cb)
{
	struct nlattr *id_attr = msgpipe_dump_attrs(cb)[MSGPIPE_A_PIPE_ID];
	struct msgpipe_net *mn = msgpipe_net(sock_net(skb->sk));
	struct msgpipe_pipe *pipe;
	int err = 0;

	while ((pipe = msgpipe_nl_pipe_nth(mn, cb->args[0]))) {
		if (id_attr && pipe->id != nla_get_u32(id_attr)) {
			msgpipe_pipe_put(pipe);
			cb->args[0]++;
			continue;
		}
		for (; cb->args[1] < pipe->nconns; cb->args[1]++) {
			err = msgpipe_nl_fill_conn(skb, pipe, cb->args[1],
						   NETLINK_CB(cb->skb).portid,
						   cb->nlh->nlmsg_seq,
						   NLM_F_MULTI,
						   MSGPIPE_CMD_CONN_GET);
			if (err)
				break;
		}
		msgpipe_pipe_put(pipe);
		if (err)
			break;
		cb->args[0]++;
		cb->args[1] = 0;
	}
	return err == -EMSGSIZE && skb->len ? skb->len : err ?: skb->len;
}

/* The session with the lowest id >= *@id, with a reference, or NULL. */
static struct msgpipe_sock *msgpipe_nl_session_next(struct msgpipe_net *mn,
						    unsigned long *id)
{
	struct msgpipe_sock *msk;

	xa_lock(&mn->sids);
	for (;;) {
		msk = xa_find(&mn->sids, id, ULONG_MAX, XA_PRESENT);
		if (!msk || refcount_inc_not_zero(&msk->sk.sk_refcnt))
			break;
		(*id)++;
	}
	xa_unlock(&mn->sids);
	return msk;
}

static int msgpipe_nl_session_get_doit(struct sk_buff *skb,
				       struct genl_info *info)
{
	struct msgpipe_sock *msk;
	struct sk_buff *msg;
	int err;

	if (msgpipe_nl_missing(info, MSGPIPE_A_SESSION_ID,
			       "session-id is required"))
		return -EINVAL;
	msk = msgpipe_sid_lookup(msgpipe_nl_net(info),
				 nla_get_u32(info->attrs[MSGPIPE_A_SESSION_ID]));
	if (!msk) {
		NL_SET_BAD_ATTR(info->extack, info->attrs[MSGPIPE_A_SESSION_ID]);
		NL_SET_ERR_MSG(info->extack, "no such session");
		return -ENOENT;
	}
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	err = msg ? msgpipe_nl_fill_session(msg, msk, info->snd_portid,
					    info->snd_seq, 0,
					    MSGPIPE_CMD_SESSION_GET) : -ENOMEM;
	sock_put(&msk->sk);
	if (err) {
		nlmsg_free(msg);
		return err;
	}
	return genlmsg_reply(msg, info);
}

static int msgpipe_nl_session_dump(struct sk_buff *skb,
				   struct netlink_callback *cb)
{
	struct msgpipe_net *mn = msgpipe_net(sock_net(skb->sk));
	unsigned long id = cb->args[0];
	struct msgpipe_sock *msk;
	int err = 0;

	while ((msk = msgpipe_nl_session_next(mn, &id))) {
		err = msgpipe_nl_fill_session(skb, msk,
					      NETLINK_CB(cb->skb).portid,
					      cb->nlh->nlmsg_seq, NLM_F_MULTI,
					      MSGPIPE_CMD_SESSION_GET);
		sock_put(&msk->sk);
		if (err)
			break;
		id++;
	}
	cb->args[0] = id;
	return err == -EMSGSIZE && skb->len ? skb->len : err ?: skb->len;
}

/* The caller's namespace's counters; with MSGPIPE_A_STAT_ALL the sum over
 * every namespace, which tells of other namespaces: only for an admin of
 * the initial user namespace.
 */
static int msgpipe_nl_stats_get(struct sk_buff *skb, struct genl_info *info)
{
	struct nlattr *want = info->attrs[MSGPIPE_A_STAT_NAME];
	struct msgpipe_net *mn = msgpipe_nl_net(info);
	struct sk_buff *msg;
	struct nlattr *nest;
	bool found = false;
	void *hdr;
	int i;

	if (info->attrs[MSGPIPE_A_STAT_ALL]) {
		if (!netlink_capable(skb, CAP_NET_ADMIN)) {
			NL_SET_BAD_ATTR(info->extack,
					info->attrs[MSGPIPE_A_STAT_ALL]);
			NL_SET_ERR_MSG(info->extack,
				       "every namespace's counters need CAP_NET_ADMIN in the initial user namespace");
			return -EPERM;
		}
		mn = NULL;
	}
	/* Every counter, a name of up to 32 bytes each: no page limit. */
	msg = genlmsg_new(MSGPIPE_STAT_NR * (nla_total_size(0) +
					    nla_total_size(32) +
					    nla_total_size_64bit(sizeof(s64))),
			  GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &msgpipe_nl_family, 0,
				MSGPIPE_CMD_STATS_GET);
	if (!hdr)
		goto err_free;
	for (i = 0; i < MSGPIPE_STAT_NR; i++) {
		const char *name = msgpipe_stat_name(i);

		if (want && nla_strcmp(want, name))
			continue;
		found = true;
		nest = nla_nest_start(msg, MSGPIPE_A_STAT);
		if (!nest || nla_put_string(msg, MSGPIPE_A_STAT_NAME, name) ||
		    nla_put_s64(msg, MSGPIPE_A_STAT_VALUE,
				msgpipe_stat_read(mn, i),
				MSGPIPE_A_PAD))
			goto err_free;
		nla_nest_end(msg, nest);
	}
	if (!found) {
		nlmsg_free(msg);
		NL_SET_BAD_ATTR(info->extack, want);
		NL_SET_ERR_MSG(info->extack, "no such counter");
		return -ENOENT;
	}
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

static int msgpipe_nl_defaults_get(struct sk_buff *skb, struct genl_info *info)
{
	struct msgpipe_net *mn = msgpipe_nl_net(info);
	struct sk_buff *msg;
	unsigned int i;
	void *hdr;

	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_KERNEL);
	if (!msg)
		return -ENOMEM;
	hdr = genlmsg_put_reply(msg, info, &msgpipe_nl_family, 0,
				MSGPIPE_CMD_DEFAULTS_GET);
	if (!hdr || nla_put_u32(msg, MSGPIPE_A_DEFAULT_CONNS,
				READ_ONCE(mn->pipe_conns)) ||
	    nla_put_u8(msg, MSGPIPE_A_DEFAULT_SECURITY, READ_ONCE(mn->security)) ||
	    nla_put_u8(msg, MSGPIPE_A_DEFAULT_REQUIRE_SECURITY,
		       READ_ONCE(mn->require_security)) ||
	    nla_put_u8(msg, MSGPIPE_A_DEFAULT_LISTEN,
		       READ_ONCE(mn->listen_mode)))
		goto err_free;
	for (i = 0; i < MSGPIPE_RDM_NR_TUN; i++)
		if (nla_put_u32(msg, MSGPIPE_A_DEFAULT_RDM_TIME_US + i,
				READ_ONCE(*(u32 *)((u8 *)&mn->rdm_tun +
					msgpipe_rdm_tunables[i].offset))))
			goto err_free;
	genlmsg_end(msg, hdr);
	return genlmsg_reply(msg, info);

err_free:
	nlmsg_free(msg);
	return -EMSGSIZE;
}

/* The policy checked every range; the RDM attributes follow the order of
 * msgpipe_rdm_tunables.
 */
static int msgpipe_nl_defaults_set(struct sk_buff *skb, struct genl_info *info)
{
	struct msgpipe_net *mn = msgpipe_nl_net(info);
	struct nlattr **tb = info->attrs;
	bool any = false;
	unsigned int i;

	if (tb[MSGPIPE_A_DEFAULT_CONNS]) {
		WRITE_ONCE(mn->pipe_conns,
			   nla_get_u32(tb[MSGPIPE_A_DEFAULT_CONNS]));
		any = true;
	}
	if (tb[MSGPIPE_A_DEFAULT_SECURITY]) {
		WRITE_ONCE(mn->security,
			   nla_get_u8(tb[MSGPIPE_A_DEFAULT_SECURITY]));
		any = true;
	}
	/* Pipes already up keep their security: the switch is for new ones. */
	if (tb[MSGPIPE_A_DEFAULT_REQUIRE_SECURITY]) {
		WRITE_ONCE(mn->require_security,
			   nla_get_u8(tb[MSGPIPE_A_DEFAULT_REQUIRE_SECURITY]));
		any = true;
	}
	for (i = 0; i < MSGPIPE_RDM_NR_TUN; i++) {
		struct nlattr *a = tb[MSGPIPE_A_DEFAULT_RDM_TIME_US + i];

		if (!a)
			continue;
		if (msgpipe_rdm_tun_set(&mn->rdm_tun, i, nla_get_u32(a))) {
			NL_SET_ERR_MSG_ATTR(info->extack, a, "value out of range");
			return -EINVAL;
		}
		any = true;
	}
	/* Opening the listener can fail (its TCP port taken). */
	if (tb[MSGPIPE_A_DEFAULT_LISTEN]) {
		int err = msgpipe_listen_set(mn,
				nla_get_u8(tb[MSGPIPE_A_DEFAULT_LISTEN]),
				info->extack);

		if (err)
			return err;
		any = true;
	}
	if (!any) {
		NL_SET_ERR_MSG(info->extack, "no default to set");
		return -EINVAL;
	}
	return 0;
}

static const struct genl_ops msgpipe_nl_ops[] = {
	{
		.cmd = MSGPIPE_CMD_PIPE_NEW,
		.doit = msgpipe_nl_pipe_new,
		.policy = msgpipe_nl_pipe_new_policy,
		.maxattr = MSGPIPE_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MSGPIPE_CMD_PIPE_DEL,
		.doit = msgpipe_nl_pipe_del,
		.policy = msgpipe_nl_pipe_id_policy,
		.maxattr = MSGPIPE_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MSGPIPE_CMD_PIPE_GET,
		.doit = msgpipe_nl_pipe_get_doit,
		.dumpit = msgpipe_nl_pipe_dump,
		.policy = msgpipe_nl_pipe_id_policy,
		.maxattr = MSGPIPE_A_MAX,
	},
	{
		.cmd = MSGPIPE_CMD_PIPE_SET,
		.doit = msgpipe_nl_pipe_set,
		.policy = msgpipe_nl_pipe_set_policy,
		.maxattr = MSGPIPE_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MSGPIPE_CMD_CONN_GET,
		.dumpit = msgpipe_nl_conn_dump,
		.policy = msgpipe_nl_pipe_id_policy,
		.maxattr = MSGPIPE_A_MAX,
	},
	{
		.cmd = MSGPIPE_CMD_SESSION_GET,
		.doit = msgpipe_nl_session_get_doit,
		.dumpit = msgpipe_nl_session_dump,
		.policy = msgpipe_nl_session_policy,
		.maxattr = MSGPIPE_A_MAX,
	},
	{
		.cmd = MSGPIPE_CMD_STATS_GET,
		.doit = msgpipe_nl_stats_get,
		.policy = msgpipe_nl_stats_policy,
		.maxattr = MSGPIPE_A_MAX,
	},
	{
		.cmd = MSGPIPE_CMD_DEFAULTS_GET,
		.doit = msgpipe_nl_defaults_get,
		.policy = msgpipe_nl_none_policy,
		.maxattr = MSGPIPE_A_MAX,
	},
	{
		.cmd = MSGPIPE_CMD_DEFAULTS_SET,
		.doit = msgpipe_nl_defaults_set,
		.policy = msgpipe_nl_defaults_policy,
		.maxattr = MSGPIPE_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MSGPIPE_CMD_AGENT_GET,
		.doit = msgpipe_nl_agent_get_doit,
		.dumpit = msgpipe_nl_agent_get_dump,
		.policy = msgpipe_nl_agent_get_policy,
		.maxattr = MSGPIPE_A_MAX,
	},
	{
		/* An agent and its knobs serve every namespace: changing
		 * them takes CAP_NET_ADMIN in the initial user namespace,
		 * not only in the caller's (GENL_UNS_ADMIN_PERM).
		 */
		.cmd = MSGPIPE_CMD_AGENT_SET,
		.doit = msgpipe_nl_agent_set,
		.policy = msgpipe_nl_agent_set_policy,
		.maxattr = MSGPIPE_A_MAX,
		.flags = GENL_ADMIN_PERM,
	},
	{
		.cmd = MSGPIPE_CMD_HS_ACCEPT,
		.doit = msgpipe_nl_hs_accept,
		.policy = msgpipe_nl_hs_accept_policy,
		.maxattr = MSGPIPE_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
	{
		.cmd = MSGPIPE_CMD_HS_DONE,
		.doit = msgpipe_nl_hs_done,
		.policy = msgpipe_nl_hs_done_policy,
		.maxattr = MSGPIPE_A_MAX,
		.flags = GENL_UNS_ADMIN_PERM,
	},
};

struct genl_family msgpipe_nl_family __ro_after_init = {
	.name = MSGPIPE_GENL_NAME,
	.version = MSGPIPE_GENL_VERSION,
	.netnsok = true,
	.parallel_ops = true,
	.module = THIS_MODULE,
	.ops = msgpipe_nl_ops,
	.n_ops = ARRAY_SIZE(msgpipe_nl_ops),
	.resv_start_op = MSGPIPE_CMD_PIPE_NEW,
	.mcgrps = msgpipe_nl_mcgrps,
	.n_mcgrps = ARRAY_SIZE(msgpipe_nl_mcgrps),
};

static void msgpipe_nl_notify(struct net *net, struct sk_buff *msg)
{
	genlmsg_multicast_netns(&msgpipe_nl_family, net, msg, 0,
				MSGPIPE_NLGRP_EVENTS, GFP_ATOMIC);
}

static bool msgpipe_nl_listened(struct net *net)
{
	return genl_has_listeners(&msgpipe_nl_family, net,
				  MSGPIPE_NLGRP_EVENTS);
}

/**
 * msgpipe_nl_has_listeners() - does anybody listen to a group?
 * @net:       the namespace
 * @handshake: the handshake group, else the events group
 *
 * Return: true when a socket of @net joined it.
 */
bool msgpipe_nl_has_listeners(struct net *net, bool handshake)
{
	return genl_has_listeners(&msgpipe_nl_family, net,
				  handshake ? MSGPIPE_NLGRP_HANDSHAKE :
					      MSGPIPE_NLGRP_EVENTS);
}

/**
 * msgpipe_nl_multicast() - send a message to a group; may sleep
 * @net:       the namespace
 * @msg:       the message, consumed
 * @handshake: the handshake group, else the events group
 *
 * Return: 0 or -errno (-ESRCH: nobody listens).
 */
int msgpipe_nl_multicast(struct net *net, struct sk_buff *msg, bool handshake)
{
	return genlmsg_multicast_netns(&msgpipe_nl_family, net, msg, 0,
				       handshake ? MSGPIPE_NLGRP_HANDSHAKE :
						   MSGPIPE_NLGRP_EVENTS,
				       GFP_KERNEL);
}

/**
 * msgpipe_nl_pipe_event() - tell the events group a pipe changed
 * @pipe: the pipe; any context, no pipe lock held
 */
void msgpipe_nl_pipe_event(struct msgpipe_pipe *pipe)
{
	struct net *net = pipe->mn->net;
	struct sk_buff *msg;

	if (!msgpipe_nl_listened(net))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	if (msgpipe_nl_fill_pipe(msg, pipe, 0, 0, 0, MSGPIPE_CMD_PIPE_NTF)) {
		nlmsg_free(msg);
		return;
	}
	msgpipe_nl_notify(net, msg);
}

/**
 * msgpipe_nl_conn_event() - tell the events group a connection changed
 * @pipe: its pipe; any context, no pipe lock held
 * @idx:  its slot
 */
void msgpipe_nl_conn_event(struct msgpipe_pipe *pipe, u32 idx)
{
	struct net *net = pipe->mn->net;
	struct sk_buff *msg;

	if (!msgpipe_nl_listened(net))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	if (msgpipe_nl_fill_conn(msg, pipe, idx, 0, 0, 0,
				 MSGPIPE_CMD_CONN_NTF)) {
		nlmsg_free(msg);
		return;
	}
	msgpipe_nl_notify(net, msg);
}

/**
 * msgpipe_nl_session_event() - tell the events group a session changed
 * @msk: the session; any context, its lock not held
 */
void msgpipe_nl_session_event(struct msgpipe_sock *msk)
{
	struct net *net = msk->mn->net;
	struct sk_buff *msg;

	if (!msk->local_id || !msgpipe_nl_listened(net))
		return;
	msg = genlmsg_new(NLMSG_DEFAULT_SIZE, GFP_ATOMIC);
	if (!msg)
		return;
	if (msgpipe_nl_fill_session(msg, msk, 0, 0, 0,
				    MSGPIPE_CMD_SESSION_NTF)) {
		nlmsg_free(msg);
		return;
	}
	msgpipe_nl_notify(net, msg);
}

/**
 * msgpipe_nl_init() - register the generic netlink family
 *
 * Return: 0 or -errno.
 */
int __init msgpipe_nl_init(void)
{
	return genl_register_family(&msgpipe_nl_family);
}

/**
 * msgpipe_nl_exit() - unregister it
 */
void msgpipe_nl_exit(void)
{
	genl_unregister_family(&msgpipe_nl_family);
}
