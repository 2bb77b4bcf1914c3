/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The host's object counters, per network namespace and per CPU: netlink
 * reads a namespace's, debugfs (msgpipe/stats) the sum over every
 * namespace, so tests can check that everything returns to zero after
 * teardown.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_STATS_H
#define _MSGPIPE_STATS_H

#include <linux/percpu.h>
#include "msgpipe.h"

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
	MSGPIPE_STAT_TX_UNACKED,	/* G: stream bytes sent, not acknowledged */
	MSGPIPE_STAT_TX_MSGS_OPEN,	/* G: message records alive */
	MSGPIPE_STAT_PINNED_PAGES,	/* G: user pages pinned for zero-copy */
	MSGPIPE_STAT_RX_BUFS,		/* G: rx buffers alive */
	MSGPIPE_STAT_RX_PAGES,		/* G: pages held for rx */
	MSGPIPE_STAT_RX_QUEUED,		/* G: bytes received, not yet read */
	MSGPIPE_STAT_RDM_ITEMS,		/* G: RDM items not completed */
	MSGPIPE_STAT_RDM_BATCHES,	/* G: RDM batches not acknowledged */
	MSGPIPE_STAT_RDM_DESTS,		/* G: RDM destinations */
	MSGPIPE_STAT_RDM_RX_BATCHES,	/* G: RDM batches received, not read */
	MSGPIPE_STAT_RDM_SEEN,		/* G: RDM GUIDs remembered for dedup */
	MSGPIPE_STAT_RDM_STAGE_PAGES,	/* G: pages holding RDM items' bytes, or spare */
	MSGPIPE_STAT_RDM_SPARE_PAGES,	/* G: RDM batch pages kept for the next batches */
	MSGPIPE_STAT_IOC_REGIONS,	/* G: regions registered by ioctl */
	MSGPIPE_STAT_IOC_CQES,		/* G: posted messages not reaped */
	MSGPIPE_STAT_HS_PENDING,	/* G: connections waiting for their TLS handshake */
	MSGPIPE_STAT_TX_MSGS,		/* T: messages sent */
	MSGPIPE_STAT_TX_BYTES,		/* T: payload bytes sent */
	MSGPIPE_STAT_RX_MSGS,		/* T: messages fully received */
	MSGPIPE_STAT_RX_BYTES,		/* T: payload bytes received */
	MSGPIPE_STAT_RX_UNKNOWN,	/* T: frames for unknown sessions */
	MSGPIPE_STAT_PROTO_ERRORS,	/* T: connections reset for violations */
	MSGPIPE_STAT_REFUSED,		/* T: SYNCs refused */
	MSGPIPE_STAT_TX_ZC_BYTES,	/* T: bytes sent from pinned user pages */
	MSGPIPE_STAT_TX_COPY_BYTES,	/* T: bytes sent from the host's copy */
	MSGPIPE_STAT_TX_COMPLETIONS,	/* T: completions queued to senders */
	MSGPIPE_STAT_TX_MSG_ERRORS,	/* T: messages completed with an error */
	MSGPIPE_STAT_TX_VOIDED,		/* T: void frames sent */
	MSGPIPE_STAT_TX_RETIRED,	/* T: sessions retired by the agent */
	MSGPIPE_STAT_RETRANSMITS,	/* T: chunks posted again */
	MSGPIPE_STAT_REPINS,		/* T: zero-copy chunks re-pinned */
	MSGPIPE_STAT_REPIN_FAULTS,	/* T: re-pins that found other memory */
	MSGPIPE_STAT_RETX_DEFERRED,	/* T: resends put off (pin limits) */
	MSGPIPE_STAT_MEMLOCK_WAITS,	/* T: zero-copy senders that waited for RLIMIT_MEMLOCK */
	MSGPIPE_STAT_RETX_UNKNOWN,	/* T: NEED_PAGES for nothing we hold */
	MSGPIPE_STAT_ACKS_SENT,		/* T: ACK frames sent */
	MSGPIPE_STAT_WINDOW_UPDATES,	/* T: ACKs sent because reading opened */
	MSGPIPE_STAT_DELAYED_ACKS,	/* T: ACKs sent by the delayed-ack timer */
	MSGPIPE_STAT_RX_VOIDED,		/* T: voided messages received */
	MSGPIPE_STAT_RX_DUPS,		/* T: duplicate chunks dropped */
	MSGPIPE_STAT_RX_OOO,		/* T: chunks that arrived ahead */
	MSGPIPE_STAT_RX_WINDOW_ERRORS,	/* T: frames past the window */
	MSGPIPE_STAT_RX_EARLY,		/* T: DATA that overtook its ACCEPT, dropped */
	MSGPIPE_STAT_ACCEPT_FIRST,	/* T: ACCEPTs that came without their SYNC_ACK */
	MSGPIPE_STAT_CONN_LOSSES,	/* T: connections lost under sessions */
	MSGPIPE_STAT_RECONNECTS,	/* T: pipes given a new connection */
	MSGPIPE_STAT_TX_INVALID,	/* T: frames not sent: their session closed */
	MSGPIPE_STAT_HELLO_DROPPED,	/* T: connections closed, too many waiting for HELLO */
	MSGPIPE_STAT_DIAL_FAILURES,	/* T: dials that made no connection */
	MSGPIPE_STAT_DIAL_TIMEOUTS,	/* T: of those, no answer in time */
	MSGPIPE_STAT_RDM_ITEMS_SENT,	/* T: RDM items queued by sendmsg() */
	MSGPIPE_STAT_RDM_COMPLETIONS,	/* T: RDM items completed */
	MSGPIPE_STAT_RDM_DEST_FAILS,	/* T: RDM item destinations failed */
	MSGPIPE_STAT_RDM_ELEMENTS,	/* T: RDM tracking elements closed */
	MSGPIPE_STAT_RDM_BATCHES_SENT,	/* T: BATCH frames posted */
	MSGPIPE_STAT_RDM_RESENDS,	/* T: of those, resends */
	MSGPIPE_STAT_RDM_OPEN_FAILS,	/* T: pipes an RDM destination could not open */
	MSGPIPE_STAT_RDM_THROTTLED,	/* T: RDM sends put off by a THROTTLE */
	MSGPIPE_STAT_RDM_ACK_FRAMES_TX,	/* T: BATCH_ACK frames sent */
	MSGPIPE_STAT_RDM_ACK_FRAMES_RX,	/* T: BATCH_ACK frames received */
	MSGPIPE_STAT_RDM_ACK_UNKNOWN,	/* T: acknowledged GUIDs not waited for */
	MSGPIPE_STAT_RDM_ACK_FOREIGN,	/* T: acknowledgments from another host */
	MSGPIPE_STAT_RDM_THROTTLE_TX,	/* T: THROTTLE frames sent */
	MSGPIPE_STAT_RDM_THROTTLE_RX,	/* T: THROTTLE frames received */
	MSGPIPE_STAT_RDM_RX_ITEMS,	/* T: RDM items delivered to sockets */
	MSGPIPE_STAT_RDM_RX_READ,	/* T: RDM items read */
	MSGPIPE_STAT_RDM_RX_DUPS,	/* T: RDM batches received twice */
	MSGPIPE_STAT_RDM_RX_OVERFLOWS,	/* T: RDM batches not taken: queue full */
	MSGPIPE_STAT_IOC_POSTS,		/* T: messages sent by MSGPIPE_IOC_POST */
	MSGPIPE_STAT_IOC_SENDFILES,	/* T: messages sent by MSGPIPE_IOC_SENDFILE */
	MSGPIPE_STAT_SENDFILE_BYTES,	/* T: their bytes */
	MSGPIPE_STAT_ABORTS_SENT,	/* T: aborts for DATA to closed sessions */
	MSGPIPE_STAT_RDM_RX_REFUSED,	/* T: RDM batches for a port without socket */
	MSGPIPE_STAT_HS_DONE,		/* T: connections admitted after a TLS handshake */
	MSGPIPE_STAT_HS_FAILED,		/* T: TLS handshakes failed (no daemon, timeout, refused) */
	MSGPIPE_STAT_INSECURE_REFUSED,	/* T: plain connections refused: security required */
	MSGPIPE_STAT_RX_LINEAR_COPIES,	/* T: payloads copied to be parsed (pages not contiguous) */
	MSGPIPE_STAT_RDM_STAGE_ALLOCS,	/* T: RDM stage pages allocated */
	MSGPIPE_STAT_RDM_STAGE_REUSES,	/* T: RDM stage pages used again */
	MSGPIPE_STAT_RDM_PAGE_REUSES,	/* T: RDM batch pages used again */
	MSGPIPE_STAT_NR,
};

/**
 * struct msgpipe_stats - one CPU's share of a namespace's counters
 * @v: by enum msgpipe_stat; a gauge is the sum over the CPUs
 */
struct msgpipe_stats {
	s64 v[MSGPIPE_STAT_NR];
};

static inline void msgpipe_stat_add(struct msgpipe_net *mn,
				    enum msgpipe_stat s, s64 v)
{
	this_cpu_add(mn->stats->v[s], v);
}

static inline void msgpipe_stat_inc(struct msgpipe_net *mn,
				    enum msgpipe_stat s)
{
	this_cpu_inc(mn->stats->v[s]);
}

static inline void msgpipe_stat_dec(struct msgpipe_net *mn,
				    enum msgpipe_stat s)
{
	this_cpu_dec(mn->stats->v[s]);
}

extern unsigned int msgpipe_fail_repin;
extern unsigned int msgpipe_stall_delack_ms;

/* Take one shot of a fault-injection counter, if it has any left. */
static inline bool msgpipe_fault_take(unsigned int *shots)
{
	unsigned int v = READ_ONCE(*shots);

	while (v)
		if (try_cmpxchg(shots, &v, v - 1))
			return true;
	return false;
}

const char *msgpipe_stat_name(int i);
s64 msgpipe_stat_read(struct msgpipe_net *mn, int i);
int msgpipe_stats_net_init(struct msgpipe_net *mn);
void msgpipe_stats_net_exit(struct msgpipe_net *mn);
int msgpipe_stats_init(void);
void msgpipe_stats_exit(void);

#endif /* _MSGPIPE_STATS_H */
