// SPDX-License-Identifier: GPL-2.0
/*
 * Zero-copy transmission of a frame's payload from the host's pages: one
 * sock_sendmsg() with MSG_ZEROCOPY and the agent's own struct ubuf_info in
 * msg_ubuf (the technique io_uring uses on 6.1), so TCP attaches the pages
 * to its skbs instead of copying them. The frame's TX_DONE is reported only
 * when TCP freed the last skb referencing the pages.
 *
 * Lifetime: a struct msa_zc lives from the send until its ubuf_info's last
 * reference is dropped, possibly in softirq; the TX_DONE is then reported
 * from a work item. A pipe is not freed while any is outstanding
 * (zc_inflight).
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include "msa.h"

/**
 * struct msa_zc - a frame whose pages TCP may still hold
 * @uarg:   handed to TCP through msg_ubuf
 * @node:   in msa_pipe.zc_done once released
 * @mp:     the pipe
 * @tx:     the frame
 * @len:    payload bytes
 * @copied: the stack copied the pages after all (loopback, veth, no SG)
 */
struct msa_zc {
	struct ubuf_info	uarg;
	struct list_head	node;
	struct msa_pipe		*mp;
	struct msgpipe_tx	*tx;
	u32			len;
	bool			copied;
};

static void msa_zc_complete(struct sk_buff *skb, struct ubuf_info *uarg,
			    bool success)
{
	struct msa_zc *zc = container_of(uarg, struct msa_zc, uarg);
	struct msa_pipe *mp = zc->mp;
	unsigned long flags;

	if (!success)
		zc->copied = true;
	if (!refcount_dec_and_test(&uarg->refcnt))
		return;
	/* Queued under the lock: once it is dropped the work may free the
	 * pipe, and this context must not touch it any more.
	 */
	spin_lock_irqsave(&mp->zc_lock, flags);
	list_add_tail(&zc->node, &mp->zc_done);
	queue_work(system_wq, &mp->zc_work);
	spin_unlock_irqrestore(&mp->zc_lock, flags);
}

MSGPIPE_DEFINE_UBUF_OPS(msa_zc_ops, msa_zc_complete);

/**
 * msa_zc_send() - send a payload zero-copy
 * @conn: the connection
 * @tx:   the frame (its header already sent with MSG_MORE)
 * @bv:   the payload's page segments
 * @n:    how many
 * @len:  payload bytes
 * @taken: set when the frame's TX_DONE is the release's to report
 *
 * Once the frame is taken its TX_DONE follows from msa_zc_work(), also on
 * error (TCP may still hold pages of a partial send: the release waits
 * for them). A frame not taken (no memory for its record) is the
 * caller's to complete or requeue.
 *
 * Return: 0, or -errno (the connection is to be failed: its header went
 * out without the payload, or the payload only in part).
 */
int msa_zc_send(struct msa_conn *conn, struct msgpipe_tx *tx,
		struct bio_vec *bv, unsigned int n, size_t len, bool *taken)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | MSG_ZEROCOPY };
	struct msa_pipe *mp = conn->mp;
	struct msa_zc *zc;
	int err = 0;

	zc = msa_should_fail_zc() ? NULL : kzalloc(sizeof(*zc), GFP_KERNEL);
	if (!zc)
		return -ENOMEM;
	*taken = true;
	zc->mp = mp;
	zc->tx = tx;
	zc->len = len;
	msgpipe_ubuf_init(&zc->uarg, &msa_zc_ops);
	atomic_inc(&mp->zc_inflight);
	atomic64_add(len, &mp->zc_bytes);
	msa_stat_add(MSA_STAT_ZC_INFLIGHT, 1);
	msa_stat_add(MSA_STAT_INFLIGHT_BYTES, len);

	msg.msg_ubuf = &zc->uarg;
	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, len);
	while (msg_data_left(&msg)) {
		int ret = sock_sendmsg(conn->sock, &msg);

		if (ret <= 0) {
			err = ret ?: -EPIPE;
			break;
		}
	}
	/* The error travels with the frame to its TX_DONE. */
	tx->status = err;
	/* Drop the submitter's reference: TCP's skbs keep theirs. */
	msa_zc_complete(NULL, &zc->uarg, true);
	return err;
}

/**
 * msa_zc_room() - may @len more zero-copy bytes go to TCP now
 * @mp:  the pipe
 * @len: payload bytes of the next frame
 *
 * Return: true under the max_inflight_kb knob (or when nothing is held).
 */
bool msa_zc_room(struct msa_pipe *mp, u32 len)
{
	u64 cap = (u64)READ_ONCE(msa_knobs.max_inflight_kb) << 10;
	s64 held = atomic64_read(&mp->zc_bytes);

	return !cap || !held || held + len <= cap;
}

/**
 * msa_zc_work() - report TX_DONE for frames TCP released
 * @work: msa_pipe.zc_work
 */
void msa_zc_work(struct work_struct *work)
{
	struct msa_pipe *mp = container_of(work, struct msa_pipe, zc_work);
	struct msgpipe_cqe *cqe = mp->zc_cqe;
	struct msa_zc *zc, *tmp;
	unsigned int n;
	LIST_HEAD(done);

	do {
		n = 0;
		spin_lock_irq(&mp->zc_lock);
		list_for_each_entry_safe(zc, tmp, &mp->zc_done, node) {
			if (n == MSA_TX_BATCH)
				break;
			list_move_tail(&zc->node, &done);
			n++;
		}
		spin_unlock_irq(&mp->zc_lock);
		n = 0;
		list_for_each_entry_safe(zc, tmp, &done, node) {
			list_del(&zc->node);
			cqe[n++] = (struct msgpipe_cqe) {
				.type = MSGPIPE_CQE_TX_DONE,
				.status = zc->tx->status,
				.tx = zc->tx,
			};
			msa_stat_add(zc->copied ? MSA_STAT_ZC_COPIED :
				     MSA_STAT_ZC_BYTES, zc->len);
			msa_stat_add(MSA_STAT_INFLIGHT_BYTES, -(s64)zc->len);
			atomic64_sub(zc->len, &mp->zc_bytes);
			kfree(zc);
		}
		if (n) {
			msgpipe_agent_complete(mp->ap.host, cqe, n);
			msa_stat_add(MSA_STAT_TX_QUEUED, -(s64)n);
			msa_stat_add(MSA_STAT_ZC_INFLIGHT, -(s64)n);
			if (atomic_sub_and_test(n, &mp->zc_inflight))
				wake_up_all(&mp->zc_wq);
			/* Room under max_inflight_kb for the transmit thread. */
			wake_up(&mp->tx_wq);
		}
	} while (n);
}

/**
 * msa_zc_drain() - wait until TCP released every zero-copy frame
 * @mp: the pipe; its connection is closed
 */
void msa_zc_drain(struct msa_pipe *mp)
{
	while (!wait_event_timeout(mp->zc_wq, !atomic_read(&mp->zc_inflight),
				   10 * HZ))
		pr_warn("pipe %u: waiting for %d zero-copy frames\n", mp->id,
			atomic_read(&mp->zc_inflight));
	flush_work(&mp->zc_work);
}
