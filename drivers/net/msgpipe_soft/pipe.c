// SPDX-License-Identifier: GPL-2.0
/*
 * The soft agent's side of the contract: pipe creation and destruction,
 * connection attachment, and the post/doorbell/forget operations the host
 * calls. DATA frames go into one ring every connection takes from (the
 * dispatcher: an idle connection takes the next chunk, so a message is
 * striped over all live connections in proportion to what each can carry);
 * other frames into a ring only the control connection takes from.
 *
 * Locking: mp->lock is a spinlock because post() is called under the host's
 * pipe lock and must not sleep; it also guards the connection slots.
 * msa_pipes_lock orders the reset knob against attach and destroy.
 * Lifetime: msa_pipe_destroy() is the only
 * place a pipe is freed; it completes every frame still queued and waits
 * for TCP to release zero-copy pages, so the host gets exactly one
 * completion per successful post() and none after.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/delay.h>
#include <linux/module.h>
#include <linux/net.h>
#include <linux/slab.h>
#include "msa.h"

static atomic_t msa_pipe_ids = ATOMIC_INIT(0);
static DEFINE_MUTEX(msa_pipes_lock);
static LIST_HEAD(msa_pipes);

/**
 * msa_pipes_fault() - break connections of every pipe (fault knobs)
 * @mask:  bit i breaks connection i (the first 64 slots); all ones: all
 * @fault: a TCP reset now, or a fatal TLS alert sent by the connection's
 *         transmit thread (the only writer of its socket)
 *
 * Return: how many were broken.
 */
int msa_pipes_fault(u64 mask, enum msa_fault fault)
{
	struct msa_pipe *mp;
	unsigned int i;
	int n = 0;

	mutex_lock(&msa_pipes_lock);
	list_for_each_entry(mp, &msa_pipes, node) {
		for (i = 0; i < mp->nconns; i++) {
			struct msa_conn *conn = mp->conns[i];

			if (mask != U64_MAX && (i >= 64 || !(mask & BIT_ULL(i))))
				continue;
			/* A conn stays until conn_attach() or destroy,
			 * which take msa_pipes_lock first.
			 */
			if (!conn || atomic_read(&conn->failed))
				continue;
			if (fault == MSA_FAULT_RESET) {
				msa_conn_reset(conn);
			} else if (conn->tls) {
				atomic_set(&conn->alert, 1);
				wake_up_all(&mp->tx_wq);
			} else {
				continue;
			}
			n++;
		}
	}
	mutex_unlock(&msa_pipes_lock);
	return n;
}

/**
 * msa_pipe_pick_ctl() - choose the control connection again
 * @mp: the pipe, its lock held
 *
 * The live connection of lowest index carries the control frames.
 */
void msa_pipe_pick_ctl(struct msa_pipe *mp)
{
	unsigned int i;

	for (i = 0; i < mp->nconns; i++)
		if (mp->conns[i] && !atomic_read(&mp->conns[i]->failed))
			break;
	mp->ctl_idx = i;
}

static void msa_pipe_free(struct msa_pipe *mp)
{
	bitmap_free(mp->resend);
	kfree(mp->slots);
	kfree(mp->conns);
	kfree(mp->zc_cqe);
	kfree(mp->ctl);
	kfree(mp->sq);
	kfree(mp);
}

static struct msgpipe_apipe *msa_pipe_create(struct msgpipe_agent *agent,
					     struct msgpipe_pipe *host,
					     unsigned int nconns)
{
	struct msa_pipe *mp;

	if (!nconns || nconns > MSGPIPE_PIPE_CONNS_MAX)
		return ERR_PTR(-EINVAL);
	mp = kzalloc(sizeof(*mp), GFP_KERNEL);
	if (!mp)
		return ERR_PTR(-ENOMEM);
	mp->nconns = nconns;
	mp->ctl_idx = nconns;
	mp->sq = kcalloc(MSA_SQ_DEPTH, sizeof(*mp->sq), GFP_KERNEL);
	mp->ctl = kcalloc(MSA_SQ_DEPTH, sizeof(*mp->ctl), GFP_KERNEL);
	mp->zc_cqe = kcalloc(MSA_TX_BATCH, sizeof(*mp->zc_cqe), GFP_KERNEL);
	mp->conns = kcalloc(nconns, sizeof(*mp->conns), GFP_KERNEL);
	mp->slots = kcalloc(nconns, sizeof(*mp->slots), GFP_KERNEL);
	mp->resend = bitmap_zalloc(nconns, GFP_KERNEL);
	if (!mp->sq || !mp->ctl || !mp->zc_cqe || !mp->conns || !mp->slots ||
	    !mp->resend) {
		msa_pipe_free(mp);
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
	idle = (mp->sq_prod == mp->sq_cons && mp->ctl_prod == mp->ctl_cons &&
		!mp->tx_busy) || mp->ctl_idx == mp->nconns;
	spin_unlock(&mp->lock);
	return idle;
}

/* Complete what is left in a ring, unsent. */
static void msa_ring_flush(struct msa_pipe *mp, struct msgpipe_tx **ring,
			   u32 *cons, u32 prod)
{
	struct msgpipe_cqe cqe = {
		.type = MSGPIPE_CQE_TX_DONE,
		.status = -ECONNABORTED,
	};

	while (*cons != prod) {
		cqe.tx = ring[(*cons)++ % MSA_SQ_DEPTH];
		msgpipe_agent_complete(mp->ap.host, &cqe, 1);
		msa_stat_add(MSA_STAT_TX_QUEUED, -1);
	}
}

static void msa_pipe_destroy(struct msgpipe_apipe *ap, bool graceful)
{
	struct msa_pipe *mp = container_of(ap, struct msa_pipe, ap);
	unsigned int i;

	if (graceful)
		wait_event_timeout(mp->idle_wq, msa_pipe_idle(mp), 5 * HZ);
	mutex_lock(&msa_pipes_lock);
	list_del(&mp->node);
	mutex_unlock(&msa_pipes_lock);
	/* Every thread of the pipe stopped before any connection is freed:
	 * one that fails looks at all the slots (msa_pipe_pick_ctl()), and
	 * so does the flow timer, under mp->lock, until the slot is empty.
	 */
	for (i = 0; i < mp->nconns; i++)
		if (mp->conns[i])
			msa_conn_stop(mp->conns[i], graceful);
	for (i = 0; i < mp->nconns; i++) {
		struct msa_conn *conn;

		spin_lock(&mp->lock);
		conn = mp->conns[i];
		mp->conns[i] = NULL;
		spin_unlock(&mp->lock);
		if (conn)
			msa_conn_release(conn);
	}
	/* The sockets are released: TCP lets go of zero-copy pages. */
	msa_zc_drain(mp);
	msa_flow_destroy(mp);

	/* Whatever the transmit threads did not take completes unsent. */
	msa_ring_flush(mp, mp->ctl, &mp->ctl_cons, mp->ctl_prod);
	msa_ring_flush(mp, mp->sq, &mp->sq_cons, mp->sq_prod);
	msa_pipe_free(mp);
	msa_stat_add(MSA_STAT_PIPES, -1);
}

static int msa_conn_attach(struct msgpipe_apipe *ap, unsigned int idx,
			   struct socket *sock)
{
	struct msa_pipe *mp = container_of(ap, struct msa_pipe, ap);
	u32 delay = READ_ONCE(msa_knobs.attach_delay_ms);
	struct msa_conn *conn, *old;

	if (idx >= mp->nconns) {
		msgpipe_conn_release(sock);
		return -EINVAL;
	}
	if (delay)
		msleep(delay);
	/* The host replaces a broken connection, or a live one it gave up. */
	mutex_lock(&msa_pipes_lock);
	old = mp->conns[idx];
	if (old) {
		WRITE_ONCE(old->replaced, true);
		if (!atomic_read(&old->failed))
			msa_conn_reset(old);
	}
	mutex_unlock(&msa_pipes_lock);
	conn = msa_conn_create(mp, idx, sock);
	if (IS_ERR(conn))
		return PTR_ERR(conn);
	mutex_lock(&msa_pipes_lock);
	spin_lock(&mp->lock);
	old = mp->conns[idx];
	mp->conns[idx] = conn;
	mp->attached = true;
	msa_pipe_pick_ctl(mp);
	spin_unlock(&mp->lock);
	mutex_unlock(&msa_pipes_lock);
	/* Only now: the host answers a SYNC read at once, and the answer is
	 * posted to this pipe, which must take it.
	 */
	msa_conn_start(conn);
	if (old) {
		/* Out of its slot: no other thread reaches it now. */
		msa_conn_stop(old, false);
		msa_conn_release(old);
		msa_stat_add(MSA_STAT_CONN_REPLACED, 1);
		/* Its unacknowledged frames were asked for when it broke;
		 * ask again for any it recorded since.
		 */
		msa_flow_conn_lost(mp, idx);
	}
	wake_up_all(&mp->tx_wq);
	return 0;
}

static int msa_ring_put(struct msgpipe_tx **ring, u32 *prod, u32 cons,
			struct msgpipe_tx *tx)
{
	/* The host never posts more than the ring holds. */
	if (WARN_ON_ONCE(*prod - cons >= MSA_SQ_DEPTH))
		return -ENOSPC;
	ring[(*prod)++ % MSA_SQ_DEPTH] = tx;
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
	if (!mp->attached)
		err = -ENOTCONN;
	else if (tx->frame.type != MSGPIPE_T_DATA)
		err = msa_ring_put(mp->ctl, &mp->ctl_prod, mp->ctl_cons, tx);
	else
		err = msa_ring_put(mp->sq, &mp->sq_prod, mp->sq_cons, tx);
	spin_unlock(&mp->lock);
	if (!err)
		msa_stat_add(MSA_STAT_TX_QUEUED, 1);
	return err;
}

static void msa_doorbell(struct msgpipe_apipe *ap)
{
	struct msa_pipe *mp = container_of(ap, struct msa_pipe, ap);

	wake_up_all(&mp->tx_wq);
}

static void msa_forget(struct msgpipe_apipe *ap, u32 sid)
{
	msa_flow_forget(container_of(ap, struct msa_pipe, ap), sid);
}

static int msa_conn_info(struct msgpipe_apipe *ap, unsigned int idx,
			 struct msgpipe_conn_info *info)
{
	struct msa_pipe *mp = container_of(ap, struct msa_pipe, ap);
	struct msa_slot *sl;
	int err = 0;

	if (idx >= mp->nconns)
		return -ENOENT;
	sl = &mp->slots[idx];
	spin_lock(&mp->lock);
	if (!mp->conns[idx]) {
		err = -ENOENT;
	} else {
		info->up = !atomic_read(&mp->conns[idx]->failed);
		info->failures = atomic_read(&sl->failures);
		info->tx_frames = atomic64_read(&sl->tx_frames);
		info->tx_bytes = atomic64_read(&sl->tx_bytes);
		info->retransmits = atomic64_read(&sl->retransmits);
		info->rx_frames = atomic64_read(&sl->rx_frames);
		info->rx_bytes = atomic64_read(&sl->rx_bytes);
	}
	spin_unlock(&mp->lock);
	return err;
}

const struct msgpipe_agent_ops msa_ops = {
	.pipe_create = msa_pipe_create,
	.pipe_destroy = msa_pipe_destroy,
	.conn_attach = msa_conn_attach,
	.post = msa_post,
	.doorbell = msa_doorbell,
	.forget = msa_forget,
	.conn_info = msa_conn_info,
	.knob_get = msa_knob_get,
	.knob_set = msa_knob_set,
};
