// SPDX-License-Identifier: GPL-2.0
/*
 * mp_raw: a hostile msgpipe peer. Connects to a host's pipe listener over
 * plain TCP and sends malformed frames, built with the module's own
 * encoder (wire.c) and then broken: bad magic, version, header length and
 * checksum, a first frame that is not HELLO, a truncated header, frames
 * for unknown sessions (dropped, not a violation), DATA out of the window,
 * bad selective blocks, and a flood of connections and of random frames.
 * For each case it says whether the host closed that connection, and
 * fails when the host did not do what wire-format.rst promises.
 *
 * With --forge it is the receiving end instead: two hosts' pipe listeners,
 * the attacker's and the victim's. The victim takes BATCHes and never
 * acknowledges them; the attacker acknowledges its own and, every 100 ms
 * until --seconds pass or SIGTERM, forges BATCH_ACK records: 128 GUIDs around its
 * own and every GUID the victim saw (as if it had learnt them). The host
 * must take none of them for the victim's batches.
 *
 * With --vanish it opens one session to --svc-port, sends the first half of
 * a message (the host owes it a delayed acknowledgment), says "sent", and
 * when its standard input closes, closes the connection: a peer that
 * vanishes while the host's acknowledgment is on its way.
 *
 * usage: mp_raw --addr IP [--tcp-port 7460] --svc-port PORT [--seed N]
 *        mp_raw --addr IP --svc-port PORT --vanish
 *        mp_raw --forge IP --victim IP [--seconds S]
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include "kcompat.h"
#include <msgpipe/wire.h>
#include <uapi/linux/msgpipe.h>

static struct sockaddr_in host;
static unsigned int fails, seed;
static int svc_port;

static void say(bool ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	fflush(stdout);
	if (!ok)
		fails++;
}

static int tcp(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (fd < 0 || connect(fd, (struct sockaddr *)&host, sizeof(host))) {
		perror("mp_raw: connect");
		exit(2);
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return fd;
}

static void put(int fd, const void *p, size_t n)
{
	if (send(fd, p, n, MSG_NOSIGNAL) != (ssize_t)n && errno != EPIPE &&
	    errno != ECONNRESET)
		perror("mp_raw: send");
}

static void reseal(struct msgpipe_wire_hdr *h)
{
	h->hdr_crc = 0;
	h->hdr_crc = htobe32(crc32c(~0U, h, sizeof(*h)));
}

static void frame(int fd, const struct msgpipe_frame *f, const void *pay)
{
	struct msgpipe_wire_hdr h;

	msgpipe_wire_encode(f, &h);
	put(fd, &h, sizeof(h));
	if (f->chunk_len)
		put(fd, pay, f->chunk_len);
}

/* Read whole frame headers (skipping payloads) for up to @ms; the frame of
 * type @want is copied to @got. Return: 1 found, 0 closed by the host, -1
 * still open without it.
 */
static int await(int fd, int ms, int want, struct msgpipe_frame *got)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	struct msgpipe_wire_hdr h;
	struct msgpipe_frame f;
	size_t have = 0;
	ssize_t n;

	while (poll(&p, 1, ms) == 1) {
		n = recv(fd, (char *)&h + have, sizeof(h) - have, 0);
		if (n <= 0)
			return 0;	/* EOF or reset: closed */
		have += n;
		if (have < sizeof(h))
			continue;
		have = 0;
		if (msgpipe_wire_decode(&h, sizeof(h), &f))
			return -1;
		if (f.chunk_len) {
			char skip[4096];
			u32 left = f.chunk_len;

			while (left && (n = recv(fd, skip, left < sizeof(skip) ?
						 left : sizeof(skip), 0)) > 0)
				left -= n;
		}
		if (f.type == want) {
			*got = f;
			return 1;
		}
	}
	return -1;
}

static bool closed_within(int fd, int ms)
{
	struct msgpipe_frame f;

	return await(fd, ms, -1, &f) == 0;
}

/* A connection that said HELLO for a new pipe of one connection. */
static int hello(void)
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_HELLO, .total_len = 1 };
	int fd = tcp();

	f.stream_seq = ((u64)rand() << 32 | rand()) | 1;
	frame(fd, &f, NULL);
	if (await(fd, 3000, MSGPIPE_T_HELLO, &f) != 1) {
		say(false, "the host answered HELLO");
		exit(1);
	}
	return fd;
}

static void broken_header(const char *what, void (*breakit)(struct msgpipe_wire_hdr *))
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_HELLO, .total_len = 1,
				   .stream_seq = 99 };
	struct msgpipe_wire_hdr h;
	char line[128];
	int fd = tcp();

	msgpipe_wire_encode(&f, &h);
	breakit(&h);
	put(fd, &h, sizeof(h));
	snprintf(line, sizeof(line), "%s: the host closed the connection", what);
	say(closed_within(fd, 3000), line);
	close(fd);
}

static void bad_magic(struct msgpipe_wire_hdr *h) { h->magic ^= 1; reseal(h); }
static void bad_version(struct msgpipe_wire_hdr *h) { h->version = 2; reseal(h); }
static void bad_hdr_len(struct msgpipe_wire_hdr *h) { h->hdr_len = htobe16(128); reseal(h); }
static void bad_crc(struct msgpipe_wire_hdr *h) { h->hdr_crc ^= htobe32(0x100); }
static void bad_type(struct msgpipe_wire_hdr *h) { h->type = 200; reseal(h); }

static void case_not_hello_first(void)
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_SYNC, .port = svc_port,
				   .src_sid = 5 };
	int fd = tcp();

	frame(fd, &f, NULL);
	say(closed_within(fd, 3000), "a SYNC before HELLO: closed");
	close(fd);
}

static void case_truncated(void)
{
	char part[20] = { 0x4d, 0x50, 0x49, 0x50 };
	int fd = tcp();

	put(fd, part, sizeof(part));
	/* The host waits 5 s for a whole HELLO, then gives up. */
	say(closed_within(fd, 9000), "a truncated HELLO: closed after the HELLO timeout");
	close(fd);
}

static void case_after_hello(const char *what, const struct msgpipe_frame *bad,
			     const void *pay)
{
	char line[160];
	int fd = hello();

	frame(fd, bad, pay);
	snprintf(line, sizeof(line), "%s: the host reset the connection", what);
	say(closed_within(fd, 3000), line);
	close(fd);
}

/* A frame for a session the host does not have is dropped, not a
 * violation: it may be a late frame of a session closed meanwhile, and
 * resetting would break every other session on the connection. The
 * connection stays open, as a bad frame after it shows.
 */
static void case_unknown_session(void)
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_DATA, .dst_sid = 777777,
		.src_sid = 1, .msg_seq = 1, .total_len = 16, .chunk_len = 16 };
	struct msgpipe_wire_hdr h;
	int fd = hello();

	frame(fd, &f, "0123456789abcdef");
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_FIN, .dst_sid = 777777,
		.src_sid = 1 };
	frame(fd, &f, NULL);
	say(!closed_within(fd, 1500),
	    "DATA and FIN for an unknown session: dropped, the connection stays");
	msgpipe_wire_encode(&f, &h);
	h.hdr_crc ^= 1;
	put(fd, &h, sizeof(h));
	say(closed_within(fd, 3000), "then a bad checksum on it: reset");
	close(fd);
}

static void case_garbage_after_hello(void)
{
	unsigned char junk[256];
	int fd = hello();
	size_t i;

	for (i = 0; i < sizeof(junk); i++)
		junk[i] = rand();
	put(fd, junk, sizeof(junk));
	say(closed_within(fd, 3000), "random bytes after HELLO: reset");
	close(fd);
}

/* SYNC our session 5 to the listening mp_xfer on --svc-port; wait @ms for
 * the ACCEPT. Return: the host's session id, or 0.
 */
static u32 session_open(int fd, int ms)
{
	struct msgpipe_frame f = { .type = MSGPIPE_T_SYNC, .port = svc_port,
				   .src_sid = 5, .window = 1 << 20,
				   .msg_window = 16 };

	frame(fd, &f, NULL);
	return await(fd, ms, MSGPIPE_T_ACCEPT, &f) == 1 ? f.src_sid : 0;
}

/* A session opened for real, then DATA far beyond the window it
 * advertised.
 */
static void case_out_of_window(void)
{
	static unsigned char pay[1024];
	struct msgpipe_frame f;
	int fd = hello();
	u32 remote = session_open(fd, 5000);

	say(remote, "a SYNC to a listener was accepted");
	if (!remote) {
		close(fd);
		return;
	}
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_DATA, .dst_sid = remote,
		.src_sid = 5, .msg_seq = 1, .stream_seq = 1ULL << 40,
		.total_len = sizeof(pay), .chunk_len = sizeof(pay) };
	frame(fd, &f, pay);
	say(closed_within(fd, 3000), "DATA 1 TiB beyond the window: reset");
	close(fd);
}

/* --vanish: half a message on a real session, then gone when told. */
static int vanish(void)
{
	static unsigned char pay[1024];
	struct msgpipe_frame f;
	int fd = hello();
	u32 remote = session_open(fd, 30000);
	char c;

	if (!remote) {
		fprintf(stderr, "mp_raw: the session was not accepted\n");
		return 1;
	}
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_DATA, .dst_sid = remote,
		.src_sid = 5, .msg_seq = 1, .total_len = 2 * sizeof(pay),
		.chunk_len = sizeof(pay) };
	frame(fd, &f, pay);
	printf("sent\n");
	fflush(stdout);
	while (read(0, &c, 1) > 0)
		;
	close(fd);
	return 0;
}

/* Many connections at once, each sending garbage; then many valid-CRC
 * frames with random fields on one connection.
 */
/* Peers that connect and say nothing take no worker on the host: a real
 * HELLO is answered at once while 300 of them wait, and each is closed
 * after the 5 s HELLO timeout.
 */
static void case_silent(void)
{
	enum { N = 300 };
	struct timespec t0, t1;
	int fds[N], i, fd, closed = 0;
	char line[128];
	long ms;

	for (i = 0; i < N; i++)
		fds[i] = tcp();
	clock_gettime(CLOCK_MONOTONIC, &t0);
	fd = hello();
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
	snprintf(line, sizeof(line),
		 "%d silent connections: a real HELLO is still answered (%ld ms, under the 5 s timeout)",
		 N, ms);
	say(ms < 4000, line);
	close(fd);
	for (i = 0; i < N; i++) {
		closed += closed_within(fds[i], 9000);
		close(fds[i]);
	}
	snprintf(line, sizeof(line),
		 "the silent connections were closed after the HELLO timeout (%d of %d)",
		 closed, N);
	say(closed == N, line);
}

static void case_flood(void)
{
	enum { N = 64 };
	int fds[N], i, closed = 0;
	unsigned char junk[4096];
	struct msgpipe_wire_hdr h;
	char line[128];
	int fd, sent;

	for (i = 0; i < N; i++) {
		fds[i] = tcp();
		for (size_t k = 0; k < sizeof(junk); k++)
			junk[k] = rand();
		put(fds[i], junk, sizeof(junk));
	}
	for (i = 0; i < N; i++) {
		closed += closed_within(fds[i], 6000);
		close(fds[i]);
	}
	snprintf(line, sizeof(line), "a flood of %d garbage connections: %d closed",
		 N, closed);
	say(closed == N, line);

	fd = hello();
	for (sent = 0; sent < 10000; sent++) {
		for (size_t k = 0; k < sizeof(h); k++)
			((unsigned char *)&h)[k] = rand();
		h.magic = htobe32(MSGPIPE_WIRE_MAGIC);
		h.version = MSGPIPE_WIRE_VERSION;
		h.hdr_len = htobe16(MSGPIPE_HDR_LEN);
		h.chunk_len = 0;
		reseal(&h);
		if (send(fd, &h, sizeof(h), MSG_NOSIGNAL) != sizeof(h))
			break;
	}
	snprintf(line, sizeof(line),
		 "random frames with valid checksums: reset (after %d sent)", sent);
	say(closed_within(fd, 3000), line);
	close(fd);
}

/* --forge: a connection to one of the two listeners. */
struct fconn {
	int fd;
	bool victim;
	bool up;			/* HELLO answered */
	size_t have;			/* bytes of @h read */
	u32 skip;			/* payload bytes still to read */
	struct msgpipe_wire_hdr h;
};

enum { FORGE_CONNS = 64, FORGE_GUESS = 64, FORGE_VICTIM = 256 };

static struct {
	u64 hi, own_lo, victim_lo[FORGE_VICTIM];
	int nvictim, own, attacker_fd, gap_bits;
	long forged, exact;
} fg = { .attacker_fd = -1 };

static int forge_listen(const char *ip)
{
	struct sockaddr_in a = host;
	int fd = socket(AF_INET, SOCK_STREAM, 0), one = 1;

	if (inet_pton(AF_INET, ip, &a.sin_addr) != 1 || fd < 0 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&a, sizeof(a)) || listen(fd, 16)) {
		perror("mp_raw: listen");
		exit(2);
	}
	return fd;
}

/* One BATCH_ACK: @n records of GUID @hi:@lo[i], each "delivered". */
static void forge_ack(int fd, u64 hi, const u64 *lo, int n)
{
	struct msgpipe_batch_ack rec[2 * FORGE_GUESS + FORGE_VICTIM] = {};
	struct msgpipe_frame f = { .type = MSGPIPE_T_BATCH_ACK, .total_len = n,
				   .chunk_len = n * sizeof(rec[0]) };
	int i;

	for (i = 0; i < n; i++) {
		rec[i].guid_hi = htobe64(hi);
		rec[i].guid_lo = htobe64(lo[i]);
	}
	frame(fd, &f, rec);
}

static void forge_frame(struct fconn *c, const struct msgpipe_frame *f)
{
	int i;

	if (f->type == MSGPIPE_T_HELLO && !c->up) {
		/* The acceptor's answer: the same pipe, slot and security. */
		frame(c->fd, f, NULL);
		c->up = true;
		return;
	}
	if (f->type != MSGPIPE_T_BATCH)
		return;
	if (c->victim) {
		for (i = 0; i < fg.nvictim; i++)
			if (fg.victim_lo[i] == f->stream_seq)
				return;
		if (fg.nvictim < FORGE_VICTIM)
			fg.victim_lo[fg.nvictim++] = f->stream_seq;
		return;
	}
	fg.hi = f->msg_seq;
	fg.own_lo = f->stream_seq;
	fg.own++;
	fg.attacker_fd = c->fd;
	forge_ack(c->fd, fg.hi, &fg.own_lo, 1);
}

/* Read what @c has: whole headers are handled, payloads skipped. */
static bool forge_read(struct fconn *c)
{
	char buf[4096];
	struct msgpipe_frame f;
	ssize_t n;

	if (c->skip) {
		n = recv(c->fd, buf, c->skip < sizeof(buf) ? c->skip : sizeof(buf),
			 MSG_DONTWAIT);
		if (n <= 0)
			return n < 0 && errno == EAGAIN;
		c->skip -= n;
		return true;
	}
	n = recv(c->fd, (char *)&c->h + c->have, sizeof(c->h) - c->have,
		 MSG_DONTWAIT);
	if (n <= 0)
		return n < 0 && errno == EAGAIN;
	c->have += n;
	if (c->have < sizeof(c->h))
		return true;
	c->have = 0;
	if (msgpipe_wire_decode(&c->h, sizeof(c->h), &f))
		return false;
	c->skip = f.chunk_len;
	forge_frame(c, &f);
	return true;
}

/* Guesses around the attacker's own GUID, then the victim's GUIDs. */
static void forge_send(void)
{
	u64 lo[2 * FORGE_GUESS + FORGE_VICTIM];
	int i, n = 0;

	for (i = -FORGE_GUESS; i <= FORGE_GUESS; i++)
		if (i)
			lo[n++] = fg.own_lo + i;
	for (i = 0; i < fg.nvictim; i++)
		lo[n++] = fg.victim_lo[i];
	forge_ack(fg.attacker_fd, fg.hi, lo, n);
	fg.forged += n;
	fg.exact += fg.nvictim;
}

static volatile sig_atomic_t forge_stop;

static void forge_term(int sig __attribute__((unused)))
{
	forge_stop = 1;
}

static long now_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1000 + t.tv_nsec / 1000000;
}

static int forge(const char *attacker, const char *victim, int seconds)
{
	struct pollfd p[2 + FORGE_CONNS];
	struct fconn c[FORGE_CONNS];
	int nc = 0, i, fd;
	long next = 0;
	time_t end;

	p[0] = (struct pollfd){ .fd = forge_listen(attacker), .events = POLLIN };
	p[1] = (struct pollfd){ .fd = forge_listen(victim), .events = POLLIN };
	printf("listening\n");
	fflush(stdout);
	signal(SIGTERM, forge_term);
	end = time(NULL) + seconds;
	while (time(NULL) < end && !forge_stop) {
		if (poll(p, 2 + nc, 100) < 0)
			continue;
		for (i = 0; i < 2; i++) {
			if (!(p[i].revents & POLLIN) || nc == FORGE_CONNS)
				continue;
			fd = accept(p[i].fd, NULL, NULL);
			if (fd < 0)
				continue;
			c[nc] = (struct fconn){ .fd = fd, .victim = i == 1 };
			p[2 + nc++] = (struct pollfd){ .fd = fd, .events = POLLIN };
		}
		for (i = 0; i < nc; i++)
			if ((p[2 + i].revents & (POLLIN | POLLHUP | POLLERR)) &&
			    !forge_read(&c[i]))
				p[2 + i].fd = -1;	/* closed: ignored */
		if (fg.own && fg.attacker_fd >= 0 && now_ms() >= next) {
			forge_send();
			next = now_ms() + 100;
		}
	}
	/* How far the victim's GUIDs are from the attacker's: bits. */
	for (i = 0; i < fg.nvictim; i++) {
		u64 d = fg.victim_lo[i] > fg.own_lo ? fg.victim_lo[i] - fg.own_lo :
						      fg.own_lo - fg.victim_lo[i];
		int bits = d ? 64 - __builtin_clzll(d) : 0;

		if (!i || bits < fg.gap_bits)
			fg.gap_bits = bits;
	}
	printf("forge: own batches %d, victim batches %d, records forged %ld (%ld naming the victim's batches), nearest GUID gap %d bits\n",
	       fg.own, fg.nvictim, fg.forged, fg.exact, fg.gap_bits);
	return fg.own && fg.nvictim && fg.exact ? 0 : 1;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "tcp-port", required_argument, NULL, 't' },
		{ "svc-port", required_argument, NULL, 's' },
		{ "seed", required_argument, NULL, 'S' },
		{ "forge", required_argument, NULL, 'f' },
		{ "victim", required_argument, NULL, 'v' },
		{ "seconds", required_argument, NULL, 'T' },
		{ "vanish", no_argument, NULL, 'V' },
		{}
	};
	const char *attacker = NULL, *victim = NULL;
	int seconds = 10;
	bool vanishing = false;
	struct msgpipe_frame f;
	struct msgpipe_sack sack[2];
	int c;

	host.sin_family = AF_INET;
	host.sin_port = htons(MSGPIPE_TCP_PORT);
	seed = time(NULL);
	while ((c = getopt_long(argc, argv, "a:t:s:S:f:v:T:V", lopts, NULL)) != -1) {
		switch (c) {
		case 'a':
			if (inet_pton(AF_INET, optarg, &host.sin_addr) != 1)
				return 2;
			break;
		case 't':
			host.sin_port = htons(atoi(optarg));
			break;
		case 's':
			svc_port = atoi(optarg);
			break;
		case 'S':
			seed = strtoul(optarg, NULL, 0);
			break;
		case 'f':
			attacker = optarg;
			break;
		case 'v':
			victim = optarg;
			break;
		case 'T':
			seconds = atoi(optarg);
			break;
		case 'V':
			vanishing = true;
			break;
		default:
			fprintf(stderr, "usage: mp_raw --addr IP --svc-port PORT [--tcp-port P] [--seed N]\n"
					"       mp_raw --addr IP --svc-port PORT --vanish\n"
					"       mp_raw --forge IP --victim IP [--seconds S]\n");
			return 2;
		}
	}
	if (attacker || victim) {
		if (!attacker || !victim || seconds <= 0) {
			fprintf(stderr, "mp_raw: --forge and --victim go together\n");
			return 2;
		}
		return forge(attacker, victim, seconds);
	}
	if (!host.sin_addr.s_addr || !svc_port) {
		fprintf(stderr, "mp_raw: --addr and --svc-port are required\n");
		return 2;
	}
	if (vanishing)
		return vanish();
	printf("seed %u\n", seed);
	srand(seed);

	broken_header("bad magic", bad_magic);
	broken_header("version 2", bad_version);
	broken_header("header length 128", bad_hdr_len);
	broken_header("bad header checksum", bad_crc);
	broken_header("type 200", bad_type);
	case_not_hello_first();
	case_truncated();

	case_unknown_session();
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_ACK, .dst_sid = 777777,
		.src_sid = 1, .stream_seq = 100, .chunk_len = sizeof(sack) };
	sack[0].lo = htobe64(500);
	sack[0].hi = htobe64(600);
	sack[1].lo = htobe64(200);	/* descending: invalid */
	sack[1].hi = htobe64(300);
	case_after_hello("an ACK with descending selective blocks", &f, sack);
	f = (struct msgpipe_frame){ .type = MSGPIPE_T_HELLO, .stream_seq = 3,
		.total_len = 1 };
	case_after_hello("a second HELLO", &f, NULL);
	case_garbage_after_hello();
	case_out_of_window();
	case_silent();
	case_flood();

	printf("mp_raw: %u failed\n", fails);
	return fails ? 1 : 0;
}
