/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgpipe wire format: the frame header every TCP connection of a pipe
 * carries, and the portable encoder/decoder shared by the host module, the
 * soft agent and the user-space unit tests. Documentation/networking/msgpipe/
 * wire-format.rst is the normative description.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_WIRE_H
#define _MSGPIPE_WIRE_H

#include <linux/types.h>

#define MSGPIPE_WIRE_MAGIC	0x4d504950	/* "MPIP" */
#define MSGPIPE_WIRE_VERSION	1
#define MSGPIPE_HDR_LEN		64

/* Largest payload of one frame; senders use MSGPIPE_CHUNK_DEFAULT. */
#define MSGPIPE_CHUNK_MAX	0x100000U	/* 1 MiB */
#define MSGPIPE_CHUNK_DEFAULT	0x40000U	/* 256 KiB */

/**
 * enum msgpipe_frame_type - what a frame is
 * @MSGPIPE_T_SYNC:      open a session to service @port; @src_sid is the
 *                       opener's session id
 * @MSGPIPE_T_SYNC_ACK:  the destination host queued the session for its
 *                       application; @src_sid is the destination's id
 * @MSGPIPE_T_ACCEPT:    the destination application accepted the session
 * @MSGPIPE_T_REFUSE:    no listener, backlog full, or refused; @window
 *                       carries the errno (ECONNREFUSED)
 * @MSGPIPE_T_DATA:      @chunk_len bytes at @offset of message @msg_seq,
 *                       whose length is @total_len; the first byte has
 *                       session stream sequence number @stream_seq. With
 *                       MSGPIPE_F_ABORT and no payload: the whole message
 *                       (starting at @stream_seq) is void
 * @MSGPIPE_T_ACK:       cumulative acknowledgment (@stream_seq, @msg_seq),
 *                       receive window (@window, @msg_window) and up to
 *                       MSGPIPE_SACK_MAX selective blocks as payload
 * @MSGPIPE_T_NACK:      negative acknowledgment (reserved: holes below a
 *                       SACK block are the negative acknowledgment)
 * @MSGPIPE_T_FIN:       the sender will send no more messages
 * @MSGPIPE_T_FIN_ACK:   the FIN was received
 * @MSGPIPE_T_BATCH:     SOCK_RDM items for service @port: GUID in
 *                       (@msg_seq, @stream_seq), @total_len items as
 *                       struct msgpipe_batch_item records, origin socket
 *                       @src_sid bound to port @offset, @window the ms
 *                       the origin may still resend it
 * @MSGPIPE_T_BATCH_ACK: @total_len struct msgpipe_batch_ack records
 * @MSGPIPE_T_WINDOW:    receive window update (reserved)
 * @MSGPIPE_T_THROTTLE:  send no BATCH to this host for @window ms
 * @MSGPIPE_T_PING:      liveness probe (reserved)
 * @MSGPIPE_T_PONG:      answer to a PING (reserved)
 * @MSGPIPE_T_HELLO:     first frame on every connection, both ways: names
 *                       the pipe (@stream_seq, a random non-zero token the
 *                       dialer chose) and whether the dialer resumes it
 *                       (@msg_seq 1) or starts it (0); the answer's
 *                       @msg_seq says whether the acceptor still had it;
 *                       @window is the pipe's security (MSGPIPE_SECURITY_*
 *                       of msgpipe_nl.h, at most MSGPIPE_HELLO_SECURITY_MAX),
 *                       established by a TLS handshake after the HELLOs
 * @MSGPIPE_T_MAX:       one past the last type
 */
/* The highest security a HELLO may name (MSGPIPE_SECURITY_PSK). */
#define MSGPIPE_HELLO_SECURITY_MAX	3

enum msgpipe_frame_type {
	MSGPIPE_T_SYNC = 1,
	MSGPIPE_T_SYNC_ACK,
	MSGPIPE_T_ACCEPT,
	MSGPIPE_T_REFUSE,
	MSGPIPE_T_DATA,
	MSGPIPE_T_ACK,
	MSGPIPE_T_NACK,
	MSGPIPE_T_FIN,
	MSGPIPE_T_FIN_ACK,
	MSGPIPE_T_BATCH,
	MSGPIPE_T_BATCH_ACK,
	MSGPIPE_T_WINDOW,
	MSGPIPE_T_THROTTLE,
	MSGPIPE_T_PING,
	MSGPIPE_T_PONG,
	MSGPIPE_T_HELLO,
	MSGPIPE_T_MAX,
};

/* Frame flags. */
#define MSGPIPE_F_DATA_CRC	0x0001	/* @data_crc covers the payload */
#define MSGPIPE_F_ABORT		0x0002	/* FIN: reset, not closed; DATA: void message */
#define MSGPIPE_F_ALL		(MSGPIPE_F_DATA_CRC | MSGPIPE_F_ABORT)

/* Selective acknowledgment blocks an ACK may carry, 16 bytes each. */
#define MSGPIPE_SACK_MAX	4

/**
 * struct msgpipe_sack - one selective acknowledgment block on the wire
 * @lo: first stream byte received beyond the cumulative acknowledgment
 * @hi: one past the last
 */
struct msgpipe_sack {
	__be64	lo;
	__be64	hi;
};

/**
 * struct msgpipe_wire_hdr - the 64-byte frame header, all big endian
 * @magic:      MSGPIPE_WIRE_MAGIC
 * @version:    MSGPIPE_WIRE_VERSION; other versions are refused
 * @type:       enum msgpipe_frame_type
 * @flags:      MSGPIPE_F_*
 * @hdr_len:    MSGPIPE_HDR_LEN
 * @port:       SYNC: destination service port; otherwise 0
 * @dst_sid:    receiver's session id (0 in SYNC)
 * @src_sid:    sender's session id
 * @chunk_len:  payload bytes that follow this header
 * @msg_seq:    DATA: message sequence number within the session, from 1;
 *              ACK: the last message received whole and in order
 * @stream_seq: DATA: stream sequence number of the first payload byte;
 *              ACK: every stream byte below it was received
 * @offset:     DATA: byte offset of this chunk in its message
 * @total_len:  DATA: length of the whole message
 * @window:     SYNC, ACCEPT, ACK: bytes the peer may send beyond the
 *              acknowledged stream position; REFUSE: the errno
 * @msg_window: SYNC, ACCEPT, ACK: messages the peer may start beyond
 *              @msg_seq
 * @data_crc:   CRC32C of the payload when MSGPIPE_F_DATA_CRC is set, else 0
 * @hdr_crc:    CRC32C of the 64 header bytes with this field zero
 */
struct msgpipe_wire_hdr {
	__be32	magic;
	__u8	version;
	__u8	type;
	__be16	flags;
	__be16	hdr_len;
	__be16	port;
	__be32	dst_sid;
	__be32	src_sid;
	__be32	chunk_len;
	__be64	msg_seq;
	__be64	stream_seq;
	__be32	offset;
	__be32	total_len;
	__be32	window;
	__be32	msg_window;
	__be32	data_crc;
	__be32	hdr_crc;
};

/* BATCH limits: items of one frame, dedup horizon, THROTTLE pause. */
#define MSGPIPE_BATCH_ITEMS_MAX	65536
#define MSGPIPE_BATCH_HORIZON_MAX 3600000	/* ms */
#define MSGPIPE_THROTTLE_MAX_MS	10000
#define MSGPIPE_BATCH_ACK_MAX	(MSGPIPE_CHUNK_MAX / 24)

/**
 * struct msgpipe_batch_item - header of one item in a BATCH payload
 * @len:   bytes of the item that follow, 1..MSGPIPE_RDM_ITEM_MAX, then
 *         zero padding to a multiple of 4
 * @flags: MSGPIPE_ITEM_PRIORITY or 0
 */
struct msgpipe_batch_item {
	__be32	len;
	__be32	flags;
};

/**
 * struct msgpipe_batch_ack - one acknowledged batch in a BATCH_ACK payload
 * @guid_hi: the batch's GUID, high half (its @msg_seq)
 * @guid_lo: low half (its @stream_seq)
 * @status:  0 delivered, else the errno it failed with (ECONNREFUSED: no
 *           SOCK_RDM socket on its port)
 * @pad:     zero
 */
struct msgpipe_batch_ack {
	__be64	guid_hi;
	__be64	guid_lo;
	__be32	status;
	__be32	pad;
};

/**
 * struct msgpipe_frame - a decoded frame header in host byte order
 * @type:       enum msgpipe_frame_type
 * @flags:      MSGPIPE_F_*
 * @port:       SYNC destination port
 * @dst_sid:    receiver's session id
 * @src_sid:    sender's session id
 * @chunk_len:  payload length
 * @msg_seq:    message sequence number (ACK: cumulative)
 * @stream_seq: stream sequence number (ACK: cumulative)
 * @offset:     chunk offset in the message
 * @total_len:  message length
 * @window:     receive window in bytes (REFUSE: errno)
 * @msg_window: receive window in messages
 * @data_crc:   payload CRC32C when MSGPIPE_F_DATA_CRC is set
 */
struct msgpipe_frame {
	__u8	type;
	__u16	flags;
	__u16	port;
	__u32	dst_sid;
	__u32	src_sid;
	__u32	chunk_len;
	__u64	msg_seq;
	__u64	stream_seq;
	__u32	offset;
	__u32	total_len;
	__u32	window;
	__u32	msg_window;
	__u32	data_crc;
};

/**
 * struct msgpipe_range - a decoded selective acknowledgment block
 * @lo: first stream byte
 * @hi: one past the last
 */
struct msgpipe_range {
	__u64	lo;
	__u64	hi;
};

void msgpipe_wire_encode(const struct msgpipe_frame *f,
			 struct msgpipe_wire_hdr *h);
int msgpipe_wire_decode(const void *buf, unsigned int len,
			struct msgpipe_frame *f);
int msgpipe_wire_valid(const struct msgpipe_frame *f);
__u32 msgpipe_wire_crc(__u32 crc, const void *buf, unsigned int len);
const char *msgpipe_wire_type_name(unsigned int type);
int msgpipe_wire_sack_decode(const struct msgpipe_frame *f, const void *buf,
			     struct msgpipe_range *r);
void msgpipe_wire_sack_encode(const struct msgpipe_range *r, unsigned int n,
			      void *buf);

int msgpipe_wire_batch_item(const void *buf, __u32 len, __u32 *off,
			    __u32 *item_off, __u32 *item_len, __u32 *flags);
int msgpipe_wire_batch_ack(const void *buf, __u32 len, __u32 i,
			   __u64 *hi, __u64 *lo, int *status);

#endif /* _MSGPIPE_WIRE_H */
