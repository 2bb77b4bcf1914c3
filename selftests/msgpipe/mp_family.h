/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The address family number the loaded msgpipe module uses, shared by the
 * test programs.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MP_FAMILY_H
#define _MP_FAMILY_H

#include <stdio.h>
#include <linux/msgpipe.h>

static inline int msgpipe_family(void)
{
	FILE *f = fopen(MSGPIPE_FAMILY_PATH, "r");
	int fam = AF_MSGPIPE;

	if (f) {
		if (fscanf(f, "%d", &fam) != 1)
			fam = AF_MSGPIPE;
		fclose(f);
	}
	return fam;
}

#endif /* _MP_FAMILY_H */
