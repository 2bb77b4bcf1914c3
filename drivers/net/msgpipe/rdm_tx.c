// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_RDM, sending: items collect in the socket's active
 * tracking element until a trigger closes it, are split per destination
 * into GUID-named batches, sent on each destination's pipe, resent until
 * acknowledged or out of retries, and completed to the application once
 * every destination answered.
 *
 * Locking: rdm->mutex serialises the sending side (destinations, batches,
 * item completion); rdm->lock (spinlock, inside the mutex) protects the
 * active element, the ack list, the completion list and the receive side,
 * which agent threads touch. mn->guid_lock protects the engine's GUID
 * table; a batch leaves it exactly once, by its acknowledgment or by the
 * retry that gives it up, and only the one that took it out frees it.
 *
 * Lifetime: every queued work holds a reference on the socket. A closed
 * socket keeps sending what it queued (close() flushes), for at most
 * MSGPIPE_RDM_ORPHAN_MS; its rdm is freed with the sock, after the last
 * item completed.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/jhash.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/uio.h>
#include <net/ipv6.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "rdm.h"
#include "stats.h"

/* What an item costs against SO_SNDBUF besides its bytes. */
#define MSGPIPE_RDM_ITEM_COST	256

static void msgpipe_rdm_dest_work(struct work_struct *work);
static void msgpipe_rdm_flush_work(struct work_struct *work);
static void msgpipe_rdm_split_work(struct work_struct *work);
static void msgpipe_rdm_cleanup_work(struct work_struct *work);
static void msgpipe_rdm_retry_work(struct work_struct *work);
static void msgpipe_rdm_release_id(struct msgpipe_sock *msk);

/* Queue @dw after @delay with a socket reference of its own. */
static void msgpipe_rdm_queue(struct msgpipe_rdm *rdm, struct delayed_work *dw,
			      unsigned long delay)
{
	sock_hold(&rdm->msk->sk);
	if (!queue_delayed_work(msgpipe_wq, dw, delay))
		sock_put(&rdm->msk->sk);
}

/* Like msgpipe_rdm_queue(), but an earlier run replaces a later one. */
static void msgpipe_rdm_kick(struct msgpipe_rdm *rdm, struct delayed_work *dw)
{
	sock_hold(&rdm->msk->sk);
	if (mod_delayed_work(msgpipe_wq, dw, 0))
		sock_put(&rdm->msk->sk);
}

static u32 msgpipe_rdm_cost(const struct msgpipe_rdm_item *item)
{
	return item->len + MSGPIPE_RDM_ITEM_COST + item->ndest * 32;
}

static u32 msgpipe_rdm_rec_size(u32 len)
{
	return sizeof(struct msgpipe_batch_item) + ALIGN(len, 4);
}

/* Size of an item's completion record on the error queue. */
static u32 msgpipe_rdm_done_size(const struct msgpipe_rdm_item *item)
{
	return ALIGN(sizeof(struct msgpipe_rdm_done) + item->ndest * 4, 8);
}

/**
 * msgpipe_rdm_alloc() - make a socket a SOCK_RDM socket
 * @msk: the new socket
 *
 * Return: its RDM state, or NULL.
 */
struct msgpipe_rdm *msgpipe_rdm_alloc(struct msgpipe_sock *msk)
{
	struct msgpipe_net *mn = msk->mn;
	struct msgpipe_rdm *rdm;

	rdm = kzalloc(sizeof(*rdm), GFP_KERNEL);
	if (!rdm)
		return NULL;
	rdm->msk = msk;
	rdm->mn = mn;
	mutex_init(&rdm->mutex);
	spin_lock_init(&rdm->lock);
	rdm->tun = mn->rdm_tun;
	INIT_LIST_HEAD(&rdm->active);
	INIT_LIST_HEAD(&rdm->closed);
	INIT_DELAYED_WORK(&rdm->flush_work, msgpipe_rdm_flush_work);
	INIT_WORK(&rdm->split_work, msgpipe_rdm_split_work);
	hash_init(rdm->dests);
	INIT_LIST_HEAD(&rdm->acks);
	INIT_DELAYED_WORK(&rdm->cleanup_work, msgpipe_rdm_cleanup_work);
	INIT_DELAYED_WORK(&rdm->retry_work, msgpipe_rdm_retry_work);
	INIT_LIST_HEAD(&rdm->done);
	INIT_LIST_HEAD(&rdm->rx_active);
	INIT_DELAYED_WORK(&rdm->rx_work, msgpipe_rdm_rx_work);
	INIT_LIST_HEAD(&rdm->rxq);
	INIT_LIST_HEAD(&rdm->spares);
	INIT_LIST_HEAD(&rdm->spare_pages);
	hash_init(rdm->seen);
	INIT_LIST_HEAD(&rdm->seen_fifo);
	return rdm;
}

/* Give up the item's own copy of its bytes. Not under rdm->lock. */
static void msgpipe_rdm_item_drop_data(struct msgpipe_rdm *rdm,
				       struct msgpipe_rdm_item *item)
{
	if (item->stage)
		msgpipe_rdm_stage_put(rdm, item->stage);
	else
		kvfree(item->data);
	item->stage = NULL;
	item->data = NULL;
}

static void msgpipe_rdm_item_free(struct msgpipe_rdm *rdm,
				  struct msgpipe_rdm_item *item)
{
	msgpipe_rdm_item_drop_data(rdm, item);
	kfree(item);
}

/* One answer (or the split's hold) less; the last completes the item.
 * Under rdm->mutex.
 */
static void msgpipe_rdm_item_put(struct msgpipe_rdm *rdm,
				 struct msgpipe_rdm_item *item)
{
	bool queue;

	if (--item->pending)
		return;
	msgpipe_stat_dec(rdm->mn, MSGPIPE_STAT_RDM_ITEMS);
	msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_COMPLETIONS);
	msgpipe_rdm_item_drop_data(rdm, item);
	spin_lock(&rdm->lock);
	rdm->inflight -= msgpipe_rdm_cost(item);
	rdm->pending--;
	queue = !rdm->orphan;
	if (queue) {
		list_add_tail(&item->node, &rdm->done);
		rdm->done_bytes += msgpipe_rdm_done_size(item);
	}
	spin_unlock(&rdm->lock);
	if (queue) {
		msgpipe_sk_wake(&rdm->msk->sk);
		return;
	}
	msgpipe_rdm_item_free(rdm, item);
	if (!rdm->pending)
		msgpipe_rdm_release_id(rdm->msk);
}

/* A closed socket sends nothing more: its id goes. Under rdm->mutex. */
static void msgpipe_rdm_release_id(struct msgpipe_sock *msk)
{
	if (!msk->local_id)
		return;
	xa_erase(&msk->mn->sids, msk->local_id);
	WRITE_ONCE(msk->local_id, 0);
	msgpipe_stat_dec(msk->mn, MSGPIPE_STAT_SESSIONS);
}

/* Destination @idx of @item answered @status. Under rdm->mutex. */
static void msgpipe_rdm_answer(struct msgpipe_rdm *rdm,
			       struct msgpipe_rdm_item *item, u32 idx,
			       int status)
{
	item->status[idx] = status;
	if (status) {
		item->nfailed++;
		msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_DEST_FAILS);
	}
	msgpipe_rdm_item_put(rdm, item);
}

/* Free a batch no longer in the GUID table; its items get @status. */
static void msgpipe_rdm_batch_end(struct msgpipe_rdm *rdm,
				  struct msgpipe_rdm_batch *b, int status)
{
	u32 i;

	for (i = 0; i < b->nr_items; i++)
		msgpipe_rdm_answer(rdm, b->refs[i].item, b->refs[i].idx, status);
	for (i = 0; i < b->nr_pages; i++)
		msgpipe_rdm_page_put(rdm, b->pages[i]);
	msgpipe_stat_add(rdm->mn, MSGPIPE_STAT_TX_PAGES, -(s64)b->nr_pages);
	msgpipe_stat_dec(rdm->mn, MSGPIPE_STAT_RDM_BATCHES);
	rdm->nr_batches--;
	kfree(b->pages);
	kvfree(b);
}

/**
 * msgpipe_rdm_unhash() - take a batch out of the GUID table to end it
 * @mn: engine
 * @b:  the batch
 *
 * Return: true if the caller may end it; false if an acknowledgment took
 * it first (the cleanup ends it).
 */
bool msgpipe_rdm_unhash(struct msgpipe_net *mn, struct msgpipe_rdm_batch *b)
{
	bool mine;

	spin_lock(&mn->guid_lock);
	mine = !b->acked;
	if (b->hashed) {
		hash_del(&b->hnode);
		b->hashed = false;
	}
	spin_unlock(&mn->guid_lock);
	return mine;
}

/* The batch of GUID @hi:@lo in the engine's table, or NULL. */
static struct msgpipe_rdm_batch *
msgpipe_rdm_guid_find(struct msgpipe_net *mn, u64 hi, u64 lo)
{
	struct msgpipe_rdm_batch *b;

	lockdep_assert_held(&mn->guid_lock);
	hash_for_each_possible(mn->guids, b, hnode, lo)
		if (b->guid_lo == lo && b->guid_hi == hi)
			return b;
	return NULL;
}

/* Name @b and put it in the table: its first send. The low half is a
 * keyed hash of a counter, unknown to any host that saw other GUIDs; two
 * batches in the table never share one. (One equal to a GUID a receiver
 * still remembers from this engine is as likely as guessing 64 random
 * bits.)
 */
static void msgpipe_rdm_guid_assign(struct msgpipe_net *mn,
				    struct msgpipe_rdm_batch *b)
{
	lockdep_assert_held(&mn->guid_lock);
	b->guid_hi = mn->guid_hi;
	do {
		b->guid_lo = siphash_1u64(++mn->guid_next, &mn->guid_key);
	} while (!b->guid_lo ||
		 msgpipe_rdm_guid_find(mn, b->guid_hi, b->guid_lo));
	hash_add(mn->guids, &b->hnode, b->guid_lo);
	b->hashed = true;
}

/**
 * msgpipe_rdm_tx_done() - a copy of a batch left for the network
 * @mn: engine
 * @f:  the BATCH frame the agent completed
 *
 * The batch's retry clock starts now: until then the copy was only
 * waiting in the pipe's ring or backlog, and a resend would have queued
 * behind it. A batch that left the table meanwhile is over: nothing to do.
 */
void msgpipe_rdm_tx_done(struct msgpipe_net *mn, const struct msgpipe_frame *f)
{
	struct msgpipe_rdm_batch *b;

	spin_lock(&mn->guid_lock);
	b = msgpipe_rdm_guid_find(mn, f->msg_seq, f->stream_seq);
	if (b) {
		WRITE_ONCE(b->left, jiffies);
		atomic_dec(&b->queued);
	}
	spin_unlock(&mn->guid_lock);
}

static struct msgpipe_rdm_dest *
msgpipe_rdm_dest_get(struct msgpipe_rdm *rdm, const struct sockaddr_msgpipe *a)
{
	u32 key = jhash(a, sizeof(*a), 0);
	struct msgpipe_rdm_dest *d;

	hash_for_each_possible(rdm->dests, d, hnode, key)
		if (!memcmp(&d->addr, a, sizeof(*a)))
			return d;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return NULL;
	d->rdm = rdm;
	d->addr = *a;
	INIT_LIST_HEAD(&d->queue);
	INIT_LIST_HEAD(&d->unacked);
	INIT_DELAYED_WORK(&d->work, msgpipe_rdm_dest_work);
	hash_add(rdm->dests, &d->hnode, key);
	rdm->nr_dests++;
	msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_DESTS);
	return d;
}

/* Copy @len bytes of @src to offset @off of the page array @pages. */
static void msgpipe_rdm_copy_to_pages(struct page **pages, u32 off,
				      const void *src, u32 len)
{
	while (len) {
		u32 n = min_t(u32, len, PAGE_SIZE - off % PAGE_SIZE);

		memcpy_to_page(pages[off / PAGE_SIZE], off % PAGE_SIZE, src, n);
		src += n;
		off += n;
		len -= n;
	}
}

/* Write the payload of the batch; it goes on its destination's
 * queue. On failure its items fail for that destination.
 */
static void msgpipe_rdm_batch_seal(struct msgpipe_rdm *rdm,
				   struct msgpipe_rdm_batch *b)
{
	static const u8 zero[4];
	u32 i, off = 0, n = DIV_ROUND_UP(b->len, PAGE_SIZE);

	rdm->nr_batches++;
	msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_BATCHES);
	b->pages = kcalloc(n, sizeof(*b->pages), GFP_KERNEL);
	if (!b->pages)
		goto err_fail;
	for (; b->nr_pages < n; b->nr_pages++) {
		b->pages[b->nr_pages] = msgpipe_rdm_page_get(rdm);
		if (!b->pages[b->nr_pages])
			goto err_fail;
		msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_TX_PAGES);
	}
	for (i = 0; i < b->nr_items; i++) {
		struct msgpipe_rdm_item *item = b->refs[i].item;
		struct msgpipe_batch_item h = {
			.len = cpu_to_be32(item->len),
			.flags = cpu_to_be32(item->flags),
		};

		msgpipe_rdm_copy_to_pages(b->pages, off, &h, sizeof(h));
		off += sizeof(h);
		msgpipe_rdm_copy_to_pages(b->pages, off, item->data, item->len);
		off += item->len;
		/* The pages may hold an earlier batch: pad with zeroes. */
		msgpipe_rdm_copy_to_pages(b->pages, off, zero,
					  ALIGN(item->len, 4) - item->len);
		off = ALIGN(off, 4);
	}
	list_add_tail(&b->node, &b->dest->queue);
	return;

err_fail:
	msgpipe_rdm_batch_end(rdm, b, -ENOMEM);
}

static struct msgpipe_rdm_batch *msgpipe_rdm_batch_new(struct msgpipe_rdm_dest *d,
						       u32 cap)
{
	struct msgpipe_rdm_batch *b;

	b = kvzalloc(struct_size(b, refs, cap), GFP_KERNEL);
	if (b)
		b->dest = d;
	return b;
}

/* Split closed elements: pass 1 counts what each destination gets (in
 * d->nr_new), pass 2 fills its batches in item order, each at most one
 * frame; then they are sealed (their payload written) and their
 * destinations kicked. Each item's pending count holds one extra for
 * the split, so none completes before its bytes are copied.
 */
static void msgpipe_rdm_split(struct msgpipe_rdm *rdm, struct list_head *items)
{
	struct msgpipe_rdm_dest **touched, *d;
	struct msgpipe_rdm_item *item, **its;
	u32 i, k, nt = 0, ni = 0, cap = 0;

	list_for_each_entry(item, items, node) {
		cap += item->ndest;
		ni++;
	}
	its = kvmalloc_array(ni, sizeof(*its), GFP_KERNEL);
	touched = kvmalloc_array(cap, sizeof(*touched), GFP_KERNEL);
	ni = 0;
	while ((item = list_first_entry_or_null(items, struct msgpipe_rdm_item,
						node))) {
		list_del_init(&item->node);
		if (!its || !touched) {
			for (i = 0; i < item->ndest; i++)
				msgpipe_rdm_answer(rdm, item, i, -ENOMEM);
			msgpipe_rdm_item_put(rdm, item);
			continue;
		}
		its[ni++] = item;
		for (i = 0; i < item->ndest; i++) {
			d = msgpipe_rdm_dest_get(rdm, &item->dests[i]);
			if (d && !d->nr_new++)
				touched[nt++] = d;
		}
	}
	for (k = 0; k < ni; k++) {
		item = its[k];
		for (i = 0; i < item->ndest; i++) {
			u32 rec = msgpipe_rdm_rec_size(item->len);
			struct msgpipe_rdm_batch *b;

			d = msgpipe_rdm_dest_get(rdm, &item->dests[i]);
			if (!d || !d->nr_new) {
				msgpipe_rdm_answer(rdm, item, i, -ENOMEM);
				continue;
			}
			b = d->build;
			if (b && (b->len + rec > MSGPIPE_CHUNK_MAX ||
				  b->nr_items == MSGPIPE_BATCH_ITEMS_MAX)) {
				msgpipe_rdm_batch_seal(rdm, b);
				b = NULL;
			}
			if (!b) {
				b = msgpipe_rdm_batch_new(d, d->nr_new);
				d->build = b;
			}
			d->nr_new--;
			if (!b) {
				msgpipe_rdm_answer(rdm, item, i, -ENOMEM);
				continue;
			}
			b->refs[b->nr_items++] = (struct msgpipe_rdm_ref) {
				.item = item, .idx = i,
			};
			b->len += rec;
		}
	}
	for (i = 0; i < nt; i++) {
		d = touched[i];
		if (d->build)
			msgpipe_rdm_batch_seal(rdm, d->build);
		d->build = NULL;
		d->nr_new = 0;
		msgpipe_rdm_kick(rdm, &d->work);
	}
	/* Every batch is sealed: the items' own copies can go. */
	for (k = 0; k < ni; k++) {
		msgpipe_rdm_item_drop_data(rdm, its[k]);
		msgpipe_rdm_item_put(rdm, its[k]);
	}
	kvfree(touched);
	kvfree(its);
}

static void msgpipe_rdm_flush_work(struct work_struct *work)
{
	struct msgpipe_rdm *rdm = container_of(to_delayed_work(work),
					       struct msgpipe_rdm, flush_work);

	msgpipe_rdm_flush(rdm);
	sock_put(&rdm->msk->sk);
}

/**
 * msgpipe_rdm_flush() - close the active element and send it
 * @rdm: the socket's RDM state
 */
void msgpipe_rdm_flush(struct msgpipe_rdm *rdm)
{
	bool any;

	spin_lock(&rdm->lock);
	any = !list_empty(&rdm->active);
	list_splice_tail_init(&rdm->active, &rdm->closed);
	rdm->active_bytes = 0;
	spin_unlock(&rdm->lock);
	if (!any)
		return;
	msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_ELEMENTS);
	sock_hold(&rdm->msk->sk);
	if (!queue_work(msgpipe_wq, &rdm->split_work))
		sock_put(&rdm->msk->sk);
}

static void msgpipe_rdm_split_work(struct work_struct *work)
{
	struct msgpipe_rdm *rdm = container_of(work, struct msgpipe_rdm,
					       split_work);
	LIST_HEAD(items);

	mutex_lock(&rdm->mutex);
	spin_lock(&rdm->lock);
	list_splice_init(&rdm->closed, &items);
	spin_unlock(&rdm->lock);
	msgpipe_rdm_split(rdm, &items);
	mutex_unlock(&rdm->mutex);
	sock_put(&rdm->msk->sk);
}

/* How long the origin may resend a batch: the receiver's dedup horizon. */
static u32 msgpipe_rdm_horizon(const struct msgpipe_rdm_tun *t)
{
	u64 ms = (u64)t->retry_ms * (t->retries + 2);

	return min_t(u64, ms, MSGPIPE_BATCH_HORIZON_MAX);
}

static int msgpipe_rdm_send(struct msgpipe_rdm *rdm, struct msgpipe_pipe *pipe,
			    struct msgpipe_rdm_batch *b)
{
	struct msgpipe_sock *msk = rdm->msk;
	struct msgpipe_frame f = {
		.type = MSGPIPE_T_BATCH,
		.port = b->dest->addr.smp_port,
		.src_sid = msk->local_id,
		.offset = msk->port,
		.msg_seq = b->guid_hi,
		.stream_seq = b->guid_lo,
		.total_len = b->nr_items,
		.window = msgpipe_rdm_horizon(&rdm->tun),
	};

	return msgpipe_rdm_post(pipe, msk, &f, b->pages, b->nr_pages, b->len);
}

/* Give up the batches of @d that have had all their attempts. */
static bool msgpipe_rdm_give_up(struct msgpipe_rdm *rdm,
				struct msgpipe_rdm_batch *b)
{
	/* A closed socket tries until its orphan deadline at the most. */
	if (b->attempts <= READ_ONCE(rdm->tun.retries) &&
	    !(READ_ONCE(rdm->orphan) &&
	      time_after_eq(jiffies, rdm->orphan_deadline)))
		return false;
	list_del_init(&b->node);
	if (msgpipe_rdm_unhash(rdm->msk->mn, b))
		msgpipe_rdm_batch_end(rdm, b, -ETIMEDOUT);
	return true;
}

/* Sending to @d failed before the batches went out: try again later. */
static void msgpipe_rdm_dest_retry(struct msgpipe_rdm_dest *d)
{
	struct msgpipe_rdm *rdm = d->rdm;
	struct msgpipe_rdm_batch *b, *tmp;
	unsigned long delay;

	delay = msecs_to_jiffies(READ_ONCE(rdm->tun.retry_ms));
	list_for_each_entry_safe(b, tmp, &d->queue, node) {
		b->attempts++;
		msgpipe_rdm_give_up(rdm, b);
	}
	if (READ_ONCE(rdm->orphan))
		delay = min(delay, time_after(rdm->orphan_deadline, jiffies) ?
			    rdm->orphan_deadline - jiffies : 0);
	if (!list_empty(&d->queue))
		msgpipe_rdm_queue(rdm, &d->work, delay);
}

/* Open the pipe of @d if needed and send its queue. */
static void msgpipe_rdm_dest_work(struct work_struct *work)
{
	struct msgpipe_rdm_dest *d = container_of(to_delayed_work(work),
						  struct msgpipe_rdm_dest, work);
	struct msgpipe_rdm *rdm = d->rdm;
	struct msgpipe_net *mn = rdm->msk->mn;
	struct msgpipe_rdm_batch *b, *tmp;
	struct msgpipe_pipe *pipe;
	unsigned long until;

	mutex_lock(&rdm->mutex);
	if (list_empty(&d->queue))
		goto out_unlock;
	pipe = d->pipe;
	if (pipe && READ_ONCE(pipe->state) == MSGPIPE_PIPE_DOWN) {
		WRITE_ONCE(d->pipe, NULL);
		msgpipe_pipe_unuse(pipe);
		pipe = NULL;
	}
	if (!pipe) {
		/* A TCP connect may take seconds: not under the mutex. */
		mutex_unlock(&rdm->mutex);
		pipe = msgpipe_pipe_use(mn, &d->addr);
		mutex_lock(&rdm->mutex);
		if (IS_ERR(pipe)) {
			msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_OPEN_FAILS);
			msgpipe_rdm_dest_retry(d);
			goto out_unlock;
		}
		if (d->pipe)	/* cannot happen: one work per destination */
			msgpipe_pipe_unuse(d->pipe);
		WRITE_ONCE(d->pipe, pipe);
	}
	until = READ_ONCE(pipe->throttle_until);
	if (time_before(jiffies, until)) {
		msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_THROTTLED);
		msgpipe_rdm_queue(rdm, &d->work, until - jiffies);
		goto out_unlock;
	}
	list_for_each_entry_safe(b, tmp, &d->queue, node) {
		if (!b->hashed && !b->acked) {
			spin_lock(&mn->guid_lock);
			msgpipe_rdm_guid_assign(mn, b);
			spin_unlock(&mn->guid_lock);
		}
		b->attempts++;
		if (b->attempts > 1)
			msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_RESENDS);
		/* Counted before the post: TX_DONE may come before it returns. */
		WRITE_ONCE(b->left, jiffies);
		atomic_inc(&b->queued);
		if (msgpipe_rdm_send(rdm, pipe, b)) {
			atomic_dec(&b->queued);
			b->attempts--;
			msgpipe_rdm_dest_retry(d);
			break;
		}
		msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_BATCHES_SENT);
		b->next = jiffies + msecs_to_jiffies(READ_ONCE(rdm->tun.retry_ms));
		list_move_tail(&b->node, &d->unacked);
	}
	if (!delayed_work_pending(&rdm->retry_work))
		msgpipe_rdm_queue(rdm, &rdm->retry_work,
				  msecs_to_jiffies(READ_ONCE(rdm->tun.retry_ms)));
out_unlock:
	mutex_unlock(&rdm->mutex);
	sock_put(&rdm->msk->sk);
}

/* Whether @b's retry time has not run yet: it runs from the TX_DONE of
 * its last copy, and not at all while that copy waits in the pipe's
 * queues (a closed socket's orphan deadline still ends it). If not,
 * @b->next is moved to when it will have.
 */
static bool msgpipe_rdm_waiting(struct msgpipe_rdm *rdm,
				struct msgpipe_rdm_batch *b, unsigned long now)
{
	unsigned long due, retry = msecs_to_jiffies(READ_ONCE(rdm->tun.retry_ms));

	if (READ_ONCE(rdm->orphan) && time_after_eq(now, rdm->orphan_deadline))
		return false;
	due = atomic_read(&b->queued) ? now + retry : READ_ONCE(b->left) + retry;
	if (!time_before(now, due))
		return false;
	b->next = due;
	return true;
}

/* Resend what was not acknowledged in time, or give it up. */
static void msgpipe_rdm_retry_work(struct work_struct *work)
{
	struct msgpipe_rdm *rdm = container_of(to_delayed_work(work),
					       struct msgpipe_rdm, retry_work);
	unsigned long now = jiffies, next = now + MAX_JIFFY_OFFSET;
	struct msgpipe_rdm_batch *b, *tmp;
	struct msgpipe_rdm_dest *d;
	bool any = false;
	int bkt;

	mutex_lock(&rdm->mutex);
	hash_for_each(rdm->dests, bkt, d, hnode) {
		bool kick = false;

		list_for_each_entry_safe(b, tmp, &d->unacked, node) {
			if (time_before(now, b->next) ||
			    msgpipe_rdm_waiting(rdm, b, now)) {
				if (time_before(b->next, next))
					next = b->next;
				any = true;
				continue;
			}
			if (msgpipe_rdm_give_up(rdm, b))
				continue;
			list_move_tail(&b->node, &d->queue);
			kick = true;
		}
		if (kick)
			msgpipe_rdm_kick(rdm, &d->work);
	}
	if (any && READ_ONCE(rdm->orphan) &&
	    time_before(rdm->orphan_deadline, next))
		next = rdm->orphan_deadline;
	if (any)
		msgpipe_rdm_queue(rdm, &rdm->retry_work,
				  time_after(next, now) ? next - now : 1);
	mutex_unlock(&rdm->mutex);
	sock_put(&rdm->msk->sk);
}

/* The ack list's trigger: end the batches acknowledged. */
static void msgpipe_rdm_cleanup_work(struct work_struct *work)
{
	struct msgpipe_rdm *rdm = container_of(to_delayed_work(work),
					       struct msgpipe_rdm, cleanup_work);
	struct msgpipe_rdm_batch *b;
	LIST_HEAD(acks);

	mutex_lock(&rdm->mutex);
	spin_lock(&rdm->lock);
	list_splice_init(&rdm->acks, &acks);
	rdm->nr_acks = 0;
	spin_unlock(&rdm->lock);
	while ((b = list_first_entry_or_null(&acks, struct msgpipe_rdm_batch,
					     ack_node))) {
		list_del(&b->ack_node);
		list_del_init(&b->node);
		msgpipe_rdm_batch_end(rdm, b, b->status);
	}
	mutex_unlock(&rdm->mutex);
	sock_put(&rdm->msk->sk);
}

/**
 * msgpipe_rdm_rx_ack() - a BATCH_ACK arrived
 * @pipe: the pipe it came on
 * @f:    its validated header
 * @buf:  its payload; consumed
 *
 * Each GUID still in the table leaves it and goes on its socket's ack
 * list; unknown GUIDs (acknowledged twice, or given up) are counted. Only
 * the batch's destination may acknowledge it: the record must come on the
 * pipe the batch is sent on (a host that received some batch of ours
 * cannot end another's). Records from any other pipe are counted and
 * change nothing.
 *
 * Return: 0, or -EPROTO for a malformed record.
 */
int msgpipe_rdm_rx_ack(struct msgpipe_pipe *pipe,
		       const struct msgpipe_frame *f,
		       struct msgpipe_rxbuf *buf)
{
	struct msgpipe_net *mn = pipe->mn;
	struct msgpipe_rdm_batch *b;
	int err = 0, status;
	const void *data;
	void *copy;
	u64 hi, lo;
	u32 i;

	msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RDM_ACK_FRAMES_RX);
	if (!buf)
		return -EPROTO;
	data = msgpipe_rxbuf_view(buf, &copy);
	if (!data) {
		msgpipe_rxbuf_free(buf);
		return 0;	/* the batches are resent, acknowledged again */
	}
	for (i = 0; i < f->total_len; i++) {
		struct msgpipe_rdm *rdm = NULL;

		err = msgpipe_wire_batch_ack(data, f->chunk_len, i, &hi, &lo,
					     &status);
		if (err)
			break;
		spin_lock(&mn->guid_lock);
		b = msgpipe_rdm_guid_find(mn, hi, lo);
		if (b && READ_ONCE(b->dest->pipe) != pipe) {
			spin_unlock(&mn->guid_lock);
			msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RDM_ACK_FOREIGN);
			continue;
		}
		if (b) {
			hash_del(&b->hnode);
			b->hashed = false;
			b->acked = true;
			b->status = status;
			rdm = b->dest->rdm;
			sock_hold(&rdm->msk->sk);
		}
		spin_unlock(&mn->guid_lock);
		if (!rdm) {
			msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RDM_ACK_UNKNOWN);
			continue;
		}
		spin_lock(&rdm->lock);
		list_add_tail(&b->ack_node, &rdm->acks);
		if (++rdm->nr_acks >= MSGPIPE_RDM_ACKS_TRIGGER)
			msgpipe_rdm_kick(rdm, &rdm->cleanup_work);
		else if (rdm->nr_acks == 1)
			msgpipe_rdm_queue(rdm, &rdm->cleanup_work,
					  usecs_to_jiffies(rdm->tun.time_us));
		spin_unlock(&rdm->lock);
		sock_put(&rdm->msk->sk);
	}
	kvfree(copy);
	msgpipe_rxbuf_free(buf);
	return err;
}

/**
 * msgpipe_rdm_rx_throttle() - a host asks us to pause our batches to it
 * @pipe: the pipe to that host
 * @f:    the THROTTLE frame; @f->window ms, 0 lifts it
 *
 * Return: 0.
 */
int msgpipe_rdm_rx_throttle(struct msgpipe_pipe *pipe,
			    const struct msgpipe_frame *f)
{
	msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RDM_THROTTLE_RX);
	WRITE_ONCE(pipe->throttle_until,
		   jiffies + msecs_to_jiffies(f->window));
	return 0;
}

/* sendmsg(): what the control messages and msg_name say. @src points
 * into the caller's message until the item copies it.
 */
struct msgpipe_rdm_args {
	const struct sockaddr_msgpipe *src;
	u32			ndest;
	struct msgpipe_item_opts opts;
};

static int msgpipe_rdm_addr_check(const struct sockaddr_msgpipe *a)
{
	if (a->smp_family != msgpipe_family)
		return -EAFNOSUPPORT;
	if (a->smp_reserved || !a->smp_port)
		return -EINVAL;
	if (a->smp_af == AF_INET) {
		if (memchr_inv(a->smp_addr + 4, 0, 12) || a->smp_scope_id)
			return -EINVAL;
	} else if (a->smp_af != AF_INET6) {
		return -EAFNOSUPPORT;
	}
	if (!memchr_inv(a->smp_addr, 0, sizeof(a->smp_addr)))
		return -EDESTADDRREQ;
	return 0;
}

static int msgpipe_rdm_addr_cmp(const void *a, const void *b)
{
	return memcmp(a, b, sizeof(struct sockaddr_msgpipe));
}

static int msgpipe_rdm_parse(struct msghdr *msg, struct msgpipe_rdm_args *a)
{
	const struct sockaddr_msgpipe *src = NULL;
	struct cmsghdr *cmsg;
	bool have_opts = false;
	u32 n = 0;

	for_each_cmsghdr(cmsg, msg) {
		u32 dlen;

		if (!CMSG_OK(msg, cmsg) || cmsg->cmsg_level != SOL_MSGPIPE)
			return -EINVAL;
		dlen = cmsg->cmsg_len - CMSG_LEN(0);
		if (cmsg->cmsg_type == MSGPIPE_CM_DESTS) {
			if (src || !dlen || dlen % sizeof(*src) ||
			    dlen / sizeof(*src) > MSGPIPE_RDM_DESTS_MAX)
				return -EINVAL;
			src = CMSG_DATA(cmsg);
			n = dlen / sizeof(*src);
		} else if (cmsg->cmsg_type == MSGPIPE_CM_ITEM) {
			if (have_opts || dlen != sizeof(a->opts))
				return -EINVAL;
			memcpy(&a->opts, CMSG_DATA(cmsg), sizeof(a->opts));
			if (a->opts.pad || (a->opts.flags & ~MSGPIPE_ITEM_PRIORITY))
				return -EINVAL;
			have_opts = true;
		} else {
			return -EINVAL;
		}
	}
	if (msg->msg_name) {
		if (src)
			return -EINVAL;
		if (msg->msg_namelen < (int)sizeof(*src))
			return -EINVAL;
		src = msg->msg_name;
		n = 1;
	}
	if (!src)
		return -EDESTADDRREQ;
	a->src = src;
	a->ndest = n;
	return 0;
}

/* Check and normalize the destinations copied into @dests. They keep the
 * order given (the statuses follow it); a sorted copy finds one named
 * twice.
 */
static int msgpipe_rdm_dests_check(struct sockaddr_msgpipe *dests, u32 n)
{
	struct sockaddr_msgpipe *sorted;
	u32 i;
	int err;

	for (i = 0; i < n; i++) {
		err = msgpipe_rdm_addr_check(&dests[i]);
		if (err)
			return err;
		/* Compared whole: fields the family does not use are 0. */
		if (dests[i].smp_af == AF_INET6 &&
		    !(ipv6_addr_type((struct in6_addr *)dests[i].smp_addr) &
		      IPV6_ADDR_LINKLOCAL))
			dests[i].smp_scope_id = 0;
	}
	if (n < 2)
		return 0;
	sorted = kvmalloc_array(n, sizeof(*dests), GFP_KERNEL);
	if (!sorted)
		return -ENOMEM;
	memcpy(sorted, dests, n * sizeof(*dests));
	err = 0;
	sort(sorted, n, sizeof(*sorted), msgpipe_rdm_addr_cmp, NULL);
	for (i = 1; i < n; i++)
		if (!msgpipe_rdm_addr_cmp(&sorted[i - 1], &sorted[i]))
			err = -EINVAL;	/* a destination named twice */
	kvfree(sorted);
	return err;
}

static bool msgpipe_rdm_room(struct msgpipe_sock *msk)
{
	struct msgpipe_rdm *rdm = msk->rdm;

	return READ_ONCE(rdm->inflight) + READ_ONCE(rdm->done_bytes) <
	       (u64)READ_ONCE(msk->sk.sk_sndbuf) || READ_ONCE(rdm->shut);
}

/**
 * msgpipe_rdm_sendmsg_item() - queue one transmission item
 * @msk: the SOCK_RDM socket
 * @msg: the item: bytes, destinations, options (flags already checked)
 * @len: its length, 1..MSGPIPE_RDM_ITEM_MAX
 *
 * Return: @len, or -errno.
 */
int msgpipe_rdm_sendmsg_item(struct msgpipe_sock *msk, struct msghdr *msg,
			     size_t len)
{
	struct msgpipe_rdm_args a = {};
	struct msgpipe_rdm *rdm = msk->rdm;
	struct msgpipe_rdm_item *item;
	bool now, arm;
	size_t isz, dsz;
	long timeo;
	int err;

	err = msgpipe_rdm_parse(msg, &a);
	if (err)
		return err;
	/* One allocation: the item and its destinations. Its bytes go to a
	 * stage page (up to a page) or their own allocation, until its
	 * batches are sealed.
	 */
	dsz = a.ndest * sizeof(*a.src);
	isz = struct_size(item, status, a.ndest);
	isz = ALIGN(isz, sizeof(u64));
	item = kzalloc(isz + dsz, GFP_KERNEL);
	if (!item)
		return -ENOMEM;
	item->dests = (void *)item + isz;
	memcpy(item->dests, a.src, dsz);
	err = msgpipe_rdm_dests_check(item->dests, a.ndest);
	if (err)
		goto err_item;
	item->ndest = a.ndest;
	item->len = len;
	item->flags = a.opts.flags;
	item->cookie = a.opts.cookie;
	item->pending = a.ndest + 1;
	item->data = len <= PAGE_SIZE ?
		     msgpipe_rdm_stage_get(rdm, len, &item->stage) :
		     kvmalloc(len, GFP_KERNEL);
	err = -ENOMEM;
	if (!item->data)
		goto err_item;
	err = -EFAULT;
	if (!copy_from_iter_full(item->data, len, &msg->msg_iter))
		goto err_item;

	timeo = sock_sndtimeo(&msk->sk, msg->msg_flags & MSG_DONTWAIT);
	err = msgpipe_wait(&msk->sk, &timeo, TASK_INTERRUPTIBLE,
			   msgpipe_rdm_room);
	if (err)
		goto err_item;

	spin_lock(&rdm->lock);
	if (rdm->shut) {
		spin_unlock(&rdm->lock);
		err = -EPIPE;
		goto err_item;
	}
	item->id = ++rdm->next_id;
	list_add_tail(&item->node, &rdm->active);
	arm = !rdm->active_bytes;
	rdm->active_bytes += len;
	rdm->inflight += msgpipe_rdm_cost(item);
	rdm->pending++;
	now = (item->flags & MSGPIPE_ITEM_PRIORITY) || !rdm->tun.time_us ||
	      rdm->active_bytes >= rdm->tun.size;
	spin_unlock(&rdm->lock);
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RDM_ITEMS);
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_RDM_ITEMS_SENT);

	if (now) {
		if (cancel_delayed_work(&rdm->flush_work))
			sock_put(&msk->sk);
		msgpipe_rdm_flush(rdm);
	} else if (arm) {
		msgpipe_rdm_queue(rdm, &rdm->flush_work,
				  usecs_to_jiffies(rdm->tun.time_us));
	}
	return len;

err_item:
	msgpipe_rdm_item_free(rdm, item);
	return err;
}

/**
 * msgpipe_rdm_errqueue() - read item completions
 * @msk: the SOCK_RDM socket
 * @msg: the caller's message; its control buffer receives the records
 * @len: ignored: completions carry no data
 *
 * Return: 0 with one MSGPIPE_RDM_DONE cmsg, -EAGAIN when none waits,
 * -ENOBUFS when the control buffer cannot hold the first record.
 */
int msgpipe_rdm_errqueue(struct msgpipe_sock *msk, struct msghdr *msg,
			 size_t len)
{
	struct msgpipe_rdm *rdm = msk->rdm;
	struct msgpipe_rdm_item *item, *tmp;
	u32 room, used = 0;
	LIST_HEAD(taken);
	u8 *buf;
	int err;

	if (msg->msg_controllen <= CMSG_LEN(0))
		return list_empty(&rdm->done) ? -EAGAIN : -ENOBUFS;
	room = min_t(u32, msg->msg_controllen - CMSG_LEN(0), 1 << 16);

	/* The records are taken first and the buffer sized to them: a reader
	 * polling for a few completions must not allocate the whole control
	 * buffer every time (up to 64 KiB, a high-order allocation).
	 */
	spin_lock(&rdm->lock);
	list_for_each_entry_safe(item, tmp, &rdm->done, node) {
		u32 sz = msgpipe_rdm_done_size(item);

		if (used + sz > room)
			break;
		list_move_tail(&item->node, &taken);
		rdm->done_bytes -= sz;
		used += sz;
	}
	err = list_empty(&rdm->done) && !used ? -EAGAIN : used ? 0 : -ENOBUFS;
	spin_unlock(&rdm->lock);
	if (!used)
		return err;

	buf = kvmalloc(used, GFP_KERNEL);
	if (!buf) {
		/* Back at the head, in order, for the next read. */
		spin_lock(&rdm->lock);
		list_splice(&taken, &rdm->done);
		rdm->done_bytes += used;
		spin_unlock(&rdm->lock);
		return -ENOMEM;
	}

	used = 0;
	list_for_each_entry_safe(item, tmp, &taken, node) {
		struct msgpipe_rdm_done *d = (void *)(buf + used);
		u32 sz = msgpipe_rdm_done_size(item);

		memset(d, 0, sz);
		d->id = item->id;
		d->cookie = item->cookie;
		d->ndest = item->ndest;
		d->nfailed = item->nfailed;
		memcpy(d->status, item->status, item->ndest * sizeof(s32));
		used += sz;
		list_del(&item->node);
		msgpipe_rdm_item_free(rdm, item);
	}
	err = put_cmsg(msg, SOL_MSGPIPE, MSGPIPE_RDM_DONE, used, buf);
	kvfree(buf);
	msgpipe_sk_wake(&msk->sk);
	return err;
}

/**
 * msgpipe_rdm_close() - the socket is released: send what it queued
 * @msk: the SOCK_RDM socket
 *
 * The active element is flushed; batches go on being sent and resent
 * until they are acknowledged or given up, then the socket is freed.
 * Unread completions and received items are dropped.
 */
void msgpipe_rdm_close(struct msgpipe_sock *msk)
{
	struct msgpipe_rdm *rdm = msk->rdm;
	struct msgpipe_rdm_item *item;
	LIST_HEAD(done);

	if (cancel_delayed_work(&rdm->flush_work))
		sock_put(&msk->sk);
	msgpipe_rdm_flush(rdm);
	mutex_lock(&rdm->mutex);
	spin_lock(&rdm->lock);
	rdm->orphan_deadline = jiffies + msecs_to_jiffies(MSGPIPE_RDM_ORPHAN_MS);
	rdm->orphan = true;
	rdm->shut = true;
	list_splice_init(&rdm->done, &done);
	rdm->done_bytes = 0;
	spin_unlock(&rdm->lock);
	while ((item = list_first_entry_or_null(&done, struct msgpipe_rdm_item,
						node))) {
		list_del(&item->node);
		msgpipe_rdm_item_free(rdm, item);
	}
	if (!rdm->pending && list_empty(&rdm->closed))
		msgpipe_rdm_release_id(msk);
	mutex_unlock(&rdm->mutex);
	msgpipe_rdm_rx_purge(rdm);
}

static void msgpipe_rdm_free_work(struct work_struct *work)
{
	struct msgpipe_rdm *rdm = container_of(work, struct msgpipe_rdm,
					       free_work);
	struct msgpipe_rdm_dest *d;
	struct hlist_node *tmp;
	struct net *net;
	int bkt;

	hash_for_each_safe(rdm->dests, bkt, tmp, d, hnode) {
		WARN_ON_ONCE(!list_empty(&d->queue) || !list_empty(&d->unacked));
		hash_del(&d->hnode);
		if (d->pipe)
			msgpipe_pipe_unuse(d->pipe);
		msgpipe_stat_dec(rdm->mn, MSGPIPE_STAT_RDM_DESTS);
		kfree(d);
	}
	msgpipe_rdm_rx_purge(rdm);
	msgpipe_rdm_stage_release(rdm);
	mutex_destroy(&rdm->mutex);
	net = rdm->mn->net;
	kfree(rdm);
	put_net(net);
}

/**
 * msgpipe_rdm_destruct() - the sock is being freed: free its RDM state
 * @msk: the socket
 *
 * Every work held a sock reference, so none is queued or running. Pipes
 * are let go from a work: this may be any context.
 */
void msgpipe_rdm_destruct(struct msgpipe_sock *msk)
{
	struct msgpipe_rdm *rdm = msk->rdm;

	WARN_ON_ONCE(rdm->pending || rdm->nr_batches);
	msk->rdm = NULL;
	/* The socket's reference goes after this: the work counts in the
	 * namespace and must not outlive it.
	 */
	get_net(rdm->mn->net);
	INIT_WORK(&rdm->free_work, msgpipe_rdm_free_work);
	queue_work(msgpipe_wq, &rdm->free_work);
}
