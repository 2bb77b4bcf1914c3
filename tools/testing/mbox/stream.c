// SPDX-License-Identifier: GPL-2.0
/*
 * TCP reassembly: bytes below @next were delivered; a segment reaching past
 * it delivers its new part, then whatever held segments became contiguous.
 * Sequence numbers compare modulo 2^32.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <stdlib.h>
#include <string.h>
#include "stream.h"

struct stream_seg {
	struct stream_seg *next;
	uint32_t seq;
	size_t len;
	uint8_t data[];
};

static int32_t diff(uint32_t a, uint32_t b)
{
	return (int32_t)(a - b);
}

void stream_init(struct stream *s, size_t cap)
{
	memset(s, 0, sizeof(*s));
	s->cap = cap;
}

void stream_syn(struct stream *s, uint32_t isn)
{
	if (s->synced)
		return;
	s->synced = true;
	s->next = isn + 1;
}

void stream_free(struct stream *s)
{
	while (s->segs) {
		struct stream_seg *g = s->segs;

		s->segs = g->next;
		free(g);
	}
	s->held = 0;
}

/* Deliver the part of [seq, seq + n) at or above next, if it touches next. */
static bool deliver(struct stream *s, uint32_t seq, const uint8_t *p, size_t n,
		    stream_deliver_fn fn, void *arg)
{
	int32_t d = diff(s->next, seq);

	if (d < 0 || (size_t)d >= n)
		return false;
	fn(arg, p + d, n - d);
	s->next = seq + n;
	return true;
}

bool stream_segment(struct stream *s, uint32_t seq, const uint8_t *p, size_t n,
		    stream_deliver_fn fn, void *arg)
{
	struct stream_seg **pp, *g;

	if (s->lost || !s->synced)
		return false;
	if (!n)
		return true;
	if (diff(seq + n, s->next) <= 0)
		return true;		/* all old */
	if (deliver(s, seq, p, n, fn, arg)) {
		/* Held segments that now touch next, in order. */
		while ((g = s->segs) && diff(g->seq, s->next) <= 0) {
			s->segs = g->next;
			s->held -= g->len;
			deliver(s, g->seq, g->data, g->len, fn, arg);
			free(g);
		}
		return true;
	}
	if (s->held + n > s->cap) {
		s->lost = true;
		stream_free(s);
		return false;
	}
	g = malloc(sizeof(*g) + n);
	if (!g) {
		s->lost = true;
		stream_free(s);
		return false;
	}
	g->seq = seq;
	g->len = n;
	memcpy(g->data, p, n);
	for (pp = &s->segs; *pp && diff((*pp)->seq, seq) <= 0; pp = &(*pp)->next)
		;
	g->next = *pp;
	*pp = g;
	s->held += n;
	return true;
}
