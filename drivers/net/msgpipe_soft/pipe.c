// SPDX-License-Identifier: GPL-2.0
/*
 * The soft agent's side of the contract: pipe creation and destruction,
 * connection attachment, and the post/doorbell/rx_resume operations the
 * host calls.
 *
 * Locking: mp->lock is a spinlock because post() is called under the host's
 * pipe lock and must not sleep. Lifetime: msa_pipe_destroy() is the only
 * place a pipe is freed; it completes every frame still queued, so the
 * host gets exactly one completion per successful post().
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include "msa.h"

static atomic_t msa_pipe_ids = ATOMIC_INIT(0);

static struct msgpipe_apipe *msa_pipe_create(struct msgpipe_agent *agent,
					     struct msgpipe_pipe *host)
{
	struct msa_pipe *mp;

	mp = kzalloc(sizeof(*mp), GFP_KERNEL);
	if (!mp)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&mp->lock);
	INIT_LIST_HEAD(&mp->txq);
	init_waitqueue_head(&mp->tx_wq);
	init_waitqueue_head(&mp->idle_wq);
	mp->id = atomic_inc_return(&msa_pipe_ids);
	msa_stat_add(MSA_STAT_PIPES, 1);
	return &mp->ap;
}

static bool msa_pipe_idle(struct msa_pipe *mp)
{
	bool idle;

	spin_lock(&mp->lock);
	idle = list_empty(&mp->txq) && !mp->tx_busy;
	spin_unlock(&mp->lock);
	return idle || !mp->conn || atomic_read(&mp->conn->failed);
}

static void msa_pipe_destroy(struct msgpipe_apipe *ap, bool graceful)
{
	struct msa_pipe *mp = container_of(ap, struct msa_pipe, ap);
	struct msgpipe_cqe cqe[MSA_TX_BATCH];
	struct msgpipe_tx *tx, *tmp;
	unsigned int n = 0;
	LIST_HEAD(left);

	if (graceful)
		wait_event_timeout(mp->idle_wq, msa_pipe_idle(mp), 5 * HZ);
	if (mp->conn)
		msa_conn_destroy(mp->conn, graceful);

	/* Whatever the transmit thread did not take completes unsent. */
	spin_lock(&mp->lock);
	list_splice_init(&mp->txq, &left);
	spin_unlock(&mp->lock);
	list_for_each_entry_safe(tx, tmp, &left, node) {
		list_del_init(&tx->node);
		cqe[n++] = (struct msgpipe_cqe) {
			.type = MSGPIPE_CQE_TX_DONE,
			.status = -ECONNABORTED,
			.tx = tx,
		};
		if (n == MSA_TX_BATCH || list_empty(&left)) {
			msgpipe_agent_complete(ap->host, cqe, n);
			msa_stat_add(MSA_STAT_TX_QUEUED, -(s64)n);
			n = 0;
		}
	}
	kfree(mp);
	msa_stat_add(MSA_STAT_PIPES, -1);
}

static int msa_conn_attach(struct msgpipe_apipe *ap, struct socket *sock)
{
	struct msa_pipe *mp = container_of(ap, struct msa_pipe, ap);
	struct msa_conn *conn;

	if (mp->conn) {
		/* One connection per pipe in this version. */
		sock_release(sock);
		return -EBUSY;
	}
	conn = msa_conn_create(mp, sock);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	spin_lock(&mp->lock);
	mp->conn = conn;
	spin_unlock(&mp->lock);
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
	if (!mp->conn || atomic_read(&mp->conn->failed))
		err = -ENOTCONN;
	else
		list_add_tail(&tx->node, &mp->txq);
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

static void msa_rx_resume(struct msgpipe_apipe *ap)
{
	struct msa_pipe *mp = container_of(ap, struct msa_pipe, ap);

	spin_lock(&mp->lock);
	if (mp->conn)
		msa_conn_resume(mp->conn);
	spin_unlock(&mp->lock);
}

const struct msgpipe_agent_ops msa_ops = {
	.pipe_create = msa_pipe_create,
	.pipe_destroy = msa_pipe_destroy,
	.conn_attach = msa_conn_attach,
	.post = msa_post,
	.doorbell = msa_doorbell,
	.rx_resume = msa_rx_resume,
};
