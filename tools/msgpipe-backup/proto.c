// SPDX-License-Identifier: GPL-2.0
/*
 * msgpipe-backup: what the commands share: sessions, their JSON messages,
 * messages to the user.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/msgpipe.h>
#include "mp_family.h"
#include "backup.h"

bool mb_quiet;

static void mb_vwarn(const char *fmt, va_list ap)
{
	fputs("msgpipe-backup: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void mb_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mb_vwarn(fmt, ap);
	va_end(ap);
	exit(1);
}

void mb_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	mb_vwarn(fmt, ap);
	va_end(ap);
}

/* @bytes as "12.3 MiB". */
void mb_human(char *out, size_t n, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	unsigned int u = 0;

	while (bytes >= 1024 && u < 4) {
		bytes /= 1024;
		u++;
	}
	snprintf(out, n, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

/* HOST as an AF_MSGPIPE address: a literal or a name (getaddrinfo). */
static int mb_addr(const char *host, unsigned short port,
		   struct sockaddr_msgpipe *a)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res;
	int err;

	memset(a, 0, sizeof(*a));
	a->smp_family = msgpipe_family();
	a->smp_port = port;
	err = getaddrinfo(host, NULL, &hints, &res);
	if (err) {
		mb_warn("%s: %s", host, gai_strerror(err));
		return -1;
	}
	if (res->ai_family == AF_INET) {
		struct sockaddr_in *in = (void *)res->ai_addr;

		a->smp_af = AF_INET;
		memcpy(a->smp_addr, &in->sin_addr, 4);
	} else {
		struct sockaddr_in6 *in6 = (void *)res->ai_addr;

		a->smp_af = AF_INET6;
		memcpy(a->smp_addr, &in6->sin6_addr, 16);
		a->smp_scope_id = in6->sin6_scope_id;
	}
	freeaddrinfo(res);
	return 0;
}

int mb_session_connect(const char *host, unsigned short port)
{
	struct sockaddr_msgpipe a;
	int fd;

	if (mb_addr(host, port, &a))
		return -1;
	fd = socket(msgpipe_family(), SOCK_SEQPACKET, 0);
	if (fd < 0) {
		mb_warn("socket: %s (is msgpipe.ko loaded?)", strerror(errno));
		return -1;
	}
	if (connect(fd, (void *)&a, sizeof(a))) {
		mb_warn("connect %s port %u: %s", host, port, strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

int mb_session_listen(unsigned short port)
{
	struct sockaddr_msgpipe a = { .smp_port = port };
	int fd;

	a.smp_family = msgpipe_family();
	fd = socket(a.smp_family, SOCK_SEQPACKET, 0);
	if (fd < 0 || bind(fd, (void *)&a, sizeof(a)) || listen(fd, 64)) {
		mb_warn("listen on port %u: %s", port, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	return fd;
}

int mb_send_json(int fd, json_object *o)
{
	size_t len;
	const char *s = json_object_to_json_string_length(o,
				JSON_C_TO_STRING_PLAIN |
				JSON_C_TO_STRING_NOSLASHESCAPE, &len);

	if (send(fd, s, len, MSG_NOSIGNAL) != (ssize_t)len)
		return -1;
	return 0;
}

/* One whole message into @buf; -1 with errno (EMSGSIZE: too long), 0 at
 * the end of the session.
 */
ssize_t mb_recv_msg(int fd, void *buf, size_t cap, bool *eor)
{
	size_t got = 0;

	*eor = false;
	while (!*eor) {
		struct iovec iov = { (char *)buf + got, cap - got };
		struct msghdr mh = { .msg_iov = &iov, .msg_iovlen = 1 };
		ssize_t n = recvmsg(fd, &mh, 0);

		if (n < 0)
			return -1;
		if (n == 0)
			return got ? (errno = EPROTO, -1) : 0;
		got += n;
		*eor = mh.msg_flags & MSG_EOR;
		if (!*eor && got == cap)
			return got;	/* a piece: the caller goes on */
	}
	return got;
}

json_object *mb_recv_json(int fd, char *buf, size_t cap)
{
	bool eor;
	ssize_t n = mb_recv_msg(fd, buf, cap - 1, &eor);
	json_object *o;

	if (n <= 0)
		return NULL;
	if (!eor) {
		errno = EMSGSIZE;
		return NULL;
	}
	buf[n] = 0;
	o = json_tokener_parse(buf);
	if (!o || !json_object_is_type(o, json_type_object)) {
		json_object_put(o);
		errno = EPROTO;
		return NULL;
	}
	return o;
}

const char *mb_op(json_object *o)
{
	return mb_get_str(o, "op") ?: "";
}

const char *mb_get_str(json_object *o, const char *key)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

int64_t mb_get_int(json_object *o, const char *key, int64_t dflt)
{
	json_object *v;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !json_object_is_type(v, json_type_int))
		return dflt;
	return json_object_get_int64(v);
}
