// SPDX-License-Identifier: GPL-2.0
/*
 * mp_fuzz: a seeded, bounded random exerciser of the AF_MSGPIPE socket
 * family and the msgpipe generic netlink family, trinity style. Children
 * (each in a fresh network namespace with --netns) run random operations:
 * sockets of every and of junk types; bind/connect with random addresses
 * and lengths; every option and ioctl with hostile arguments (NULL,
 * unmapped, misaligned, huge), and the session ioctls (regions, posted
 * chains with random links, sendfile of files of every kind, reaping)
 * with mostly plausible structures; sendmsg/recvmsg with random flags, iovecs
 * and control messages (SCM_RIGHTS passing files of other kinds: msgpipe
 * takes no file descriptor anywhere, it must refuse them); poll, shutdown,
 * close, dup, fork; and netlink
 * requests of the family with random commands, flags, attribute types,
 * lengths and nested garbage. Any errno is fine: it fails only when a child
 * hangs (a syscall blocked past the watchdog) or dies of a signal. Kernel
 * reports, leaks and unload are the runner's checks.
 *
 * With --kcov PREFIX (a kernel with KCOV) each child also records the
 * kernel code its own system calls reached: PREFIX.N lists every program
 * counter the first time it is seen, with the operation's number, so a run
 * shows how coverage grows with the number of operations.
 *
 * usage: mp_fuzz [--seed N] [--ops N] [--children N] [--netns]
 *                [--kcov PREFIX]
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/genetlink.h>
#include <linux/kcov.h>
#include <linux/netlink.h>
#include <net/if.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/msgpipe.h>
#include <linux/msgpipe_nl.h>
#include "mp_family.h"

#define NFDS		24
#define WATCHDOG	60	/* seconds one operation may take */

static int family, genl_id;
static uint64_t rng;
static int fds[NFDS];
/* Files of other kinds, for SCM_RIGHTS: null, pipe, eventfd, sockets. */
static int others[8], nothers;
/* A regular file for MSGPIPE_IOC_SENDFILE: this program. */
static int regfile = -1;
/* page: a buffer with an inaccessible page on each side (unmapped is the
 * one before), so a length larger than a buffer makes the kernel fail with
 * EFAULT instead of writing over this program's own memory. cbuf is the
 * control buffer, the last 256 bytes before another inaccessible page.
 */
static void *unmapped, *page;
static char *cbuf;
static unsigned long grandchildren_died;
static unsigned long ops_done, errs[256];
/* Where a child's time went, by kind of operation (the report's "ms"). */
static const char *const kinds[] = { "socket", "bind", "connect", "listen",
				     "sockopt", "ioctl", "msg", "misc",
				     "msgpipe_ioctl", "netlink" };
static double kind_ms[sizeof(kinds) / sizeof(kinds[0])];
/* --kcov: the trace buffer and the set of program counters seen. */
#define KCOV_WORDS	(1UL << 20)
#define SEEN_SLOTS	(1UL << 21)
static const char *kcov_prefix;
static unsigned long *kcov_area, *seen;
static FILE *kcov_out;

static uint64_t rnd(void)
{
	/* xorshift64*: reproducible from the seed. */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return rng * 2685821657736338717ULL;
}

static unsigned int pick(unsigned int n)
{
	return n ? rnd() % n : 0;
}

static void note(long ret)
{
	ops_done++;
	if (ret < 0)
		errs[errno & 255]++;
}

/* A hostile pointer: NULL, unmapped, misaligned, or a real buffer. */
static void *ptr(void)
{
	switch (pick(6)) {
	case 0:
		return NULL;
	case 1:
		return unmapped;
	case 2:
		return (char *)page + 1 + pick(63);
	case 3:
		return (char *)page + 4096 - 8;	/* runs off the page */
	default:
		return page;
	}
}

static unsigned int len(void)
{
	static const unsigned int lens[] = { 0, 1, 2, 3, 4, 7, 8, 16, 28, 32,
					     64, 4096, 65536, 0x7fffffff,
					     0xffffffff };

	return pick(3) ? pick(64) : lens[pick(sizeof(lens) / sizeof(lens[0]))];
}

static int *slot(void)
{
	return &fds[pick(NFDS)];
}

static int anyfd(void)
{
	int fd = *slot();

	return fd >= 0 ? fd : (int)pick(64) - 2;
}

static void randomize(void)
{
	uint64_t *p = page;
	unsigned int i;

	for (i = 0; i < 4096 / 8; i++)
		p[i] = pick(4) ? rnd() : 0;
}

static void addr(struct sockaddr_msgpipe *a)
{
	memset(a, 0, sizeof(*a));
	a->smp_family = pick(8) ? (unsigned int)family : pick(64);
	a->smp_port = pick(2) ? 4000 + pick(8) : rnd();
	a->smp_af = pick(4) ? AF_INET : pick(3) ? AF_INET6 : rnd();
	a->smp_reserved = pick(8) ? 0 : rnd();
	a->smp_scope_id = pick(8) ? 0 : rnd();
	if (a->smp_af == AF_INET) {
		uint32_t ip = pick(2) ? htonl(INADDR_LOOPBACK) : (uint32_t)rnd();

		memcpy(a->smp_addr, &ip, 4);
	} else if (pick(2)) {
		a->smp_addr[15] = 1;	/* ::1 */
	} else {
		for (int i = 0; i < 16; i++)
			a->smp_addr[i] = rnd();
	}
	if (!pick(6))
		memset(a->smp_addr, 0, sizeof(a->smp_addr));
}

static void op_socket(void)
{
	static const int types[] = { SOCK_SEQPACKET, SOCK_SEQPACKET,
				     SOCK_SEQPACKET, SOCK_RDM, SOCK_STREAM,
				     SOCK_DGRAM, SOCK_RAW, 99, 0 };
	int *s = slot(), type, proto, fd;

	type = types[pick(sizeof(types) / sizeof(types[0]))];
	if (!pick(10))
		type = rnd();
	proto = pick(4) ? 0 : pick(2) ? 1 : (int)rnd();
	fd = socket(pick(20) ? family : (int)pick(64), type | SOCK_NONBLOCK, proto);
	note(fd);
	if (fd < 0)
		return;
	if (*s >= 0)
		close(*s);
	*s = fd;
}

static void op_bind_connect(bool conn)
{
	struct sockaddr_msgpipe a;
	void *p = &a;
	socklen_t l = sizeof(a);

	addr(&a);
	if (!pick(4))
		l = len();
	if (!pick(8))
		p = ptr();
	note(conn ? connect(anyfd(), p, l) : bind(anyfd(), p, l));
}

static void op_listen_accept(void)
{
	if (pick(2)) {
		note(listen(anyfd(), (int)pick(4096) - 1));
	} else {
		int fd = accept4(anyfd(), pick(2) ? ptr() : NULL,
				 pick(2) ? (socklen_t *)ptr() : NULL, SOCK_NONBLOCK);

		note(fd);
		if (fd >= 0) {
			int *s = slot();

			if (*s >= 0)
				close(*s);
			*s = fd;
		}
	}
}

static void op_sockopt(bool set)
{
	static const int levels[] = { SOL_MSGPIPE, SOL_MSGPIPE, SOL_SOCKET,
				      0, 6, 0x4d51 };
	int level = levels[pick(sizeof(levels) / sizeof(levels[0]))];
	int name = pick(4) ? (int)pick(8) : (int)pick(80);
	socklen_t l = len();

	randomize();
	if (set) {
		note(setsockopt(anyfd(), level, name, ptr(), l));
	} else {
		socklen_t *lp = pick(6) ? &l : ptr();

		note(getsockopt(anyfd(), level, name, ptr(), lp));
	}
}

static void op_ioctl(void)
{
	static const unsigned long cmds[] = { FIONREAD, TIOCOUTQ, FIONBIO,
					      SIOCGSTAMP_OLD, 0x8901, 0x4d00,
					      0xc0184d01, 0 };
	unsigned long cmd = cmds[pick(sizeof(cmds) / sizeof(cmds[0]))];

	if (!cmd)
		cmd = rnd();
	if (cmd == FIONBIO) {
		int one = 1;

		note(ioctl(anyfd(), cmd, &one));	/* never turn it off */
		return;
	}
	note(ioctl(anyfd(), cmd, ptr()));
}

/* The session ioctls: structures mostly plausible, sometimes hostile. */
static void op_msgpipe_ioctl(void)
{
	static const unsigned long cmds[] = {
		MSGPIPE_IOC_REG, MSGPIPE_IOC_DEREG, MSGPIPE_IOC_POST,
		MSGPIPE_IOC_SENDFILE, MSGPIPE_IOC_REAP, MSGPIPE_IOC_STATE,
	};
	unsigned long cmd = cmds[pick(sizeof(cmds) / sizeof(cmds[0]))];
	struct msgpipe_seg *sg = (void *)((char *)page + 64);
	struct msgpipe_sendfile *sf = page;
	struct msgpipe_region *r = page;
	struct msgpipe_reap *rp = page;
	struct msgpipe_post *po = page;
	void *arg = page;
	unsigned int i, n;

	randomize();
	switch (cmd) {
	case MSGPIPE_IOC_REG:
		r->addr = pick(4) ? (uintptr_t)page + pick(4096) :
			  pick(2) ? (uintptr_t)unmapped : rnd();
		r->len = pick(4) ? 1 + pick(8192) : rnd();
		r->flags = pick(8) ? 0 : rnd();
		r->id = pick(8) ? 0 : rnd();
		break;
	case MSGPIPE_IOC_DEREG:
		*(uint32_t *)page = pick(4) ? pick(8) : rnd();
		break;
	case MSGPIPE_IOC_POST:
		n = pick(4) ? 1 + pick(4) : pick(80);
		for (i = 0; i < n && i < 160; i++) {
			sg[i].region = pick(2) ? 0 : pick(4);
			sg[i].addr = sg[i].region ? pick(8192) :
				     pick(8) ? (uintptr_t)page + pick(4096) :
				     (uintptr_t)ptr();
			sg[i].len = pick(4) ? 1 + pick(4096) : rnd();
			sg[i].link = pick(4) ? (i + 2 <= n ? i + 2 : 0) :
				     pick(n + 2);
		}
		po->segs = pick(10) ? (uintptr_t)sg : (uintptr_t)ptr();
		po->nsegs = n;
		po->flags = pick(8) ? 0 : rnd();
		po->cookie = rnd();
		break;
	case MSGPIPE_IOC_SENDFILE:
		sf->fd = pick(3) ? regfile : pick(2) ? anyfd() :
			 others[pick(nothers)];
		/* Blocking only on a non-blocking socket: never waits. */
		sf->flags = pick(4) ? MSGPIPE_SF_DONTWAIT : rnd() & 3;
		sf->offset = pick(4) ? pick(100000) : rnd();
		sf->len = pick(4) ? 1 + pick(200000) : rnd();
		break;
	case MSGPIPE_IOC_REAP:
		rp->entries = pick(4) ? (uintptr_t)page + 2048 : (uintptr_t)ptr();
		rp->max = pick(4) ? 1 + pick(16) : rnd();
		/* Short waits, or invalid ones: the watchdog stays quiet. */
		rp->timeout_ms = pick(4) ? (int)pick(3) : -2 - (int)pick(1000);
		rp->count = pick(8) ? 0 : rnd();
		rp->flags = pick(8) ? 0 : rnd();
		break;
	default:
		break;
	}
	if (!pick(16))
		arg = ptr();
	note(ioctl(anyfd(), cmd, arg));
}

static void op_msg(bool send)
{
	static const int flags[] = { MSG_PEEK, MSG_TRUNC, MSG_ERRQUEUE, MSG_OOB,
				     MSG_WAITALL, MSG_EOR, MSG_ZEROCOPY,
				     MSG_MORE, MSG_CONFIRM, MSG_NOSIGNAL,
				     MSG_CMSG_CLOEXEC, MSG_FASTOPEN };
	struct iovec iov[4];
	struct msghdr mh = {
		.msg_iov = iov,
		.msg_iovlen = 1 + pick(4),
	};
	int f = 0, i;

	randomize();
	for (i = 0; i < 4; i++) {
		iov[i].iov_base = pick(3) ? page : ptr();
		iov[i].iov_len = pick(3) ? pick(4096) : len();
	}
	for (i = 0; i < 3; i++)
		if (pick(3) == 0)
			f |= flags[pick(sizeof(flags) / sizeof(flags[0]))];
	if (!pick(10))
		f |= rnd();
	if (pick(3) == 0) {
		struct cmsghdr *c = (struct cmsghdr *)cbuf;

		memset(cbuf, 0, 256);
		c->cmsg_len = pick(2) ? CMSG_LEN(pick(32)) : len();
		c->cmsg_level = pick(2) ? SOL_MSGPIPE : pick(2) ? SOL_SOCKET : rnd();
		c->cmsg_type = pick(8);
		if (c->cmsg_level == SOL_SOCKET && pick(2)) {
			int *pass = (int *)CMSG_DATA(c);

			c->cmsg_type = SCM_RIGHTS;
			for (i = 0; i < 8; i++)
				pass[i] = pick(3) ? others[pick(nothers)] :
					  anyfd();
		}
		mh.msg_control = pick(6) ? (void *)cbuf : ptr();
		mh.msg_controllen = pick(2) ? 256 : len();
	}
	if (!pick(10))
		mh.msg_iov = ptr();
	if (!pick(10))
		mh.msg_iovlen = len();
	if (!pick(6)) {
		struct sockaddr_msgpipe *a = (void *)(cbuf + 128);

		addr(a);
		mh.msg_name = a;
		mh.msg_namelen = pick(2) ? sizeof(*a) : len();
	}
	f |= MSG_DONTWAIT;	/* a fuzzer must not block */
	note(send ? sendmsg(anyfd(), &mh, f) : recvmsg(anyfd(), &mh, f));
}

static void op_misc(void)
{
	struct pollfd p[3];
	int *s = slot(), fd;

	switch (pick(5)) {
	case 0:
		for (int i = 0; i < 3; i++) {
			p[i].fd = anyfd();
			p[i].events = rnd();
		}
		note(poll(p, 3, 0));
		break;
	case 1:
		note(shutdown(anyfd(), pick(4)));
		break;
	case 2:
		if (*s >= 0) {
			note(close(*s));
			*s = -1;
		}
		break;
	case 3:
		fd = dup(anyfd());
		note(fd);
		if (fd >= 0) {
			if (*s >= 0)
				close(*s);
			*s = fd;
		}
		break;
	case 4: {
		/* A child that runs a few operations on the shared sockets
		 * and exits: fork-time reference counting. Mostly a vfork():
		 * the file table is copied all the same, and a fork() costs
		 * seven times as much on the debug kernel (most of a round's
		 * time); one in four is a fork(), whose sends pin pages of
		 * an address space that dies with the child.
		 */
		pid_t pid = pick(4) ? vfork() : fork();

		if (pid == 0) {
			for (int i = 0; i < 8; i++)
				op_msg(pick(2));
			_exit(0);
		}
		if (pid > 0) {
			int st;

			if (waitpid(pid, &st, 0) == pid &&
			    (!WIFEXITED(st) || WEXITSTATUS(st)))
				grandchildren_died++;
		}
		note(pid);
		break;
	}
	}
}

/* Generic netlink: resolve the family by name, then send junk to it. */
static int nl_sock(void)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK, NETLINK_GENERIC);

	if (fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa))) {
		close(fd);
		return -1;
	}
	return fd;
}

static void nl_drain(int fd)
{
	char buf[8192];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	/* Generic netlink answers inside sendmsg(): replies, errors and dump
	 * parts are queued already; read them until none is left.
	 */
	while (poll(&p, 1, 0) == 1 && recv(fd, buf, sizeof(buf), 0) > 0)
		;
}

static int resolve(int fd)
{
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[64];
	} req = {};
	char buf[4096];
	struct nlattr *a = (struct nlattr *)req.attrs;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	int n;

	a->nla_type = CTRL_ATTR_FAMILY_NAME;
	a->nla_len = NLA_HDRLEN + sizeof(MSGPIPE_GENL_NAME);
	strcpy((char *)a + NLA_HDRLEN, MSGPIPE_GENL_NAME);
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + NLA_ALIGN(a->nla_len);
	req.n.nlmsg_type = GENL_ID_CTRL;
	req.n.nlmsg_flags = NLM_F_REQUEST;
	req.g.cmd = CTRL_CMD_GETFAMILY;
	req.g.version = 1;
	if (send(fd, &req, req.n.nlmsg_len, 0) < 0 || poll(&p, 1, 1000) != 1)
		return -1;
	n = recv(fd, buf, sizeof(buf), 0);
	for (int off = NLMSG_LENGTH(GENL_HDRLEN); off + NLA_HDRLEN <= n;) {
		a = (struct nlattr *)(buf + off);
		if (a->nla_len < NLA_HDRLEN)
			break;
		if (a->nla_type == CTRL_ATTR_FAMILY_ID)
			return *(uint16_t *)((char *)a + NLA_HDRLEN);
		off += NLA_ALIGN(a->nla_len);
	}
	return -1;
}

static int put_attr(char *p, int room, int depth)
{
	struct nlattr *a = (struct nlattr *)p;
	int l = pick(4) ? pick(20) : pick(80), i;

	if (room < NLA_HDRLEN + 8)
		return 0;
	a->nla_type = pick(8) ? 1 + pick(MSGPIPE_A_MAX + 2) : rnd();
	if (depth < 3 && !pick(5)) {
		/* Nested garbage. */
		int in = 0;

		a->nla_type |= pick(2) ? NLA_F_NESTED : 0;
		for (i = pick(4); i > 0; i--)
			in += put_attr(p + NLA_HDRLEN + in, room - NLA_HDRLEN - in,
				       depth + 1);
		a->nla_len = NLA_HDRLEN + in;
		return NLA_ALIGN(a->nla_len);
	}
	if (NLA_HDRLEN + l > room)
		l = room - NLA_HDRLEN;
	for (i = 0; i < l; i++)
		p[NLA_HDRLEN + i] = pick(3) ? (char)rnd() : 0;
	if (l == 4 && pick(2))	/* a plausible id: pipes and sessions are small */
		*(uint32_t *)(p + NLA_HDRLEN) = pick(8);
	if (!pick(4) && l >= 5) {
		static const char *const names[] = { "soft", "reset_conns",
						     "drop_permille", "x" };

		snprintf(p + NLA_HDRLEN, l, "%s", names[pick(4)]);
	}
	a->nla_len = NLA_HDRLEN + l + (pick(10) ? 0 : pick(8));	/* lie */
	return NLA_ALIGN(NLA_HDRLEN + l);
}

static void op_netlink(void)
{
	static int fd = -1;
	struct {
		struct nlmsghdr n;
		struct genlmsghdr g;
		char attrs[1024];
	} req = {};
	int used = 0, i;

	if (fd < 0) {
		fd = nl_sock();
		if (fd < 0)
			return;
		genl_id = resolve(fd);
		if (genl_id < 0) {
			close(fd);
			fd = -1;
			return;
		}
	}
	for (i = pick(6); i > 0; i--)
		used += put_attr(req.attrs + used, sizeof(req.attrs) - used, 0);
	req.n.nlmsg_len = NLMSG_LENGTH(GENL_HDRLEN) + used;
	if (!pick(12))
		req.n.nlmsg_len = pick(sizeof(req));
	req.n.nlmsg_type = pick(20) ? (uint64_t)genl_id : rnd();
	req.n.nlmsg_flags = NLM_F_REQUEST | (pick(2) ? NLM_F_ACK : 0) |
			    (pick(3) ? 0 : NLM_F_DUMP);
	req.g.cmd = pick(8) ? 1 + pick(MSGPIPE_CMD_MAX + 1) : rnd();
	req.g.version = pick(8) ? MSGPIPE_GENL_VERSION : rnd();
	note(send(fd, &req, pick(16) ? req.n.nlmsg_len : pick(sizeof(req)), 0));
	nl_drain(fd);
}

static void lo_up(void)
{
	struct ifreq ifr = {};
	int s = socket(AF_INET, SOCK_DGRAM, 0);

	strcpy(ifr.ifr_name, "lo");
	if (s >= 0 && !ioctl(s, SIOCGIFFLAGS, &ifr)) {
		ifr.ifr_flags |= IFF_UP;
		ioctl(s, SIOCSIFFLAGS, &ifr);
	}
	if (s >= 0)
		close(s);
}

static void kcov_start(int child)
{
	char name[4096];
	int fd;

	snprintf(name, sizeof(name), "%s.%d", kcov_prefix, child);
	kcov_out = fopen(name, "w");
	fd = open("/sys/kernel/debug/kcov", O_RDWR);
	if (!kcov_out || fd < 0 || ioctl(fd, KCOV_INIT_TRACE, KCOV_WORDS)) {
		perror("mp_fuzz: kcov");
		exit(2);
	}
	kcov_area = mmap(NULL, KCOV_WORDS * sizeof(long),
			 PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	seen = calloc(SEEN_SLOTS, sizeof(long));
	if (kcov_area == MAP_FAILED || !seen ||
	    ioctl(fd, KCOV_ENABLE, KCOV_TRACE_PC)) {
		perror("mp_fuzz: kcov");
		exit(2);
	}
	__atomic_store_n(&kcov_area[0], 0, __ATOMIC_RELAXED);
}

/* kcov_harvest: note the program counters operation OP reached first. */
static void kcov_harvest(unsigned long op)
{
	unsigned long n = __atomic_load_n(&kcov_area[0], __ATOMIC_RELAXED);

	if (n >= KCOV_WORDS)
		n = KCOV_WORDS - 1;
	for (unsigned long i = 1; i <= n; i++) {
		unsigned long pc = kcov_area[i];
		unsigned long h = (pc * 0x9e3779b97f4a7c15ULL) >> 43;

		while (seen[h] && seen[h] != pc)
			h = (h + 1) & (SEEN_SLOTS - 1);
		if (!seen[h]) {
			seen[h] = pc;
			fprintf(kcov_out, "%lx %lu\n", pc, op);
		}
	}
	__atomic_store_n(&kcov_area[0], 0, __ATOMIC_RELAXED);
}

static void on_alarm(int sig)
{
	(void)sig;
	static const char m[] = "mp_fuzz: an operation hung\n";

	if (write(2, m, sizeof(m) - 1) < 0)
		_exit(3);
	_exit(3);
}

static int child(int child_nr, unsigned long ops, bool netns)
{
	unsigned long i;

	if (netns && unshare(CLONE_NEWNET)) {
		perror("mp_fuzz: unshare");
		return 2;
	}
	lo_up();
	signal(SIGALRM, on_alarm);
	signal(SIGPIPE, SIG_IGN);
	for (i = 0; i < NFDS; i++)
		fds[i] = -1;
	/* Non-blocking: anyfd() may hand them to a blocking call too. */
	others[nothers++] = open("/dev/null", O_RDWR);
	if (!pipe2(others + nothers, O_NONBLOCK))
		nothers += 2;
	others[nothers++] = eventfd(0, EFD_NONBLOCK);
	others[nothers++] = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0);
	others[nothers++] = socket(AF_NETLINK, SOCK_RAW | SOCK_NONBLOCK,
				   NETLINK_GENERIC);
	others[nothers++] = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	others[nothers++] = open("/", O_RDONLY | O_DIRECTORY);
	regfile = open("/proc/self/exe", O_RDONLY);
	if (kcov_prefix)
		kcov_start(child_nr);
	for (i = 0; i < ops; i++) {
		struct timespec t0, t1;
		int k;

		alarm(WATCHDOG);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		switch (pick(17)) {
		case 0: case 1: op_socket(); k = 0; break;
		case 2: op_bind_connect(false); k = 1; break;
		case 3: op_bind_connect(true); k = 2; break;
		case 4: op_listen_accept(); k = 3; break;
		case 5: op_sockopt(true); k = 4; break;
		case 6: op_sockopt(false); k = 4; break;
		case 7: op_ioctl(); k = 5; break;
		case 8: case 9: op_msg(true); k = 6; break;
		case 10: op_msg(false); k = 6; break;
		case 11: case 12: op_misc(); k = 7; break;
		case 13: op_msgpipe_ioctl(); k = 8; break;
		default: op_netlink(); k = 9; break;
		}
		clock_gettime(CLOCK_MONOTONIC, &t1);
		kind_ms[k] += (t1.tv_sec - t0.tv_sec) * 1e3 +
			      (t1.tv_nsec - t0.tv_nsec) / 1e6;
		if (kcov_prefix)
			kcov_harvest(i);
	}
	if (kcov_out)
		fclose(kcov_out);
	alarm(0);
	for (i = 0; i < NFDS; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	if (grandchildren_died) {
		fprintf(stderr, "mp_fuzz: %lu forked children died\n",
			grandchildren_died);
		return 4;
	}
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "seed", required_argument, NULL, 's' },
		{ "ops", required_argument, NULL, 'n' },
		{ "children", required_argument, NULL, 'c' },
		{ "netns", no_argument, NULL, 'N' },
		{ "kcov", required_argument, NULL, 'k' },
		{}
	};
	unsigned long ops = 10000, seed = time(NULL), total = 0;
	int c, children = 2, bad = 0, i, st;
	bool netns = false;

	while ((c = getopt_long(argc, argv, "s:n:c:Nk:", lopts, NULL)) != -1) {
		switch (c) {
		case 's': seed = strtoul(optarg, NULL, 0); break;
		case 'n': ops = strtoul(optarg, NULL, 0); break;
		case 'c': children = atoi(optarg); break;
		case 'N': netns = true; break;
		case 'k': kcov_prefix = optarg; break;
		default:
			fprintf(stderr, "usage: mp_fuzz [--seed N] [--ops N] [--children N] [--netns]\n"
					"               [--kcov PREFIX]\n");
			return 2;
		}
	}
	printf("mp_fuzz: seed %lu, %d children x %lu operations%s\n", seed,
	       children, ops, netns ? ", each in a new netns" : "");
	fflush(stdout);
	family = msgpipe_family();
	unmapped = mmap(NULL, 5 * 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS,
			-1, 0);
	if (unmapped == MAP_FAILED) {
		perror("mp_fuzz: mmap");
		return 2;
	}
	page = (char *)unmapped + 4096;
	cbuf = (char *)unmapped + 4 * 4096 - 256;
	if (mprotect(page, 4096, PROT_READ | PROT_WRITE) ||
	    mprotect((char *)unmapped + 3 * 4096, 4096,
		     PROT_READ | PROT_WRITE)) {
		perror("mp_fuzz: mprotect");
		return 2;
	}
	for (i = 0; i < children; i++) {
		if (fork() == 0) {
			rng = seed * 0x9e3779b97f4a7c15ULL + i + 1;
			st = child(i, ops, netns);
			printf("mp_fuzz: child %d: %lu operations, EINVAL %lu EFAULT %lu EOPNOTSUPP %lu ENOTCONN %lu EAGAIN %lu EBADF %lu\n",
			       i, ops_done, errs[EINVAL], errs[EFAULT],
			       errs[EOPNOTSUPP], errs[ENOTCONN], errs[EAGAIN],
			       errs[EBADF]);
			printf("mp_fuzz: child %d: ms", i);
			for (c = 0; c < (int)(sizeof(kinds) / sizeof(kinds[0])); c++)
				printf(" %s %.0f", kinds[c], kind_ms[c]);
			printf("\n");
			fflush(stdout);
			_exit(st);
		}
	}
	while (wait(&st) > 0) {
		if (!WIFEXITED(st) || WEXITSTATUS(st)) {
			fprintf(stderr, "mp_fuzz: a child %s %d (seed %lu)\n",
				WIFEXITED(st) ? "exited" : "died of signal",
				WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st),
				seed);
			bad++;
		}
	}
	total = ops * children;
	printf("mp_fuzz: %lu operations, %d bad children, seed %lu\n", total,
	       bad, seed);
	return bad ? 1 : 0;
}
