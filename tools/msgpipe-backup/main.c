// SPDX-License-Identifier: GPL-2.0
/*
 * msgpipe-backup: the command line.
 *
 *   msgpipe-backup push [-j N] [--set NAME] [--port P] [--cache FILE]
 *                       SRC... HOST[:PORT]
 *   msgpipe-backup serve --store DIR [--port P] [--quota BYTES]
 *   msgpipe-backup verify --store DIR [--set NAME]
 *   msgpipe-backup restore --store DIR [--set NAME] DEST
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "backup.h"

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: msgpipe-backup push [-j N] [--set NAME] [--port P] [--cache FILE] [-q]\n"
		"                           SRC... HOST[:PORT]\n"
		"       msgpipe-backup serve --store DIR [--port P] [--quota BYTES]\n"
		"       msgpipe-backup verify --store DIR [--set NAME]\n"
		"       msgpipe-backup restore --store DIR [--set NAME] DEST\n");
}

/* HOST[:PORT], [V6]:PORT or V6 alone. */
static char *split_host(char *arg, unsigned short *port)
{
	char *c;

	if (arg[0] == '[') {
		c = strchr(arg, ']');
		if (!c)
			return NULL;
		*c = 0;
		if (c[1] == ':')
			*port = atoi(c + 2);
		return arg + 1;
	}
	c = strrchr(arg, ':');
	if (c && strchr(arg, ':') == c) {
		*c = 0;
		*port = atoi(c + 1);
	}
	return arg;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "store", required_argument, NULL, 's' },
		{ "set", required_argument, NULL, 'S' },
		{ "port", required_argument, NULL, 'p' },
		{ "sessions", required_argument, NULL, 'j' },
		{ "quota", required_argument, NULL, 'Q' },
		{ "cache", required_argument, NULL, 'C' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ 0 }
	};
	const char *store = NULL, *set = NULL, *cache = NULL, *cmd;
	unsigned short port = MB_PORT;
	unsigned int sessions = MB_SESSIONS;
	uint64_t quota = 0;
	char *end;
	int c;

	/* Progress lines reach a log as they happen, not at exit. */
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2) {
		print_usage(stderr);
		return 2;
	}
	cmd = argv[1];
	if (!strcmp(cmd, "-h") || !strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
		print_usage(stdout);
		return 0;
	}
	optind = 2;
	while ((c = getopt_long(argc, argv, "s:S:p:j:Q:C:qh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			store = optarg;
			break;
		case 'S':
			set = optarg;
			break;
		case 'p':
			port = atoi(optarg);
			break;
		case 'j':
			sessions = strtoul(optarg, &end, 0);
			if (*end || !sessions || sessions > 64)
				mb_die("--sessions: 1 to 64");
			break;
		case 'Q':
			quota = strtoull(optarg, &end, 0);
			if (*end == 'K' || *end == 'k')
				quota <<= 10;
			else if (*end == 'M')
				quota <<= 20;
			else if (*end == 'G')
				quota <<= 30;
			else if (*end)
				mb_die("--quota: a size (bytes, or with K, M, G)");
			break;
		case 'C':
			cache = optarg;
			break;
		case 'q':
			mb_quiet = true;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (set && !mb_set_name_ok(set))
		mb_die("--set: letters, digits, '.', '-', '_' and ':' only");
	if (!strcmp(cmd, "push")) {
		char *host;

		if (argc - optind < 2) {
			print_usage(stderr);
			return 2;
		}
		host = split_host(argv[argc - 1], &port);
		if (!host || !*host)
			mb_die("bad destination %s", argv[argc - 1]);
		return mb_push(argc - optind - 1, argv + optind, host, port,
			       sessions, set, cache);
	}
	if (!store) {
		print_usage(stderr);
		return 2;
	}
	if (!strcmp(cmd, "serve"))
		return mb_serve(store, port, quota);
	if (!strcmp(cmd, "verify"))
		return mb_verify(store, set);
	if (!strcmp(cmd, "restore")) {
		if (argc - optind != 1) {
			print_usage(stderr);
			return 2;
		}
		return mb_restore(store, set, argv[optind]);
	}
	print_usage(stderr);
	return 2;
}
