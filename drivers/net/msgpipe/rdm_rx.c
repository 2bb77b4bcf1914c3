// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_RDM, receiving: BATCH frames land in the receiving
 * socket's active receive element; its trigger (time, size, a priority
 * item) delivers them to the socket's queue and acknowledges their GUIDs,
 * batched per origin host, in BATCH_ACK frames. GUIDs delivered are
 * remembered for as long as their origin may resend them, so a batch whose
 * acknowledgment was lost is acknowledged again, never delivered twice.
 *
 * Locking: rdm->lock (spinlock) protects the receive element, the queue
 * and the GUIDs seen; agent threads take it. Readers are serialised by
 * msk->rx_mutex, so a batch being read is freed only by its reader.
 *
 * Lifetime: a received batch holds a reference on its pipe until it is
 * acknowledged; the rx work holds one on the socket while queued.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/in.h>
#include <linux/in6.h>
#include <linux/jhash.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uio.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "rdm.h"
#include "stats.h"

/* THROTTLE asked for when a receive queue overflows and none is set. */
#define MSGPIPE_RDM_OVERFLOW_MS	20

/**
 * msgpipe_rdm_post() - post an RDM frame whose payload is in pages
 * @pipe:     the pipe
 * @msk:      the socket it belongs to (a reference is taken), or NULL
 * @f:        the header; @f->chunk_len is set from @len
 * @pages:    the payload, from offset 0; each gets a reference of the frame
 * @nr_pages: how many
 * @len:      payload bytes, 0 for none
 *
 * Return: 0, or -errno if it was not posted.
 */
int msgpipe_rdm_post(struct msgpipe_pipe *pipe, struct msgpipe_sock *msk,
		     const struct msgpipe_frame *f, struct page **pages,
		     u32 nr_pages, u32 len)
{
	struct msgpipe_txbuf *txb;
	u32 i;
	int err;

	txb = msgpipe_txbuf_alloc(pipe->mn, msk, len ? 1 : 0, nr_pages);
	if (!txb)
		return -ENOMEM;
	txb->tx.frame = *f;
	txb->tx.frame.chunk_len = len;
	for (i = 0; i < nr_pages; i++) {
		get_page(pages[i]);
		txb->pages[i] = pages[i];
	}
	txb->nr_pages = nr_pages;
	if (len) {
		txb->desc[0] = (struct msgpipe_desc) {
			.size = len,
			.flags = MSGPIPE_DESC_F_COPY | MSGPIPE_DESC_F_EOP,
			.pages = txb->pages,
			.nr_pages = DIV_ROUND_UP(len, PAGE_SIZE),
		};
		txb->tx.chain = txb->desc;
	}
	err = msgpipe_pipe_post(pipe, &txb->tx);
	if (err)
		msgpipe_txbuf_free(txb);
	return err;
}

/* Acknowledge @n GUIDs to the host at the end of @pipe. */
static void msgpipe_rdm_ack_send(struct msgpipe_pipe *pipe,
				 const struct msgpipe_batch_ack *recs, u32 n)
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_BATCH_ACK, .total_len = n };
	u32 len = n * sizeof(*recs), i, np = DIV_ROUND_UP(len, PAGE_SIZE);
	struct page **pages;

	if (WARN_ON_ONCE(!n || n > MSGPIPE_BATCH_ACK_MAX))
		return;
	pages = kmalloc_array(np, sizeof(*pages), GFP_KERNEL);
	if (!pages)
		return;
	for (i = 0; i < np; i++) {
		pages[i] = alloc_page(GFP_KERNEL);
		if (!pages[i])
			goto out_free;
		memcpy_to_page(pages[i], 0, (const char *)recs + i * PAGE_SIZE,
			       min_t(u32, len - i * PAGE_SIZE, PAGE_SIZE));
	}
	if (!msgpipe_rdm_post(pipe, NULL, &f, pages, np, len))
		msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RDM_ACK_FRAMES_TX);
	/* Not sent: the origin resends and is acknowledged then. */
out_free:
	while (i--)
		put_page(pages[i]);
	kfree(pages);
}

static void msgpipe_rdm_throttle_send(struct msgpipe_pipe *pipe, u32 ms)
{
	struct msgpipe_frame f = {
		.type = MSGPIPE_T_THROTTLE,
		.window = min_t(u32, ms, MSGPIPE_THROTTLE_MAX_MS),
	};

	if (!msgpipe_rdm_post(pipe, NULL, &f, NULL, 0, 0))
		msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RDM_THROTTLE_TX);
}

static void msgpipe_rdm_rxbatch_free(struct msgpipe_rdm_rxbatch *rb)
{
	if (rb->pipe)
		msgpipe_pipe_put(rb->pipe);
	kvfree(rb->copy);
	msgpipe_rxbuf_free(rb->buf);
	msgpipe_stat_dec(rb->mn, MSGPIPE_STAT_RDM_RX_BATCHES);
	kfree(rb);
}

static struct msgpipe_rdm_seen *msgpipe_rdm_seen_find(struct msgpipe_rdm *rdm,
						      u64 hi, u64 lo)
{
	struct msgpipe_rdm_seen *s;

	hash_for_each_possible(rdm->seen, s, hnode, lo)
		if (s->guid_lo == lo && s->guid_hi == hi)
			return s;
	return NULL;
}

/* Forget a GUID seen. Under rdm->lock. */
static void msgpipe_rdm_seen_del(struct msgpipe_rdm *rdm,
				 struct msgpipe_rdm_seen *s)
{
	hash_del(&s->hnode);
	list_del(&s->node);
	rdm->nr_seen--;
	msgpipe_stat_dec(rdm->mn, MSGPIPE_STAT_RDM_SEEN);
	kfree(s);
}

/* Until when a GUID is kept once a copy arrived: the origin's resend
 * horizon (the BATCH's window), plus as long as a later copy may still be
 * on the way: in the origin's queues and TCP, which gives up on a
 * connection after dead_peer_ms. With one second of slack a host running
 * three guests on two CPUs delivered items twice.
 */
static unsigned long msgpipe_rdm_seen_until(const struct msgpipe_frame *f)
{
	return jiffies + msecs_to_jiffies(f->window +
					  max(READ_ONCE(msgpipe_dead_peer_ms),
					      1000U));
}

/* Forget GUIDs their origins resend no more, and the oldest past the
 * cap. Under rdm->lock.
 */
static void msgpipe_rdm_seen_expire(struct msgpipe_rdm *rdm)
{
	struct msgpipe_rdm_seen *s;

	while ((s = list_first_entry_or_null(&rdm->seen_fifo,
					     struct msgpipe_rdm_seen, node))) {
		if (rdm->nr_seen <= MSGPIPE_RDM_DEDUP_MAX &&
		    time_before(jiffies, s->expires))
			break;
		msgpipe_rdm_seen_del(rdm, s);
	}
}

/* Every item well formed, the last one ending the payload. */
static int msgpipe_rdm_rx_check(const struct msgpipe_frame *f, const u8 *data,
				bool *prio)
{
	u32 i, off = 0, ioff, ilen, flags;
	int err;

	*prio = false;
	for (i = 0; i < f->total_len; i++) {
		err = msgpipe_wire_batch_item(data, f->chunk_len, &off, &ioff,
					      &ilen, &flags);
		if (err)
			return err;
		if (flags & MSGPIPE_ITEM_PRIORITY)
			*prio = true;
	}
	return off == f->chunk_len ? 0 : -EPROTO;
}

/**
 * msgpipe_rdm_rx_batch() - a BATCH arrived
 * @pipe: the pipe it came on
 * @f:    its validated header
 * @buf:  its payload; consumed
 *
 * The batch joins the receiving socket's active element. No SOCK_RDM
 * socket on its port: it is refused at once (ECONNREFUSED in its
 * acknowledgment). Out of memory: dropped, the origin resends.
 *
 * Return: 0, or -EPROTO for a malformed payload.
 */
int msgpipe_rdm_rx_batch(struct msgpipe_pipe *pipe,
			 const struct msgpipe_frame *f,
			 struct msgpipe_rxbuf *buf)
{
	struct msgpipe_rdm_rxbatch *rb = NULL;
	struct msgpipe_rdm_seen *seen = NULL, *old;
	struct msgpipe_sock *msk;
	struct msgpipe_rdm *rdm;
	bool first, now, prio;
	const u8 *data;
	void *copy;
	int err;

	if (!buf)
		return -EPROTO;
	data = msgpipe_rxbuf_view(buf, &copy);
	if (!data) {
		msgpipe_rxbuf_free(buf);
		return 0;	/* resent by the origin */
	}
	err = msgpipe_rdm_rx_check(f, data, &prio);
	if (err)
		goto out_free;

	msk = msgpipe_port_lookup(pipe->mn, f->port);
	if (!msk || !msk->rdm) {
		struct msgpipe_batch_ack a = {
			.guid_hi = cpu_to_be64(f->msg_seq),
			.guid_lo = cpu_to_be64(f->stream_seq),
			.status = cpu_to_be32(ECONNREFUSED),
		};

		if (msk)
			sock_put(&msk->sk);
		msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RDM_RX_REFUSED);
		msgpipe_rdm_ack_send(pipe, &a, 1);
		goto out_free;
	}
	rdm = msk->rdm;
	rb = kzalloc(sizeof(*rb), GFP_KERNEL);
	if (rb)
		rb->mn = pipe->mn;
	seen = kzalloc(sizeof(*seen), GFP_KERNEL);
	if (!rb || !seen) {
		kfree(rb);
		rb = NULL;
		goto out_put;
	}
	msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RDM_RX_BATCHES);
	refcount_inc(&pipe->refs);
	rb->pipe = pipe;
	rb->guid_hi = f->msg_seq;
	rb->guid_lo = f->stream_seq;
	msgpipe_pipe_peer_addr(pipe, f->offset, &rb->origin);
	rb->prio = prio;
	rb->len = f->chunk_len;
	rb->nr_items = f->total_len;
	/* The batch owns the payload from here: read where it landed. */
	rb->buf = buf;
	rb->data = data;
	rb->copy = copy;
	buf = NULL;
	copy = NULL;

	spin_lock(&rdm->lock);
	if (rdm->orphan) {
		spin_unlock(&rdm->lock);
		goto out_put;
	}
	old = msgpipe_rdm_seen_find(rdm, rb->guid_hi, rb->guid_lo);
	if (old) {
		/* Delivered before: its acknowledgment was lost. The origin
		 * resends it for a horizon counted from its own clock; a copy
		 * queued long on the way arrives later, so each copy keeps
		 * the GUID another horizon (FIFO order kept for expiry).
		 */
		rb->dup = true;
		old->expires = msgpipe_rdm_seen_until(f);
		list_move_tail(&old->node, &rdm->seen_fifo);
		msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RDM_RX_DUPS);
	} else {
		seen->guid_hi = rb->guid_hi;
		seen->guid_lo = rb->guid_lo;
		seen->expires = msgpipe_rdm_seen_until(f);
		hash_add(rdm->seen, &seen->hnode, seen->guid_lo);
		list_add_tail(&seen->node, &rdm->seen_fifo);
		rdm->nr_seen++;
		msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RDM_SEEN);
		seen = NULL;
	}
	first = list_empty(&rdm->rx_active);
	list_add_tail(&rb->node, &rdm->rx_active);
	rdm->rx_active_bytes += rb->len;
	now = prio || !rdm->tun.rx_time_us ||
	      rdm->rx_active_bytes >= rdm->tun.rx_size;
	rb = NULL;
	sock_hold(&msk->sk);
	if (now) {
		if (mod_delayed_work(msgpipe_wq, &rdm->rx_work, 0))
			sock_put(&msk->sk);
	} else if (!first || !queue_delayed_work(msgpipe_wq, &rdm->rx_work,
				     usecs_to_jiffies(rdm->tun.rx_time_us))) {
		sock_put(&msk->sk);
	}
	spin_unlock(&rdm->lock);

out_put:
	if (rb)
		msgpipe_rdm_rxbatch_free(rb);
	kfree(seen);
	sock_put(&msk->sk);
out_free:
	kvfree(copy);
	msgpipe_rxbuf_free(buf);
	return err;
}

/* An acknowledgment to send: to whom, what. */
struct msgpipe_rdm_ackent {
	struct msgpipe_pipe	*pipe;
	struct msgpipe_batch_ack rec;
};

static int msgpipe_rdm_ackent_cmp(const void *a, const void *b)
{
	const struct msgpipe_rdm_ackent *x = a, *y = b;

	if (x->pipe == y->pipe)
		return 0;
	return x->pipe < y->pipe ? -1 : 1;
}

/* Send the acknowledgments of @n entries sorted by pipe, each host's in
 * as few frames as fit, after a THROTTLE if the socket asks. The THROTTLE
 * goes first: control frames keep their order on the wire and are read in
 * it, so the origin holds its batches before it completes the items the
 * acknowledgments end (a sender waiting for a completion sends no batch
 * unthrottled between the two).
 */
static void msgpipe_rdm_ack_flush(const struct msgpipe_rdm_ackent *e, u32 n,
				  u32 throttle_ms)
{
	struct msgpipe_batch_ack *recs;
	u32 i = 0, j, k, m, x;

	recs = kvmalloc_array(min_t(u32, n, MSGPIPE_BATCH_ACK_MAX),
			      sizeof(*recs), GFP_KERNEL);
	if (!recs)
		return;	/* resent by the origins, acknowledged then */
	while (i < n) {
		for (j = i; j < n && e[j].pipe == e[i].pipe; j++)
			;
		if (throttle_ms)
			msgpipe_rdm_throttle_send(e[i].pipe, throttle_ms);
		for (k = i; k < j; k += m) {
			m = min_t(u32, j - k, MSGPIPE_BATCH_ACK_MAX);
			for (x = 0; x < m; x++)
				recs[x] = e[k + x].rec;
			msgpipe_rdm_ack_send(e[i].pipe, recs, m);
		}
		i = j;
	}
	kvfree(recs);
}

/**
 * msgpipe_rdm_rx_work() - the receive element's trigger
 * @work: msgpipe_rdm.rx_work
 *
 * Delivers the element's batches to the socket's queue, whole or (the
 * queue over SO_RCVBUF) not at all, and acknowledges the delivered ones.
 */
void msgpipe_rdm_rx_work(struct work_struct *work)
{
	struct msgpipe_rdm *rdm = container_of(to_delayed_work(work),
					       struct msgpipe_rdm, rx_work);
	struct msgpipe_sock *msk = rdm->msk;
	struct msgpipe_rdm_rxbatch *rb, *tmp;
	struct msgpipe_rdm_ackent *e;
	u32 n = 0, k = 0;
	LIST_HEAD(el);

	spin_lock(&rdm->lock);
	list_splice_init(&rdm->rx_active, &el);
	rdm->rx_active_bytes = 0;
	msgpipe_rdm_seen_expire(rdm);
	spin_unlock(&rdm->lock);
	list_for_each_entry(rb, &el, node)
		n++;
	e = n ? kvmalloc_array(n, sizeof(*e), GFP_KERNEL) : NULL;

	list_for_each_entry_safe(rb, tmp, &el, node) {
		struct msgpipe_pipe *pipe = rb->pipe;
		bool deliver = false, overflow = false, orphan;
		struct msgpipe_rdm_seen *s;

		spin_lock(&rdm->lock);
		orphan = rdm->orphan;
		s = msgpipe_rdm_seen_find(rdm, rb->guid_hi, rb->guid_lo);
		if (orphan) {
			/* dropped */
		} else if (rb->dup) {
			/* Acknowledged again only if the first copy was
			 * delivered (or is about to be: it came first).
			 */
			if (!s)
				rb->dup = false;
		} else if (!e || (rdm->rxq_bytes + rb->len >
				  (u64)READ_ONCE(msk->sk.sk_rcvbuf) &&
				  !list_empty(&rdm->rxq))) {
			/* Not delivered, not acknowledged: resent later. */
			overflow = !!e;
			if (s)
				msgpipe_rdm_seen_del(rdm, s);
		} else {
			deliver = true;
			rb->pipe = NULL;
			list_move_tail(&rb->node, &rdm->rxq);
			rdm->rxq_bytes += rb->len;
		}
		spin_unlock(&rdm->lock);
		if (deliver)
			msgpipe_stat_add(rdm->mn, MSGPIPE_STAT_RDM_RX_ITEMS, rb->nr_items);
		if (overflow) {
			msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_RX_OVERFLOWS);
			msgpipe_rdm_throttle_send(pipe, max_t(u32, MSGPIPE_RDM_OVERFLOW_MS,
							      READ_ONCE(rdm->tun.throttle_ms)));
		}
		if (e && !orphan && (deliver || rb->dup)) {
			refcount_inc(&pipe->refs);
			e[k].pipe = pipe;
			e[k].rec = (struct msgpipe_batch_ack) {
				.guid_hi = cpu_to_be64(rb->guid_hi),
				.guid_lo = cpu_to_be64(rb->guid_lo),
			};
			k++;
		}
		if (deliver) {
			msgpipe_pipe_put(pipe);
		} else {
			list_del(&rb->node);
			msgpipe_rdm_rxbatch_free(rb);
		}
	}
	if (k) {
		sort(e, k, sizeof(*e), msgpipe_rdm_ackent_cmp, NULL);
		msgpipe_rdm_ack_flush(e, k, READ_ONCE(rdm->tun.throttle_ms));
	}
	while (k--)
		msgpipe_pipe_put(e[k].pipe);
	kvfree(e);
	msgpipe_sk_wake(&msk->sk);
	sock_put(&msk->sk);
}

/**
 * msgpipe_rdm_rx_purge() - drop everything received
 * @rdm: a closed socket's RDM state
 *
 * Batches not yet delivered are not acknowledged: their origins resend
 * and are refused.
 */
void msgpipe_rdm_rx_purge(struct msgpipe_rdm *rdm)
{
	struct msgpipe_rdm_rxbatch *rb;
	struct msgpipe_rdm_seen *s;
	LIST_HEAD(all);

	spin_lock(&rdm->lock);
	list_splice_init(&rdm->rx_active, &all);
	list_splice_init(&rdm->rxq, &all);
	rdm->rx_active_bytes = 0;
	rdm->rxq_bytes = 0;
	while ((s = list_first_entry_or_null(&rdm->seen_fifo,
					     struct msgpipe_rdm_seen, node)))
		msgpipe_rdm_seen_del(rdm, s);
	spin_unlock(&rdm->lock);
	while ((rb = list_first_entry_or_null(&all, struct msgpipe_rdm_rxbatch,
					      node))) {
		list_del(&rb->node);
		msgpipe_rdm_rxbatch_free(rb);
	}
}

static bool msgpipe_rdm_readable(struct msgpipe_sock *msk)
{
	return !list_empty(&msk->rdm->rxq) ||
	       (msk->sk.sk_shutdown & RCV_SHUTDOWN);
}

/**
 * msgpipe_rdm_recvmsg_item() - read one received item
 * @msk:   the SOCK_RDM socket
 * @msg:   where to put it; msg_name gets its origin
 * @len:   room in @msg
 * @flags: MSG_DONTWAIT, MSG_TRUNC (return the item's full length)
 *
 * Return: bytes copied (the item's length with MSG_TRUNC), 0 after
 * shutdown(SHUT_RD), or -errno.
 */
int msgpipe_rdm_recvmsg_item(struct msgpipe_sock *msk, struct msghdr *msg,
			     size_t len, int flags)
{
	struct msgpipe_rdm *rdm = msk->rdm;
	struct msgpipe_rdm_rxbatch *rb;
	u32 off, ioff, ilen, iflags;
	bool last;
	long timeo;
	int err;

	timeo = sock_rcvtimeo(&msk->sk, flags & MSG_DONTWAIT);
	err = mutex_lock_interruptible(&msk->rx_mutex);
	if (err)
		return err;
	err = msgpipe_wait(&msk->sk, &timeo, TASK_INTERRUPTIBLE,
			   msgpipe_rdm_readable);
	if (err)
		goto out_unlock;

	spin_lock(&rdm->lock);
	rb = list_first_entry_or_null(&rdm->rxq, struct msgpipe_rdm_rxbatch,
				      node);
	if (!rb) {
		spin_unlock(&rdm->lock);
		goto out_unlock;	/* shut down: 0 */
	}
	off = rb->cursor;
	/* Validated on arrival. */
	msgpipe_wire_batch_item(rb->data, rb->len, &off, &ioff, &ilen, &iflags);
	rdm->rxq_bytes -= off - rb->cursor;
	rb->cursor = off;
	last = off == rb->len;
	if (last)
		list_del(&rb->node);
	spin_unlock(&rdm->lock);

	err = min_t(size_t, len, ilen);
	if (copy_to_iter(rb->data + ioff, err, &msg->msg_iter) != err)
		err = -EFAULT;
	else if (ilen > len)
		msg->msg_flags |= MSG_TRUNC;
	if (err >= 0 && (flags & MSG_TRUNC))
		err = ilen;
	if (msg->msg_name) {
		memcpy(msg->msg_name, &rb->origin, sizeof(rb->origin));
		msg->msg_namelen = sizeof(rb->origin);
	}
	if (last)
		msgpipe_rdm_rxbatch_free(rb);
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RDM_RX_READ);
out_unlock:
	mutex_unlock(&msk->rx_mutex);
	return err;
}
