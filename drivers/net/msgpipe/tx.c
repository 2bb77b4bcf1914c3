// SPDX-License-Identifier: GPL-2.0
/*
 * The sending half of a session: sendmsg() in copy mode (the host copies
 * into pages it owns, so the buffer is free on return) or zero-copy
 * (MSG_ZEROCOPY: the user's pages are pinned chunk by chunk, the buffer
 * belongs to the kernel until its completion); the send queue and the
 * peer's window that bound it; and the records of unacknowledged messages
 * from which a lost chunk is posted again when the agent asks.
 *
 * Locking: tx_mutex gives one sender the session's stream; tx_lock (a
 * mutex: re-pinning sleeps) protects tx_msgs and every message's chunks
 * against the agent's completions; msk->lock protects the window fields
 * the agent's ACKs move. Order: tx_mutex, tx_lock, pipe->lock, msk->lock.
 *
 * Lifetime: a message record lives on tx_msgs until the peer acknowledged
 * its last byte (or the session ended) and while a posted frame still pins
 * pages on its owner's behalf (txmsg refs). Copy-mode chunks keep their
 * pages until acknowledged; zero-copy chunks keep only {address, size,
 * sequence} and a CRC of the bytes, and are re-pinned for a resend.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/highmem.h>
#include <linux/sched/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "stats.h"

/**
 * msgpipe_txchunk_free() - free a chunk record and its copy
 * @mn: its message's namespace
 * @c:  the chunk, off any list
 */
void msgpipe_txchunk_free(struct msgpipe_net *mn, struct msgpipe_txchunk *c)
{
	unsigned int i;

	for (i = 0; i < c->nr_pages; i++)
		put_page(c->pages[i]);
	msgpipe_stat_add(mn, MSGPIPE_STAT_TX_PAGES, -(s64)c->nr_pages);
	kfree(c);
}

/**
 * msgpipe_txmsg_put() - drop a reference on a message record
 * @m: the record
 */
void msgpipe_txmsg_put(struct msgpipe_txmsg *m)
{
	struct msgpipe_txchunk *c, *tmp;

	if (!refcount_dec_and_test(&m->refs))
		return;
	list_for_each_entry_safe(c, tmp, &m->chunks, node)
		msgpipe_txchunk_free(m->mn, c);
	msgpipe_pin_owner_release(&m->po);
	msgpipe_ioc_done_free(m->done);
	kfree_skb(m->note);
	kfree(m->iov);
	msgpipe_stat_dec(m->mn, MSGPIPE_STAT_TX_MSGS_OPEN);
	kfree(m);
}

static struct msgpipe_txmsg *msgpipe_txmsg_new(struct msgpipe_sock *msk,
					       struct msghdr *msg, u32 len,
					       bool zc,
					       struct msgpipe_send_src *src)
{
	struct msgpipe_txmsg *m;
	struct iov_iter it;
	unsigned int i;

	m = kzalloc(sizeof(*m), GFP_KERNEL);
	if (!m)
		return NULL;
	refcount_set(&m->refs, 1);
	m->mn = msk->mn;
	INIT_LIST_HEAD(&m->chunks);
	m->len = len;
	m->zc = zc;
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_TX_MSGS_OPEN);
	if (src && src->done) {
		/* Completes into the ioctl's queue, never the error queue. */
		m->done = src->done;
		src->done = NULL;
	} else {
		m->notify = zc || READ_ONCE(msk->tx_notify);
	}
	if (m->notify) {
		/* Allocated now so a completion is never lost later. */
		m->note = alloc_skb(0, GFP_KERNEL);
		if (!m->note)
			goto err_put;
	}
	if (!zc)
		return m;

	m->nr_segs = msg->msg_iter.nr_segs ?: 1;
	m->iov = kmalloc_array(m->nr_segs, sizeof(*m->iov), GFP_KERNEL);
	if (!m->iov)
		goto err_put;
	it = msg->msg_iter;
	for (i = 0; i < m->nr_segs && iov_iter_count(&it); i++) {
		m->iov[i] = msgpipe_iter_seg(&it);
		iov_iter_advance(&it, m->iov[i].iov_len);
	}
	m->nr_segs = i;
	msgpipe_pin_owner_init(&m->po);
	if (src && src->no_charge && m->po.user) {
		free_uid(m->po.user);
		m->po.user = NULL;
	}
	return m;

err_put:
	msgpipe_txmsg_put(m);
	return NULL;
}

/* Find the user segments of message bytes [@off, @off + @len). */
static unsigned int msgpipe_txmsg_segs(const struct msgpipe_txmsg *m, u32 off,
				       u32 len, u64 *addr, u32 *size,
				       unsigned int max)
{
	unsigned int i, n = 0;

	for (i = 0; i < m->nr_segs && len && n < max; i++) {
		u64 seg = m->iov[i].iov_len;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		addr[n] = (u64)(uintptr_t)m->iov[i].iov_base + off;
		size[n] = min_t(u64, seg - off, len);
		len -= size[n];
		off = 0;
		n++;
	}
	return len ? 0 : n;
}

/* User segments one zero-copy chunk may span: a chunk of smaller
 * segments is cut shorter (msgpipe_txmsg_fit()).
 */
#define MSGPIPE_ZC_SEGS	16

/* The most of @len message bytes from @off that @max user segments hold. */
static u32 msgpipe_txmsg_fit(const struct msgpipe_txmsg *m, u32 off, u32 len,
			     unsigned int max)
{
	unsigned int i, n = 0;
	u32 fit = 0;

	for (i = 0; i < m->nr_segs && fit < len && n < max; i++) {
		u64 seg = m->iov[i].iov_len;

		if (off >= seg) {
			off -= seg;
			continue;
		}
		fit += min_t(u64, seg - off, len - fit);
		off = 0;
		n++;
	}
	return fit ?: len;
}

/* Build the frame of a zero-copy chunk: pin its user segments and chain one
 * descriptor per segment. @remote: re-pin from an agent worker.
 */
static struct msgpipe_txbuf *msgpipe_tx_pin(struct msgpipe_sock *msk,
					    struct msgpipe_txmsg *m,
					    struct msgpipe_txchunk *c,
					    bool remote, int *errp)
{
	u64 addr[MSGPIPE_ZC_SEGS];
	u32 size[MSGPIPE_ZC_SEGS];
	struct msgpipe_txbuf *txb;
	unsigned int i, n, np = 0;
	u64 seq = c->stream;
	u32 crc = ~0U;
	int err;

	n = msgpipe_txmsg_segs(m, c->offset, c->len, addr, size,
			       MSGPIPE_ZC_SEGS);
	*errp = -EFAULT;
	if (!n)
		return NULL;
	for (i = 0; i < n; i++)
		np += msgpipe_desc_span(offset_in_page(addr[i]), size[i]);
	*errp = -ENOMEM;
	txb = msgpipe_txbuf_alloc(msk->mn, msk, n, np);
	if (!txb)
		return NULL;
	np = 0;
	for (i = 0; i < n; i++) {
		struct msgpipe_desc *d = &txb->desc[i];

		err = msgpipe_pin_range(msk->mn, &m->po, addr[i], size[i],
					&txb->pages[np], remote);
		if (err) {
			/* Unpin what this frame pinned so far. */
			txb->pin = np ? &m->po : NULL;
			txb->nr_pages = np;
			msgpipe_txbuf_free(txb);
			*errp = err;
			return NULL;
		}
		*d = (struct msgpipe_desc) {
			.addr = addr[i],
			.size = size[i],
			.flags = MSGPIPE_DESC_F_PINNED |
				 (remote ? MSGPIPE_DESC_F_RETX : 0),
			.seq = seq,
			.cookie = m->seq,
			.link = i + 1 < n ? d + 1 : NULL,
			.pages = &txb->pages[np],
			.page_off = offset_in_page(addr[i]),
			.nr_pages = msgpipe_desc_span(offset_in_page(addr[i]),
						      size[i]),
		};
		atomic_add(d->nr_pages, &msk->tx_pinned);
		crc = msgpipe_pages_crc(crc, d->pages, d->page_off, d->size);
		np += d->nr_pages;
		seq += size[i];
		txb->pin = &m->po;
		txb->nr_pages = np;
	}
	txb->desc[n - 1].flags |= c->offset + c->len == m->len ?
				  MSGPIPE_DESC_F_EOP : 0;
	refcount_inc(&m->refs);
	txb->msg = m;
	if (remote && crc != c->crc) {
		/* Same address, other bytes: the mapping changed. */
		msgpipe_txbuf_free(txb);
		*errp = -EFAULT;
		return NULL;
	}
	c->crc = crc;
	txb->tx.frame.flags = MSGPIPE_F_DATA_CRC;
	txb->tx.frame.data_crc = crc;
	return txb;
}

/* The frame of a copy-mode chunk: a page reference per page of the copy. */
static struct msgpipe_txbuf *msgpipe_tx_ref(struct msgpipe_sock *msk,
					    struct msgpipe_txmsg *m,
					    struct msgpipe_txchunk *c,
					    bool retx)
{
	struct msgpipe_txbuf *txb;
	unsigned int i;

	txb = msgpipe_txbuf_alloc(msk->mn, msk, 1, c->nr_pages);
	if (!txb)
		return NULL;
	for (i = 0; i < c->nr_pages; i++) {
		get_page(c->pages[i]);
		txb->pages[i] = c->pages[i];
	}
	txb->nr_pages = c->nr_pages;
	txb->desc[0] = (struct msgpipe_desc) {
		.size = c->len,
		.flags = MSGPIPE_DESC_F_COPY | (retx ? MSGPIPE_DESC_F_RETX : 0) |
			 (c->offset + c->len == m->len ? MSGPIPE_DESC_F_EOP : 0),
		.seq = c->stream,
		.cookie = m->seq,
		.pages = txb->pages,
		.nr_pages = c->nr_pages,
	};
	return txb;
}

/**
 * msgpipe_tx_post_chunk() - post the frame of a chunk
 * @msk:  the session
 * @m:    the message
 * @c:    its chunk
 * @retx: a resend: re-pin from the owner's address space
 *
 * Return: 0; -EFAULT when the bytes are gone or changed; -EAGAIN or
 * -ENOBUFS when pinning is over a limit; another -errno.
 */
int msgpipe_tx_post_chunk(struct msgpipe_sock *msk, struct msgpipe_txmsg *m,
			  struct msgpipe_txchunk *c, bool retx)
{
	struct msgpipe_pipe *pipe = READ_ONCE(msk->pipe);
	struct msgpipe_txbuf *txb;
	struct msgpipe_frame *f;
	int err = -ENOMEM;

	if (!pipe)
		return -ENOTCONN;
	txb = m->zc ? msgpipe_tx_pin(msk, m, c, retx, &err) :
		      msgpipe_tx_ref(msk, m, c, retx);
	if (!txb)
		return err;
	txb->tx.chain = txb->desc;
	f = &txb->tx.frame;
	f->type = MSGPIPE_T_DATA;
	f->dst_sid = msk->remote_id;
	f->src_sid = msk->local_id;
	f->msg_seq = m->seq;
	f->stream_seq = c->stream;
	f->offset = c->offset;
	f->total_len = m->len;
	f->chunk_len = c->len;
	err = msgpipe_pipe_post(pipe, &txb->tx);
	if (err) {
		msgpipe_txbuf_free(txb);
		return err;
	}
	msgpipe_stat_add(msk->mn, m->zc ? MSGPIPE_STAT_TX_ZC_BYTES :
			 MSGPIPE_STAT_TX_COPY_BYTES, retx ? 0 : c->len);
	return 0;
}

/**
 * msgpipe_txmsg_trim() - free the chunks of a message acknowledged so far
 * @m:    the oldest unacknowledged message, or NULL
 * @upto: the cumulative acknowledgment
 */
void msgpipe_txmsg_trim(struct msgpipe_txmsg *m, u64 upto)
{
	struct msgpipe_txchunk *c;

	while (m && (c = list_first_entry_or_null(&m->chunks,
						  struct msgpipe_txchunk,
						  node)) &&
	       c->stream + c->len <= upto) {
		list_del(&c->node);
		msgpipe_txchunk_free(m->mn, c);
	}
}

/* Copy the next @k bytes of @src's file ranges into @page; -EIO when a
 * file is shorter than its range.
 */
static int msgpipe_txchunk_read(struct msgpipe_send_src *src,
				struct page *page, size_t k)
{
	void *p = kmap_local_page(page);
	size_t off = 0;
	int err = 0;

	while (off < k && src->cur < src->nparts) {
		struct msgpipe_file_part *fp = &src->parts[src->cur];
		size_t n = min_t(u64, k - off, fp->len);
		ssize_t got = kernel_read(fp->file, p + off, n, &fp->pos);

		if (got != n) {
			err = got < 0 ? got : -EIO;
			break;
		}
		off += n;
		fp->len -= n;
		if (!fp->len)
			src->cur++;
	}
	kunmap_local(p);
	if (!err && off != k)
		err = -EIO;
	return err;
}

/* A new chunk record; copy mode fills it from the user's iterator or the
 * file of @src.
 */
static struct msgpipe_txchunk *msgpipe_txchunk_new(struct msgpipe_txmsg *m,
						   struct iov_iter *from,
						   struct msgpipe_send_src *src,
						   u32 off, u32 len)
{
	unsigned int i, n = m->zc ? 0 : DIV_ROUND_UP(len, PAGE_SIZE);
	struct msgpipe_txchunk *c;

	c = kzalloc(struct_size(c, pages, n), GFP_KERNEL);
	if (!c)
		return ERR_PTR(-ENOMEM);
	c->offset = off;
	c->len = len;
	for (i = 0; i < n; i++) {
		size_t k = min_t(size_t, len - i * PAGE_SIZE, PAGE_SIZE);

		c->pages[i] = alloc_page(GFP_KERNEL);
		if (!c->pages[i])
			break;
		c->nr_pages++;
		msgpipe_stat_add(m->mn, MSGPIPE_STAT_TX_PAGES, 1);
		if (src && src->nparts) {
			int err = msgpipe_txchunk_read(src, c->pages[i], k);

			if (err) {
				msgpipe_txchunk_free(m->mn, c);
				return ERR_PTR(err);
			}
		} else if (copy_page_from_iter(c->pages[i], 0, k, from) != k) {
			msgpipe_txchunk_free(m->mn, c);
			return ERR_PTR(-EFAULT);
		}
	}
	if (i < n) {
		msgpipe_txchunk_free(m->mn, c);
		return ERR_PTR(-ENOMEM);
	}
	return c;
}

/* What the sender waits for; set under tx_mutex before waiting. */
static bool msgpipe_tx_room(struct msgpipe_sock *msk)
{
	u64 stream = msk->tx_stream, acked = READ_ONCE(msk->tx_acked);
	u32 want = msk->tx_want;

	if (READ_ONCE(msk->state) != MSGPIPE_SS_READY)
		return true;
	if (msk->tx_posting && READ_ONCE(msk->tx_posting->voided))
		return true;
	if (msk->tx_want_seq > READ_ONCE(msk->tx_msg_limit))
		return false;
	if (msk->tx_want_seq &&
	    skb_queue_len(&msk->sk.sk_error_queue) >= MSGPIPE_ERRQ_MAX)
		return false;
	if (stream != acked &&
	    stream - acked + want > READ_ONCE(msk->sk.sk_sndbuf))
		return false;
	/* A window smaller than a chunk is used as soon as the pipe is
	 * empty, so a small SO_RCVBUF still makes progress.
	 */
	return stream + want <= READ_ONCE(msk->tx_right) ||
	       (stream == acked && stream < READ_ONCE(msk->tx_right));
}

static int msgpipe_tx_check(struct msgpipe_sock *msk)
{
	switch (READ_ONCE(msk->state)) {
	case MSGPIPE_SS_READY:
		return 0;
	case MSGPIPE_SS_SENDING_FIN:
		return -EPIPE;
	case MSGPIPE_SS_CLOSED:
		return sock_error(&msk->sk) ?: -EPIPE;
	default:
		return -ENOTCONN;
	}
}

/* Could the whole message go now, without waiting? */
static bool msgpipe_tx_fits(struct msgpipe_sock *msk, u64 seq, u32 len, bool zc)
{
	u64 acked = READ_ONCE(msk->tx_acked);

	return seq <= READ_ONCE(msk->tx_msg_limit) &&
	       skb_queue_len(&msk->sk.sk_error_queue) < MSGPIPE_ERRQ_MAX &&
	       msk->tx_stream - acked + len <= READ_ONCE(msk->sk.sk_sndbuf) &&
	       msk->tx_stream + len <= READ_ONCE(msk->tx_right) &&
	       (!zc || msgpipe_pin_room(msk->mn, DIV_ROUND_UP(len, PAGE_SIZE) +
					1));
}

/* Wait for room for a chunk of @n bytes; first chunk: interruptible. */
static int msgpipe_tx_wait(struct msgpipe_sock *msk, long *timeo, u64 seq,
			   u32 *n, bool first, bool zc)
{
	long kill_timeo = MAX_SCHEDULE_TIMEOUT;
	struct sock *sk = &msk->sk;
	int err;

	msk->tx_want = *n;
	msk->tx_want_seq = first ? seq : 0;
	err = msgpipe_wait(sk, first ? timeo : &kill_timeo,
			   first ? TASK_INTERRUPTIBLE : TASK_KILLABLE,
			   msgpipe_tx_room);
	err = err ?: msgpipe_tx_check(msk);
	if (err)
		return err;
	*n = min_t(u64, *n, READ_ONCE(msk->tx_right) - msk->tx_stream);
	if (zc) {
		unsigned int pages = DIV_ROUND_UP(*n, PAGE_SIZE) + 1;

		err = wait_event_killable(msk->mn->pin_wq,
					  msgpipe_pin_room(msk->mn, pages));
	}
	return err;
}

/* A zero-copy chunk of @n bytes found the owner's RLIMIT_MEMLOCK full. The
 * frames this socket has in flight hold pins their transmission releases:
 * wait for them, or for room. With none, waiting cannot help: -ENOBUFS.
 */
static int msgpipe_tx_memlock_wait(struct msgpipe_sock *msk,
				   struct msgpipe_txmsg *m, u32 n)
{
	unsigned int pages = DIV_ROUND_UP(n, PAGE_SIZE) + 1;
	int err;

	if (!atomic_read(&msk->tx_pinned))
		return -ENOBUFS;
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_MEMLOCK_WAITS);
	err = wait_event_killable(msk->mn->pin_wq,
				  !atomic_read(&msk->tx_pinned) ||
				  msgpipe_pin_memlock_room(&m->po, pages));
	return err ?: msgpipe_tx_check(msk);
}

/* Send the chunks of @m; returns 0 or -errno with nothing more posted. */
static int msgpipe_tx_chunks(struct msgpipe_sock *msk, struct msgpipe_txmsg *m,
			     struct msghdr *msg, struct msgpipe_send_src *src,
			     long *timeo)
{
	struct msgpipe_txchunk *c;
	u32 off = 0;
	int err;

	while (off < m->len) {
		u32 n = min_t(u32, m->len - off, MSGPIPE_CHUNK_DEFAULT);

		if (m->zc)
			n = msgpipe_txmsg_fit(m, off, n, MSGPIPE_ZC_SEGS);
		err = msgpipe_tx_wait(msk, timeo, m->seq, &n, !off, m->zc);
		if (err)
			return err;
		c = msgpipe_txchunk_new(m, &msg->msg_iter, src, off, n);
		if (IS_ERR(c))
			return PTR_ERR(c);
		mutex_lock(&msk->tx_lock);
		/* Voided meanwhile (a resend found its memory gone): the
		 * stream already moved past it, nothing more goes out.
		 */
		if (m->voided) {
			mutex_unlock(&msk->tx_lock);
			msgpipe_txchunk_free(m->mn, c);
			return m->status;
		}
		c->stream = msk->tx_stream;
		if (!off) {
			/* The list's reference; acknowledgments drop it. */
			refcount_inc(&m->refs);
			list_add_tail(&m->node, &msk->tx_msgs);
		}
		list_add_tail(&c->node, &m->chunks);
		err = msgpipe_tx_post_chunk(msk, m, c, false);
		if (err) {
			list_del(&c->node);
			if (!off) {
				list_del(&m->node);
				refcount_dec(&m->refs);	/* the sender's remains */
			}
			mutex_unlock(&msk->tx_lock);
			msgpipe_txchunk_free(m->mn, c);
			/* -EAGAIN: lost a race for the namespace's pin cap. */
			if (err == -EAGAIN && m->zc)
				continue;
			/* Over RLIMIT_MEMLOCK: a blocking sender, or one
			 * in the middle of its message, waits for what its
			 * own frames hold.
			 */
			if (err == -ENOBUFS && (off || *timeo)) {
				err = msgpipe_tx_memlock_wait(msk, m, n);
				if (!err)
					continue;
			}
			return err;
		}
		msk->tx_stream += n;
		mutex_unlock(&msk->tx_lock);
		msgpipe_stat_add(msk->mn, MSGPIPE_STAT_TX_UNACKED, n);
		off += n;
	}
	return 0;
}

/**
 * msgpipe_session_sendmsg() - send one message
 * @msk: the session
 * @msg: the message; MSG_ZEROCOPY selects zero-copy
 * @len: its length, validated by the caller
 *
 * Chunks are posted as the send queue (SO_SNDBUF, counting unacknowledged
 * bytes) and the peer's window allow. Once the first chunk is posted the
 * message goes out whole or is voided; later waits ignore all but fatal
 * signals. A non-blocking call sends only a message that fits now.
 *
 * Return: @len or -errno.
 */
int msgpipe_session_sendmsg(struct msgpipe_sock *msk, struct msghdr *msg,
			    size_t len)
{
	return msgpipe_session_send(msk, msg, len, NULL);
}

/**
 * msgpipe_session_send() - send one message from the caller or a source
 * @msk: the session
 * @msg: the message's flags, and its bytes unless @src has a file
 * @len: its length, validated by the caller
 * @src: NULL, or what the ioctl interface adds (see the struct)
 *
 * As msgpipe_session_sendmsg(). With a completion record in @src the
 * message takes it over once it exists; a message voided after it began
 * then returns @len and reports its error only in that completion, so
 * that every accepted message completes exactly once.
 *
 * Return: @len or -errno.
 */
int msgpipe_session_send(struct msgpipe_sock *msk, struct msghdr *msg,
			 size_t len, struct msgpipe_send_src *src)
{
	bool zc = msg->msg_flags & MSG_ZEROCOPY;
	struct sock *sk = &msk->sk;
	struct msgpipe_txmsg *m;
	long timeo;
	int err;

	if (zc && !user_backed_iter(&msg->msg_iter))
		return -EOPNOTSUPP;
	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	if (!timeo && len > READ_ONCE(sk->sk_sndbuf))
		return -EMSGSIZE;
	if (mutex_lock_interruptible(&msk->tx_mutex))
		return -EINTR;
	err = msgpipe_tx_check(msk);
	if (err)
		goto out_unlock;
	if (!timeo && !msgpipe_tx_fits(msk, msk->tx_seq + 1, len, zc)) {
		err = -EAGAIN;
		goto out_unlock;
	}
	err = -ENOMEM;
	m = msgpipe_txmsg_new(msk, msg, len, zc, src);
	if (!m)
		goto out_unlock;
	m->seq = msk->tx_seq + 1;
	m->stream = msk->tx_stream;
	/* The sender holds @m: acknowledgments may retire it meanwhile. */
	msk->tx_posting = m;
	err = msgpipe_tx_chunks(msk, m, msg, src, &timeo);
	msk->tx_posting = NULL;
	if (err && msk->tx_stream == m->stream) {
		/* Nothing went out: the message never existed. */
		msgpipe_txmsg_put(m);
		goto out_unlock;
	}
	if (err) {
		/* Part went out: void it; the application learns it from
		 * the return value, the peer from the void.
		 */
		mutex_lock(&msk->tx_lock);
		if (!m->voided)
			msgpipe_tx_void_msg(msk, m, err);
		err = m->status;
		mutex_unlock(&msk->tx_lock);
		msk->tx_seq = m->seq;
		msgpipe_txmsg_put(m);
		if (src && !src->done)
			err = len;	/* its completion carries the error */
		goto out_unlock;
	}
	msk->tx_seq = m->seq;
	msgpipe_txmsg_put(m);
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_TX_MSGS);
	msgpipe_stat_add(msk->mn, MSGPIPE_STAT_TX_BYTES, len);
	err = len;
out_unlock:
	mutex_unlock(&msk->tx_mutex);
	if (err == -EPIPE && !(msg->msg_flags & MSG_NOSIGNAL))
		send_sig(SIGPIPE, current, 0);
	return err;
}
