// SPDX-License-Identifier: GPL-2.0
/*
 * mp_load: load a kernel module from memory, optionally as a task whose
 * allocations fail at random (--faults: fault injection's make-it-fail) or
 * whose Nth allocation fails (--fail-nth N: /proc/thread-self/fail-nth, the
 * way syzkaller walks every error path). The module file is read first, so
 * nothing but init_module(2) runs under faults (mp_faults.h says why that
 * matters). With --fail-nth it prints whether the fault was injected.
 *
 * usage: mp_load [--faults | --fail-nth N] MODULE.ko [PARAMS]
 * exit: 0 loaded, 1 init_module failed (errno printed), 2 usage or I/O
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include "mp_faults.h"

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "faults", no_argument, NULL, 'f' },
		{ "fail-nth", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	bool faults = false;
	int nth = 0, nfd = -1;
	char buf[16];
	struct stat st;
	void *image;
	int c, fd;
	long rc;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'f': faults = true; break;
		case 'n': nth = atoi(optarg); break;
		default:
			fprintf(stderr, "usage: mp_load [--faults | --fail-nth N] MODULE.ko [PARAMS]\n");
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc || nth < 0) {
		fprintf(stderr, "usage: mp_load [--faults | --fail-nth N] MODULE.ko [PARAMS]\n");
		return 2;
	}
	fd = open(argv[optind], O_RDONLY);
	if (fd < 0 || fstat(fd, &st)) {
		perror(argv[optind]);
		return 2;
	}
	image = malloc(st.st_size);
	if (!image || read(fd, image, st.st_size) != st.st_size) {
		perror(argv[optind]);
		return 2;
	}
	close(fd);
	if (faults && mp_fault_self()) {
		perror("mp_load: make-it-fail");
		return 2;
	}
	if (nth) {
		nfd = open("/proc/thread-self/fail-nth", O_RDWR);
		c = snprintf(buf, sizeof(buf), "%d", nth);
		if (nfd < 0 || mlockall(MCL_CURRENT) ||
		    pwrite(nfd, buf, c, 0) != c) {
			perror("mp_load: fail-nth");
			return 2;
		}
	}
	rc = syscall(SYS_init_module, image, (unsigned long)st.st_size,
		     optind + 1 < argc ? argv[optind + 1] : "");
	if (nth) {
		/* 0: the fault was injected; else how many calls were left. */
		c = pread(nfd, buf, sizeof(buf) - 1, 0);
		buf[c > 0 ? c : 0] = '\0';
		printf("fault %d: %s\n", nth,
		       atoi(buf) ? "not reached" : "injected");
		/* A count left over must not hit the exit path (9p). */
		if (pwrite(nfd, "0", 1, 0) != 1) {
			perror("mp_load: fail-nth reset");
			_exit(3);
		}
	}
	if (rc) {
		printf("init_module: %s\n", strerror(errno));
		return 1;
	}
	return 0;
}
