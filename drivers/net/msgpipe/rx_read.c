// SPDX-License-Identifier: GPL-2.0
/*
 * recvmsg() of a session: the head message's bytes copied out, peeked
 * (MSG_PEEK) or cut to the caller's buffer (MSG_TRUNC), and the window
 * reopened as the reader makes room. Locking as in rx.c: rx_mutex makes
 * the caller the only one who removes chunks or moves read offsets, so it
 * copies without msk->lock; the agent only appends.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "stats.h"

/* The message at the head has bytes to read, or is voided. Under lock. */
static bool msgpipe_rx_head_readable(struct msgpipe_sock *msk)
{
	struct msgpipe_rxmsg *m;

	m = list_first_entry_or_null(&msk->rx_msgs, struct msgpipe_rxmsg, node);
	return m && (m->received > m->consumed || m->voided);
}

static bool msgpipe_rx_readable(struct msgpipe_sock *msk)
{
	bool readable;

	spin_lock(&msk->lock);
	readable = msgpipe_rx_head_readable(msk);
	spin_unlock(&msk->lock);
	return readable;
}

static bool msgpipe_rx_ready(struct msgpipe_sock *msk)
{
	bool ready;

	spin_lock(&msk->lock);
	ready = msgpipe_rx_head_readable(msk) || msgpipe_rx_ended(msk) ||
		msk->state == MSGPIPE_SS_CLOSED ||
		(msk->sk.sk_shutdown & RCV_SHUTDOWN);
	spin_unlock(&msk->lock);
	return ready;
}

/* The voided message @m at the head, with nothing left to read: one never
 * read is dropped as if it never existed (-ENODATA); one partly read
 * fails the read that finds it with -EBADMSG, and is dropped unless
 * @peek, so that a read without MSG_PEEK reports it once. Called with
 * msk->lock held; returns with it released.
 */
static int msgpipe_rx_end_voided(struct msgpipe_sock *msk,
				 struct msgpipe_rxmsg *m, bool peek)
	__releases(&msk->lock)
{
	u64 left = m->received - m->consumed;
	int ret = m->consumed ? -EBADMSG : -ENODATA;

	if (m->consumed && peek) {
		spin_unlock(&msk->lock);
		return ret;
	}
	list_del(&m->node);
	msk->rx_msgs_done++;
	msk->rx_unread -= left;
	msk->rx_queued -= left;
	spin_unlock(&msk->lock);
	msgpipe_stat_add(msk->mn, MSGPIPE_STAT_RX_QUEUED, -(s64)left);
	msgpipe_rxmsg_free(m);
	return ret;
}

/* The head message and its first chunk, if it has bytes to read: returns
 * their number, 0 if none, or what msgpipe_rx_end_voided() returns for a
 * voided one. Takes and releases msk->lock.
 */
static s64 msgpipe_rx_head(struct msgpipe_sock *msk, bool peek,
			   struct msgpipe_rxmsg **mp,
			   struct msgpipe_rxchunk **cp)
{
	struct msgpipe_rxmsg *m;
	u64 unread;

	spin_lock(&msk->lock);
	m = list_first_entry_or_null(&msk->rx_msgs, struct msgpipe_rxmsg, node);
	if (m && m->voided && (!m->consumed || m->received == m->consumed))
		return msgpipe_rx_end_voided(msk, m, peek);
	unread = m ? m->received - m->consumed : 0;
	if (unread) {
		*mp = m;
		*cp = list_first_entry(&m->chunks, struct msgpipe_rxchunk,
				       node);
	}
	spin_unlock(&msk->lock);
	return unread;
}

/* MSG_PEEK: copy up to @len bytes of the head message that arrived and
 * were not read, leaving them queued; sets *eor if they end it. Returns
 * what msgpipe_rx_copy() returns. Only the reader, who holds rx_mutex,
 * removes chunks or moves their read offsets: the chunks walked stay put
 * while the lock is dropped for the copy; the agent only appends.
 */
static int msgpipe_rx_peek(struct msgpipe_sock *msk, struct msghdr *msg,
			   size_t len, bool *eor)
{
	struct msgpipe_rxchunk *c;
	struct msgpipe_rxmsg *m;
	size_t copied = 0;
	s64 unread;
	bool last;
	u64 avail;
	u32 off;

	unread = msgpipe_rx_head(msk, true, &m, &c);
	if (unread <= 0)
		return unread;
	avail = min_t(u64, len, unread);
	off = c->off;
	while (copied < avail) {
		u32 poff = off & (PAGE_SIZE - 1);
		size_t want, n;

		if (off == c->buf->len) {
			spin_lock(&msk->lock);
			last = list_is_last(&c->node, &m->chunks);
			if (!last)
				c = list_next_entry(c, node);
			spin_unlock(&msk->lock);
			if (WARN_ON_ONCE(last))
				break;
			off = c->off;
			continue;
		}
		want = min3((size_t)(avail - copied), (size_t)(c->buf->len - off),
			    (size_t)(PAGE_SIZE - poff));
		n = copy_page_to_iter(c->buf->pages[off >> PAGE_SHIFT], poff,
				      want, &msg->msg_iter);
		copied += n;
		off += n;
		if (n < want)
			break;
	}
	if (!copied)
		return -EFAULT;
	spin_lock(&msk->lock);
	*eor = !m->voided && m->consumed + copied == m->total;
	spin_unlock(&msk->lock);
	return copied;
}

/* Copy from the head of the queue. Returns bytes, 0 when nothing is there,
 * -ENODATA when it dropped a voided message nobody had read from, or
 * -EBADMSG once for a message voided after part of it was read; sets *eor
 * at the end of a message.
 */
static int msgpipe_rx_copy(struct msgpipe_sock *msk, struct msghdr *msg,
			   size_t len, bool *eor)
{
	struct msgpipe_rxchunk *c, *done = NULL;
	struct msgpipe_rxmsg *m, *mdone = NULL;
	size_t want, copied;
	struct page *page;
	s64 unread;
	u32 poff;

	unread = msgpipe_rx_head(msk, false, &m, &c);
	if (unread <= 0)
		return unread;

	/* Only this reader removes chunks; the agent only appends. */
	poff = c->off & (PAGE_SIZE - 1);
	page = c->buf->pages[c->off >> PAGE_SHIFT];
	want = min3(len, (size_t)(c->buf->len - c->off),
		    (size_t)(PAGE_SIZE - poff));
	copied = copy_page_to_iter(page, poff, want, &msg->msg_iter);
	if (!copied)
		return -EFAULT;

	spin_lock(&msk->lock);
	c->off += copied;
	m->consumed += copied;
	msk->rx_queued -= copied;
	msk->rx_unread -= copied;
	if (c->off == c->buf->len) {
		list_del(&c->node);
		done = c;
	}
	if (m->consumed == m->total && !m->voided) {
		list_del(&m->node);
		msk->rx_msgs_done++;
		mdone = m;
		*eor = true;
	}
	spin_unlock(&msk->lock);
	msgpipe_stat_add(msk->mn, MSGPIPE_STAT_RX_QUEUED, -(s64)copied);
	if (done)
		msgpipe_rxchunk_free(done);
	if (mdone)
		msgpipe_rxmsg_free(mdone);
	return copied;
}

/* The window's reopening: tell the sender when reading opened a
 * quarter of the buffer, or any room after the window was (nearly) shut.
 */
static void msgpipe_rx_reopen(struct msgpipe_sock *msk)
{
	u32 rcvbuf = READ_ONCE(msk->sk.sk_rcvbuf);
	u64 right, limit;
	bool ack;

	spin_lock(&msk->lock);
	right = msk->rx_stream - msk->rx_unread + rcvbuf;
	limit = msk->rx_msgs_done + MSGPIPE_RX_MSGS;
	ack = right >= msk->rx_adv_right + rcvbuf / 4 ||
	      (right > msk->rx_adv_right &&
	       msk->rx_adv_right - msk->rx_stream < MSGPIPE_CHUNK_DEFAULT) ||
	      limit >= msk->rx_adv_msgs + MSGPIPE_RX_MSGS / 4 ||
	      (limit > msk->rx_adv_msgs &&
	       msk->rx_adv_msgs < msk->rx_next_seq);
	spin_unlock(&msk->lock);
	if (ack) {
		msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_WINDOW_UPDATES);
		msgpipe_rx_ack(msk);
	}
}

/* What a MSG_TRUNC read left of the head message: dropped here, as it
 * arrives, waiting for it as the read may wait; a void of it ends it too.
 */
static int msgpipe_rx_skip(struct msgpipe_sock *msk, long *timeo)
{
	struct msghdr d = {};
	int err;

	while (msk->rx_skip) {
		bool eor = false;
		int n;

		iov_iter_discard(&d.msg_iter, ITER_DEST, SIZE_MAX);
		n = msgpipe_rx_copy(msk, &d, SIZE_MAX, &eor);
		if (eor || n == -ENODATA || n == -EBADMSG) {
			msk->rx_skip = false;
		} else if (n > 0) {
			continue;
		} else if (!msgpipe_rx_ready(msk)) {
			err = msgpipe_wait(&msk->sk, timeo, TASK_INTERRUPTIBLE,
					   msgpipe_rx_ready);
			if (err)
				return err;
		} else if (!msgpipe_rx_readable(msk)) {
			msk->rx_skip = false;	/* nothing more will come */
		}
	}
	return 0;
}

/* MSG_TRUNC: the length of the head message from where reading stopped
 * before this read took @copied bytes of it (@peek: took none); 0 when
 * there is none, or it was voided (the next read says EBADMSG).
 */
static u64 msgpipe_rx_rest(struct msgpipe_sock *msk, size_t copied,
			   bool peek)
{
	struct msgpipe_rxmsg *m;
	u64 rest = 0;

	spin_lock(&msk->lock);
	m = list_first_entry_or_null(&msk->rx_msgs, struct msgpipe_rxmsg, node);
	if (m && !m->voided)
		rest = m->total - m->consumed + (peek ? 0 : copied);
	spin_unlock(&msk->lock);
	return rest;
}

/**
 * msgpipe_session_recvmsg() - read bytes of the message at the queue head
 * @msk:   the session
 * @msg:   where to copy
 * @len:   room in @msg
 * @flags: MSG_DONTWAIT, MSG_WAITALL and MSG_PEEK are honoured
 *
 * Never returns bytes of two messages; MSG_EOR marks the last piece.
 * MSG_PEEK returns the head message's bytes that arrived (at least one,
 * unless the call may not wait) and leaves them to be read; MSG_WAITALL
 * does not make it wait for more. MSG_TRUNC returns the message's length
 * from where reading stopped, and drops what did not fit (not with
 * MSG_PEEK), MSG_TRUNC and MSG_EOR in msg_flags.
 *
 * Return: bytes read (with MSG_TRUNC: the length), 0 at the end of the
 * session, or -errno.
 */
int msgpipe_session_recvmsg(struct msgpipe_sock *msk, struct msghdr *msg,
			    size_t len, int flags)
{
	bool peek = flags & MSG_PEEK, probing = !len, eor = false;
	struct sock *sk = &msk->sk;
	struct msghdr probe = {}, *to = msg;
	size_t copied = 0;
	long timeo;
	int err;

	/* A zero-length read (MSG_TRUNC: the length of the message) peeks a
	 * byte nobody sees, so that it waits and meets voids as any read.
	 */
	if (probing) {
		iov_iter_discard(&probe.msg_iter, ITER_DEST, 1);
		to = &probe;
		len = 1;
		peek = true;
	}
	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	if (mutex_lock_interruptible(&msk->rx_mutex))
		return -EINTR;
	err = msgpipe_rx_skip(msk, &timeo);
	while (!err && copied < len && !eor) {
		int n = peek ? msgpipe_rx_peek(msk, to, len, &eor) :
			msgpipe_rx_copy(msk, to, len - copied, &eor);

		if (n == -ENODATA)
			continue;
		if (n < 0) {
			err = n;
			break;
		}
		if (n) {
			copied += n;
			if (peek)
				break;
			continue;
		}
		if (copied && !(flags & MSG_WAITALL))
			break;
		if (!msgpipe_rx_ready(msk)) {
			err = msgpipe_wait(sk, &timeo, TASK_INTERRUPTIBLE,
					   msgpipe_rx_ready);
			if (err)
				break;
			continue;
		}
		/* Ready, but maybe only because bytes came after the copy
		 * found none: read them, not an end that is not there.
		 */
		if (msgpipe_rx_readable(msk))
			continue;
		/* Nothing to read and nothing will come. */
		if (!list_empty(&msk->rx_msgs) || READ_ONCE(msk->state) ==
		    MSGPIPE_SS_CLOSED)
			err = sock_error(sk);
		break;
	}
	if ((flags & MSG_TRUNC) && copied && (probing || !eor)) {
		u64 rest = msgpipe_rx_rest(msk, probing ? 0 : copied, peek);

		if (probing)
			copied = 0;
		eor = false;
		if (rest > copied) {
			msg->msg_flags |= MSG_TRUNC;
			copied = rest;
			if (!(flags & MSG_PEEK)) {
				msk->rx_skip = true;
				eor = true;
				/* What came already goes now: it holds the
				 * window; a wait for the rest is the next
				 * read's.
				 */
				timeo = 0;
				msgpipe_rx_skip(msk, &timeo);
			}
		} else if (probing) {
			err = -EBADMSG;	/* voided since the peek */
		}
	}
	mutex_unlock(&msk->rx_mutex);
	msgpipe_rx_reopen(msk);
	if (eor)
		msg->msg_flags |= MSG_EOR;
	return copied ?: err;
}
