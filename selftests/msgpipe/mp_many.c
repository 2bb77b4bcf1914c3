// SPDX-License-Identifier: GPL-2.0
/*
 * mp_many: many concurrent AF_MSGPIPE sessions to one host. The client
 * opens --sessions sessions, then sends --count messages on each, round
 * robin, sizes varying from 1 byte to --maxsize. Every message says which
 * session and which message it is and carries bytes derived from both, so
 * the server verifies every byte and that each session's messages arrive
 * in order, none missing, none twice.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/msgpipe.h>
#include "mp_family.h"

struct hdr {
	uint32_t session;
	uint32_t seq;
	uint32_t len;
};

struct opts {
	const char *addr;
	int port;
	unsigned int sessions;
	unsigned int count;
	unsigned int maxsize;
};

/* The length and bytes of message @seq of session @s: both ends agree. */
static uint32_t msg_len(const struct opts *o, uint32_t s, uint32_t seq)
{
	uint32_t x = s * 2654435761u ^ (seq + 1) * 40503u;

	x ^= x >> 13;
	return sizeof(struct hdr) + x % (o->maxsize - sizeof(struct hdr) + 1);
}

static void fill(unsigned char *p, uint32_t n, uint32_t s, uint32_t seq)
{
	uint32_t x = s * 2246822519u + seq * 3266489917u + 1, i;

	for (i = 0; i < n; i++) {
		x = x * 1103515245u + 12345u;
		p[i] = x >> 16;
	}
}

static int mp_addr(const struct opts *o, struct sockaddr_msgpipe *a)
{
	memset(a, 0, sizeof(*a));
	a->smp_family = msgpipe_family();
	a->smp_port = o->port;
	if (!o->addr)
		return 0;
	if (inet_pton(AF_INET, o->addr, a->smp_addr) == 1)
		a->smp_af = AF_INET;
	else if (inet_pton(AF_INET6, o->addr, a->smp_addr) == 1)
		a->smp_af = AF_INET6;
	else
		return -1;
	return 0;
}

static void more_files(unsigned int n)
{
	struct rlimit r = { n + 64, n + 64 };

	setrlimit(RLIMIT_NOFILE, &r);
}

static int client(const struct opts *o)
{
	unsigned char *buf = malloc(o->maxsize);
	struct sockaddr_msgpipe a;
	unsigned int i, k;
	int *fds;

	fds = calloc(o->sessions, sizeof(*fds));
	if (!buf || !fds || mp_addr(o, &a)) {
		fprintf(stderr, "client: bad address or no memory\n");
		return 1;
	}
	for (i = 0; i < o->sessions; i++) {
		fds[i] = socket(msgpipe_family(), SOCK_SEQPACKET, 0);
		if (fds[i] < 0 ||
		    connect(fds[i], (struct sockaddr *)&a, sizeof(a))) {
			fprintf(stderr, "client: session %u: %s\n", i,
				strerror(errno));
			return 1;
		}
	}
	printf("client: %u sessions open\n", o->sessions);
	for (k = 0; k < o->count; k++) {
		for (i = 0; i < o->sessions; i++) {
			uint32_t n = msg_len(o, i, k);
			struct hdr h = { i, k, n };

			memcpy(buf, &h, sizeof(h));
			fill(buf + sizeof(h), n - sizeof(h), i, k);
			if (send(fds[i], buf, n, 0) != (ssize_t)n) {
				fprintf(stderr, "client: session %u message %u: %s\n",
					i, k, strerror(errno));
				return 1;
			}
		}
	}
	for (i = 0; i < o->sessions; i++)
		shutdown(fds[i], SHUT_WR);
	/* The server closes each session once it has every message. */
	for (i = 0; i < o->sessions; i++) {
		char c;

		if (recv(fds[i], &c, 1, 0) != 0)
			fprintf(stderr, "client: session %u: no orderly end\n", i);
		close(fds[i]);
	}
	printf("client: sent %u messages on each of %u sessions\n", o->count,
	       o->sessions);
	free(fds);
	free(buf);
	return 0;
}

/* Check one message; 0 when it is message @want and intact. */
static int verify(const struct opts *o, const unsigned char *p, ssize_t n,
		  uint32_t want)
{
	static unsigned char *ref;
	struct hdr h;

	if (!ref)
		ref = malloc(o->maxsize);
	if (n < (ssize_t)sizeof(h))
		return -1;
	memcpy(&h, p, sizeof(h));
	if (h.seq != want || h.len != (uint32_t)n ||
	    h.len != msg_len(o, h.session, h.seq))
		return -1;
	fill(ref, n - sizeof(h), h.session, h.seq);
	return memcmp(ref, p + sizeof(h), n - sizeof(h)) ? -1 : 0;
}

/*
 * The server waits in epoll, not poll(): a poll() of 1001 sockets asks
 * every session's poll method for each event; epoll asks the ready ones.
 */
static int server(const struct opts *o)
{
	unsigned int open = 0, done = 0, msgs = 0, bad = 0;
	unsigned char *buf = malloc(o->maxsize);
	uint32_t *next = calloc(o->sessions + 1, sizeof(*next));
	int32_t *who = calloc(o->sessions + 1, sizeof(*who));
	int *fds = calloc(o->sessions + 1, sizeof(*fds));
	struct epoll_event ev[64], e = { .events = EPOLLIN };
	struct sockaddr_msgpipe a;
	int lfd, ep, n, k;

	if (!buf || !next || !who || !fds || mp_addr(o, &a))
		return 1;
	lfd = socket(msgpipe_family(), SOCK_SEQPACKET, 0);
	ep = epoll_create1(0);
	if (lfd < 0 || ep < 0 || bind(lfd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(lfd, 4096) || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &e)) {
		fprintf(stderr, "server: %s\n", strerror(errno));
		return 1;
	}
	printf("server: listening\n");
	fflush(stdout);
	while (done < o->sessions) {
		n = epoll_wait(ep, ev, 64, 60000);
		if (n <= 0) {
			fprintf(stderr, "server: stalled (%u sessions done)\n", done);
			return 1;
		}
		for (k = 0; k < n; k++) {
			unsigned int i = ev[k].data.u32;
			ssize_t got;

			if (!i) {
				int fd = open < o->sessions ?
					 accept(lfd, NULL, NULL) : -1;

				if (fd < 0)
					continue;
				fds[++open] = fd;
				who[open] = -1;
				e.data.u32 = open;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &e)) {
					fprintf(stderr, "server: epoll: %s\n",
						strerror(errno));
					return 1;
				}
				continue;
			}
			got = recv(fds[i], buf, o->maxsize, MSG_DONTWAIT);
			if (got < 0 && errno == EAGAIN)
				continue;
			if (got <= 0) {
				if (got < 0 || next[i] != o->count) {
					fprintf(stderr, "server: session %d ended after %u messages: %s\n",
						who[i], next[i], got ? strerror(errno) : "end");
					bad++;
				}
				close(fds[i]);	/* leaves the epoll set */
				done++;
				continue;
			}
			/* The first message names the client's session. */
			if (who[i] < 0 && got >= (ssize_t)sizeof(struct hdr))
				memcpy(&who[i], buf, sizeof(who[i]));
			if (verify(o, buf, got, next[i]) ||
			    memcmp(&who[i], buf, sizeof(who[i]))) {
				fprintf(stderr, "server: session %d message %u: wrong or out of order\n",
					who[i], next[i]);
				bad++;
			}
			next[i]++;
			msgs++;
		}
	}
	printf("server: sessions %u messages %u bad %u\n", open, msgs, bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "sessions", required_argument, NULL, 'n' },
		{ "count", required_argument, NULL, 'c' },
		{ "maxsize", required_argument, NULL, 'm' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct opts o = { .port = 5000, .sessions = 100, .count = 10,
			  .maxsize = 65536 };
	int c;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			o.addr = optarg;
			break;
		case 'p':
			o.port = atoi(optarg);
			break;
		case 'n':
			o.sessions = strtoul(optarg, NULL, 0);
			break;
		case 'c':
			o.count = strtoul(optarg, NULL, 0);
			break;
		case 'm':
			o.maxsize = strtoul(optarg, NULL, 0);
			break;
		default:
			fprintf(stderr, "usage: mp_many client|server [--addr A] [--port P] [--sessions N] [--count M] [--maxsize B]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc || !o.sessions || o.maxsize < sizeof(struct hdr)) {
		fprintf(stderr, "mp_many: client or server?\n");
		return 2;
	}
	more_files(o.sessions);
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(argv[optind], "client"))
		return client(&o);
	if (!strcmp(argv[optind], "server"))
		return server(&o);
	fprintf(stderr, "mp_many: client or server?\n");
	return 2;
}
