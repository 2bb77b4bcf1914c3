// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of the middlebox's protocol observer and TCP reassembly: frames
 * encoded here from wire-format.rst, and the module's own frames from the
 * fuzz corpus, each rule broken once.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <rte_hash_crc.h>
#include "kselftest_harness.h"
#include "../obs.h"
#include "../stream.h"

#define CORPUS "../../../../drivers/net/msgpipe/test/corpus/wire/"

static uint32_t crc32c(const void *p, size_t len, uint32_t crc)
{
	return rte_hash_crc(p, (uint32_t)len, crc);
}

struct fr {
	uint8_t type;
	uint16_t flags, port;
	uint32_t dst, src, chunk;
	uint64_t msg, stream;
	uint32_t off, total, win, mwin, dcrc;
};

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v;
}

static void put64(uint8_t *p, uint64_t v)
{
	put32(p, v >> 32);
	put32(p + 4, (uint32_t)v);
}

/* A frame as the documentation lays it out; returns its length. */
static size_t enc(uint8_t *o, const struct fr *f, const void *pay)
{
	memset(o, 0, 64);
	put32(o, 0x4d504950);
	o[4] = 1;
	o[5] = f->type;
	o[6] = f->flags >> 8;
	o[7] = (uint8_t)f->flags;
	o[9] = 64;
	o[10] = f->port >> 8;
	o[11] = (uint8_t)f->port;
	put32(o + 12, f->dst);
	put32(o + 16, f->src);
	put32(o + 20, f->chunk);
	put64(o + 24, f->msg);
	put64(o + 32, f->stream);
	put32(o + 40, f->off);
	put32(o + 44, f->total);
	put32(o + 48, f->win);
	put32(o + 52, f->mwin);
	put32(o + 56, f->dcrc);
	put32(o + 60, crc32c(o, 64, ~0u));
	if (f->chunk && pay)
		memcpy(o + 64, pay, f->chunk);
	return 64 + (pay ? f->chunk : 0);
}

enum { SYNC = 1, SYNC_ACK, ACCEPT, REFUSE, DATA, ACK, NACK, FIN, FIN_ACK,
	BATCH, BATCH_ACK, WINDOW, THROTTLE, PING, PONG, HELLO };

static const uint8_t ip_a[16] = { [10] = 0xff, [11] = 0xff, 10, 77, 0, 1 };
static const uint8_t ip_b[16] = { [10] = 0xff, [11] = 0xff, 10, 77, 0, 2 };
static uint8_t buf[1 << 21];

static void send_fr(struct obs_conn *c, int dir, const struct fr *f,
		    const void *pay)
{
	obs_feed(c, dir, buf, enc(buf, f, pay));
}

static uint64_t violations(struct obs *o)
{
	return obs_stats(o)->violations;
}

/* HELLO both ways, a session 5 (dialer) <-> 9 (acceptor), READY. */
/* HELLOs both ways, then session 5's SYNC to port 4500. */
static void hello_sync(struct obs_conn *c, uint32_t win, uint32_t mwin)
{
	struct fr h = { .type = HELLO, .stream = 0xabcdef, .total = 8, .off = 3 };

	send_fr(c, 0, &h, NULL);
	send_fr(c, 1, &h, NULL);
	send_fr(c, 0, &(struct fr){ .type = SYNC, .port = 4500, .src = 5,
		.win = win, .mwin = mwin }, NULL);
}

static void open_session(struct obs_conn *c, uint32_t win, uint32_t mwin)
{
	hello_sync(c, win, mwin);
	send_fr(c, 1, &(struct fr){ .type = SYNC_ACK, .dst = 5, .src = 9 }, NULL);
	send_fr(c, 1, &(struct fr){ .type = ACCEPT, .dst = 5, .src = 9,
		.win = win, .mwin = mwin }, NULL);
}

static struct fr data(uint64_t msg, uint64_t start, uint32_t off,
		      uint32_t chunk, uint32_t total)
{
	return (struct fr){ .type = DATA, .dst = 9, .src = 5, .msg = msg,
		.stream = start + off, .off = off, .chunk = chunk,
		.total = total };
}

FIXTURE(obs) {
	struct obs *o;
	struct obs_conn *c;
	uint8_t pay[4096];
};

FIXTURE_SETUP(obs)
{
	unsigned int i;

	self->o = obs_new(crc32c);
	ASSERT_NE(NULL, self->o);
	self->c = obs_conn_new(self->o, "test", ip_a, ip_b);
	ASSERT_NE(NULL, self->c);
	for (i = 0; i < sizeof(self->pay); i++)
		self->pay[i] = (uint8_t)(i * 7);
}

FIXTURE_TEARDOWN(obs)
{
	obs_conn_free(self->c);
	obs_free(self->o);
}

/* A conversation: frames in the order they are sent, each with its way. */
struct ev {
	int dir;
	struct fr f;
	bool pay;
};

/* Feed in order, each run of one direction in pieces of @piece bytes. */
static void play(struct obs_conn *c, const struct ev *ev, size_t n,
		 const uint8_t *pay, size_t piece)
{
	static uint8_t run[1 << 16];
	size_t len = 0, i, k;

	for (i = 0; i < n; i++) {
		len += enc(run + len, &ev[i].f, ev[i].pay ? pay : NULL);
		if (i + 1 < n && ev[i + 1].dir == ev[i].dir)
			continue;
		for (k = 0; k < len; k += piece)
			obs_feed(c, ev[i].dir, run + k,
				 len - k < piece ? len - k : piece);
		len = 0;
	}
}

/* A whole session, both ways, in frames split at any point. */
TEST_F(obs, obs_feed__session_clean_in_any_split)
{
	struct ev ev[] = {
		{ 0, { .type = HELLO, .stream = 77, .total = 4 }, false },
		{ 1, { .type = HELLO, .stream = 77, .total = 4 }, false },
		{ 0, { .type = SYNC, .port = 9, .src = 5, .win = 8192, .mwin = 2 }, false },
		{ 1, { .type = SYNC_ACK, .dst = 5, .src = 9 }, false },
		{ 1, { .type = ACCEPT, .dst = 5, .src = 9, .win = 8192, .mwin = 2 }, false },
		{ 0, data(1, 0, 0, 4096, 6000), true },
		{ 0, data(1, 0, 4096, 1904, 6000), true },
		{ 1, { .type = ACK, .dst = 5, .src = 9, .msg = 1, .stream = 6000,
		       .win = 8192, .mwin = 2 }, false },
		{ 0, data(2, 6000, 0, 100, 100), true },
		/* The other way: 9 sends to 5 within the SYNC's window. */
		{ 1, { .type = DATA, .dst = 5, .src = 9, .msg = 1, .chunk = 10,
		       .total = 10 }, true },
		{ 0, { .type = FIN, .dst = 9, .src = 5, .msg = 2, .stream = 6100 }, false },
		{ 1, { .type = FIN_ACK, .dst = 5, .src = 9 }, false },
	};
	size_t piece;

	ev[5].f.flags = 1;
	ev[5].f.dcrc = crc32c(self->pay, 4096, ~0u);
	for (piece = 1; piece <= 4200; piece += piece < 70 ? 1 : 997) {
		struct obs *o = obs_new(crc32c);
		struct obs_conn *c = obs_conn_new(o, "split", ip_a, ip_b);

		play(c, ev, ARRAY_SIZE(ev), self->pay, piece);
		EXPECT_EQ(0, obs_stats(o)->violations) {
			TH_LOG("pieces of %zu: %s", piece, obs_violation(o, 0));
		}
		EXPECT_EQ(12, obs_stats(o)->frames);
		EXPECT_EQ(6110, obs_stats(o)->data_bytes);
		obs_conn_free(c);
		obs_free(o);
	}
}

/* The module's own frames (its encoder wrote the fuzz corpus), in the order
 * of a conversation: they decode, and the only finding is the corpus's
 * BATCH_ACK of batch 42, which no BATCH carried.
 */
TEST_F(obs, obs_feed__module_frames_decode)
{
	static const struct { int dir; const char *name; } ev[] = {
		{ 0, "hello" }, { 1, "hello" }, { 0, "sync" }, { 1, "sync_ack" },
		{ 1, "accept" }, { 0, "data" }, { 0, "data_crc" },
		{ 0, "data_void" }, { 1, "ack_sack" }, { 0, "batch" },
		{ 1, "batch_ack" }, { 1, "throttle" },
	};
	size_t i;

	for (i = 0; i < ARRAY_SIZE(ev); i++) {
		char path[256];
		size_t n;
		FILE *f;

		snprintf(path, sizeof(path), CORPUS "%s", ev[i].name);
		f = fopen(path, "r");
		ASSERT_NE(NULL, f) TH_LOG("%s", path);
		n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		ASSERT_GT(n, 64);
		/* The first byte is the fuzzer's control byte. */
		obs_feed(self->c, ev[i].dir, buf + 1, n - 1);
	}
	EXPECT_EQ(12, obs_stats(self->o)->frames);
	for (i = 0; obs_violation(self->o, i); i++)
		TH_LOG("%s", obs_violation(self->o, i));
	ASSERT_EQ(1, violations(self->o));
	EXPECT_NE(NULL, strstr(obs_violation(self->o, 0), "2a never sent"));
}

TEST_F(obs, obs_feed__bad_header_checksum)
{
	size_t n;

	open_session(self->c, 1 << 20, 8);
	n = enc(buf, &(struct fr){ .type = FIN, .dst = 9, .src = 5 }, NULL);
	buf[20] ^= 4;
	obs_feed(self->c, 0, buf, n);
	EXPECT_EQ(1, violations(self->o));
	EXPECT_NE(NULL, strstr(obs_violation(self->o, 0), "checksum"));
	/* The direction is no longer followed. */
	send_fr(self->c, 0, &(struct fr){ .type = SYNC }, NULL);
	EXPECT_EQ(1, violations(self->o));
}

TEST_F(obs, obs_feed__first_frame_not_hello)
{
	send_fr(self->c, 0, &(struct fr){ .type = SYNC, .port = 1, .src = 5 },
		NULL);
	EXPECT_EQ(1, violations(self->o));
}

TEST_F(obs, obs_feed__reserved_type)
{
	open_session(self->c, 1 << 20, 8);
	send_fr(self->c, 0, &(struct fr){ .type = PING }, NULL);
	EXPECT_EQ(1, violations(self->o));
}

TEST_F(obs, obs_feed__stray_field)
{
	open_session(self->c, 1 << 20, 8);
	send_fr(self->c, 0, &(struct fr){ .type = FIN, .dst = 9, .src = 5 },
		NULL);
	send_fr(self->c, 1, &(struct fr){ .type = FIN_ACK, .dst = 5, .src = 9,
		.win = 1 }, NULL);
	EXPECT_EQ(1, violations(self->o));
}

TEST_F(obs, obs_feed__data_before_accept)
{
	struct fr f;

	hello_sync(self->c, 100000, 4);
	send_fr(self->c, 1, &(struct fr){ .type = SYNC_ACK, .dst = 5, .src = 9 },
		NULL);
	f = data(1, 0, 0, 100, 100);
	send_fr(self->c, 0, &f, self->pay);
	EXPECT_EQ(2, violations(self->o));	/* not READY, no window */
	EXPECT_NE(NULL, strstr(obs_violation(self->o, 0), "ACCEPT"));
}

/* A SYNC_ACK lost with its connection before it reached the wire: the
 * ACCEPT alone answers the SYNC, and the session is READY.
 */
TEST_F(obs, obs_feed__accept_without_sync_ack)
{
	struct fr f;

	hello_sync(self->c, 100000, 4);
	send_fr(self->c, 1, &(struct fr){ .type = ACCEPT, .dst = 5, .src = 9,
		.win = 100000, .mwin = 4 }, NULL);
	f = data(1, 0, 0, 100, 100);
	send_fr(self->c, 0, &f, self->pay);
	EXPECT_EQ(0, violations(self->o)) {
		TH_LOG("%s", obs_violation(self->o, 0));
	}
}

TEST_F(obs, obs_feed__accept_to_no_sync)
{
	struct fr h = { .type = HELLO, .stream = 1, .total = 1 };

	send_fr(self->c, 0, &h, NULL);
	send_fr(self->c, 1, &h, NULL);
	send_fr(self->c, 1, &(struct fr){ .type = ACCEPT, .dst = 5, .src = 9,
		.win = 100000, .mwin = 4 }, NULL);
	EXPECT_EQ(1, violations(self->o));
	EXPECT_NE(NULL, strstr(obs_violation(self->o, 0), "no SYNC"));
}

TEST_F(obs, obs_feed__past_window)
{
	struct fr f;

	open_session(self->c, 1000, 8);
	f = data(1, 0, 0, 1000, 2000);
	send_fr(self->c, 0, &f, self->pay);
	EXPECT_EQ(0, violations(self->o));
	f = data(1, 0, 1000, 1, 2000);
	send_fr(self->c, 0, &f, self->pay);
	EXPECT_EQ(1, violations(self->o));
	EXPECT_NE(NULL, strstr(obs_violation(self->o, 0), "past the window"));
}

TEST_F(obs, obs_feed__past_message_window)
{
	struct fr f;

	open_session(self->c, 1 << 20, 2);
	f = data(1, 0, 0, 10, 10);
	send_fr(self->c, 0, &f, self->pay);
	f = data(2, 10, 0, 10, 10);
	send_fr(self->c, 0, &f, self->pay);
	f = data(3, 20, 0, 10, 10);
	send_fr(self->c, 0, &f, self->pay);
	EXPECT_EQ(1, violations(self->o));
	/* An ACK of message 1 opens one more. */
	send_fr(self->c, 1, &(struct fr){ .type = ACK, .dst = 5, .src = 9,
		.msg = 1, .stream = 10, .win = 1 << 20, .mwin = 2 }, NULL);
	send_fr(self->c, 0, &f, self->pay);
	EXPECT_EQ(1, violations(self->o));
}

TEST_F(obs, obs_feed__ack_beyond_sent)
{
	struct fr f = data(1, 0, 0, 100, 100);

	open_session(self->c, 1 << 20, 8);
	send_fr(self->c, 0, &f, self->pay);
	send_fr(self->c, 1, &(struct fr){ .type = ACK, .dst = 5, .src = 9,
		.msg = 1, .stream = 101, .win = 10 }, NULL);
	EXPECT_EQ(1, violations(self->o));
	EXPECT_NE(NULL, strstr(obs_violation(self->o, 0), "only 100 sent"));
}

TEST_F(obs, obs_feed__sack_block_unsent)
{
	uint8_t blocks[16];
	struct fr f = data(1, 0, 0, 100, 300);

	open_session(self->c, 1 << 20, 8);
	send_fr(self->c, 0, &f, self->pay);
	put64(blocks, 150);
	put64(blocks + 8, 200);
	send_fr(self->c, 1, &(struct fr){ .type = ACK, .dst = 5, .src = 9,
		.stream = 50, .chunk = 16, .win = 10 }, blocks);
	EXPECT_EQ(1, violations(self->o));
}

TEST_F(obs, obs_feed__message_coordinates_contradict)
{
	struct fr f;

	open_session(self->c, 1 << 20, 8);
	f = data(1, 0, 0, 10, 100);
	send_fr(self->c, 0, &f, self->pay);
	f = data(2, 90, 0, 10, 10);	/* message 1 ends at 100 */
	send_fr(self->c, 0, &f, self->pay);
	EXPECT_EQ(1, violations(self->o));
	/* Another length for message 1: it also no longer ends where
	 * message 2 starts.
	 */
	f = data(1, 0, 10, 10, 200);
	send_fr(self->c, 0, &f, self->pay);
	EXPECT_EQ(3, violations(self->o));
}

TEST_F(obs, obs_feed__payload_checksum)
{
	struct fr f = data(1, 0, 0, 64, 64);

	open_session(self->c, 1 << 20, 8);
	f.flags = 1;
	f.dcrc = crc32c(self->pay, 64, ~0u) ^ 1;
	send_fr(self->c, 0, &f, self->pay);
	EXPECT_EQ(1, violations(self->o));
}

TEST_F(obs, obs_feed__data_after_fin_end)
{
	struct fr f = data(1, 0, 0, 10, 20);

	open_session(self->c, 1 << 20, 8);
	send_fr(self->c, 0, &f, self->pay);
	send_fr(self->c, 0, &(struct fr){ .type = FIN, .dst = 9, .src = 5,
		.msg = 1, .stream = 20 }, NULL);
	f = data(1, 0, 10, 10, 20);	/* the rest: allowed after the FIN */
	send_fr(self->c, 0, &f, self->pay);
	EXPECT_EQ(0, violations(self->o));
	f = data(2, 20, 0, 10, 10);
	send_fr(self->c, 0, &f, self->pay);
	EXPECT_EQ(1, violations(self->o));
}

TEST_F(obs, obs_feed__batch_items_must_fill_payload)
{
	uint8_t items[16] = { 0, 0, 0, 3, 0, 0, 0, 0, 'a', 'b', 'c', 0 };
	struct fr h = { .type = HELLO, .stream = 1, .total = 1 };
	struct fr b = { .type = BATCH, .port = 1, .src = 2, .msg = 3,
		.stream = 4, .total = 1, .chunk = 12, .win = 1000 };

	send_fr(self->c, 0, &h, NULL);
	send_fr(self->c, 0, &b, items);
	EXPECT_EQ(0, violations(self->o));
	b.chunk = 16;			/* four stray bytes after the item */
	send_fr(self->c, 0, &b, items);
	EXPECT_EQ(1, violations(self->o));
}

TEST_F(obs, obs_feed__tls_not_decoded)
{
	static const uint8_t hello[] = { 0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3,
					 4, 5 };

	obs_feed(self->c, 0, hello, sizeof(hello));
	EXPECT_EQ(1, obs_stats(self->o)->tls);
	EXPECT_EQ(0, violations(self->o));
}

TEST_F(obs, obs_feed__secure_hello_then_records_not_decoded)
{
	struct fr h = { .type = HELLO, .stream = 0xabcdef, .total = 2,
			.win = 2 };
	static const uint8_t rec[] = { 0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3,
				       4, 5 };

	send_fr(self->c, 0, &h, NULL);
	send_fr(self->c, 1, &h, NULL);
	obs_feed(self->c, 0, rec, sizeof(rec));
	obs_feed(self->c, 1, rec, sizeof(rec));
	EXPECT_EQ(1, obs_stats(self->o)->tls);
	EXPECT_EQ(0, violations(self->o));
}

TEST_F(obs, obs_feed__hello_security_not_echoed)
{
	struct fr h = { .type = HELLO, .stream = 0xabcdef, .total = 2,
			.win = 2 };

	send_fr(self->c, 0, &h, NULL);
	h.win = 0;
	send_fr(self->c, 1, &h, NULL);
	EXPECT_EQ(1, violations(self->o));
}

TEST_F(obs, obs_feed__hello_security_out_of_range)
{
	struct fr h = { .type = HELLO, .stream = 0xabcdef, .total = 2,
			.win = 4 };

	send_fr(self->c, 0, &h, NULL);
	EXPECT_EQ(1, violations(self->o));
}

/* Reassembly ------------------------------------------------------------ */

static uint8_t got[4096];
static size_t ngot;

static void collect(void *arg, const uint8_t *p, size_t n)
{
	(void)arg;
	memcpy(got + ngot, p, n);
	ngot += n;
}

TEST(stream_segment__out_of_order_overlapping_wrapping)
{
	uint8_t src[1000];
	struct stream s;
	uint32_t isn = 0xffffff00;	/* wraps inside the data */
	size_t i;

	for (i = 0; i < sizeof(src); i++)
		src[i] = (uint8_t)(i * 13 + 1);
	ngot = 0;
	stream_init(&s, 1 << 20);
	EXPECT_FALSE(stream_segment(&s, isn + 1, src, 10, collect, NULL));
	stream_syn(&s, isn);
	EXPECT_TRUE(stream_segment(&s, isn + 1 + 500, src + 500, 300, collect, NULL));
	EXPECT_TRUE(stream_segment(&s, isn + 1 + 200, src + 200, 400, collect, NULL));
	EXPECT_EQ(0, ngot);
	EXPECT_TRUE(stream_segment(&s, isn + 1, src, 250, collect, NULL));
	EXPECT_EQ(800, ngot);
	EXPECT_TRUE(stream_segment(&s, isn + 1 + 100, src + 100, 900, collect, NULL));
	EXPECT_TRUE(stream_segment(&s, isn + 1, src, 1000, collect, NULL));
	ASSERT_EQ(1000, ngot);
	EXPECT_EQ(0, memcmp(got, src, 1000));
	EXPECT_EQ(0, s.held);
	stream_free(&s);
}

TEST(stream_segment__gives_up_past_its_cap)
{
	uint8_t src[100] = { 0 };
	struct stream s;

	ngot = 0;
	stream_init(&s, 150);
	stream_syn(&s, 0);
	EXPECT_TRUE(stream_segment(&s, 101, src, 100, collect, NULL));
	EXPECT_FALSE(stream_segment(&s, 301, src, 100, collect, NULL));
	EXPECT_TRUE(s.lost);
	EXPECT_EQ(0, s.held);
	EXPECT_FALSE(stream_segment(&s, 1, src, 100, collect, NULL));
	EXPECT_EQ(0, ngot);
}

TEST_HARNESS_MAIN
