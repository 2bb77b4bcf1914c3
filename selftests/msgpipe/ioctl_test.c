// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl interface of sessions (uapi/linux/msgpipe.h): regions, posted
 * segment chains, sendfile, reaping completions and the queue state. Every
 * bad argument gets a clean errno and the session keeps working; every
 * accepted message arrives intact and completes once with its cookie.
 *
 *   +---------------------------------------------+
 *   | one netns, lo: client --> engine --> server  |
 *   +---------------------------------------------+
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/msgpipe.h>
#include <linux/userfaultfd.h>
#include "kselftest_harness.h"

/* A test that hangs is still caught, but one test of the debug kernel
 * under TCG, beside the other lanes' guests, may take over a minute: the
 * harness's 30 s default failed tests that were only slow.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180
#include "mp_pair.h"

#define MB	(1 << 20)

FIXTURE(pair) {
	int lfd, cfd, sfd;
};

FIXTURE_SETUP(pair)
{
	mp_pair_open(_metadata, 3300, &self->lfd, &self->cfd, &self->sfd);
}

FIXTURE_TEARDOWN(pair)
{
	close(self->cfd);
	close(self->sfd);
	close(self->lfd);
}

static int reg_at(int fd, __u64 addr, __u64 len, __u32 *id)
{
	struct msgpipe_region r = { .addr = addr, .len = len };
	int ret = ioctl(fd, MSGPIPE_IOC_REG, &r);

	if (!ret && id)
		*id = r.id;
	return ret;
}

static int reg(int fd, void *p, __u64 len, __u32 *id)
{
	return reg_at(fd, (__u64)(uintptr_t)p, len, id);
}

static int post(int fd, struct msgpipe_seg *s, __u32 n, __u64 cookie)
{
	struct msgpipe_post p = {
		.segs = (__u64)(uintptr_t)s, .nsegs = n, .cookie = cookie,
	};

	return ioctl(fd, MSGPIPE_IOC_POST, &p);
}

/* Reap up to @max completions, waiting up to @ms; returns the count. */
static int reap(int fd, struct msgpipe_completion *c, __u32 max, int ms)
{
	struct msgpipe_reap rp = {
		.entries = (__u64)(uintptr_t)c, .max = max, .timeout_ms = ms,
	};

	if (ioctl(fd, MSGPIPE_IOC_REAP, &rp))
		return -1;
	return rp.count;
}

/* Receive one whole message into @buf; returns its length or -1. */
static ssize_t recv_msg(int fd, char *buf, size_t cap)
{
	size_t got = 0;

	for (;;) {
		struct iovec iov = { buf + got, cap - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n <= 0)
			return -1;
		got += n;
		if (mh.msg_flags & MSG_EOR)
			return got;
		if (got == cap)
			return -1;
	}
}

static void fill(char *p, size_t n, unsigned int seed)
{
	size_t i;

	for (i = 0; i < n; i++)
		p[i] = (char)(seed + i * 7 + (i >> 12));
}

/* A module counter, over netlink (the test's namespace has no debugfs):
 * msgpipectl beside this program.
 */
static int stat_get(const char *name, long long *v)
{
	char exe[4096], cmd[4200], line[128], key[64];
	ssize_t n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
	int found = -1;
	FILE *f;

	if (n <= 0)
		return -1;
	exe[n] = 0;
	*strrchr(exe, '/') = 0;
	snprintf(cmd, sizeof(cmd), "%s/msgpipectl stats %s", exe, name);
	f = popen(cmd, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %lld", key, v) == 2 && !strcmp(key, name))
			found = 0;
	pclose(f);
	return found;
}

TEST_F(pair, ioctl__region_bad_calls)
{
	struct msgpipe_region r = { 0 };
	char *p = mmap(NULL, MB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *hole = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	__u32 id, ids[MSGPIPE_REGIONS_MAX];
	int rfd, i;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, hole);
	munmap(hole, 4096);
	memset(p, 1, MB);
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REG, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, reg(self->cfd, p, 0, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, reg(self->cfd, p, MSGPIPE_REGION_MAX + 1, NULL));
	EXPECT_EQ(EINVAL, errno);
	r.addr = ~0ULL - 10;
	r.len = 100;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REG, &r));
	EXPECT_EQ(EINVAL, errno);
	r.addr = (__u64)(uintptr_t)p;
	r.flags = 1;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REG, &r));
	EXPECT_EQ(EINVAL, errno);
	r.flags = 0;
	r.id = 5;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REG, &r));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, reg(self->cfd, hole, 4096, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, reg_at(self->cfd, ~0ULL << 47, 4096, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* Ids from 1; each DEREG once. */
	ASSERT_EQ(0, reg(self->cfd, p, MB, &id));
	EXPECT_LE(1, id);
	id = 0;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_DEREG, &id));
	EXPECT_EQ(ENOENT, errno);
	id = 77;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_DEREG, &id));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_DEREG, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* A bounded table per socket; close() unpins what is left. */
	for (i = 0; i < MSGPIPE_REGIONS_MAX - 1; i++)
		ASSERT_EQ(0, reg(self->cfd, p + i * 4096, 4096, &ids[i]));
	EXPECT_EQ(-1, reg(self->cfd, p, 4096, NULL));
	EXPECT_EQ(ENOSPC, errno);
	ASSERT_EQ(0, ioctl(self->cfd, MSGPIPE_IOC_DEREG, &ids[3]));
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_DEREG, &ids[3]));
	EXPECT_EQ(ENOENT, errno);
	EXPECT_EQ(0, reg(self->cfd, p, 4096, NULL));

	/* Not on a listener; not on SOCK_RDM. */
	EXPECT_EQ(-1, reg(self->lfd, p, 4096, NULL));
	EXPECT_EQ(EINVAL, errno);
	rfd = socket(family(), SOCK_RDM, 0);
	ASSERT_LE(0, rfd);
	EXPECT_EQ(-1, reg(rfd, p, 4096, NULL));
	EXPECT_EQ(ENOTTY, errno);
	close(rfd);
	roundtrip(_metadata, self->cfd, self->sfd);
	munmap(p, MB);
}

TEST_F(pair, ioctl__region_memlock_limit)
{
	struct rlimit rl = { 64 << 10, 64 << 10 };
	char *p = mmap(NULL, MB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long long before, during;
	int status;
	pid_t pid;

	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, MB);
	ASSERT_EQ(0, stat_get("pinned_pages", &before));
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Pins are charged to locked_vm. */
		if (drop_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &rl))
			_exit(2);
		if (reg(self->cfd, p, MB, NULL) != -1 || errno != ENOBUFS)
			_exit(1);
		_exit(reg(self->cfd, p, 32 << 10, NULL) ? 3 : 0);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	/* The child's region is the socket's until close(). */
	ASSERT_EQ(0, stat_get("pinned_pages", &during));
	EXPECT_LE(before + 8, during);
	munmap(p, MB);
}

TEST_F(pair, ioctl__post_chain_and_reap)
{
	char *p = mmap(NULL, MB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char plain[500], *in = malloc(MB), *want = malloc(3500);
	struct msgpipe_state st;
	struct msgpipe_completion c[4];
	struct msgpipe_seg s[3];
	__u32 id;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_TRUE(in && want);
	fill(p, MB, 1);
	fill(plain, sizeof(plain), 2);
	ASSERT_EQ(0, reg(self->cfd, p, MB, &id));
	/* Nothing posted: REAP returns at once with nothing. */
	EXPECT_EQ(0, reap(self->cfd, c, 4, -1));

	/* Chain: s[0] -> s[2] -> s[1]. */
	s[0] = (struct msgpipe_seg){ .offset = 4096, .len = 1000,
				     .region = id, .link = 3 };
	s[1] = (struct msgpipe_seg){ .addr = (__u64)(uintptr_t)plain,
				     .len = sizeof(plain) };
	s[2] = (struct msgpipe_seg){ .offset = 65536 + 3, .len = 2000,
				     .region = id, .link = 2 };
	ASSERT_EQ(0, post(self->cfd, s, 3, 0xc0ffee));
	memcpy(want, p + 4096, 1000);
	memcpy(want + 1000, p + 65539, 2000);
	memcpy(want + 3000, plain, 500);
	ASSERT_EQ(3500, recv_msg(self->sfd, in, MB));
	EXPECT_EQ(0, memcmp(in, want, 3500));

	ASSERT_EQ(1, reap(self->cfd, c, 4, 10000));
	EXPECT_EQ(0xc0ffee, c[0].cookie);
	EXPECT_EQ(0, c[0].status);
	EXPECT_EQ(3500, c[0].bytes);

	/* A whole region in one segment, twice: two completions. */
	s[0] = (struct msgpipe_seg){ .offset = 0, .len = MB, .region = id };
	ASSERT_EQ(0, post(self->cfd, s, 1, 1));
	ASSERT_EQ(0, post(self->cfd, s, 1, 2));
	ASSERT_EQ(MB, recv_msg(self->sfd, in, MB));
	EXPECT_EQ(0, memcmp(in, p, MB));
	ASSERT_EQ(MB, recv_msg(self->sfd, in, MB));
	EXPECT_EQ(0, memcmp(in, p, MB));
	ASSERT_EQ(2, reap(self->cfd, c, 1, 10000) + reap(self->cfd, c + 1, 1, 10000));
	EXPECT_EQ(1, c[0].cookie);
	EXPECT_EQ(2, c[1].cookie);

	ASSERT_EQ(0, ioctl(self->cfd, MSGPIPE_IOC_STATE, &st));
	EXPECT_EQ(1, st.regions);
	EXPECT_EQ(0, st.posted);
	EXPECT_EQ(0, st.completed);
	EXPECT_EQ(0, st.unacked_bytes);
	EXPECT_EQ(2 << 20, st.sndbuf);
	EXPECT_LT(0, st.window_bytes);
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_STATE, NULL));
	EXPECT_EQ(EFAULT, errno);
	roundtrip(_metadata, self->cfd, self->sfd);
	munmap(p, MB);
	free(in);
	free(want);
}

TEST_F(pair, ioctl__post_bad_chains)
{
	char *p = mmap(NULL, MB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *hole = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			  -1, 0);
	struct msgpipe_seg s[MSGPIPE_POST_SEGS_MAX + 1] = { 0 };
	struct msgpipe_post bad = { 0 };
	int i, fd = sk();
	__u32 id;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, hole);
	munmap(hole, 4096);
	memset(p, 3, MB);
	ASSERT_EQ(0, reg(self->cfd, p, MB, &id));
	s[0] = (struct msgpipe_seg){ .offset = 0, .len = 10, .region = id };
	EXPECT_EQ(-1, post(self->cfd, s, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, post(self->cfd, s, MSGPIPE_POST_SEGS_MAX + 1, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, post(self->cfd, NULL, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_POST, NULL));
	EXPECT_EQ(EFAULT, errno);
	bad.segs = (__u64)(uintptr_t)s;
	bad.nsegs = 1;
	bad.flags = 4;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_POST, &bad));
	EXPECT_EQ(EINVAL, errno);
	/* A loop, a link off the array, a segment off the chain. */
	s[0].link = 1;
	EXPECT_EQ(-1, post(self->cfd, s, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	s[0].link = 3;
	s[1] = s[0];
	s[1].link = 0;
	EXPECT_EQ(-1, post(self->cfd, s, 2, 0));
	EXPECT_EQ(EINVAL, errno);
	s[0].link = 0;
	EXPECT_EQ(-1, post(self->cfd, s, 2, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Empty, unknown region, past the region's end, too long. */
	s[0].len = 0;
	EXPECT_EQ(-1, post(self->cfd, s, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	s[0] = (struct msgpipe_seg){ .offset = 0, .len = 10, .region = id + 9 };
	EXPECT_EQ(-1, post(self->cfd, s, 1, 0));
	EXPECT_EQ(ENOENT, errno);
	s[0] = (struct msgpipe_seg){ .offset = MB - 5, .len = 10, .region = id };
	EXPECT_EQ(-1, post(self->cfd, s, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	s[0] = (struct msgpipe_seg){ .offset = MB, .len = 1, .region = id };
	EXPECT_EQ(-1, post(self->cfd, s, 1, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Too long: at 4 GiB, not at p, so that the segments end inside the
	 * user address space whatever its layout (a mapping near its top,
	 * as without ASLR, made this EFAULT).
	 */
	for (i = 0; i < 2; i++)
		s[i] = (struct msgpipe_seg){ .addr = 1ULL << 32,
					     .len = MSGPIPE_MAX_MSG,
					     .link = i ? 0 : 2 };
	EXPECT_EQ(-1, post(self->cfd, s, 2, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	/* Plain addresses: unmapped, kernel. */
	s[0] = (struct msgpipe_seg){ .addr = (__u64)(uintptr_t)hole, .len = 10 };
	EXPECT_EQ(-1, post(self->cfd, s, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	s[0] = (struct msgpipe_seg){ .addr = ~0ULL << 47, .len = 10 };
	EXPECT_EQ(-1, post(self->cfd, s, 1, 0));
	EXPECT_EQ(EFAULT, errno);
	/* Not connected. */
	s[0] = (struct msgpipe_seg){ .addr = (__u64)(uintptr_t)p, .len = 10 };
	EXPECT_EQ(-1, post(fd, s, 1, 0));
	EXPECT_EQ(ENOTCONN, errno);
	close(fd);
	/* None of them left a completion behind. */
	EXPECT_EQ(0, reap(self->cfd, (void *)s, 1, 0));
	roundtrip(_metadata, self->cfd, self->sfd);
	munmap(p, MB);
}

TEST_F(pair, ioctl__post_never_blocks)
{
	char *p = mmap(NULL, MB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct msgpipe_completion c[64];
	struct msgpipe_seg s = { 0 };
	int sb = 256 << 10, posted = 0, got = 0, n;
	char *in = malloc(MB);
	__u32 id;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_TRUE(in != NULL);
	fill(p, MB, 5);
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_SOCKET, SO_SNDBUF, &sb, sizeof(sb)));
	ASSERT_EQ(0, reg(self->cfd, p, MB, &id));
	s = (struct msgpipe_seg){ .offset = 0, .len = 64 << 10, .region = id };
	/* The server reads nothing: the queue fills and POST says EAGAIN. */
	while (posted < 1000 && !post(self->cfd, &s, 1, posted))
		posted++;
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_LT(0, posted);
	EXPECT_GT(1000, posted);
	/* Read everything; every message completes once, in order. */
	for (n = 0; n < posted; n++) {
		ASSERT_EQ(64 << 10, recv_msg(self->sfd, in, MB));
		EXPECT_EQ(0, memcmp(in, p, 64 << 10));
	}
	while (got < posted) {
		int i, k = reap(self->cfd, c, 64, 10000);

		ASSERT_LT(0, k);
		for (i = 0; i < k; i++) {
			EXPECT_EQ(got + i, c[i].cookie);
			EXPECT_EQ(0, c[i].status);
		}
		got += k;
	}
	EXPECT_EQ(posted, got);
	EXPECT_EQ(0, post(self->cfd, &s, 1, 9));
	ASSERT_EQ(64 << 10, recv_msg(self->sfd, in, MB));
	EXPECT_EQ(1, reap(self->cfd, c, 64, 10000));
	munmap(p, MB);
	free(in);
}

TEST_F(pair, ioctl__reap_bad_calls)
{
	struct msgpipe_completion c[2];
	struct msgpipe_reap rp = { .entries = (__u64)(uintptr_t)c, .max = 2 };
	struct msgpipe_seg s = { .len = 8 };
	char buf[8] = "abcdefg", in[16];

	rp.max = 0;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REAP, &rp));
	EXPECT_EQ(EINVAL, errno);
	rp.max = MSGPIPE_IOC_CQ_MAX + 1;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REAP, &rp));
	EXPECT_EQ(EINVAL, errno);
	rp.max = 2;
	rp.timeout_ms = -2;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REAP, &rp));
	EXPECT_EQ(EINVAL, errno);
	rp.timeout_ms = 0;
	rp.flags = 1;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REAP, &rp));
	EXPECT_EQ(EINVAL, errno);
	rp.flags = 0;
	rp.count = 1;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REAP, &rp));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REAP, NULL));
	EXPECT_EQ(EFAULT, errno);

	/* A completion that cannot be copied out stays for the next REAP. */
	s.addr = (__u64)(uintptr_t)buf;
	ASSERT_EQ(0, post(self->cfd, &s, 1, 42));
	ASSERT_EQ(8, recv_msg(self->sfd, in, sizeof(in)));
	rp = (struct msgpipe_reap){ .entries = 8, .max = 2, .timeout_ms = 10000 };
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REAP, &rp));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(1, reap(self->cfd, c, 2, 10000));
	EXPECT_EQ(42, c[0].cookie);
	EXPECT_EQ(8, c[0].bytes);
	roundtrip(_metadata, self->cfd, self->sfd);
}

/* A REAP whose count cannot be written back consumed nothing. */
TEST_F(pair, ioctl__reap_count_unwritable)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct msgpipe_completion c[2];
	struct msgpipe_seg s = { .len = 8 };
	char buf[8] = "abcdefg", in[16];
	struct msgpipe_reap *rp;

	ASSERT_NE(MAP_FAILED, p);
	/* entries, max and timeout_ms on the first page; count and flags
	 * on the second, read-only one.
	 */
	rp = (struct msgpipe_reap *)(p + pg - offsetof(struct msgpipe_reap, count));
	*rp = (struct msgpipe_reap){ .entries = (__u64)(uintptr_t)c, .max = 2,
				     .timeout_ms = 10000 };
	ASSERT_EQ(0, mprotect(p + pg, pg, PROT_READ));
	s.addr = (__u64)(uintptr_t)buf;
	ASSERT_EQ(0, post(self->cfd, &s, 1, 43));
	ASSERT_EQ(8, recv_msg(self->sfd, in, sizeof(in)));
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REAP, rp));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(1, reap(self->cfd, c, 2, 10000));
	EXPECT_EQ(43, c[0].cookie);
	EXPECT_EQ(8, c[0].bytes);
	munmap(p, 2 * pg);
	roundtrip(_metadata, self->cfd, self->sfd);
}

/* A REG whose id cannot be written back registered nothing. */
TEST_F(pair, ioctl__reg_id_unwritable)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, 2 * pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct msgpipe_region *r;
	struct msgpipe_state st;
	__u32 id = 1;

	ASSERT_NE(MAP_FAILED, p);
	r = (struct msgpipe_region *)(p + pg - offsetof(struct msgpipe_region, id));
	*r = (struct msgpipe_region){ .addr = (__u64)(uintptr_t)p, .len = pg };
	ASSERT_EQ(0, mprotect(p + pg, pg, PROT_READ));
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_REG, r));
	EXPECT_EQ(EFAULT, errno);
	ASSERT_EQ(0, ioctl(self->cfd, MSGPIPE_IOC_STATE, &st));
	EXPECT_EQ(0, st.regions);
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_DEREG, &id));
	EXPECT_EQ(ENOENT, errno);
	munmap(p, 2 * pg);
}

struct reg_call {
	int fd, ret, err;
	struct msgpipe_region *r;
};

static void *reg_thread(void *arg)
{
	struct reg_call *rc = arg;

	rc->ret = ioctl(rc->fd, MSGPIPE_IOC_REG, rc->r);
	rc->err = errno;
	return NULL;
}

/*
 * A DEREG while a REG is still copying the id out finds nothing, and the
 * REG that then fails frees its region once. The argument sits in a
 * write-protected userfaultfd page: copy_to_user() waits for this thread,
 * which DEREGs the id meanwhile, unmaps the page and lets the copy fail.
 */
TEST_F(pair, ioctl__reg_dereg_race)
{
	long pg = sysconf(_SC_PAGESIZE);
	char *p = mmap(NULL, pg, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	char *data = mmap(NULL, pg, PROT_READ | PROT_WRITE,
			  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register ureg = {
		.range = { .start = (__u64)(uintptr_t)p, .len = pg },
		.mode = UFFDIO_REGISTER_MODE_WP,
	};
	struct uffdio_writeprotect wp = {
		.range = ureg.range, .mode = UFFDIO_WRITEPROTECT_MODE_WP,
	};
	struct reg_call rc = { .fd = self->cfd };
	struct msgpipe_state st;
	struct uffd_msg msg;
	struct pollfd pfd;
	pthread_t t;
	__u32 id = 1;
	int uffd;

	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(MAP_FAILED, data);
	memset(data, 1, pg);
	rc.r = (struct msgpipe_region *)p;
	*rc.r = (struct msgpipe_region){ .addr = (__u64)(uintptr_t)data,
					 .len = pg };
	uffd = syscall(__NR_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	ASSERT_LE(0, uffd);
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_API, &api));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_REGISTER, &ureg));
	ASSERT_TRUE(ureg.ioctls & (1ULL << _UFFDIO_WRITEPROTECT));
	ASSERT_EQ(0, ioctl(uffd, UFFDIO_WRITEPROTECT, &wp));

	ASSERT_EQ(0, pthread_create(&t, NULL, reg_thread, &rc));
	/* The REG has pinned and numbered its region, and waits in the
	 * copy of the id back.
	 */
	pfd = (struct pollfd){ .fd = uffd, .events = POLLIN };
	ASSERT_EQ(1, poll(&pfd, 1, 30000));
	ASSERT_EQ(sizeof(msg), read(uffd, &msg, sizeof(msg)));
	EXPECT_EQ(UFFD_EVENT_PAGEFAULT, msg.event);
	EXPECT_TRUE(msg.arg.pagefault.flags & UFFD_PAGEFAULT_FLAG_WP);
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_DEREG, &id));
	EXPECT_EQ(ENOENT, errno);
	/* No page there any more: the copy fails when it retries. */
	ASSERT_EQ(0, munmap(p, pg));
	close(uffd);
	ASSERT_EQ(0, pthread_join(t, NULL));
	EXPECT_EQ(-1, rc.ret);
	EXPECT_EQ(EFAULT, rc.err);
	ASSERT_EQ(0, ioctl(self->cfd, MSGPIPE_IOC_STATE, &st));
	EXPECT_EQ(0, st.regions);
	/* The id is free again, and usable. */
	ASSERT_EQ(0, reg(self->cfd, data, pg, &id));
	EXPECT_EQ(0, ioctl(self->cfd, MSGPIPE_IOC_DEREG, &id));
	munmap(data, pg);
	roundtrip(_metadata, self->cfd, self->sfd);
}

TEST_F(pair, ioctl__sendfile)
{
	struct msgpipe_sendfile sf = { 0 };
	struct msgpipe_completion c[2];
	size_t n = 3 * MB + 123;
	char *data = malloc(n), *in = malloc(4 * MB);
	char path[] = "/tmp/mp_sendfileXXXXXX";
	int fd, wfd, pfd[2];
	long long b0, b1;

	ASSERT_TRUE(data && in);
	fill(data, n, 9);
	fd = mkstemp(path);
	ASSERT_LE(0, fd);
	ASSERT_EQ((ssize_t)n, write(fd, data, n));
	wfd = open(path, O_WRONLY);
	ASSERT_LE(0, wfd);
	unlink(path);
	ASSERT_EQ(0, pipe(pfd));

	ASSERT_EQ(0, stat_get("sendfile_bytes", &b0));
	sf = (struct msgpipe_sendfile){ .fd = fd, .offset = 1000,
					.len = 2 * MB + 5, .cookie = 7 };
	ASSERT_EQ(0, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	ASSERT_EQ(2 * MB + 5, recv_msg(self->sfd, in, 4 * MB));
	EXPECT_EQ(0, memcmp(in, data + 1000, 2 * MB + 5));
	ASSERT_EQ(1, reap(self->cfd, c, 2, 10000));
	EXPECT_EQ(7, c[0].cookie);
	EXPECT_EQ(0, c[0].status);
	EXPECT_EQ(2 * MB + 5, c[0].bytes);
	ASSERT_EQ(0, stat_get("sendfile_bytes", &b1));
	EXPECT_EQ(2 * MB + 5, b1 - b0);
	/* The whole file, to its last byte. */
	sf = (struct msgpipe_sendfile){ .fd = fd, .len = n, .cookie = 8 };
	ASSERT_EQ(0, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	ASSERT_EQ((ssize_t)n, recv_msg(self->sfd, in, 4 * MB));
	EXPECT_EQ(0, memcmp(in, data, n));
	ASSERT_EQ(1, reap(self->cfd, c, 2, 10000));

	/* Bad descriptors, ranges, flags. */
	sf = (struct msgpipe_sendfile){ .fd = -1, .len = 10 };
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	EXPECT_EQ(EBADF, errno);
	sf.fd = wfd;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	EXPECT_EQ(EBADF, errno);
	sf.fd = pfd[0];
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	EXPECT_EQ(EINVAL, errno);
	sf.fd = fd;
	sf.len = 0;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	EXPECT_EQ(EINVAL, errno);
	sf.len = n + 1;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	EXPECT_EQ(EINVAL, errno);
	sf.offset = n;
	sf.len = 1;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	EXPECT_EQ(EINVAL, errno);
	sf.offset = ~0ULL - 3;
	sf.len = 10;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	EXPECT_EQ(EINVAL, errno);
	sf.offset = 0;
	sf.len = (__u64)MSGPIPE_MAX_MSG + 1;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	EXPECT_EQ(EMSGSIZE, errno);
	sf.len = 10;
	sf.flags = 2;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	EXPECT_EQ(EINVAL, errno);
	/* Non-blocking: more than the send queue holds is never sent. */
	sf.flags = MSGPIPE_SF_DONTWAIT;
	sf.len = 3 * MB;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, &sf));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILE, NULL));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(0, reap(self->cfd, c, 2, 0));
	roundtrip(_metadata, self->cfd, self->sfd);
	close(fd);
	close(wfd);
	close(pfd[0]);
	close(pfd[1]);
	free(data);
	free(in);
}

TEST_F(pair, ioctl__sendfiles_one_message)
{
	char a[] = "/tmp/mp_sfaXXXXXX", b[] = "/tmp/mp_sfbXXXXXX";
	struct msgpipe_file_range r[MSGPIPE_SENDFILES_MAX + 1];
	struct msgpipe_sendfiles sf = { .ranges = (__u64)(uintptr_t)r };
	char *da = malloc(100000), *db = malloc(5000), *in = malloc(MB);
	struct msgpipe_completion c[2];
	int fa, fb, i;

	ASSERT_TRUE(da && db && in);
	fill(da, 100000, 3);
	fill(db, 5000, 4);
	fa = mkstemp(a);
	fb = mkstemp(b);
	ASSERT_LE(0, fa);
	ASSERT_LE(0, fb);
	unlink(a);
	unlink(b);
	ASSERT_EQ(100000, write(fa, da, 100000));
	ASSERT_EQ(5000, write(fb, db, 5000));

	/* A whole, a piece of B, A's first bytes again: one message. */
	r[0] = (struct msgpipe_file_range){ .fd = fa, .len = 100000 };
	r[1] = (struct msgpipe_file_range){ .fd = fb, .offset = 1000, .len = 3 };
	r[2] = (struct msgpipe_file_range){ .fd = fa, .len = 4097 };
	sf.nranges = 3;
	sf.cookie = 11;
	ASSERT_EQ(0, ioctl(self->cfd, MSGPIPE_IOC_SENDFILES, &sf));
	ASSERT_EQ(104100, recv_msg(self->sfd, in, MB));
	EXPECT_EQ(0, memcmp(in, da, 100000));
	EXPECT_EQ(0, memcmp(in + 100000, db + 1000, 3));
	EXPECT_EQ(0, memcmp(in + 100003, da, 4097));
	ASSERT_EQ(1, reap(self->cfd, c, 2, 10000));
	EXPECT_EQ(11, c[0].cookie);
	EXPECT_EQ(104100, c[0].bytes);

	/* The most ranges a call takes: every byte of B, one by one. */
	for (i = 0; i < MSGPIPE_SENDFILES_MAX; i++)
		r[i] = (struct msgpipe_file_range){ .fd = fb, .offset = i, .len = 1 };
	sf.nranges = MSGPIPE_SENDFILES_MAX;
	ASSERT_EQ(0, ioctl(self->cfd, MSGPIPE_IOC_SENDFILES, &sf));
	ASSERT_EQ(MSGPIPE_SENDFILES_MAX, recv_msg(self->sfd, in, MB));
	EXPECT_EQ(0, memcmp(in, db, MSGPIPE_SENDFILES_MAX));
	ASSERT_EQ(1, reap(self->cfd, c, 2, 10000));

	/* Bad calls; a bad range anywhere refuses the whole message. */
	sf.nranges = 0;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILES, &sf));
	EXPECT_EQ(EINVAL, errno);
	sf.nranges = MSGPIPE_SENDFILES_MAX + 1;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILES, &sf));
	EXPECT_EQ(EINVAL, errno);
	sf.nranges = 2;
	sf.flags = 8;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILES, &sf));
	EXPECT_EQ(EINVAL, errno);
	sf.flags = 0;
	sf.ranges = 0;
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILES, &sf));
	EXPECT_EQ(EFAULT, errno);
	sf.ranges = (__u64)(uintptr_t)r;
	r[0] = (struct msgpipe_file_range){ .fd = fa, .len = 10 };
	r[1] = (struct msgpipe_file_range){ .fd = 999, .len = 10 };
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILES, &sf));
	EXPECT_EQ(EBADF, errno);
	r[1] = (struct msgpipe_file_range){ .fd = fb, .pad = 1, .len = 10 };
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILES, &sf));
	EXPECT_EQ(EINVAL, errno);
	r[1] = (struct msgpipe_file_range){ .fd = fb, .offset = 4999, .len = 2 };
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILES, &sf));
	EXPECT_EQ(EINVAL, errno);
	/* Two ranges of a sparse file: more than a message may hold. */
	ASSERT_EQ(0, ftruncate(fb, 1ULL << 30));
	r[0] = (struct msgpipe_file_range){ .fd = fb, .len = 600 << 20 };
	r[1] = (struct msgpipe_file_range){ .fd = fb, .len = 600 << 20 };
	EXPECT_EQ(-1, ioctl(self->cfd, MSGPIPE_IOC_SENDFILES, &sf));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(0, reap(self->cfd, c, 2, 0));
	roundtrip(_metadata, self->cfd, self->sfd);
	close(fa);
	close(fb);
	free(da);
	free(db);
	free(in);
}

/* A session retired with posted messages: each completes once, failed. */
TEST_F(pair, ioctl__retired_session_completes_posted)
{
	char *p = mmap(NULL, MB, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	struct msgpipe_completion c[16];
	struct msgpipe_state st;
	struct msgpipe_seg s;
	int i, got = 0;
	__u32 id;

	ASSERT_NE(MAP_FAILED, p);
	memset(p, 4, MB);
	ASSERT_EQ(0, reg(self->cfd, p, MB, &id));
	/* Nothing gets through: after retire_ms the agent gives up. */
	ASSERT_EQ(0, knob("msgpipe_soft", "retire_ms", "1000"));
	ASSERT_EQ(0, knob("msgpipe_soft", "drop_permille", "1000"));
	s = (struct msgpipe_seg){ .offset = 0, .len = 256 << 10, .region = id };
	for (i = 0; i < 4; i++)
		ASSERT_EQ(0, post(self->cfd, &s, 1, i));
	ASSERT_EQ(0, ioctl(self->cfd, MSGPIPE_IOC_STATE, &st));
	EXPECT_EQ(4, st.posted);
	while (got < 4) {
		int k = reap(self->cfd, c + got, 16 - got, 20000);

		if (k <= 0)
			break;
		got += k;
	}
	knob("msgpipe_soft", "drop_permille", "0");
	knob("msgpipe_soft", "retire_ms", "60000");
	ASSERT_EQ(4, got);
	for (i = 0; i < 4; i++) {
		EXPECT_EQ(i, c[i].cookie);
		EXPECT_EQ(-ETIMEDOUT, c[i].status);
	}
	/* Exactly once: nothing more comes. */
	EXPECT_EQ(0, reap(self->cfd, c, 16, 500));
	ASSERT_EQ(0, ioctl(self->cfd, MSGPIPE_IOC_STATE, &st));
	EXPECT_EQ(0, st.posted);
	EXPECT_EQ(0, st.completed);
	munmap(p, MB);
}

TEST_HARNESS_MAIN
