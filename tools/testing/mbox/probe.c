// SPDX-License-Identifier: GPL-2.0
/*
 * DPDK's EAL probes every lcore and NUMA node it was built for (1024 and 4
 * in Debian's build) with access() on sysfs: 5 000 lookups of files that
 * cannot exist, 37 s at start on the debug kernel under TCG. mp_mbox links
 * the EAL statically with --wrap=access: a probe of a CPU or node beyond
 * what the kernel says is possible is answered ENOENT here; every other
 * path goes to the kernel.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <unistd.h>
#include "mbox.h"

/* One past the highest id in a sysfs range list ("0-3,8"), 0 if unknown. */
static unsigned int probe_possible(const char *file)
{
	unsigned int lo, hi, max = 0;
	FILE *f = fopen(file, "r");
	int c;

	if (!f)
		return 0;
	for (;;) {
		if (fscanf(f, "%u", &lo) != 1)
			break;
		hi = lo;
		c = fgetc(f);
		if (c == '-') {
			if (fscanf(f, "%u", &hi) != 1)
				break;
			c = fgetc(f);
		}
		if (hi + 1 > max)
			max = hi + 1;
		if (c != ',')
			break;
	}
	fclose(f);
	return max;
}

static bool probe_absent(const char *path)
{
	static unsigned int cpus, nodes;
	static bool probed, no_numa;
	unsigned int a, b;
	int n = -1;

	if (!probed) {
		cpus = probe_possible("/sys/devices/system/cpu/possible");
		nodes = probe_possible("/sys/devices/system/node/possible");
		/* A kernel without NUMA has no node directory at all. */
		no_numa = __real_access("/sys/devices/system/node", F_OK) &&
			  errno == ENOENT;
		probed = true;
	}
	if (sscanf(path, "/sys/devices/system/cpu/cpu%u/topology/core_id%n",
		   &a, &n) == 1 && n > 0 && !path[n])
		return cpus && a >= cpus;
	n = -1;
	if (sscanf(path, "/sys/devices/system/node/node%u/cpu%u%n",
		   &a, &b, &n) == 2 && n > 0 && !path[n])
		return no_numa || (cpus && nodes && (a >= nodes || b >= cpus));
	return false;
}

int __wrap_access(const char *path, int mode)
{
	if (path && probe_absent(path)) {
		errno = ENOENT;
		return -1;
	}
	return __real_access(path, mode);
}
