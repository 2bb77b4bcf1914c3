// SPDX-License-Identifier: GPL-2.0
/*
 * What the agent reports about a session's data, and what the sender then
 * learns: ACKED ranges retire messages and post their completions on the
 * socket's error queue; NEED_PAGES re-pins and re-posts a lost chunk (or
 * voids its message when the memory is gone); an agent ERROR retires the
 * session. Runs in the agent's threads, never in the sender's syscall.
 *
 * Completions use MSG_ZEROCOPY's format: a struct sock_extended_err with
 * origin SO_EE_ORIGIN_ZEROCOPY, ee_info..ee_data the (inclusive) range of
 * message numbers, ee_errno the status of all of them, and
 * SO_EE_CODE_ZEROCOPY_COPIED in ee_code when the bytes were copied. Ranges
 * with the same status and code are merged, so a sender that reads them
 * rarely holds few; one that never does is throttled (MSGPIPE_ERRQ_MAX).
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/errqueue.h>
#include <linux/slab.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "stats.h"

/* Queue the completion of @m, merged into the last one when it can be. */
static void msgpipe_tx_notify(struct msgpipe_sock *msk,
			      struct msgpipe_txmsg *m)
{
	u8 code = m->zc ? 0 : SO_EE_CODE_ZEROCOPY_COPIED;
	struct sock *sk = &msk->sk;
	struct sock_exterr_skb *serr;
	struct sk_buff_head *q = &sk->sk_error_queue;
	struct sk_buff *tail, *skb = m->note;
	u32 id = (u32)m->seq;
	unsigned long flags;

	/* A failure completes even without MSGPIPE_NOTIFY: its record is
	 * allocated now. Without memory the socket's error says it.
	 */
	if (!skb && m->status) {
		skb = alloc_skb(0, GFP_KERNEL);
		if (!skb) {
			WRITE_ONCE(sk->sk_err, -m->status);
			sk_error_report(sk);
			return;
		}
	}
	if (!skb)
		return;
	m->note = NULL;
	spin_lock_irqsave(&q->lock, flags);
	tail = skb_peek_tail(q);
	if (tail) {
		serr = SKB_EXT_ERR(tail);
		if (serr->ee.ee_origin == SO_EE_ORIGIN_ZEROCOPY &&
		    serr->ee.ee_errno == -m->status &&
		    serr->ee.ee_code == code && serr->ee.ee_data + 1 == id) {
			serr->ee.ee_data = id;
			spin_unlock_irqrestore(&q->lock, flags);
			kfree_skb(skb);
			msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_TX_COMPLETIONS);
			return;
		}
	}
	spin_unlock_irqrestore(&q->lock, flags);

	serr = SKB_EXT_ERR(skb);
	memset(serr, 0, sizeof(*serr));
	serr->ee.ee_errno = -m->status;
	serr->ee.ee_origin = SO_EE_ORIGIN_ZEROCOPY;
	serr->ee.ee_code = code;
	serr->ee.ee_info = id;
	serr->ee.ee_data = id;
	if (sock_queue_err_skb(sk, skb))
		kfree_skb(skb);
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_TX_COMPLETIONS);
}

/* Take the messages wholly below @upto off tx_msgs. Under tx_lock. */
static void msgpipe_tx_retire(struct msgpipe_sock *msk, u64 upto, int err,
			      struct list_head *done)
{
	struct msgpipe_txmsg *m, *tmp;

	list_for_each_entry_safe(m, tmp, &msk->tx_msgs, node) {
		if (upto != U64_MAX && m->stream + m->len > upto)
			break;
		if (!m->status)
			m->status = err;
		list_move_tail(&m->node, done);
	}
}

static void msgpipe_tx_finish(struct msgpipe_sock *msk, struct list_head *done)
{
	struct msgpipe_txmsg *m, *tmp;

	list_for_each_entry_safe(m, tmp, done, node) {
		list_del(&m->node);
		if (m->done)
			msgpipe_ioc_complete(msk, m);
		else if (m->notify || m->status)
			msgpipe_tx_notify(msk, m);
		if (m->status)
			msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_TX_MSG_ERRORS);
		msgpipe_txmsg_put(m);
	}
	msgpipe_sk_wake(&msk->sk);
}

static void msgpipe_tx_acked(struct msgpipe_sock *msk, u64 hi)
{
	LIST_HEAD(done);

	mutex_lock(&msk->tx_lock);
	if (hi > msk->tx_acked && hi <= msk->tx_stream) {
		msgpipe_stat_add(msk->mn, MSGPIPE_STAT_TX_UNACKED,
				 -(s64)(hi - msk->tx_acked));
		WRITE_ONCE(msk->tx_acked, hi);
		msgpipe_tx_retire(msk, hi, 0, &done);
		msgpipe_txmsg_trim(list_first_entry_or_null(&msk->tx_msgs,
							    struct msgpipe_txmsg,
							    node), hi);
	}
	mutex_unlock(&msk->tx_lock);
	msgpipe_tx_finish(msk, &done);
}

/* Find the message and chunk holding stream byte @seq. Under tx_lock. */
static struct msgpipe_txmsg *msgpipe_tx_find(struct msgpipe_sock *msk,
					     u64 seq, struct msgpipe_txchunk **cp)
{
	struct msgpipe_txchunk *c;
	struct msgpipe_txmsg *m;

	*cp = NULL;
	list_for_each_entry(m, &msk->tx_msgs, node) {
		if (seq < m->stream || seq >= m->stream + m->len)
			continue;
		list_for_each_entry(c, &m->chunks, node)
			if (c->stream == seq)
				*cp = c;
		return m;
	}
	return NULL;
}

static void msgpipe_tx_need_pages(struct msgpipe_sock *msk, u64 lo)
{
	struct msgpipe_txchunk *c;
	struct msgpipe_txmsg *m;
	bool wake = false;
	int err;

	mutex_lock(&msk->tx_lock);
	m = msgpipe_tx_find(msk, lo, &c);
	if (!m || (!c && !m->voided)) {
		/* Acknowledged meanwhile, or the agent asks for what we never
		 * sent that way.
		 */
		msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RETX_UNKNOWN);
		goto out_unlock;
	}
	if (m->voided) {
		/* Only the void itself is resent. */
		if (lo == m->stream && !c)
			msgpipe_tx_void(msk, m);
		goto out_unlock;
	}
	if (msgpipe_fault_take(&msgpipe_fail_repin))
		err = -EFAULT;
	else
		err = msgpipe_tx_post_chunk(msk, m, c, true);
	if (!err) {
		msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RETRANSMITS);
		if (m->zc)
			msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_REPINS);
	} else if (err == -EFAULT) {
		/* The memory is gone or holds other bytes: this message
		 * fails, the session goes on.
		 */
		msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_REPIN_FAULTS);
		msgpipe_tx_void_msg(msk, m, -EFAULT);
		wake = true;
	} else {
		/* Pin cap or memory: the agent asks again after its timeout. */
		msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RETX_DEFERRED);
	}
out_unlock:
	mutex_unlock(&msk->tx_lock);
	/* A sender still posting the message stops waiting for room. */
	if (wake)
		msgpipe_sk_wake(&msk->sk);
}

/**
 * msgpipe_tx_purge() - the session ended: finish every message record
 * @msk: the session
 * @err: the status of messages not yet acknowledged
 */
void msgpipe_tx_purge(struct msgpipe_sock *msk, int err)
{
	LIST_HEAD(done);

	mutex_lock(&msk->tx_lock);
	msgpipe_tx_retire(msk, U64_MAX, err, &done);
	msgpipe_stat_add(msk->mn, MSGPIPE_STAT_TX_UNACKED,
			 -(s64)(msk->tx_stream - msk->tx_acked));
	WRITE_ONCE(msk->tx_acked, msk->tx_stream);
	mutex_unlock(&msk->tx_lock);
	msgpipe_tx_finish(msk, &done);
}

/**
 * msgpipe_session_cqe() - a completion about a session's data
 * @pipe: the pipe it came from
 * @cqe:  ACKED, NEED_PAGES, or ERROR with a session id
 */
void msgpipe_session_cqe(struct msgpipe_pipe *pipe,
			 const struct msgpipe_cqe *cqe)
{
	struct msgpipe_sock *msk;

	msk = msgpipe_sid_lookup(pipe->mn, cqe->sid);
	if (!msk)
		return;
	if (READ_ONCE(msk->pipe) != pipe)
		goto out_put;
	switch (cqe->type) {
	case MSGPIPE_CQE_ACKED:
		msgpipe_tx_acked(msk, cqe->seq_hi);
		break;
	case MSGPIPE_CQE_NEED_PAGES:
		msgpipe_tx_need_pages(msk, cqe->seq_lo);
		break;
	case MSGPIPE_CQE_ERROR:
		msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_TX_RETIRED);
		/* The peer learns it too: its reader must not wait forever. */
		if (READ_ONCE(msk->state) == MSGPIPE_SS_READY ||
		    READ_ONCE(msk->state) == MSGPIPE_SS_SENDING_FIN)
			msgpipe_session_send_ctrl(msk, pipe, MSGPIPE_T_FIN,
						  MSGPIPE_F_ABORT);
		/* Its messages complete from the reset's purge work, which a
		 * reader of the error queue waits for (flush_work()): purged
		 * here too, the work could find them taken and let that
		 * reader see POLLERR and an empty queue.
		 */
		msgpipe_session_reset(msk, cqe->status ?: -ETIMEDOUT);
		break;
	}
out_put:
	sock_put(&msk->sk);
}

/**
 * msgpipe_session_errqueue() - read completions, then let senders go on
 * @msk: the session
 * @msg: where to put one
 * @len: room
 *
 * Return: as sock_recv_errqueue().
 */
int msgpipe_session_errqueue(struct msgpipe_sock *msk, struct msghdr *msg,
			     size_t len)
{
	int ret;

	/* A reset shows in poll() (sk_err) before its work completes the
	 * messages it failed: whoever saw POLLERR finds them here.
	 */
	flush_work(&msk->tx_purge_work);
	ret = sock_recv_errqueue(&msk->sk, msg, len, SOL_MSGPIPE,
				 MSGPIPE_RECVERR);

	msgpipe_sk_wake(&msk->sk);
	return ret;
}
