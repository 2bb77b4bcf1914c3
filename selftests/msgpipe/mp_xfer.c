// SPDX-License-Identifier: GPL-2.0
/*
 * mp_xfer: send and receive messages over AF_MSGPIPE (or, for comparison,
 * over plain TCP with a length prefix), printing one line per message with
 * its length and SHA-256 so tests can compare both ends, and the
 * throughput of the whole transfer.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/evp.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <linux/errqueue.h>
#include <time.h>
#include <unistd.h>
#include <linux/msgpipe.h>
#include "mp_family.h"
#include "mp_faults.h"

struct opts {
	const char *addr;
	int port;
	bool tcp;
	bool report;
	bool waitall;
	const char *sizes;
	const char *file;
	const char *out;
	size_t msgsize;
	size_t bufsize;
	unsigned int seed;
	bool hold;
	bool zerocopy;
	bool fast;
	unsigned long count;
	int sndbuf;
	int rcvbuf;
	bool faults;
	bool go_on;
	bool scribble;
	bool each;
};

/* Zero-copy completions read from the error queue so far. */
struct zcstate {
	unsigned long long issued;
	unsigned long long done;
	unsigned long long errors;
	unsigned long long copied;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void hexdigest(EVP_MD_CTX *ctx, char out[65])
{
	unsigned char md[32];
	unsigned int n = 0, i;

	EVP_DigestFinal_ex(ctx, md, &n);
	for (i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", md[i]);
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
}

static int fill_addr(const struct opts *o, struct sockaddr_storage *ss)
{
	memset(ss, 0, sizeof(*ss));
	if (!o->tcp) {
		struct sockaddr_msgpipe *a = (void *)ss;

		a->smp_family = msgpipe_family();
		a->smp_port = o->port;
		if (!o->addr)
			return sizeof(*a);
		if (inet_pton(AF_INET, o->addr, a->smp_addr) == 1)
			a->smp_af = AF_INET;
		else if (inet_pton(AF_INET6, o->addr, a->smp_addr) == 1)
			a->smp_af = AF_INET6;
		else
			return -1;
		return sizeof(*a);
	}
	if (o->addr && strchr(o->addr, ':')) {
		struct sockaddr_in6 *s6 = (void *)ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(o->port);
		if (inet_pton(AF_INET6, o->addr, &s6->sin6_addr) != 1)
			return -1;
		return sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (void *)ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(o->port);
		if (o->addr && inet_pton(AF_INET, o->addr, &s4->sin_addr) != 1)
			return -1;
		return sizeof(*s4);
	}
}

static int open_sock(const struct opts *o)
{
	int fd, one = 1;

	if (o->tcp) {
		fd = socket(o->addr && strchr(o->addr, ':') ? AF_INET6 : AF_INET,
			    SOCK_STREAM, 0);
		if (fd >= 0)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (fd >= 0 && o->zerocopy &&
		    setsockopt(fd, SOL_SOCKET, SO_ZEROCOPY, &one, sizeof(one)))
			return -1;
	} else {
		fd = socket(msgpipe_family(), SOCK_SEQPACKET, 0);
	}
	/* FORCE: root may go past net.core.[wr]mem_max, as tests need. */
	if (fd >= 0 && o->sndbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &o->sndbuf,
		       sizeof(o->sndbuf)))
		return -1;
	if (fd >= 0 && o->rcvbuf &&
	    setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &o->rcvbuf,
		       sizeof(o->rcvbuf)))
		return -1;
	return fd;
}

/* Read what the error queue holds; with @block wait for at least one.
 * Without a time limit of its own: every message completes, delivered or
 * failed (msgpipe's agent retires a session that makes no progress, TCP
 * gives up on a connection), and how long the peer takes to acknowledge
 * is not this program's to judge. A kernel that never completes one is
 * what the calling test's time limit catches.
 */
static int zc_reap(int fd, struct zcstate *z, bool block)
{
	for (;;) {
		char control[256];
		struct msghdr mh = { .msg_control = control,
				     .msg_controllen = sizeof(control) };
		struct pollfd pfd = { .fd = fd };
		struct cmsghdr *cm;

		if (recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT) < 0) {
			if (errno != EAGAIN)
				return -1;
			if (!block)
				return 0;
			if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
				return -1;
			continue;
		}
		for (cm = CMSG_FIRSTHDR(&mh); cm; cm = CMSG_NXTHDR(&mh, cm)) {
			struct sock_extended_err *e = (void *)CMSG_DATA(cm);
			unsigned long long n;

			if (!((cm->cmsg_level == SOL_MSGPIPE &&
			       cm->cmsg_type == MSGPIPE_RECVERR) ||
			      (cm->cmsg_level == SOL_IP &&
			       cm->cmsg_type == IP_RECVERR) ||
			      (cm->cmsg_level == SOL_IPV6 &&
			       cm->cmsg_type == IPV6_RECVERR)) ||
			    e->ee_origin != SO_EE_ORIGIN_ZEROCOPY)
				continue;
			n = e->ee_data - e->ee_info + 1ULL;
			z->done += n;
			if (e->ee_errno) {
				z->errors += n;
				fprintf(stderr, "mp_xfer: messages %u..%u: %s\n",
					e->ee_info, e->ee_data,
					strerror(e->ee_errno));
			}
			if (e->ee_code & SO_EE_CODE_ZEROCOPY_COPIED)
				z->copied += n;
		}
		block = false;
	}
}

static int zc_wait(int fd, struct zcstate *z, unsigned long long upto)
{
	while (z->done < upto)
		if (zc_reap(fd, z, true))
			return -1;
	return 0;
}

/* TCP framing for the comparison: an 8-byte big-endian length per message. */
static int write_all(int fd, const void *p, size_t n, int flags,
		     struct zcstate *z)
{
	while (n) {
		ssize_t r = send(fd, p, n, MSG_NOSIGNAL | flags);

		if (r < 0)
			return -1;
		if (flags & MSG_ZEROCOPY)
			z->issued++;
		p = (const char *)p + r;
		n -= r;
	}
	return 0;
}

static int send_msg(const struct opts *o, int fd, const void *buf, size_t len,
		    struct zcstate *z)
{
	int zc = o->zerocopy ? MSG_ZEROCOPY : 0;

	if (o->tcp) {
		uint64_t be = htobe64(len);

		if (write_all(fd, &be, 8, 0, z))
			return -1;
		return write_all(fd, buf, len, zc, z);
	}
	if (send(fd, buf, len, zc) != (ssize_t)len)
		return -1;
	z->issued += !!zc;
	return 0;
}

static void fill_pattern(unsigned char *buf, size_t len, unsigned int *seed)
{
	size_t i;

	for (i = 0; i < len; i++) {
		*seed = *seed * 1103515245 + 12345;
		buf[i] = *seed >> 16;
	}
}

/*
 * --scribble: break the zero-copy contract on purpose. Until the message
 * just sent completes, write into its buffer, a byte of every page each
 * millisecond: the bytes the kernel sends are no longer those it pinned.
 * --each: the same pace (one message in flight, polled each millisecond),
 * writing nothing (@b NULL).
 */
static int scribble(int fd, unsigned char *b, size_t len, struct zcstate *z)
{
	unsigned int k = 0;
	size_t p, off;

	while (z->done < z->issued) {
		off = k++ * 61 % 4096;
		for (p = 0; b && p + off < len; p += 4096)
			b[p + off] ^= 0xa5;
		if (zc_reap(fd, z, false))
			return -1;
		usleep(1000);
	}
	return 0;
}

/* --count messages of --msgsize; zero-copy alternates two buffers, each
 * reused only once the messages sent from it completed.
 */
static int send_generated(const struct opts *o, int fd, EVP_MD_CTX *ctx,
			  struct zcstate *z, unsigned long long *total)
{
	unsigned long long last[2] = { 0, 0 };
	unsigned char *buf[2];
	unsigned int seed = o->seed;
	unsigned long i;
	char hex[65];

	for (i = 0; i < 2; i++) {
		buf[i] = mmap(NULL, o->msgsize, PROT_READ | PROT_WRITE,
			      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		if (buf[i] == MAP_FAILED)
			return -1;
	}
	for (i = 0; i < o->count; i++) {
		unsigned char *b = buf[i % 2];

		if (o->zerocopy && zc_wait(fd, z, last[i % 2]))
			return -1;
		/* --fast: the same two buffers again, no digest. */
		if (!o->fast || i < 2)
			fill_pattern(b, o->msgsize, &seed);
		if (send_msg(o, fd, b, o->msgsize, z))
			return -1;
		last[i % 2] = z->issued;
		*total += o->msgsize;
		if ((o->scribble || o->each) &&
		    scribble(fd, o->scribble ? b : NULL, o->msgsize, z))
			return -1;
		if (!o->fast) {
			EVP_DigestUpdate(ctx, b, o->msgsize);
			hexdigest(ctx, hex);
		}
		if (o->report && !o->fast)
			printf("msg %zu %s\n", o->msgsize, hex);
		if (o->zerocopy && zc_reap(fd, z, false))
			return -1;
	}
	if (o->zerocopy && zc_wait(fd, z, z->issued))
		return -1;
	munmap(buf[0], o->msgsize);
	munmap(buf[1], o->msgsize);
	return 0;
}

static int run_client(const struct opts *o)
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	struct sockaddr_storage ss;
	unsigned int seed = o->seed;
	unsigned long long total = 0;
	struct zcstate z = {};
	unsigned char *buf = NULL;
	struct rusage ru;
	double t0, dt;
	char hex[65];
	int fd, alen, rc = 0;
	ssize_t r;

	alen = fill_addr(o, &ss);
	if (alen < 0 || !o->addr) {
		fprintf(stderr, "mp_xfer: bad or missing --addr\n");
		return 2;
	}
	fd = open_sock(o);
	if (fd < 0 || connect(fd, (void *)&ss, alen)) {
		perror("mp_xfer: connect");
		return 1;
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	t0 = now();
	if (o->count) {
		if (send_generated(o, fd, ctx, &z, &total)) {
			perror("mp_xfer: send");
			return 1;
		}
	} else if (o->file) {
		int in = open(o->file, O_RDONLY);
		size_t n;

		buf = malloc(o->msgsize);
		if (in < 0 || !buf) {
			perror("mp_xfer: open");
			return 1;
		}
		while ((n = read(in, buf, o->msgsize)) > 0) {
			if (send_msg(o, fd, buf, n, &z)) {
				perror("mp_xfer: send");
				return 1;
			}
			total += n;
			if (o->report) {
				EVP_DigestUpdate(ctx, buf, n);
				hexdigest(ctx, hex);
				printf("msg %zu %s\n", n, hex);
			}
		}
		close(in);
	} else {
		char *list = strdup(o->sizes ? o->sizes : "1"), *tok, *save;

		for (tok = strtok_r(list, ",", &save); tok;
		     tok = strtok_r(NULL, ",", &save)) {
			size_t n = strtoull(tok, NULL, 0);

			buf = realloc(buf, n ? n : 1);
			fill_pattern(buf, n, &seed);
			if (send_msg(o, fd, buf, n, &z)) {
				fprintf(stderr, "mp_xfer: send %zu: %s\n", n,
					strerror(errno));
				if (!o->go_on)
					return 1;
				/* --go-on: that message failed, not the session. */
				rc = 1;
				continue;
			}
			total += n;
			EVP_DigestUpdate(ctx, buf, n);
			hexdigest(ctx, hex);
			if (o->report)
				printf("msg %zu %s\n", n, hex);
		}
		free(list);
	}
	if (o->hold) {
		char c;

		/* Keep the session open until stdin closes. */
		while (read(0, &c, 1) > 0)
			;
	}
	if (shutdown(fd, SHUT_WR))
		perror("mp_xfer: shutdown");
	/* Wait for the peer's end so the transfer is over when we exit. */
	while ((r = recv(fd, &hex, sizeof(hex), 0)) > 0)
		;
	if (r < 0) {
		perror("mp_xfer: recv");
		rc = 1;
	}
	dt = now() - t0;
	getrusage(RUSAGE_SELF, &ru);
	fprintf(stderr, "client: %llu bytes in %.3f s\n", total, dt);
	/* Machine-readable for the benchmark and the tests. */
	printf("client bytes %llu secs %.3f cpu %.3f zc_done %llu zc_errors %llu zc_copied %llu\n",
	       total, dt, ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
	       (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6,
	       z.done, z.errors, z.copied);
	if (z.errors)
		rc = 1;
	close(fd);
	free(buf);
	EVP_MD_CTX_free(ctx);
	return rc;
}

static ssize_t read_exact(int fd, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = recv(fd, (char *)p + got, n - got, 0);

		if (r <= 0)
			return r < 0 ? -1 : (ssize_t)got;
		got += r;
	}
	return got;
}

static int run_server(const struct opts *o)
{
	EVP_MD_CTX *all = EVP_MD_CTX_new();
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned long long total = 0, msgs = 0, msgbytes = 0;
	size_t msglen = 0, reads = 0;
	struct sockaddr_storage ss;
	double t0 = 0, dt;
	int lfd, fd, alen, out = -1;
	unsigned char *buf;
	char hex[65];

	buf = malloc(o->bufsize);
	alen = fill_addr(o, &ss);
	lfd = open_sock(o);
	if (!buf || alen < 0 || lfd < 0 || bind(lfd, (void *)&ss, alen) ||
	    listen(lfd, 16)) {
		perror("mp_xfer: listen");
		return 1;
	}
	printf("listening\n");
	fflush(stdout);
	fd = accept(lfd, NULL, NULL);
	if (fd < 0) {
		perror("mp_xfer: accept");
		return 1;
	}
	if (o->hold) {
		char c;

		/* Leave the window closed until stdin closes. */
		while (read(0, &c, 1) > 0)
			;
	}
	if (o->out) {
		out = open(o->out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (out < 0) {
			perror("mp_xfer: open");
			return 1;
		}
	}
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	EVP_DigestInit_ex(all, EVP_sha256(), NULL);
	for (;;) {
		struct iovec iov = { buf, o->bufsize };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		bool eor;
		ssize_t n;

		if (o->tcp) {
			uint64_t be;

			if (!msglen) {
				n = read_exact(fd, &be, 8);
				if (n <= 0)
					break;
				msglen = be64toh(be);
			}
			iov.iov_len = msglen < o->bufsize ? msglen : o->bufsize;
			n = recv(fd, buf, iov.iov_len, o->waitall ? MSG_WAITALL : 0);
			if (n <= 0) {
				n = n < 0 ? -1 : 0;
				if (!n)
					break;
			}
			msglen -= n;
			eor = !msglen;
		} else {
			n = recvmsg(fd, &mh, o->waitall ? MSG_WAITALL : 0);
			eor = mh.msg_flags & MSG_EOR;
		}
		if (n < 0 && errno == EBADMSG && o->go_on) {
			/* The rest of the message was voided. */
			printf("msg torn %llu\n", msgbytes);
			EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
			msgbytes = 0;
			reads = 0;
			continue;
		}
		if (n < 0) {
			perror("mp_xfer: recv");
			return 1;
		}
		if (n == 0)
			break;
		if (!t0)
			t0 = now();
		reads++;
		total += n;
		msgbytes += n;
		if (!o->fast) {
			EVP_DigestUpdate(ctx, buf, n);
			EVP_DigestUpdate(all, buf, n);
		}
		if (out >= 0 && write(out, buf, n) != n) {
			perror("mp_xfer: write");
			return 1;
		}
		if (eor) {
			msgs++;
			hexdigest(ctx, hex);
			if (o->report)
				printf("msg %llu %s reads=%zu\n", msgbytes,
				       hex, reads);
			reads = 0;
			msgbytes = 0;
		}
	}
	dt = t0 ? now() - t0 : 0;
	hexdigest(all, hex);
	printf("stream sha256 %s\n", hex);
	printf("received %llu bytes in %llu messages in %.3f s: %.1f MB/s\n",
	       total, msgs, dt, dt > 0 ? total / dt / 1e6 : 0.0);
	if (out >= 0)
		close(out);
	close(fd);
	close(lfd);
	free(buf);
	EVP_MD_CTX_free(ctx);
	EVP_MD_CTX_free(all);
	return 0;
}

/*
 * --faults: from here on this task's allocations fail as fault injection
 * is set up (mp_faults.h). OpenSSL loads its providers first: the marked
 * task must read no file.
 */
static int fault_self(void)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen;

	if (!EVP_Digest("", 0, md, &mdlen, EVP_sha256(), NULL)) {
		fprintf(stderr, "mp_xfer: no SHA-256\n");
		return -1;
	}
	if (mp_fault_self()) {
		perror("mp_xfer: make-it-fail");
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: mp_xfer server --port P [--tcp] [--out FILE] [--bufsize B] [--waitall] [--report]\n"
		"                      [--hold (read nothing until stdin closes)]\n"
		"                      [--go-on (a torn message, EBADMSG, is reported, not fatal)]\n"
		"       mp_xfer client --addr A --port P [--tcp] [--sizes N,N,...] [--seed S]\n"
		"                      [--file F --msgsize M] [--count N --msgsize M]\n"
		"                      [--zerocopy] [--report] [--hold]\n"
		"                      [--go-on (after a failed send of --sizes, the next one)]\n"
		"                      [--scribble (with --zerocopy --count: write into each\n"
		"                       buffer until its completion, against the contract)]\n"
		"                      [--each (with --zerocopy --count: one message in flight)]\n"
		"       both: [--sndbuf B] [--rcvbuf B] [--fast (no digests: benchmarks)]\n"
		"             [--faults (this task's allocations fail: fault injection)]\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "tcp", no_argument, NULL, 't' },
		{ "report", no_argument, NULL, 'r' },
		{ "waitall", no_argument, NULL, 'w' },
		{ "sizes", required_argument, NULL, 's' },
		{ "file", required_argument, NULL, 'f' },
		{ "out", required_argument, NULL, 'o' },
		{ "msgsize", required_argument, NULL, 'm' },
		{ "bufsize", required_argument, NULL, 'b' },
		{ "seed", required_argument, NULL, 'S' },
		{ "hold", no_argument, NULL, 'H' },
		{ "zerocopy", no_argument, NULL, 'z' },
		{ "fast", no_argument, NULL, 'F' },
		{ "count", required_argument, NULL, 'n' },
		{ "sndbuf", required_argument, NULL, 'W' },
		{ "rcvbuf", required_argument, NULL, 'R' },
		{ "faults", no_argument, NULL, 'X' },
		{ "go-on", no_argument, NULL, 'G' },
		{ "scribble", no_argument, NULL, 'Z' },
		{ "each", no_argument, NULL, 'E' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	struct opts o = { .port = 5000, .msgsize = 1 << 20,
			  .bufsize = 1 << 20, .seed = 1 };
	int c;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'a': o.addr = optarg; break;
		case 'p': o.port = atoi(optarg); break;
		case 't': o.tcp = true; break;
		case 'r': o.report = true; break;
		case 'w': o.waitall = true; break;
		case 's': o.sizes = optarg; break;
		case 'f': o.file = optarg; break;
		case 'o': o.out = optarg; break;
		case 'm': o.msgsize = strtoull(optarg, NULL, 0); break;
		case 'b': o.bufsize = strtoull(optarg, NULL, 0); break;
		case 'S': o.seed = strtoul(optarg, NULL, 0); break;
		case 'H': o.hold = true; break;
		case 'z': o.zerocopy = true; break;
		case 'F': o.fast = true; break;
		case 'n': o.count = strtoul(optarg, NULL, 0); break;
		case 'W': o.sndbuf = atoi(optarg); break;
		case 'R': o.rcvbuf = atoi(optarg); break;
		case 'X': o.faults = true; break;
		case 'G': o.go_on = true; break;
		case 'Z': o.scribble = true; break;
		case 'E': o.each = true; break;
		default: usage(); return c == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc || !o.bufsize || !o.msgsize ||
	    ((o.scribble || o.each) && (!o.zerocopy || !o.count))) {
		usage();
		return 2;
	}
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (o.faults && fault_self())
		return 2;
	if (!strcmp(argv[optind], "server"))
		return run_server(&o);
	if (!strcmp(argv[optind], "client"))
		return run_client(&o);
	usage();
	return 2;
}
