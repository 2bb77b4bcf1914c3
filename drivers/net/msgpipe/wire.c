// SPDX-License-Identifier: GPL-2.0
/*
 * Frame header encoding, decoding and validation. Portable: the same file is
 * built into msgpipe.ko and into the user-space unit tests and fuzzers, so it
 * includes only what test/kcompat.h can stand in for.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifdef __KERNEL__
#include <linux/crc32c.h>
#include <linux/errno.h>
#include <linux/export.h>
#include <linux/string.h>
#include <linux/kernel.h>
#else
#include "test/kcompat.h"
#endif
#include <msgpipe/wire.h>
#include <uapi/linux/msgpipe.h>

static const char * const msgpipe_type_names[MSGPIPE_T_MAX] = {
	[MSGPIPE_T_SYNC] = "SYNC",
	[MSGPIPE_T_SYNC_ACK] = "SYNC_ACK",
	[MSGPIPE_T_ACCEPT] = "ACCEPT",
	[MSGPIPE_T_REFUSE] = "REFUSE",
	[MSGPIPE_T_DATA] = "DATA",
	[MSGPIPE_T_ACK] = "ACK",
	[MSGPIPE_T_NACK] = "NACK",
	[MSGPIPE_T_FIN] = "FIN",
	[MSGPIPE_T_FIN_ACK] = "FIN_ACK",
	[MSGPIPE_T_BATCH] = "BATCH",
	[MSGPIPE_T_BATCH_ACK] = "BATCH_ACK",
	[MSGPIPE_T_WINDOW] = "WINDOW",
	[MSGPIPE_T_THROTTLE] = "THROTTLE",
	[MSGPIPE_T_PING] = "PING",
	[MSGPIPE_T_PONG] = "PONG",
	[MSGPIPE_T_HELLO] = "HELLO",
};

/**
 * msgpipe_wire_type_name() - printable name of a frame type
 * @type: enum msgpipe_frame_type value, possibly out of range
 *
 * Return: the name, or "?" for an unknown type.
 */
const char *msgpipe_wire_type_name(unsigned int type)
{
	if (type == 0 || type >= MSGPIPE_T_MAX)
		return "?";
	return msgpipe_type_names[type];
}
EXPORT_SYMBOL_GPL(msgpipe_wire_type_name);

/**
 * msgpipe_wire_crc() - CRC32C as used by the wire format
 * @crc: previous value (~0 to start)
 * @buf: bytes
 * @len: number of bytes
 *
 * Return: the updated CRC.
 */
u32 msgpipe_wire_crc(u32 crc, const void *buf, unsigned int len)
{
	return crc32c(crc, buf, len);
}
EXPORT_SYMBOL_GPL(msgpipe_wire_crc);

/**
 * msgpipe_wire_encode() - write a frame header in wire order
 * @f: the frame, host byte order
 * @h: where to write the 64 header bytes
 *
 * The caller has built @f from its own state; nothing is validated here.
 */
void msgpipe_wire_encode(const struct msgpipe_frame *f,
			 struct msgpipe_wire_hdr *h)
{
	memset(h, 0, sizeof(*h));
	h->magic = cpu_to_be32(MSGPIPE_WIRE_MAGIC);
	h->version = MSGPIPE_WIRE_VERSION;
	h->type = f->type;
	h->flags = cpu_to_be16(f->flags);
	h->hdr_len = cpu_to_be16(MSGPIPE_HDR_LEN);
	h->port = cpu_to_be16(f->port);
	h->dst_sid = cpu_to_be32(f->dst_sid);
	h->src_sid = cpu_to_be32(f->src_sid);
	h->chunk_len = cpu_to_be32(f->chunk_len);
	h->msg_seq = cpu_to_be64(f->msg_seq);
	h->stream_seq = cpu_to_be64(f->stream_seq);
	h->offset = cpu_to_be32(f->offset);
	h->total_len = cpu_to_be32(f->total_len);
	h->window = cpu_to_be32(f->window);
	h->msg_window = cpu_to_be32(f->msg_window);
	h->data_crc = cpu_to_be32(f->data_crc);
	h->hdr_crc = cpu_to_be32(msgpipe_wire_crc(~0U, h, sizeof(*h)));
}
EXPORT_SYMBOL_GPL(msgpipe_wire_encode);

/* Stream sequence numbers stay below 2^62: no wrap in a session's life. */
#define MSGPIPE_STREAM_LIMIT	BIT_ULL(62)

static int msgpipe_wire_check_data(const struct msgpipe_frame *f)
{
	if (!f->dst_sid || !f->src_sid || !f->msg_seq)
		return -EPROTO;
	if (!f->total_len || f->total_len > MSGPIPE_MAX_MSG)
		return -EMSGSIZE;
	if (f->stream_seq >= MSGPIPE_STREAM_LIMIT || f->msg_window ||
	    f->window || f->port)
		return -EPROTO;
	if (f->flags & MSGPIPE_F_ABORT)
		/* A void message: no payload, names the whole message. */
		return f->chunk_len || f->offset ? -EPROTO : 0;
	if (!f->chunk_len || f->offset >= f->total_len ||
	    f->chunk_len > f->total_len - f->offset)
		return -EPROTO;
	return 0;
}

/* BATCH, BATCH_ACK, THROTTLE: the frames of SOCK_RDM. */
static int msgpipe_wire_check_rdm(const struct msgpipe_frame *f)
{
	if (f->flags || f->msg_window)
		return -EPROTO;
	switch (f->type) {
	case MSGPIPE_T_BATCH:
		if (!f->port || f->dst_sid || !f->src_sid ||
		    (!f->msg_seq && !f->stream_seq) || f->offset > 0xffff ||
		    f->window > MSGPIPE_BATCH_HORIZON_MAX)
			return -EPROTO;
		if (!f->total_len || f->total_len > MSGPIPE_BATCH_ITEMS_MAX ||
		    f->chunk_len / sizeof(struct msgpipe_batch_item) <
		    f->total_len)
			return -EPROTO;
		return 0;
	case MSGPIPE_T_BATCH_ACK:
		if (f->port || f->dst_sid || f->src_sid || f->msg_seq ||
		    f->stream_seq || f->offset || f->window)
			return -EPROTO;
		if (!f->total_len || f->total_len > MSGPIPE_BATCH_ACK_MAX ||
		    f->chunk_len != f->total_len *
		    sizeof(struct msgpipe_batch_ack))
			return -EPROTO;
		return 0;
	default: /* MSGPIPE_T_THROTTLE */
		if (f->port || f->dst_sid || f->src_sid || f->msg_seq ||
		    f->stream_seq || f->offset || f->total_len || f->chunk_len ||
		    f->window > MSGPIPE_THROTTLE_MAX_MS)
			return -EPROTO;
		return 0;
	}
}

static int msgpipe_wire_check(const struct msgpipe_frame *f)
{
	if (f->type == 0 || f->type >= MSGPIPE_T_MAX)
		return -EPROTO;
	if (f->flags & ~MSGPIPE_F_ALL)
		return -EPROTO;
	if (f->chunk_len > MSGPIPE_CHUNK_MAX)
		return -EMSGSIZE;
	if ((f->flags & MSGPIPE_F_ABORT) && f->type != MSGPIPE_T_FIN &&
	    f->type != MSGPIPE_T_DATA)
		return -EPROTO;
	if ((f->flags & MSGPIPE_F_DATA_CRC) && f->type != MSGPIPE_T_DATA)
		return -EPROTO;
	if (f->type == MSGPIPE_T_BATCH || f->type == MSGPIPE_T_BATCH_ACK ||
	    f->type == MSGPIPE_T_THROTTLE)
		return msgpipe_wire_check_rdm(f);
	if (f->type != MSGPIPE_T_SYNC && f->port)
		return -EPROTO;

	switch (f->type) {
	case MSGPIPE_T_DATA:
		return msgpipe_wire_check_data(f);
	case MSGPIPE_T_ACK:
		if (!f->dst_sid || !f->src_sid ||
		    f->stream_seq >= MSGPIPE_STREAM_LIMIT ||
		    f->chunk_len % sizeof(struct msgpipe_sack) ||
		    f->chunk_len > MSGPIPE_SACK_MAX * sizeof(struct msgpipe_sack))
			return -EPROTO;
		return f->offset || f->total_len ? -EPROTO : 0;
	case MSGPIPE_T_HELLO:
		/* @offset: the connection's slot; @total_len: the pipe's. */
		if (f->dst_sid || f->src_sid || f->msg_seq > 1 || !f->stream_seq ||
		    f->chunk_len || !f->total_len ||
		    f->total_len > MSGPIPE_PIPE_CONNS_MAX ||
		    f->offset >= f->total_len ||
		    f->window > MSGPIPE_HELLO_SECURITY_MAX ||
		    f->msg_window || f->flags)
			return -EPROTO;
		return 0;
	case MSGPIPE_T_SYNC:
		if (!f->port || f->dst_sid || !f->src_sid)
			return -EPROTO;
		break;
	case MSGPIPE_T_REFUSE:
		/* Refusing a SYNC: the refuser may have no session. */
		if (!f->dst_sid || f->msg_window)
			return -EPROTO;
		break;
	case MSGPIPE_T_ACCEPT:
		if (!f->dst_sid || !f->src_sid)
			return -EPROTO;
		break;
	default:
		if (!f->dst_sid || !f->src_sid || f->window || f->msg_window)
			return -EPROTO;
		break;
	}
	/* Only DATA and ACK carry a payload; FIN names where data ends. */
	if (f->chunk_len || f->total_len || f->offset)
		return -EPROTO;
	if (f->type != MSGPIPE_T_FIN && (f->msg_seq || f->stream_seq))
		return -EPROTO;
	if (f->stream_seq >= MSGPIPE_STREAM_LIMIT)
		return -EPROTO;
	return 0;
}

/**
 * msgpipe_wire_valid() - would a peer accept this frame header?
 * @f: a frame about to be sent
 *
 * The same checks msgpipe_wire_decode() applies on receipt, so a host
 * never sends what its peer must reset the connection for.
 *
 * Return: 0 or the errno msgpipe_wire_decode() would give.
 */
int msgpipe_wire_valid(const struct msgpipe_frame *f)
{
	return msgpipe_wire_check(f);
}
EXPORT_SYMBOL_GPL(msgpipe_wire_valid);

/**
 * msgpipe_wire_decode() - parse and validate one frame header
 * @buf: the received header bytes
 * @len: how many bytes @buf holds
 * @f:   decoded frame, host byte order
 *
 * Every field is checked; a frame that fails is a protocol violation and
 * the caller resets the connection it came on.
 *
 * Return: 0; -EINVAL if @len is short; -EBADMSG for a bad magic or header
 * checksum; -EPROTONOSUPPORT for another version or header length; -EPROTO
 * or -EMSGSIZE for fields that contradict each other or the limits.
 */
int msgpipe_wire_decode(const void *buf, unsigned int len,
			struct msgpipe_frame *f)
{
	struct msgpipe_wire_hdr h;
	u32 crc;

	if (len < MSGPIPE_HDR_LEN)
		return -EINVAL;
	memcpy(&h, buf, sizeof(h));
	if (be32_to_cpu(h.magic) != MSGPIPE_WIRE_MAGIC)
		return -EBADMSG;
	if (h.version != MSGPIPE_WIRE_VERSION ||
	    be16_to_cpu(h.hdr_len) != MSGPIPE_HDR_LEN)
		return -EPROTONOSUPPORT;
	crc = be32_to_cpu(h.hdr_crc);
	h.hdr_crc = 0;
	if (msgpipe_wire_crc(~0U, &h, sizeof(h)) != crc)
		return -EBADMSG;

	f->type = h.type;
	f->flags = be16_to_cpu(h.flags);
	f->port = be16_to_cpu(h.port);
	f->dst_sid = be32_to_cpu(h.dst_sid);
	f->src_sid = be32_to_cpu(h.src_sid);
	f->chunk_len = be32_to_cpu(h.chunk_len);
	f->msg_seq = be64_to_cpu(h.msg_seq);
	f->stream_seq = be64_to_cpu(h.stream_seq);
	f->offset = be32_to_cpu(h.offset);
	f->total_len = be32_to_cpu(h.total_len);
	f->window = be32_to_cpu(h.window);
	f->msg_window = be32_to_cpu(h.msg_window);
	f->data_crc = be32_to_cpu(h.data_crc);
	if (!(f->flags & MSGPIPE_F_DATA_CRC) && f->data_crc)
		return -EPROTO;
	return msgpipe_wire_check(f);
}
EXPORT_SYMBOL_GPL(msgpipe_wire_decode);

/**
 * msgpipe_wire_sack_decode() - parse the selective blocks of an ACK
 * @f:   the ACK's validated header
 * @buf: its payload, @f->chunk_len bytes
 * @r:   room for MSGPIPE_SACK_MAX ranges
 *
 * Blocks must lie above the cumulative acknowledgment, be non-empty, in
 * ascending order and apart from each other.
 *
 * Return: the number of blocks, or -EPROTO.
 */
int msgpipe_wire_sack_decode(const struct msgpipe_frame *f, const void *buf,
			     struct msgpipe_range *r)
{
	unsigned int i, n = f->chunk_len / sizeof(struct msgpipe_sack);
	const struct msgpipe_sack *s = buf;
	u64 floor = f->stream_seq;

	if (f->type != MSGPIPE_T_ACK || n > MSGPIPE_SACK_MAX)
		return -EPROTO;
	for (i = 0; i < n; i++) {
		struct msgpipe_sack b;

		memcpy(&b, &s[i], sizeof(b));
		r[i].lo = be64_to_cpu(b.lo);
		r[i].hi = be64_to_cpu(b.hi);
		if (r[i].lo <= floor || r[i].hi <= r[i].lo ||
		    r[i].hi >= MSGPIPE_STREAM_LIMIT)
			return -EPROTO;
		floor = r[i].hi;
	}
	return n;
}
EXPORT_SYMBOL_GPL(msgpipe_wire_sack_decode);

/**
 * msgpipe_wire_sack_encode() - write selective blocks in wire order
 * @r:   the ranges, ascending and apart
 * @n:   how many, at most MSGPIPE_SACK_MAX
 * @buf: room for @n struct msgpipe_sack
 */
void msgpipe_wire_sack_encode(const struct msgpipe_range *r, unsigned int n,
			      void *buf)
{
	struct msgpipe_sack *s = buf;
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct msgpipe_sack b = {
			.lo = cpu_to_be64(r[i].lo),
			.hi = cpu_to_be64(r[i].hi),
		};

		memcpy(&s[i], &b, sizeof(b));
	}
}
EXPORT_SYMBOL_GPL(msgpipe_wire_sack_encode);

/**
 * msgpipe_wire_batch_item() - the next item of a BATCH payload
 * @buf:      the payload
 * @len:      its length (the frame's @chunk_len)
 * @off:      where the next item header is; advanced past the item
 * @item_off: where the item's bytes start in @buf
 * @item_len: how many
 * @flags:    its flags
 *
 * Items are struct msgpipe_batch_item headers each followed by the item's
 * bytes and zero padding to 4 bytes; the last item ends the payload.
 *
 * Return: 0, or -EPROTO when the record does not fit, is empty or too
 * long, has unknown flags or non-zero padding.
 */
int msgpipe_wire_batch_item(const void *buf, u32 len, u32 *off,
			    u32 *item_off, u32 *item_len, u32 *flags)
{
	const unsigned char *p = buf;
	struct msgpipe_batch_item h;
	u32 n, pad, i;

	if (*off > len || len - *off < sizeof(h))
		return -EPROTO;
	memcpy(&h, p + *off, sizeof(h));
	n = be32_to_cpu(h.len);
	*flags = be32_to_cpu(h.flags);
	if (!n || n > MSGPIPE_RDM_ITEM_MAX || (*flags & ~MSGPIPE_ITEM_PRIORITY))
		return -EPROTO;
	pad = (4 - (n & 3)) & 3;
	if (len - *off - sizeof(h) < n + pad)
		return -EPROTO;
	*item_off = *off + sizeof(h);
	*item_len = n;
	for (i = 0; i < pad; i++)
		if (p[*item_off + n + i])
			return -EPROTO;
	*off = *item_off + n + pad;
	return 0;
}
EXPORT_SYMBOL_GPL(msgpipe_wire_batch_item);

/**
 * msgpipe_wire_batch_ack() - record @i of a BATCH_ACK payload
 * @buf:    the payload
 * @len:    its length
 * @i:      which record
 * @hi:     GUID, high half
 * @lo:     GUID, low half
 * @status: 0 or -errno
 *
 * Return: 0, or -EPROTO for a record past the end, a zero GUID, a status
 * that is no errno, or non-zero padding.
 */
int msgpipe_wire_batch_ack(const void *buf, u32 len, u32 i,
			   u64 *hi, u64 *lo, int *status)
{
	struct msgpipe_batch_ack a;
	u32 st;

	if (i >= len / sizeof(a))
		return -EPROTO;
	memcpy(&a, (const unsigned char *)buf + i * sizeof(a), sizeof(a));
	*hi = be64_to_cpu(a.guid_hi);
	*lo = be64_to_cpu(a.guid_lo);
	st = be32_to_cpu(a.status);
	if ((!*hi && !*lo) || st > 4095 || a.pad)
		return -EPROTO;
	*status = -(int)st;
	return 0;
}
EXPORT_SYMBOL_GPL(msgpipe_wire_batch_ack);
