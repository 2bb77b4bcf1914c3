// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of chain.c, the descriptor-chain validator and walker. Pages
 * are fake pointers: the walker only does arithmetic on them.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include "kcompat.h"
#include <msgpipe/desc.h>
#include "kselftest_harness.h"

#define PG(i)	((struct page *)(0x1000UL * ((i) + 1)))

struct seg {
	struct page *page;
	unsigned int off, len;
};

struct rec {
	struct seg s[64];
	int n;
	int stop_at;
};

static int record(void *ctx, struct page *page, unsigned int off,
		  unsigned int len)
{
	struct rec *r = ctx;

	if (r->n == r->stop_at)
		return -E2BIG;
	r->s[r->n++] = (struct seg){ page, off, len };
	return 0;
}

static struct page *pages_a[4] = { PG(0), PG(1), PG(2), PG(3) };
static struct page *pages_b[2] = { PG(10), PG(11) };

/* Two descriptors: 3 pages from offset 100, then 5000 bytes from 0. */
static void two(struct msgpipe_desc d[2])
{
	memset(d, 0, 2 * sizeof(*d));
	d[0].size = 2 * 4096 + 50;
	d[0].page_off = 100;
	d[0].pages = pages_a;
	d[0].nr_pages = 3;
	d[0].seq = 1000;
	d[0].link = &d[1];
	d[1].size = 5000;
	d[1].pages = pages_b;
	d[1].nr_pages = 2;
	d[1].seq = 1000 + d[0].size;
	d[1].flags = MSGPIPE_DESC_F_EOP;
}

TEST(msgpipe_desc_span__edges)
{
	EXPECT_EQ(0, msgpipe_desc_span(0, 0));
	EXPECT_EQ(1, msgpipe_desc_span(0, 1));
	EXPECT_EQ(1, msgpipe_desc_span(0, 4096));
	EXPECT_EQ(2, msgpipe_desc_span(1, 4096));
	EXPECT_EQ(2, msgpipe_desc_span(4095, 2));
	EXPECT_EQ(1048577, msgpipe_desc_span(4095, 0xffffffffU));
}

TEST(msgpipe_chain_validate__good)
{
	struct msgpipe_desc d[2];
	__u64 total = 0;

	two(d);
	EXPECT_EQ(0, msgpipe_chain_validate(d, &total));
	EXPECT_EQ(2 * 4096 + 50 + 5000, total);
}

TEST(msgpipe_chain_validate__bad)
{
	struct msgpipe_desc d[2];
	__u64 total;

	EXPECT_EQ(-EINVAL, msgpipe_chain_validate(NULL, &total));
	two(d);
	d[0].size = 0;
	EXPECT_EQ(-EINVAL, msgpipe_chain_validate(d, &total));
	two(d);
	d[0].nr_pages = 2;
	EXPECT_EQ(-EINVAL, msgpipe_chain_validate(d, &total));
	two(d);
	d[0].page_off = 4096;
	EXPECT_EQ(-EINVAL, msgpipe_chain_validate(d, &total));
	two(d);
	d[1].seq++;
	EXPECT_EQ(-EINVAL, msgpipe_chain_validate(d, &total));
	two(d);
	d[0].flags = MSGPIPE_DESC_F_EOP;
	EXPECT_EQ(-EINVAL, msgpipe_chain_validate(d, &total));
	two(d);
	d[1].flags = 0x100;
	EXPECT_EQ(-EINVAL, msgpipe_chain_validate(d, &total));
	two(d);
	d[1].pages = NULL;
	EXPECT_EQ(-EINVAL, msgpipe_chain_validate(d, &total));
}

TEST(msgpipe_chain_validate__loop_is_bounded)
{
	struct msgpipe_desc d[2];
	__u64 total;

	two(d);
	d[1].flags = 0;
	d[1].link = &d[0];
	d[0].seq = d[1].seq + d[1].size;
	EXPECT_EQ(-EINVAL, msgpipe_chain_validate(d, &total));
}

TEST(msgpipe_chain_walk__whole_chain)
{
	struct rec r = { .stop_at = -1 };
	struct msgpipe_desc d[2];
	unsigned int sum = 0;
	int i;

	two(d);
	ASSERT_EQ(0, msgpipe_chain_walk(d, 0, d[0].size + d[1].size, record, &r));
	ASSERT_EQ(5, r.n);
	EXPECT_EQ(PG(0), r.s[0].page);
	EXPECT_EQ(100, r.s[0].off);
	EXPECT_EQ(3996, r.s[0].len);
	EXPECT_EQ(PG(2), r.s[2].page);
	EXPECT_EQ(150, r.s[2].len);
	EXPECT_EQ(PG(10), r.s[3].page);
	EXPECT_EQ(0, r.s[3].off);
	EXPECT_EQ(4096, r.s[3].len);
	EXPECT_EQ(904, r.s[4].len);
	for (i = 0; i < r.n; i++) {
		EXPECT_GE(4096, r.s[i].off + r.s[i].len);
		sum += r.s[i].len;
	}
	EXPECT_EQ(d[0].size + d[1].size, sum);
}

TEST(msgpipe_chain_walk__middle_range)
{
	struct rec r = { .stop_at = -1 };
	struct msgpipe_desc d[2];

	two(d);
	/* From 10 bytes before the end of d[0] to 10 bytes into d[1]. */
	ASSERT_EQ(0, msgpipe_chain_walk(d, d[0].size - 10, 20, record, &r));
	ASSERT_EQ(2, r.n);
	EXPECT_EQ(PG(2), r.s[0].page);
	EXPECT_EQ(140, r.s[0].off);
	EXPECT_EQ(10, r.s[0].len);
	EXPECT_EQ(PG(10), r.s[1].page);
	EXPECT_EQ(10, r.s[1].len);
}

TEST(msgpipe_chain_walk__past_end)
{
	struct rec r = { .stop_at = -1 };
	struct msgpipe_desc d[2];

	two(d);
	EXPECT_EQ(-EINVAL, msgpipe_chain_walk(d, 0, d[0].size + d[1].size + 1,
					      record, &r));
	r.n = 0;
	EXPECT_EQ(-EINVAL, msgpipe_chain_walk(d, 1ULL << 40, 1, record, &r));
	EXPECT_EQ(0, r.n);
	EXPECT_EQ(0, msgpipe_chain_walk(d, 5, 0, record, &r));
}

TEST(msgpipe_chain_walk__callback_error_stops)
{
	struct rec r = { .stop_at = 2 };
	struct msgpipe_desc d[2];

	two(d);
	EXPECT_EQ(-E2BIG, msgpipe_chain_walk(d, 0, d[0].size, record, &r));
	EXPECT_EQ(2, r.n);
}

TEST_HARNESS_MAIN
