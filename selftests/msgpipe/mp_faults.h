/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Marking a test tool for fault injection (/proc/self/make-it-fail), so
 * that only the kernel work it asks for runs under failing allocations.
 * A marked task must not reach the test VM's 9p root: a failed allocation
 * in 9p breaks it for every task. So the tool locks its pages in first (no
 * page fault reads a file afterwards) and drops the mark before it exits
 * or dies of a signal (closing its files at exit talks to 9p), through a
 * file opened beforehand.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MP_FAULTS_H
#define _MP_FAULTS_H

#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

/*
 * Opened before the mark: dropping it must not need an allocation, or a
 * failed open would leave the task marked as it exits.
 */
static int mp_fault_fd = -1;

static void mp_fault_unmark(void)
{
	if (pwrite(mp_fault_fd, "0", 1, 0) != 1)
		_exit(99);
}

static void mp_fault_sigterm(int sig)
{
	mp_fault_unmark();
	_exit(128 + sig);
}

/*
 * From here on this task's allocations fail; 0 or -1 (errno set). Every
 * signal that would end the task drops the mark first; SIGPIPE is ignored
 * (a send on a reset session fails with EPIPE instead).
 */
static inline int mp_fault_self(void)
{
	static const int fatal[] = { SIGTERM, SIGINT, SIGHUP, SIGALRM,
				     SIGABRT, SIGSEGV, SIGBUS, SIGFPE };
	unsigned int i;

	mp_fault_fd = open("/proc/self/make-it-fail", O_WRONLY);
	if (mp_fault_fd < 0 || mlockall(MCL_CURRENT) ||
	    atexit(mp_fault_unmark) || signal(SIGPIPE, SIG_IGN) == SIG_ERR)
		return -1;
	for (i = 0; i < sizeof(fatal) / sizeof(fatal[0]); i++)
		if (signal(fatal[i], mp_fault_sigterm) == SIG_ERR)
			return -1;
	return pwrite(mp_fault_fd, "1", 1, 0) == 1 ? 0 : -1;
}

#endif /* _MP_FAULTS_H */
