// SPDX-License-Identifier: GPL-2.0
/*
 * Writes the seed corpus of fuzz_wire: one frame of every type the host and
 * the agent send, encoded by the module's own wire.c with the field values
 * of a real session (HELLO on slot 2 of 8, SYNC to port 4500, a 1 MiB
 * message in 256 KiB chunks, an ACK with two selective blocks, FIN), each
 * checked to decode. Control byte 0: the checksums are the encoder's.
 *
 * usage: fuzz_corpus DIR
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <stdio.h>
#include <stdlib.h>
#include "kcompat.h"
#include <msgpipe/wire.h>
#include <uapi/linux/msgpipe.h>

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

int main(int argc, char **argv)
{
	struct msgpipe_range r[2] = { { 300000, 400000 }, { 500000, 524288 } };
	struct msgpipe_frame f;
	unsigned char sack[2 * sizeof(struct msgpipe_sack)];
	static unsigned char chunk[4096];

	if (argc != 2) {
		fprintf(stderr, "usage: fuzz_corpus DIR\n");
		return 2;
	}
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
	return 0;
}
