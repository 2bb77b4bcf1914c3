/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Module-wide object counters of the host, published read-only in
 * debugfs (msgpipe/stats) so tests can check that everything returns to
 * zero after teardown.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_STATS_H
#define _MSGPIPE_STATS_H

#include <linux/atomic.h>

/* Gauges (G) must read 0 when no socket and no pipe exists; totals (T)
 * only grow.
 */
enum msgpipe_stat {
	MSGPIPE_STAT_SOCKS,		/* G: struct msgpipe_sock alive */
	MSGPIPE_STAT_SESSIONS,		/* G: session ids allocated */
	MSGPIPE_STAT_PIPES,		/* G: struct msgpipe_pipe alive */
	MSGPIPE_STAT_LISTENERS,		/* G: engine TCP listeners */
	MSGPIPE_STAT_TX_BUFS,		/* G: tx frames posted, not completed */
	MSGPIPE_STAT_TX_PAGES,		/* G: pages held for tx */
	MSGPIPE_STAT_TX_QUEUED,		/* G: payload bytes posted, not completed */
	MSGPIPE_STAT_RX_BUFS,		/* G: rx buffers alive */
	MSGPIPE_STAT_RX_PAGES,		/* G: pages held for rx */
	MSGPIPE_STAT_RX_QUEUED,		/* G: bytes received, not yet read */
	MSGPIPE_STAT_TX_MSGS,		/* T: messages sent */
	MSGPIPE_STAT_TX_BYTES,		/* T: payload bytes sent */
	MSGPIPE_STAT_RX_MSGS,		/* T: messages fully received */
	MSGPIPE_STAT_RX_BYTES,		/* T: payload bytes received */
	MSGPIPE_STAT_RX_UNKNOWN,	/* T: frames for unknown sessions */
	MSGPIPE_STAT_PROTO_ERRORS,	/* T: connections reset for violations */
	MSGPIPE_STAT_REFUSED,		/* T: SYNCs refused */
	MSGPIPE_STAT_NR,
};

extern atomic64_t msgpipe_stats[MSGPIPE_STAT_NR];

static inline void msgpipe_stat_add(enum msgpipe_stat s, s64 v)
{
	atomic64_add(v, &msgpipe_stats[s]);
}

static inline void msgpipe_stat_inc(enum msgpipe_stat s)
{
	atomic64_inc(&msgpipe_stats[s]);
}

static inline void msgpipe_stat_dec(enum msgpipe_stat s)
{
	atomic64_dec(&msgpipe_stats[s]);
}

int msgpipe_stats_init(void);
void msgpipe_stats_exit(void);

#endif /* _MSGPIPE_STATS_H */
