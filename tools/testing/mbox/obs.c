// SPDX-License-Identifier: GPL-2.0
/*
 * The protocol observer: frames decoded from each direction of each TCP
 * connection, sessions followed across the connections of their pipe, every
 * rule of wire-format.rst that a third party can check from the wire.
 *
 * Soundness: the observer sees every byte before the peer can (the
 * middlebox feeds it what it forwards, in stream order), so "acknowledged
 * beyond what was sent", "more than the window allowed" and "DATA before
 * the ACCEPT arrived" can only be real; frames of different connections
 * may be seen in another order than they were sent, so nothing is checked
 * that depends on that order (the doc lets DATA overtake an ACCEPT or a FIN).
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "obs.h"

/* From wire-format.rst: header layout, types, flags, limits. */
#define MP_MAGIC	0x4d504950u
#define MP_HDR		64
enum {
	T_SYNC = 1, T_SYNC_ACK, T_ACCEPT, T_REFUSE, T_DATA, T_ACK, T_NACK,
	T_FIN, T_FIN_ACK, T_BATCH, T_BATCH_ACK, T_WINDOW, T_THROTTLE,
	T_PING, T_PONG, T_HELLO,
};

#define F_DATA_CRC	0x0001
#define F_ABORT		0x0002

static const char *const type_names[17] = {
	"?", "SYNC", "SYNC_ACK", "ACCEPT", "REFUSE", "DATA", "ACK", "NACK",
	"FIN", "FIN_ACK", "BATCH", "BATCH_ACK", "WINDOW", "THROTTLE", "PING",
	"PONG", "HELLO",
};

/* Fields a type may carry (non-zero); every other one must be 0. */
enum {
	C_PORT = 1 << 0, C_DST = 1 << 1, C_SRC = 1 << 2, C_CHUNK = 1 << 3,
	C_MSG = 1 << 4, C_STREAM = 1 << 5, C_OFF = 1 << 6, C_TOTAL = 1 << 7,
	C_WIN = 1 << 8, C_MWIN = 1 << 9, C_DCRC = 1 << 10,
};

static const unsigned int carries[17] = {
	[T_SYNC] = C_PORT | C_SRC | C_WIN | C_MWIN,
	[T_SYNC_ACK] = C_DST | C_SRC,
	[T_ACCEPT] = C_DST | C_SRC | C_WIN | C_MWIN,
	[T_REFUSE] = C_DST | C_WIN,
	[T_DATA] = C_DST | C_SRC | C_CHUNK | C_MSG | C_STREAM | C_OFF |
		   C_TOTAL | C_DCRC,
	[T_ACK] = C_DST | C_SRC | C_CHUNK | C_MSG | C_STREAM | C_WIN | C_MWIN,
	[T_FIN] = C_DST | C_SRC | C_MSG | C_STREAM,
	[T_FIN_ACK] = C_DST | C_SRC,
	[T_BATCH] = C_PORT | C_SRC | C_CHUNK | C_MSG | C_STREAM | C_OFF |
		    C_TOTAL | C_WIN,
	[T_BATCH_ACK] = C_CHUNK | C_TOTAL,
	[T_THROTTLE] = C_WIN,
	[T_HELLO] = C_MSG | C_STREAM | C_OFF | C_TOTAL | C_WIN,
};

struct hdr {
	uint32_t magic;
	uint8_t version, type;
	uint16_t flags, hdr_len, port;
	uint32_t dst_sid, src_sid, chunk_len;
	uint64_t msg_seq, stream_seq;
	uint32_t offset, total_len, window, msg_window, data_crc, hdr_crc;
};

/* Recent messages of a session direction: their stream coordinates. */
#define RING 32
struct msgent {
	uint64_t seq;		/* 0: empty */
	uint64_t start;
	uint32_t total;
};

/*
 * One direction of one session: what host @side of pipe @token sends as
 * session @sid. @grant_bytes/@grant_msgs are the right edges this host
 * advertised to its peer (the peer's DATA is checked against them).
 */
struct half {
	struct half *next;
	uint64_t token;
	uint32_t sid, peer_sid;
	int side;
	bool opener, dest, ready, accepted, fin, reset, granted;
	uint64_t grant_bytes, grant_msgs;
	uint64_t hi_sent, hi_msg, fin_end;
	struct msgent ring[RING];
};

#define HALF_BUCKETS 65536
#define MAX_REPORTS 256

struct guid {
	uint64_t hi, lo;
	uint8_t from[16];
};

struct obs {
	obs_crc_fn crc;
	struct obs_stats st;
	struct half *halves[HALF_BUCKETS];
	struct guid *guids;		/* open addressing, hi|lo 0 = empty */
	size_t nguids, guid_cap;
	char *reports[MAX_REPORTS];
};

/* Decoder state of one direction of a connection. */
struct dirst {
	bool dead, started, hello;
	uint8_t hb[MP_HDR];
	unsigned int hn;
	struct hdr h;
	uint64_t frame;		/* frames decoded, for reports */
	uint32_t left;		/* payload bytes still to come */
	uint32_t crc;
	uint8_t pb[64];		/* ACK blocks, a BATCH_ACK record, an item head */
	unsigned int pn;
	uint32_t items, item_left;	/* BATCH: items to come, bytes of this one */
};

struct obs_conn {
	struct obs *o;
	char name[112];
	uint8_t ip[2][16];
	uint64_t token;
	uint32_t slot, size, security;
	struct dirst d[2];
};

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | p[1] << 16 | p[2] << 8 | p[3];
}

static uint64_t be64(const uint8_t *p)
{
	return (uint64_t)be32(p) << 32 | be32(p + 4);
}

static void report(struct obs_conn *c, int dir, const char *fmt, ...)
{
	struct obs *o = c->o;
	const struct hdr *h = &c->d[dir].h;
	char msg[256], *s;
	va_list ap;
	int n;

	o->st.violations++;
	if (o->st.violations > MAX_REPORTS)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	n = asprintf(&s,
		     "%s %s frame %llu %s: %s [flags %#x port %u dst %u src %u chunk %u msg %llu stream %llu off %u total %u win %u mwin %u]",
		     c->name, dir ? "<" : ">",
		     (unsigned long long)c->d[dir].frame,
		     h->type <= 16 ? type_names[h->type] : "?", msg, h->flags,
		     h->port, h->dst_sid, h->src_sid, h->chunk_len,
		     (unsigned long long)h->msg_seq,
		     (unsigned long long)h->stream_seq, h->offset, h->total_len,
		     h->window, h->msg_window);
	if (n >= 0)
		o->reports[o->st.violations - 1] = s;
}

struct obs *obs_new(obs_crc_fn crc)
{
	struct obs *o = calloc(1, sizeof(*o));

	if (o)
		o->crc = crc;
	return o;
}

void obs_free(struct obs *o)
{
	unsigned int i;

	if (!o)
		return;
	for (i = 0; i < HALF_BUCKETS; i++) {
		while (o->halves[i]) {
			struct half *h = o->halves[i];

			o->halves[i] = h->next;
			free(h);
		}
	}
	for (i = 0; i < MAX_REPORTS; i++)
		free(o->reports[i]);
	free(o->guids);
	free(o);
}

const struct obs_stats *obs_stats(const struct obs *o)
{
	return &o->st;
}

const char *obs_violation(const struct obs *o, unsigned int i)
{
	return i < MAX_REPORTS ? o->reports[i] : NULL;
}

struct obs_conn *obs_conn_new(struct obs *o, const char *name,
			      const uint8_t ip_dialer[16],
			      const uint8_t ip_acceptor[16])
{
	struct obs_conn *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->o = o;
	snprintf(c->name, sizeof(c->name), "%s", name);
	memcpy(c->ip[0], ip_dialer, 16);
	memcpy(c->ip[1], ip_acceptor, 16);
	return c;
}

void obs_conn_free(struct obs_conn *c)
{
	free(c);
}

void obs_desync(struct obs_conn *c)
{
	if (!c->d[0].dead || !c->d[1].dead)
		c->o->st.desync++;
	c->d[0].dead = true;
	c->d[1].dead = true;
}

void obs_unseen(struct obs *o)
{
	o->st.desync++;
}

/* Sessions ------------------------------------------------------------ */

static unsigned int half_hash(uint64_t token, int side, uint32_t sid)
{
	uint64_t k = token * 0x9e3779b97f4a7c15ull ^ sid * 0xff51afd7ed558ccdull;

	return (unsigned int)((k >> 32) ^ k ^ side) % HALF_BUCKETS;
}

static struct half *half_find(struct obs *o, uint64_t token, int side,
			      uint32_t sid)
{
	struct half *h = o->halves[half_hash(token, side, sid)];

	while (h && (h->token != token || h->side != side || h->sid != sid))
		h = h->next;
	return h;
}

static struct half *half_get(struct obs *o, uint64_t token, int side,
			     uint32_t sid)
{
	struct half *h = half_find(o, token, side, sid);
	unsigned int b;

	if (h)
		return h;
	h = calloc(1, sizeof(*h));
	if (!h)
		return NULL;
	b = half_hash(token, side, sid);
	h->token = token;
	h->side = side;
	h->sid = sid;
	h->next = o->halves[b];
	o->halves[b] = h;
	return h;
}

/* Forget all but the identity and the hash chain. */
static void half_reset(struct half *h)
{
	struct half keep = *h;

	memset(h, 0, sizeof(*h));
	h->next = keep.next;
	h->token = keep.token;
	h->side = keep.side;
	h->sid = keep.sid;
}

static void grant(struct half *h, uint64_t bytes, uint64_t msgs)
{
	if (!h->granted || bytes > h->grant_bytes)
		h->grant_bytes = bytes;
	if (!h->granted || msgs > h->grant_msgs)
		h->grant_msgs = msgs;
	h->granted = true;
}

/* GUIDs of batches sent, by sender: a BATCH_ACK acknowledges only those. */
static struct guid *guid_slot(struct guid *t, size_t cap, uint64_t hi,
			      uint64_t lo)
{
	size_t i = (size_t)((hi ^ lo) * 0x9e3779b97f4a7c15ull >> 20) & (cap - 1);

	while ((t[i].hi || t[i].lo) && (t[i].hi != hi || t[i].lo != lo))
		i = (i + 1) & (cap - 1);
	return &t[i];
}

static void guid_add(struct obs *o, uint64_t hi, uint64_t lo,
		     const uint8_t from[16])
{
	struct guid *g;
	size_t i;

	if (2 * (o->nguids + 1) > o->guid_cap) {
		size_t cap = o->guid_cap ? 2 * o->guid_cap : 4096;
		struct guid *t = calloc(cap, sizeof(*t));

		if (!t)
			return;
		for (i = 0; i < o->guid_cap; i++)
			if (o->guids[i].hi || o->guids[i].lo)
				*guid_slot(t, cap, o->guids[i].hi,
					   o->guids[i].lo) = o->guids[i];
		free(o->guids);
		o->guids = t;
		o->guid_cap = cap;
	}
	g = guid_slot(o->guids, o->guid_cap, hi, lo);
	if (!g->hi && !g->lo)
		o->nguids++;
	g->hi = hi;
	g->lo = lo;
	memcpy(g->from, from, 16);
}

static const struct guid *guid_find(struct obs *o, uint64_t hi, uint64_t lo)
{
	const struct guid *g;

	if (!o->guid_cap)
		return NULL;
	g = guid_slot(o->guids, o->guid_cap, hi, lo);
	return g->hi || g->lo ? g : NULL;
}

/* Headers -------------------------------------------------------------- */

static void hdr_parse(const uint8_t *p, struct hdr *h)
{
	h->magic = be32(p);
	h->version = p[4];
	h->type = p[5];
	h->flags = p[6] << 8 | p[7];
	h->hdr_len = p[8] << 8 | p[9];
	h->port = p[10] << 8 | p[11];
	h->dst_sid = be32(p + 12);
	h->src_sid = be32(p + 16);
	h->chunk_len = be32(p + 20);
	h->msg_seq = be64(p + 24);
	h->stream_seq = be64(p + 32);
	h->offset = be32(p + 40);
	h->total_len = be32(p + 44);
	h->window = be32(p + 48);
	h->msg_window = be32(p + 52);
	h->data_crc = be32(p + 56);
	h->hdr_crc = be32(p + 60);
}

/* Fields the type may not carry, as C_* bits. */
static unsigned int stray_fields(const struct hdr *h)
{
	unsigned int set = 0;

	set |= h->port ? C_PORT : 0;
	set |= h->dst_sid ? C_DST : 0;
	set |= h->src_sid ? C_SRC : 0;
	set |= h->chunk_len ? C_CHUNK : 0;
	set |= h->msg_seq ? C_MSG : 0;
	set |= h->stream_seq ? C_STREAM : 0;
	set |= h->offset ? C_OFF : 0;
	set |= h->total_len ? C_TOTAL : 0;
	set |= h->window ? C_WIN : 0;
	set |= h->msg_window ? C_MWIN : 0;
	set |= h->data_crc ? C_DCRC : 0;
	return set & ~carries[h->type];
}

/*
 * The header alone; false when the stream cannot be followed past it (its
 * length is not to be trusted).
 */
static bool hdr_check(struct obs_conn *c, int dir)
{
	struct dirst *d = &c->d[dir];
	const struct hdr *h = &d->h;
	uint8_t z[MP_HDR];

	if (h->magic != MP_MAGIC || h->version != 1 || h->hdr_len != MP_HDR) {
		report(c, dir, "bad magic %#x, version %u or hdr_len %u",
		       h->magic, h->version, h->hdr_len);
		return false;
	}
	memcpy(z, d->hb, MP_HDR);
	memset(z + 60, 0, 4);
	if (c->o->crc(z, MP_HDR, ~0u) != h->hdr_crc) {
		report(c, dir, "header checksum %#x, computed %#x", h->hdr_crc,
		       c->o->crc(z, MP_HDR, ~0u));
		return false;
	}
	if (h->type < 1 || h->type > 16 || !carries[h->type]) {
		report(c, dir, "unknown or reserved type %u", h->type);
		return false;
	}
	if (h->flags & ~(F_DATA_CRC | F_ABORT))
		report(c, dir, "unknown flags");
	if ((h->flags & F_ABORT) && h->type != T_FIN && h->type != T_DATA)
		report(c, dir, "ABORT on a frame other than FIN or DATA");
	if ((h->flags & F_DATA_CRC) && h->type != T_DATA)
		report(c, dir, "DATA_CRC on a frame other than DATA");
	if (h->type == T_DATA && !(h->flags & F_DATA_CRC) && h->data_crc)
		report(c, dir, "data_crc without DATA_CRC");
	if (stray_fields(h))
		report(c, dir, "fields this type does not carry are set (%#x)",
		       stray_fields(h));
	if (h->type == T_DATA && (h->chunk_len > 1u << 20 ||
				  (!h->chunk_len && !(h->flags & F_ABORT)))) {
		report(c, dir, "DATA chunk_len out of 1..2^20");
		return false;
	}
	if (h->type == T_ACK && (h->chunk_len > 64 || h->chunk_len % 16)) {
		report(c, dir, "ACK payload not 0..64 in blocks of 16");
		return false;
	}
	if (h->type == T_BATCH_ACK &&
	    (!h->total_len || h->total_len > 43690 ||
	     h->chunk_len != 24 * h->total_len)) {
		report(c, dir, "BATCH_ACK length is not 24 * 1..43690 records");
		return false;
	}
	if (h->type == T_BATCH && h->chunk_len < 8 * (uint64_t)h->total_len) {
		report(c, dir, "BATCH payload shorter than its item heads");
		return false;
	}
	if (h->type == T_HELLO) {
		if (d->hello)
			report(c, dir, "HELLO after the first frame");
	} else if (!d->hello) {
		report(c, dir, "first frame is not a HELLO");
	}
	return true;
}

/* The first frame each way: the pipe's token, slot and size. */
static void on_hello(struct obs_conn *c, int dir, const struct hdr *h)
{
	c->d[dir].hello = true;
	if (!h->stream_seq || h->msg_seq > 1 || !h->total_len ||
	    h->total_len > 1024 || h->offset >= h->total_len)
		report(c, dir, "HELLO token 0, slot or size out of range");
	if (h->window > 3)
		report(c, dir, "HELLO security %u out of range", h->window);
	if (dir == 0) {
		c->token = h->stream_seq;
		c->slot = h->offset;
		c->size = h->total_len;
		c->security = h->window;
	} else if (h->stream_seq != c->token || h->offset != c->slot ||
		   h->total_len != c->size || h->window != c->security) {
		report(c, dir, "HELLO answer does not echo token, slot, size and security");
	}
	/* With security a TLS 1.3 handshake follows: the rest is records. */
	if (h->window) {
		c->d[dir].dead = true;
		if (dir == 0)
			c->o->st.tls++;
	}
}

/* Message coordinates of a DATA frame against the recent ones. */
static void msg_coords(struct obs_conn *c, int dir, struct half *s,
		       const struct hdr *h)
{
	uint64_t start = h->stream_seq - h->offset;
	struct msgent *e = &s->ring[h->msg_seq % RING];
	const struct msgent *prev = &s->ring[(h->msg_seq - 1) % RING];
	const struct msgent *next = &s->ring[(h->msg_seq + 1) % RING];

	if (e->seq == h->msg_seq) {
		if (e->start != start || e->total != h->total_len)
			report(c, dir, "message %llu was at %llu+%u before",
			       (unsigned long long)h->msg_seq,
			       (unsigned long long)e->start, e->total);
	} else if (e->seq < h->msg_seq) {
		e->seq = h->msg_seq;
		e->start = start;
		e->total = h->total_len;
	}
	if (prev->seq == h->msg_seq - 1 && prev->start + prev->total != start)
		report(c, dir, "message starts at %llu, the one before ends at %llu",
		       (unsigned long long)start,
		       (unsigned long long)(prev->start + prev->total));
	if (next->seq == h->msg_seq + 1 && start + h->total_len != next->start)
		report(c, dir, "message ends at %llu, the next starts at %llu",
		       (unsigned long long)(start + h->total_len),
		       (unsigned long long)next->start);
}

static void on_data(struct obs_conn *c, int dir, const struct hdr *h)
{
	struct obs *o = c->o;
	struct half *s = half_find(o, c->token, dir, h->src_sid);
	uint64_t end = h->stream_seq + h->chunk_len;
	struct half *p;

	if (!h->msg_seq || !h->total_len || h->total_len > 1u << 30 ||
	    (uint64_t)h->offset + h->chunk_len > h->total_len ||
	    h->stream_seq >= 1ull << 62 || h->stream_seq < h->offset) {
		report(c, dir, "message coordinates out of range");
		return;
	}
	if ((h->flags & F_ABORT) && (h->chunk_len || h->offset))
		report(c, dir, "a void with payload or offset");
	if (!s || s->peer_sid != h->dst_sid) {
		report(c, dir, "DATA of a session never opened on this pipe");
		return;
	}
	if (s->opener && !s->ready && !s->reset)
		report(c, dir, "DATA before the ACCEPT reached the opener");
	p = half_find(o, c->token, !dir, h->dst_sid);
	if (!p || !p->granted) {
		report(c, dir, "DATA before any window");
	} else if (!s->reset && !p->reset) {
		if (!(h->flags & F_ABORT) && end > p->grant_bytes)
			report(c, dir, "DATA ends at %llu, past the window %llu",
			       (unsigned long long)end,
			       (unsigned long long)p->grant_bytes);
		if (h->msg_seq > p->grant_msgs)
			report(c, dir, "message %llu past the message window %llu",
			       (unsigned long long)h->msg_seq,
			       (unsigned long long)p->grant_msgs);
	}
	if (h->flags & F_ABORT)
		end = h->stream_seq + h->total_len;
	if (s->fin && !s->reset && end > s->fin_end)
		report(c, dir, "DATA past the end its FIN named (%llu)",
		       (unsigned long long)s->fin_end);
	msg_coords(c, dir, s, h);
	if (end > s->hi_sent)
		s->hi_sent = end;
	if (h->msg_seq > s->hi_msg)
		s->hi_msg = h->msg_seq;
	o->st.data_bytes += h->chunk_len;
}

/* An ACK's cumulative point and selective blocks, payload in d->pb. */
static void on_ack(struct obs_conn *c, int dir, const struct hdr *h,
		   const uint8_t *blocks)
{
	struct obs *o = c->o;
	struct half *s = half_find(o, c->token, dir, h->src_sid);
	struct half *p = half_find(o, c->token, !dir, h->dst_sid);
	uint64_t prev = h->stream_seq;
	unsigned int i;

	if (!s || !p || s->peer_sid != h->dst_sid) {
		report(c, dir, "ACK in a session never opened on this pipe");
		return;
	}
	if (h->stream_seq > p->hi_sent)
		report(c, dir, "acknowledges to %llu, only %llu sent",
		       (unsigned long long)h->stream_seq,
		       (unsigned long long)p->hi_sent);
	if (h->msg_seq > p->hi_msg)
		report(c, dir, "acknowledges message %llu, only %llu sent",
		       (unsigned long long)h->msg_seq,
		       (unsigned long long)p->hi_msg);
	for (i = 0; i < h->chunk_len / 16; i++) {
		uint64_t lo = be64(blocks + 16 * i), hi = be64(blocks + 16 * i + 8);

		if (lo <= prev || hi <= lo || hi > p->hi_sent) {
			report(c, dir, "selective block %u [%llu, %llu) out of order or unsent",
			       i, (unsigned long long)lo,
			       (unsigned long long)hi);
			break;
		}
		prev = hi;
	}
	grant(s, h->stream_seq + h->window, h->msg_seq + h->msg_window);
}

/* The destination's first answer to a SYNC (SYNC_ACK, or an ACCEPT whose
 * SYNC_ACK was lost): pair the two halves. False if no SYNC asked.
 */
static bool on_answer(struct obs_conn *c, int dir, const struct hdr *h)
{
	struct obs *o = c->o;
	struct half *s, *p;

	p = half_find(o, c->token, !dir, h->dst_sid);
	if (!p || !p->opener || (p->peer_sid && p->peer_sid != h->src_sid))
		return false;
	s = half_get(o, c->token, dir, h->src_sid);
	if (!s)
		return true;
	if (s->opener || s->fin || s->reset)
		half_reset(s);
	p->peer_sid = h->src_sid;
	s->peer_sid = h->dst_sid;
	s->dest = true;
	return true;
}

static void on_session_frame(struct obs_conn *c, int dir, const struct hdr *h)
{
	struct obs *o = c->o;
	struct half *s, *p;

	if ((h->type != T_SYNC && !h->dst_sid) ||
	    (h->type != T_REFUSE && !h->src_sid)) {
		report(c, dir, "a session id is 0");
		return;
	}
	switch (h->type) {
	case T_SYNC:
		s = half_get(o, c->token, dir, h->src_sid);
		if (!s)
			return;
		/* A closed session's id taken again (ids are cyclic). */
		if (s->fin || s->reset || s->dest)
			half_reset(s);
		s->opener = true;
		grant(s, h->window, h->msg_window);
		break;
	case T_SYNC_ACK:
		if (!on_answer(c, dir, h))
			report(c, dir, "SYNC_ACK to no SYNC");
		break;
	case T_ACCEPT:
		s = half_find(o, c->token, dir, h->src_sid);
		/* Its SYNC_ACK may have been lost with a connection before it
		 * reached the wire: the ACCEPT answers the SYNC as well.
		 */
		if (!s || !s->dest) {
			if (!on_answer(c, dir, h)) {
				report(c, dir, "ACCEPT to no SYNC");
				return;
			}
			s = half_find(o, c->token, dir, h->src_sid);
			if (!s)		/* the observer's table is full */
				return;
		}
		p = half_find(o, c->token, !dir, h->dst_sid);
		if (!p || s->peer_sid != h->dst_sid) {
			report(c, dir, "ACCEPT names another session");
			return;
		}
		s->accepted = true;
		p->ready = true;
		grant(s, h->window, h->msg_window);
		break;
	case T_REFUSE:
		p = half_find(o, c->token, !dir, h->dst_sid);
		if (!p || !p->opener)
			report(c, dir, "REFUSE to no SYNC");
		else if (!h->window || h->window > 4095)
			report(c, dir, "REFUSE errno out of range");
		break;
	case T_DATA:
		on_data(c, dir, h);
		break;
	case T_FIN:
		s = half_find(o, c->token, dir, h->src_sid);
		if (!s || s->peer_sid != h->dst_sid) {
			report(c, dir, "FIN in a session never opened on this pipe");
			return;
		}
		if (h->flags & F_ABORT) {
			s->reset = true;
			p = half_find(o, c->token, !dir, h->dst_sid);
			if (p)
				p->reset = true;
			break;
		}
		if (s->fin && s->fin_end != h->stream_seq)
			report(c, dir, "a second FIN names another end");
		if (!s->reset && s->hi_sent > h->stream_seq)
			report(c, dir, "FIN names end %llu, DATA was sent to %llu",
			       (unsigned long long)h->stream_seq,
			       (unsigned long long)s->hi_sent);
		if (h->msg_seq < s->hi_msg)
			report(c, dir, "FIN names message %llu, %llu was sent",
			       (unsigned long long)h->msg_seq,
			       (unsigned long long)s->hi_msg);
		s->fin = true;
		s->fin_end = h->stream_seq;
		break;
	case T_FIN_ACK:
		p = half_find(o, c->token, !dir, h->dst_sid);
		if (!p || !p->fin || p->peer_sid != h->src_sid)
			report(c, dir, "FIN_ACK to no FIN");
		break;
	}
}

/* Frames whose header says everything (no payload to wait for). */
static void on_frame(struct obs_conn *c, int dir)
{
	const struct hdr *h = &c->d[dir].h;

	c->o->st.frames++;
	c->o->st.types[h->type]++;
	switch (h->type) {
	case T_HELLO:
		on_hello(c, dir, h);
		break;
	case T_BATCH:
		if (!h->src_sid || h->offset > 65535 || !h->total_len ||
		    h->total_len > 65536 || h->window > 3600000 ||
		    (!h->msg_seq && !h->stream_seq) || h->flags)
			report(c, dir, "BATCH header out of range");
		guid_add(c->o, h->msg_seq, h->stream_seq, c->ip[dir]);
		c->o->st.batches++;
		break;
	case T_BATCH_ACK:
		if (h->flags)
			report(c, dir, "BATCH_ACK with flags");
		break;
	case T_THROTTLE:
		if (h->window > 10000 || h->flags)
			report(c, dir, "THROTTLE out of range");
		break;
	case T_ACK:
		break;		/* after its blocks */
	default:
		on_session_frame(c, dir, h);
	}
}

/* Payload ---------------------------------------------------------------- */

static void batch_ack_record(struct obs_conn *c, int dir, const uint8_t *r)
{
	uint64_t hi = be64(r), lo = be64(r + 8);
	uint32_t status = be32(r + 16), pad = be32(r + 20);
	const struct guid *g;

	c->o->st.batch_acks++;
	if ((!hi && !lo) || status > 4095 || pad) {
		report(c, dir, "BATCH_ACK record with GUID 0, status %u or padding",
		       status);
		return;
	}
	g = guid_find(c->o, hi, lo);
	if (!g || memcmp(g->from, c->ip[!dir], 16))
		report(c, dir, "BATCH_ACK for batch %016llx%016llx never sent from there",
		       (unsigned long long)hi, (unsigned long long)lo);
}

/* Up to @n payload bytes of the current frame; returns how many it took. */
static size_t take_payload(struct obs_conn *c, int dir, const uint8_t *p, size_t n)
{
	struct dirst *d = &c->d[dir];
	const struct hdr *h = &d->h;
	size_t take = n < d->left ? n : d->left, i = 0, k;

	switch (h->type) {
	case T_DATA:
		if (h->flags & F_DATA_CRC)
			d->crc = c->o->crc(p, take, d->crc);
		break;
	case T_ACK:
		memcpy(d->pb + d->pn, p, take);
		d->pn += take;
		break;
	case T_BATCH_ACK:
		while (i < take) {
			k = 24 - d->pn < take - i ? 24 - d->pn : take - i;
			memcpy(d->pb + d->pn, p + i, k);
			d->pn += k;
			i += k;
			if (d->pn == 24) {
				batch_ack_record(c, dir, d->pb);
				d->pn = 0;
			}
		}
		break;
	case T_BATCH:
		while (i < take) {
			if (d->item_left) {
				k = d->item_left < take - i ? d->item_left : take - i;
				d->item_left -= k;
				i += k;
				continue;
			}
			k = 8 - d->pn < take - i ? 8 - d->pn : take - i;
			memcpy(d->pb + d->pn, p + i, k);
			d->pn += k;
			i += k;
			if (d->pn < 8)
				continue;
			d->pn = 0;
			if (!d->items) {
				report(c, dir, "BATCH payload past its last item");
				d->item_left = UINT32_MAX;
				continue;
			}
			d->items--;
			if (!be32(d->pb) || be32(d->pb) > 65536 || be32(d->pb + 4) & ~1u)
				report(c, dir, "BATCH item length %u or flags %#x",
				       be32(d->pb), be32(d->pb + 4));
			d->item_left = (be32(d->pb) + 3) & ~3u;
		}
		break;
	}
	d->left -= take;
	return take;
}

static void frame_end(struct obs_conn *c, int dir)
{
	struct dirst *d = &c->d[dir];
	const struct hdr *h = &d->h;

	if (h->type == T_DATA && (h->flags & F_DATA_CRC) && d->crc != h->data_crc)
		report(c, dir, "payload checksum %#x, computed %#x", h->data_crc,
		       d->crc);
	if (h->type == T_ACK)
		on_ack(c, dir, h, d->pb);
	if (h->type == T_BATCH && (d->items || d->item_left || d->pn))
		report(c, dir, "BATCH items do not end with the payload");
}

void obs_feed(struct obs_conn *c, int dir, const uint8_t *p, size_t n)
{
	struct dirst *d = &c->d[dir];

	if (!d->started && n) {
		d->started = true;
		if (dir == 0) {
			if (p[0] == 0x16) {
				c->o->st.tls++;
				c->d[0].dead = true;
				c->d[1].dead = true;
			} else {
				c->o->st.conns++;
			}
		}
	}
	while (n && !d->dead) {
		size_t k;

		if (d->left) {
			k = take_payload(c, dir, p, n);
			p += k;
			n -= k;
			if (!d->left)
				frame_end(c, dir);
			continue;
		}
		k = MP_HDR - d->hn < n ? MP_HDR - d->hn : n;
		memcpy(d->hb + d->hn, p, k);
		d->hn += k;
		p += k;
		n -= k;
		if (d->hn < MP_HDR)
			break;
		d->hn = 0;
		d->frame++;
		hdr_parse(d->hb, &d->h);
		if (!hdr_check(c, dir)) {
			d->dead = true;
			break;
		}
		on_frame(c, dir);
		d->left = d->h.chunk_len;
		d->crc = ~0u;
		d->pn = 0;
		d->items = d->h.type == T_BATCH ? d->h.total_len : 0;
		d->item_left = 0;
		if (!d->left)
			frame_end(c, dir);
	}
}
