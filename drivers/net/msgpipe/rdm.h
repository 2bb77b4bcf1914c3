/* SPDX-License-Identifier: GPL-2.0 */
/*
 * SOCK_RDM: batched, acknowledged transfers to many
 * destinations. The objects a sending socket tracks (items, destinations,
 * batches) and what a receiving socket holds (received batches, the
 * GUIDs it already delivered).
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_RDM_H
#define _MSGPIPE_RDM_H

#include <linux/bits.h>
#include <linux/hashtable.h>
#include <linux/list.h>
#include <linux/mutex.h>
#include <linux/refcount.h>
#include <linux/spinlock.h>
#include <linux/workqueue.h>
#include "msgpipe.h"

/* Acknowledged batches that start the cleanup at once. */
#define MSGPIPE_RDM_ACKS_TRIGGER	256
/* A closed socket gives up what is not acknowledged this long after. */
#define MSGPIPE_RDM_ORPHAN_MS		10000
/* Receiver: GUIDs remembered at most, per socket. */
#define MSGPIPE_RDM_DEDUP_MAX		BIT(20)

/* Ranges of the tunables (setsockopt and netlink defaults). */
#define MSGPIPE_RDM_TIME_MAX		10000000	/* us */
#define MSGPIPE_RDM_SIZE_MAX		(64U << 20)
#define MSGPIPE_RDM_RETRY_MIN		10		/* ms */
#define MSGPIPE_RDM_RETRY_MAX		600000
#define MSGPIPE_RDM_RETRIES_MAX		100
#define MSGPIPE_RDM_NR_TUN		7

/**
 * struct msgpipe_rdm_tunable - one tunable of SOCK_RDM sockets
 * @optname: its SOL_MSGPIPE option
 * @offset:  its field in struct msgpipe_rdm_tun
 * @min:     smallest value
 * @max:     largest value
 */
struct msgpipe_rdm_tunable {
	int	optname;
	size_t	offset;
	u32	min;
	u32	max;
};

extern const struct msgpipe_rdm_tunable msgpipe_rdm_tunables[MSGPIPE_RDM_NR_TUN];
extern struct proto_ops msgpipe_rdm_ops;
int msgpipe_rdm_tun_set(struct msgpipe_rdm_tun *t, unsigned int idx, u64 val);

struct msgpipe_rdm_stage;

/**
 * struct msgpipe_rdm_item - one transmission item (one sendmsg())
 * @node:    in the active or closed element, then in @rdm->done
 * @id:      the Nth sendmsg() of the socket
 * @cookie:  the application's, from MSGPIPE_CM_ITEM
 * @len:     bytes of @data
 * @flags:   MSGPIPE_ITEM_*
 * @ndest:   destinations
 * @pending: destinations that have not answered, plus one while the
 *           split still needs @data
 * @nfailed: destinations that failed
 * @data:    the bytes, copied at sendmsg(); given up once split into
 *           batches
 * @stage:   the stage page holding @data (an item of up to a page), or
 *           NULL: @data is its own allocation
 * @dests:   the destinations, in the item's own allocation
 * @status:  per destination: 0 or -errno, valid once answered
 */

struct msgpipe_rdm_item {
	struct list_head	node;
	u64			id;
	u64			cookie;
	u32			len;
	u32			flags;
	u32			ndest;
	u32			pending;
	u32			nfailed;
	void			*data;
	struct msgpipe_rdm_stage *stage;
	struct sockaddr_msgpipe	*dests;
	s32			status[];
};

/**
 * struct msgpipe_rdm_ref - an item in a batch
 * @item: the item; it stays until every destination answered
 * @idx:  which of its destinations the batch goes to
 */
struct msgpipe_rdm_ref {
	struct msgpipe_rdm_item	*item;
	u32			idx;
};

struct msgpipe_rdm;

/**
 * struct msgpipe_rdm_dest - a destination of an RDM socket
 * @hnode:    in @rdm->dests
 * @rdm:      its socket
 * @addr:     host and port
 * @pipe:     the pipe to the host, used (msgpipe_pipe_use()), or NULL
 * @queue:    batches built and not sent yet
 * @unacked:  batches sent and not acknowledged
 * @work:     opens the pipe and sends @queue; holds a sock reference
 *            while queued
 * @opening:  @work is opening the pipe, with the mutex dropped
 * @nr_new:   split: references still to place in its batches
 * @build:    split: the batch being filled
 */
struct msgpipe_rdm_dest {
	struct hlist_node	hnode;
	struct msgpipe_rdm	*rdm;
	struct sockaddr_msgpipe	addr;
	struct msgpipe_pipe	*pipe;
	struct list_head	queue;
	struct list_head	unacked;
	struct delayed_work	work;
	bool			opening;
	u32			nr_new;
	struct msgpipe_rdm_batch *build;
};

/**
 * struct msgpipe_rdm_batch - the items of one destination, one GUID
 * @node:     in its destination's @queue or @unacked
 * @ack_node: in @rdm->acks once acknowledged
 * @hnode:    in the engine's GUID table while it may be acknowledged
 * @hashed:   in that table (under the engine's guid_lock)
 * @acked:    its acknowledgment took it out (under guid_lock)
 * @dest:     its destination
 * @guid_hi:  GUID, high half: the engine's random id; set at the first send
 * @guid_lo:  low half: a keyed hash of the engine's counter
 * @status:   set by the acknowledgment: 0 or -errno
 * @attempts: times sent (or tried)
 * @next:     jiffies of the next resend
 * @queued:   copies posted whose TX_DONE has not come: the retry clock
 *            waits for the copy to leave
 * @left:     jiffies of the last copy's TX_DONE (or post)
 * @len:      payload bytes
 * @nr_items: entries in @refs
 * @nr_pages: pages of the payload
 * @pages:    the payload, struct msgpipe_batch_item records
 * @refs:     the items
 */
struct msgpipe_rdm_batch {
	struct list_head	node;
	struct list_head	ack_node;
	struct hlist_node	hnode;
	bool			hashed;
	bool			acked;
	struct msgpipe_rdm_dest	*dest;
	u64			guid_hi;
	u64			guid_lo;
	int			status;
	u32			attempts;
	unsigned long		next;
	atomic_t		queued;
	unsigned long		left;
	u32			len;
	u32			nr_items;
	u32			nr_pages;
	struct page		**pages;
	struct msgpipe_rdm_ref	refs[];
};

/**
 * struct msgpipe_rdm_rxbatch - a batch received by an RDM socket
 * @mn:      the receiving namespace (its counters)
 * @node:    in @rdm->rx_active, then @rdm->rxq
 * @pipe:    where it came from (holds a reference) until acknowledged
 * @guid_hi: its GUID
 * @guid_lo:
 * @origin:  the sending socket: host and port
 * @dup:     already delivered: only acknowledged again
 * @prio:    it holds a priority item
 * @len:     payload bytes
 * @nr_items: items in it
 * @cursor:  where the next item to read starts in @data
 * @buf:     the payload's pages
 * @data:    the payload, validated: @buf's pages read in place, or @copy
 * @copy:    a linear copy of @buf, when its pages are not contiguous
 */
struct msgpipe_rdm_rxbatch {
	struct msgpipe_net	*mn;
	struct list_head	node;
	struct msgpipe_pipe	*pipe;
	u64			guid_hi;
	u64			guid_lo;
	struct sockaddr_msgpipe	origin;
	bool			dup;
	bool			prio;
	u32			len;
	u32			nr_items;
	u32			cursor;
	struct msgpipe_rxbuf	*buf;
	const u8		*data;
	void			*copy;
};

/**
 * struct msgpipe_rdm_seen - a GUID this socket delivered
 * @hnode:   in @rdm->seen
 * @node:    in @rdm->seen_fifo, oldest first
 * @guid_hi: the GUID
 * @guid_lo:
 * @expires: jiffies after which the origin resends it no more
 */
struct msgpipe_rdm_seen {
	struct hlist_node	hnode;
	struct list_head	node;
	u64			guid_hi;
	u64			guid_lo;
	unsigned long		expires;
};

/**
 * struct msgpipe_rdm - what an RDM socket holds
 * @msk:         its socket
 * @mn:          its namespace (its counters); the freeing work holds it
 * @mutex:       the sending side: items, destinations, batches
 * @lock:        the active elements, the ack list, completions, the
 *               receive side; nests inside @mutex
 * @tun:         tunables (under @lock, read with READ_ONCE)
 * @next_id:     id of the next item
 * @active:      the active tracking element: items not yet split
 * @active_bytes: their bytes
 * @closed:      closed elements waiting for the split
 * @flush_work:  the time trigger: closes the active element
 * @split_work:  splits closed elements per destination and sends
 * @dests:       destinations by address
 * @nr_dests:    how many
 * @nr_batches:  batches queued or unacknowledged
 * @inflight:    bytes of items not completed (bounded by SO_SNDBUF)
 * @pending:     items not completed
 * @acks:        acknowledged batches for the cleanup (the ack list)
 * @nr_acks:     how many
 * @cleanup_work: the ack list's trigger: completes what they finish
 * @retry_work:  resends or fails batches not acknowledged in time
 * @done:        completed items not yet read from the error queue
 * @done_bytes:  their completion records' size (also bounded)
 * @rx_active:   the active receive element
 * @rx_active_bytes: its bytes
 * @rx_work:     the receive element's trigger: delivers and acknowledges
 * @rxq:         delivered batches with items left to read
 * @rxq_bytes:   bytes of those items (bounded by SO_RCVBUF)
 * @seen:        GUIDs delivered, for duplicates
 * @seen_fifo:   the same, oldest first
 * @nr_seen:     how many
 * @orphan:      the socket was closed: completions are dropped
 * @orphan_deadline: jiffies after which a closed socket gives up
 * @shut:        shutdown(SHUT_WR) or close(): no more items
 * @stage:       the page items' bytes are being carved from (rdm_stage.c)
 * @spares:      stage pages with no item, for the next ones
 * @nr_spares:   how many
 * @spare_pages: pages of ended batches, for the next ones
 * @nr_spare_pages: how many
 * @free_work:   frees this once the sock is gone
 */
struct msgpipe_rdm {
	struct msgpipe_sock	*msk;
	struct msgpipe_net	*mn;
	struct mutex		mutex;		/* see @mutex */
	spinlock_t		lock;		/* see @lock */
	struct msgpipe_rdm_tun	tun;
	u64			next_id;
	struct list_head	active;
	u32			active_bytes;
	struct list_head	closed;
	struct delayed_work	flush_work;
	struct work_struct	split_work;
	DECLARE_HASHTABLE(dests, 8);
	u32			nr_dests;
	u32			nr_batches;
	u64			inflight;
	u32			pending;
	struct list_head	acks;
	u32			nr_acks;
	struct delayed_work	cleanup_work;
	struct delayed_work	retry_work;
	struct list_head	done;
	u64			done_bytes;
	struct list_head	rx_active;
	u32			rx_active_bytes;
	struct delayed_work	rx_work;
	struct list_head	rxq;
	u64			rxq_bytes;
	DECLARE_HASHTABLE(seen, 10);
	struct list_head	seen_fifo;
	u32			nr_seen;
	bool			orphan;
	unsigned long		orphan_deadline;
	bool			shut;
	struct msgpipe_rdm_stage *stage;
	struct list_head	spares;
	u32			nr_spares;
	struct list_head	spare_pages;
	u32			nr_spare_pages;
	struct work_struct	free_work;
};

/* rdm_tx.c */
struct msgpipe_rdm *msgpipe_rdm_alloc(struct msgpipe_sock *msk);
void msgpipe_rdm_close(struct msgpipe_sock *msk);
void msgpipe_rdm_flush(struct msgpipe_rdm *rdm);
int msgpipe_rdm_sendmsg_item(struct msgpipe_sock *msk, struct msghdr *msg,
			     size_t len);
int msgpipe_rdm_errqueue(struct msgpipe_sock *msk, struct msghdr *msg,
			 size_t len);
int msgpipe_rdm_rx_ack(struct msgpipe_pipe *pipe,
		       const struct msgpipe_frame *f,
		       struct msgpipe_rxbuf *buf);
int msgpipe_rdm_rx_throttle(struct msgpipe_pipe *pipe,
			    const struct msgpipe_frame *f);
bool msgpipe_rdm_unhash(struct msgpipe_net *mn,
			struct msgpipe_rdm_batch *b);
void msgpipe_rdm_tx_done(struct msgpipe_net *mn,
			 const struct msgpipe_frame *f);
void msgpipe_rdm_destruct(struct msgpipe_sock *msk);

/* rdm_stage.c */
void *msgpipe_rdm_stage_get(struct msgpipe_rdm *rdm, u32 len,
			    struct msgpipe_rdm_stage **sp);
void msgpipe_rdm_stage_put(struct msgpipe_rdm *rdm, struct msgpipe_rdm_stage *s);
void msgpipe_rdm_stage_release(struct msgpipe_rdm *rdm);
struct page *msgpipe_rdm_page_get(struct msgpipe_rdm *rdm);
void msgpipe_rdm_page_put(struct msgpipe_rdm *rdm, struct page *page);

/* rdm_rx.c */
int msgpipe_rdm_rx_batch(struct msgpipe_pipe *pipe,
			 const struct msgpipe_frame *f,
			 struct msgpipe_rxbuf *buf);
int msgpipe_rdm_recvmsg_item(struct msgpipe_sock *msk, struct msghdr *msg,
			     size_t len, int flags);
void msgpipe_rdm_rx_purge(struct msgpipe_rdm *rdm);
void msgpipe_rdm_rx_work(struct work_struct *work);
int msgpipe_rdm_post(struct msgpipe_pipe *pipe, struct msgpipe_sock *msk,
		     const struct msgpipe_frame *f, struct page **pages,
		     u32 nr_pages, u32 len);

#endif /* _MSGPIPE_RDM_H */
