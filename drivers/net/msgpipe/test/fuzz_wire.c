// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for wire.c, the frame header decoder the host and the
 * agent run on every received frame, compiled from the module's source.
 * Input: one control byte, then a header and payload. Bit 0 of the control
 * byte reseals the header checksum first, so the fuzzer gets past it and
 * reaches the field rules. Checks beyond "no crash": a frame the decoder
 * accepts encodes back to the same bytes, and its selective blocks (for an
 * ACK) decode to ascending, disjoint ranges above the cumulative point;
 * a BATCH payload's items and a BATCH_ACK's records are walked the way
 * the host does, each item lying inside the payload.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <stdlib.h>
#include "kcompat.h"
#include <msgpipe/wire.h>
#include <uapi/linux/msgpipe.h>

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

static void reseal(struct msgpipe_wire_hdr *h)
{
	h->hdr_crc = 0;
	h->hdr_crc = htobe32(crc32c(~0U, h, sizeof(*h)));
}

/* Walk a BATCH's items or a BATCH_ACK's records as the host does. */
static void fuzz_rdm(const struct msgpipe_frame *f, const unsigned char *p)
{
	unsigned int i, off = 0, ioff, ilen, flags;
	unsigned long long hi, lo;
	int st;

	if (f->type == MSGPIPE_T_BATCH_ACK) {
		for (i = 0; i < f->total_len; i++)
			if (!msgpipe_wire_batch_ack(p, f->chunk_len, i, (void *)&hi,
						    (void *)&lo, &st) &&
			    (st > 0 || st < -4095 || (!hi && !lo)))
				abort();
		return;
	}
	for (i = 0; i < f->total_len; i++) {
		if (msgpipe_wire_batch_item(p, f->chunk_len, &off, &ioff, &ilen,
					    &flags))
			return;
		if (!ilen || ioff + ilen > f->chunk_len || off > f->chunk_len ||
		    off < ioff + ilen)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct msgpipe_range r[MSGPIPE_SACK_MAX];
	struct msgpipe_wire_hdr h, back;
	struct msgpipe_frame f;
	unsigned char *buf;
	size_t len;
	int n, i;

	if (size < 1)
		return 0;
	len = size - 1;
	/* An exact-size copy, so ASan sees any read past the input. */
	buf = malloc(len ? len : 1);
	memcpy(buf, data + 1, len);
	if ((data[0] & 1) && len >= sizeof(h)) {
		memcpy(&h, buf, sizeof(h));
		reseal(&h);
		memcpy(buf, &h, sizeof(h));
	}
	if (msgpipe_wire_decode(buf, len, &f))
		goto out;
	/* Accepted: the encoder must give back the very same header. */
	msgpipe_wire_encode(&f, &back);
	if (memcmp(&back, buf, sizeof(back)))
		abort();
	if (f.chunk_len > len - sizeof(h))
		goto out;
	if (f.type == MSGPIPE_T_BATCH || f.type == MSGPIPE_T_BATCH_ACK) {
		fuzz_rdm(&f, buf + sizeof(h));
		goto out;
	}
	if (f.type != MSGPIPE_T_ACK)
		goto out;
	n = msgpipe_wire_sack_decode(&f, buf + sizeof(h), r);
	if (n < 0)
		goto out;
	if (n > MSGPIPE_SACK_MAX)
		abort();
	for (i = 0; i < n; i++)
		if (r[i].hi <= r[i].lo || r[i].lo <= (i ? r[i - 1].hi : f.stream_seq))
			abort();
out:
	free(buf);
	return 0;
}
