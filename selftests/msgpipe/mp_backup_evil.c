// SPDX-License-Identifier: GPL-2.0
/*
 * mp_backup_evil: a hostile msgpipe-backup client. It sends the server
 * entries that must be refused (paths that leave the tree, symlinks that
 * escape, bad hashes and sizes, too much for the quota), a file whose bytes
 * do not match its hash, more bytes than announced, and a message larger
 * than any the protocol allows, and checks every answer. Exit 0 when the
 * server refused all of it and still answers a good request.
 *
 * usage: mp_backup_evil --addr A --port P [--quota-size N]
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <linux/msgpipe.h>
#include "mp_family.h"

#define HASH_A	"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

static const char *host;
static unsigned short port;
static int fails;

static void expect(int ok, const char *what)
{
	printf("%s: %s\n", ok ? "ok" : "FAIL", what);
	fails += !ok;
}

static int conn(void)
{
	struct sockaddr_msgpipe a = { 0 };
	int fd = socket(msgpipe_family(), SOCK_SEQPACKET, 0);

	a.smp_family = msgpipe_family();
	a.smp_port = port;
	a.smp_af = AF_INET;
	inet_pton(AF_INET, host, a.smp_addr);
	if (fd < 0 || connect(fd, (void *)&a, sizeof(a))) {
		perror("mp_backup_evil: connect");
		exit(2);
	}
	return fd;
}

static int say(int fd, const char *s)
{
	return send(fd, s, strlen(s), MSG_NOSIGNAL) == (ssize_t)strlen(s) ? 0 : -1;
}

/* One whole answer as a string ("" at the end of the session). */
static char *hear(int fd)
{
	static char buf[1 << 20];
	ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);

	buf[n > 0 ? n : 0] = 0;
	return buf;
}

/* Offer the 5-byte object HASH_A on a data session with @bytes. */
static char *object(int fd, const char *bytes)
{
	say(fd, "{\"op\":\"file\",\"h\":\"" HASH_A "\",\"s\":5}");
	say(fd, bytes);
	return hear(fd);
}

/* An entries message of one entry; the answer must reject it. */
static void refused(int fd, const char *entry, const char *what)
{
	char m[16384];
	char *a;

	snprintf(m, sizeof(m), "{\"op\":\"entries\",\"list\":[%s]}", entry);
	if (say(fd, m)) {
		expect(0, what);
		return;
	}
	a = hear(fd);
	expect(strstr(a, "\"rejected\":[{\"i\":0") != NULL, what);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "addr", required_argument, NULL, 'a' },
		{ "port", required_argument, NULL, 'p' },
		{ "quota-size", required_argument, NULL, 'q' },
		{ 0 }
	};
	char m[8192], longpath[6000], *big, *a;
	unsigned long long quota_size = 0;
	int c, ctl, data;

	while ((c = getopt_long(argc, argv, "a:p:q:", opts, NULL)) != -1) {
		switch (c) {
		case 'a': host = optarg; break;
		case 'p': port = atoi(optarg); break;
		case 'q': quota_size = strtoull(optarg, NULL, 0); break;
		default: return 2;
		}
	}
	if (!host || !port)
		return 2;
	ctl = conn();
	say(ctl, "{\"op\":\"hello\",\"role\":\"control\",\"run\":\"evil1\",\"set\":\"evil\"}");
	refused(ctl, "{\"p\":\"../etc/passwd\",\"t\":\"d\"}", "a path with ..");
	refused(ctl, "{\"p\":\"a/../../b\",\"t\":\"d\"}", "a path climbing out");
	refused(ctl, "{\"p\":\"/etc\",\"t\":\"d\"}", "an absolute path");
	refused(ctl, "{\"p\":\"\",\"t\":\"d\"}", "an empty path");
	refused(ctl, "{\"p\":\"a//b\",\"t\":\"d\"}", "an empty component");
	refused(ctl, "{\"p\":\"x\",\"t\":\"l\",\"l\":\"/etc/passwd\"}",
		"a symlink to an absolute path");
	refused(ctl, "{\"p\":\"d/x\",\"t\":\"l\",\"l\":\"../../etc\"}",
		"a symlink climbing out");
	refused(ctl, "{\"p\":\"f\",\"t\":\"f\",\"s\":1,\"h\":\"zz\"}", "a bad hash");
	refused(ctl, "{\"p\":\"f\",\"t\":\"f\",\"s\":-5,\"h\":\"" HASH_A "\"}",
		"a negative size");
	refused(ctl, "{\"p\":\"f\",\"t\":\"q\"}", "an unknown type");
	memset(longpath, 'a', sizeof(longpath) - 1);
	longpath[sizeof(longpath) - 1] = 0;
	snprintf(m, sizeof(m), "{\"p\":\"%s\",\"t\":\"d\"}", longpath);
	refused(ctl, m, "a path longer than PATH_MAX");
	if (quota_size) {
		snprintf(m, sizeof(m), "{\"p\":\"huge\",\"t\":\"f\",\"s\":%llu,\"h\":\"%s\"}",
			 quota_size, "1111111111111111111111111111111111111111111111111111111111111111");
		refused(ctl, m, "a file over the quota");
	}

	/* A file the server needs, then bytes that do not match its hash. */
	say(ctl, "{\"op\":\"entries\",\"list\":[{\"p\":\"hello\",\"t\":\"f\",\"s\":5,\"h\":\"" HASH_A "\"}]}");
	a = hear(ctl);
	expect(strstr(a, "\"need\":[0]") != NULL, "a good entry is needed");
	data = conn();
	say(data, "{\"op\":\"hello\",\"role\":\"data\",\"run\":\"evil1\"}");
	a = object(data, "HELLO");
	expect(strstr(a, "\"ok\":false") && strstr(a, "checksum"),
	       "bytes that do not match their hash are refused");
	a = object(data, "hello world");
	expect(strstr(a, "\"ok\":false") != NULL, "too many bytes are refused");
	/* The right bytes are stored. */
	a = object(data, "hello");
	expect(strstr(a, "\"ok\":true") != NULL, "the right bytes are stored");
	close(data);
	say(ctl, "{\"op\":\"finish\"}");
	a = hear(ctl);
	expect(strstr(a, "\"missing\":0") != NULL, "the run finishes");
	close(ctl);

	/* A message larger than the protocol's limit ends the session. */
	ctl = conn();
	say(ctl, "{\"op\":\"hello\",\"role\":\"control\",\"run\":\"evil2\",\"set\":\"evil2\"}");
	big = malloc(17 << 20);
	memset(big, ' ', 17 << 20);
	memcpy(big, "{\"op\":\"entries\",\"list\":[", 24);
	send(ctl, big, 17 << 20, MSG_NOSIGNAL);
	a = hear(ctl);
	expect(!strstr(a, "need"), "an oversized message is refused");
	free(big);
	close(ctl);
	/* A data session for a run that does not exist. */
	data = conn();
	say(data, "{\"op\":\"hello\",\"role\":\"data\",\"run\":\"nosuchrun\"}");
	a = hear(data);
	expect(strstr(a, "error") != NULL, "a data session needs its run");
	close(data);
	printf("%d failed\n", fails);
	return fails ? 1 : 0;
}
