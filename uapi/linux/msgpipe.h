/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * msgpipe socket API: AF_MSGPIPE sockets carry reliable, ordered messages
 * of up to MSGPIPE_MAX_MSG bytes between hosts over pipes of TCP connections.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _UAPI_LINUX_MSGPIPE_H
#define _UAPI_LINUX_MSGPIPE_H

#include <linux/types.h>
#include <linux/socket.h>

/**
 * AF_MSGPIPE - address family number used by default.
 *
 * Linux refuses families >= AF_MAX (46 on 6.1 and later), and every number
 * below it is named, so an out-of-tree family must reuse a number no kernel
 * implements. msgpipe takes 18, the historical AF_ASH: never implemented in
 * Linux, mapped to the generic "socket" class by SELinux, and accepted by
 * trinity's --domain ASH. If a kernel already registers 18, loading msgpipe.ko
 * fails with EEXIST and says so in the kernel log; load it with
 * "family=N" to move it. User space learns the family in use from
 * /sys/module/msgpipe/parameters/family (see msgpipe_family() below).
 */
#define AF_MSGPIPE	18
#define PF_MSGPIPE	AF_MSGPIPE

/** MSGPIPE_FAMILY_PATH - where the loaded module publishes its family. */
#define MSGPIPE_FAMILY_PATH	"/sys/module/msgpipe/parameters/family"

/** MSGPIPE_MAX_MSG - the largest message one sendmsg() may carry (1 GiB). */
#define MSGPIPE_MAX_MSG		0x40000000U

/** MSGPIPE_TCP_PORT - default TCP port of the pipe listener in a netns. */
#define MSGPIPE_TCP_PORT	7460

/** MSGPIPE_PIPE_CONNS_MAX - the most TCP connections one pipe may have. */
#define MSGPIPE_PIPE_CONNS_MAX	1024

/**
 * struct sockaddr_msgpipe - address of an AF_MSGPIPE endpoint
 * @smp_family:   AF_MSGPIPE
 * @smp_port:     service port in host byte order; 0 in bind() picks none
 *                (a socket needs a port only to listen)
 * @smp_af:       AF_INET or AF_INET6: how to read @smp_addr
 * @smp_reserved: must be zero
 * @smp_scope_id: IPv6 scope (interface index) for link-local addresses
 * @smp_addr:     the host: an IPv4 address in the first 4 bytes (network
 *                byte order, rest zero) or an IPv6 address
 *
 * In bind() the host part must be the wildcard (all zero): a service port
 * is bound for the whole network namespace.
 */
struct sockaddr_msgpipe {
	__kernel_sa_family_t	smp_family;
	__u16			smp_port;
	__u16			smp_af;
	__u16			smp_reserved;
	__u32			smp_scope_id;
	__u8			smp_addr[16];
};

/*
 * Socket types: SOCK_SEQPACKET is a session with one peer (connect/accept);
 * SOCK_RDM sends batched, acknowledged items to many destinations without
 * a session (see "SOCK_RDM" below). The protocol argument must be 0.
 *
 * Messages: one sendmsg() is one message of 1 to MSGPIPE_MAX_MSG bytes.
 * recvmsg() returns bytes of one message at a time, never of two; MSG_EOR
 * is set in msg_flags on the call that returns the last byte of a message.
 * A reader with a small buffer therefore reads a large message in pieces.
 */

/**
 * SOL_MSGPIPE - setsockopt()/getsockopt() level of AF_MSGPIPE options, and
 * the cmsg level of completions read with recvmsg(MSG_ERRQUEUE).
 */
#define SOL_MSGPIPE		0x4d50

/* Options at SOL_MSGPIPE (int). */
#define MSGPIPE_NOTIFY		1	/* rw: a completion for every message */
#define MSGPIPE_UNACKED		2	/* ro: bytes sent, not acknowledged */
#define MSGPIPE_WINDOW		3	/* ro: bytes the peer's window allows */

/* cmsg type of a completion (struct sock_extended_err). */
#define MSGPIPE_RECVERR		1

/*
 * Completions: a message sent with MSG_ZEROCOPY, every message when
 * MSGPIPE_NOTIFY is set, and every message that fails after sendmsg()
 * returned, completes on the socket's error queue once the peer host
 * acknowledged it (or it failed). Like MSG_ZEROCOPY: ee_origin is
 * SO_EE_ORIGIN_ZEROCOPY, [ee_info, ee_data] the inclusive range of message
 * numbers (the Nth successful sendmsg() of the socket is message N, modulo
 * 2^32), ee_errno 0 or the error of all of them (EFAULT: a zero-copy
 * buffer was unmapped or changed before it was sent again; ETIMEDOUT,
 * ECONNRESET), ee_code SO_EE_CODE_ZEROCOPY_COPIED when the host copied the
 * bytes. Until its completion a MSG_ZEROCOPY buffer belongs to the kernel.
 * A sender that leaves many completions unread is throttled.
 */

/*
 * SOCK_RDM: reliable datagrams to many destinations, batched (seed 003).
 *
 * One sendmsg() is one transmission item: its bytes (1 to
 * MSGPIPE_RDM_ITEM_MAX, gathered from the iovec) go to every destination
 * it names, msg_name for one or a MSGPIPE_CM_DESTS control message for up
 * to MSGPIPE_RDM_DESTS_MAX (not both). sendmsg() copies the bytes and
 * returns; it never waits for an acknowledgment (only, without
 * MSG_DONTWAIT, for room when SO_SNDBUF bytes of items are in flight).
 * Item ids count successful sendmsg() calls of the socket from 1.
 *
 * Items collect in the socket's active batch until a trigger closes it:
 * MSGPIPE_RDM_TIME_US after its first item, MSGPIPE_RDM_SIZE bytes (0: every
 * item is sent at once, unbatched), an item with MSGPIPE_ITEM_PRIORITY, or
 * shutdown()/close(). The items are then split per destination; each
 * destination's share goes as BATCH frames named by 128-bit GUIDs on the
 * pipe to its host. The receiving host queues them on the socket bound to
 * the destination port (recvmsg(): one item per call, msg_name the origin,
 * MSG_TRUNC when cut) and acknowledges the GUIDs, batched per origin host.
 * A batch not acknowledged within MSGPIPE_RDM_RETRY_MS is sent again, up
 * to MSGPIPE_RDM_RETRIES times; then it fails for that destination with
 * ETIMEDOUT (ECONNREFUSED at once if no socket is bound there). Receivers
 * drop batches they already delivered: each item arrives exactly once.
 *
 * When every destination of an item answered, its completion is queued on
 * the error queue: recvmsg(MSG_ERRQUEUE) returns 0 bytes and one cmsg of
 * level SOL_MSGPIPE, type MSGPIPE_RDM_DONE, holding as many records as fit
 * (at least one, else ENOBUFS): struct msgpipe_rdm_done followed by
 * @ndest __s32 statuses (0 or -errno, in the item's destination order),
 * padded to 8 bytes. POLLERR says completions wait.
 */

/** MSGPIPE_RDM_ITEM_MAX - the largest item one sendmsg() may carry. */
#define MSGPIPE_RDM_ITEM_MAX	0x10000U
/** MSGPIPE_RDM_DESTS_MAX - the most destinations of one item. */
#define MSGPIPE_RDM_DESTS_MAX	4096

/* cmsg types at SOL_MSGPIPE for sendmsg() on SOCK_RDM. */
#define MSGPIPE_CM_DESTS	2	/* struct sockaddr_msgpipe[] */
#define MSGPIPE_CM_ITEM		3	/* struct msgpipe_item_opts */

/* struct msgpipe_item_opts flags. */
#define MSGPIPE_ITEM_PRIORITY	0x1	/* close the batch now */

/**
 * struct msgpipe_item_opts - per-item options (cmsg MSGPIPE_CM_ITEM)
 * @flags:  MSGPIPE_ITEM_*
 * @pad:    must be zero
 * @cookie: echoed in the item's completion
 */
struct msgpipe_item_opts {
	__u32	flags;
	__u32	pad;
	__u64	cookie;
};

/* cmsg type of RDM completions (recvmsg(MSG_ERRQUEUE)). */
#define MSGPIPE_RDM_DONE	4

/**
 * struct msgpipe_rdm_done - completion of one transmission item
 * @id:      the item's id
 * @cookie:  from its MSGPIPE_CM_ITEM, else 0
 * @ndest:   destinations; this many __s32 statuses follow
 * @nfailed: how many of them failed
 */
struct msgpipe_rdm_done {
	__u64	id;
	__u64	cookie;
	__u32	ndest;
	__u32	nfailed;
	__s32	status[];
};

/* Options at SOL_MSGPIPE for SOCK_RDM (int); defaults: the namespace's. */
#define MSGPIPE_RDM_TIME_US	4	/* rw: close a batch this long after its first item */
#define MSGPIPE_RDM_SIZE	5	/* rw: ... or at this many bytes (0: at once) */
#define MSGPIPE_RDM_RETRY_MS	6	/* rw: resend an unacknowledged batch after */
#define MSGPIPE_RDM_RETRIES	7	/* rw: resends before ETIMEDOUT */
#define MSGPIPE_RDM_RX_TIME_US	8	/* rw: deliver received batches after ... */
#define MSGPIPE_RDM_RX_SIZE	9	/* rw: ... or at this many bytes */
#define MSGPIPE_RDM_THROTTLE_MS	10	/* rw: ask senders to pause this long per batch */
#define MSGPIPE_RDM_PENDING	11	/* ro: items not yet completed */

#endif /* _UAPI_LINUX_MSGPIPE_H */
