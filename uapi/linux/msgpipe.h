/* SPDX-License-Identifier: GPL-2.0 WITH Linux-syscall-note */
/*
 * msgpipe socket API: AF_MSGPIPE sockets carry reliable, ordered messages
 * of up to MSGPIPE_MAX_MSG bytes between hosts over pipes of TCP connections.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _UAPI_LINUX_MSGPIPE_H
#define _UAPI_LINUX_MSGPIPE_H

#include <linux/ioctl.h>
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
 * bytes. Until its completion a MSG_ZEROCOPY buffer belongs to the kernel:
 * bytes written into it meanwhile may fail that message with EFAULT (or
 * arrive, if they were written before they were read), never another
 * session's.
 * A sender that leaves many completions unread is throttled. A failed
 * message whose record finds no memory sets the socket's error (SO_ERROR)
 * instead.
 */

/*
 * ioctls on SOCK_SEQPACKET sessions, for backup tools and others that keep
 * many messages in flight without a thread per message.
 *
 * MSGPIPE_IOC_REG pins [addr, addr + len) read-only, charged to the
 * caller's RLIMIT_MEMLOCK (CAP_IPC_LOCK exempts), and returns its region
 * id (1..); MSGPIPE_IOC_DEREG unpins it (messages in flight keep the
 * pages they use). Regions die with the socket. A REG that fails (EFAULT
 * when the id cannot be written back) registers nothing: its id is not
 * usable, not even by a DEREG racing with it (ENOENT).
 *
 * MSGPIPE_IOC_POST sends one message gathered from a chain of segments:
 * segs[0], then segs[link - 1] while link is not 0; every segment of the
 * array must be on the chain once. A segment names bytes of a region
 * (region id, offset) or of the address space (region 0, addr). The
 * message is sent zero-copy: the bytes belong to the kernel until its
 * completion. POST never blocks: EAGAIN when the message does not fit the
 * send queue or the peer's window now, or when MSGPIPE_IOC_CQ_MAX
 * messages posted this way are not reaped yet.
 *
 * MSGPIPE_IOC_SENDFILE sends bytes [offset, offset + len) of a regular
 * file open for reading as one message, read in the kernel (never copied
 * through user space); it waits for room unless MSGPIPE_SF_DONTWAIT is
 * set or the socket is non-blocking. MSGPIPE_IOC_SENDFILES sends ranges of
 * up to MSGPIPE_SENDFILES_MAX files, in order, as one message: many small
 * files for the cost of one.
 *
 * Messages of POST and SENDFILE complete with their cookie, not on the
 * error queue: MSGPIPE_IOC_REAP waits up to timeout_ms (-1: no limit; 0:
 * do not wait) for at least one completion and returns up to max of them
 * in entries (count says how many): status 0 when the peer host acknowledged
 * the whole message, else -errno (ECONNRESET, ETIMEDOUT, EFAULT, EIO
 * when the file shrank), bytes what the message carried. POLLERR is not
 * raised for them; POLLIN is not either: poll by REAP with timeout 0.
 * A REAP that fails with EFAULT (entries or count not writable) takes no
 * completion: they stay queued, in order, for the next REAP.
 *
 * MSGPIPE_IOC_STATE reads the session's queue and window state.
 *
 * The arguments have one layout for 64-bit and 32-bit processes (user
 * addresses in __u64, cast through uintptr_t): a 32-bit process uses the
 * same ioctls.
 *
 * Example: send a buffer and a file, then wait for both.
 *
 *	struct msgpipe_region r = { .addr = (__u64)buf, .len = 1 << 20 };
 *	ioctl(fd, MSGPIPE_IOC_REG, &r);
 *	struct msgpipe_seg s[2] = {
 *		{ .region = r.id, .offset = 0, .len = 4096, .link = 2 },
 *		{ .region = r.id, .offset = 65536, .len = 100 },
 *	};
 *	struct msgpipe_post p = { .segs = (__u64)s, .nsegs = 2, .cookie = 1 };
 *	while (ioctl(fd, MSGPIPE_IOC_POST, &p) && errno == EAGAIN)
 *		reap(fd);	// MSGPIPE_IOC_REAP with a timeout
 *	struct msgpipe_sendfile f = { .fd = file, .len = size, .cookie = 2 };
 *	ioctl(fd, MSGPIPE_IOC_SENDFILE, &f);
 *	struct msgpipe_completion c[2];
 *	struct msgpipe_reap rp = { .entries = (__u64)c, .max = 2,
 *				   .timeout_ms = -1 };
 *	for (n = 0; n < 2; n += rp.count)
 *		ioctl(fd, MSGPIPE_IOC_REAP, &rp);
 *	ioctl(fd, MSGPIPE_IOC_DEREG, &r.id);
 */

/**
 * struct msgpipe_region - a memory region to pin (MSGPIPE_IOC_REG)
 * @addr:  its first byte
 * @len:   bytes, 1..MSGPIPE_REGION_MAX
 * @flags: 0
 * @id:    out: the region's id
 */
struct msgpipe_region {
	__u64	addr;
	__u64	len;
	__u32	flags;
	__u32	id;
};

#define MSGPIPE_REGION_MAX	0x100000000ULL	/* 4 GiB */
#define MSGPIPE_REGIONS_MAX	256	/* per socket */

/**
 * struct msgpipe_seg - one segment of a posted message
 * @addr:   region 0: the user address of the first byte
 * @offset: otherwise: offset of the first byte in the region
 * @len:    bytes, at least 1
 * @region: a region id, or 0 for a plain address
 * @link:   index + 1 of the next segment in the array, 0 at the end
 */
struct msgpipe_seg {
	union {
		__u64	addr;
		__u64	offset;
	};
	__u64	len;
	__u32	region;
	__u32	link;
};

#define MSGPIPE_POST_SEGS_MAX	64

/**
 * struct msgpipe_post - a message to send (MSGPIPE_IOC_POST)
 * @segs:   user pointer to struct msgpipe_seg[@nsegs]
 * @nsegs:  1..MSGPIPE_POST_SEGS_MAX
 * @flags:  0
 * @cookie: returned in the message's completion
 */
struct msgpipe_post {
	__u64	segs;
	__u32	nsegs;
	__u32	flags;
	__u64	cookie;
};

/**
 * struct msgpipe_sendfile - a file range to send (MSGPIPE_IOC_SENDFILE)
 * @fd:     a regular file open for reading
 * @flags:  MSGPIPE_SF_DONTWAIT
 * @offset: first byte
 * @len:    bytes, 1..MSGPIPE_MAX_MSG, all within the file
 * @cookie: returned in the message's completion
 */
struct msgpipe_sendfile {
	__s32	fd;
	__u32	flags;
	__u64	offset;
	__u64	len;
	__u64	cookie;
};

#define MSGPIPE_SF_DONTWAIT	0x1	/* EAGAIN rather than wait for room */

/**
 * struct msgpipe_file_range - bytes of a file (MSGPIPE_IOC_SENDFILES)
 * @fd:     a regular file open for reading
 * @pad:    0
 * @offset: first byte
 * @len:    bytes, at least 1, all within the file
 */
struct msgpipe_file_range {
	__s32	fd;
	__u32	pad;
	__u64	offset;
	__u64	len;
};

#define MSGPIPE_SENDFILES_MAX	256

/**
 * struct msgpipe_sendfiles - file ranges sent as one message
 *                            (MSGPIPE_IOC_SENDFILES)
 * @ranges:  user pointer to struct msgpipe_file_range[@nranges], in order
 * @nranges: 1..MSGPIPE_SENDFILES_MAX
 * @flags:   MSGPIPE_SF_DONTWAIT
 * @cookie:  returned in the message's completion
 */
struct msgpipe_sendfiles {
	__u64	ranges;
	__u32	nranges;
	__u32	flags;
	__u64	cookie;
};

/**
 * struct msgpipe_completion - the completion of a posted message
 * @cookie: the post's
 * @status: 0 or -errno
 * @pad:    0
 * @bytes:  the message's length
 */
struct msgpipe_completion {
	__u64	cookie;
	__s32	status;
	__u32	pad;
	__u64	bytes;
};

#define MSGPIPE_IOC_CQ_MAX	4096	/* posted, not reaped, per socket */

/**
 * struct msgpipe_reap - collect completions (MSGPIPE_IOC_REAP)
 * @entries:    user pointer to struct msgpipe_completion[@max]
 * @max:        1..MSGPIPE_IOC_CQ_MAX
 * @timeout_ms: wait this long for the first one; -1 without limit
 * @count:      out: completions returned
 * @flags:      0
 */
struct msgpipe_reap {
	__u64	entries;
	__u32	max;
	__s32	timeout_ms;
	__u32	count;
	__u32	flags;
};

/**
 * struct msgpipe_state - a session's queues (MSGPIPE_IOC_STATE)
 * @state:         the session state (as msgpipectl shows it, 0 = closed)
 * @regions:       regions registered
 * @unacked_bytes: bytes sent and not acknowledged by the peer host
 * @window_bytes:  bytes the peer's window allows now
 * @window_msgs:   messages the peer's window allows now
 * @sndbuf:        the send queue's size (SO_SNDBUF)
 * @posted:        posted messages not completed
 * @completed:     completions waiting for REAP
 * @rx_unread:     received bytes not read yet
 */
struct msgpipe_state {
	__u32	state;
	__u32	regions;
	__u64	unacked_bytes;
	__u64	window_bytes;
	__u64	window_msgs;
	__u64	sndbuf;
	__u32	posted;
	__u32	completed;
	__u64	rx_unread;
};

#define MSGPIPE_IOC_MAGIC	0xe4
#define MSGPIPE_IOC_REG		_IOWR(MSGPIPE_IOC_MAGIC, 1, struct msgpipe_region)
#define MSGPIPE_IOC_DEREG	_IOW(MSGPIPE_IOC_MAGIC, 2, __u32)
#define MSGPIPE_IOC_POST	_IOW(MSGPIPE_IOC_MAGIC, 3, struct msgpipe_post)
#define MSGPIPE_IOC_SENDFILE	_IOW(MSGPIPE_IOC_MAGIC, 4, struct msgpipe_sendfile)
#define MSGPIPE_IOC_REAP	_IOWR(MSGPIPE_IOC_MAGIC, 5, struct msgpipe_reap)
#define MSGPIPE_IOC_STATE	_IOR(MSGPIPE_IOC_MAGIC, 6, struct msgpipe_state)
#define MSGPIPE_IOC_SENDFILES	_IOW(MSGPIPE_IOC_MAGIC, 7, struct msgpipe_sendfiles)

/*
 * SOCK_RDM: reliable datagrams to many destinations, batched.
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
 * @ndest __s32 statuses (0 or -errno, the i-th for the i-th destination
 * given in MSGPIPE_CM_DESTS),
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
