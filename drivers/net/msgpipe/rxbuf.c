// SPDX-License-Identifier: GPL-2.0
/*
 * Receive buffers: the pages an agent fills with a received frame's
 * payload. A payload of more than one page comes in physically contiguous
 * pages when the allocator has them at once, so whoever parses it (BATCH,
 * BATCH_ACK) reads it in place instead of copying it to linear memory.
 *
 * Lifetime: a buffer belongs to the agent until msgpipe_agent_rx(), then
 * to the host, which frees it with msgpipe_rxbuf_free(). A view from
 * msgpipe_rxbuf_view() is valid while its buffer lives.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/gfp.h>
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>
#include "msgpipe.h"
#include "stats.h"

static bool msgpipe_rx_scatter;
module_param_named(rx_scatter, msgpipe_rx_scatter, bool, 0644);
MODULE_PARM_DESC(rx_scatter, "receive into scattered pages, never one block (testing)");

/* One block for the whole payload: order-0 pages, contiguous, or none. */
static bool msgpipe_rxbuf_alloc_block(struct msgpipe_rxbuf *buf,
				      unsigned int n)
{
	struct page *page;
	unsigned int i;
	void *p;

	/* No reclaim or retries for it: order-0 pages will do. */
	p = alloc_pages_exact(n * PAGE_SIZE,
			      GFP_KERNEL | __GFP_NORETRY | __GFP_NOWARN);
	if (!p)
		return false;
	page = virt_to_page(p);
	for (i = 0; i < n; i++)
		buf->pages[i] = page + i;
	buf->nr_pages = n;
	return true;
}

/**
 * msgpipe_rxbuf_alloc() - buffer for the payload of a received frame
 * @pipe: the host pipe it arrives on: its namespace counts the buffer
 * @len:  payload bytes, at most MSGPIPE_CHUNK_MAX
 *
 * Return: the buffer with @len set, or NULL.
 */
struct msgpipe_rxbuf *msgpipe_rxbuf_alloc(struct msgpipe_pipe *pipe, u32 len)
{
	unsigned int i, n = DIV_ROUND_UP(len, PAGE_SIZE);
	struct msgpipe_rxbuf *buf;

	if (!len || len > MSGPIPE_CHUNK_MAX)
		return NULL;
	buf = kmalloc(struct_size(buf, pages, n), GFP_KERNEL);
	if (!buf)
		return NULL;
	buf->mn = pipe->mn;
	buf->len = len;
	buf->nr_pages = 0;
	if (n == 1 || READ_ONCE(msgpipe_rx_scatter) ||
	    !msgpipe_rxbuf_alloc_block(buf, n)) {
		for (i = 0; i < n; i++) {
			buf->pages[i] = alloc_page(GFP_KERNEL);
			if (!buf->pages[i])
				break;
		}
		buf->nr_pages = i;
	}
	msgpipe_stat_inc(buf->mn, MSGPIPE_STAT_RX_BUFS);
	msgpipe_stat_add(buf->mn, MSGPIPE_STAT_RX_PAGES, buf->nr_pages);
	if (buf->nr_pages < n) {
		msgpipe_rxbuf_free(buf);
		return NULL;
	}
	return buf;
}
EXPORT_SYMBOL_GPL(msgpipe_rxbuf_alloc);

/**
 * msgpipe_rxbuf_free() - free a receive buffer
 * @buf: the buffer, or NULL
 */
void msgpipe_rxbuf_free(struct msgpipe_rxbuf *buf)
{
	unsigned int i;

	if (!buf)
		return;
	/* Pages of a block were split: each is freed on its own. */
	for (i = 0; i < buf->nr_pages; i++)
		__free_page(buf->pages[i]);
	msgpipe_stat_dec(buf->mn, MSGPIPE_STAT_RX_BUFS);
	msgpipe_stat_add(buf->mn, MSGPIPE_STAT_RX_PAGES, -(s64)buf->nr_pages);
	kfree(buf);
}
EXPORT_SYMBOL_GPL(msgpipe_rxbuf_free);

/**
 * msgpipe_rxbuf_view() - a received payload as linear bytes
 * @buf:  the payload
 * @copy: set to a kvmalloc'ed copy to kvfree() after use, or NULL
 *
 * Contiguous pages are read in place; others are copied.
 *
 * Return: the bytes (valid while @buf lives), or NULL out of memory.
 */
const void *msgpipe_rxbuf_view(const struct msgpipe_rxbuf *buf, void **copy)
{
	unsigned long pfn = page_to_pfn(buf->pages[0]);
	u32 i, off = 0;
	u8 *p;

	*copy = NULL;
	for (i = 1; i < buf->nr_pages; i++)
		if (page_to_pfn(buf->pages[i]) != pfn + i)
			break;
	if (i == buf->nr_pages && !PageHighMem(buf->pages[0]))
		return page_address(buf->pages[0]);

	p = kvmalloc(buf->len, GFP_KERNEL);
	if (!p)
		return NULL;
	for (i = 0; off < buf->len; i++) {
		u32 n = min_t(u32, buf->len - off, PAGE_SIZE);

		memcpy_from_page(p + off, buf->pages[i], 0, n);
		off += n;
	}
	msgpipe_stat_inc(buf->mn, MSGPIPE_STAT_RX_LINEAR_COPIES);
	*copy = p;
	return p;
}
