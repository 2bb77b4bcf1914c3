// SPDX-License-Identifier: GPL-2.0
/*
 * mp_load: load a kernel module from memory, optionally as a task whose
 * allocations fail at random (--faults: fault injection's make-it-fail) or
 * whose Nth allocation fails (--fail-nth N: /proc/thread-self/fail-nth, the
 * way syzkaller walks every error path). The module file is read first, so
 * nothing but init_module(2) runs under faults (mp_faults.h says why that
 * matters). With --fail-nth it prints whether the fault was injected.
 *
 * --fail-nth takes a list (N,N,...): the module is loaded once per N, and
 * unloaded (delete_module(2)) after each load that worked; the walk stops
 * after the second load no fault reached (past the last allocation). One
 * process walks the whole list: under TCG each process started costs half
 * a second of the debug kernel's time.
 *
 * usage: mp_load [--faults | --fail-nth N[,N...]] MODULE.ko [PARAMS]
 * exit: 0 loaded (with a list: every unload worked), 1 init_module failed
 * (errno printed; with a list: never), 2 usage or I/O, 3 an unload failed
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

static char outbuf[BUFSIZ];
static const char usage[] =
	"usage: mp_load [--faults | --fail-nth N[,N...]] MODULE.ko [PARAMS]\n";

/*
 * load_nth: init_module() with the Nth allocation of this thread failing
 * (nfd: its fail-nth file); prints the outcome. 0 loaded, else errno; sets
 * *reached when the fault was injected.
 */
static int load_nth(int nfd, int nth, void *image, size_t len,
		    const char *params, bool *reached)
{
	char buf[16];
	long rc;
	int c, err;

	c = snprintf(buf, sizeof(buf), "%d", nth);
	if (pwrite(nfd, buf, c, 0) != c) {
		perror("mp_load: fail-nth");
		exit(2);
	}
	rc = syscall(SYS_init_module, image, (unsigned long)len, params);
	err = rc ? errno : 0;
	/* 0: the fault was injected; else how many calls were left. */
	c = pread(nfd, buf, sizeof(buf) - 1, 0);
	buf[c > 0 ? c : 0] = '\0';
	*reached = !atoi(buf);
	/* A count left over must not hit what follows (9p at exit). */
	if (pwrite(nfd, "0", 1, 0) != 1) {
		perror("mp_load: fail-nth reset");
		_exit(3);
	}
	printf("fault %d: %s\n", nth, *reached ? "injected" : "not reached");
	if (err)
		printf("init_module: %s\n", strerror(err));
	fflush(stdout);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "faults", no_argument, NULL, 'f' },
		{ "fail-nth", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *nths = NULL, *params, *base;
	bool faults = false, reached, list;
	int nfd, past = 0, c, fd, nth;
	char name[64], *end;
	struct stat st;
	void *image;
	long rc;

	while ((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		switch (c) {
		case 'f':
			faults = true;
			break;
		case 'n':
			nths = optarg;
			break;
		default:
			fputs(usage, c == 'h' ? stdout : stderr);
			return c == 'h' ? 0 : 2;
		}
	}
	if (optind >= argc) {
		fputs(usage, stderr);
		return 2;
	}
	params = optind + 1 < argc ? argv[optind + 1] : "";
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
	if (!nths) {
		rc = syscall(SYS_init_module, image, (unsigned long)st.st_size,
			     params);
		if (rc) {
			printf("init_module: %s\n", strerror(errno));
			return 1;
		}
		return 0;
	}
	/* The name delete_module() takes: the file's, as rmmod derives it. */
	base = strrchr(argv[optind], '/');
	base = base ? base + 1 : argv[optind];
	snprintf(name, sizeof(name), "%.*s", (int)strcspn(base, "."), base);
	list = strchr(nths, ',');
	/* stdout's buffer locked in with the rest: printing allocates nothing. */
	setvbuf(stdout, outbuf, _IOLBF, sizeof(outbuf));
	nfd = open("/proc/thread-self/fail-nth", O_RDWR);
	if (nfd < 0 || mlockall(MCL_CURRENT)) {
		perror("mp_load: fail-nth");
		return 2;
	}
	for (;;) {
		nth = strtol(nths, &end, 10);
		if (end == nths || nth <= 0 || (*end && *end != ',')) {
			fputs(usage, stderr);
			return 2;
		}
		if (load_nth(nfd, nth, image, st.st_size, params, &reached)) {
			if (!list)
				return 1;
		} else if (list) {
			if (syscall(SYS_delete_module, name, O_NONBLOCK)) {
				printf("delete_module %s after fault %d: %s\n",
				       name, nth, strerror(errno));
				return 3;
			}
			if (!reached && ++past == 2)
				break;
		}
		if (!*end)
			break;
		nths = end + 1;
	}
	return 0;
}
