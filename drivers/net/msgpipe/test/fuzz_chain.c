// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for chain.c: descriptor chains as a buggy or hostile
 * host (or a NIC driver's test) could build them — loops, gaps, sizes that
 * do not match their pages — go through msgpipe_chain_validate(), and the
 * ones it accepts are walked over a fuzzed range. Every page array is
 * allocated to its exact length, so a walk that strays reads out of
 * bounds under ASan; the walk must also cover exactly the bytes asked.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <stdlib.h>
#include "kcompat.h"
#include <msgpipe/desc.h>

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

#define NDESC 16

struct walk {
	u64 bytes;
};

static int seg(void *ctx, struct page *page, unsigned int off,
	       unsigned int len)
{
	struct walk *w = ctx;

	if (!page || !len || off + len > PAGE_SIZE)
		abort();
	w->bytes += len;
	return 0;
}

static u32 take(const u8 **p, size_t *left, unsigned int n)
{
	u32 v = 0;

	while (n-- && *left) {
		v = v << 8 | **p;
		(*p)++;
		(*left)--;
	}
	return v;
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct msgpipe_desc d[NDESC] = {};
	const u8 *p = data;
	size_t left = size;
	struct walk w = {};
	unsigned int n, i;
	u64 total, off, len;

	n = take(&p, &left, 1) % NDESC + 1;
	for (i = 0; i < n; i++) {
		u32 link = take(&p, &left, 1);

		d[i].size = take(&p, &left, 3);
		d[i].flags = take(&p, &left, 1);
		d[i].page_off = take(&p, &left, 2);
		d[i].nr_pages = take(&p, &left, 1) % 64;
		/* Mostly continue the previous descriptor, sometimes not. */
		d[i].seq = i && !(link & 0x80) ? d[i - 1].seq + d[i - 1].size :
			   take(&p, &left, 4);
		d[i].pages = calloc(d[i].nr_pages ? d[i].nr_pages : 1,
				    sizeof(struct page *));
		for (u32 k = 0; k < d[i].nr_pages; k++)
			d[i].pages[k] = (struct page *)(uintptr_t)(0x1000 * (k + 1));
		if ((link & 0x40) && i + 1 < n)
			d[i].link = &d[i + 1];
		else if (link & 0x20)
			d[i].link = &d[link % n];	/* maybe a loop */
	}
	if (msgpipe_chain_validate(&d[0], &total))
		goto out;
	off = take(&p, &left, 4);
	len = take(&p, &left, 4);
	if (total)
		off %= total + 1;
	if (msgpipe_chain_walk(&d[0], off, len, seg, &w) == 0) {
		if (off + len > total || w.bytes != len)
			abort();
	} else if (off + len <= total) {
		abort();	/* a range inside the chain must walk */
	}
out:
	for (i = 0; i < n; i++)
		free(d[i].pages);
	return 0;
}
