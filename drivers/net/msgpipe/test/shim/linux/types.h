/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Kernel integer types for the user-space build of the netlink validator
 * (see ../README).
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_SHIM_TYPES_H
#define _MSGPIPE_SHIM_TYPES_H

#include <asm/types.h>
#include <linux/posix_types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef __u8 u8;
typedef __u16 u16;
typedef __u32 u32;
typedef __u64 u64;
typedef __s8 s8;
typedef __s16 s16;
typedef __s32 s32;
typedef __s64 s64;
typedef __u16 __be16;
typedef __u32 __be32;
typedef __u64 __be64;
typedef __u16 __le16;
typedef __u32 __le32;
typedef __u64 __le64;
typedef unsigned int gfp_t;

#endif /* _MSGPIPE_SHIM_TYPES_H */
