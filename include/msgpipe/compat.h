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
#include <linux/file.h>
#include <linux/list.h>
#include <linux/mm.h>
#include <linux/net.h>
#include <linux/sched.h>
#include <linux/skbuff.h>
#include <linux/uio.h>
#include <linux/version.h>

/* __fput_sync() may be called by any task since 6.6; before, by kernel
 * threads only (a task's own fput() then runs before it returns to user
 * space, which is as good for it).
 */
static inline void msgpipe_fput_now(struct file *file)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 6, 0)
	if (!(current->flags & PF_KTHREAD)) {
		fput(file);
		return;
	}
#endif
	__fput_sync(file);
}

/* bvec_set_virt() arrived in 6.3; Debian's 6.1 has only bvec_set_page(). */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 3, 0)
static inline void bvec_set_virt(struct bio_vec *bv, void *vaddr,
				 unsigned int len)
{
	bvec_set_page(bv, virt_to_page(vaddr), len, offset_in_page(vaddr));
}
#endif

/* pin_user_pages_remote() lost its vmas argument in 6.5. Caller holds
 * mmap_read_lock(mm); FOLL_LONGTERM needs locked == NULL on 6.1.
 */
static inline long msgpipe_pin_user_pages_remote(struct mm_struct *mm,
						 unsigned long start,
						 unsigned long n,
						 struct page **pages)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
	return pin_user_pages_remote(mm, start, n, FOLL_LONGTERM, pages,
				     NULL, NULL);
#else
	return pin_user_pages_remote(mm, start, n, FOLL_LONGTERM, pages, NULL);
#endif
}

/*
 * A caller-owned struct ubuf_info passed to TCP with msg_ubuf and
 * MSG_ZEROCOPY: 6.1 has a bare callback, 6.10 an ops structure. The
 * completion is called with the skb being freed (NULL for the submitter's
 * own reference) and whether the pages went out without a copy.
 */
typedef void (*msgpipe_ubuf_complete_t)(struct sk_buff *skb,
					struct ubuf_info *uarg, bool success);

#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
#define MSGPIPE_DEFINE_UBUF_OPS(name, fn)	\
	static const msgpipe_ubuf_complete_t name = fn
static inline void msgpipe_ubuf_init(struct ubuf_info *uarg,
				     const msgpipe_ubuf_complete_t *ops)
{
	uarg->callback = *ops;
	refcount_set(&uarg->refcnt, 1);
	uarg->flags = SKBFL_ZEROCOPY_FRAG | SKBFL_DONT_ORPHAN;
}
#else
#define MSGPIPE_DEFINE_UBUF_OPS(name, fn)	\
	static const struct ubuf_info_ops name = { .complete = fn }
static inline void msgpipe_ubuf_init(struct ubuf_info *uarg,
				     const struct ubuf_info_ops *ops)
{
	uarg->ops = ops;
	refcount_set(&uarg->refcnt, 1);
	uarg->flags = SKBFL_ZEROCOPY_FRAG | SKBFL_DONT_ORPHAN;
}
#endif

/* The next user segment of a user-backed iterator (ITER_IOVEC or
 * ITER_UBUF); 6.4 replaced iov_iter_iovec() with iter_iov_addr/len().
 */
static inline struct iovec msgpipe_iter_seg(const struct iov_iter *it)
{
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 4, 0)
	if (iter_is_ubuf(it))
		return (struct iovec) {
			.iov_base = it->ubuf + it->iov_offset,
			.iov_len = it->count,
		};
	return iov_iter_iovec(it);
#else
	return (struct iovec) {
		.iov_base = iter_iov_addr(it),
		.iov_len = iter_iov_len(it),
	};
#endif
}

/*
 * MSG_SPLICE_PAGES makes TCP take page references instead of copying from
 * 6.5 on. Debian's 6.1 defines the flag but TCP ignores it, so the test is
 * the version, never #ifdef MSG_SPLICE_PAGES.
 */
#if LINUX_VERSION_CODE >= KERNEL_VERSION(6, 5, 0)
#define MSGPIPE_HAVE_SPLICE	1
#define MSGPIPE_SPLICE_FLAG	MSG_SPLICE_PAGES
#else
#define MSGPIPE_HAVE_SPLICE	0
#define MSGPIPE_SPLICE_FLAG	0
#endif

/* proto_ops.accept() takes a struct proto_accept_arg since 6.10. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 10, 0)
#define MSGPIPE_ACCEPT_PARAMS	int flags, bool kern
#define MSGPIPE_ACCEPT_FLAGS	flags
#else
#define MSGPIPE_ACCEPT_PARAMS	struct proto_accept_arg *arg
#define MSGPIPE_ACCEPT_FLAGS	(arg->flags)
#endif

/*
 * proto_ops.sendpage is gone in 6.5 (MSG_SPLICE_PAGES replaced it, and
 * sendmsg() refuses that flag). Where it exists, sendfile() and splice()
 * into a msgpipe socket are refused the same way: sock_no_sendpage() would
 * send each page of the file as a message of its own.
 */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 5, 0)
static inline ssize_t msgpipe_sendpage_refused(struct socket *sock,
					       struct page *page, int offset,
					       size_t size, int flags)
{
	return -EOPNOTSUPP;
}

#define MSGPIPE_NO_SENDPAGE	.sendpage = msgpipe_sendpage_refused,
#else
#define MSGPIPE_NO_SENDPAGE
#endif

/* 6.2 put a struct genl_info into struct genl_dumpit_info. */
#if LINUX_VERSION_CODE < KERNEL_VERSION(6, 2, 0)
#define msgpipe_dump_attrs(cb)	(genl_dumpit_info(cb)->attrs)
#else
#define msgpipe_dump_attrs(cb)	(genl_dumpit_info(cb)->info.attrs)
#endif

#endif /* _MSGPIPE_COMPAT_H */
