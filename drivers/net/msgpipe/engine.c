// SPDX-License-Identifier: GPL-2.0
/*
 * The engine: per network namespace state (session and port tables, pipes)
 * and the kernel TCP listener that accepts pipe connections from peers.
 *
 * Lifetime: the engine lives as long as its namespace. User sockets hold a
 * reference on the namespace, kernel TCP sockets do not, so the namespace
 * exit tears down the listener (listen.c) and every pipe and waits for
 * them.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/module.h>
#include <linux/random.h>
#include <net/net_namespace.h>
#include <net/netns/generic.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "stats.h"

static unsigned int msgpipe_net_id __read_mostly;

/**
 * msgpipe_net() - the engine of a namespace
 * @net: the namespace
 *
 * Return: the engine.
 */
struct msgpipe_net *msgpipe_net(const struct net *net)
{
	return net_generic(net, msgpipe_net_id);
}

static struct msgpipe_sock *msgpipe_xa_lookup(struct xarray *xa,
					      unsigned long idx)
{
	struct msgpipe_sock *msk;

	xa_lock(xa);
	msk = xa_load(xa, idx);
	if (msk)
		sock_hold(&msk->sk);
	xa_unlock(xa);
	return msk;
}

/**
 * msgpipe_sid_alloc() - give a session a local id
 * @mn:  engine
 * @msk: the session
 * @id:  where to put the id
 *
 * Ids are handed out cyclically, so an id comes back only after 2^32
 * others: a late frame of a closed session (a repeated FIN or ACK) finds
 * no session, never a new one that reused its id.
 *
 * Return: 0 or -errno (-EBUSY when every id is taken).
 */
int msgpipe_sid_alloc(struct msgpipe_net *mn, struct msgpipe_sock *msk,
		      u32 *id)
{
	int err = xa_alloc_cyclic(&mn->sids, id, msk, xa_limit_32b,
				  &mn->next_sid, GFP_KERNEL);

	return err < 0 ? err : 0;
}

/**
 * msgpipe_sid_lookup() - find a session by its local id
 * @mn:  engine
 * @sid: local session id
 *
 * Return: the socket with a reference held, or NULL.
 */
struct msgpipe_sock *msgpipe_sid_lookup(struct msgpipe_net *mn, u32 sid)
{
	return msgpipe_xa_lookup(&mn->sids, sid);
}

/**
 * msgpipe_port_lookup() - find the socket bound to a service port
 * @mn:   engine
 * @port: service port
 *
 * Return: the socket with a reference held, or NULL.
 */
struct msgpipe_sock *msgpipe_port_lookup(struct msgpipe_net *mn, u16 port)
{
	return msgpipe_xa_lookup(&mn->ports, port);
}

static unsigned int msgpipe_pipe_conns = 1;

static int msgpipe_pipe_conns_set(const char *val,
				  const struct kernel_param *kp)
{
	unsigned int n;
	int err = kstrtouint(val, 0, &n);

	if (err)
		return err;
	if (!n || n > MSGPIPE_PIPE_CONNS_MAX)
		return -ERANGE;
	*(unsigned int *)kp->arg = n;
	return 0;
}

static const struct kernel_param_ops msgpipe_pipe_conns_ops = {
	.set = msgpipe_pipe_conns_set,
	.get = param_get_uint,
};
module_param_cb(pipe_conns, &msgpipe_pipe_conns_ops, &msgpipe_pipe_conns,
		0644);
MODULE_PARM_DESC(pipe_conns,
		 "connections of a pipe connect() opens, in new namespaces (1..1024)");

static int __net_init msgpipe_net_init(struct net *net)
{
	struct msgpipe_net *mn = msgpipe_net(net);
	int err;

	err = msgpipe_stats_net_init(mn);
	if (err)
		return err;
	mn->net = net;
	mutex_init(&mn->lock);
	mutex_init(&mn->listen_lock);
	INIT_DELAYED_WORK(&mn->listen_work, msgpipe_listen_work);
	mn->listen_grace = jiffies;
	INIT_LIST_HEAD(&mn->pipes);
	atomic_set(&mn->nr_pipes, 0);
	atomic_set(&mn->nr_hellos, 0);
	init_waitqueue_head(&mn->pipes_wq);
	init_waitqueue_head(&mn->pin_wq);
	atomic_long_set(&mn->pinned, 0);
	INIT_WORK(&mn->accept_work, msgpipe_accept_work);
	xa_init_flags(&mn->sids, XA_FLAGS_ALLOC1);
	xa_init(&mn->ports);
	mn->tcp_port = MSGPIPE_TCP_PORT;
	mn->pipe_conns = READ_ONCE(msgpipe_pipe_conns);
	mn->rdm_tun = (struct msgpipe_rdm_tun) {
		.time_us = 2000,
		.size = 256 << 10,
		.retry_ms = 2000,
		.retries = 5,
		.rx_time_us = 1000,
		.rx_size = 256 << 10,
	};
	spin_lock_init(&mn->guid_lock);
	spin_lock_init(&mn->hs_lock);
	INIT_LIST_HEAD(&mn->hs_list);
	mn->security = MSGPIPE_SECURITY_NONE;
	mn->listen_mode = MSGPIPE_LISTEN_AUTO;
	hash_init(mn->guids);
	/* GUIDs: a random half per engine, a keyed hash of a counter for
	 * the other (msgpipe_rdm_guid_assign()).
	 */
	mn->guid_hi = get_random_u64() | 1;
	get_random_bytes(&mn->guid_key, sizeof(mn->guid_key));
	return 0;
}

static void __net_exit msgpipe_net_exit(struct net *net)
{
	struct msgpipe_net *mn = msgpipe_net(net);

	msgpipe_listen_stop(mn);
	msgpipe_pipes_shutdown(mn);
	/* Freed pipes queued it; nothing queues it after the last. */
	cancel_delayed_work_sync(&mn->listen_work);
	WARN_ON_ONCE(!xa_empty(&mn->sids));
	WARN_ON_ONCE(!hash_empty(mn->guids));
	WARN_ON_ONCE(!xa_empty(&mn->ports));
	xa_destroy(&mn->sids);
	xa_destroy(&mn->ports);
	msgpipe_stats_net_exit(mn);
}

static struct pernet_operations msgpipe_net_ops = {
	.init = msgpipe_net_init,
	.exit = msgpipe_net_exit,
	.id = &msgpipe_net_id,
	.size = sizeof(struct msgpipe_net),
};

/**
 * msgpipe_engine_init() - set up the engine in every namespace
 *
 * Return: 0 or -errno.
 */
int msgpipe_engine_init(void)
{
	return register_pernet_subsys(&msgpipe_net_ops);
}

/**
 * msgpipe_engine_exit() - tear down every engine
 */
void msgpipe_engine_exit(void)
{
	unregister_pernet_subsys(&msgpipe_net_ops);
}
