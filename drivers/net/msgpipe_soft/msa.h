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
#include <msgpipe/agent.h>
#include <msgpipe/compat.h>

#define MSA_TX_BATCH	16

struct msa_pipe;

/**
 * struct msa_conn - one kernel TCP connection of a pipe
 * @mp:        its pipe
 * @sock:      the TCP socket, owned
 * @tx_thread: sends what the pipe queued, completes it in batches
 * @rx_thread: reads frames and hands them to the host
 * @failed:    set once when the connection broke; the host was told
 * @rx_paused: the host asked us to stop handing up frames
 * @rx_resume: the host's resume arrived before we paused
 * @rx_done:   the receive side saw the end of the stream
 * @rx_wq:     the receive thread waits here while paused or finished
 * @hdr:       transmit header buffer
 * @rx_hdr:    receive header buffer
 * @bvec:      transmit segments: header plus up to a chunk of pages
 * @rx_bvec:   receive segments of one payload
 * @cqe:       the transmit thread's batch of completions
 */
struct msa_conn {
	struct msa_pipe		*mp;
	struct socket		*sock;
	struct task_struct	*tx_thread;
	struct task_struct	*rx_thread;
	atomic_t		failed;
	bool			rx_paused;
	bool			rx_resume;
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
 * @ap:      the contract's part, seen by the host
 * @lock:    protects @txq, @tx_busy, @rx_* flags of @conn
 * @txq:     posted frames not yet taken by the transmit thread
 * @tx_busy: the transmit thread holds frames taken from @txq
 * @tx_wq:   the transmit thread waits here for work
 * @idle_wq: a graceful destroy waits here for @txq to drain
 * @conn:    the connection, or NULL before conn_attach()
 * @id:      for thread names
 */
struct msa_pipe {
	struct msgpipe_apipe	ap;
	spinlock_t		lock;		/* see @lock */
	struct list_head	txq;
	bool			tx_busy;
	wait_queue_head_t	tx_wq;
	wait_queue_head_t	idle_wq;
	struct msa_conn		*conn;
	u32			id;
};

enum msa_stat {
	MSA_STAT_PIPES,		/* gauge */
	MSA_STAT_CONNS,		/* gauge */
	MSA_STAT_TX_QUEUED,	/* gauge: frames posted, not completed */
	MSA_STAT_TX_FRAMES,
	MSA_STAT_TX_BYTES,
	MSA_STAT_RX_FRAMES,
	MSA_STAT_RX_BYTES,
	MSA_STAT_CONN_FAILURES,
	MSA_STAT_PROTO_ERRORS,
	MSA_STAT_CRC_ERRORS,
	MSA_STAT_NR,
};

extern atomic64_t msa_stats[MSA_STAT_NR];
extern bool msa_data_crc;

static inline void msa_stat_add(enum msa_stat s, s64 v)
{
	atomic64_add(v, &msa_stats[s]);
}

extern const struct msgpipe_agent_ops msa_ops;

struct msa_conn *msa_conn_create(struct msa_pipe *mp, struct socket *sock);
void msa_conn_destroy(struct msa_conn *conn, bool graceful);
void msa_conn_fail(struct msa_conn *conn, int err);
void msa_conn_resume(struct msa_conn *conn);

int msa_debugfs_init(void);
void msa_debugfs_exit(void);

#endif /* _MSA_H */
