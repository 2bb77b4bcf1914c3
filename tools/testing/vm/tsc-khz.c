// SPDX-License-Identifier: GPL-2.0
/*
 * Prints the host's TSC rate in kHz, for the guest's tsc_early_khz=. Under
 * TCG a guest's TSC is the host's; a guest that calibrates it while the
 * host is busy (three guests on two cores) was seen off by a fifth, its
 * clock a fifth slow against the host's for the whole run. Prints nothing
 * on a host whose TSC does not run at a constant rate.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <x86intrin.h>

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC_RAW, &t);
	return t.tv_sec + t.tv_nsec / 1e9;
}

/*
 * One reading: the TSC and the time it was read at, the time read on both
 * sides of it; a reading taken across a preemption is taken again.
 */
static void sample(unsigned long long *tsc, double *at)
{
	double a, b;

	do {
		a = now();
		*tsc = __rdtsc();
		b = now();
	} while (b - a > 0.00002);
	*at = (a + b) / 2;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static int constant_tsc(void)
{
	char line[8192];
	FILE *f = fopen("/proc/cpuinfo", "r");
	int ok = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "flags", 5)) {
			ok = strstr(line, " constant_tsc") &&
			     strstr(line, " nonstop_tsc");
			break;
		}
	fclose(f);
	return ok;
}

int main(void)
{
	struct timespec pause = { 0, 100000000 };
	unsigned long long c0, c1;
	double t0, t1, khz[5];
	int i;

	if (!constant_tsc())
		return 0;
	for (i = 0; i < 5; i++) {
		sample(&c0, &t0);
		nanosleep(&pause, NULL);
		sample(&c1, &t1);
		khz[i] = (c1 - c0) / (t1 - t0) / 1000;
	}
	qsort(khz, 5, sizeof(khz[0]), cmp);
	printf("%.0f\n", khz[2]);
	return 0;
}
