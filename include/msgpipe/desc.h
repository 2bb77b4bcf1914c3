/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Scatter descriptors: how the host describes a message's bytes to the
 * sending agent, and the portable walker both sides use over them.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_DESC_H
#define _MSGPIPE_DESC_H

#include <linux/types.h>

struct page;

/* Descriptor flags. */
#define MSGPIPE_DESC_F_EOP	0x0001	/* last descriptor of the message */
#define MSGPIPE_DESC_F_RETX	0x0002	/* re-posted for retransmission */
#define MSGPIPE_DESC_F_COPY	0x0004	/* pages are the host's own copy */
#define MSGPIPE_DESC_F_PINNED	0x0008	/* pages are user pages the host pinned */
#define MSGPIPE_DESC_F_ALL	0x000f

/* Bounds the agent relies on when it walks a chain. */
#define MSGPIPE_CHAIN_MAX_DESCS	4096

/**
 * struct msgpipe_desc - one scatter descriptor
 * @addr:     user virtual address the bytes live at in the owner's address
 *            space (what the host re-pins for a retransmission); 0 when the
 *            bytes are a host-owned copy (MSGPIPE_DESC_F_COPY)
 * @size:     number of bytes, at least 1
 * @flags:    MSGPIPE_DESC_F_*
 * @seq:      session stream sequence number of the first byte; the next
 *            descriptor of the chain starts at @seq + @size
 * @cookie:   opaque to the agent, echoed in completions
 * @link:     next descriptor of the same message, NULL at the end
 * @pages:    the pages the host pinned (or owns) for these bytes; the only
 *            way the agent may reach the data
 * @page_off: offset of the first byte in @pages[0], below PAGE_SIZE
 * @nr_pages: entries in @pages; exactly the pages @page_off + @size spans
 */
struct msgpipe_desc {
	__u64			addr;
	__u32			size;
	__u32			flags;
	__u64			seq;
	__u64			cookie;
	struct msgpipe_desc	*link;
	struct page		**pages;
	__u32			page_off;
	__u32			nr_pages;
};

/**
 * typedef msgpipe_chain_fn - called for each page segment of a chain range
 * @ctx:  the caller's context
 * @page: the page
 * @off:  offset in @page
 * @len:  bytes in this segment (never crosses a page)
 *
 * Return: 0 to go on, a negative errno to stop the walk with it.
 */
typedef int (*msgpipe_chain_fn)(void *ctx, struct page *page,
				unsigned int off, unsigned int len);

int msgpipe_chain_validate(const struct msgpipe_desc *d, __u64 *total);
int msgpipe_chain_walk(const struct msgpipe_desc *d, __u64 off, __u64 len,
		       msgpipe_chain_fn fn, void *ctx);
unsigned int msgpipe_desc_span(__u32 page_off, __u32 size);

#endif /* _MSGPIPE_DESC_H */
