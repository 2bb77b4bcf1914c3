// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_RDM test and benchmark program: many receiving sockets, a sender
 * of items to many destinations that checks every completion, and a plain
 * TCP pair (one send() per item over one connection per destination) to
 * compare with.
 *
 *   mp_rdm recv  --port P --socks N --total T [--throttle MS] [--timeout S]
 *   mp_rdm send  --net A.B.0.0 --port P --dests N --items I [--size B]
 *                [--multi K] [--multi-dests M] [--down ADDR]
 *                [--refused PORT] [--batch B]
 *                [--time-us U] [--retry-ms M] [--retries R] [--prio]
 *                [--order dest|rr] [--sync] [--sndbuf B] [--mmsg N]
 *   mp_rdm tcp-recv --port P --total T
 *   mp_rdm tcp-send --net A.B.0.0 --port P --dests N --items I [--size B]
 *   mp_rdm show     (a new socket's tunables)
 *
 * The sender sends each destination's items in a row (--order dest, the
 * default) or round robin (--order rr); with --sync each item only after
 * the last one completed. --mmsg N: N items per sendmmsg() / recvmmsg()
 * (else one per call); --sndbuf: SO_SNDBUFFORCE. --multi K: K more items,
 * each to the first M destinations at once (--multi-dests, 500 by
 * default) in one sendmsg(). Destination d is address
 * A.B.(1 + d / 250).(1 + d % 250), port P + d (the receiver binds one
 * socket per port). Each item carries {dest, seq} and a
 * pattern derived from them; the receiver checks it arrived at the right
 * socket, intact and once. The sender checks that every item completes
 * once, delivered everywhere but at --down (ETIMEDOUT) and --refused
 * (ECONNREFUSED) destinations. Both print one summary line.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include "mp_family.h"

#define MAGIC	0x52444d31	/* "RDM1" */
#define ALL	0xffffffffU	/* an item sent to many destinations */

struct hdr {
	uint32_t magic;
	uint32_t dest;
	uint32_t seq;
	uint32_t len;
};

static struct {
	const char *net;
	int port, socks, dests, items, size, multi, multi_dests, throttle, timeout;
	long total;
	const char *down;
	int refused, batch, time_us, retry_ms, retries, sndbuf, mmsg;
	bool prio, rr, sync;
} o = { .net = "10.79.0.0", .port = 5000, .size = 1024, .timeout = 120,
	.multi_dests = 500,
	.batch = -1, .time_us = -1, .retry_ms = -1, .retries = -1 };

static int fam;

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "mp_rdm: %s: %s\n", what, strerror(errno));
	exit(1);
}

static uint8_t pat(uint32_t dest, uint32_t seq, uint32_t i)
{
	return (uint8_t)(dest * 131 + seq * 31 + i * 7 + 1);
}

static void fill(uint8_t *buf, uint32_t dest, uint32_t seq, uint32_t len)
{
	struct hdr h = { MAGIC, dest, seq, len };
	uint32_t i;

	memcpy(buf, &h, sizeof(h));
	for (i = sizeof(h); i < len; i++)
		buf[i] = pat(dest, seq, i);
}

/* Every byte after the header differs from its pattern in no bit. One
 * pass without an early exit, so the compiler vectorises it: the check
 * costs the receiver of a benchmark little next to the transfer.
 */
static int intact(const uint8_t *buf, size_t n, uint32_t dest, uint32_t seq)
{
	uint8_t diff = 0;
	size_t i;

	for (i = sizeof(struct hdr); i < n; i++)
		diff |= buf[i] ^ pat(dest, seq, i);
	return !diff;
}

/* 0 if @buf is an item for @dest (or for all: ~0) of length @n, intact. */
static int check(const uint8_t *buf, size_t n, uint32_t dest, uint32_t *seq)
{
	struct hdr h;

	if (n < sizeof(h))
		return -1;
	memcpy(&h, buf, sizeof(h));
	if (h.magic != MAGIC || (h.dest != dest && h.dest != ALL) || h.len != n ||
	    !intact(buf, n, h.dest, h.seq))
		return -1;
	*seq = h.seq;
	return 0;
}

static void dest_addr(int d, struct sockaddr_in *in)
{
	struct in_addr base;

	if (inet_pton(AF_INET, o.net, &base) != 1) {
		fprintf(stderr, "mp_rdm: bad --net %s\n", o.net);
		exit(2);
	}
	memset(in, 0, sizeof(*in));
	in->sin_family = AF_INET;
	in->sin_addr.s_addr = htonl(ntohl(base.s_addr) +
				    ((1 + d / 250) << 8) + 1 + d % 250);
}

static void mp_addr(const struct in_addr *a, int port,
		    struct sockaddr_msgpipe *m)
{
	memset(m, 0, sizeof(*m));
	m->smp_family = fam;
	m->smp_af = AF_INET;
	m->smp_port = port;
	memcpy(m->smp_addr, a, 4);
}

static void setopt(int fd, int name, int val)
{
	if (val >= 0 && setsockopt(fd, SOL_MSGPIPE, name, &val, sizeof(val)))
		die("setsockopt");
}

/* Buffers for up to --mmsg items (at least one) per receive call. */
static struct mmsghdr *recv_vec(void)
{
	int i, n = o.mmsg > 1 ? o.mmsg : 1;
	struct mmsghdr *mm = calloc(n, sizeof(*mm));

	if (!mm)
		die("calloc");
	for (i = 0; i < n; i++) {
		struct iovec *iov = malloc(sizeof(*iov));

		iov->iov_base = malloc(MSGPIPE_RDM_ITEM_MAX);
		iov->iov_len = MSGPIPE_RDM_ITEM_MAX;
		mm[i].msg_hdr.msg_iov = iov;
		mm[i].msg_hdr.msg_iovlen = 1;
		mm[i].msg_hdr.msg_name = malloc(sizeof(struct sockaddr_msgpipe));
	}
	return mm;
}

/* Items now readable on @fd, into @mm: recvmmsg() or one recvmsg(). */
static int recv_some(int fd, struct mmsghdr *mm)
{
	int i, n = o.mmsg > 1 ? o.mmsg : 1;
	ssize_t r;

	for (i = 0; i < n; i++)
		mm[i].msg_hdr.msg_namelen = sizeof(struct sockaddr_msgpipe);
	if (n > 1)
		return recvmmsg(fd, mm, n, MSG_DONTWAIT, NULL);
	r = recvmsg(fd, &mm[0].msg_hdr, MSG_DONTWAIT);
	if (r < 0)
		return -1;
	mm[0].msg_len = r;
	return 1;
}

/* Receivers: one RDM socket per destination port. */
static int cmd_recv(void)
{
	long got = 0, dups = 0, bad = 0;
	int ep, i, *fds, per = o.total / o.socks + 1024;
	double t0 = now(), last = t0;
	struct mmsghdr *mm = recv_vec();
	uint8_t *seen;

	seen = calloc((size_t)o.socks * per, 1);
	fds = calloc(o.socks, sizeof(*fds));
	ep = epoll_create1(0);
	if (!seen || !fds || ep < 0)
		die("setup");
	for (i = 0; i < o.socks; i++) {
		struct sockaddr_msgpipe a = { .smp_family = fam, .smp_port = o.port + i };
		struct epoll_event ev = { .events = EPOLLIN, .data.u32 = i };
		int fd = socket(fam, SOCK_RDM, 0);

		if (fd < 0 || bind(fd, (void *)&a, sizeof(a)))
			die("socket/bind");
		fds[i] = fd;
		setopt(fd, MSGPIPE_RDM_THROTTLE_MS, o.throttle ? o.throttle : -1);
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev))
			die("epoll_ctl");
	}
	printf("listening\n");
	fflush(stdout);
	while (got < o.total && now() - last < o.timeout) {
		struct epoll_event ev[64];
		int n = epoll_wait(ep, ev, 64, 1000);

		for (i = 0; i < n; i++) {
			uint32_t d = ev[i].data.u32, seq;
			struct sockaddr_msgpipe from;
			ssize_t r;

			for (;;) {
				int k, m = recv_some(fds[d], mm);

				if (m < 0 && errno == EAGAIN)
					break;
				if (m < 0)
					die("recvmmsg");
				last = now();
				for (k = 0; k < m; k++) {
					r = mm[k].msg_len;
					from = *(struct sockaddr_msgpipe *)mm[k].msg_hdr.msg_name;
					if (check(mm[k].msg_hdr.msg_iov->iov_base, r, d, &seq) ||
					    seq >= (uint32_t)per || from.smp_af != AF_INET) {
						bad++;
						continue;
					}
					if (seen[(size_t)d * per + seq]++)
						dups++;
					else
						got++;
				}
			}
		}
	}
	printf("recv items %ld dups %ld bad %ld missing %ld secs %.2f\n",
	       got, dups, bad, o.total - got, now() - t0);
	return got == o.total && !dups && !bad ? 0 : 1;
}

struct sender {
	long sent, done, delivered, failed, wrong, twice;
	long exp_fail;
	uint8_t *completed;	/* per item id */
	long max_id;
	int *want;		/* per item id: expected status (0 or -errno) */
};

/* Read completions; check each item's statuses against what it expects. */
static void reap(int fd, struct sender *s)
{
	char ctl[65536];

	for (;;) {
		struct msghdr mh = { .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		struct cmsghdr *c;

		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno == EAGAIN)
				return;
			die("recvmsg(MSG_ERRQUEUE)");
		}
		for (c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
			size_t off = 0, len = c->cmsg_len - CMSG_LEN(0);
			uint8_t *p = CMSG_DATA(c);

			if (c->cmsg_level != SOL_MSGPIPE || c->cmsg_type != MSGPIPE_RDM_DONE)
				continue;
			while (off < len) {
				struct msgpipe_rdm_done *d = (void *)(p + off);
				uint32_t k;

				if (d->id == 0 || d->id > (uint64_t)s->max_id) {
					s->wrong++;
					return;
				}
				if (s->completed[d->id]++)
					s->twice++;
				s->done++;
				for (k = 0; k < d->ndest; k++) {
					int want = k == 0 ? s->want[d->id] : 0;

					if (d->status[k])
						s->failed++;
					else
						s->delivered++;
					if (d->ndest == 1 && d->status[k] != want) {
						if (s->wrong < 5)
							fprintf(stderr, "item %llu: status %d, want %d\n",
								(unsigned long long)d->id,
								d->status[k], want);
						s->wrong++;
					} else if (d->ndest > 1 && d->status[k]) {
						s->wrong++;
					}
				}
				off += (sizeof(*d) + d->ndest * 4 + 7) & ~7UL;
			}
		}
	}
}

static void send_item(int fd, struct sender *s, const void *buf, size_t len,
		      const struct sockaddr_msgpipe *dst, int n, int want)
{
	char ctl[CMSG_SPACE(sizeof(struct sockaddr_msgpipe) * 1024) +
		 CMSG_SPACE(sizeof(struct msgpipe_item_opts))];
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	struct msgpipe_item_opts opts = { .flags = MSGPIPE_ITEM_PRIORITY };
	struct cmsghdr *c;

	if (n == 1) {
		mh.msg_name = (void *)dst;
		mh.msg_namelen = sizeof(*dst);
	}
	if (n > 1 || o.prio) {
		memset(ctl, 0, sizeof(ctl));
		mh.msg_control = ctl;
		mh.msg_controllen = (n > 1 ? CMSG_SPACE(sizeof(*dst) * n) : 0) +
				    (o.prio ? CMSG_SPACE(sizeof(opts)) : 0);
		c = CMSG_FIRSTHDR(&mh);
		if (n > 1) {
			c->cmsg_level = SOL_MSGPIPE;
			c->cmsg_type = MSGPIPE_CM_DESTS;
			c->cmsg_len = CMSG_LEN(sizeof(*dst) * n);
			memcpy(CMSG_DATA(c), dst, sizeof(*dst) * n);
			c = CMSG_NXTHDR(&mh, c);
		}
		if (o.prio) {
			c->cmsg_level = SOL_MSGPIPE;
			c->cmsg_type = MSGPIPE_CM_ITEM;
			c->cmsg_len = CMSG_LEN(sizeof(opts));
			memcpy(CMSG_DATA(c), &opts, sizeof(opts));
		}
	}
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		if (sendmsg(fd, &mh, MSG_DONTWAIT) == (ssize_t)len)
			break;
		if (errno != EAGAIN)
			die("sendmsg");
		reap(fd, s);
		poll(&p, 1, 100);
	}
	s->sent++;
	s->want[s->sent] = want;
}

/* --mmsg: items gathered for one sendmmsg(). */
static struct {
	struct mmsghdr mm[1024];
	struct iovec iov[1024];
	uint8_t *buf;
	int n, want[1024];
} batch;

static void batch_flush(int fd, struct sender *s)
{
	int off = 0, i;

	while (off < batch.n) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		int r = sendmmsg(fd, batch.mm + off, batch.n - off, MSG_DONTWAIT);

		if (r > 0) {
			for (i = 0; i < r; i++) {
				s->sent++;
				s->want[s->sent] = batch.want[off + i];
			}
			off += r;
			continue;
		}
		if (errno != EAGAIN)
			die("sendmmsg");
		reap(fd, s);
		poll(&p, 1, 100);
	}
	batch.n = 0;
}

static void batch_add(int fd, struct sender *s, const struct sockaddr_msgpipe *dst,
		      uint32_t d, uint32_t r, int want)
{
	int i = batch.n++;

	if (!batch.buf && !(batch.buf = malloc((size_t)1024 * o.size)))
		die("malloc");
	fill(batch.buf + (size_t)i * o.size, d, r, o.size);
	batch.iov[i] = (struct iovec){ batch.buf + (size_t)i * o.size, o.size };
	batch.mm[i].msg_hdr = (struct msghdr){
		.msg_name = (void *)dst, .msg_namelen = sizeof(*dst),
		.msg_iov = &batch.iov[i], .msg_iovlen = 1,
	};
	batch.want[i] = want;
	if (batch.n == o.mmsg)
		batch_flush(fd, s);
}

static int cmd_send(void)
{
	int fd, d, r, k, ndest = o.dests + !!o.down + !!o.refused, multi_n;
	struct sockaddr_msgpipe *dst;
	struct sender s = {};
	uint8_t buf[65536];
	double t0, t;

	fd = socket(fam, SOCK_RDM, 0);
	if (fd < 0)
		die("socket");
	setopt(fd, MSGPIPE_RDM_SIZE, o.batch);
	setopt(fd, MSGPIPE_RDM_TIME_US, o.time_us);
	setopt(fd, MSGPIPE_RDM_RETRY_MS, o.retry_ms);
	setopt(fd, MSGPIPE_RDM_RETRIES, o.retries);
	if (o.sndbuf && setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &o.sndbuf,
				   sizeof(o.sndbuf)))
		die("SO_SNDBUFFORCE");
	if (o.mmsg > 1024)
		o.mmsg = 1024;
	dst = calloc(ndest, sizeof(*dst));
	s.max_id = (long)o.items * ndest + o.multi + 1;
	s.completed = calloc(s.max_id + 1, 1);
	s.want = calloc(s.max_id + 1, sizeof(int));
	if (!dst || !s.completed || !s.want)
		die("calloc");
	for (d = 0; d < o.dests; d++) {
		struct sockaddr_in in;

		dest_addr(d, &in);
		mp_addr(&in.sin_addr, o.port + d, &dst[d]);
	}
	if (o.down) {
		struct in_addr a;

		if (inet_pton(AF_INET, o.down, &a) != 1)
			die("--down");
		mp_addr(&a, o.port, &dst[d++]);
	}
	if (o.refused) {
		struct sockaddr_in in;

		dest_addr(0, &in);
		mp_addr(&in.sin_addr, o.refused, &dst[d++]);
	}
	multi_n = o.dests < o.multi_dests ? o.dests : o.multi_dests;

	t0 = now();
	for (k = 0; k < o.items * ndest; k++) {
		int want = 0;

		/* --order dest: each destination's items in a row; rr:
		 * round robin over the destinations.
		 */
		if (o.rr) {
			d = k % ndest;
			r = k / ndest;
		} else {
			d = k / o.items;
			r = k % o.items;
		}
		if (d >= o.dests)
			want = o.down && d == o.dests ? -ETIMEDOUT : -ECONNREFUSED;
		if (o.mmsg > 1 && !o.prio && !o.sync) {
			batch_add(fd, &s, &dst[d], d < o.dests ? d : 0, r, want);
			continue;
		}
		fill(buf, d < o.dests ? d : 0, r, o.size);
		send_item(fd, &s, buf, o.size, &dst[d], 1, want);
		/* --sync: the next item only once this one completed. */
		while (o.sync && s.done < s.sent) {
			struct pollfd p = { .fd = fd, .events = POLLERR };

			poll(&p, 1, 200);
			reap(fd, &s);
		}
		if (k % 256 == 255)
			reap(fd, &s);
	}
	batch_flush(fd, &s);
	/* Items to many destinations at once: the first multi_n. */
	for (r = 0; r < o.multi; r++) {
		/* The same bytes go everywhere: marked for all, numbered
		 * after the single items.
		 */
		fill(buf, ALL, o.items + r, o.size);
		send_item(fd, &s, buf, o.size, dst, multi_n, 0);
	}
	t = now();
	while (s.done < s.sent && now() - t < o.timeout) {
		struct pollfd p = { .fd = fd, .events = POLLERR };

		poll(&p, 1, 200);
		reap(fd, &s);
	}
	t = now() - t0;
	printf("send items %ld completed %ld delivered %ld failed %ld wrong %ld twice %ld secs %.2f items/s %.0f\n",
	       s.sent, s.done, s.delivered, s.failed, s.wrong, s.twice, t,
	       s.sent / t);
	close(fd);
	return s.done == s.sent && !s.wrong && !s.twice ? 0 : 1;
}

/* Baseline: one TCP connection per destination, one send() per item. */
static int cmd_tcp_recv(void)
{
	int l = socket(AF_INET, SOCK_STREAM, 0), one = 1, ep;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(o.port) };
	long got = 0, bytes = 0;
	double t0 = 0;
	char buf[65536];

	ep = epoll_create1(0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (l < 0 || bind(l, (void *)&a, sizeof(a)) || listen(l, 4096))
		die("listen");
	printf("listening\n");
	fflush(stdout);
	struct epoll_event lev = { .events = EPOLLIN, .data.fd = l };

	epoll_ctl(ep, EPOLL_CTL_ADD, l, &lev);
	while (bytes < o.total * o.size) {
		struct epoll_event ev[64];
		int i, n = epoll_wait(ep, ev, 64, o.timeout * 1000);

		if (n <= 0)
			break;
		for (i = 0; i < n; i++) {
			int fd = ev[i].data.fd;
			ssize_t r;

			if (fd == l) {
				int c = accept(l, NULL, NULL);
				struct epoll_event e = { .events = EPOLLIN, .data.fd = c };

				if (c >= 0)
					epoll_ctl(ep, EPOLL_CTL_ADD, c, &e);
				if (!t0)
					t0 = now();
				continue;
			}
			r = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
			if (r > 0)
				bytes += r;
			else if (r == 0)
				epoll_ctl(ep, EPOLL_CTL_DEL, fd, NULL), close(fd);
		}
	}
	got = bytes / o.size;
	printf("tcp-recv items %ld secs %.2f\n", got, now() - t0);
	return got == o.total ? 0 : 1;
}

static int cmd_tcp_send(void)
{
	int *fds = calloc(o.dests, sizeof(int)), d, r, one = 1;
	uint8_t buf[65536];
	double t0, t;

	if (!fds)
		die("calloc");
	for (d = 0; d < o.dests; d++) {
		struct sockaddr_in in;

		dest_addr(d, &in);
		in.sin_port = htons(o.port);
		fds[d] = socket(AF_INET, SOCK_STREAM, 0);
		setsockopt(fds[d], IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		if (fds[d] < 0 || connect(fds[d], (void *)&in, sizeof(in)))
			die("connect");
	}
	t0 = now();
	for (r = 0; r < o.items; r++)
		for (d = 0; d < o.dests; d++) {
			fill(buf, d, r, o.size);
			if (send(fds[d], buf, o.size, 0) != o.size)
				die("send");
		}
	/* Delivered means read: the receiver closes after the last byte. */
	for (d = 0; d < o.dests; d++)
		shutdown(fds[d], SHUT_WR);
	for (d = 0; d < o.dests; d++) {
		if (recv(fds[d], buf, sizeof(buf), 0) != 0)
			die("waiting for the receiver to close");
		close(fds[d]);
	}
	t = now() - t0;
	printf("tcp-send items %ld secs %.2f items/s %.0f\n",
	       (long)o.items * o.dests, t, o.items * o.dests / t);
	return 0;
}

/* A new socket's tunables: the namespace defaults. */
static int cmd_show(void)
{
	static const struct { const char *name; int opt; } t[] = {
		{ "time_us", MSGPIPE_RDM_TIME_US }, { "size", MSGPIPE_RDM_SIZE },
		{ "retry_ms", MSGPIPE_RDM_RETRY_MS },
		{ "retries", MSGPIPE_RDM_RETRIES },
		{ "rx_time_us", MSGPIPE_RDM_RX_TIME_US },
		{ "rx_size", MSGPIPE_RDM_RX_SIZE },
		{ "throttle_ms", MSGPIPE_RDM_THROTTLE_MS },
	};
	int fd = socket(fam, SOCK_RDM, 0), val;
	socklen_t len;
	unsigned int i;

	if (fd < 0)
		die("socket");
	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		len = sizeof(val);
		if (getsockopt(fd, SOL_MSGPIPE, t[i].opt, &val, &len))
			die("getsockopt");
		printf("%s%s %d", i ? " " : "", t[i].name, val);
	}
	printf("\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "net", 1, 0, 'n' }, { "port", 1, 0, 'P' }, { "socks", 1, 0, 's' },
		{ "total", 1, 0, 'T' }, { "dests", 1, 0, 'd' }, { "items", 1, 0, 'i' },
		{ "size", 1, 0, 'S' }, { "multi", 1, 0, 'm' }, { "down", 1, 0, 'D' },
		{ "refused", 1, 0, 'R' }, { "batch", 1, 0, 'b' }, { "time-us", 1, 0, 'u' },
		{ "retry-ms", 1, 0, 'r' }, { "retries", 1, 0, 'x' },
		{ "throttle", 1, 0, 't' }, { "timeout", 1, 0, 'w' },
		{ "prio", 0, 0, 'p' }, { "order", 1, 0, 'o' }, { "sync", 0, 0, 'y' },
		{ "sndbuf", 1, 0, 'B' }, { "mmsg", 1, 0, 'M' },
		{ "multi-dests", 1, 0, 'N' },
		{ "help", 0, 0, 'h' }, { 0 }
	};
	const char *cmd;
	int c;

	if (argc < 2) {
		fprintf(stderr, "usage: mp_rdm recv|send|tcp-recv|tcp-send [options]\n");
		return 2;
	}
	cmd = argv[1];
	optind = 2;
	while ((c = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
		switch (c) {
		case 'n': o.net = optarg; break;
		case 'P': o.port = atoi(optarg); break;
		case 's': o.socks = atoi(optarg); break;
		case 'T': o.total = atol(optarg); break;
		case 'd': o.dests = atoi(optarg); break;
		case 'i': o.items = atoi(optarg); break;
		case 'S': o.size = atoi(optarg); break;
		case 'm': o.multi = atoi(optarg); break;
		case 'D': o.down = optarg; break;
		case 'R': o.refused = atoi(optarg); break;
		case 'b': o.batch = atoi(optarg); break;
		case 'u': o.time_us = atoi(optarg); break;
		case 'r': o.retry_ms = atoi(optarg); break;
		case 'x': o.retries = atoi(optarg); break;
		case 't': o.throttle = atoi(optarg); break;
		case 'w': o.timeout = atoi(optarg); break;
		case 'p': o.prio = true; break;
		case 'o': o.rr = !strcmp(optarg, "rr"); break;
		case 'y': o.sync = true; break;
		case 'B': o.sndbuf = atoi(optarg); break;
		case 'M': o.mmsg = atoi(optarg); break;
		case 'N': o.multi_dests = atoi(optarg); break;
		default:
			fprintf(stderr, "see the comment at the top of mp_rdm.c\n");
			return 2;
		}
	}
	if (o.size < (int)sizeof(struct hdr) || o.size > (int)MSGPIPE_RDM_ITEM_MAX) {
		fprintf(stderr, "mp_rdm: --size out of range\n");
		return 2;
	}
	if (o.multi_dests < 1 || o.multi_dests > MSGPIPE_RDM_DESTS_MAX) {
		fprintf(stderr, "mp_rdm: --multi-dests out of range\n");
		return 2;
	}
	fam = msgpipe_family();
	if (!strcmp(cmd, "show"))
		return cmd_show();
	if (!strcmp(cmd, "recv"))
		return cmd_recv();
	if (!strcmp(cmd, "send"))
		return cmd_send();
	if (!strcmp(cmd, "tcp-recv"))
		return cmd_tcp_recv();
	if (!strcmp(cmd, "tcp-send"))
		return cmd_tcp_send();
	fprintf(stderr, "mp_rdm: unknown command %s\n", cmd);
	return 2;
}
