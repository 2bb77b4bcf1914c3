/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The one place for kernel-version differences. 6.1 is the floor; newer
 * kernels must keep building. Test features by version or by a helper's
 * own macro, never by MSG_SPLICE_PAGES (Debian's 6.1 defines it, and TCP
 * ignores it there).
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_COMPAT_H
#define _MSGPIPE_COMPAT_H

#include <linux/bvec.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/version.h>

/* bvec_set_virt() arrived in 6.3; Debian's 6.1 has only bvec_set_page(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void bvec_set_virt(struct bio_vec *bv, void *vaddr,
				 unsigned int len)
{
	bvec_set_page(bv, virt_to_page(vaddr), len, offset_in_page(vaddr));
}
#endif

#endif /* _MSGPIPE_COMPAT_H */
