// SPDX-License-Identifier: GPL-2.0
/*
 * Bitwise CRC32C (Castagnoli, reflected 0x82f63b78) standing in for the
 * kernel's crc32c() in user-space builds; the tests check it against the
 * published check value.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include "kcompat.h"

u32 crc32c(u32 crc, const void *buf, unsigned int len)
{
	const u8 *p = buf;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82f63b78U & -(crc & 1));
	}
	return crc;
}
