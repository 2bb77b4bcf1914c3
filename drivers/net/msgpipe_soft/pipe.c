// SPDX-License-Identifier: GPL-2.0
/*
 * The soft agent's side of the contract: pipe creation and destruction,
 * connection attachment, and the post/doorbell/forget operations the host
 * calls. Posts go into a ring of MSA_SQ_DEPTH frames.
 *
 * Locking: mp->lock is a spinlock because post() is called under the host's
 * pipe lock and must not sleep. Lifetime: msa_pipe_destroy() is the only
 * place a pipe is freed; it completes every frame still queued and waits
 * for TCP to release zero-copy pages, so the host gets exactly one
 * completion per successful post() and none after.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include "msa.h"

static atomic_t msa_pipe_ids = ATOMIC_INIT(0);
static DEFINE_MUTEX(msa_pipes_lock);
static LIST_HEAD(msa_pipes);

/**
 * msa_pipes_reset() - reset every connection of every pipe (fault knob)
 *
 * Return: how many were reset.
 */
int msa_pipes_reset(void)
{
	struct msa_pipe *mp;
	int n = 0;

	mutex_lock(&msa_pipes_lock);
	list_for_each_entry(mp, &msa_pipes, node) {
		spin_lock(&mp->lock);
		if (mp->conn && !atomic_read(&mp->conn->failed)) {
			spin_unlock(&mp->lock);
			/* The conn stays until conn_attach() or destroy,
			 * which take msa_pipes_lock first.
			 */
			msa_conn_reset(mp->conn);
			n++;
			continue;
		}
		spin_unlock(&mp->lock);
	}
	mutex_unlock(&msa_pipes_lock);
	return n;
}

static struct msgpipe_apipe *msa_pipe_create(struct msgpipe_agent *agent,
					     struct msgpipe_pipe *host)
{
	struct msa_pipe *mp;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL);
	if (!mp)
		return ERR_PTR(-ENOMEM);
	mp->sq = kcalloc(MSA_SQ_DEPTH, sizeof(*mp->sq), GFP_KERNEL);
	mp->zc_cqe = kcalloc(MSA_TX_BATCH, sizeof(*mp->zc_cqe), GFP_KERNEL);
	if (!mp->sq || !mp->zc_cqe) {
		kfree(mp->zc_cqe);
		kfree(mp->sq);
		kfree(mp);
		return ERR_PTR(-ENOMEM);
	}
	spin_lock_init(&mp->lock);
	spin_lock_init(&mp->zc_lock);
	init_waitqueue_head(&mp->tx_wq);
	init_waitqueue_head(&mp->idle_wq);
	xa_init(&mp->flows);
	INIT_DELAYED_WORK(&mp->retx_work, msa_flow_retx_work);
	INIT_LIST_HEAD(&mp->zc_done);
	INIT_WORK(&mp->zc_work, msa_zc_work);
	init_waitqueue_head(&mp->zc_wq);
	mp->id = atomic_inc_return(&msa_pipe_ids);
	mutex_lock(&msa_pipes_lock);
	list_add_tail(&mp->node, &msa_pipes);
	mutex_unlock(&msa_pipes_lock);
	msa_stat_add(MSA_STAT_PIPES, 1);
	return &mp->ap;
}

static bool msa_pipe_idle(struct msa_pipe *mp)
{
	bool idle;

	spin_lock(&mp->lock);
	idle = mp->sq_prod == mp->sq_cons && !mp->tx_busy;
	spin_unlock(&mp->lock);
	return idle || !mp->conn || atomic_read(&mp->conn->failed);
}

static void msa_pipe_destroy(struct msgpipe_apipe *ap, bool graceful)
{
	struct msa_pipe *mp = container_of(ap, struct msa_pipe, ap);
	struct msgpipe_cqe cqe = {
		.type = MSGPIPE_CQE_TX_DONE,
		.status = -ECONNABORTED,
	};

	if (graceful)
		wait_event_timeout(mp->idle_wq, msa_pipe_idle(mp), 5 * HZ);
	mutex_lock(&msa_pipes_lock);
	list_del(&mp->node);
	mutex_unlock(&msa_pipes_lock);
	if (mp->conn)
		msa_conn_destroy(mp->conn, graceful);
	/* The socket is released: TCP lets go of zero-copy pages. */
	msa_zc_drain(mp);
	msa_flow_destroy(mp);

	/* Whatever the transmit thread did not take completes unsent. */
	while (mp->sq_cons != mp->sq_prod) {
		cqe.tx = mp->sq[mp->sq_cons++ % MSA_SQ_DEPTH];
		msgpipe_agent_complete(ap->host, &cqe, 1);
		msa_stat_add(MSA_STAT_TX_QUEUED, -1);
	}
	kfree(mp->zc_cqe);
	kfree(mp->sq);
	kfree(mp);
	msa_stat_add(MSA_STAT_PIPES, -1);
}

static int msa_conn_attach(struct msgpipe_apipe *ap, struct socket *sock)
{
	struct msa_pipe *mp = container_of(ap, struct msa_pipe, ap);
	struct msa_conn *conn, *old;

	/* One connection per pipe in this version: a new one replaces a
	 * broken one (the host re-established the pipe).
	 */
	if (mp->conn && !atomic_read(&mp->conn->failed))
		msa_conn_reset(mp->conn);
	conn = msa_conn_create(mp, sock);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	mutex_lock(&msa_pipes_lock);
	spin_lock(&mp->lock);
	old = mp->conn;
	mp->conn = conn;
	spin_unlock(&mp->lock);
	mutex_unlock(&msa_pipes_lock);
	if (old) {
		msa_conn_destroy(old, false);
		msa_stat_add(MSA_STAT_CONN_REPLACED, 1);
		/* Resend what the peer lacks, then what waited. */
		msa_flow_resend(mp);
	}
	wake_up(&mp->tx_wq);
	return 0;
}

static int msa_post(struct msgpipe_apipe *ap, struct msgpipe_tx *tx)
{
	struct msa_pipe *mp = container_of(ap, struct msa_pipe, ap);
	u64 total = 0;
	int err = 0;

	/* A chain must describe exactly the frame's payload. */
	if (tx->frame.chunk_len &&
	    (msgpipe_chain_validate(tx->chain, &total) ||
	     total != tx->frame.chunk_len))
		return -EINVAL;
	if (!tx->frame.chunk_len && tx->chain)
		return -EINVAL;

	spin_lock(&mp->lock);
	if (!mp->conn)
		err = -ENOTCONN;
	else if (WARN_ON_ONCE(mp->sq_prod - mp->sq_cons >= MSA_SQ_DEPTH))
		err = -ENOSPC;	/* the host broke the ring contract */
	else
		mp->sq[mp->sq_prod++ % MSA_SQ_DEPTH] = tx;
	spin_unlock(&mp->lock);
	if (!err)
		msa_stat_add(MSA_STAT_TX_QUEUED, 1);
	return err;
}

static void msa_doorbell(struct msgpipe_apipe *ap)
{
	struct msa_pipe *mp = container_of(ap, struct msa_pipe, ap);

	wake_up(&mp->tx_wq);
}

static void msa_forget(struct msgpipe_apipe *ap, u32 sid)
{
	msa_flow_forget(container_of(ap, struct msa_pipe, ap), sid);
}

const struct msgpipe_agent_ops msa_ops = {
	.pipe_create = msa_pipe_create,
	.pipe_destroy = msa_pipe_destroy,
	.conn_attach = msa_conn_attach,
	.post = msa_post,
	.doorbell = msa_doorbell,
	.forget = msa_forget,
};
