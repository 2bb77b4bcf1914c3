// SPDX-License-Identifier: GPL-2.0
/*
 * The receiving half of a session: chunks placed by stream sequence number
 * (in order, out of order, duplicated or voided), messages handed to
 * recvmsg() (rx_read.c) exactly once and in order, and the
 * acknowledgments that carry the receive window back to the sender.
 *
 * Locking: msk->lock (spinlock) protects every rx_* field and both queues
 * against the agent's receive thread. rx_mutex gives one reader the head of
 * rx_msgs, so it copies to user space without the spinlock: the agent only
 * appends to the tail and never frees what the reader may be copying.
 * Acknowledgments are posted after msk->lock is dropped.
 *
 * Window: the right edge is the stream position of the first unread byte
 * plus sk_rcvbuf, never moved back; the sender may not send past it, nor
 * start a message beyond rx_msgs_done + MSGPIPE_RX_MSGS. So everything
 * queued here, in order or not, is bounded by sk_rcvbuf.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/delay.h>
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "stats.h"

/**
 * msgpipe_rxchunk_free() - free a chunk and its payload
 * @c: the chunk, off every list
 */
void msgpipe_rxchunk_free(struct msgpipe_rxchunk *c)
{
	msgpipe_rxbuf_free(c->buf);
	kfree(c);
}

/* Advance and record the edges we advertise: the stream position the sender
 * may send up to and the last message it may start. Under msk->lock.
 */
static void msgpipe_rx_window(struct msgpipe_sock *msk, u64 *right, u64 *limit)
{
	u64 r = msk->rx_stream - msk->rx_unread + READ_ONCE(msk->sk.sk_rcvbuf);

	if (r > msk->rx_right)
		msk->rx_right = r;
	msk->rx_adv_right = msk->rx_right;
	msk->rx_adv_msgs = msk->rx_msgs_done + MSGPIPE_RX_MSGS;
	*right = msk->rx_adv_right;
	*limit = msk->rx_adv_msgs;
}

/**
 * msgpipe_rx_window_init() - the window a new session offers its peer
 * @msk: the session
 * @f:   the SYNC or ACCEPT being built (its msg_seq and stream_seq are 0)
 */
void msgpipe_rx_window_init(struct msgpipe_sock *msk, struct msgpipe_frame *f)
{
	u64 right, limit;

	spin_lock(&msk->lock);
	msgpipe_rx_window(msk, &right, &limit);
	spin_unlock(&msk->lock);
	f->window = min_t(u64, right, U32_MAX);
	f->msg_window = min_t(u64, limit, U32_MAX);
}

/* Build the ACK under msk->lock: cumulative point, window, SACK blocks. */
static unsigned int msgpipe_rx_ack_build(struct msgpipe_sock *msk,
					 struct msgpipe_frame *f,
					 struct msgpipe_range *r)
{
	struct msgpipe_rxchunk *c;
	unsigned int n = 0;
	u64 right, limit;

	f->type = MSGPIPE_T_ACK;
	f->stream_seq = msk->rx_stream;
	f->msg_seq = msk->rx_next_seq - 1;
	if (!list_empty(&msk->rx_msgs)) {
		struct msgpipe_rxmsg *m = list_last_entry(&msk->rx_msgs,
							  struct msgpipe_rxmsg,
							  node);
		if (m->received < m->total)
			f->msg_seq--;
	}
	msgpipe_rx_window(msk, &right, &limit);
	f->window = min_t(u64, right - f->stream_seq, U32_MAX);
	f->msg_window = min_t(u64, limit - f->msg_seq, U32_MAX);
	list_for_each_entry(c, &msk->rx_ooo, node) {
		if (n && r[n - 1].hi == c->stream) {
			r[n - 1].hi += c->len;
			continue;
		}
		if (n == MSGPIPE_SACK_MAX)
			break;
		r[n].lo = c->stream;
		r[n].hi = c->stream + c->len;
		n++;
	}
	f->chunk_len = n * sizeof(struct msgpipe_sack);
	msk->rx_acked = msk->rx_stream;
	return n;
}

/* The stall_delack_ms fault knob: hold a delayed ACK between building and
 * sending it until the knob is 0 again or that many ms passed, so that a
 * test can close the session and let its pipe go meanwhile. One ACK at a
 * time; the knob is 0 after it.
 */
static void msgpipe_rx_ack_stall(void)
{
	static atomic_t stalling = ATOMIC_INIT(0);
	unsigned int ms = READ_ONCE(msgpipe_stall_delack_ms);
	unsigned long end = jiffies + msecs_to_jiffies(ms);

	if (!ms || atomic_xchg(&stalling, 1))
		return;
	while (READ_ONCE(msgpipe_stall_delack_ms) && time_before(jiffies, end))
		msleep(20);
	WRITE_ONCE(msgpipe_stall_delack_ms, 0);
	atomic_set(&stalling, 0);
}

/* Build and send the ACK; @stall: the delayed ACK, which a test may hold. */
static void msgpipe_rx_ack_send(struct msgpipe_sock *msk, bool stall)
{
	struct msgpipe_range r[MSGPIPE_SACK_MAX];
	struct msgpipe_pipe *pipe;
	struct msgpipe_frame f = {};
	unsigned int n;

	spin_lock(&msk->lock);
	pipe = msk->pipe;
	if (!pipe || (msk->state != MSGPIPE_SS_READY &&
		      msk->state != MSGPIPE_SS_SENDING_FIN)) {
		spin_unlock(&msk->lock);
		return;
	}
	/* The send runs unlocked, and close() may meanwhile drop the
	 * session's reference on the pipe, the last one: the send takes its
	 * own. The session's is still held here: close() moves the state
	 * out of READY and SENDING_FIN under this lock before it lets go.
	 */
	refcount_inc(&pipe->refs);
	n = msgpipe_rx_ack_build(msk, &f, r);
	spin_unlock(&msk->lock);
	if (stall)
		msgpipe_rx_ack_stall();
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_ACKS_SENT);
	msgpipe_tx_ctrl(msk, pipe, &f, r, n);
	msgpipe_pipe_put(pipe);
}

/**
 * msgpipe_rx_ack() - send an acknowledgment with the current window
 * @msk: the session
 */
void msgpipe_rx_ack(struct msgpipe_sock *msk)
{
	msgpipe_rx_ack_send(msk, false);
}

/**
 * msgpipe_rx_delack_work() - acknowledge what came since the last ACK
 * @work: msgpipe_sock.rx_delack
 *
 * A chunk in the middle of a large message is acknowledged by no rule of
 * msgpipe_rx_data() until the message is whole or a quarter of the window
 * came; on a slow pipe that is longer than the sender's ack timeout.
 */
void msgpipe_rx_delack_work(struct work_struct *work)
{
	struct msgpipe_sock *msk = container_of(to_delayed_work(work),
						struct msgpipe_sock, rx_delack);
	bool ack;

	spin_lock(&msk->lock);
	ack = msk->rx_acked != msk->rx_stream;
	spin_unlock(&msk->lock);
	if (ack) {
		msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_DELAYED_ACKS);
		msgpipe_rx_ack_send(msk, true);
	}
	sock_put(&msk->sk);
}

/* Arm the delayed acknowledgment unless it is pending: the bound counts
 * from the oldest unacknowledged chunk. The work holds the socket.
 */
static void msgpipe_rx_delack_arm(struct msgpipe_sock *msk)
{
	if (delayed_work_pending(&msk->rx_delack))
		return;
	sock_hold(&msk->sk);
	if (!queue_delayed_work(msgpipe_wq, &msk->rx_delack,
				msecs_to_jiffies(MSGPIPE_DELACK_MS)))
		sock_put(&msk->sk);
}

/* Drop @o from rx_ooo. Under msk->lock. */
static void msgpipe_rx_ooo_drop(struct msgpipe_sock *msk,
				struct msgpipe_rxchunk *o)
{
	if (o->buf) {
		msk->rx_queued -= o->len;
		msgpipe_stat_add(msk->mn, MSGPIPE_STAT_RX_QUEUED, -(s64)o->len);
	}
	list_del(&o->node);
	msgpipe_rxchunk_free(o);
}

/* A void placed in order ends its message at the new rx_stream: the
 * chunks of that message that came out of order (the sender could not
 * resend one before them) are swallowed with it. One reaching past the
 * message's end breaks the sequence. Under msk->lock.
 */
static int msgpipe_rx_ooo_trim(struct msgpipe_sock *msk)
{
	struct msgpipe_rxchunk *o, *tmp;

	list_for_each_entry_safe(o, tmp, &msk->rx_ooo, node) {
		if (o->stream >= msk->rx_stream)
			break;
		if (o->stream + o->len > msk->rx_stream)
			return -EPROTO;
		msgpipe_rx_ooo_drop(msk, o);
	}
	return 0;
}

/* Void @c was placed: trim what it swallowed and free it. On error the
 * caller frees @c. Under msk->lock.
 */
static int msgpipe_rx_void_done(struct msgpipe_sock *msk,
				struct msgpipe_rxchunk *c)
{
	int err = msgpipe_rx_ooo_trim(msk);

	if (!err)
		msgpipe_rxchunk_free(c);
	return err;
}

/* Start a new message with chunk @c, or void it. Under msk->lock. */
static int msgpipe_rx_place(struct msgpipe_sock *msk,
			    struct msgpipe_rxchunk *c, struct msgpipe_rxmsg **fresh)
{
	struct msgpipe_rxmsg *m;

	m = list_empty(&msk->rx_msgs) ? NULL :
	    list_last_entry(&msk->rx_msgs, struct msgpipe_rxmsg, node);
	if (m && m->received < m->total) {
		/* The next piece of the message in progress, or its void. */
		if (c->msg_seq != m->seq || c->total != m->total)
			return -EPROTO;
		if (!c->buf) {
			/* The reader may be copying from @m: it frees it. */
			msk->rx_stream = c->stream + c->total;
			m->total = m->received;
			m->voided = true;
			msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RX_VOIDED);
			return msgpipe_rx_void_done(msk, c);
		}
		if (c->offset != m->received)
			return -EPROTO;
	} else {
		if (c->msg_seq != msk->rx_next_seq || c->offset)
			return -EPROTO;
		msk->rx_next_seq++;
		if (!c->buf) {
			msk->rx_stream += c->total;
			msk->rx_msgs_done++;
			msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RX_VOIDED);
			return msgpipe_rx_void_done(msk, c);
		}
		m = *fresh;
		*fresh = NULL;
		m->seq = c->msg_seq;
		m->total = c->total;
		m->received = 0;
		m->consumed = 0;
		m->voided = false;
		INIT_LIST_HEAD(&m->chunks);
		list_add_tail(&m->node, &msk->rx_msgs);
	}
	list_add_tail(&c->node, &m->chunks);
	m->received += c->len;
	msk->rx_stream += c->len;
	msk->rx_unread += c->len;
	if (m->received == m->total)
		msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RX_MSGS);
	return 0;
}

/* Is @c already covered by what arrived? Under msk->lock. */
static bool msgpipe_rx_dup(struct msgpipe_sock *msk, struct msgpipe_rxchunk *c,
			   struct list_head **after)
{
	struct msgpipe_rxchunk *o;

	*after = &msk->rx_ooo;
	if (c->stream + c->len <= msk->rx_stream)
		return true;
	list_for_each_entry(o, &msk->rx_ooo, node) {
		/* A void goes before the chunk its message starts with. */
		if (o->stream > c->stream ||
		    (!c->buf && o->buf && o->stream == c->stream))
			break;
		if (c->stream + c->len <= o->stream + o->len)
			return true;
		*after = &o->node;
	}
	return false;
}

/* File @c out of order after @after. Chunks never overlap, except that a
 * void swallows whole chunks inside it. Under msk->lock.
 */
static int msgpipe_rx_ooo_add(struct msgpipe_sock *msk,
			      struct msgpipe_rxchunk *c, struct list_head *after)
{
	struct msgpipe_rxchunk *o, *tmp;
	u64 end = c->stream + c->len;

	if (after != &msk->rx_ooo) {
		o = list_entry(after, struct msgpipe_rxchunk, node);
		if (o->stream + o->len > c->stream)
			return -EPROTO;
	}
	o = list_entry(after->next, struct msgpipe_rxchunk, node);
	list_for_each_entry_from(o, &msk->rx_ooo, node) {
		if (o->stream >= end)
			break;
		if (c->buf || o->stream + o->len > end)
			return -EPROTO;
	}
	o = list_entry(after->next, struct msgpipe_rxchunk, node);
	list_for_each_entry_safe_from(o, tmp, &msk->rx_ooo, node) {
		if (o->stream >= end)
			break;
		msgpipe_rx_ooo_drop(msk, o);
	}
	list_add(&c->node, after);
	return 0;
}

/* Move what became in order from rx_ooo to the messages. */
static int msgpipe_rx_drain(struct msgpipe_sock *msk,
			    struct msgpipe_rxmsg **fresh, bool *fresh_used)
{
	struct msgpipe_rxchunk *c;
	int err;

	while ((c = list_first_entry_or_null(&msk->rx_ooo,
					     struct msgpipe_rxchunk, node))) {
		if (c->stream > msk->rx_stream)
			break;
		if (c->stream < msk->rx_stream && c->buf)
			return -EPROTO;
		if (!*fresh && c->buf && c->offset == 0) {
			*fresh_used = true;
			break;
		}
		list_del(&c->node);
		/* Its bytes stay queued, now in order; a void frees @c. */
		err = msgpipe_rx_place(msk, c, fresh);
		if (err) {
			if (c->buf) {
				msk->rx_queued -= c->len;
				msgpipe_stat_add(msk->mn, MSGPIPE_STAT_RX_QUEUED,
						 -(s64)c->len);
			}
			msgpipe_rxchunk_free(c);
			return err;
		}
	}
	return 0;
}

/**
 * msgpipe_rx_data() - place a DATA frame of a session
 * @msk: the session
 * @f:   its validated header
 * @buf: its payload (NULL for a void message); consumed
 *
 * Return: 0, or -EPROTO when the frame breaks the session's sequence or
 * window (the connection is reset by the agent).
 */
int msgpipe_rx_data(struct msgpipe_sock *msk, const struct msgpipe_frame *f,
		    struct msgpipe_rxbuf *buf)
{
	struct msgpipe_rxmsg *fresh = NULL;
	struct msgpipe_rxchunk *c;
	struct list_head *after;
	bool ack = false, delack = false, more;
	int err = 0;

	c = kzalloc(sizeof(*c), GFP_KERNEL);
	fresh = kmalloc(sizeof(*fresh), GFP_KERNEL);
	if (!c || !fresh) {
		kfree(c);
		kfree(fresh);
		msgpipe_rxbuf_free(buf);
		return -ENOMEM;
	}
	c->stream = f->stream_seq;
	c->len = buf ? f->chunk_len : f->total_len;
	c->msg_seq = f->msg_seq;
	c->offset = f->offset;
	c->total = f->total_len;
	c->buf = buf;

	spin_lock(&msk->lock);
	if (msk->state == MSGPIPE_SS_CLOSED) {
		/* Closed or reset here while the peer was still sending. */
		goto out_unlock;
	}
	/* Striped over several connections, data may overtake the ACCEPT
	 * that allowed it: dropped, the sender's agent sends it again.
	 */
	if (msk->state == MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK) {
		msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RX_EARLY);
		goto out_unlock;
	}
	/* After FIN only what it covered may still come (resent data). */
	if ((msk->state != MSGPIPE_SS_READY &&
	     msk->state != MSGPIPE_SS_SENDING_FIN) ||
	    (msk->peer_fin && c->stream + c->len > msk->rx_fin_stream)) {
		err = -EPROTO;
		goto out_unlock;
	}
	/* The sender must stay inside what we advertised. */
	if (c->stream + (buf ? c->len : 0) > msk->rx_adv_right ||
	    c->msg_seq > msk->rx_adv_msgs) {
		msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RX_WINDOW_ERRORS);
		err = -EPROTO;
		goto out_unlock;
	}
	if (msgpipe_rx_dup(msk, c, &after)) {
		msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RX_DUPS);
		ack = true;
		goto out_unlock;
	}
	if (c->stream > msk->rx_stream) {
		err = msgpipe_rx_ooo_add(msk, c, after);
		if (err)
			goto out_unlock;
		if (buf) {
			msk->rx_queued += c->len;
			msgpipe_stat_add(msk->mn, MSGPIPE_STAT_RX_QUEUED, c->len);
		}
		msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RX_OOO);
		c = NULL;
		ack = true;
	} else {
		bool whole;
		u32 len;

		/* A void may start before rx_stream: its message is in
		 * progress. A chunk must start exactly there.
		 */
		if (c->buf && c->stream != msk->rx_stream) {
			err = -EPROTO;
			goto out_unlock;
		}
		/* Read @c before placing it: a void is freed there. */
		whole = !c->buf || c->offset + c->len == c->total;
		len = c->buf ? c->len : 0;
		err = msgpipe_rx_place(msk, c, &fresh);
		if (err)
			goto out_unlock;
		msk->rx_queued += len;
		msgpipe_stat_add(msk->mn, MSGPIPE_STAT_RX_QUEUED, len);
		c = NULL;
		do {
			more = false;
			err = msgpipe_rx_drain(msk, &fresh, &more);
			if (more) {
				/* Needs another message: allocate unlocked. */
				spin_unlock(&msk->lock);
				fresh = kmalloc(sizeof(*fresh), GFP_KERNEL);
				spin_lock(&msk->lock);
				if (!fresh)
					err = -ENOMEM;
			}
		} while (more && !err);
		/* Acknowledge each whole message and every quarter window. */
		ack = whole || !list_empty(&msk->rx_ooo) ||
		      msk->rx_stream - msk->rx_acked >=
		      READ_ONCE(msk->sk.sk_rcvbuf) / 4;
		delack = !ack;
	}
out_unlock:
	if (err == -EPROTO)
		net_warn_ratelimited("msgpipe: session %u: DATA msg %llu stream %llu+%u off %u/%u%s breaks rx at %llu (msg %llu, window %llu/%llu)\n",
				     msk->local_id, f->msg_seq, f->stream_seq,
				     f->chunk_len, f->offset, f->total_len,
				     buf ? "" : " void", msk->rx_stream,
				     msk->rx_next_seq, msk->rx_adv_right,
				     msk->rx_adv_msgs);
	spin_unlock(&msk->lock);
	msgpipe_stat_add(msk->mn, MSGPIPE_STAT_RX_BYTES, buf && !err ? f->chunk_len : 0);
	if (c)
		msgpipe_rxchunk_free(c);
	kfree(fresh);
	if (ack && !err)
		msgpipe_rx_ack(msk);
	else if (!err && delack)
		msgpipe_rx_delack_arm(msk);
	msgpipe_sk_wake(&msk->sk);
	return err;
}

/**
 * msgpipe_rxmsg_free() - free a message and the chunks it still holds
 * @m: the message, off every list
 */
void msgpipe_rxmsg_free(struct msgpipe_rxmsg *m)
{
	struct msgpipe_rxchunk *c, *tmp;

	list_for_each_entry_safe(c, tmp, &m->chunks, node)
		msgpipe_rxchunk_free(c);
	kfree(m);
}

/**
 * msgpipe_rx_purge() - free everything received and not read
 * @msk: the session
 */
void msgpipe_rx_purge(struct msgpipe_sock *msk)
{
	struct msgpipe_rxchunk *c, *ctmp;
	struct msgpipe_rxmsg *m, *mtmp;
	LIST_HEAD(msgs);
	LIST_HEAD(ooo);

	spin_lock(&msk->lock);
	list_splice_init(&msk->rx_msgs, &msgs);
	list_splice_init(&msk->rx_ooo, &ooo);
	msgpipe_stat_add(msk->mn, MSGPIPE_STAT_RX_QUEUED, -(s64)msk->rx_queued);
	msk->rx_queued = 0;
	msk->rx_unread = 0;
	spin_unlock(&msk->lock);
	list_for_each_entry_safe(m, mtmp, &msgs, node)
		msgpipe_rxmsg_free(m);
	list_for_each_entry_safe(c, ctmp, &ooo, node)
		msgpipe_rxchunk_free(c);
}
