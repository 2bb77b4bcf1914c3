// SPDX-License-Identifier: GPL-2.0
/*
 * The descriptor-chain walker: validation of a chain the host built and the
 * iteration over a byte range of it in page-sized segments, which is how the
 * agent reaches payload. Portable, like wire.c.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifdef __KERNEL__
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/kernel.h>
#include <linux/mm.h>
#else
#include "test/kcompat.h"
#endif
#include <msgpipe/desc.h>

/**
 * msgpipe_desc_span() - pages covered by @size bytes starting at @page_off
 * @page_off: offset in the first page
 * @size:     number of bytes
 *
 * Return: the number of pages, 0 for an empty range.
 */
unsigned int msgpipe_desc_span(u32 page_off, u32 size)
{
	if (!size)
		return 0;
	return (unsigned int)(((u64)page_off + size + PAGE_SIZE - 1) >> PAGE_SHIFT);
}
EXPORT_SYMBOL_GPL(msgpipe_desc_span);

/**
 * msgpipe_chain_validate() - check a descriptor chain before walking it
 * @d:     the first descriptor
 * @total: set to the number of bytes in the chain
 *
 * A chain is valid when it is non-empty, has at most MSGPIPE_CHAIN_MAX_DESCS
 * descriptors (which also rejects a looped chain), every descriptor has
 * bytes, known flags, pages that cover exactly its bytes, and sequence
 * numbers that continue one another; only the last has MSGPIPE_DESC_F_EOP.
 *
 * Return: 0 or -EINVAL.
 */
int msgpipe_chain_validate(const struct msgpipe_desc *d, u64 *total)
{
	unsigned int n = 0;
	u64 sum = 0;

	if (!d)
		return -EINVAL;
	for (; d; d = d->link) {
		if (++n > MSGPIPE_CHAIN_MAX_DESCS)
			return -EINVAL;
		if (!d->size || !d->pages || d->page_off >= PAGE_SIZE ||
		    (d->flags & ~MSGPIPE_DESC_F_ALL))
			return -EINVAL;
		if (d->nr_pages != msgpipe_desc_span(d->page_off, d->size))
			return -EINVAL;
		if (d->link && (d->link->seq != d->seq + d->size ||
				(d->flags & MSGPIPE_DESC_F_EOP)))
			return -EINVAL;
		sum += d->size;
	}
	*total = sum;
	return 0;
}
EXPORT_SYMBOL_GPL(msgpipe_chain_validate);

/**
 * msgpipe_chain_walk() - visit the pages holding bytes [@off, @off + @len)
 * @d:   first descriptor of a chain that passed msgpipe_chain_validate()
 * @off: offset of the first byte, counted from the start of the chain
 * @len: number of bytes
 * @fn:  called once per segment; a segment never crosses a page
 * @ctx: passed to @fn
 *
 * Return: 0; -EINVAL if the range runs past the chain; or @fn's error.
 */
int msgpipe_chain_walk(const struct msgpipe_desc *d, u64 off, u64 len,
		       msgpipe_chain_fn fn, void *ctx)
{
	while (d && off >= d->size) {
		off -= d->size;
		d = d->link;
	}
	while (len) {
		u64 pos, left;

		if (!d)
			return -EINVAL;
		pos = d->page_off + off;
		left = d->size - off;
		while (left && len) {
			unsigned int poff = pos & (PAGE_SIZE - 1);
			unsigned int seg = PAGE_SIZE - poff;
			int err;

			if (seg > left)
				seg = left;
			if (seg > len)
				seg = len;
			err = fn(ctx, d->pages[pos >> PAGE_SHIFT], poff, seg);
			if (err)
				return err;
			pos += seg;
			left -= seg;
			len -= seg;
		}
		off = 0;
		d = d->link;
	}
	return 0;
}
EXPORT_SYMBOL_GPL(msgpipe_chain_walk);
