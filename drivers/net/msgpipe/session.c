// SPDX-License-Identifier: GPL-2.0
/*
 * Sessions: the SYNC / SYNC_ACK / ACCEPT / FIN session handshake and
 * the dispatch of received frames to the session they belong to. Sending
 * is in tx.c, receiving in rx.c and rx_read.c.
 *
 * Locking: msk->lock (spinlock) protects the session state against the
 * agent's upcalls, which run in agent threads. Nothing is posted to a pipe
 * while msk->lock is held (pipe->lock nests outside it).
 *
 * Lifetime: every posted frame holds a socket reference, dropped at its
 * completion; frames that arrive for a session whose id was already
 * released are counted and dropped.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/highmem.h>
#include <linux/sched/signal.h>
#include <linux/ratelimit.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "rdm.h"
#include "stats.h"

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
	bool reset = false;

	spin_lock(&msk->lock);
	if (msk->state != MSGPIPE_SS_CLOSED &&
	    msk->state != MSGPIPE_SS_LISTEN) {
		/* After the peer's FIN and its data the end of the pipe is
		 * no error.
		 */
		if (!msgpipe_rx_ended(msk))
			WRITE_ONCE(sk->sk_err, -err);
		msk->state = MSGPIPE_SS_CLOSED;
		/* Unacknowledged messages complete with the error, from a
		 * context that may take tx_lock.
		 */
		msk->tx_err = err;
		sock_hold(sk);
		if (!queue_work(msgpipe_wq, &msk->tx_purge_work))
			sock_put(sk);
		reset = true;
	}
	spin_unlock(&msk->lock);
	if (reset)
		msgpipe_nl_session_event(msk);
	msgpipe_sk_wake(sk);
}

/**
 * msgpipe_session_purge_work() - complete a reset session's messages
 * @work: msgpipe_sock.tx_purge_work
 */
void msgpipe_session_purge_work(struct work_struct *work)
{
	struct msgpipe_sock *msk = container_of(work, struct msgpipe_sock,
						tx_purge_work);

	msgpipe_tx_purge(msk, msk->tx_err);
	sock_put(&msk->sk);
}

/* The peer's window as offered in its SYNC, ACCEPT or ACK. */
static void msgpipe_session_window(struct msgpipe_sock *msk,
				   const struct msgpipe_frame *f)
{
	u64 right = f->stream_seq + f->window;
	u64 limit = f->msg_seq + f->msg_window;

	if (right > msk->tx_right)
		WRITE_ONCE(msk->tx_right, right);
	if (limit > msk->tx_msg_limit)
		WRITE_ONCE(msk->tx_msg_limit, limit);
}

/* A SYNC: queue a new session on the listener of f->port, or refuse. */
static int msgpipe_session_rx_sync(struct msgpipe_pipe *pipe,
				   const struct msgpipe_frame *f)
{
	struct msgpipe_net *mn = pipe->mn;
	struct msgpipe_sock *lmsk, *child;
	bool again = false;
	u32 id;
	int err;

	/* A SYNC repeated after a reconnection: answer it again, once. */
	spin_lock(&pipe->lock);
	list_for_each_entry(child, &pipe->sessions, pipe_node) {
		if (child->remote_id == f->src_sid) {
			again = READ_ONCE(child->state) ==
				MSGPIPE_SS_PENDING_ACCEPT;
			sock_hold(&child->sk);
			goto known;
		}
	}
	spin_unlock(&pipe->lock);

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
	child->acceptor = true;
	/* Buffer sizes are inherited from the listener, as with TCP. */
	WRITE_ONCE(child->sk.sk_sndbuf, READ_ONCE(lmsk->sk.sk_sndbuf));
	WRITE_ONCE(child->sk.sk_rcvbuf, READ_ONCE(lmsk->sk.sk_rcvbuf));
	msgpipe_session_window(child, f);
	child->port = 0;
	/* The connecting host; its socket names no port in the SYNC. */
	msgpipe_pipe_peer_addr(pipe, 0, &child->peer);
	child->state = MSGPIPE_SS_PENDING_ACCEPT;
	err = msgpipe_sid_alloc(mn, child, &id);
	if (err)
		goto err_free_child;
	child->local_id = id;
	msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_SESSIONS);
	err = msgpipe_pipe_session_add(pipe, child);
	if (err)
		goto err_free_child;
	msgpipe_nl_session_event(child);
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

known:
	spin_unlock(&pipe->lock);
	if (again)
		msgpipe_session_send_ctrl(child, pipe, MSGPIPE_T_SYNC_ACK, 0);
	sock_put(&child->sk);
	return 0;
}

/* Handshake and close frames of an existing session. */
static int msgpipe_session_rx_ctrl(struct msgpipe_pipe *pipe,
				   struct msgpipe_sock *msk,
				   const struct msgpipe_frame *f)
{
	enum msgpipe_session_state st;
	bool fin_ack = false, reset = false;
	int err = 0;

	spin_lock(&msk->lock);
	st = msk->state;
	switch (f->type) {
	case MSGPIPE_T_SYNC_ACK:
		if (st != MSGPIPE_SS_WAITING_ACK) {
			/* Repeated after a reconnection, or a violation. */
			if (f->src_sid != msk->remote_id ||
			    (st != MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK &&
			     st != MSGPIPE_SS_READY &&
			     st != MSGPIPE_SS_SENDING_FIN &&
			     st != MSGPIPE_SS_CLOSED))
				err = -EPROTO;
			break;
		}
		msk->remote_id = f->src_sid;
		msk->state = MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK;
		break;
	case MSGPIPE_T_ACCEPT:
		/* The SYNC_ACK was lost with a connection, and the peer
		 * accepted before it could repeat it: the resync that
		 * follows the loss repeats only the ACCEPT, which says all
		 * the SYNC_ACK would have said.
		 */
		if (st == MSGPIPE_SS_WAITING_ACK) {
			msk->remote_id = f->src_sid;
			msgpipe_session_window(msk, f);
			msk->state = MSGPIPE_SS_READY;
			msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_ACCEPT_FIRST);
			break;
		}
		if (f->src_sid != msk->remote_id) {
			err = -EPROTO;
			break;
		}
		if (st != MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK) {
			/* Repeated after a reconnection: nothing to do. */
			err = st == MSGPIPE_SS_CLOSED || st == MSGPIPE_SS_READY ||
			      st == MSGPIPE_SS_SENDING_FIN ? 0 : -EPROTO;
		} else {
			msgpipe_session_window(msk, f);
			msk->state = MSGPIPE_SS_READY;
		}
		break;
	case MSGPIPE_T_ACK:
		/* The agent took the acknowledgment; the window is ours. */
		/* One may overtake the ACCEPT on another connection. */
		if (st == MSGPIPE_SS_WAITING_FOR_ACCEPT_ACK)
			break;
		if (st != MSGPIPE_SS_READY && st != MSGPIPE_SS_SENDING_FIN &&
		    st != MSGPIPE_SS_CLOSED)
			err = -EPROTO;
		else
			msgpipe_session_window(msk, f);
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
		if (msk->peer_fin) {
			/* An abort after the FIN: the peer got data for the
			 * session it closed. What it never acknowledged will
			 * not be: fail it now, not at the retirement.
			 */
			if (f->flags & MSGPIPE_F_ABORT)
				reset = st != MSGPIPE_SS_CLOSED &&
					READ_ONCE(msk->tx_acked) <
					READ_ONCE(msk->tx_stream);
			/* Repeated after a reconnection: answer again. */
			else
				fin_ack = st != MSGPIPE_SS_CLOSED;
			break;
		}
		if (st != MSGPIPE_SS_READY && st != MSGPIPE_SS_SENDING_FIN &&
		    st != MSGPIPE_SS_PENDING_ACCEPT && st != MSGPIPE_SS_CLOSED) {
			err = -EPROTO;
			break;
		}
		msk->peer_fin = true;
		msk->rx_fin_stream = f->stream_seq;
		if (f->flags & MSGPIPE_F_ABORT) {
			/* Reset: unacknowledged messages fail at once. */
			if (st != MSGPIPE_SS_CLOSED)
				WRITE_ONCE(msk->sk.sk_err, ECONNRESET);
			reset = st != MSGPIPE_SS_CLOSED;
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
	if (msk->state != st) {
		spin_unlock(&msk->lock);
		msgpipe_nl_session_event(msk);
	} else {
		spin_unlock(&msk->lock);
	}
	if (fin_ack)
		msgpipe_session_send_ctrl(msk, pipe, MSGPIPE_T_FIN_ACK, 0);
	if (reset)
		msgpipe_session_reset(msk, -ECONNRESET);
	msgpipe_sk_wake(&msk->sk);
	return err;
}

/* DATA for a session closed here: tell the sender, as TCP answers with a
 * RST, so its unacknowledged messages fail now rather than when the agent
 * retires the session. Rate limited: the sender's resends ask again.
 */
static void msgpipe_session_abort_stray(struct msgpipe_pipe *pipe,
					const struct msgpipe_frame *f)
{
	static DEFINE_RATELIMIT_STATE(rs, HZ, 64);
	struct msgpipe_frame a = {
		.type = MSGPIPE_T_FIN, .flags = MSGPIPE_F_ABORT,
		.dst_sid = f->src_sid, .src_sid = f->dst_sid,
	};

	if (!__ratelimit(&rs))
		return;
	msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_ABORTS_SENT);
	msgpipe_tx_ctrl(NULL, pipe, &a, NULL, 0);
}

/**
 * msgpipe_session_resync() - repeat what a broken connection may have lost
 * @msk:  a session on @pipe
 * @pipe: the pipe, on a new connection
 *
 * Handshake frames are repeated by state (the peer takes repeats as no-ops);
 * an ACK restates what arrived and the window. Data is the agent's: it
 * resends what the peer did not acknowledge.
 */
void msgpipe_session_resync(struct msgpipe_sock *msk,
			    struct msgpipe_pipe *pipe)
{
	enum msgpipe_session_state st = READ_ONCE(msk->state);

	switch (st) {
	case MSGPIPE_SS_WAITING_ACK:
		msgpipe_session_send_ctrl(msk, pipe, MSGPIPE_T_SYNC, 0);
		break;
	case MSGPIPE_SS_PENDING_ACCEPT:
		msgpipe_session_send_ctrl(msk, pipe, MSGPIPE_T_SYNC_ACK, 0);
		break;
	case MSGPIPE_SS_READY:
	case MSGPIPE_SS_SENDING_FIN:
		if (msk->acceptor)
			msgpipe_session_send_ctrl(msk, pipe, MSGPIPE_T_ACCEPT, 0);
		msgpipe_rx_ack(msk);
		if (st == MSGPIPE_SS_SENDING_FIN)
			msgpipe_session_send_ctrl(msk, pipe, MSGPIPE_T_FIN, 0);
		break;
	default:
		break;
	}
}

/**
 * msgpipe_session_rx() - dispatch a received frame to its session
 * @pipe: the pipe it arrived on
 * @f:    the validated header
 * @buf:  the payload or NULL; always consumed
 *
 * Return: 0, or -errno for a frame that
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
	switch (f->type) {
	case MSGPIPE_T_BATCH:
		return msgpipe_rdm_rx_batch(pipe, f, buf);
	case MSGPIPE_T_BATCH_ACK:
		return msgpipe_rdm_rx_ack(pipe, f, buf);
	case MSGPIPE_T_THROTTLE:
		msgpipe_rxbuf_free(buf);
		return msgpipe_rdm_rx_throttle(pipe, f);
	}
	if (f->type == MSGPIPE_T_HELLO) {
		/* Only the first frame of a connection, read by dial.c. */
		msgpipe_rxbuf_free(buf);
		return -EPROTO;
	}
	msk = msgpipe_sid_lookup(pipe->mn, f->dst_sid);
	if (!msk) {
		/* Closed here while the peer was still sending. */
		msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_RX_UNKNOWN);
		msgpipe_rxbuf_free(buf);
		if (f->type == MSGPIPE_T_DATA)
			msgpipe_session_abort_stray(pipe, f);
		return 0;
	}
	/* SYNC_ACK, REFUSE and ACCEPT may name the peer's session first:
	 * msgpipe_session_rx_ctrl() checks their sid under msk->lock.
	 */
	if (READ_ONCE(msk->pipe) != pipe ||
	    (f->type != MSGPIPE_T_SYNC_ACK && f->type != MSGPIPE_T_REFUSE &&
	     f->type != MSGPIPE_T_ACCEPT &&
	     f->src_sid != READ_ONCE(msk->remote_id))) {
		msgpipe_rxbuf_free(buf);
		err = -EPROTO;
	} else if (f->type == MSGPIPE_T_DATA) {
		err = msgpipe_rx_data(msk, f, buf);
	} else {
		msgpipe_rxbuf_free(buf);
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
