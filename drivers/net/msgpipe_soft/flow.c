// SPDX-License-Identifier: GPL-2.0
/*
 * What the soft agent keeps of sent data: per session, one record
 * {address, size, sequence} for every DATA frame the peer has not
 * acknowledged (never the pages). ACKs retire records and are reported as
 * ACKED; a hole below selectively acknowledged data, an acknowledgment
 * timeout or a session without progress turns into NEED_PAGES or ERROR.
 *
 * Loss detection: every transmission gets a mark from a per-pipe counter.
 * Each connection delivers in order, so when the peer acknowledges a frame
 * sent with mark M on connection C, any unacknowledged frame last sent on C
 * with a mark below M was lost. Frames on other connections may simply
 * still be on their way: striping reorders, it does not lose. When a
 * connection breaks, whatever it carried unacknowledged is asked for.
 * What stays unacknowledged longer than the pipe's timeout is asked for
 * too; the timeout follows the measured acknowledgment times (RFC 6298,
 * Karn: frames sent more than once give no sample), never below the
 * ack_timeout_ms knob. It includes the time a frame waits in TCP's send
 * queue, which on a slow path (a debug kernel under emulation) is seconds:
 * a fixed timeout would resend nearly everything. So the timer of a frame
 * starts only once TCP has it acknowledged by the peer's stack (snd_una
 * past the frame, checked at every tick): until then the frame waits in
 * our own send queue or is TCP's to retransmit, and a broken connection
 * is noticed by TCP (user timeout) and resent by msa_flow_conn_lost().
 *
 * Locking: mp->lock protects the flows and their records. Completions are
 * collected under it and reported after it is dropped.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/highmem.h>
#include <linux/slab.h>
#include <linux/tcp.h>
#include <net/tcp.h>
#include "msa.h"

#define MSA_RETX_TICK	msecs_to_jiffies(20)
#define MSA_RTO_MAX	(60 * HZ)
#define MSA_CQE_MAX	32

/**
 * struct msa_rec - a DATA frame not yet acknowledged
 * @node:    in msa_flow.recs, by @seq
 * @seq:     stream sequence number of its first byte
 * @size:    stream bytes it covers
 * @addr:    user address of the first byte as posted (0: host pages)
 * @mark:    mark of its last transmission
 * @sent_at: jiffies of its last transmission or request
 * @sacked:  the peer has it, out of order
 * @asked:   NEED_PAGES raised, no resend seen yet
 * @resent:  sent more than once: its acknowledgment time says nothing
 * @tries:   NEED_PAGES raised for it so far
 * @conn:    the connection slot of its last transmission
 * @conn_gen: the connection itself (msa_conn.gen)
 * @tcp_end: TCP sequence number just past its payload on that connection
 */
struct msa_rec {
	struct list_head	node;
	u64			seq;
	u32			size;
	u64			addr;
	u64			mark;
	unsigned long		sent_at;
	bool			sacked;
	bool			asked;
	bool			resent;
	u8			tries;
	u16			conn;
	u32			conn_gen;
	u32			tcp_end;
};

/**
 * struct msa_flow - one session's unacknowledged data
 * @sid:      the local session id
 * @recs:     struct msa_rec by sequence number
 * @acked:    every stream byte below it was acknowledged
 * @sent_hi:  one past the highest stream byte sent, recorded or not (a
 *            frame whose record could not be allocated went out all the
 *            same, and its acknowledgment is no protocol violation)
 * @progress: jiffies when @acked last moved (or the first record came)
 */
struct msa_flow {
	u32			sid;
	struct list_head	recs;
	u64			acked;
	u64			sent_hi;
	unsigned long		progress;
};

struct msa_cqes {
	struct msgpipe_cqe	c[MSA_CQE_MAX];
	unsigned int		n;
};

static void msa_cqes_flush(struct msa_pipe *mp, struct msa_cqes *q)
{
	if (q->n)
		msgpipe_agent_complete(mp->ap.host, q->c, q->n);
	q->n = 0;
}

/* Queue a completion; false when full (the caller flushes unlocked). */
static bool msa_cqe_add(struct msa_cqes *q, u8 type, u32 sid, u64 lo, u64 hi,
			u64 addr, int status)
{
	if (q->n == MSA_CQE_MAX)
		return false;
	q->c[q->n++] = (struct msgpipe_cqe) {
		.type = type, .sid = sid, .seq_lo = lo, .seq_hi = hi,
		.addr = addr, .status = status,
	};
	return true;
}

static void msa_rec_free(struct msa_rec *r)
{
	list_del(&r->node);
	msa_stat_add(MSA_STAT_UNACKED, -1);
	msa_stat_add(MSA_STAT_UNACKED_BYTES, -(s64)r->size);
	kfree(r);
}

static void msa_flow_free(struct msa_flow *fl)
{
	struct msa_rec *r, *tmp;

	list_for_each_entry_safe(r, tmp, &fl->recs, node)
		msa_rec_free(r);
	kfree(fl);
}

/**
 * msa_flow_sent() - record a DATA frame about to go out (or be dropped)
 * @conn:    the connection it goes out on
 * @tx:      the frame
 * @dropped: the drop knob keeps it from the wire
 *
 * Called by the connection's transmit thread, the only writer of its
 * socket, before the frame is handed to TCP, so the record exists when
 * the acknowledgment comes.
 */
void msa_flow_sent(struct msa_conn *conn, const struct msgpipe_tx *tx,
		   bool dropped)
{
	const struct msgpipe_frame *f = &tx->frame;
	struct msa_pipe *mp = conn->mp;
	struct msa_rec *r, *fresh;
	u32 tcp_next = READ_ONCE(tcp_sk(conn->sock->sk)->write_seq);
	struct msa_flow *fl, *nfl;
	u32 size = f->chunk_len ?: f->total_len;
	bool retx = false;

	fresh = kzalloc(sizeof(*fresh), GFP_KERNEL);
	nfl = kzalloc(sizeof(*nfl), GFP_KERNEL);
	spin_lock(&mp->lock);
	fl = xa_load(&mp->flows, f->src_sid);
	if (!fl && nfl) {
		nfl->sid = f->src_sid;
		INIT_LIST_HEAD(&nfl->recs);
		nfl->acked = f->stream_seq;
		nfl->sent_hi = f->stream_seq;
		if (!xa_err(xa_store(&mp->flows, f->src_sid, nfl, GFP_ATOMIC))) {
			fl = nfl;
			nfl = NULL;
		}
	}
	/* Without memory the frame is not tracked: a later timeout or the
	 * session's retirement covers it. Without a flow its acknowledgment
	 * is ignored; with one it must still be taken as valid.
	 */
	if (!fl)
		goto out_unlock;
	fl->sent_hi = max(fl->sent_hi, f->stream_seq + size);
	if (f->stream_seq + size <= fl->acked)
		goto out_unlock;
	if (list_empty(&fl->recs))
		fl->progress = jiffies;
	list_for_each_entry_reverse(r, &fl->recs, node) {
		if (r->seq == f->stream_seq && r->size == size) {
			retx = true;
			goto found;
		}
		if (r->seq < f->stream_seq)
			break;
	}
	if (!fresh)
		goto out_unlock;
	/* After @r (or first): a void may start below later chunks. */
	list_add(&fresh->node, &r->node);
	r = fresh;
	fresh = NULL;
	r->seq = f->stream_seq;
	r->size = size;
	r->addr = tx->chain ? tx->chain->addr : 0;
	msa_stat_add(MSA_STAT_UNACKED, 1);
	msa_stat_add(MSA_STAT_UNACKED_BYTES, size);
found:
	r->resent = retx;
	r->mark = ++mp->tx_mark;
	r->conn = conn->idx;
	r->conn_gen = conn->gen;
	/* The header goes first: past tcp_end, the peer's stack has the
	 * frame nearly whole. A dropped frame has nothing to wait for.
	 */
	r->tcp_end = tcp_next + (dropped ? 0 : size);
	r->sent_at = jiffies;
	r->asked = false;
	r->sacked = false;
	if (!mp->dying)
		mod_delayed_work(system_wq, &mp->retx_work, MSA_RETX_TICK);
out_unlock:
	spin_unlock(&mp->lock);
	if (retx)
		msa_stat_add(MSA_STAT_RETRANSMITS, 1);
	kfree(fresh);
	kfree(nfl);
}

/* An acknowledgment time of @rtt jiffies: update the pipe's timeout. */
static void msa_rtt_sample(struct msa_pipe *mp, unsigned long rtt)
{
	u32 m = min_t(unsigned long, rtt, MSA_RTO_MAX) ?: 1;
	s32 err;
	s64 old;

	if (!mp->srtt8) {
		mp->srtt8 = m << 3;
		mp->rttvar4 = m << 1;
	} else {
		err = m - (mp->srtt8 >> 3);
		mp->srtt8 += err;
		mp->rttvar4 += abs(err) - (mp->rttvar4 >> 2);
	}
	mp->rto = min_t(unsigned long, (mp->srtt8 >> 3) + max(mp->rttvar4, 1U),
			MSA_RTO_MAX);
	msa_stat_add(MSA_STAT_RTT_SAMPLES, 1);
	old = atomic64_read(&msa_stats[MSA_STAT_RTO_MAX_MS]);
	while (jiffies_to_msecs(mp->rto) > old &&
	       !atomic64_try_cmpxchg(&msa_stats[MSA_STAT_RTO_MAX_MS], &old,
				     jiffies_to_msecs(mp->rto)))
		;
}

/* The current acknowledgment timeout of @mp. */
static unsigned long msa_flow_rto(const struct msa_pipe *mp)
{
	return max(msecs_to_jiffies(READ_ONCE(msa_knobs.ack_timeout_ms)),
		   mp->rto);
}

/* The peer has @r: frames sent before it on its connection are lost.
 * @rtt collects the longest acknowledgment time of frames sent once.
 */
static bool msa_rec_arrived(struct msa_pipe *mp, const struct msa_rec *r,
			    long *rtt)
{
	struct msa_slot *sl = &mp->slots[r->conn];

	if (!r->resent && !r->asked && !r->sacked)
		*rtt = max_t(long, *rtt, jiffies - r->sent_at);
	if (r->mark <= sl->top_mark)
		return false;
	sl->top_mark = r->mark;
	return true;
}

/* Mark what @blk covers; return whether a connection's top mark moved. */
static bool msa_flow_sack(struct msa_pipe *mp, struct msa_flow *fl,
			  const struct msgpipe_range *blk, int n, long *rtt)
{
	struct msa_rec *r;
	bool moved = false;
	int i;

	list_for_each_entry(r, &fl->recs, node)
		for (i = 0; i < n; i++)
			if (!r->sacked && r->seq >= blk[i].lo &&
			    r->seq + r->size <= blk[i].hi) {
				moved |= msa_rec_arrived(mp, r, rtt);
				r->sacked = true;
			}
	return moved;
}

/**
 * msa_flow_ack() - act on an ACK frame from the peer
 * @mp:  the pipe
 * @f:   the validated header
 * @buf: its selective blocks, or NULL
 *
 * Return: 0, or -EPROTO for an acknowledgment of data never sent.
 */
int msa_flow_ack(struct msa_pipe *mp, const struct msgpipe_frame *f,
		 const struct msgpipe_rxbuf *buf)
{
	struct msgpipe_range blk[MSGPIPE_SACK_MAX];
	struct msa_cqes *q;
	struct msa_rec *r, *tmp;
	struct msa_flow *fl;
	bool moved = false;
	void *p = NULL;
	long rtt = -1;
	int n = 0;
	u64 old;

	if (buf) {
		p = kmap_local_page(buf->pages[0]);
		n = msgpipe_wire_sack_decode(f, p, blk);
		kunmap_local(p);
		if (n < 0)
			return n;
	}
	q = kmalloc(sizeof(*q), GFP_KERNEL);
	if (!q)
		return 0;	/* a later ACK says as much */
	q->n = 0;
	msa_stat_add(MSA_STAT_ACKS, 1);

	spin_lock(&mp->lock);
	fl = xa_load(&mp->flows, f->dst_sid);
	if (!fl || f->stream_seq <= fl->acked)
		goto sack;
	if (f->stream_seq > fl->sent_hi) {
		spin_unlock(&mp->lock);
		kfree(q);
		return -EPROTO;
	}
	old = fl->acked;
	fl->acked = f->stream_seq;
	fl->progress = jiffies;
	list_for_each_entry_safe(r, tmp, &fl->recs, node) {
		if (r->seq + r->size > fl->acked)
			break;
		moved |= msa_rec_arrived(mp, r, &rtt);
		msa_rec_free(r);
	}
	msa_cqe_add(q, MSGPIPE_CQE_ACKED, fl->sid, old, fl->acked, 0, 0);
sack:
	if (fl && n)
		moved |= msa_flow_sack(mp, fl, blk, n, &rtt);
	if (rtt >= 0)
		msa_rtt_sample(mp, rtt);
	/* Sent on a connection before something that arrived: lost. */
	if (fl && moved) {
		list_for_each_entry(r, &fl->recs, node) {
			if (r->sacked || r->asked ||
			    r->mark >= mp->slots[r->conn].top_mark)
				continue;
			if (!msa_cqe_add(q, MSGPIPE_CQE_NEED_PAGES, fl->sid,
					 r->seq, r->seq + r->size, r->addr, 0))
				break;
			r->asked = true;
			r->sent_at = jiffies;
			msa_stat_add(MSA_STAT_NEED_PAGES, 1);
		}
	}
	spin_unlock(&mp->lock);
	msa_cqes_flush(mp, q);
	kfree(q);
	return 0;
}

/* @r's bytes are still TCP's: queued or unacknowledged by the peer's stack
 * on the live connection that carries them. Under mp->lock.
 */
static bool msa_rec_in_tcp(const struct msa_pipe *mp, const struct msa_rec *r)
{
	const struct msa_conn *conn = mp->conns[r->conn];

	return conn && conn->gen == r->conn_gen && !atomic_read(&conn->failed) &&
	       before(READ_ONCE(tcp_sk(conn->sock->sk)->snd_una), r->tcp_end);
}

/* One pass over a flow: timeouts and retirement, and (@resend) what the
 * peer lacks of frames sent on a broken connection. Under mp->lock.
 */
static bool msa_flow_scan(struct msa_pipe *mp, struct msa_flow *fl,
			  struct msa_cqes *q, bool resend)
{
	unsigned long rto = msa_flow_rto(mp);
	unsigned long retire = msecs_to_jiffies(READ_ONCE(msa_knobs.retire_ms));
	struct msa_rec *r, *tmp;

	if (list_empty(&fl->recs))
		return false;
	if (time_after(jiffies, fl->progress + retire)) {
		if (!msa_cqe_add(q, MSGPIPE_CQE_ERROR, fl->sid, 0, 0, 0,
				 -ETIMEDOUT))
			return true;
		r = list_first_entry(&fl->recs, struct msa_rec, node);
		pr_warn_ratelimited("session %u retired: acked %llu, oldest %llu+%u%s%s tries %u\n",
				    fl->sid, fl->acked, r->seq, r->size,
				    r->sacked ? " sacked" : "",
				    r->asked ? " asked" : "", r->tries);
		list_for_each_entry_safe(r, tmp, &fl->recs, node)
			msa_rec_free(r);
		msa_stat_add(MSA_STAT_RETIRED, 1);
		return false;
	}
	list_for_each_entry(r, &fl->recs, node) {
		bool late = time_after_eq(jiffies, r->sent_at +
					  (rto << min(r->tries, 6)));

		/* A resend already asked for waits in the ring. */
		if (r->sacked)
			continue;
		if (!r->asked && msa_rec_in_tcp(mp, r)) {
			/* Its timer starts when TCP delivered it. */
			r->sent_at = jiffies;
			continue;
		}
		if (!late && (!resend || r->asked ||
			      !test_bit(r->conn, mp->resend)))
			continue;
		if (!msa_cqe_add(q, MSGPIPE_CQE_NEED_PAGES, fl->sid, r->seq,
				 r->seq + r->size, r->addr, 0))
			return true;
		r->asked = true;
		r->sent_at = jiffies;
		if (late && r->tries < U8_MAX)
			r->tries++;
		msa_stat_add(MSA_STAT_NEED_PAGES, 1);
		msa_stat_add(late ? MSA_STAT_ACK_TIMEOUTS : MSA_STAT_RESENDS, 1);
	}
	return true;
}

/**
 * msa_flow_conn_lost() - a connection broke: resend what it carried
 * @mp:  the pipe
 * @idx: the connection's slot
 *
 * Every frame last sent on it and not acknowledged is asked for again,
 * to go out on the other connections or the next one attached.
 */
void msa_flow_conn_lost(struct msa_pipe *mp, unsigned int idx)
{
	spin_lock(&mp->lock);
	set_bit(idx, mp->resend);
	if (!mp->dying)
		mod_delayed_work(system_wq, &mp->retx_work, 0);
	spin_unlock(&mp->lock);
}

/**
 * msa_flow_retx_work() - the acknowledgment timer of a pipe
 * @work: msa_pipe.retx_work
 */
void msa_flow_retx_work(struct work_struct *work)
{
	struct msa_pipe *mp = container_of(to_delayed_work(work),
					   struct msa_pipe, retx_work);
	struct msa_flow *fl;
	struct msa_cqes *q;
	unsigned long sid;
	bool busy = false;

	q = kmalloc(sizeof(*q), GFP_KERNEL);
	while (q) {
		bool resend;

		q->n = 0;
		spin_lock(&mp->lock);
		resend = !bitmap_empty(mp->resend, mp->nconns);
		xa_for_each(&mp->flows, sid, fl)
			busy |= msa_flow_scan(mp, fl, q, resend);
		/* A full batch: report it and go on from where it stopped. */
		if (q->n < MSA_CQE_MAX)
			bitmap_zero(mp->resend, mp->nconns);
		resend = !bitmap_empty(mp->resend, mp->nconns);
		spin_unlock(&mp->lock);
		msa_cqes_flush(mp, q);
		if (!resend)
			break;
	}
	kfree(q);
	spin_lock(&mp->lock);
	if ((busy || !q) && !mp->dying)
		mod_delayed_work(system_wq, &mp->retx_work, MSA_RETX_TICK);
	spin_unlock(&mp->lock);
}

/**
 * msa_flow_forget() - drop everything kept for a session
 * @mp:  the pipe
 * @sid: the local session id
 *
 * Called under the host's pipe lock: must not sleep.
 */
void msa_flow_forget(struct msa_pipe *mp, u32 sid)
{
	struct msa_flow *fl;

	spin_lock(&mp->lock);
	fl = xa_erase(&mp->flows, sid);
	if (fl)
		msa_flow_free(fl);
	spin_unlock(&mp->lock);
}

/**
 * msa_flow_destroy() - stop the timer and drop every flow of a pipe
 * @mp: the pipe, whose threads are stopped
 */
void msa_flow_destroy(struct msa_pipe *mp)
{
	struct msa_flow *fl;
	unsigned long sid;

	spin_lock(&mp->lock);
	mp->dying = true;
	spin_unlock(&mp->lock);
	cancel_delayed_work_sync(&mp->retx_work);
	xa_for_each(&mp->flows, sid, fl) {
		xa_erase(&mp->flows, sid);
		msa_flow_free(fl);
	}
	xa_destroy(&mp->flows);
}
