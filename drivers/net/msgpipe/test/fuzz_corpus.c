// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpora. wire: one frame of every type the host and the
 * agent send, encoded by the module's own wire.c with the field values of a
 * real session (HELLO on slot 2 of 8, SYNC to port 4500, a 1 MiB message in
 * 256 KiB chunks, an ACK with two selective blocks, FIN, a SOCK_RDM batch,
 * its acknowledgment, THROTTLE), each checked to
 * decode; control byte 0: the checksums are the encoder's. nl: the requests
 * msgpipectl sends, one per policy, and names at their length limit.
 *
 * usage: fuzz_corpus wire|nl DIR
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <stdio.h>
#include <stdlib.h>
#include "kcompat.h"
#include <linux/netlink.h>
#include <msgpipe/wire.h>
#include <uapi/linux/msgpipe.h>
#include <uapi/linux/msgpipe_nl.h>
#include "fuzz_nl.h"

static void put(const char *dir, const char *name,
		const struct msgpipe_frame *f, const void *pay, size_t plen)
{
	struct msgpipe_wire_hdr h;
	struct msgpipe_frame g;
	unsigned char ctl = 0;
	char path[512];
	FILE *out;

	msgpipe_wire_encode(f, &h);
	if (msgpipe_wire_decode(&h, sizeof(h), &g)) {
		fprintf(stderr, "fuzz_corpus: %s does not decode\n", name);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	out = fopen(path, "w");
	if (!out) {
		perror(path);
		exit(1);
	}
	fwrite(&ctl, 1, 1, out);
	fwrite(&h, sizeof(h), 1, out);
	if (plen)
		fwrite(pay, plen, 1, out);
	fclose(out);
}

/* A request being built for fuzz_nl, in both of its input forms: the
 * attribute stream and the {type, length, payload} list (fuzz_nl.h).
 */
struct req {
	unsigned char buf[512];
	size_t len;
	unsigned char tlv[512];
	size_t tlv_len;
};

static void req_start(struct req *r, enum fuzz_nl_kind kind)
{
	r->buf[0] = kind;
	r->len = 1;
	r->tlv[0] = kind | FUZZ_NL_BUILD;
	r->tlv_len = 1;
}

static void req_put(struct req *r, int type, const void *data, size_t len)
{
	struct nlattr nla = { .nla_len = NLA_HDRLEN + len, .nla_type = type };

	memcpy(r->buf + r->len, &nla, sizeof(nla));
	memcpy(r->buf + r->len + NLA_HDRLEN, data, len);
	memset(r->buf + r->len + NLA_HDRLEN + len, 0,
	       NLA_ALIGN(len) - len);
	r->len += NLA_HDRLEN + NLA_ALIGN(len);
	r->tlv[r->tlv_len] = type;
	r->tlv[r->tlv_len + 1] = len;
	memcpy(r->tlv + r->tlv_len + 2, data, len);
	r->tlv_len += 2 + len;
}

static void req_u32(struct req *r, int type, u32 v)
{
	req_put(r, type, &v, sizeof(v));
}

static void req_str(struct req *r, int type, const char *s)
{
	req_put(r, type, s, strlen(s) + 1);
}

static void write_file(const char *dir, const char *name, const char *sfx,
		       const void *data, size_t len)
{
	char path[512];
	FILE *out;

	snprintf(path, sizeof(path), "%s/%s%s", dir, name, sfx);
	out = fopen(path, "w");
	if (!out || fwrite(data, len, 1, out) != 1 || fclose(out)) {
		perror(path);
		exit(1);
	}
}

static void req_write(const char *dir, const char *name, const struct req *r)
{
	write_file(dir, name, "", r->buf, r->len);
	write_file(dir, name, ".tlv", r->tlv, r->tlv_len);
}

static void nl_corpus(const char *dir)
{
	char longest[MSGPIPE_KNOB_NAME_LEN];
	u8 keep = 1;
	u64 v64 = 200;
	struct req r;
	u32 v6[4];

	req_start(&r, FUZZ_NL_PIPE_NEW);
	req_u32(&r, MSGPIPE_A_PEER_IPV4, htobe32(0x0a000002));
	req_u32(&r, MSGPIPE_A_PIPE_CONNS, 8);
	req_put(&r, MSGPIPE_A_PIPE_KEEP, &keep, 1);
	req_write(dir, "pipe_new", &r);
	req_start(&r, FUZZ_NL_PIPE_NEW);
	v6[0] = htobe32(0xfd000000);
	v6[1] = 0;
	v6[2] = 0;
	v6[3] = htobe32(2);
	req_put(&r, MSGPIPE_A_PEER_IPV6, v6, sizeof(v6));
	req_u32(&r, MSGPIPE_A_PIPE_CONNS, MSGPIPE_PIPE_CONNS_MAX);
	req_write(dir, "pipe_new6", &r);
	req_start(&r, FUZZ_NL_PIPE_ID);
	req_u32(&r, MSGPIPE_A_PIPE_ID, 1);
	req_write(dir, "pipe_del", &r);
	req_start(&r, FUZZ_NL_PIPE_SET);
	req_u32(&r, MSGPIPE_A_PIPE_ID, 1);
	keep = 0;
	req_put(&r, MSGPIPE_A_PIPE_KEEP, &keep, 1);
	req_write(dir, "pipe_set", &r);
	req_start(&r, FUZZ_NL_SESSION);
	req_u32(&r, MSGPIPE_A_SESSION_ID, 7);
	req_write(dir, "session_get", &r);
	req_start(&r, FUZZ_NL_STATS);
	req_str(&r, MSGPIPE_A_STAT_NAME, "pinned_pages");
	req_write(dir, "stats_get", &r);
	req_start(&r, FUZZ_NL_STATS);
	req_str(&r, MSGPIPE_A_STAT_NAME, "abcdefghijklmnopqrstuvwxyz012345");
	req_write(dir, "stats_longest", &r);
	req_start(&r, FUZZ_NL_STATS);
	req_put(&r, MSGPIPE_A_STAT_ALL, "", 0);
	req_write(dir, "stats_get_all", &r);
	req_start(&r, FUZZ_NL_AGENT_GET);
	req_str(&r, MSGPIPE_A_AGENT_NAME, "soft");
	req_write(dir, "agent_get", &r);
	req_start(&r, FUZZ_NL_AGENT_SET);
	req_str(&r, MSGPIPE_A_AGENT_NAME, "soft");
	req_str(&r, MSGPIPE_A_KNOB_NAME, "ack_timeout_ms");
	req_put(&r, MSGPIPE_A_KNOB_VALUE, &v64, sizeof(v64));
	req_write(dir, "agent_set", &r);
	memset(longest, 'k', sizeof(longest) - 1);
	longest[sizeof(longest) - 1] = '\0';
	req_start(&r, FUZZ_NL_AGENT_SET);
	req_str(&r, MSGPIPE_A_AGENT_NAME, longest);
	req_str(&r, MSGPIPE_A_KNOB_NAME, longest);
	req_put(&r, MSGPIPE_A_KNOB_VALUE, &v64, sizeof(v64));
	req_write(dir, "agent_set_longest", &r);
	req_start(&r, FUZZ_NL_DEFAULTS);
	req_u32(&r, MSGPIPE_A_DEFAULT_CONNS, 4);
	req_write(dir, "defaults_set", &r);
	req_start(&r, FUZZ_NL_DEFAULTS);
	req_u32(&r, MSGPIPE_A_DEFAULT_RDM_TIME_US, 5000);
	req_u32(&r, MSGPIPE_A_DEFAULT_RDM_SIZE, 1 << 20);
	req_u32(&r, MSGPIPE_A_DEFAULT_RDM_RETRY_MS, 700000);
	req_write(dir, "defaults_set_rdm", &r);
	req_start(&r, FUZZ_NL_NONE);
	req_write(dir, "defaults_get", &r);
	req_start(&r, FUZZ_NL_PIPE_NEW);
	req_u32(&r, MSGPIPE_A_PEER_IPV4, htobe32(0x0a000002));
	keep = MSGPIPE_SECURITY_MTLS;
	req_put(&r, MSGPIPE_A_PIPE_SECURITY, &keep, 1);
	req_write(dir, "pipe_new_mtls", &r);
	req_start(&r, FUZZ_NL_DEFAULTS);
	keep = MSGPIPE_SECURITY_PSK;
	req_put(&r, MSGPIPE_A_DEFAULT_SECURITY, &keep, 1);
	keep = 1;
	req_put(&r, MSGPIPE_A_DEFAULT_REQUIRE_SECURITY, &keep, 1);
	req_write(dir, "defaults_set_security", &r);
	req_start(&r, FUZZ_NL_DEFAULTS);
	keep = MSGPIPE_LISTEN_OFF;
	req_put(&r, MSGPIPE_A_DEFAULT_LISTEN, &keep, 1);
	req_write(dir, "defaults_set_listen", &r);
	req_start(&r, FUZZ_NL_HS_ACCEPT);
	req_u32(&r, MSGPIPE_A_HS_ID, 3);
	req_write(dir, "hs_accept", &r);
	req_start(&r, FUZZ_NL_HS_DONE);
	req_u32(&r, MSGPIPE_A_HS_ID, 3);
	req_u32(&r, MSGPIPE_A_HS_STATUS, (u32)-EKEYREJECTED);
	req_write(dir, "hs_done", &r);
}

int main(int argc, char **argv)
{
	struct msgpipe_range r[2] = { { 300000, 400000 }, { 500000, 524288 } };
	struct msgpipe_frame f;
	unsigned char sack[2 * sizeof(struct msgpipe_sack)];
	static unsigned char chunk[4096];

	if (argc != 3 || (strcmp(argv[1], "wire") && strcmp(argv[1], "nl"))) {
		fprintf(stderr, "usage: fuzz_corpus wire|nl DIR\n");
		return 2;
	}
	if (!strcmp(argv[1], "nl")) {
		nl_corpus(argv[2]);
		return 0;
	}
	argv++;
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_HELLO, .msg_seq = 1,
		.stream_seq = 0x1234abcd5678ULL, .offset = 2, .total_len = 8 };
	put(argv[1], "hello", &f, NULL, 0);
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_SYNC, .port = 4500,
		.src_sid = 17, .window = 4 << 20, .msg_window = 1024 };
	put(argv[1], "sync", &f, NULL, 0);
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_SYNC_ACK, .dst_sid = 17,
		.src_sid = 33 };
	put(argv[1], "sync_ack", &f, NULL, 0);
	f.type = MSGPIPE_T_ACCEPT;
	f.window = 4 << 20;
	f.msg_window = 1024;
	put(argv[1], "accept", &f, NULL, 0);
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_REFUSE, .dst_sid = 17 };
	put(argv[1], "refuse", &f, NULL, 0);
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_DATA, .dst_sid = 33,
		.src_sid = 17, .msg_seq = 1, .stream_seq = 262144,
		.offset = 262144, .total_len = 1 << 20, .chunk_len = 4096 };
	put(argv[1], "data", &f, chunk, sizeof(chunk));
	f.flags = MSGPIPE_F_DATA_CRC;
	f.data_crc = crc32c(~0U, chunk, sizeof(chunk));
	put(argv[1], "data_crc", &f, chunk, sizeof(chunk));
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_DATA, .dst_sid = 33,
		.src_sid = 17, .msg_seq = 2, .stream_seq = 1 << 20,
		.total_len = 65536, .flags = MSGPIPE_F_ABORT };
	put(argv[1], "data_void", &f, NULL, 0);
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_ACK, .dst_sid = 17,
		.src_sid = 33, .msg_seq = 1, .stream_seq = 262144,
		.window = 4 << 20, .msg_window = 1023,
		.chunk_len = sizeof(sack) };
	msgpipe_wire_sack_encode(r, 2, sack);
	put(argv[1], "ack_sack", &f, sack, sizeof(sack));
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_FIN, .dst_sid = 33,
		.src_sid = 17, .msg_seq = 2, .stream_seq = 1 << 20 };
	put(argv[1], "fin", &f, NULL, 0);
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_FIN_ACK, .dst_sid = 17,
		.src_sid = 33 };
	put(argv[1], "fin_ack", &f, NULL, 0);
	/* SOCK_RDM: a batch of a 5-byte item and a priority 8-byte one,
	 * its acknowledgment (one delivered, one refused), a THROTTLE.
	 */
	{
		static const unsigned char items[] = {
			0, 0, 0, 5, 0, 0, 0, 0, 'h', 'e', 'l', 'l', 'o', 0, 0, 0,
			0, 0, 0, 8, 0, 0, 0, 1, 'p', 'r', 'i', 'o', 'r', 'i', 't', 'y',
		};
		struct msgpipe_batch_ack acks[2] = {
			{ .guid_hi = htobe64(0x8badf00dULL), .guid_lo = htobe64(41) },
			{ .guid_hi = htobe64(0x8badf00dULL), .guid_lo = htobe64(42),
			  .status = htobe32(111) },
		};

		f = (struct msgpipe_frame){ .type = MSGPIPE_T_BATCH, .port = 5000,
			.src_sid = 9, .offset = 7000, .msg_seq = 0x8badf00dULL,
			.stream_seq = 41, .total_len = 2, .chunk_len = sizeof(items),
			.window = 14000 };
		put(argv[1], "batch", &f, items, sizeof(items));
		f = (struct msgpipe_frame){ .type = MSGPIPE_T_BATCH_ACK,
			.total_len = 2, .chunk_len = sizeof(acks) };
		put(argv[1], "batch_ack", &f, acks, sizeof(acks));
		f = (struct msgpipe_frame){ .type = MSGPIPE_T_THROTTLE,
			.window = 300 };
		put(argv[1], "throttle", &f, NULL, 0);
	}
	return 0;
}
