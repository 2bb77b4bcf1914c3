// SPDX-License-Identifier: GPL-2.0
/*
 * Pinning user pages for zero-copy sends: in the sender's syscall
 * (pin_user_pages_fast) and again, for a retransmission, from an agent
 * worker in the owner's address space (pin_user_pages_remote). Pins are
 * charged to the owner's RLIMIT_MEMLOCK through user->locked_vm, as
 * MSG_ZEROCOPY and io_uring do (CAP_IPC_LOCK bypasses it), and to the
 * namespace's cap on pinned pages.
 *
 * Lifetime: a struct msgpipe_pin holds references on the user it charged
 * and the mm it pins from (mmgrab: the mm_struct, not the address space),
 * taken in the syscall and dropped when the message is finished.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/mm.h>
#include <linux/sched/user.h>
#include <linux/highmem.h>
#include "msgpipe.h"
#include "stats.h"

/* Pinned memory a namespace may hold for zero-copy sends, in KiB. */
unsigned int msgpipe_pin_cap_kb = 65536;
module_param_named(pin_cap_kb, msgpipe_pin_cap_kb, uint, 0644);
MODULE_PARM_DESC(pin_cap_kb, "cap on pinned zero-copy memory per netns, KiB");

/**
 * msgpipe_pin_owner_init() - remember whom a zero-copy message charges
 * @po: the owner record of the message
 *
 * Called in the sender's syscall.
 */
void msgpipe_pin_owner_init(struct msgpipe_pin_owner *po)
{
	mmgrab(current->mm);
	po->mm = current->mm;
	po->user = capable(CAP_IPC_LOCK) ? NULL : get_uid(current_user());
	po->limit = rlimit(RLIMIT_MEMLOCK) >> PAGE_SHIFT;
}

/**
 * msgpipe_pin_owner_release() - drop what msgpipe_pin_owner_init() took
 * @po: the owner record
 */
void msgpipe_pin_owner_release(struct msgpipe_pin_owner *po)
{
	if (po->user)
		free_uid(po->user);
	if (po->mm)
		mmdrop(po->mm);
	po->user = NULL;
	po->mm = NULL;
}

static int msgpipe_pin_charge(struct msgpipe_net *mn,
			      struct msgpipe_pin_owner *po, unsigned int n)
{
	unsigned long cap = READ_ONCE(msgpipe_pin_cap_kb) >> (PAGE_SHIFT - 10);

	if (po->user &&
	    atomic_long_add_return(n, &po->user->locked_vm) > po->limit) {
		atomic_long_sub(n, &po->user->locked_vm);
		return -ENOBUFS;
	}
	/* Over the cap only when nothing else is pinned: a message always
	 * makes progress.
	 */
	if (atomic_long_add_return(n, &mn->pinned) > cap &&
	    atomic_long_read(&mn->pinned) != n) {
		atomic_long_sub(n, &mn->pinned);
		if (po->user)
			atomic_long_sub(n, &po->user->locked_vm);
		return -EAGAIN;
	}
	msgpipe_stat_add(mn, MSGPIPE_STAT_PINNED_PAGES, n);
	return 0;
}

/**
 * msgpipe_pin_memlock_room() - could @po pin @n more pages now
 * @po: the owner
 * @n:  pages
 *
 * Return: true if its RLIMIT_MEMLOCK leaves room (or it is not charged).
 */
bool msgpipe_pin_memlock_room(const struct msgpipe_pin_owner *po,
			      unsigned int n)
{
	return !po->user ||
	       atomic_long_read(&po->user->locked_vm) + n <= po->limit;
}

/**
 * msgpipe_pin_room() - could @n more pages be pinned in @mn now
 * @mn: the namespace
 * @n:  pages
 *
 * Return: true if the namespace cap leaves room (or nothing is pinned).
 */
bool msgpipe_pin_room(struct msgpipe_net *mn, unsigned int n)
{
	unsigned long cap = READ_ONCE(msgpipe_pin_cap_kb) >> (PAGE_SHIFT - 10);
	long pinned = atomic_long_read(&mn->pinned);

	return !pinned || pinned + n <= cap;
}

/**
 * msgpipe_pin_range() - pin the pages under [@addr, @addr + @len)
 * @mn:     the namespace charged
 * @po:     the owner charged, and whose address space is pinned from
 * @addr:   user address
 * @len:    bytes, at least 1
 * @pages:  room for msgpipe_desc_span(offset_in_page(@addr), @len) pages
 * @remote: not in the owner's syscall: pin through @po->mm
 *
 * Pins read-only with FOLL_LONGTERM: the pages may stay pinned while the
 * peer's window is shut. The caller releases with msgpipe_unpin().
 *
 * Return: 0; -EFAULT if the range is not mapped (or the mm is gone);
 * -ENOBUFS over RLIMIT_MEMLOCK; -EAGAIN over the namespace cap.
 */
int msgpipe_pin_range(struct msgpipe_net *mn, struct msgpipe_pin_owner *po,
		      u64 addr, u32 len, struct page **pages, bool remote)
{
	unsigned int n = msgpipe_desc_span(offset_in_page(addr), len);
	unsigned long start = addr & PAGE_MASK;
	long got;
	int err;

	err = msgpipe_pin_charge(mn, po, n);
	if (err)
		return err;
	if (!remote) {
		got = pin_user_pages_fast(start, n, FOLL_LONGTERM, pages);
	} else if (!mmget_not_zero(po->mm)) {
		got = -EFAULT;
	} else {
		mmap_read_lock(po->mm);
		got = msgpipe_pin_user_pages_remote(po->mm, start, n, pages);
		mmap_read_unlock(po->mm);
		mmput(po->mm);
	}
	if (got != n) {
		if (got > 0)
			unpin_user_pages(pages, got);
		msgpipe_unpin(mn, po, NULL, n);
		return -EFAULT;
	}
	return 0;
}

/**
 * msgpipe_pin_region() - pin a registered region until it is deregistered
 * @mn:    the namespace whose counters count the pages
 * @po:    the owner charged (RLIMIT_MEMLOCK), in whose syscall this runs
 * @addr:  user address of the region's first byte
 * @n:     pages it spans
 * @pages: room for @n pages
 *
 * Not charged to the namespace's cap, which bounds what is in flight:
 * messages sent from the region pin their chunks again as they go.
 *
 * Return: 0; -ENOBUFS over RLIMIT_MEMLOCK; -EFAULT if not all mapped.
 */
int msgpipe_pin_region(struct msgpipe_net *mn, struct msgpipe_pin_owner *po,
		       u64 addr, unsigned int n, struct page **pages)
{
	unsigned long start = addr & PAGE_MASK;
	unsigned int done = 0;
	long got;

	if (po->user &&
	    atomic_long_add_return(n, &po->user->locked_vm) > po->limit) {
		atomic_long_sub(n, &po->user->locked_vm);
		return -ENOBUFS;
	}
	while (done < n) {
		got = pin_user_pages_fast(start + (unsigned long)done * PAGE_SIZE,
					  n - done, FOLL_LONGTERM, pages + done);
		if (got <= 0)
			break;
		done += got;
	}
	if (done != n) {
		unpin_user_pages(pages, done);
		if (po->user)
			atomic_long_sub(n, &po->user->locked_vm);
		return -EFAULT;
	}
	msgpipe_stat_add(mn, MSGPIPE_STAT_PINNED_PAGES, n);
	return 0;
}

/**
 * msgpipe_unpin_region() - undo msgpipe_pin_region()
 * @mn:    the namespace given to msgpipe_pin_region()
 * @po:    the owner charged
 * @pages: the pages
 * @n:     how many
 */
void msgpipe_unpin_region(struct msgpipe_net *mn, struct msgpipe_pin_owner *po,
			  struct page **pages, unsigned int n)
{
	unpin_user_pages(pages, n);
	if (po->user)
		atomic_long_sub(n, &po->user->locked_vm);
	msgpipe_stat_add(mn, MSGPIPE_STAT_PINNED_PAGES, -(s64)n);
}

/**
 * msgpipe_unpin() - release pinned pages and their charges
 * @mn:    the namespace charged
 * @po:    the owner charged
 * @pages: the pages, or NULL to return only the charges
 * @n:     how many
 */
void msgpipe_unpin(struct msgpipe_net *mn, struct msgpipe_pin_owner *po,
		   struct page **pages, unsigned int n)
{
	if (pages)
		unpin_user_pages(pages, n);
	if (po->user)
		atomic_long_sub(n, &po->user->locked_vm);
	atomic_long_sub(n, &mn->pinned);
	msgpipe_stat_add(mn, MSGPIPE_STAT_PINNED_PAGES, -(s64)n);
	if (wq_has_sleeper(&mn->pin_wq))
		wake_up_all(&mn->pin_wq);
}

/**
 * msgpipe_pages_crc() - CRC32C of bytes in a page array
 * @crc:   the running value
 * @pages: the pages
 * @off:   offset of the first byte in @pages[0]
 * @len:   bytes
 *
 * Return: the updated CRC.
 */
u32 msgpipe_pages_crc(u32 crc, struct page **pages, u32 off, u32 len)
{
	while (len) {
		u32 n = min_t(u32, len, PAGE_SIZE - off);
		void *p = kmap_local_page(*pages);

		crc = msgpipe_wire_crc(crc, p + off, n);
		kunmap_local(p);
		len -= n;
		off = 0;
		pages++;
	}
	return crc;
}
