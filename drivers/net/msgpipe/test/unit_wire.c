// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of wire.c, the frame header encoder and validating decoder.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include "kcompat.h"
#include <msgpipe/wire.h>
#include <uapi/linux/msgpipe.h>
#include "kselftest_harness.h"

static struct msgpipe_frame data_frame(void)
{
	struct msgpipe_frame f = {
		.type = MSGPIPE_T_DATA, .dst_sid = 7, .src_sid = 9,
		.msg_seq = 3, .stream_seq = 5 << 20, .offset = 65536,
		.total_len = 1 << 20, .chunk_len = 65536,
	};
	return f;
}

static void reseal(struct msgpipe_wire_hdr *h)
{
	h->hdr_crc = 0;
	h->hdr_crc = htobe32(crc32c(~0U, h, sizeof(*h)));
}

TEST(msgpipe_wire_crc__check_value)
{
	/* CRC-32C of "123456789" is 0xe3069283 (with final inversion). */
	EXPECT_EQ(0xe3069283U, ~msgpipe_wire_crc(~0U, "123456789", 9));
}

TEST(msgpipe_wire_encode__roundtrip)
{
	struct msgpipe_frame f = data_frame(), g;
	struct msgpipe_wire_hdr h;

	ASSERT_EQ(64, sizeof(h));
	msgpipe_wire_encode(&f, &h);
	ASSERT_EQ(0, msgpipe_wire_decode(&h, sizeof(h), &g));
	EXPECT_EQ(f.type, g.type);
	EXPECT_EQ(f.dst_sid, g.dst_sid);
	EXPECT_EQ(f.src_sid, g.src_sid);
	EXPECT_EQ(f.msg_seq, g.msg_seq);
	EXPECT_EQ(f.stream_seq, g.stream_seq);
	EXPECT_EQ(f.offset, g.offset);
	EXPECT_EQ(f.total_len, g.total_len);
	EXPECT_EQ(f.chunk_len, g.chunk_len);
}

TEST(msgpipe_wire_encode__big_endian_layout)
{
	struct msgpipe_frame f = data_frame();
	unsigned char b[64];

	msgpipe_wire_encode(&f, (void *)b);
	EXPECT_EQ(0, memcmp(b, "MPIP", 4));
	EXPECT_EQ(1, b[4]);
	EXPECT_EQ(MSGPIPE_T_DATA, b[5]);
	EXPECT_EQ(64, b[9]);
	EXPECT_EQ(7, b[15]);
	/* chunk_len at 20, msg_seq at 24, stream_seq at 32, offset at 40 */
	EXPECT_EQ(1, b[21]);
	EXPECT_EQ(3, b[31]);
	EXPECT_EQ(0x50, b[37]);
	EXPECT_EQ(1, b[41]);
	EXPECT_EQ(0x10, b[45]);
}

TEST(msgpipe_wire_decode__short_buffer)
{
	struct msgpipe_frame f = data_frame(), g;
	struct msgpipe_wire_hdr h;

	msgpipe_wire_encode(&f, &h);
	EXPECT_EQ(-EINVAL, msgpipe_wire_decode(&h, 63, &g));
	EXPECT_EQ(-EINVAL, msgpipe_wire_decode(&h, 0, &g));
}

TEST(msgpipe_wire_decode__bad_magic_and_crc)
{
	struct msgpipe_frame f = data_frame(), g;
	struct msgpipe_wire_hdr h;

	msgpipe_wire_encode(&f, &h);
	h.magic ^= 1;
	EXPECT_EQ(-EBADMSG, msgpipe_wire_decode(&h, sizeof(h), &g));
	msgpipe_wire_encode(&f, &h);
	h.msg_seq ^= htobe64(1);
	EXPECT_EQ(-EBADMSG, msgpipe_wire_decode(&h, sizeof(h), &g));
}

TEST(msgpipe_wire_decode__other_version_refused)
{
	struct msgpipe_frame f = data_frame(), g;
	struct msgpipe_wire_hdr h;

	msgpipe_wire_encode(&f, &h);
	h.version = 2;
	reseal(&h);
	EXPECT_EQ(-EPROTONOSUPPORT, msgpipe_wire_decode(&h, sizeof(h), &g));
	msgpipe_wire_encode(&f, &h);
	h.hdr_len = htobe16(72);
	reseal(&h);
	EXPECT_EQ(-EPROTONOSUPPORT, msgpipe_wire_decode(&h, sizeof(h), &g));
}

/* Re-encode @f and expect the decoder to refuse it with @err. */
static int decode_of(struct msgpipe_frame f)
{
	struct msgpipe_wire_hdr h;
	struct msgpipe_frame g;

	msgpipe_wire_encode(&f, &h);
	return msgpipe_wire_decode(&h, sizeof(h), &g);
}

TEST(msgpipe_wire_decode__data_bounds)
{
	struct msgpipe_frame f = data_frame();

	EXPECT_EQ(0, decode_of(f));
	f.offset = f.total_len - f.chunk_len + 1;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = data_frame();
	f.offset = ~0U - 10;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = data_frame();
	f.stream_seq = 1ULL << 62;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = data_frame();
	f.window = 1;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = data_frame();
	f.chunk_len = MSGPIPE_CHUNK_MAX + 1;
	f.total_len = 1U << 30;
	EXPECT_EQ(-EMSGSIZE, decode_of(f));
	f = data_frame();
	f.total_len = (1U << 30) + 1;
	EXPECT_EQ(-EMSGSIZE, decode_of(f));
	f = data_frame();
	f.chunk_len = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = data_frame();
	f.msg_seq = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = data_frame();
	f.dst_sid = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
}

TEST(msgpipe_wire_decode__types_and_flags)
{
	struct msgpipe_frame f = { .dst_sid = 1, .src_sid = 2 };

	f.type = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.type = MSGPIPE_T_MAX;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.type = MSGPIPE_T_FIN;
	EXPECT_EQ(0, decode_of(f));
	f.flags = MSGPIPE_F_ABORT;
	EXPECT_EQ(0, decode_of(f));
	f.flags = 0x8000;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.type = MSGPIPE_T_ACCEPT;
	f.flags = MSGPIPE_F_ABORT;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.flags = 0;
	f.chunk_len = 5;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.chunk_len = 0;
	f.port = 80;
	EXPECT_EQ(-EPROTO, decode_of(f));
}

TEST(msgpipe_wire_decode__sync_rules)
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_SYNC, .src_sid = 4,
				   .port = 5000 };

	EXPECT_EQ(0, decode_of(f));
	f.port = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.port = 5000;
	f.dst_sid = 3;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.dst_sid = 0;
	f.src_sid = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
}

TEST(msgpipe_wire_decode__data_crc_flag)
{
	struct msgpipe_frame f = data_frame();

	f.data_crc = 1234;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.flags = MSGPIPE_F_DATA_CRC;
	EXPECT_EQ(0, decode_of(f));
	f.type = MSGPIPE_T_FIN;
	f.chunk_len = 0;
	f.total_len = 0;
	f.offset = 0;
	f.msg_seq = 0;
	f.stream_seq = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
}

TEST(msgpipe_wire_decode__void_message)
{
	struct msgpipe_frame f = data_frame();

	f.flags = MSGPIPE_F_ABORT;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.chunk_len = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.offset = 0;
	EXPECT_EQ(0, decode_of(f));
	f.total_len = 0;
	EXPECT_EQ(-EMSGSIZE, decode_of(f));
}

static struct msgpipe_frame ack_frame(unsigned int blocks)
{
	struct msgpipe_frame f = {
		.type = MSGPIPE_T_ACK, .dst_sid = 7, .src_sid = 9,
		.msg_seq = 2, .stream_seq = 1000, .window = 4 << 20,
		.msg_window = 256, .chunk_len = blocks * 16,
	};
	return f;
}

TEST(msgpipe_wire_decode__ack_rules)
{
	struct msgpipe_frame f = ack_frame(2);

	EXPECT_EQ(0, decode_of(f));
	f.chunk_len = 17;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.chunk_len = 16 * (MSGPIPE_SACK_MAX + 1);
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = ack_frame(0);
	f.offset = 1;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = ack_frame(0);
	f.stream_seq = 1ULL << 62;
	EXPECT_EQ(-EPROTO, decode_of(f));
	/* Windows only on SYNC, ACCEPT and ACK. */
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_FIN, .dst_sid = 1,
				    .src_sid = 2, .msg_window = 1 };
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.type = MSGPIPE_T_ACCEPT;
	EXPECT_EQ(0, decode_of(f));
}

TEST(msgpipe_wire_sack_decode__roundtrip)
{
	struct msgpipe_range in[3] = { { 2000, 3000 }, { 4000, 4096 },
				       { 8192, 9000 } }, out[MSGPIPE_SACK_MAX];
	struct msgpipe_frame f = ack_frame(3);
	unsigned char buf[48];

	msgpipe_wire_sack_encode(in, 3, buf);
	ASSERT_EQ(3, msgpipe_wire_sack_decode(&f, buf, out));
	EXPECT_EQ(2000, out[0].lo);
	EXPECT_EQ(3000, out[0].hi);
	EXPECT_EQ(9000, out[2].hi);
}

TEST(msgpipe_wire_sack_decode__bad_blocks)
{
	struct msgpipe_range in[2], out[MSGPIPE_SACK_MAX];
	struct msgpipe_frame f = ack_frame(2);
	unsigned char buf[32];

	/* Below or at the cumulative acknowledgment. */
	in[0] = (struct msgpipe_range){ 1000, 1500 };
	in[1] = (struct msgpipe_range){ 2000, 2500 };
	msgpipe_wire_sack_encode(in, 2, buf);
	EXPECT_EQ(-EPROTO, msgpipe_wire_sack_decode(&f, buf, out));
	/* Empty. */
	in[0] = (struct msgpipe_range){ 1500, 1500 };
	msgpipe_wire_sack_encode(in, 2, buf);
	EXPECT_EQ(-EPROTO, msgpipe_wire_sack_decode(&f, buf, out));
	/* Overlapping, out of order. */
	in[0] = (struct msgpipe_range){ 1500, 2200 };
	msgpipe_wire_sack_encode(in, 2, buf);
	EXPECT_EQ(-EPROTO, msgpipe_wire_sack_decode(&f, buf, out));
	in[0] = (struct msgpipe_range){ 3000, 3100 };
	msgpipe_wire_sack_encode(in, 2, buf);
	EXPECT_EQ(-EPROTO, msgpipe_wire_sack_decode(&f, buf, out));
	/* Not an ACK. */
	f.type = MSGPIPE_T_DATA;
	EXPECT_EQ(-EPROTO, msgpipe_wire_sack_decode(&f, buf, out));
}

TEST(msgpipe_wire_decode__fin_names_the_end)
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_FIN, .dst_sid = 1,
				   .src_sid = 2, .msg_seq = 16,
				   .stream_seq = 1 << 30 };

	EXPECT_EQ(0, decode_of(f));
	f.type = MSGPIPE_T_FIN_ACK;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.type = MSGPIPE_T_FIN;
	f.stream_seq = 1ULL << 62;
	EXPECT_EQ(-EPROTO, decode_of(f));
}

TEST(msgpipe_wire_decode__hello_rules)
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_HELLO,
				   .stream_seq = 0x1234567890abcdefULL,
				   .total_len = 1 };

	EXPECT_EQ(0, decode_of(f));
	f.msg_seq = 1;
	EXPECT_EQ(0, decode_of(f));
	f.msg_seq = 2;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.msg_seq = 0;
	f.stream_seq = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.stream_seq = 7;
	f.src_sid = 1;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.src_sid = 0;
	/* @window is the pipe's security: none, tls, mtls or psk. */
	f.window = MSGPIPE_HELLO_SECURITY_MAX;
	EXPECT_EQ(0, decode_of(f));
	f.window = MSGPIPE_HELLO_SECURITY_MAX + 1;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.window = 0;
	f.msg_window = 1;
	EXPECT_EQ(-EPROTO, decode_of(f));
}

TEST(msgpipe_wire_decode__hello_names_a_slot)
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_HELLO, .stream_seq = 9,
				   .msg_seq = 1, .offset = 7, .total_len = 8 };

	EXPECT_EQ(0, decode_of(f));
	f.offset = 8;	/* slot beyond the pipe */
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.offset = 0;
	f.total_len = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.total_len = MSGPIPE_PIPE_CONNS_MAX;
	f.offset = MSGPIPE_PIPE_CONNS_MAX - 1;
	EXPECT_EQ(0, decode_of(f));
	f.total_len = MSGPIPE_PIPE_CONNS_MAX + 1;
	EXPECT_EQ(-EPROTO, decode_of(f));
}

TEST(msgpipe_wire_type_name__range)
{
	EXPECT_STREQ("SYNC", msgpipe_wire_type_name(MSGPIPE_T_SYNC));
	EXPECT_STREQ("PONG", msgpipe_wire_type_name(MSGPIPE_T_PONG));
	EXPECT_STREQ("HELLO", msgpipe_wire_type_name(MSGPIPE_T_HELLO));
	EXPECT_STREQ("?", msgpipe_wire_type_name(0));
	EXPECT_STREQ("?", msgpipe_wire_type_name(255));
}

TEST(msgpipe_wire_valid__agrees_with_decode)
{
	struct msgpipe_frame f = data_frame(), g;
	struct msgpipe_wire_hdr h;

	EXPECT_EQ(0, msgpipe_wire_valid(&f));
	/* A closing session's frame without its own id: never sent. */
	f.src_sid = 0;
	EXPECT_EQ(-EPROTO, msgpipe_wire_valid(&f));
	msgpipe_wire_encode(&f, &h);
	EXPECT_EQ(-EPROTO, msgpipe_wire_decode(&h, sizeof(h), &g));
}

TEST(msgpipe_wire_valid__fin_ack_without_peer)
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_FIN_ACK, .src_sid = 4 };

	EXPECT_EQ(-EPROTO, msgpipe_wire_valid(&f));
	f.dst_sid = 8;
	EXPECT_EQ(0, msgpipe_wire_valid(&f));
}

static struct msgpipe_frame batch_frame(void)
{
	struct msgpipe_frame f = {
		.type = MSGPIPE_T_BATCH, .port = 5000, .src_sid = 3,
		.offset = 77, .msg_seq = 0x1234, .stream_seq = 9,
		.total_len = 2, .chunk_len = 24, .window = 12000,
	};
	return f;
}

TEST(msgpipe_wire_decode__batch_rules)
{
	struct msgpipe_frame f = batch_frame();

	EXPECT_EQ(0, decode_of(f));
	f.port = 0;			/* no destination port */
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = batch_frame();
	f.dst_sid = 1;			/* batches have no session */
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = batch_frame();
	f.msg_seq = 0;			/* no GUID */
	f.stream_seq = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = batch_frame();
	f.offset = 0x10000;		/* origin port beyond 16 bits */
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = batch_frame();
	f.chunk_len = 15;		/* less than one header per item */
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = batch_frame();
	f.total_len = 0;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = batch_frame();
	f.window = MSGPIPE_BATCH_HORIZON_MAX + 1;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = batch_frame();
	f.flags = MSGPIPE_F_DATA_CRC;
	EXPECT_EQ(-EPROTO, decode_of(f));
}

TEST(msgpipe_wire_decode__batch_ack_and_throttle_rules)
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_BATCH_ACK, .total_len = 2,
				   .chunk_len = 48 };

	EXPECT_EQ(0, decode_of(f));
	f.chunk_len = 47;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.chunk_len = 48;
	f.src_sid = 1;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_THROTTLE, .window = 300 };
	EXPECT_EQ(0, decode_of(f));
	f.window = MSGPIPE_THROTTLE_MAX_MS + 1;
	EXPECT_EQ(-EPROTO, decode_of(f));
	f.window = 10;
	f.chunk_len = 4;
	EXPECT_EQ(-EPROTO, decode_of(f));
}

/* Two items: 3 bytes (padded to 4) and 4 bytes, the second priority. */
static const unsigned char batch_payload[] = {
	0, 0, 0, 3, 0, 0, 0, 0, 'a', 'b', 'c', 0,
	0, 0, 0, 4, 0, 0, 0, 1, 'w', 'x', 'y', 'z',
};

TEST(msgpipe_wire_batch_item__walks_items)
{
	unsigned int off = 0, ioff, ilen, flags;

	ASSERT_EQ(0, msgpipe_wire_batch_item(batch_payload, 24, &off, &ioff,
					     &ilen, &flags));
	EXPECT_EQ(8, ioff);
	EXPECT_EQ(3, ilen);
	EXPECT_EQ(0, flags);
	EXPECT_EQ(12, off);
	ASSERT_EQ(0, msgpipe_wire_batch_item(batch_payload, 24, &off, &ioff,
					     &ilen, &flags));
	EXPECT_EQ(20, ioff);
	EXPECT_EQ(4, ilen);
	EXPECT_EQ(MSGPIPE_ITEM_PRIORITY, flags);
	EXPECT_EQ(24, off);
	EXPECT_EQ(-EPROTO, msgpipe_wire_batch_item(batch_payload, 24, &off,
						   &ioff, &ilen, &flags));
}

TEST(msgpipe_wire_batch_item__malformed)
{
	unsigned int off, ioff, ilen, flags;
	unsigned char p[sizeof(batch_payload)];

	memcpy(p, batch_payload, sizeof(p));
	p[11] = 1;			/* padding not zero */
	off = 0;
	EXPECT_EQ(-EPROTO, msgpipe_wire_batch_item(p, 24, &off, &ioff, &ilen,
						   &flags));
	memcpy(p, batch_payload, sizeof(p));
	p[3] = 0;			/* empty item */
	off = 0;
	EXPECT_EQ(-EPROTO, msgpipe_wire_batch_item(p, 24, &off, &ioff, &ilen,
						   &flags));
	memcpy(p, batch_payload, sizeof(p));
	p[3] = 200;			/* runs past the payload */
	off = 0;
	EXPECT_EQ(-EPROTO, msgpipe_wire_batch_item(p, 24, &off, &ioff, &ilen,
						   &flags));
	memcpy(p, batch_payload, sizeof(p));
	p[7] = 2;			/* unknown flag */
	off = 0;
	EXPECT_EQ(-EPROTO, msgpipe_wire_batch_item(p, 24, &off, &ioff, &ilen,
						   &flags));
	off = 20;			/* a header cut short */
	EXPECT_EQ(-EPROTO, msgpipe_wire_batch_item(batch_payload, 24, &off,
						   &ioff, &ilen, &flags));
}

TEST(msgpipe_wire_batch_ack__records)
{
	struct msgpipe_batch_ack a[2] = {
		{ .guid_hi = htobe64(5), .guid_lo = htobe64(6) },
		{ .guid_hi = htobe64(7), .guid_lo = htobe64(8),
		  .status = htobe32(111) },
	};
	unsigned long long hi, lo;
	int st;

	ASSERT_EQ(0, msgpipe_wire_batch_ack(a, sizeof(a), 1, (void *)&hi,
					    (void *)&lo, &st));
	EXPECT_EQ(7, hi);
	EXPECT_EQ(8, lo);
	EXPECT_EQ(-111, st);
	EXPECT_EQ(-EPROTO, msgpipe_wire_batch_ack(a, sizeof(a), 2, (void *)&hi,
						  (void *)&lo, &st));
	a[0].guid_hi = 0;			/* no GUID */
	a[0].guid_lo = 0;
	EXPECT_EQ(-EPROTO, msgpipe_wire_batch_ack(a, sizeof(a), 0, (void *)&hi,
						  (void *)&lo, &st));
	a[1].status = htobe32(5000);		/* no errno */
	EXPECT_EQ(-EPROTO, msgpipe_wire_batch_ack(a, sizeof(a), 1, (void *)&hi,
						  (void *)&lo, &st));
}

TEST_HARNESS_MAIN
