// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: the SYNC / SYNC_ACK / ACCEPT / FIN handshake of seed 001, the
 * sending of messages as chains of descriptors over pages the host owns,
 * and the reassembly of received chunks into messages for recvmsg().
 *
 * Locking: msk->lock (spinlock) protects the session state and both queues
 * against the agent's upcalls, which run in agent threads. Nothing is
 * posted to a pipe while msk->lock is held (pipe->lock nests outside it).
 * tx_mutex keeps a message's chunks contiguous on the wire; rx_mutex gives
 * a reader exclusive use of the head of the receive queue, so chunks can be
 * copied to user space without the spinlock: the agent only appends.
 *
 * Lifetime: every posted frame holds a socket reference, dropped at its
 * completion; frames that arrive for a session whose id was already
 * released are counted and dropped.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/highmem.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "stats.h"

/**
 * struct msgpipe_txbuf - a frame the host posted, with what it owns
 * @tx:       the frame handed to the agent
 * @desc:     the one descriptor of a DATA frame's payload
 * @msk:      the session (holds a reference), or NULL for a REFUSE
 * @nr_pages: pages in @pages
 * @pages:    the host's copy of the payload
 */
struct msgpipe_txbuf {
	struct msgpipe_tx	tx;
	struct msgpipe_desc	desc;
	struct msgpipe_sock	*msk;
	u32			nr_pages;
	struct page		*pages[];
};

/**
 * struct msgpipe_rxchunk - a received payload in a message
 * @node: in msgpipe_rxmsg.chunks
 * @buf:  the payload
 * @off:  bytes of it already read
 */
struct msgpipe_rxchunk {
	struct list_head	node;
	struct msgpipe_rxbuf	*buf;
	u32			off;
};

/**
 * msgpipe_sk_wake() - wake every waiter of a socket (readers, writers, poll)
 * @sk: the socket
 */
void msgpipe_sk_wake(struct sock *sk)
{
	struct socket_wq *wq;

	rcu_read_lock();
	wq = rcu_dereference(sk->sk_wq);
	if (skwq_has_sleeper(wq))
		wake_up_all(&wq->wait);
	rcu_read_unlock();
}

static void msgpipe_txbuf_free(struct msgpipe_txbuf *txb)
{
	unsigned int i;

	for (i = 0; i < txb->nr_pages; i++)
		__free_page(txb->pages[i]);
	msgpipe_stat_dec(MSGPIPE_STAT_TX_BUFS);
	msgpipe_stat_add(MSGPIPE_STAT_TX_PAGES, -(s64)txb->nr_pages);
	if (txb->msk)
		sock_put(&txb->msk->sk);
	kfree(txb);
}

static struct msgpipe_txbuf *msgpipe_txbuf_alloc(struct msgpipe_sock *msk,
						 u32 len)
{
	unsigned int i, n = DIV_ROUND_UP(len, PAGE_SIZE);
	struct msgpipe_txbuf *txb;

	txb = kzalloc(struct_size(txb, pages, n), GFP_KERNEL);
	if (!txb)
		return NULL;
	for (i = 0; i < n; i++) {
		txb->pages[i] = alloc_page(GFP_KERNEL);
		if (!txb->pages[i])
			break;
		txb->nr_pages++;
	}
	msgpipe_stat_inc(MSGPIPE_STAT_TX_BUFS);
	msgpipe_stat_add(MSGPIPE_STAT_TX_PAGES, txb->nr_pages);
	txb->msk = msk;
	if (msk)
		sock_hold(&msk->sk);
	if (i < n) {
		msgpipe_txbuf_free(txb);
		return NULL;
	}
	return txb;
}

/**
 * msgpipe_session_tx_done() - a posted frame completed
 * @tx: the frame, with @tx->status set
 *
 * Releases the pages, returns the send-queue space, and resets the session
 * if its data could not be sent.
 */
void msgpipe_session_tx_done(struct msgpipe_tx *tx)
{
	struct msgpipe_txbuf *txb = container_of(tx, struct msgpipe_txbuf, tx);
	struct msgpipe_sock *msk = txb->msk;
	u32 len = tx->frame.chunk_len;

	if (msk && tx->frame.type == MSGPIPE_T_DATA && len) {
		spin_lock(&msk->lock);
		msk->tx_queued -= len;
		spin_unlock(&msk->lock);
		msgpipe_stat_add(MSGPIPE_STAT_TX_QUEUED, -(s64)len);
		if (tx->status)
			msgpipe_session_reset(msk, tx->status);
		msgpipe_sk_wake(&msk->sk);
	}
	msgpipe_txbuf_free(txb);
}

static int msgpipe_post(struct msgpipe_pipe *pipe, struct msgpipe_txbuf *txb)
{
	int err = msgpipe_pipe_post(pipe, &txb->tx);

	if (err) {
		/* Not posted: complete it ourselves, without the error that
		 * would reset the session a second time.
		 */
		txb->tx.status = 0;
		msgpipe_session_tx_done(&txb->tx);
	}
	return err;
}

/**
 * msgpipe_session_send_ctrl() - post a control frame of a session
 * @msk:   the session
 * @pipe:  the pipe to post on
 * @type:  frame type
 * @flags: frame flags
 *
 * Return: 0 or -errno if the pipe is down or memory is short.
 */
int msgpipe_session_send_ctrl(struct msgpipe_sock *msk,
			      struct msgpipe_pipe *pipe, u8 type, u16 flags)
{
	struct msgpipe_txbuf *txb = msgpipe_txbuf_alloc(msk, 0);

	if (!txb)
		return -ENOMEM;
	txb->tx.frame.type = type;
	txb->tx.frame.flags = flags;
	txb->tx.frame.dst_sid = msk->remote_id;
	txb->tx.frame.src_sid = msk->local_id;
	if (type == MSGPIPE_T_SYNC)
		txb->tx.frame.port = msk->peer.smp_port;
	return msgpipe_post(pipe, txb);
}

/**
 * msgpipe_session_refuse() - answer a SYNC that opens no session
 * @pipe: the pipe the SYNC came on
 * @dst:  the opener's session id
 * @err:  why (errno carried in the window field)
 */
void msgpipe_session_refuse(struct msgpipe_pipe *pipe, u32 dst, int err)
{
	struct msgpipe_txbuf *txb = msgpipe_txbuf_alloc(NULL, 0);

	msgpipe_stat_inc(MSGPIPE_STAT_REFUSED);
	if (!txb)
		return;
	txb->tx.frame.type = MSGPIPE_T_REFUSE;
	txb->tx.frame.dst_sid = dst;
	txb->tx.frame.window = -err;
	msgpipe_post(pipe, txb);
}

/**
 * msgpipe_session_reset() - the session failed
 * @msk: the session
 * @err: -errno reported to the application
 *
 * Data already received stays readable. May be called under pipe->lock.
 */
void msgpipe_session_reset(struct msgpipe_sock *msk, int err)
{
	struct sock *sk = &msk->sk;

	spin_lock(&msk->lock);
	if (msk->state != MSGPIPE_SS_CLOSED &&
	    msk->state != MSGPIPE_SS_LISTEN) {
		/* After the peer's FIN the end of the pipe is no error. */
		if (!msk->peer_fin)
			WRITE_ONCE(sk->sk_err, -err);
		msk->state = MSGPIPE_SS_CLOSED;
	}
	spin_unlock(&msk->lock);
	msgpipe_sk_wake(sk);
}

/**
 * msgpipe_session_purge() - free everything received and not read
 * @msk: the session
 */
void msgpipe_session_purge(struct msgpipe_sock *msk)
{
	struct msgpipe_rxchunk *c, *ctmp;
	struct msgpipe_rxmsg *m, *mtmp;
	LIST_HEAD(msgs);

	spin_lock(&msk->lock);
	list_splice_init(&msk->rx_msgs, &msgs);
	msgpipe_stat_add(MSGPIPE_STAT_RX_QUEUED, -(s64)msk->rx_queued);
	msk->rx_queued = 0;
	spin_unlock(&msk->lock);
	list_for_each_entry_safe(m, mtmp, &msgs, node) {
		list_for_each_entry_safe(c, ctmp, &m->chunks, node) {
			msgpipe_rxbuf_free(c->buf);
			kfree(c);
		}
		kfree(m);
	}
}

/* A SYNC: queue a new session on the listener of f->port, or refuse. */
static int msgpipe_session_rx_sync(struct msgpipe_pipe *pipe,
				   const struct msgpipe_frame *f)
{
	struct msgpipe_net *mn = pipe->mn;
	struct msgpipe_sock *lmsk, *child;
	u32 id;
	int err;

	lmsk = msgpipe_port_lookup(mn, f->port);
	if (!lmsk) {
		msgpipe_session_refuse(pipe, f->src_sid, -ECONNREFUSED);
		return 0;
	}
	spin_lock(&lmsk->lock);
	err = lmsk->state != MSGPIPE_SS_LISTEN ? -ECONNREFUSED :
	      lmsk->accept_len >= READ_ONCE(lmsk->sk.sk_max_ack_backlog) ?
	      -ECONNREFUSED : 0;
	spin_unlock(&lmsk->lock);
	if (err)
		goto err_refuse;

	err = -ENOMEM;
	child = msgpipe_sock_alloc(mn->net, NULL, 0);
	if (!child)
		goto err_refuse;
	child->remote_id = f->src_sid;
	child->port = 0;
	child->state = MSGPIPE_SS_PENDING_ACCEPT;
	err = xa_alloc(&mn->sids, &id, child, xa_limit_32b, GFP_KERNEL);
	if (err)
		goto err_free_child;
	child->local_id = id;
	msgpipe_stat_inc(MSGPIPE_STAT_SESSIONS);
	err = msgpipe_pipe_session_add(pipe, child);
	if (err)
		goto err_free_child;
	/* SYNC_ACK goes out before the child is visible to accept(), so
	 * the ACCEPT that accept() posts can only follow it.
	 */
	err = msgpipe_session_send_ctrl(child, pipe, MSGPIPE_T_SYNC_ACK, 0);
	if (err)
		goto err_free_child;

	spin_lock(&lmsk->lock);
	if (lmsk->state == MSGPIPE_SS_LISTEN) {
		list_add_tail(&child->accept_node, &lmsk->accept_q);
		lmsk->accept_len++;
		child = NULL;
	}
	spin_unlock(&lmsk->lock);
	if (child) {
		/* The listener closed meanwhile. */
		msgpipe_sock_close(child);
		sock_put(&child->sk);
	}
	msgpipe_sk_wake(&lmsk->sk);
	sock_put(&lmsk->sk);
	return 0;

err_free_child:
	msgpipe_sock_close(child);
	sock_put(&child->sk);
err_refuse:
	msgpipe_session_refuse(pipe, f->src_sid, err);
	sock_put(&lmsk->sk);
	return 0;
}

static int msgpipe_session_rx_data(struct msgpipe_sock *msk,
				   const struct msgpipe_frame *f,
				   struct msgpipe_rxbuf *buf)
{
	struct msgpipe_rxmsg *m, *fresh = NULL;
	struct msgpipe_rxchunk *c;
	int err = 0;

	c = kmalloc(sizeof(*c), GFP_KERNEL);
	if (f->offset == 0)
		fresh = kmalloc(sizeof(*fresh), GFP_KERNEL);
	if (!c || (f->offset == 0 && !fresh)) {
		err = -ENOMEM;
		goto out_free;
	}

	spin_lock(&msk->lock);
	if ((msk->state != MSGPIPE_SS_READY &&
	     msk->state != MSGPIPE_SS_SENDING_FIN) || msk->peer_fin) {
		err = -EPROTO;
		goto out_unlock;
	}
	m = list_empty(&msk->rx_msgs) ? NULL :
	    list_last_entry(&msk->rx_msgs, struct msgpipe_rxmsg, node);
	if (m && m->received < m->total) {
		/* The next chunk of the message in progress. */
		if (f->msg_seq != m->seq || f->offset != m->received ||
		    f->total_len != m->total) {
			err = -EPROTO;
			goto out_unlock;
		}
	} else {
		if (f->msg_seq != msk->rx_next_seq || f->offset) {
			err = -EPROTO;
			goto out_unlock;
		}
		m = fresh;
		fresh = NULL;
		m->seq = f->msg_seq;
		m->total = f->total_len;
		m->received = 0;
		m->consumed = 0;
		INIT_LIST_HEAD(&m->chunks);
		list_add_tail(&m->node, &msk->rx_msgs);
		msk->rx_next_seq++;
	}
	c->buf = buf;
	c->off = 0;
	list_add_tail(&c->node, &m->chunks);
	m->received += buf->len;
	msk->rx_queued += buf->len;
	if (m->received == m->total)
		msgpipe_stat_inc(MSGPIPE_STAT_RX_MSGS);
	if (msk->rx_queued > READ_ONCE(msk->sk.sk_rcvbuf)) {
		msk->rx_throttled = true;
		err = -ENOBUFS;
	}
	spin_unlock(&msk->lock);
	msgpipe_stat_add(MSGPIPE_STAT_RX_QUEUED, buf->len);
	msgpipe_stat_add(MSGPIPE_STAT_RX_BYTES, buf->len);
	msgpipe_sk_wake(&msk->sk);
	return err;

out_unlock:
	spin_unlock(&msk->lock);
out_free:
	kfree(fresh);
	kfree(c);
	msgpipe_rxbuf_free(buf);
	return err;
}

/* Handshake and close frames of an existing session. */
static int msgpipe_session_rx_ctrl(struct msgpipe_pipe *pipe,
				   struct msgpipe_sock *msk,
				   const struct msgpipe_frame *f)
{
	enum msgpipe_session_state st;
	bool fin_ack = false;
	int err = 0;

	spin_lock(&msk->lock);
	st = msk->state;
	switch (f->type) {
	case MSGPIPE_T_SYNC_ACK:
		if (st != MSGPIPE_SS_WAITING_ACK) {
			err = -EPROTO;
			break;
		}
		msk->remote_id = f->src_sid;
		msk->state = MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK;
		break;
	case MSGPIPE_T_ACCEPT:
		if (st != MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK)
			err = st == MSGPIPE_SS_CLOSED ? 0 : -EPROTO;
		else
			msk->state = MSGPIPE_SS_READY;
		break;
	case MSGPIPE_T_REFUSE:
		if (st != MSGPIPE_SS_WAITING_ACK &&
		    st != MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK) {
			err = st == MSGPIPE_SS_CLOSED ? 0 : -EPROTO;
			break;
		}
		WRITE_ONCE(msk->sk.sk_err, ECONNREFUSED);
		msk->state = MSGPIPE_SS_CLOSED;
		break;
	case MSGPIPE_T_FIN:
		if (msk->peer_fin || (st != MSGPIPE_SS_READY &&
				      st != MSGPIPE_SS_SENDING_FIN &&
				      st != MSGPIPE_SS_PENDING_ACCEPT &&
				      st != MSGPIPE_SS_CLOSED)) {
			err = -EPROTO;
			break;
		}
		msk->peer_fin = true;
		if (f->flags & MSGPIPE_F_ABORT) {
			if (st != MSGPIPE_SS_CLOSED)
				WRITE_ONCE(msk->sk.sk_err, ECONNRESET);
			msk->state = MSGPIPE_SS_CLOSED;
		} else {
			fin_ack = st != MSGPIPE_SS_CLOSED;
		}
		break;
	case MSGPIPE_T_FIN_ACK:
		if (st != MSGPIPE_SS_SENDING_FIN && st != MSGPIPE_SS_CLOSED)
			err = -EPROTO;
		break;
	default:
		/* Reserved types are not spoken by this version. */
		err = -EOPNOTSUPP;
		break;
	}
	spin_unlock(&msk->lock);
	if (fin_ack)
		msgpipe_session_send_ctrl(msk, pipe, MSGPIPE_T_FIN_ACK, 0);
	msgpipe_sk_wake(&msk->sk);
	return err;
}

/**
 * msgpipe_session_rx() - dispatch a received frame to its session
 * @pipe: the pipe it arrived on
 * @f:    the validated header
 * @buf:  the payload or NULL; always consumed
 *
 * Return: 0, -ENOBUFS (taken, pause the pipe), or -errno for a frame that
 * violates the protocol.
 */
int msgpipe_session_rx(struct msgpipe_pipe *pipe,
		       const struct msgpipe_frame *f,
		       struct msgpipe_rxbuf *buf)
{
	struct msgpipe_sock *msk;
	int err;

	if (f->type == MSGPIPE_T_SYNC) {
		msgpipe_rxbuf_free(buf);
		return msgpipe_session_rx_sync(pipe, f);
	}
	msk = msgpipe_sid_lookup(pipe->mn, f->dst_sid);
	if (!msk) {
		/* Closed here while the peer was still sending. */
		msgpipe_stat_inc(MSGPIPE_STAT_RX_UNKNOWN);
		msgpipe_rxbuf_free(buf);
		return 0;
	}
	if (READ_ONCE(msk->pipe) != pipe ||
	    (f->type != MSGPIPE_T_SYNC_ACK && f->type != MSGPIPE_T_REFUSE &&
	     f->src_sid != READ_ONCE(msk->remote_id))) {
		msgpipe_rxbuf_free(buf);
		err = -EPROTO;
	} else if (f->type == MSGPIPE_T_DATA) {
		err = msgpipe_session_rx_data(msk, f, buf);
	} else {
		err = msgpipe_session_rx_ctrl(pipe, msk, f);
	}
	sock_put(&msk->sk);
	return err;
}

/**
 * msgpipe_wait() - sleep on a socket's wait queue until @cond holds
 * @sk:    the socket
 * @timeo: the time left, in jiffies; updated
 * @state: TASK_INTERRUPTIBLE, or TASK_KILLABLE to ignore other signals
 * @cond:  the condition, evaluated without locks
 *
 * Return: 0, -EAGAIN when the time ran out, or the errno for a signal.
 */
int msgpipe_wait(struct sock *sk, long *timeo, unsigned int state,
		 bool (*cond)(struct msgpipe_sock *msk))
{
	DEFINE_WAIT_FUNC(wait, woken_wake_function);
	int err = 0;

	add_wait_queue(sk_sleep(sk), &wait);
	while (!cond(msgpipe_sk(sk))) {
		if (!*timeo) {
			err = -EAGAIN;
			break;
		}
		if (state == TASK_INTERRUPTIBLE ? signal_pending(current) :
		    fatal_signal_pending(current)) {
			err = sock_intr_errno(*timeo);
			break;
		}
		*timeo = wait_woken(&wait, state, *timeo);
	}
	remove_wait_queue(sk_sleep(sk), &wait);
	return err;
}

/* Room for one more chunk in the send queue (or nothing queued at all). */
static bool msgpipe_tx_room(struct msgpipe_sock *msk)
{
	u64 queued = READ_ONCE(msk->tx_queued);

	return READ_ONCE(msk->state) != MSGPIPE_SS_READY || !queued ||
	       queued + MSGPIPE_CHUNK_DEFAULT <= READ_ONCE(msk->sk.sk_sndbuf);
}

/* Give up a half-sent message: the peer learns it by a FIN with ABORT. */
static void msgpipe_session_abort(struct msgpipe_sock *msk, int err)
{
	msgpipe_session_send_ctrl(msk, msk->pipe, MSGPIPE_T_FIN,
				  MSGPIPE_F_ABORT);
	msgpipe_session_reset(msk, err);
}

static int msgpipe_tx_fill(struct msgpipe_txbuf *txb, struct iov_iter *from,
			   u32 len)
{
	unsigned int i;

	for (i = 0; i < txb->nr_pages; i++) {
		size_t n = min_t(size_t, len, PAGE_SIZE);

		if (copy_page_from_iter(txb->pages[i], 0, n, from) != n)
			return -EFAULT;
		len -= n;
	}
	return 0;
}

/* Queue one chunk of message @seq; returns 0 or -errno. */
static int msgpipe_tx_chunk(struct msgpipe_sock *msk, struct msghdr *msg,
			    u64 seq, u64 off, u32 n, u64 total)
{
	struct msgpipe_txbuf *txb;
	struct msgpipe_frame *f;
	int err;

	txb = msgpipe_txbuf_alloc(msk, n);
	if (!txb)
		return -ENOMEM;
	err = msgpipe_tx_fill(txb, &msg->msg_iter, n);
	if (err) {
		msgpipe_txbuf_free(txb);
		return err;
	}
	txb->desc.size = n;
	txb->desc.flags = MSGPIPE_DESC_F_COPY |
			  (off + n == total ? MSGPIPE_DESC_F_EOP : 0);
	txb->desc.seq = msk->tx_stream;
	txb->desc.cookie = seq;
	txb->desc.pages = txb->pages;
	txb->desc.nr_pages = txb->nr_pages;
	txb->tx.chain = &txb->desc;
	f = &txb->tx.frame;
	f->type = MSGPIPE_T_DATA;
	f->dst_sid = msk->remote_id;
	f->src_sid = msk->local_id;
	f->msg_seq = seq;
	f->offset = off;
	f->total_len = total;
	f->chunk_len = n;

	spin_lock(&msk->lock);
	msk->tx_queued += n;
	spin_unlock(&msk->lock);
	msgpipe_stat_add(MSGPIPE_STAT_TX_QUEUED, n);
	err = msgpipe_pipe_post(msk->pipe, &txb->tx);
	if (err) {
		txb->tx.status = 0;
		msgpipe_session_tx_done(&txb->tx);
		return err;
	}
	msk->tx_stream += n;
	return 0;
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

/**
 * msgpipe_session_sendmsg() - send one message
 * @msk: the session
 * @msg: the message; its iterator is consumed
 * @len: its length, validated by the caller
 *
 * The bytes are copied into pages the host owns, in chunks, each posted to
 * the agent as one descriptor as soon as the send queue (sk_sndbuf) has
 * room, so the caller may reuse its buffer on return. A message is never
 * interleaved with another. Once its first chunk is posted the message is
 * finished or the session is reset: later waits ignore all but fatal
 * signals.
 *
 * Return: @len or -errno.
 */
int msgpipe_session_sendmsg(struct msgpipe_sock *msk, struct msghdr *msg,
			    size_t len)
{
	struct sock *sk = &msk->sk;
	long timeo;
	u64 off, seq;
	int err;

	timeo = sock_sndtimeo(sk, msg->msg_flags & MSG_DONTWAIT);
	if (!timeo && len > READ_ONCE(sk->sk_sndbuf))
		return -EMSGSIZE;
	if (mutex_lock_interruptible(&msk->tx_mutex))
		return -EINTR;
	err = msgpipe_tx_check(msk);
	if (err)
		goto out_unlock;

	seq = msk->tx_seq + 1;
	for (off = 0; off < len; ) {
		u32 n = min_t(u64, len - off, MSGPIPE_CHUNK_DEFAULT);
		long kill_timeo = MAX_SCHEDULE_TIMEOUT;

		if (!off && !timeo && READ_ONCE(msk->tx_queued) &&
		    READ_ONCE(msk->tx_queued) + len > READ_ONCE(sk->sk_sndbuf))
			err = -EAGAIN;
		else if (!off)
			err = msgpipe_wait(sk, &timeo, TASK_INTERRUPTIBLE,
					   msgpipe_tx_room);
		else
			err = msgpipe_wait(sk, &kill_timeo, TASK_KILLABLE,
					   msgpipe_tx_room);
		err = err ?: msgpipe_tx_check(msk);
		err = err ?: msgpipe_tx_chunk(msk, msg, seq, off, n, len);
		if (err) {
			if (off)
				msgpipe_session_abort(msk, err);
			goto out_unlock;
		}
		off += n;
	}
	msk->tx_seq = seq;
	msgpipe_stat_inc(MSGPIPE_STAT_TX_MSGS);
	msgpipe_stat_add(MSGPIPE_STAT_TX_BYTES, len);
	err = len;
out_unlock:
	mutex_unlock(&msk->tx_mutex);
	if (err == -EPIPE && !(msg->msg_flags & MSG_NOSIGNAL))
		send_sig(SIGPIPE, current, 0);
	return err;
}

static bool msgpipe_rx_ready(struct msgpipe_sock *msk)
{
	struct msgpipe_rxmsg *m;
	bool ready;

	spin_lock(&msk->lock);
	m = list_first_entry_or_null(&msk->rx_msgs, struct msgpipe_rxmsg, node);
	ready = (m && m->received > m->consumed) || msk->peer_fin ||
		msk->state == MSGPIPE_SS_CLOSED ||
		(msk->sk.sk_shutdown & RCV_SHUTDOWN);
	spin_unlock(&msk->lock);
	return ready;
}

/* Copy from the head of the queue; returns bytes, sets *eor at the end. */
static int msgpipe_rx_copy(struct msgpipe_sock *msk, struct msghdr *msg,
			   size_t len, bool *eor)
{
	struct msgpipe_rxchunk *c, *done = NULL;
	struct msgpipe_rxmsg *m, *mdone = NULL;
	size_t want, copied;
	struct page *page;
	u32 poff;

	spin_lock(&msk->lock);
	m = list_first_entry_or_null(&msk->rx_msgs, struct msgpipe_rxmsg, node);
	if (!m || m->received == m->consumed) {
		spin_unlock(&msk->lock);
		return 0;
	}
	c = list_first_entry(&m->chunks, struct msgpipe_rxchunk, node);
	spin_unlock(&msk->lock);

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
	if (c->off == c->buf->len) {
		list_del(&c->node);
		done = c;
	}
	if (m->consumed == m->total) {
		list_del(&m->node);
		mdone = m;
		*eor = true;
	}
	spin_unlock(&msk->lock);
	msgpipe_stat_add(MSGPIPE_STAT_RX_QUEUED, -(s64)copied);
	if (done) {
		msgpipe_rxbuf_free(done->buf);
		kfree(done);
	}
	kfree(mdone);
	return copied;
}

/* Return to the pipe the frames it held back for us. */
static void msgpipe_rx_unthrottle(struct msgpipe_sock *msk)
{
	bool resume = false;

	spin_lock(&msk->lock);
	if (msk->rx_throttled &&
	    msk->rx_queued <= READ_ONCE(msk->sk.sk_rcvbuf) / 2) {
		msk->rx_throttled = false;
		resume = true;
	}
	spin_unlock(&msk->lock);
	if (resume && msk->pipe)
		msgpipe_pipe_rx_resume(msk->pipe);
}

/**
 * msgpipe_session_recvmsg() - read bytes of the message at the queue head
 * @msk:   the session
 * @msg:   where to copy
 * @len:   room in @msg
 * @flags: MSG_DONTWAIT and MSG_WAITALL are honoured
 *
 * Never returns bytes of two messages; MSG_EOR marks the last piece.
 *
 * Return: bytes read, 0 at the end of the session, or -errno.
 */
int msgpipe_session_recvmsg(struct msgpipe_sock *msk, struct msghdr *msg,
			    size_t len, int flags)
{
	struct sock *sk = &msk->sk;
	size_t copied = 0;
	bool eor = false;
	long timeo;
	int err = 0;

	timeo = sock_rcvtimeo(sk, flags & MSG_DONTWAIT);
	if (mutex_lock_interruptible(&msk->rx_mutex))
		return -EINTR;
	while (copied < len && !eor) {
		int n = msgpipe_rx_copy(msk, msg, len - copied, &eor);

		if (n < 0) {
			err = n;
			break;
		}
		if (n) {
			copied += n;
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
		/* Nothing to read and nothing will come. */
		if (!list_empty(&msk->rx_msgs) || READ_ONCE(msk->state) ==
		    MSGPIPE_SS_CLOSED)
			err = sock_error(sk);
		break;
	}
	mutex_unlock(&msk->rx_mutex);
	msgpipe_rx_unthrottle(msk);
	if (eor)
		msg->msg_flags |= MSG_EOR;
	return copied ?: err;
}
