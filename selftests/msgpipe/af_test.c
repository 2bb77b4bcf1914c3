// SPDX-License-Identifier: GPL-2.0
/*
 * AF_MSGPIPE socket API: every bad argument gets a clean errno, and a
 * connected pair over loopback keeps working after each rejected call.
 *
 *   +--------------------------------------------+
 *   | one netns, lo: client --> engine --> server |
 *   +--------------------------------------------+
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/errqueue.h>
#include <linux/msgpipe.h>
#include "kselftest_harness.h"

/* A test that hangs is still caught, but one test of the debug kernel
 * under TCG, beside the other lanes' guests, may take over a minute: the
 * harness's 30 s default failed tests that were only slow.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180
#include "mp_pair.h"

/* socket(): only SOCK_SEQPACKET and SOCK_RDM, with protocol 0. */
TEST(socket__bad_type_and_protocol)
{
	int types[] = { SOCK_STREAM, SOCK_DGRAM, SOCK_RAW, SOCK_PACKET };
	unsigned int i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		EXPECT_EQ(-1, socket(family(), types[i], 0));
		EXPECT_EQ(ESOCKTNOSUPPORT, errno) TH_LOG("type %d", types[i]);
	}
	/* The socket core refuses types past SOCK_MAX itself. */
	EXPECT_EQ(-1, socket(family(), 99, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, socket(family(), SOCK_SEQPACKET, 1));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	EXPECT_EQ(-1, socket(family(), SOCK_SEQPACKET, -1));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
	EXPECT_EQ(-1, socket(family(), SOCK_RDM, 2));
	EXPECT_EQ(EPROTONOSUPPORT, errno);
}

TEST(socket__family_published)
{
	int fd = sk();

	ASSERT_LE(0, fd);
	EXPECT_EQ(0, access(MSGPIPE_FAMILY_PATH, R_OK));
	close(fd);
}

TEST(bind__bad_addresses)
{
	struct sockaddr_msgpipe a = addr(3000, 0);
	int fd = sk();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, bind(fd, (void *)&a, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(fd, (void *)&a, sizeof(a) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(fd, NULL, sizeof(a)));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, bind(fd, (void *)&a, 4096));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(fd, (void *)8, sizeof(a)));
	EXPECT_EQ(EFAULT, errno);
	a.smp_family = AF_INET;
	EXPECT_EQ(-1, bind(fd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	a = addr(0, 0);
	EXPECT_EQ(-1, bind(fd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EINVAL, errno);
	a = addr(3000, 1);
	EXPECT_EQ(-1, bind(fd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EADDRNOTAVAIL, errno);
	a = addr(3000, 0);
	a.smp_reserved = 1;
	EXPECT_EQ(-1, bind(fd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EINVAL, errno);
	a = addr(3000, 0);
	a.smp_af = 77;
	EXPECT_EQ(-1, bind(fd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	close(fd);
}

TEST(bind__twice_and_in_use)
{
	struct sockaddr_msgpipe a = addr(3001, 0);
	int fd = sk(), fd2 = sk();

	ASSERT_LE(0, fd);
	ASSERT_EQ(0, bind(fd, (void *)&a, sizeof(a)));
	EXPECT_EQ(-1, bind(fd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, bind(fd2, (void *)&a, sizeof(a)));
	EXPECT_EQ(EADDRINUSE, errno);
	close(fd);
	/* The port is free again once its socket is closed. */
	EXPECT_EQ(0, bind(fd2, (void *)&a, sizeof(a)));
	close(fd2);
}

TEST(unconnected__calls_refused)
{
	char buf[16] = "x";
	int fd = sk();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, send(fd, buf, 1, 0));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, recv(fd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(ENOTCONN, errno);
	EXPECT_EQ(-1, listen(fd, 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, accept(fd, NULL, NULL));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, shutdown(fd, SHUT_WR));
	EXPECT_EQ(ENOTCONN, errno);
	close(fd);
}

TEST(connect__bad_addresses)
{
	struct sockaddr_msgpipe a = addr(3002, 1);
	int fd = sk();

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (void *)&a, sizeof(a) - 1));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, connect(fd, NULL, sizeof(a)));
	EXPECT_EQ(EFAULT, errno);
	a.smp_port = 0;
	EXPECT_EQ(-1, connect(fd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EINVAL, errno);
	a = addr(3002, 0);
	EXPECT_EQ(-1, connect(fd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	a = addr(3002, 1);
	a.smp_family = AF_INET6;
	EXPECT_EQ(-1, connect(fd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	close(fd);
}

TEST(connect__no_engine_is_refused)
{
	struct sockaddr_msgpipe a = addr(3003, 1);
	int fd = sk();

	/* No socket listens in this namespace: no TCP listener at all. */
	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (void *)&a, sizeof(a)));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(fd);
}

FIXTURE(pair) {
	int lfd, cfd, sfd;
};

FIXTURE_SETUP(pair)
{
	/* A test that failed midway may have left a fault knob set. */
	knob("msgpipe_soft", "drop_permille", "0");
	knob("msgpipe_soft", "retire_ms", "60000");
	knob("msgpipe", "fail_repin", "0");
	mp_pair_open(_metadata, 3100, &self->lfd, &self->cfd, &self->sfd);
}

FIXTURE_TEARDOWN(pair)
{
	close(self->cfd);
	close(self->sfd);
	close(self->lfd);
}

TEST_F(pair, send__bad_buffers_and_lengths)
{
	void *unmapped = mmap(NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS,
			      -1, 0);
	void *big = mmap(NULL, 0x80000000UL, PROT_NONE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	char buf[8] = "abc";

	ASSERT_NE(MAP_FAILED, unmapped);
	ASSERT_NE(MAP_FAILED, big);
	munmap(unmapped, 4096);
	EXPECT_EQ(-1, send(self->cfd, NULL, 10, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, send(self->cfd, unmapped, 4096, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, send(self->cfd, buf, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Too long, from a range that is all user space (buf is on the
	 * stack, which ASLR may place less than 2 GiB below the top, where
	 * the syscall's access_ok() fails first with EFAULT).
	 */
	EXPECT_EQ(-1, send(self->cfd, big, 0x7ffff000, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, send(self->cfd, big, (size_t)MSGPIPE_MAX_MSG + 1, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, send(self->cfd, buf, 3, MSG_OOB));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, send(self->cfd, buf, 3, MSG_MORE));
	EXPECT_EQ(EOPNOTSUPP, errno);
	roundtrip(_metadata, self->cfd, self->sfd);
	roundtrip(_metadata, self->sfd, self->cfd);
	munmap(big, 0x80000000UL);
}

TEST_F(pair, send__with_address_or_control)
{
	struct sockaddr_msgpipe a = addr(3100, 1);
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 };
	char buf[4] = "abc";
	struct iovec iov = { buf, 3 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	EXPECT_EQ(-1, sendto(self->cfd, buf, 3, 0, (void *)&a, sizeof(a)));
	EXPECT_EQ(EISCONN, errno);
	mh.msg_control = cbuf;
	mh.msg_controllen = sizeof(cbuf);
	CMSG_FIRSTHDR(&mh)->cmsg_len = CMSG_LEN(sizeof(int));
	CMSG_FIRSTHDR(&mh)->cmsg_level = SOL_SOCKET;
	CMSG_FIRSTHDR(&mh)->cmsg_type = 1234;
	EXPECT_EQ(-1, sendmsg(self->cfd, &mh, 0));
	EXPECT_EQ(EINVAL, errno);
	roundtrip(_metadata, self->cfd, self->sfd);
}

/*
 * sendfile() and splice() into a msgpipe socket are refused on every
 * kernel: from 6.5 sendmsg() refuses MSG_SPLICE_PAGES, and before it the
 * socket's sendpage would have sent each page of the file as a message.
 * MSGPIPE_IOC_SENDFILE sends a file range as one message.
 */
static void sendfile_refused(struct __test_metadata *_metadata, int sfd)
{
	char path[] = "/tmp/mp_sendfile.XXXXXX", buf[100];
	int fd = mkstemp(path);

	ASSERT_LE(0, fd);
	unlink(path);
	memset(buf, 'f', sizeof(buf));
	ASSERT_EQ(sizeof(buf), write(fd, buf, sizeof(buf)));
	EXPECT_EQ(-1, sendfile(sfd, fd, &(off_t){ 0 }, sizeof(buf)));
	EXPECT_EQ(EOPNOTSUPP, errno);
	close(fd);
}

TEST_F(pair, send__sendfile_refused)
{
	char buf[128];
	int rfd = socket(family(), SOCK_RDM, 0);

	sendfile_refused(_metadata, self->cfd);
	/* Nothing of the file arrived: the next message is the round trip's. */
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	roundtrip(_metadata, self->cfd, self->sfd);
	ASSERT_LE(0, rfd);
	sendfile_refused(_metadata, rfd);
	close(rfd);
}

TEST_F(pair, send__sendmmsg)
{
	struct mmsghdr mm[3];
	struct iovec iov[3];
	char buf[16];
	int i;

	memset(mm, 0, sizeof(mm));
	for (i = 0; i < 3; i++) {
		iov[i] = (struct iovec){ "xyz", i + 1 };
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	ASSERT_EQ(3, sendmmsg(self->cfd, mm, 3, 0));
	for (i = 0; i < 3; i++)
		EXPECT_EQ(i + 1, recv(self->sfd, buf, sizeof(buf), 0));
	roundtrip(_metadata, self->cfd, self->sfd);
}

TEST_F(pair, recv__bad_buffers_and_flags)
{
	char buf[16];

	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), MSG_PEEK | MSG_ERRQUEUE));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), MSG_OOB));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), MSG_ERRQUEUE));
	EXPECT_EQ(EAGAIN, errno);	/* no completion queued */
	ASSERT_EQ(5, send(self->cfd, "hello", 5, 0));
	/* A fault leaves the message in place for the next read. */
	EXPECT_EQ(-1, recv(self->sfd, NULL, 16, 0));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(5, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "hello", 5));
	roundtrip(_metadata, self->cfd, self->sfd);
}

TEST_F(pair, recv__pieces_and_eor)
{
	char big[10000], in[4096];
	struct iovec iov = { in, sizeof(in) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	size_t got = 0;
	int pieces = 0;

	memset(big, 7, sizeof(big));
	ASSERT_EQ(sizeof(big), send(self->cfd, big, sizeof(big), 0));
	ASSERT_EQ(3, send(self->cfd, "end", 3, 0));
	while (got < sizeof(big)) {
		ssize_t n = recvmsg(self->sfd, &mh, 0);

		ASSERT_LT(0, n);
		got += n;
		pieces++;
		/* EOR only on the last piece, and never past the message. */
		EXPECT_EQ(got == sizeof(big), !!(mh.msg_flags & MSG_EOR));
	}
	EXPECT_EQ(sizeof(big), got);
	EXPECT_LE(3, pieces);
	EXPECT_EQ(3, recvmsg(self->sfd, &mh, 0));
	EXPECT_TRUE(mh.msg_flags & MSG_EOR);
}

/* A message of three chunks (256 KiB each) crossing pages and chunks. */
#define PEEK_BIG (600 << 10)

static char peek_byte(size_t i)
{
	return (char)(i % 251);
}

/* Whether @n bytes at @p are the pattern's from offset @from. */
static bool peek_is_pattern(const char *p, size_t n, size_t from)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (p[i] != peek_byte(from + i))
			return false;
	return true;
}

TEST_F(pair, recv__peek)
{
	struct iovec iov;
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	char *out = malloc(PEEK_BIG), *in = malloc(PEEK_BIG);
	socklen_t vl;
	size_t i;
	int v;

	ASSERT_TRUE(out && in);
	/* A small message: peeked whole, twice, then read. */
	ASSERT_EQ(5, send(self->cfd, "hello", 5, 0));
	iov = (struct iovec){ in, 16 };
	EXPECT_EQ(5, recvmsg(self->sfd, &mh, MSG_PEEK));
	EXPECT_TRUE(mh.msg_flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(in, "hello", 5));
	memset(in, 0, 16);
	EXPECT_EQ(5, recvmsg(self->sfd, &mh, MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(0, memcmp(in, "hello", 5));
	EXPECT_EQ(5, recv(self->sfd, in, 16, 0));
	EXPECT_EQ(-1, recv(self->sfd, in, 16, MSG_PEEK | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);

	/* A large one, peeked only once all of it is here: the sender's
	 * unacknowledged bytes fall to 0 when the receiving host holds it.
	 */
	for (i = 0; i < PEEK_BIG; i++)
		out[i] = peek_byte(i);
	ASSERT_EQ(PEEK_BIG, send(self->cfd, out, PEEK_BIG, 0));
	for (i = 0; i < 2000; i++) {
		vl = sizeof(v);
		ASSERT_EQ(0, getsockopt(self->cfd, SOL_MSGPIPE, MSGPIPE_UNACKED,
					&v, &vl));
		if (!v)
			break;
		usleep(10000);
	}
	ASSERT_EQ(0, v);
	/* Past the first chunk, twice the same, no end of message. */
	iov = (struct iovec){ in, 300 << 10 };
	EXPECT_EQ(300 << 10, recvmsg(self->sfd, &mh, MSG_PEEK));
	EXPECT_FALSE(mh.msg_flags & MSG_EOR);
	EXPECT_TRUE(peek_is_pattern(in, 300 << 10, 0));
	memset(in, 0, PEEK_BIG);
	EXPECT_EQ(300 << 10, recvmsg(self->sfd, &mh, MSG_PEEK | MSG_WAITALL));
	EXPECT_TRUE(peek_is_pattern(in, 300 << 10, 0));
	/* A read moves on; a peek then starts where it stopped. */
	EXPECT_EQ(100, recv(self->sfd, in, 100, 0));
	EXPECT_TRUE(peek_is_pattern(in, 100, 0));
	iov = (struct iovec){ in, PEEK_BIG };
	EXPECT_EQ(PEEK_BIG - 100, recvmsg(self->sfd, &mh, MSG_PEEK));
	EXPECT_TRUE(mh.msg_flags & MSG_EOR);
	EXPECT_TRUE(peek_is_pattern(in, PEEK_BIG - 100, 100));
	/* A fault peeks nothing and leaves the bytes in place. */
	EXPECT_EQ(-1, recv(self->sfd, NULL, 16, MSG_PEEK));
	EXPECT_EQ(EFAULT, errno);
	mh.msg_flags = 0;
	EXPECT_EQ(PEEK_BIG - 100, recvmsg(self->sfd, &mh, MSG_WAITALL));
	EXPECT_TRUE(mh.msg_flags & MSG_EOR);
	EXPECT_TRUE(peek_is_pattern(in, PEEK_BIG - 100, 100));
	free(out);
	free(in);
	roundtrip(_metadata, self->cfd, self->sfd);
}

TEST_F(pair, recv__trunc)
{
	char in[256];
	struct iovec iov = { in, 100 };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
	char *out = malloc(PEEK_BIG);
	size_t i;

	ASSERT_TRUE(out);
	for (i = 0; i < PEEK_BIG; i++)
		out[i] = peek_byte(i);
	EXPECT_EQ(-1, recv(self->sfd, in, 100, MSG_TRUNC | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, recv(self->sfd, in, 100, MSG_TRUNC | MSG_ERRQUEUE));
	EXPECT_EQ(EOPNOTSUPP, errno);
	/* It fits: the message, not truncated. */
	ASSERT_EQ(5, send(self->cfd, "hello", 5, 0));
	EXPECT_EQ(5, recvmsg(self->sfd, &mh, MSG_TRUNC));
	EXPECT_EQ(MSG_EOR, mh.msg_flags & (MSG_EOR | MSG_TRUNC));
	/* Its length asked first, twice, by a zero-length peek; then
	 * read truncated: the length, the rest dropped.
	 */
	ASSERT_EQ(10000, send(self->cfd, out, 10000, 0));
	ASSERT_EQ(3, send(self->cfd, "end", 3, 0));
	EXPECT_EQ(10000, recv(self->sfd, NULL, 0, MSG_PEEK | MSG_TRUNC));
	EXPECT_EQ(10000, recv(self->sfd, NULL, 0, MSG_PEEK | MSG_TRUNC));
	EXPECT_EQ(10000, recvmsg(self->sfd, &mh, MSG_TRUNC));
	EXPECT_EQ(MSG_EOR | MSG_TRUNC, mh.msg_flags & (MSG_EOR | MSG_TRUNC));
	EXPECT_TRUE(peek_is_pattern(in, 100, 0));
	EXPECT_EQ(3, recv(self->sfd, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(in, "end", 3));
	/* Three chunks, the rest dropped as it comes; the next message is
	 * whole.
	 */
	ASSERT_EQ(PEEK_BIG, send(self->cfd, out, PEEK_BIG, 0));
	ASSERT_EQ(5, send(self->cfd, "after", 5, 0));
	EXPECT_EQ(PEEK_BIG, recvmsg(self->sfd, &mh, MSG_TRUNC));
	EXPECT_EQ(MSG_EOR | MSG_TRUNC, mh.msg_flags & (MSG_EOR | MSG_TRUNC));
	EXPECT_EQ(5, recv(self->sfd, in, sizeof(in), 0));
	EXPECT_EQ(0, memcmp(in, "after", 5));
	/* A zero-length read drops the message whole; without MSG_TRUNC it
	 * reads nothing.
	 */
	ASSERT_EQ(3, send(self->cfd, "xyz", 3, 0));
	ASSERT_EQ(1, send(self->cfd, "q", 1, 0));
	EXPECT_EQ(0, recv(self->sfd, NULL, 0, 0));
	EXPECT_EQ(3, recv(self->sfd, NULL, 0, MSG_TRUNC));
	EXPECT_EQ(1, recv(self->sfd, in, sizeof(in), 0));
	EXPECT_EQ('q', in[0]);
	/* From where a read stopped. */
	ASSERT_EQ(1000, send(self->cfd, out, 1000, 0));
	EXPECT_EQ(10, recv(self->sfd, in, 10, 0));
	iov.iov_len = 10;
	EXPECT_EQ(990, recvmsg(self->sfd, &mh, MSG_TRUNC));
	EXPECT_EQ(MSG_EOR | MSG_TRUNC, mh.msg_flags & (MSG_EOR | MSG_TRUNC));
	EXPECT_TRUE(peek_is_pattern(in, 10, 10));
	free(out);
	roundtrip(_metadata, self->cfd, self->sfd);
}

TEST_F(pair, misc__sockopts_ioctl_shutdown)
{
	struct sockaddr_msgpipe a;
	socklen_t alen = sizeof(a);
	int v = 0;
	socklen_t vl = sizeof(v);
	char buf[8];

	EXPECT_EQ(-1, getsockopt(self->cfd, IPPROTO_TCP, 1, &v, &vl));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(-1, setsockopt(self->cfd, 999, 1, &v, sizeof(v)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	EXPECT_EQ(0, getsockopt(self->cfd, SOL_SOCKET, SO_SNDBUF, &v, &vl));
	EXPECT_EQ(2 << 20, v);
	EXPECT_EQ(-1, ioctl(self->cfd, 0x1234, 0));
	EXPECT_EQ(ENOTTY, errno);
	EXPECT_EQ(-1, shutdown(self->cfd, 7));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(0, getpeername(self->cfd, (void *)&a, &alen));
	EXPECT_EQ(3100, a.smp_port);
	/* Half close: the peer reads what was sent, then end of session. */
	ASSERT_EQ(2, send(self->cfd, "hi", 2, 0));
	EXPECT_EQ(0, shutdown(self->cfd, SHUT_WR));
	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(EPIPE, errno);
	EXPECT_EQ(2, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, recv(self->sfd, buf, sizeof(buf), 0));
	/* The other direction still works. */
	roundtrip(_metadata, self->sfd, self->cfd);
}

/* Wait up to 10 s for one completion; fill *e. */
static int completion(int fd, struct sock_extended_err *e)
{
	char control[256];
	struct msghdr mh = { .msg_control = control,
			     .msg_controllen = sizeof(control) };
	struct pollfd pfd = { .fd = fd };
	struct cmsghdr *cm;

	if (poll(&pfd, 1, 10000) != 1 || !(pfd.revents & POLLERR))
		return -1;
	if (recvmsg(fd, &mh, MSG_ERRQUEUE) < 0)
		return -1;
	cm = CMSG_FIRSTHDR(&mh);
	if (!cm || cm->cmsg_level != SOL_MSGPIPE ||
	    cm->cmsg_type != MSGPIPE_RECVERR)
		return -1;
	memcpy(e, CMSG_DATA(cm), sizeof(*e));
	return 0;
}

TEST_F(pair, notify__completions_merge)
{
	struct sock_extended_err e;
	socklen_t vl = sizeof(int);
	int i, v = 2;
	char buf[16];

	EXPECT_EQ(-1, setsockopt(self->cfd, SOL_MSGPIPE, MSGPIPE_NOTIFY, &v,
				 sizeof(v)));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->cfd, SOL_MSGPIPE, MSGPIPE_NOTIFY, &v, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->cfd, SOL_MSGPIPE, 99, &v, sizeof(v)));
	EXPECT_EQ(ENOPROTOOPT, errno);
	v = 1;
	ASSERT_EQ(0, setsockopt(self->cfd, SOL_MSGPIPE, MSGPIPE_NOTIFY, &v,
				sizeof(v)));
	v = 0;
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_MSGPIPE, MSGPIPE_NOTIFY, &v, &vl));
	EXPECT_EQ(1, v);
	for (i = 0; i < 10; i++)
		ASSERT_EQ(3, send(self->cfd, "abc", 3, 0));
	for (i = 0; i < 10; i++)
		ASSERT_EQ(3, recv(self->sfd, buf, sizeof(buf), 0));
	/* Acknowledged in order, the ten merge into ranges from 1 to 10. */
	v = 0;
	while (v < 10) {
		ASSERT_EQ(0, completion(self->cfd, &e));
		EXPECT_EQ(SO_EE_ORIGIN_ZEROCOPY, e.ee_origin);
		EXPECT_EQ(0, e.ee_errno);
		EXPECT_EQ(SO_EE_CODE_ZEROCOPY_COPIED, e.ee_code);
		EXPECT_EQ(v + 1, e.ee_info);
		v = e.ee_data;
	}
	EXPECT_EQ(10, v);
	vl = sizeof(v);
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_MSGPIPE, MSGPIPE_UNACKED, &v, &vl));
	EXPECT_EQ(0, v);
}

TEST_F(pair, window__closes_and_reopens)
{
	size_t sent = 0, got = 0, n = 1 << 16;
	char *buf = malloc(n);
	int v, status;
	socklen_t vl = sizeof(v);
	pid_t pid;

	ASSERT_NE(NULL, buf);
	memset(buf, 7, n);
	/* The reader sleeps: non-blocking sends stop with EAGAIN once the
	 * receive window (SO_RCVBUF, 4 MiB) is full.
	 */
	for (;;) {
		struct pollfd pfd = { .fd = self->cfd, .events = POLLOUT };

		if (send(self->cfd, buf, n, MSG_DONTWAIT) == (ssize_t)n) {
			sent += n;
			continue;
		}
		ASSERT_EQ(EAGAIN, errno);
		/* Acknowledgments may lag; a shut window stays shut. */
		if (poll(&pfd, 1, 1000) == 0)
			break;
	}
	EXPECT_LE(4 << 20, sent);
	EXPECT_GE(6 << 20, sent);
	ASSERT_EQ(0, getsockopt(self->cfd, SOL_MSGPIPE, MSGPIPE_WINDOW, &v, &vl));
	EXPECT_GT((int)n, v);
	/* A blocking sender waits; it goes on when the reader reads. */
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0)
		_exit(send(self->cfd, buf, n, 0) == (ssize_t)n ? 0 : 1);
	usleep(300000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	while (got < sent + n) {
		ssize_t r = recv(self->sfd, buf, n, 0);

		ASSERT_LT(0, r);
		got += r;
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, status);
	free(buf);
}

/* Send @n bytes zero-copy from a fresh mapping; the agent drops them. */
static char *zc_send_dropped(struct __test_metadata *_metadata, int fd,
			     size_t n)
{
	char *p = mmap(NULL, n, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	memset(p, 0x5a, n);
	if (knob("msgpipe_soft", "drop_permille", "1000"))
		return NULL;
	EXPECT_EQ((ssize_t)n, send(fd, p, n, MSG_ZEROCOPY));
	usleep(100000);
	return p;
}

TEST_F(pair, zerocopy__munmap_before_completion)
{
	struct sock_extended_err e;
	size_t n = 1 << 20;
	char buf[16], *p;

	/* Sent and lost; the buffer goes away before the resend re-pins. */
	p = zc_send_dropped(_metadata, self->cfd, n);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, munmap(p, n));
	ASSERT_EQ(0, knob("msgpipe_soft", "drop_permille", "0"));
	ASSERT_EQ(0, completion(self->cfd, &e));
	EXPECT_EQ(EFAULT, e.ee_errno);
	EXPECT_EQ(1, e.ee_info);
	EXPECT_EQ(1, e.ee_data);
	/* That message only: the session goes on, the void is never read. */
	ASSERT_EQ(5, send(self->cfd, "after", 5, 0));
	EXPECT_EQ(5, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "after", 5));
	roundtrip(_metadata, self->sfd, self->cfd);
}

TEST_F(pair, zerocopy__failed_repin)
{
	struct sock_extended_err e;
	size_t n = 1 << 20;
	char buf[16], *p;

	p = zc_send_dropped(_metadata, self->cfd, n);
	ASSERT_NE(NULL, p);
	ASSERT_EQ(0, knob("msgpipe", "fail_repin", "1"));
	ASSERT_EQ(0, knob("msgpipe_soft", "drop_permille", "0"));
	ASSERT_EQ(0, completion(self->cfd, &e));
	EXPECT_EQ(EFAULT, e.ee_errno);
	EXPECT_EQ(1, e.ee_info);
	/* The next zero-copy message from the same memory goes through. */
	ASSERT_EQ((ssize_t)n, send(self->cfd, p, n, MSG_ZEROCOPY));
	ASSERT_EQ(0, completion(self->cfd, &e));
	EXPECT_EQ(0, e.ee_errno);
	EXPECT_EQ(2, e.ee_info);
	EXPECT_EQ(16, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(0x5a, buf[15]);
	munmap(p, n);
}

/* A zero-copy message gathered from many small segments: chunks are cut
 * at 16 segments, the message arrives whole and completes without error.
 */
TEST_F(pair, zerocopy__many_segments)
{
	size_t n = 64 * 4096 + 200 * 100, off = 0, got = 0;
	struct iovec iov[264];
	struct msghdr mh = { .msg_iov = iov, .msg_iovlen = 264 };
	struct sock_extended_err e;
	char *p, *in = malloc(n);
	int i;

	p = mmap(NULL, n + 4096, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	ASSERT_NE(NULL, in);
	for (i = 0; i < (int)n; i++)
		p[i] = (char)(i * 7 + (i >> 9));
	/* 64 pages, then 200 pieces of 100 bytes. */
	for (i = 0; i < 264; i++) {
		size_t len = i < 64 ? 4096 : 100;

		iov[i] = (struct iovec){ p + off, len };
		off += len;
	}
	ASSERT_EQ((ssize_t)n, sendmsg(self->cfd, &mh, MSG_ZEROCOPY));
	while (got < n) {
		struct iovec r = { in + got, n - got };
		struct msghdr rh = { .msg_iov = &r, .msg_iovlen = 1 };
		ssize_t k = recvmsg(self->sfd, &rh, 0);

		ASSERT_LT(0, k);
		got += k;
		if (rh.msg_flags & MSG_EOR)
			break;
	}
	EXPECT_EQ(n, got);
	EXPECT_EQ(0, memcmp(in, p, n));
	ASSERT_EQ(0, completion(self->cfd, &e));
	EXPECT_EQ(0, e.ee_errno);
	munmap(p, n + 4096);
	free(in);
}

TEST_F(pair, zerocopy__bad_calls)
{
	int v = 0;

	/* Zero-copy or not, an empty message is no message. */
	EXPECT_EQ(-1, send(self->cfd, NULL, 0, MSG_ZEROCOPY));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(self->cfd, SOL_MSGPIPE, MSGPIPE_UNACKED, &v,
				 sizeof(v)));
	EXPECT_EQ(ENOPROTOOPT, errno);
}

TEST_F(pair, notify__unread_completions_stay_small)
{
	struct sock_extended_err e;
	int i, v = 1, reads = 0;
	char buf[16];

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_MSGPIPE, MSGPIPE_NOTIFY, &v,
				sizeof(v)));
	/* A thousand completions nobody reads merge into a few entries. */
	for (i = 0; i < 1000; i++) {
		ASSERT_EQ(1, send(self->cfd, "x", 1, 0));
		ASSERT_EQ(1, recv(self->sfd, buf, sizeof(buf), 0));
	}
	v = 0;
	while (v < 1000) {
		ASSERT_EQ(0, completion(self->cfd, &e));
		EXPECT_EQ(0, e.ee_errno);
		EXPECT_EQ(v + 1, e.ee_info);
		v = e.ee_data;
		reads++;
	}
	EXPECT_GE(64, reads);
}

/* Drop CAP_IPC_LOCK from this process, so RLIMIT_MEMLOCK applies. */
TEST_F(pair, zerocopy__memlock_limit)
{
	struct rlimit rl = { 64 << 10, 64 << 10 };
	size_t n = 1 << 20;
	int status;
	pid_t pid;
	char *p;

	p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		 -1, 0);
	ASSERT_NE(MAP_FAILED, p);
	memset(p, 1, n);
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Pins are charged to locked_vm: 64 KiB cannot hold a chunk. */
		if (drop_ipc_lock() || setrlimit(RLIMIT_MEMLOCK, &rl))
			_exit(2);
		if (send(self->cfd, p, n, MSG_ZEROCOPY) != -1 || errno != ENOBUFS)
			_exit(1);
		/* Copy mode pins nothing and works. */
		_exit(send(self->cfd, p, 100, 0) == 100 ? 0 : 3);
	}
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_EQ(0, WEXITSTATUS(status));
	roundtrip(_metadata, self->sfd, self->cfd);
	munmap(p, n);
}

/* Send one message nothing gets through (the agent drops every DATA
 * frame) and take its completion: after retire_ms the agent gives up.
 * Returns 0, or -1 when a step failed.
 */
static int retire_one(int fd, struct sock_extended_err *e)
{
	int err = knob("msgpipe_soft", "retire_ms", "1000") ||
		  knob("msgpipe_soft", "drop_permille", "1000") ||
		  send(fd, "hello", 5, 0) != 5 || completion(fd, e);

	knob("msgpipe_soft", "drop_permille", "0");
	knob("msgpipe_soft", "retire_ms", "60000");
	return err ? -1 : 0;
}

TEST_F(pair, retire__no_progress_times_out)
{
	struct sock_extended_err e;
	char buf[8];
	int v = 1;

	ASSERT_EQ(0, setsockopt(self->cfd, SOL_MSGPIPE, MSGPIPE_NOTIFY, &v,
				sizeof(v)));
	ASSERT_EQ(0, retire_one(self->cfd, &e));
	EXPECT_EQ(ETIMEDOUT, e.ee_errno);
	EXPECT_EQ(1, e.ee_info);
	/* The session is reset: the next send says why. */
	EXPECT_EQ(-1, send(self->cfd, "x", 1, MSG_NOSIGNAL));
	EXPECT_EQ(ETIMEDOUT, errno);
	/* And the peer was told: its session is reset, not left waiting. */
	EXPECT_EQ(-1, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(ECONNRESET, errno);
}

/* A copy-mode message that fails after send() returned completes with its
 * error even without MSGPIPE_NOTIFY.
 */
TEST_F(pair, retire__failure_completes_without_notify)
{
	struct sock_extended_err e;

	ASSERT_EQ(0, retire_one(self->cfd, &e));
	EXPECT_EQ(ETIMEDOUT, e.ee_errno);
	EXPECT_EQ(1, e.ee_info);
	EXPECT_EQ(1, e.ee_data);
}

/* An accepted session names the connecting host: accept(), getpeername()
 * and recvmsg()'s msg_name (its port is 0: the SYNC names none).
 */
TEST_F(pair, accept__peer_address)
{
	struct sockaddr_msgpipe a, want = addr(0, 1), srv = addr(3100, 1);
	socklen_t len = sizeof(a);
	struct iovec iov;
	struct msghdr mh = { .msg_name = &a, .msg_iov = &iov, .msg_iovlen = 1 };
	char buf[16];
	int c2, s2;

	ASSERT_EQ(0, getpeername(self->sfd, (void *)&a, &len));
	EXPECT_EQ(sizeof(a), len);
	EXPECT_EQ(0, memcmp(&a, &want, sizeof(a)));
	len = sizeof(a);
	ASSERT_EQ(0, getpeername(self->cfd, (void *)&a, &len));
	EXPECT_EQ(0, memcmp(&a, &srv, sizeof(a)));

	ASSERT_EQ(2, send(self->cfd, "hi", 2, 0));
	iov = (struct iovec){ buf, sizeof(buf) };
	mh.msg_namelen = sizeof(a);
	memset(&a, 0xff, sizeof(a));
	ASSERT_EQ(2, recvmsg(self->sfd, &mh, 0));
	EXPECT_EQ(sizeof(a), mh.msg_namelen);
	EXPECT_EQ(0, memcmp(&a, &want, sizeof(a)));

	c2 = sk();
	ASSERT_LE(0, c2);
	fcntl(c2, F_SETFL, O_NONBLOCK);
	ASSERT_EQ(-1, connect(c2, (void *)&srv, sizeof(srv)));
	ASSERT_EQ(EINPROGRESS, errno);
	len = sizeof(a);
	memset(&a, 0xff, sizeof(a));
	s2 = accept(self->lfd, (void *)&a, &len);
	ASSERT_LE(0, s2);
	EXPECT_EQ(sizeof(a), len);
	EXPECT_EQ(0, memcmp(&a, &want, sizeof(a)));
	close(s2);
	close(c2);
}

TEST_F(pair, close__peer_sees_end)
{
	struct pollfd p = { .fd = self->sfd, .events = POLLIN };
	char buf[8];

	ASSERT_EQ(3, send(self->cfd, "bye", 3, 0));
	close(self->cfd);
	self->cfd = sk();
	EXPECT_EQ(3, recv(self->sfd, buf, sizeof(buf), 0));
	EXPECT_EQ(1, poll(&p, 1, 5000));
	EXPECT_EQ(0, recv(self->sfd, buf, sizeof(buf), 0));
}

/* A reader that closes with data unread resets the session, as TCP does:
 * a sender blocked on its shut window fails at once instead of waiting
 * for a window nobody will open. (Filling 4 MiB takes long on the debug
 * kernel: a longer limit.)
 */
TEST_F_TIMEOUT(pair, close__unread_resets_blocked_sender, 180)
{
	size_t n = 1 << 16;
	char *buf = malloc(n);
	int status;
	pid_t pid;

	ASSERT_NE(NULL, buf);
	memset(buf, 3, n);
	for (;;) {
		struct pollfd pfd = { .fd = self->cfd, .events = POLLOUT };

		if (send(self->cfd, buf, n, MSG_DONTWAIT) == (ssize_t)n)
			continue;
		ASSERT_EQ(EAGAIN, errno);
		if (poll(&pfd, 1, 1000) == 0)
			break;
	}
	pid = fork();
	ASSERT_LE(0, pid);
	if (pid == 0) {
		/* Only the parent's close may release the reader. */
		close(self->sfd);
		_exit(send(self->cfd, buf, n, 0) == -1 && errno == ECONNRESET ?
		      0 : 1);
	}
	usleep(300000);
	EXPECT_EQ(0, waitpid(pid, &status, WNOHANG));
	close(self->sfd);
	self->sfd = sk();
	ASSERT_EQ(pid, waitpid(pid, &status, 0));
	EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	EXPECT_EQ(-1, send(self->cfd, buf, 1, MSG_DONTWAIT | MSG_NOSIGNAL));
	free(buf);
}

TEST(connect__nonblocking_then_poll)
{
	struct sockaddr_msgpipe a = addr(3200, 0);
	struct pollfd p = { .events = POLLOUT };
	int lfd = sk(), cfd = sk(), sfd, err = -1;
	socklen_t el = sizeof(err);

	ASSERT_EQ(0, bind(lfd, (void *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(lfd, 1));
	a = addr(3200, 1);
	fcntl(cfd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, connect(cfd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EINPROGRESS, errno);
	EXPECT_EQ(-1, connect(cfd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EALREADY, errno);
	sfd = accept(lfd, NULL, NULL);
	ASSERT_LE(0, sfd);
	p.fd = cfd;
	EXPECT_EQ(1, poll(&p, 1, 5000));
	EXPECT_TRUE(p.revents & POLLOUT);
	EXPECT_EQ(0, getsockopt(cfd, SOL_SOCKET, SO_ERROR, &err, &el));
	EXPECT_EQ(0, err);
	EXPECT_EQ(3, send(cfd, "abc", 3, 0));
	close(sfd);
	close(cfd);
	close(lfd);
}

TEST(listen__close_refuses_queued)
{
	struct sockaddr_msgpipe a = addr(3300, 0);
	int lfd = sk(), cfd = sk();

	ASSERT_EQ(0, bind(lfd, (void *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(lfd, 1));
	a = addr(3300, 1);
	fcntl(cfd, F_SETFL, O_NONBLOCK);
	EXPECT_EQ(-1, connect(cfd, (void *)&a, sizeof(a)));
	EXPECT_EQ(EINPROGRESS, errno);
	usleep(300000);
	close(lfd);
	fcntl(cfd, F_SETFL, 0);
	/* The session never accepted is refused when the listener goes. */
	EXPECT_EQ(-1, connect(cfd, (void *)&a, sizeof(a)));
	EXPECT_EQ(ECONNREFUSED, errno);
	close(cfd);
}

/* SOCK_RDM: items to a destination; sendmsg() never waits for them. */
static int rdm(void)
{
	return socket(family(), SOCK_RDM, 0);
}

/* A receiving socket bound to @port and a sending one bound to @port + 1,
 * both on the first address: 0, or -1 (what is open stays in *@r, *@s).
 */
static int rdm_pair(unsigned short port, int *r, int *s)
{
	struct sockaddr_msgpipe me = addr(port, 0);

	*r = rdm();
	*s = rdm();
	if (*r < 0 || *s < 0 || bind(*r, (void *)&me, sizeof(me)))
		return -1;
	me.smp_port = port + 1;
	return bind(*s, (void *)&me, sizeof(me));
}

static ssize_t rdm_send(int fd, const void *buf, size_t len,
			const struct sockaddr_msgpipe *to, const void *ctl,
			size_t ctllen, int flags)
{
	struct iovec iov = { (void *)buf, len };
	struct msghdr mh = {
		.msg_name = (void *)to, .msg_namelen = to ? sizeof(*to) : 0,
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = (void *)ctl, .msg_controllen = ctllen,
	};

	return sendmsg(fd, &mh, flags);
}

/* A control buffer of one cmsg at SOL_MSGPIPE. */
struct cm {
	union {
		char buf[CMSG_SPACE(4 * sizeof(struct sockaddr_msgpipe))];
		struct cmsghdr align;
	};
	size_t len;
};

static void cm_set(struct cm *c, int level, int type, const void *d,
		   size_t n)
{
	struct cmsghdr *h = (void *)c->buf;

	memset(c->buf, 0, sizeof(c->buf));
	h->cmsg_level = level;
	h->cmsg_type = type;
	h->cmsg_len = CMSG_LEN(n);
	memcpy(CMSG_DATA(h), d, n);
	c->len = CMSG_SPACE(n);
}

TEST(rdm__bad_calls)
{
	struct sockaddr_msgpipe to = addr(3200, 1), bad, two[2];
	struct msgpipe_item_opts opts = { 0 };
	char big[MSGPIPE_RDM_ITEM_MAX + 1] = "x", ctl[256];
	struct msghdr mh = { .msg_control = ctl, .msg_controllen = sizeof(ctl) };
	int fd = rdm(), val;
	socklen_t len;
	struct cm c;

	ASSERT_LE(0, fd);
	EXPECT_EQ(-1, connect(fd, (void *)&to, sizeof(to)));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, listen(fd, 1));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, send(fd, "x", 1, 0));
	EXPECT_EQ(EDESTADDRREQ, errno);
	EXPECT_EQ(-1, rdm_send(fd, "x", 0, &to, NULL, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, rdm_send(fd, big, sizeof(big), &to, NULL, 0, 0));
	EXPECT_EQ(EMSGSIZE, errno);
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, &to, NULL, 0, MSG_OOB));
	EXPECT_EQ(EOPNOTSUPP, errno);
	EXPECT_EQ(-1, rdm_send(fd, (void *)16, 1, &to, NULL, 0, 0));
	EXPECT_EQ(EFAULT, errno);
	bad = to;
	bad.smp_family = AF_INET;
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, &bad, NULL, 0, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	bad = to;
	bad.smp_port = 0;
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, &bad, NULL, 0, 0));
	EXPECT_EQ(EINVAL, errno);
	bad = addr(3200, 0);	/* no host */
	bad.smp_af = AF_INET;
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, &bad, NULL, 0, 0));
	EXPECT_EQ(EDESTADDRREQ, errno);
	bad = to;
	bad.smp_af = 99;
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, &bad, NULL, 0, 0));
	EXPECT_EQ(EAFNOSUPPORT, errno);
	/* Control messages: level, type, a destination twice, both forms. */
	two[0] = two[1] = to;
	cm_set(&c, SOL_SOCKET, MSGPIPE_CM_DESTS, two, sizeof(two));
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, NULL, c.buf, c.len, 0));
	EXPECT_EQ(EINVAL, errno);
	cm_set(&c, SOL_MSGPIPE, 99, two, sizeof(two));
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, NULL, c.buf, c.len, 0));
	EXPECT_EQ(EINVAL, errno);
	cm_set(&c, SOL_MSGPIPE, MSGPIPE_CM_DESTS, two, sizeof(two));
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, NULL, c.buf, c.len, 0));
	EXPECT_EQ(EINVAL, errno);
	cm_set(&c, SOL_MSGPIPE, MSGPIPE_CM_DESTS, two, sizeof(two) - 1);
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, NULL, c.buf, c.len, 0));
	EXPECT_EQ(EINVAL, errno);
	cm_set(&c, SOL_MSGPIPE, MSGPIPE_CM_DESTS, two, sizeof(two[0]));
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, &to, c.buf, c.len, 0));
	EXPECT_EQ(EINVAL, errno);
	opts.pad = 1;
	cm_set(&c, SOL_MSGPIPE, MSGPIPE_CM_ITEM, &opts, sizeof(opts));
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, &to, c.buf, c.len, 0));
	EXPECT_EQ(EINVAL, errno);
	opts.pad = 0;
	opts.flags = 0x80;
	cm_set(&c, SOL_MSGPIPE, MSGPIPE_CM_ITEM, &opts, sizeof(opts));
	EXPECT_EQ(-1, rdm_send(fd, "x", 1, &to, c.buf, c.len, 0));
	EXPECT_EQ(EINVAL, errno);
	/* Options: ranges, read-only, unknown. */
	val = -1;
	EXPECT_EQ(-1, setsockopt(fd, SOL_MSGPIPE, MSGPIPE_RDM_SIZE, &val, 4));
	EXPECT_EQ(EINVAL, errno);
	val = 5;
	EXPECT_EQ(-1, setsockopt(fd, SOL_MSGPIPE, MSGPIPE_RDM_RETRY_MS, &val, 4));
	EXPECT_EQ(EINVAL, errno);
	val = 101;
	EXPECT_EQ(-1, setsockopt(fd, SOL_MSGPIPE, MSGPIPE_RDM_RETRIES, &val, 4));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(fd, SOL_MSGPIPE, MSGPIPE_RDM_RETRIES, &val, 2));
	EXPECT_EQ(EINVAL, errno);
	EXPECT_EQ(-1, setsockopt(fd, SOL_MSGPIPE, MSGPIPE_RDM_RETRIES, NULL, 4));
	EXPECT_EQ(EFAULT, errno);
	EXPECT_EQ(-1, setsockopt(fd, SOL_MSGPIPE, MSGPIPE_RDM_PENDING, &val, 4));
	EXPECT_EQ(EPERM, errno);
	EXPECT_EQ(-1, setsockopt(fd, SOL_MSGPIPE, MSGPIPE_NOTIFY, &val, 4));
	EXPECT_EQ(ENOPROTOOPT, errno);
	val = 50;
	EXPECT_EQ(0, setsockopt(fd, SOL_MSGPIPE, MSGPIPE_RDM_RETRIES, &val, 4));
	len = sizeof(val);
	EXPECT_EQ(0, getsockopt(fd, SOL_MSGPIPE, MSGPIPE_RDM_RETRIES, &val, &len));
	EXPECT_EQ(50, val);
	len = 2;
	EXPECT_EQ(-1, getsockopt(fd, SOL_MSGPIPE, MSGPIPE_RDM_RETRIES, &val, &len));
	EXPECT_EQ(EINVAL, errno);
	/* Nothing completed yet. */
	EXPECT_EQ(-1, recvmsg(fd, &mh, MSG_ERRQUEUE | MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, recv(fd, ctl, sizeof(ctl), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	EXPECT_EQ(-1, recv(fd, ctl, sizeof(ctl), MSG_OOB));
	EXPECT_EQ(EOPNOTSUPP, errno);
	close(fd);
}

/* Read completions until @n items have completed; return them packed. */
static int rdm_reap(int fd, struct msgpipe_rdm_done **out, int n)
{
	static char ctl[4096];
	int got = 0, off = 0;
	char *all = malloc(8192);

	while (got < n) {
		struct msghdr mh = { .msg_control = ctl, .msg_controllen = sizeof(ctl) };
		struct pollfd p = { .fd = fd, .events = 0 };
		struct cmsghdr *c;

		if (poll(&p, 1, 10000) != 1 || !(p.revents & POLLERR))
			break;
		if (recvmsg(fd, &mh, MSG_ERRQUEUE) < 0)
			break;
		c = CMSG_FIRSTHDR(&mh);
		if (!c || c->cmsg_level != SOL_MSGPIPE ||
		    c->cmsg_type != MSGPIPE_RDM_DONE)
			break;
		memcpy(all + off, CMSG_DATA(c), c->cmsg_len - CMSG_LEN(0));
		for (size_t i = 0; i < c->cmsg_len - CMSG_LEN(0); got++) {
			struct msgpipe_rdm_done *d = (void *)(all + off + i);

			i += (sizeof(*d) + d->ndest * 4 + 7) & ~7UL;
		}
		off += c->cmsg_len - CMSG_LEN(0);
	}
	*out = (void *)all;
	return got;
}

/* Over loopback: three items, one of them priority with a cookie, and an
 * item to a port without a socket.
 */
TEST(rdm__loopback_items_complete)
{
	struct sockaddr_msgpipe to = addr(3200, 1), from;
	struct msgpipe_item_opts opts = { .flags = MSGPIPE_ITEM_PRIORITY,
					  .cookie = 0xfeed };
	struct msgpipe_rdm_done *d;
	int r, s, i, seen[5] = { 0 };
	socklen_t fl = sizeof(from);
	char buf[64];
	struct cm c;

	ASSERT_EQ(0, rdm_pair(3200, &r, &s));
	ASSERT_EQ(5, rdm_send(s, "one..", 5, &to, NULL, 0, 0));
	ASSERT_EQ(3, rdm_send(s, "two", 3, &to, NULL, 0, MSG_DONTWAIT));
	cm_set(&c, SOL_MSGPIPE, MSGPIPE_CM_ITEM, &opts, sizeof(opts));
	ASSERT_EQ(11, rdm_send(s, "three-prio!", 11, &to, c.buf, c.len, 0));
	to.smp_port = 3299;
	ASSERT_EQ(4, rdm_send(s, "lost", 4, &to, c.buf, c.len, 0));

	/* Each once, in any order (the refusal needs no receive element). */
	ASSERT_EQ(4, rdm_reap(s, &d, 4));
	for (i = 0; i < 4; i++) {
		int id = d->id;

		ASSERT_TRUE(id >= 1 && id <= 4);
		EXPECT_FALSE(seen[id]++);
		EXPECT_EQ(1, d->ndest);
		EXPECT_EQ(id >= 3 ? 0xfeed : 0, d->cookie);
		EXPECT_EQ(id == 4 ? -ECONNREFUSED : 0, d->status[0]);
		EXPECT_EQ(id == 4, d->nfailed);
		d = (void *)((char *)d + ((sizeof(*d) + 4 + 7) & ~7UL));
	}
	/* In order, with the origin; a short buffer truncates. */
	EXPECT_EQ(5, recvfrom(r, buf, sizeof(buf), 0, (void *)&from, &fl));
	EXPECT_EQ(0, memcmp(buf, "one..", 5));
	EXPECT_EQ(3201, from.smp_port);
	EXPECT_EQ(AF_INET, from.smp_af);
	EXPECT_EQ(127, from.smp_addr[0]);
	EXPECT_EQ(3, recv(r, buf, sizeof(buf), 0));
	EXPECT_EQ(0, memcmp(buf, "two", 3));
	EXPECT_EQ(11, recv(r, buf, 2, MSG_TRUNC));
	EXPECT_EQ(0, memcmp(buf, "th", 2));
	EXPECT_EQ(-1, recv(r, buf, sizeof(buf), MSG_DONTWAIT));
	EXPECT_EQ(EAGAIN, errno);
	close(s);
	close(r);
}

/*
 * Statuses of an item to several destinations follow the order given,
 * whatever order the addresses sort in: here port 30116 (bound) before
 * 30616 (nothing bound), which sort the other way round as bytes.
 */
TEST(rdm__statuses_in_order_given)
{
	struct sockaddr_msgpipe to[3];
	struct msgpipe_rdm_done *d;
	char buf[16];
	struct cm c;
	int r, s;

	ASSERT_EQ(0, rdm_pair(30116, &r, &s));
	to[0] = addr(30116, 1);
	to[1] = addr(30616, 1);
	cm_set(&c, SOL_MSGPIPE, MSGPIPE_CM_DESTS, to, 2 * sizeof(to[0]));
	ASSERT_EQ(4, rdm_send(s, "both", 4, NULL, c.buf, c.len, 0));
	ASSERT_EQ(1, rdm_reap(s, &d, 1));
	ASSERT_EQ(2, d->ndest);
	EXPECT_EQ(1, d->nfailed);
	EXPECT_EQ(0, d->status[0]);
	EXPECT_EQ(-ECONNREFUSED, d->status[1]);
	EXPECT_EQ(4, recv(r, buf, sizeof(buf), 0));
	/* The same destination twice is refused. */
	to[2] = to[0];
	cm_set(&c, SOL_MSGPIPE, MSGPIPE_CM_DESTS, to, 3 * sizeof(to[0]));
	EXPECT_EQ(-1, rdm_send(s, "dup", 3, NULL, c.buf, c.len, 0));
	EXPECT_EQ(EINVAL, errno);
	close(s);
	close(r);
}

/* sendmmsg() marks all but its last message MSG_BATCH: accepted. */
TEST(rdm__sendmmsg)
{
	struct sockaddr_msgpipe me = addr(3202, 0), to = addr(3202, 1);
	struct mmsghdr mm[4];
	struct iovec iov[4];
	struct msgpipe_rdm_done *d;
	int r = rdm(), s = rdm(), i;
	char buf[16];

	ASSERT_LE(0, r);
	ASSERT_LE(0, s);
	ASSERT_EQ(0, bind(r, (void *)&me, sizeof(me)));
	memset(mm, 0, sizeof(mm));
	for (i = 0; i < 4; i++) {
		iov[i] = (struct iovec){ "abcd", i + 1 };
		mm[i].msg_hdr.msg_name = &to;
		mm[i].msg_hdr.msg_namelen = sizeof(to);
		mm[i].msg_hdr.msg_iov = &iov[i];
		mm[i].msg_hdr.msg_iovlen = 1;
	}
	ASSERT_EQ(4, sendmmsg(s, mm, 4, 0));
	ASSERT_EQ(4, rdm_reap(s, &d, 4));
	for (i = 0; i < 4; i++)
		EXPECT_EQ(i + 1, recv(r, buf, sizeof(buf), 0));
	close(s);
	close(r);
}

TEST_HARNESS_MAIN
