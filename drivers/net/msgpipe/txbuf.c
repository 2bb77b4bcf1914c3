// SPDX-License-Identifier: GPL-2.0
/*
 * Frames the host posts to the agent: control frames of sessions, and DATA
 * frames whose descriptors point at pages the host either pinned from the
 * sender (zero-copy) or holds a reference on (its own copy).
 *
 * Lifetime: a txbuf lives from its post until the agent's TX_DONE; it holds
 * a reference on its session's sock and its own pin or page reference on
 * every page its descriptors name, so the bytes stay valid for the agent
 * and its transport whatever the session does meanwhile.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/slab.h>
#include "msgpipe.h"
#include "rdm.h"
#include "stats.h"

/**
 * msgpipe_txbuf_alloc() - a frame with room for descriptors and pages
 * @mn:      the namespace whose counters count it
 * @msk:     the session (a reference is taken), or NULL
 * @nr_desc: descriptors
 * @nr_pages: page slots
 *
 * Return: the zeroed frame, or NULL.
 */
struct msgpipe_txbuf *msgpipe_txbuf_alloc(struct msgpipe_net *mn,
					  struct msgpipe_sock *msk,
					  unsigned int nr_desc,
					  unsigned int nr_pages)
{
	struct msgpipe_txbuf *txb;

	txb = kzalloc(struct_size(txb, pages, nr_pages), GFP_KERNEL);
	if (!txb)
		return NULL;
	if (nr_desc) {
		txb->desc = kcalloc(nr_desc, sizeof(*txb->desc), GFP_KERNEL);
		if (!txb->desc) {
			kfree(txb);
			return NULL;
		}
	}
	txb->mn = mn;
	txb->msk = msk;
	if (msk)
		sock_hold(&msk->sk);
	msgpipe_stat_inc(mn, MSGPIPE_STAT_TX_BUFS);
	return txb;
}

/**
 * msgpipe_txbuf_free() - release a frame's pages and references
 * @txb: the frame
 */
void msgpipe_txbuf_free(struct msgpipe_txbuf *txb)
{
	unsigned int i;

	if (txb->pin) {
		/* Before the unpin's wake-up: a sender waits on both. */
		atomic_sub(txb->nr_pages, &txb->msk->tx_pinned);
		msgpipe_unpin(txb->msk->mn, txb->pin, txb->pages,
			      txb->nr_pages);
	} else {
		for (i = 0; i < txb->nr_pages; i++)
			put_page(txb->pages[i]);
	}
	if (txb->owned)
		msgpipe_stat_add(txb->mn, MSGPIPE_STAT_TX_PAGES, -(s64)txb->nr_pages);
	if (txb->msg)
		msgpipe_txmsg_put(txb->msg);
	msgpipe_stat_dec(txb->mn, MSGPIPE_STAT_TX_BUFS);
	if (txb->msk)
		sock_put(&txb->msk->sk);
	kfree(txb->desc);
	kfree(txb);
}

/* Not posted: complete it ourselves, as the agent would have. */
static int msgpipe_txbuf_post(struct msgpipe_pipe *pipe,
			      struct msgpipe_txbuf *txb)
{
	int err = msgpipe_pipe_post(pipe, &txb->tx);

	if (err)
		msgpipe_txbuf_free(txb);
	return err;
}

/**
 * msgpipe_tx_ctrl() - post a control frame
 * @msk:  the session, or NULL for a REFUSE
 * @pipe: the pipe
 * @f:    the frame; dst_sid and src_sid are filled from @msk
 * @r:    selective acknowledgment blocks (ACK), or NULL
 * @n:    how many
 *
 * Return: 0, or -errno if the pipe is down or memory is short.
 */
int msgpipe_tx_ctrl(struct msgpipe_sock *msk, struct msgpipe_pipe *pipe,
		    const struct msgpipe_frame *f,
		    const struct msgpipe_range *r, unsigned int n)
{
	struct msgpipe_txbuf *txb;
	struct page *page;

	txb = msgpipe_txbuf_alloc(pipe->mn, msk, n ? 1 : 0, n ? 1 : 0);
	if (!txb)
		return -ENOMEM;
	txb->tx.frame = *f;
	if (msk) {
		/* Read once: close() clears local_id concurrently. */
		txb->tx.frame.dst_sid = READ_ONCE(msk->remote_id);
		txb->tx.frame.src_sid = READ_ONCE(msk->local_id);
	}
	if (n) {
		page = alloc_page(GFP_KERNEL);
		if (!page) {
			msgpipe_txbuf_free(txb);
			return -ENOMEM;
		}
		txb->pages[0] = page;
		txb->nr_pages = 1;
		txb->owned = true;
		msgpipe_stat_add(msk->mn, MSGPIPE_STAT_TX_PAGES, 1);
		msgpipe_wire_sack_encode(r, n, page_address(page));
		txb->desc[0] = (struct msgpipe_desc) {
			.size = n * sizeof(struct msgpipe_sack),
			.flags = MSGPIPE_DESC_F_COPY | MSGPIPE_DESC_F_EOP,
			.pages = txb->pages,
			.nr_pages = 1,
		};
		txb->tx.chain = txb->desc;
		txb->tx.frame.chunk_len = txb->desc[0].size;
	}
	return msgpipe_txbuf_post(pipe, txb);
}

/**
 * msgpipe_session_send_ctrl() - post a handshake or close frame
 * @msk:   the session
 * @pipe:  the pipe to post on
 * @type:  frame type
 * @flags: frame flags
 *
 * SYNC and ACCEPT carry the receive window this side offers, FIN the end
 * of this side's stream.
 *
 * Return: 0 or -errno if the pipe is down or memory is short.
 */
int msgpipe_session_send_ctrl(struct msgpipe_sock *msk,
			      struct msgpipe_pipe *pipe, u8 type, u16 flags)
{
	struct msgpipe_frame f = { .type = type, .flags = flags };

	if (type == MSGPIPE_T_SYNC)
		f.port = msk->peer.smp_port;
	if (type == MSGPIPE_T_SYNC || type == MSGPIPE_T_ACCEPT)
		msgpipe_rx_window_init(msk, &f);
	if (type == MSGPIPE_T_FIN) {
		/* Where our data ends: resends may arrive after the FIN. */
		f.stream_seq = msk->tx_stream;
		f.msg_seq = msk->tx_seq;
	}
	return msgpipe_tx_ctrl(msk, pipe, &f, NULL, 0);
}

/**
 * msgpipe_session_refuse() - answer a SYNC that opens no session
 * @pipe: the pipe the SYNC came on
 * @dst:  the opener's session id
 * @err:  why (errno carried in the window field)
 */
void msgpipe_session_refuse(struct msgpipe_pipe *pipe, u32 dst, int err)
{
	struct msgpipe_frame f = {
		.type = MSGPIPE_T_REFUSE, .dst_sid = dst, .window = -err,
	};

	msgpipe_stat_inc(pipe->mn, MSGPIPE_STAT_REFUSED);
	msgpipe_tx_ctrl(NULL, pipe, &f, NULL, 0);
}

/**
 * msgpipe_tx_void() - tell the peer a message will never be complete
 * @msk:  the session
 * @m:    the message
 *
 * Return: 0 or -errno; the agent resends it if it is lost.
 */
int msgpipe_tx_void(struct msgpipe_sock *msk, struct msgpipe_txmsg *m)
{
	struct msgpipe_txbuf *txb;
	struct msgpipe_pipe *pipe = READ_ONCE(msk->pipe);

	if (!pipe)
		return -ENOTCONN;
	txb = msgpipe_txbuf_alloc(msk->mn, msk, 0, 0);
	if (!txb)
		return -ENOMEM;
	txb->tx.frame = (struct msgpipe_frame) {
		.type = MSGPIPE_T_DATA,
		.flags = MSGPIPE_F_ABORT,
		.dst_sid = msk->remote_id,
		.src_sid = msk->local_id,
		.msg_seq = m->seq,
		.stream_seq = m->stream,
		.total_len = m->len,
	};
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_TX_VOIDED);
	return msgpipe_txbuf_post(pipe, txb);
}

/**
 * msgpipe_tx_void_msg() - fail a message and tell the peer
 * @msk: the session
 * @m:   the message, on @msk->tx_msgs or being posted
 * @err: its status
 *
 * The stream moves past the whole message even if its sender has not
 * posted all of it yet (it stops at its next chunk): the peer's
 * acknowledgment of the void then covers what was never sent. Under
 * tx_lock.
 */
void msgpipe_tx_void_msg(struct msgpipe_sock *msk, struct msgpipe_txmsg *m,
			 int err)
{
	u64 end = m->stream + m->len;

	lockdep_assert_held(&msk->tx_lock);
	m->status = err;
	m->voided = true;
	if (end > msk->tx_stream) {
		msgpipe_stat_add(msk->mn, MSGPIPE_STAT_TX_UNACKED, end - msk->tx_stream);
		WRITE_ONCE(msk->tx_stream, end);
	}
	msgpipe_tx_void(msk, m);
}

/**
 * msgpipe_session_tx_done() - the agent finished with a posted frame
 * @tx: the frame, with @tx->status set
 *
 * Releases its pages. A failed send needs nothing more: the agent asks for
 * the pages again when the data was not acknowledged.
 */
void msgpipe_session_tx_done(struct msgpipe_tx *tx)
{
	struct msgpipe_txbuf *txb = container_of(tx, struct msgpipe_txbuf, tx);
	struct msgpipe_sock *msk = txb->msk;

	if (msk)
		sock_hold(&msk->sk);
	if (msk && tx->frame.type == MSGPIPE_T_BATCH)
		msgpipe_rdm_tx_done(msk->mn, &tx->frame);
	msgpipe_txbuf_free(txb);
	if (msk) {
		msgpipe_sk_wake(&msk->sk);
		sock_put(&msk->sk);
	}
}
