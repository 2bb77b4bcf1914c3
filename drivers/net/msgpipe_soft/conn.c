// SPDX-License-Identifier: GPL-2.0
/*
 * One connection of the soft agent: a transmit thread that frames posted
 * descriptor chains onto a kernel TCP socket and a receive thread that
 * parses, validates and hands up the frames coming back.
 *
 * Both threads live from conn_attach() until the pipe is destroyed; they
 * never exit by themselves, so kthread_stop() is always valid. A broken
 * connection is shut down once (msa_conn_fail()), reported to the host, and
 * its transmit thread puts back in the rings whatever it took and did not
 * send, for the other connections; what it sent and the peer did not
 * acknowledge is asked for again (flow.c). Payload is reached only through
 * the pages of the descriptors,
 * sent zero-copy (zc.c) or copied by TCP (always on a kernel TLS
 * connection, whose records kTLS builds from a copy). ACK frames feed flow.c before
 * they go up to the host, which reads the window from them.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/highmem.h>
#include <linux/delay.h>
#include <linux/kthread.h>
#include <linux/random.h>
#include <linux/net.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include <net/tcp.h>
#include <uapi/linux/tls.h>
#include "msa.h"

#define MSA_BVEC_MAX	(MSGPIPE_CHUNK_MAX / PAGE_SIZE + 2)
/* TLS content types (RFC 8446 5.1); the kernel's names moved in 6.5. */
#define MSA_TLS_RECORD_ALERT	21
#define MSA_TLS_RECORD_DATA	23

/**
 * msa_conn_fail() - a connection broke; shut it and tell the host once
 * @conn: the connection
 * @err:  why
 *
 * Only the peer's own orderly close (-ESHUTDOWN) is answered with one: a
 * connection that failed here (a send that could not be made, a frame
 * that broke the rules) is aborted, so that the peer sees it broken, not
 * closed. A pipe's acceptor takes the close of its last connection as the
 * end of the pipe and resets its sessions; a broken one it waits for.
 */
void msa_conn_fail(struct msa_conn *conn, int err)
{
	struct msa_pipe *mp = conn->mp;

	if (atomic_xchg(&conn->failed, 1))
		return;
	msa_stat_add(MSA_STAT_CONN_FAILURES, 1);
	if (err == -ESHUTDOWN)
		msa_stat_add(MSA_STAT_CONN_CLOSED, 1);
	else if (err == -ECONNRESET || err == -EPIPE)
		msa_stat_add(MSA_STAT_CONN_RESET, 1);
	else if (err == -ETIMEDOUT)
		msa_stat_add(MSA_STAT_CONN_TIMEDOUT, 1);
	atomic_inc(&conn->slot->failures);
	if (err != -ESHUTDOWN)
		tcp_abort(conn->sock->sk, ECONNABORTED);
	kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	spin_lock(&mp->lock);
	msa_pipe_pick_ctl(mp);
	spin_unlock(&mp->lock);
	/* Another connection may take the control frames now. */
	wake_up_all(&mp->tx_wq);
	msa_flow_conn_lost(mp, conn->idx);
	/* A report for a replaced connection would be taken for its
	 * successor's, attached meanwhile.
	 */
	if (!READ_ONCE(conn->replaced))
		msgpipe_agent_conn_down(mp->ap.host, conn->idx, err);
}

struct msa_walk {
	struct bio_vec	*bvec;
	unsigned int	n;
	u32		crc;
};

static int msa_walk_bvec(void *ctx, struct page *page, unsigned int off,
			 unsigned int len)
{
	struct msa_walk *w = ctx;

	if (w->n >= MSA_BVEC_MAX - 1)	/* room for the header */
		return -E2BIG;
	bvec_set_page(&w->bvec[w->n++], page, len, off);
	return 0;
}

static int msa_walk_crc(void *ctx, struct page *page, unsigned int off,
			unsigned int len)
{
	struct msa_walk *w = ctx;
	void *p = kmap_local_page(page);

	w->crc = msgpipe_wire_crc(w->crc, p + off, len);
	kunmap_local(p);
	return 0;
}

static bool msa_drop(const struct msgpipe_frame *f)
{
	u32 permille = READ_ONCE(msa_knobs.drop_permille);
	u32 next = READ_ONCE(msa_knobs.drop_next);

	if (f->type != MSGPIPE_T_DATA || !f->chunk_len)
		return false;
	/* Each of the next frames is dropped once, by one sender. */
	while (next)
		if (try_cmpxchg(&msa_knobs.drop_next, &next, next - 1))
			return true;
	return permille && get_random_u32_below(1000) < permille;
}

static int msa_send(struct msa_conn *conn, struct bio_vec *bv,
		    unsigned int n, size_t len, unsigned int flags)
{
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL | flags };

	iov_iter_bvec(&msg.msg_iter, ITER_SOURCE, bv, n, len);
	while (msg_data_left(&msg)) {
		int ret = sock_sendmsg(conn->sock, &msg);

		if (ret <= 0)
			return ret ?: -EPIPE;
	}
	return 0;
}

/* Send one frame. Returns 0 or -errno; *async when the frame's TX_DONE
 * will come from the zero-copy release instead of from the caller.
 */
static int msa_tx_frame(struct msa_conn *conn, struct msgpipe_tx *tx,
			bool *async)
{
	struct msa_walk w = { .bvec = conn->bvec, .n = 0, .crc = ~0U };
	struct msgpipe_frame f = tx->frame;
	struct bio_vec hv;
	int err;

	*async = false;
	if (f.type == MSGPIPE_T_DATA) {
		bool drop = msa_drop(&f);

		/* Recorded first: the acknowledgment may beat sendmsg(). */
		msa_flow_sent(conn, tx, drop);
		if (drop) {
			msa_stat_add(MSA_STAT_DROPPED, 1);
			return 0;
		}
	}
	/* Gone with the connection as it left: the peer never sees it.
	 * Only what the host or the flow repeats after a loss comes again.
	 */
	if (f.type == READ_ONCE(msa_knobs.lose_type)) {
		msa_stat_add(MSA_STAT_LOST, 1);
		msa_conn_reset(conn);
		return 0;
	}
	if (f.chunk_len) {
		err = msgpipe_chain_walk(tx->chain, 0, f.chunk_len,
					 msa_walk_bvec, &w);
		if (err)
			return err;
		if (READ_ONCE(msa_knobs.data_crc) &&
		    !(f.flags & MSGPIPE_F_DATA_CRC) && f.type == MSGPIPE_T_DATA) {
			msgpipe_chain_walk(tx->chain, 0, f.chunk_len,
					   msa_walk_crc, &w);
			f.flags |= MSGPIPE_F_DATA_CRC;
			f.data_crc = w.crc;
		}
	}
	msgpipe_wire_encode(&f, conn->hdr);
	bvec_set_virt(&hv, conn->hdr, MSGPIPE_HDR_LEN);
	msa_stat_add(MSA_STAT_TX_FRAMES, 1);
	msa_stat_add(MSA_STAT_TX_BYTES, f.chunk_len);
	atomic64_inc(&conn->slot->tx_frames);
	atomic64_add(f.chunk_len, &conn->slot->tx_bytes);
	if (tx->chain && (tx->chain->flags & MSGPIPE_DESC_F_RETX))
		atomic64_inc(&conn->slot->retransmits);
	if (f.type == MSGPIPE_T_DATA && f.chunk_len && !conn->tls &&
	    READ_ONCE(msa_knobs.zerocopy)) {
		err = msa_send(conn, &hv, 1, MSGPIPE_HDR_LEN, MSG_MORE);
		if (err)
			return err;
		/* The host's own copy never changes: from 6.5 TCP may keep
		 * page references of it past our TX_DONE. User pages need the
		 * completion of their last skb.
		 */
		if (MSGPIPE_HAVE_SPLICE &&
		    (tx->chain->flags & MSGPIPE_DESC_F_COPY)) {
			msa_stat_add(MSA_STAT_SPLICE_BYTES, f.chunk_len);
			return msa_send(conn, conn->bvec, w.n, f.chunk_len,
					MSGPIPE_SPLICE_FLAG);
		}
		return msa_zc_send(conn, tx, conn->bvec, w.n, f.chunk_len,
				   async);
	}
	/* Control frames and copy mode: the header leads the payload. */
	memmove(&conn->bvec[1], &conn->bvec[0], w.n * sizeof(*conn->bvec));
	conn->bvec[0] = hv;
	msa_stat_add(MSA_STAT_COPY_BYTES, f.chunk_len);
	return msa_send(conn, conn->bvec, w.n + 1, MSGPIPE_HDR_LEN + f.chunk_len,
			0);
}

/* Has @conn something to send? Under mp->lock or as a wait condition. */
static bool msa_tx_ready(struct msa_conn *conn)
{
	struct msa_pipe *mp = conn->mp;

	if (atomic_read(&conn->failed))
		return false;
	return atomic_read(&conn->alert) ||
	       READ_ONCE(mp->sq_prod) != READ_ONCE(mp->sq_cons) ||
	       (READ_ONCE(mp->ctl_idx) == conn->idx &&
		READ_ONCE(mp->ctl_prod) != READ_ONCE(mp->ctl_cons));
}

/* Take up to MSA_TX_BATCH frames: control frames first (the control
 * connection only), then DATA.
 */
static unsigned int msa_tx_take(struct msa_conn *conn,
				struct msgpipe_tx **batch)
{
	struct msa_pipe *mp = conn->mp;
	unsigned int n = 0;

	spin_lock(&mp->lock);
	if (atomic_read(&conn->failed))
		goto out_unlock;
	if (mp->ctl_idx == conn->idx)
		while (n < MSA_TX_BATCH && mp->ctl_cons != mp->ctl_prod)
			batch[n++] = mp->ctl[mp->ctl_cons++ % MSA_SQ_DEPTH];
	while (n < MSA_TX_BATCH && mp->sq_cons != mp->sq_prod)
		batch[n++] = mp->sq[mp->sq_cons++ % MSA_SQ_DEPTH];
	if (n)
		mp->tx_busy++;
out_unlock:
	spin_unlock(&mp->lock);
	return n;
}

/* The connection broke: frames it took and did not send go back to the
 * front of their rings, in their order, for the other connections. The
 * host bounds what is posted by the ring size, so there is room.
 */
static void msa_tx_untake(struct msa_conn *conn, struct msgpipe_tx **batch,
			  unsigned int from, unsigned int n)
{
	struct msa_pipe *mp = conn->mp;

	spin_lock(&mp->lock);
	while (n-- > from) {
		struct msgpipe_tx *tx = batch[n];

		if (tx->frame.type == MSGPIPE_T_DATA)
			mp->sq[--mp->sq_cons % MSA_SQ_DEPTH] = tx;
		else
			mp->ctl[--mp->ctl_cons % MSA_SQ_DEPTH] = tx;
	}
	spin_unlock(&mp->lock);
	wake_up_all(&mp->tx_wq);
}

/* The tls_alert knob: end the connection as a TLS stack that gave up
 * does, with a fatal internal_error alert, then close it. The peer's
 * answer (its close, or an alert of its own if the knob reached both
 * ends) is awaited, bounded, so that it is read rather than cut off by
 * the shutdown.
 */
static void msa_conn_alert(struct msa_conn *conn)
{
	u8 cbuf[CMSG_SPACE(sizeof(u8))] __aligned(sizeof(long)) = {};
	u8 alert[2] = { 2, 80 };	/* fatal, internal_error */
	struct kvec iov = { .iov_base = alert, .iov_len = sizeof(alert) };
	struct cmsghdr *cm = (struct cmsghdr *)cbuf;
	struct msghdr msg = {
		.msg_control = cbuf,
		.msg_controllen = sizeof(cbuf),
		.msg_flags = MSG_NOSIGNAL | MSG_DONTWAIT,
	};
	int ret;

	cm->cmsg_level = SOL_TLS;
	cm->cmsg_type = TLS_SET_RECORD_TYPE;
	cm->cmsg_len = CMSG_LEN(sizeof(u8));
	*(u8 *)CMSG_DATA(cm) = MSA_TLS_RECORD_ALERT;
	ret = kernel_sendmsg(conn->sock, &msg, &iov, 1, sizeof(alert));
	if (ret == sizeof(alert)) {
		msa_stat_add(MSA_STAT_TLS_ALERTS_SENT, 1);
		kernel_sock_shutdown(conn->sock, SHUT_WR);
		wait_event_timeout(conn->rx_wq, atomic_read(&conn->failed), 2 * HZ);
	}
	msa_conn_fail(conn, ret < 0 ? ret : -ECONNABORTED);
}

static int msa_tx_thread(void *arg)
{
	struct msa_conn *conn = arg;
	struct msgpipe_cqe *cqe = conn->cqe;
	struct msa_pipe *mp = conn->mp;

	while (!kthread_should_stop()) {
		struct msgpipe_tx *batch[MSA_TX_BATCH];
		unsigned int i, n, done = 0;

		/* A broken connection leaves the rings to the others. */
		wait_event_interruptible(mp->tx_wq, msa_tx_ready(conn) ||
					 kthread_should_stop());
		if (atomic_xchg(&conn->alert, 0)) {
			msa_conn_alert(conn);
			continue;
		}
		n = msa_tx_take(conn, batch);
		if (!n)
			continue;

		for (i = 0; i < n; i++) {
			struct msgpipe_tx *tx = batch[i];
			bool async = false;
			int err;

			/* The in-flight cap: wait for TCP to release pages. */
			wait_event_interruptible(mp->tx_wq,
						 msa_zc_room(mp, tx->frame.chunk_len) ||
						 atomic_read(&conn->failed) ||
						 kthread_should_stop());
			if (atomic_read(&conn->failed) || kthread_should_stop())
				break;
			err = msa_tx_frame(conn, tx, &async);
			if (err)
				msa_conn_fail(conn, err);
			/* Its zero-copy release completes it, even on error. */
			if (async)
				continue;
			/* Cut short: it goes out again, whole, elsewhere. */
			if (err)
				break;
			cqe[done++] = (struct msgpipe_cqe) {
				.type = MSGPIPE_CQE_TX_DONE,
				.tx = tx,
			};
		}
		if (i < n)
			msa_tx_untake(conn, batch, i, n);
		if (done) {
			msgpipe_agent_complete(mp->ap.host, cqe, done);
			msa_stat_add(MSA_STAT_TX_QUEUED, -(s64)done);
		}
		/* A frame recorded as this connection broke is asked for. */
		if (atomic_read(&conn->failed))
			msa_flow_conn_lost(mp, conn->idx);
		spin_lock(&mp->lock);
		mp->tx_busy--;
		if (mp->sq_cons == mp->sq_prod && mp->ctl_cons == mp->ctl_prod)
			wake_up_all(&mp->idle_wq);
		spin_unlock(&mp->lock);
	}
	return 0;
}

/* On a kernel TLS connection every read asks for the record type: a
 * record that is not application data ends the connection (an alert, of
 * which close_notify is one, or a post-handshake message the kernel
 * cannot act on); its bytes are never taken as stream data.
 */
static int msa_recv_tls_type(struct msa_conn *conn, const struct cmsghdr *cm)
{
	u8 type;

	if (cm->cmsg_level != SOL_TLS || cm->cmsg_type != TLS_GET_RECORD_TYPE)
		return -EPROTO;
	type = *(const u8 *)CMSG_DATA(cm);
	if (type == MSA_TLS_RECORD_DATA)
		return 0;
	msa_stat_add(MSA_STAT_TLS_CLOSED, 1);
	if (type == MSA_TLS_RECORD_ALERT)
		msa_stat_add(MSA_STAT_TLS_ALERTS, 1);
	net_info_ratelimited("msgpipe_soft: pipe %u conn %u: TLS record of type %u, closing\n",
			     conn->mp->id, conn->idx, type);
	return type == MSA_TLS_RECORD_ALERT ? -ECONNRESET : -EPROTO;
}

static int msa_recv(struct msa_conn *conn, struct bio_vec *bv,
		    unsigned int n, size_t len)
{
	u8 cbuf[CMSG_SPACE(sizeof(u8))] __aligned(sizeof(long));
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	int ret, err;

	iov_iter_bvec(&msg.msg_iter, ITER_DEST, bv, n, len);
	while (msg_data_left(&msg)) {
		if (conn->tls) {
			msg.msg_control = cbuf;
			msg.msg_controllen = sizeof(cbuf);
		}
		ret = sock_recvmsg(conn->sock, &msg, MSG_WAITALL);
		/* kTLS told the record type: put_cmsg() used the buffer up. */
		if (conn->tls && ret > 0 && msg.msg_controllen != sizeof(cbuf)) {
			err = msa_recv_tls_type(conn, (struct cmsghdr *)cbuf);
			if (err)
				return err;
		}
		/* The peer's orderly close is not a failure of the link. */
		if (ret <= 0)
			return ret ?: -ESHUTDOWN;
	}
	return 0;
}

/* Read @f's payload into a new rxbuf: 0 and *@bufp, 1 when its DATA_CRC
 * did not match (the bytes were read and freed), or -errno.
 */
static int msa_rx_payload(struct msa_conn *conn, const struct msgpipe_frame *f,
			  struct msgpipe_rxbuf **bufp)
{
	struct bio_vec *bv = conn->rx_bvec;
	struct msgpipe_rxbuf *buf;
	u32 left = f->chunk_len, crc = ~0U;
	unsigned int i;
	int err;

	buf = msgpipe_rxbuf_alloc(conn->mp->ap.host, f->chunk_len);
	if (!buf)
		return -ENOMEM;
	for (i = 0; i < buf->nr_pages; i++) {
		u32 n = min_t(u32, left, PAGE_SIZE);

		bvec_set_page(&bv[i], buf->pages[i], n, 0);
		left -= n;
	}
	err = msa_recv(conn, bv, buf->nr_pages, f->chunk_len);
	if (!err && (f->flags & MSGPIPE_F_DATA_CRC)) {
		for (i = 0; i < buf->nr_pages; i++) {
			void *p = kmap_local_page(buf->pages[i]);

			crc = msgpipe_wire_crc(crc, p, bv[i].bv_len);
			kunmap_local(p);
		}
		if (crc != f->data_crc) {
			msa_stat_add(MSA_STAT_CRC_ERRORS, 1);
			err = 1;
		}
	}
	if (err) {
		msgpipe_rxbuf_free(buf);
		return err;
	}
	*bufp = buf;
	return 0;
}

/* Receive and hand up one frame; returns what the host said or -errno. */
static int msa_rx_frame(struct msa_conn *conn)
{
	struct msgpipe_rxbuf *buf = NULL;
	struct msgpipe_frame f;
	struct bio_vec hv;
	int err;

	bvec_set_virt(&hv, conn->rx_hdr, MSGPIPE_HDR_LEN);
	err = msa_recv(conn, &hv, 1, MSGPIPE_HDR_LEN);
	if (err)
		return err;
	err = msgpipe_wire_decode(conn->rx_hdr, MSGPIPE_HDR_LEN, &f);
	if (err) {
		msa_stat_add(MSA_STAT_PROTO_ERRORS, 1);
		net_warn_ratelimited("msgpipe_soft: pipe %u conn %u: bad frame header (%d), resetting\n",
				     conn->mp->id, conn->idx, err);
		return err;
	}
	if (f.chunk_len) {
		err = msa_rx_payload(conn, &f, &buf);
		/* Only DATA carries DATA_CRC, over bytes the sender's user may
		 * still write into (zero-copy) or a link may damage. Read whole,
		 * the stream is still framed: the chunk is dropped as a lost
		 * frame would be, and the sender resends it from its pages.
		 * What the user changed fails that message alone (EFAULT, by
		 * the re-pin's CRC); the connection and its sessions go on.
		 */
		if (err)
			return err > 0 ? 0 : err;
	}
	msa_stat_add(MSA_STAT_RX_FRAMES, 1);
	msa_stat_add(MSA_STAT_RX_BYTES, f.chunk_len);
	atomic64_inc(&conn->slot->rx_frames);
	atomic64_add(f.chunk_len, &conn->slot->rx_bytes);
	if (f.type == MSGPIPE_T_ACK) {
		u32 delay = READ_ONCE(msa_knobs.ack_delay_ms);

		if (delay)
			msleep_interruptible(delay);
		err = msa_flow_ack(conn->mp, &f, buf);
		if (err) {
			msa_stat_add(MSA_STAT_PROTO_ERRORS, 1);
			net_warn_ratelimited("msgpipe_soft: pipe %u conn %u: bad ACK for session %u at %llu (%d), resetting\n",
					     conn->mp->id, conn->idx, f.dst_sid,
					     f.stream_seq, err);
			msgpipe_rxbuf_free(buf);
			return err;
		}
	}
	return msgpipe_agent_rx(conn->mp->ap.host, &f, buf);
}

static int msa_rx_thread(void *arg)
{
	struct msa_conn *conn = arg;

	while (!kthread_should_stop()) {
		int err;

		if (atomic_read(&conn->failed)) {
			wait_event_interruptible(conn->rx_wq,
						 kthread_should_stop());
			continue;
		}
		err = msa_rx_frame(conn);
		if (err) {
			if (err == -ESHUTDOWN)
				WRITE_ONCE(conn->rx_done, true);
			msa_conn_fail(conn, err);
			/* msa_conn_stop() or an alert's sender may wait. */
			wake_up_all(&conn->rx_wq);
		}
	}
	return 0;
}

/**
 * msa_conn_reset() - break a connection abruptly, as a network fault would
 * @conn: the connection
 *
 * The peer gets a TCP reset; both ends lose what was in flight.
 */
void msa_conn_reset(struct msa_conn *conn)
{
	msa_conn_fail(conn, -ECONNRESET);
}

static void msa_conn_free(struct msa_conn *conn)
{
	kfree(conn->cqe);
	kfree(conn->rx_bvec);
	kfree(conn->bvec);
	kfree(conn->rx_hdr);
	kfree(conn->hdr);
	kfree(conn);
}

/* Connection generations: a frame's record names the connection it left on. */
static atomic_t msa_conn_gens = ATOMIC_INIT(0);

/**
 * msa_conn_create() - a new connection, its threads created, not running
 * @mp:   the pipe
 * @idx:  its slot, below mp->nconns
 * @sock: a connected TCP socket; owned by the connection from now on
 *
 * The caller puts it in its slot, then msa_conn_start()s it: a frame its
 * receive thread hands up may be answered at once, and the answer must
 * find the connection there.
 *
 * Return: the connection, or ERR_PTR (the socket is released).
 */
struct msa_conn *msa_conn_create(struct msa_pipe *mp, unsigned int idx,
				 struct socket *sock)
{
	struct msa_conn *conn;
	int err = -ENOMEM;

	conn = kzalloc(sizeof(*conn), GFP_KERNEL);
	if (!conn)
		goto err_release;
	conn->mp = mp;
	conn->gen = atomic_inc_return(&msa_conn_gens);
	conn->idx = idx;
	conn->slot = &mp->slots[idx];
	conn->sock = sock;
	conn->tls = msgpipe_conn_tls(sock);
	init_waitqueue_head(&conn->rx_wq);
	conn->hdr = kmalloc(MSGPIPE_HDR_LEN, GFP_KERNEL);
	conn->rx_hdr = kmalloc(MSGPIPE_HDR_LEN, GFP_KERNEL);
	conn->bvec = kcalloc(MSA_BVEC_MAX, sizeof(*conn->bvec), GFP_KERNEL);
	conn->rx_bvec = kcalloc(MSA_BVEC_MAX, sizeof(*conn->bvec), GFP_KERNEL);
	conn->cqe = kcalloc(MSA_TX_BATCH, sizeof(*conn->cqe), GFP_KERNEL);
	if (!conn->hdr || !conn->rx_hdr || !conn->bvec || !conn->rx_bvec ||
	    !conn->cqe)
		goto err_free;
	conn->tx_thread = kthread_create(msa_tx_thread, conn, "msa_tx/%u.%u",
					 mp->id, idx);
	if (IS_ERR(conn->tx_thread)) {
		err = PTR_ERR(conn->tx_thread);
		goto err_free;
	}
	conn->rx_thread = kthread_create(msa_rx_thread, conn, "msa_rx/%u.%u",
					 mp->id, idx);
	if (IS_ERR(conn->rx_thread)) {
		err = PTR_ERR(conn->rx_thread);
		goto err_stop_tx;
	}
	/* Held so kthread_stop() stays valid whatever the threads do. */
	get_task_struct(conn->tx_thread);
	get_task_struct(conn->rx_thread);
	msa_stat_add(MSA_STAT_CONNS, 1);
	return conn;

err_stop_tx:
	kthread_stop(conn->tx_thread);
err_free:
	msa_conn_free(conn);
err_release:
	msgpipe_conn_release(sock);
	return ERR_PTR(err);
}

/**
 * msa_conn_start() - run the threads of a connection in its slot
 * @conn: from msa_conn_create()
 */
void msa_conn_start(struct msa_conn *conn)
{
	wake_up_process(conn->tx_thread);
	wake_up_process(conn->rx_thread);
}

/**
 * msa_conn_stop() - stop a connection's threads
 * @conn:     the connection
 * @graceful: close the sending side and wait (bounded) for the peer's end
 *            of stream first, so queued frames are not cut by a reset
 *
 * The connection stays allocated: the threads of its pipe's other
 * connections look at every slot when one of them fails.
 */
void msa_conn_stop(struct msa_conn *conn, bool graceful)
{
	if (graceful && !atomic_read(&conn->failed)) {
		kernel_sock_shutdown(conn->sock, SHUT_WR);
		wait_event_timeout(conn->rx_wq, READ_ONCE(conn->rx_done) ||
				   atomic_read(&conn->failed), 2 * HZ);
	}
	atomic_set(&conn->failed, 1);
	kernel_sock_shutdown(conn->sock, SHUT_RDWR);
	kthread_stop(conn->tx_thread);
	kthread_stop(conn->rx_thread);
	put_task_struct(conn->tx_thread);
	put_task_struct(conn->rx_thread);
}

/**
 * msa_conn_release() - close a stopped connection and free it
 * @conn: the connection, stopped and in no slot any thread can reach
 */
void msa_conn_release(struct msa_conn *conn)
{
	/* Aborted, not left an orphan (see msgpipe_conn_release()). */
	msgpipe_conn_release(conn->sock);
	msa_conn_free(conn);
	msa_stat_add(MSA_STAT_CONNS, -1);
}
