/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgpipe_soft: the reference sending agent in software. Its pipes,
 * connections and counters.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSA_H
#define _MSA_H

#include <linux/atomic.h>
#include <linux/bvec.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>
#include <linux/xarray.h>
#include <msgpipe/agent.h>
#include <msgpipe/compat.h>

#define MSA_TX_BATCH	16
#define MSA_SQ_DEPTH	1024

struct msa_pipe;

/**
 * struct msa_slot - what outlives the connections of one slot of a pipe
 * @failures:    connections of the slot that broke
 * @tx_frames:   frames sent
 * @tx_bytes:    payload bytes sent
 * @retransmits: frames sent again
 * @rx_frames:   frames received
 * @rx_bytes:    payload bytes received
 * @top_mark:    highest transmission mark on the slot the peer has
 *               acknowledged (loss detection, under the pipe's lock)
 */
struct msa_slot {
	atomic_t	failures;
	atomic64_t	tx_frames;
	atomic64_t	tx_bytes;
	atomic64_t	retransmits;
	atomic64_t	rx_frames;
	atomic64_t	rx_bytes;
	u64		top_mark;
};

/**
 * struct msa_conn - one kernel TCP connection of a pipe
 * @mp:        its pipe
 * @idx:       its slot in the pipe
 * @slot:      &mp->slots[@idx]
 * @sock:      the TCP socket, owned
 * @tx_thread: sends what the ring holds, completes it in batches
 * @rx_thread: reads frames and hands them to the host
 * @failed:    set once when the connection broke; the host was told
 * @alert:     the tls_alert knob asked the transmit thread to end this
 *             kernel TLS connection with a fatal alert
 * @replaced:  the host attached another connection to its slot: its
 *             breaking is not reported (the host already counts it gone)
 * @gen:       unique among the connections of the module's life: records
 *             of frames name the connection that carried them
 * @rx_done:   the receive side saw the end of the stream
 * @rx_wq:     the receive thread waits here once finished
 * @hdr:       transmit header buffer
 * @rx_hdr:    receive header buffer
 * @bvec:      transmit segments of one payload
 * @rx_bvec:   receive segments of one payload
 * @cqe:       the transmit thread's batch of completions
 */
struct msa_conn {
	struct msa_pipe		*mp;
	unsigned int		idx;
	struct msa_slot		*slot;
	struct socket		*sock;
	bool			tls;
	struct task_struct	*tx_thread;
	struct task_struct	*rx_thread;
	atomic_t		failed;
	atomic_t		alert;
	bool			replaced;
	u32			gen;
	bool			rx_done;
	wait_queue_head_t	rx_wq;
	void			*hdr;
	void			*rx_hdr;
	struct bio_vec		*bvec;
	struct bio_vec		*rx_bvec;
	struct msgpipe_cqe	*cqe;
};

/**
 * struct msa_pipe - the agent half of a pipe
 * @ap:       the contract's part, seen by the host
 * @lock:     protects the rings, @conns, @ctl_idx and @flows
 * @zc_lock:  protects @zc_done; taken from softirq (irq-safe)
 * @sq:       the DATA ring, MSA_SQ_DEPTH entries; any connection takes
 *            from it, which stripes messages over all of them
 * @sq_prod:  next slot the host writes
 * @sq_cons:  next slot a transmit thread reads
 * @ctl:      the ring of every other frame, MSA_SQ_DEPTH entries; only
 *            the control connection takes from it, so they stay in order
 * @ctl_prod: next slot the host writes
 * @ctl_cons: next slot the control connection reads
 * @ctl_idx:  the control connection: the live one of lowest index
 *            (@nconns when none is live)
 * @tx_busy:  transmit threads holding frames taken from the rings
 * @tx_wq:    the transmit threads wait here for work
 * @idle_wq:  a graceful destroy waits here for the rings to drain
 * @nconns:   slots in @conns
 * @conns:    the connections; NULL in a slot never attached
 * @slots:    per slot counters, @nconns of them
 * @attached: a connection was attached once (posts are taken from then)
 * @flows:    sid -> struct msa_flow: what each session has unacknowledged
 * @tx_mark:  transmissions so far; orders them for loss detection
 * @srtt8:    smoothed time from a DATA frame's transmission to its
 *            acknowledgment, in jiffies times 8 (0: no sample yet)
 * @rttvar4:  its mean deviation, in jiffies times 4
 * @rto:      acknowledgment timeout derived from them (RFC 6298), jiffies
 * @retx_work: acknowledgment timeouts and retirement
 * @zc_done:  zero-copy frames TCP released, waiting for their TX_DONE
 * @zc_work:  reports them
 * @zc_cqe:   its batch of completions (off the stack: KASAN frames)
 * @zc_inflight: zero-copy frames TCP still holds
 * @zc_bytes: their payload bytes (bounded by the max_inflight_kb knob)
 * @zc_wq:    destroy waits here for @zc_inflight to drop to 0
 * @dying:    destroy started: no timers re-armed
 * @resend:   slots whose connection broke: ask for everything they
 *            carried and the peer did not acknowledge
 * @node:     in the list of all pipes (reset knob)
 * @id:       for thread names
 */
struct msa_pipe {
	struct msgpipe_apipe	ap;
	spinlock_t		lock;		/* see @lock */
	spinlock_t		zc_lock;	/* see @zc_lock */
	struct msgpipe_tx	**sq;
	u32			sq_prod;
	u32			sq_cons;
	struct msgpipe_tx	**ctl;
	u32			ctl_prod;
	u32			ctl_cons;
	unsigned int		ctl_idx;
	unsigned int		tx_busy;
	wait_queue_head_t	tx_wq;
	wait_queue_head_t	idle_wq;
	unsigned int		nconns;
	struct msa_conn		**conns;
	struct msa_slot		*slots;
	bool			attached;
	struct xarray		flows;
	u64			tx_mark;
	u32			srtt8;
	u32			rttvar4;
	unsigned long		rto;
	struct delayed_work	retx_work;
	struct list_head	zc_done;
	struct work_struct	zc_work;
	struct msgpipe_cqe	*zc_cqe;
	atomic_t		zc_inflight;
	atomic64_t		zc_bytes;
	wait_queue_head_t	zc_wq;
	bool			dying;
	unsigned long		*resend;
	struct list_head	node;
	u32			id;
};

enum msa_stat {
	MSA_STAT_PIPES,		/* gauge */
	MSA_STAT_CONNS,		/* gauge */
	MSA_STAT_TX_QUEUED,	/* gauge: frames posted, not completed */
	MSA_STAT_UNACKED,	/* gauge: unacknowledged ranges kept */
	MSA_STAT_UNACKED_BYTES,	/* gauge: bytes they cover */
	MSA_STAT_ZC_INFLIGHT,	/* gauge: zero-copy frames TCP still holds */
	MSA_STAT_INFLIGHT_BYTES, /* gauge: their payload bytes */
	MSA_STAT_TX_FRAMES,
	MSA_STAT_TX_BYTES,
	MSA_STAT_ZC_BYTES,	/* sent from the host's pages, no copy */
	MSA_STAT_ZC_COPIED,	/* of those, copied later by the stack */
	MSA_STAT_COPY_BYTES,	/* sent by a copying sendmsg */
	MSA_STAT_SPLICE_BYTES,	/* 6.5+: host copies spliced by reference */
	MSA_STAT_DROPPED,	/* DATA frames dropped by the drop knob */
	MSA_STAT_RETRANSMITS,	/* frames sent again */
	MSA_STAT_NEED_PAGES,	/* NEED_PAGES raised */
	MSA_STAT_ACK_TIMEOUTS,	/* of those, by an acknowledgment timeout */
	MSA_STAT_RESENDS,	/* of those, for a new connection */
	MSA_STAT_RETIRED,	/* sessions retired without progress */
	MSA_STAT_ACKS,		/* ACK frames processed */
	MSA_STAT_RTT_SAMPLES,	/* acknowledgment times measured */
	MSA_STAT_RTO_MAX_MS,	/* largest timeout a pipe has derived */
	MSA_STAT_RX_FRAMES,
	MSA_STAT_RX_BYTES,
	MSA_STAT_CONN_FAILURES,
	MSA_STAT_CONN_CLOSED,	/* of those, the peer closed it in order */
	MSA_STAT_CONN_RESET,	/* of those, reset (ECONNRESET, EPIPE) */
	MSA_STAT_CONN_TIMEDOUT,	/* of those, TCP gave up (ETIMEDOUT) */
	MSA_STAT_CONN_REPLACED,	/* broken connections replaced by new ones */
	MSA_STAT_PROTO_ERRORS,
	MSA_STAT_CRC_ERRORS,
	MSA_STAT_TLS_CLOSED,	/* TLS connections ended by a non-data record */
	MSA_STAT_TLS_ALERTS,	/* of those, by an alert */
	MSA_STAT_TLS_ALERTS_SENT, /* fatal alerts sent (knob tls_alert) */
	MSA_STAT_LOST,		/* frames lost with a connection (knob lose_type) */
	MSA_STAT_NR,
};

/**
 * struct msa_knobs - fault injection and limits, netdevsim style
 * @data_crc:       put a CRC32C of the payload in every DATA frame
 * @zerocopy:       send payload pages zero-copy (MSG_ZEROCOPY + msg_ubuf)
 * @drop_permille:  DATA frames in 1000 not sent (nor delivered), as if lost
 * @ack_delay_ms:   hold each received ACK this long before acting on it
 * @attach_delay_ms: hold conn_attach() this long before it replaces the
 *                  slot's connection (a late report of the old one)
 * @ack_timeout_ms: the least acknowledgment timeout: a frame unacknowledged
 *                  this long, or the pipe's measured timeout if longer,
 *                  is resent (doubling per attempt, up to 64 times)
 * @retire_ms:      retire a session whose oldest data made no progress
 *                  this long (ETIMEDOUT)
 * @max_inflight_kb: hand TCP no more zero-copy payload than this until it
 *                  releases some (0: no cap)
 * @lose_type:      frames of this type (0: none) are lost with their
 *                  connection: reported sent, never written, and the
 *                  connection reset (a loss the peer cannot repeat)
 * @drop_next:      the next this many DATA frames with payload are dropped
 *                  like @drop_permille's, whatever connection sends them
 */
struct msa_knobs {
	bool		data_crc;
	bool		zerocopy;
	u32		drop_permille;
	u32		ack_delay_ms;
	u32		attach_delay_ms;
	u32		ack_timeout_ms;
	u32		retire_ms;
	u32		max_inflight_kb;
	u32		lose_type;
	u32		drop_next;
};

/* The knobs offered through the contract (msgpipectl agent set). */
enum msa_knob {
	MSA_KNOB_DATA_CRC,
	MSA_KNOB_ZEROCOPY,
	MSA_KNOB_DROP_PERMILLE,
	MSA_KNOB_ACK_DELAY_MS,
	MSA_KNOB_ACK_TIMEOUT_MS,
	MSA_KNOB_RETIRE_MS,
	MSA_KNOB_MAX_INFLIGHT_KB,
	MSA_KNOB_RESET_CONNS,
	MSA_KNOB_ATTACH_DELAY_MS,
	MSA_KNOB_TLS_ALERT,
	MSA_KNOB_LOSE_TYPE,
	MSA_KNOB_DROP_NEXT,
	MSA_KNOB_NR
};

extern const struct msgpipe_knob msa_knob_table[MSA_KNOB_NR];
int msa_knob_get(struct msgpipe_agent *agent, unsigned int idx, u64 *val);
int msa_knob_set(struct msgpipe_agent *agent, unsigned int idx, u64 val);

extern atomic64_t msa_stats[MSA_STAT_NR];
extern struct msa_knobs msa_knobs;

static inline void msa_stat_add(enum msa_stat s, s64 v)
{
	atomic64_add(v, &msa_stats[s]);
}

extern const struct msgpipe_agent_ops msa_ops;

struct msa_conn *msa_conn_create(struct msa_pipe *mp, unsigned int idx,
				 struct socket *sock);
void msa_conn_start(struct msa_conn *conn);
void msa_conn_stop(struct msa_conn *conn, bool graceful);
void msa_conn_release(struct msa_conn *conn);
void msa_conn_fail(struct msa_conn *conn, int err);
void msa_conn_reset(struct msa_conn *conn);

/* Faults the knobs inject into connections (msa_pipes_fault()). */
enum msa_fault {
	MSA_FAULT_RESET,	/* a TCP reset */
	MSA_FAULT_TLS_ALERT,	/* a fatal TLS alert (TLS connections only) */
};

int msa_pipes_fault(u64 mask, enum msa_fault fault);
void msa_pipe_pick_ctl(struct msa_pipe *mp);

void msa_flow_sent(struct msa_conn *conn, const struct msgpipe_tx *tx,
		   bool dropped);
int msa_flow_ack(struct msa_pipe *mp, const struct msgpipe_frame *f,
		 const struct msgpipe_rxbuf *buf);
void msa_flow_forget(struct msa_pipe *mp, u32 sid);
void msa_flow_destroy(struct msa_pipe *mp);
void msa_flow_retx_work(struct work_struct *work);
void msa_flow_conn_lost(struct msa_pipe *mp, unsigned int idx);

int msa_zc_send(struct msa_conn *conn, struct msgpipe_tx *tx,
		struct bio_vec *bv, unsigned int n, size_t len, bool *taken);
void msa_zc_work(struct work_struct *work);
bool msa_zc_room(struct msa_pipe *mp, u32 len);
void msa_zc_drain(struct msa_pipe *mp);

int msa_debugfs_init(void);
void msa_debugfs_exit(void);
#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
bool msa_should_fail_zc(void);
#else
static inline bool msa_should_fail_zc(void)
{
	return false;
}
#endif

#endif /* _MSA_H */
