/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the socket API tests share: addresses, sockets, a connected pair
 * over loopback, and a round trip proving a session still works. Include
 * after kselftest_harness.h.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MP_PAIR_H
#define _MP_PAIR_H

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <linux/msgpipe.h>
#include "mp_family.h"

static inline int family(void)
{
	return msgpipe_family();
}

/* Port @port on 127.0.0.1 (@lo) or on any address. */
static inline struct sockaddr_msgpipe addr(unsigned short port, int lo)
{
	struct sockaddr_msgpipe a = { 0 };

	a.smp_family = family();
	a.smp_port = port;
	if (lo) {
		a.smp_af = AF_INET;
		a.smp_addr[0] = 127;
		a.smp_addr[3] = 1;
	}
	return a;
}

static inline int sk(void)
{
	return socket(family(), SOCK_SEQPACKET, 0);
}

/* A listener on @port, a client connected to it and the accepted server. */
static inline void mp_pair_open(struct __test_metadata *_metadata,
				unsigned short port, int *lfd, int *cfd,
				int *sfd)
{
	struct sockaddr_msgpipe a = addr(port, 0);

	*lfd = sk();
	ASSERT_LE(0, *lfd);
	ASSERT_EQ(0, bind(*lfd, (void *)&a, sizeof(a)));
	ASSERT_EQ(0, listen(*lfd, 4));
	*cfd = sk();
	ASSERT_LE(0, *cfd);
	a = addr(port, 1);
	/* connect() completes when the application accepts: the session
	 * is accepted by the destination application, not its kernel.
	 */
	fcntl(*cfd, F_SETFL, O_NONBLOCK);
	ASSERT_EQ(-1, connect(*cfd, (void *)&a, sizeof(a)));
	ASSERT_EQ(EINPROGRESS, errno);
	*sfd = accept(*lfd, NULL, NULL);
	ASSERT_LE(0, *sfd);
	fcntl(*cfd, F_SETFL, 0);
	ASSERT_EQ(0, connect(*cfd, (void *)&a, sizeof(a)));
}

/* After a rejected call the session still carries a message. */
static inline void roundtrip(struct __test_metadata *_metadata, int from,
			     int to)
{
	char out[64] = "still works", in[64] = { 0 };
	struct iovec iov = { in, sizeof(in) };
	struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };

	ASSERT_EQ(11, send(from, out, 11, 0));
	ASSERT_EQ(11, recvmsg(to, &mh, 0));
	EXPECT_TRUE(mh.msg_flags & MSG_EOR);
	EXPECT_EQ(0, memcmp(in, out, 11));
}

/* Write a module parameter (the soft agent's and host's fault knobs). */
static inline int knob(const char *mod, const char *name, const char *val)
{
	char path[128];
	int fd, ok;

	snprintf(path, sizeof(path), "/sys/module/%s/parameters/%s", mod, name);
	fd = open(path, O_WRONLY);
	if (fd < 0)
		return -1;
	ok = write(fd, val, strlen(val)) == (ssize_t)strlen(val);
	close(fd);
	return ok ? 0 : -1;
}

/* Drop CAP_IPC_LOCK so RLIMIT_MEMLOCK applies. */
static inline int drop_ipc_lock(void)
{
	struct __user_cap_header_struct h = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct d[2];

	if (syscall(SYS_capget, &h, d))
		return -1;
	d[0].effective &= ~(1U << CAP_IPC_LOCK);
	return syscall(SYS_capset, &h, d);
}

#endif /* _MP_PAIR_H */
