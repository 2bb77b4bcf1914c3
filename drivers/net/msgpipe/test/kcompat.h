/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Just enough of the kernel for wire.c and chain.c to build in user space,
 * for the unit tests and fuzzers.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_TEST_KCOMPAT_H
#define _MSGPIPE_TEST_KCOMPAT_H

#include <endian.h>
#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <linux/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;

#define PAGE_SHIFT	12
#define PAGE_SIZE	4096UL
#define EXPORT_SYMBOL_GPL(x)
#define cpu_to_be16(x)	htobe16(x)
#define BIT_ULL(n)	(1ULL << (n))
#define cpu_to_be32(x)	htobe32(x)
#define cpu_to_be64(x)	htobe64(x)
#define be16_to_cpu(x)	be16toh(x)
#define be32_to_cpu(x)	be32toh(x)
#define be64_to_cpu(x)	be64toh(x)

u32 crc32c(u32 crc, const void *buf, unsigned int len);

#endif /* _MSGPIPE_TEST_KCOMPAT_H */
