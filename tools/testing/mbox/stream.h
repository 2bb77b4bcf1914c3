/* SPDX-License-Identifier: GPL-2.0 */
/*
 * TCP byte-stream reassembly for the middlebox's observer: segments in any
 * order, repeated or overlapping, come out once and in order.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef MBOX_STREAM_H
#define MBOX_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct stream_seg;

/**
 * struct stream - one direction of a TCP connection
 * @synced: the SYN was seen: @next is known
 * @lost:   more than @cap bytes were held out of order: given up
 * @next:   sequence number of the next byte to deliver
 * @held:   bytes held out of order
 * @cap:    at most this many held
 * @segs:   held segments, by sequence number
 */
struct stream {
	bool synced, lost;
	uint32_t next;
	size_t held, cap;
	struct stream_seg *segs;
};

/* Called with bytes in stream order. */
typedef void (*stream_deliver_fn)(void *arg, const uint8_t *p, size_t n);

/**
 * stream_init() - a direction not yet synchronized
 * @s:   the stream
 * @cap: bytes it may hold out of order
 */
void stream_init(struct stream *s, size_t cap);

/**
 * stream_syn() - the SYN (or SYN-ACK) of this direction
 * @s:   the stream
 * @isn: its sequence number
 */
void stream_syn(struct stream *s, uint32_t isn);

/**
 * stream_segment() - a segment's payload
 * @s:   the stream
 * @seq: sequence number of its first byte
 * @p:   payload
 * @n:   length
 * @fn:  receives the bytes that became contiguous, in order
 * @arg: for @fn
 *
 * Return: false once the stream is lost (nothing more is delivered).
 */
bool stream_segment(struct stream *s, uint32_t seq, const uint8_t *p, size_t n,
		    stream_deliver_fn fn, void *arg);

/**
 * stream_free() - drop what is held
 * @s: the stream
 */
void stream_free(struct stream *s);

#endif
