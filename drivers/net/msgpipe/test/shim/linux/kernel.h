/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The kernel helpers lib/nlattr.c and include/net/netlink.h use, in user
 * space (see ../README). A WARN or BUG aborts: the fuzzer reports it.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_SHIM_KERNEL_H
#define _MSGPIPE_SHIM_KERNEL_H

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <linux/types.h>

struct module;
struct notifier_block;
struct file;
struct user_namespace;

#define U8_MAX		((u8)~0U)
#define U16_MAX		((u16)~0U)
#define U32_MAX		((u32)~0U)
#define U64_MAX		((u64)~0ULL)
#define S8_MAX		((s8)(U8_MAX >> 1))
#define S8_MIN		((s8)(-S8_MAX - 1))
#define S16_MAX		((s16)(U16_MAX >> 1))
#define S16_MIN		((s16)(-S16_MAX - 1))
#define S32_MAX		((s32)(U32_MAX >> 1))
#define S32_MIN		((s32)(-S32_MAX - 1))
#define S64_MAX		((s64)(U64_MAX >> 1))
#define S64_MIN		((s64)(-S64_MAX - 1))

#define BIT(n)			(1UL << (n))
#define ARRAY_SIZE(a)		(sizeof(a) / sizeof((a)[0]))
#define IS_ALIGNED(x, a)	(((x) & ((typeof(x))(a) - 1)) == 0)
#define BUILD_BUG_ON_ZERO(e)	((int)sizeof(struct { int: (-!!(e)); }))
#define likely(x)		__builtin_expect(!!(x), 1)
#define unlikely(x)		__builtin_expect(!!(x), 0)
#define fallthrough		__attribute__((__fallthrough__))
#define __must_check		__attribute__((__warn_unused_result__))
#define min(a, b)		((a) < (b) ? (a) : (b))
#define min_t(t, a, b)		((t)(a) < (t)(b) ? (t)(a) : (t)(b))
#define max_t(t, a, b)		((t)(a) > (t)(b) ? (t)(a) : (t)(b))

#define THIS_MODULE		((struct module *)0)
#define EXPORT_SYMBOL(x)
#define EXPORT_SYMBOL_GPL(x)
#define BUG_ON(c)		do { if (c) abort(); } while (0)
#define WARN_ON(c)		({ int __c = !!(c); if (__c) abort(); __c; })
#define WARN_ON_ONCE(c)		WARN_ON(c)
#define pr_warn_ratelimited(...) do { } while (0)

#define kmalloc(n, gfp)		malloc(n)
#define kmemdup(p, n, gfp)	memcpy(malloc(n), p, n)
#define is_vmalloc_addr(p)	false

unsigned int jiffies_to_msecs(unsigned long j);
unsigned long msecs_to_jiffies(unsigned int m);

#endif /* _MSGPIPE_SHIM_KERNEL_H */
