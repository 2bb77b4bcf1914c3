// SPDX-License-Identifier: GPL-2.0
/*
 * The ioctl interface of sessions, for backup tools: memory regions pinned
 * once, messages posted as chains of segments without blocking, file ranges
 * (one, or many as one message) sent from the kernel, completions reaped
 * by cookie, and the queue state.
 * The messages themselves go through tx.c like any other.
 *
 * Locking: ioc->lock (a mutex) protects the region table; ioc->cq_lock (a
 * spinlock: completions come from agent workers) protects the completion
 * list and its counts. msk->ioc is set once by the first ioctl (cmpxchg);
 * ioctls and release() never run at once (both hold the file).
 *
 * Lifetime: a region stays pinned from REG to DEREG or close(). A message
 * built from it pins its own pages chunk by chunk, as MSG_ZEROCOPY does,
 * so DEREG never waits for one. A posted message owns its completion
 * record from the moment it exists; its completion moves the record to
 * the list, REAP copies and frees it, and the socket's destructor frees
 * what was never reaped.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/compat.h>
#include <linux/file.h>
#include <linux/fs.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include <linux/uio.h>
#include <net/sock.h>
#include "msgpipe.h"
#include "stats.h"

/**
 * struct msgpipe_ioc_region - a registered memory region
 * @addr:     its first byte
 * @len:      its length
 * @nr_pages: pages pinned
 * @po:       whom the pins are charged to
 * @pages:    the pinned pages
 */
struct msgpipe_ioc_region {
	u64			addr;
	u64			len;
	unsigned int		nr_pages;
	struct msgpipe_pin_owner po;
	struct page		**pages;
};

/**
 * struct msgpipe_ioc_done - the completion record of a posted message
 * @node: in msgpipe_ioc.cq once the message completed
 * @ioc:  the socket's ioctl state (outlives every record)
 * @c:    what REAP returns
 */
struct msgpipe_ioc_done {
	struct list_head	node;
	struct msgpipe_ioc	*ioc;
	struct msgpipe_completion c;
};

/**
 * struct msgpipe_ioc - a session's ioctl state
 * @mn:        the session's namespace, whose counters count its records
 * @lock:      protects @regions
 * @regions:   id -> struct msgpipe_ioc_region
 * @cq_lock:   protects @cq, @completed and @posted
 * @cq:        completed records, oldest first
 * @completed: records on @cq
 * @posted:    records held by messages not completed yet
 */
struct msgpipe_ioc {
	struct msgpipe_net	*mn;
	struct mutex		lock;	/* see @lock */
	struct xarray		regions;
	spinlock_t		cq_lock;	/* see @cq_lock */
	struct list_head	cq;
	u32			completed;
	u32			posted;
};

static struct msgpipe_ioc *msgpipe_ioc_get(struct msgpipe_sock *msk)
{
	/* Pairs with the cmpxchg_release(): the fields are initialized. */
	struct msgpipe_ioc *ioc = smp_load_acquire(&msk->ioc);

	if (ioc)
		return ioc;
	ioc = kzalloc(sizeof(*ioc), GFP_KERNEL);
	if (!ioc)
		return NULL;
	ioc->mn = msk->mn;
	mutex_init(&ioc->lock);
	xa_init_flags(&ioc->regions, XA_FLAGS_ALLOC1);
	spin_lock_init(&ioc->cq_lock);
	INIT_LIST_HEAD(&ioc->cq);
	/* Publish the initialized state (release); another ioctl of the
	 * same socket may have been first.
	 */
	if (cmpxchg_release(&msk->ioc, NULL, ioc)) {
		mutex_destroy(&ioc->lock);
		kfree(ioc);
		/* The winner's store was a release too. */
		ioc = smp_load_acquire(&msk->ioc);
	}
	return ioc;
}

static void msgpipe_ioc_region_free(struct msgpipe_ioc *ioc,
				    struct msgpipe_ioc_region *r)
{
	msgpipe_unpin_region(ioc->mn, &r->po, r->pages, r->nr_pages);
	msgpipe_pin_owner_release(&r->po);
	kvfree(r->pages);
	kfree(r);
	msgpipe_stat_dec(ioc->mn, MSGPIPE_STAT_IOC_REGIONS);
}

static int msgpipe_ioc_reg(struct msgpipe_ioc *ioc, void __user *arg)
{
	struct msgpipe_ioc_region *r;
	struct msgpipe_region ur;
	u32 id;
	int err;

	if (copy_from_user(&ur, arg, sizeof(ur)))
		return -EFAULT;
	if (ur.flags || ur.id || !ur.len || ur.len > MSGPIPE_REGION_MAX ||
	    ur.addr + ur.len < ur.addr)
		return -EINVAL;
	if (!access_ok(u64_to_user_ptr(ur.addr), ur.len))
		return -EFAULT;
	r = kzalloc(sizeof(*r), GFP_KERNEL);
	if (!r)
		return -ENOMEM;
	r->addr = ur.addr;
	r->len = ur.len;
	r->nr_pages = DIV_ROUND_UP(offset_in_page(ur.addr) + ur.len, PAGE_SIZE);
	r->pages = kvmalloc_array(r->nr_pages, sizeof(*r->pages), GFP_KERNEL);
	if (!r->pages) {
		kfree(r);
		return -ENOMEM;
	}
	msgpipe_pin_owner_init(&r->po);
	err = msgpipe_pin_region(ioc->mn, &r->po, ur.addr, r->nr_pages, r->pages);
	if (err)
		goto err_free;
	msgpipe_stat_inc(ioc->mn, MSGPIPE_STAT_IOC_REGIONS);
	/* The id is reserved, not published, until user space has it: a
	 * DEREG or a send naming it meanwhile finds nothing, so a failed
	 * copy leaves this call the region's only owner.
	 */
	mutex_lock(&ioc->lock);
	err = xa_alloc(&ioc->regions, &id, NULL,
		       XA_LIMIT(1, MSGPIPE_REGIONS_MAX), GFP_KERNEL);
	mutex_unlock(&ioc->lock);
	if (err) {
		msgpipe_ioc_region_free(ioc, r);
		return err == -EBUSY ? -ENOSPC : err;
	}
	ur.id = id;
	if (copy_to_user(arg, &ur, sizeof(ur))) {
		mutex_lock(&ioc->lock);
		xa_release(&ioc->regions, id);
		mutex_unlock(&ioc->lock);
		msgpipe_ioc_region_free(ioc, r);
		return -EFAULT;
	}
	/* Storing in a reserved slot allocates nothing: it cannot fail. */
	mutex_lock(&ioc->lock);
	WARN_ON_ONCE(xa_is_err(xa_store(&ioc->regions, id, r, GFP_KERNEL)));
	mutex_unlock(&ioc->lock);
	return 0;

err_free:
	msgpipe_pin_owner_release(&r->po);
	kvfree(r->pages);
	kfree(r);
	return err;
}

static int msgpipe_ioc_dereg(struct msgpipe_ioc *ioc, u32 __user *arg)
{
	struct msgpipe_ioc_region *r;
	u32 id;

	if (get_user(id, arg))
		return -EFAULT;
	/* A reserved id (its REG still copying out) reads as NULL and
	 * stays reserved: erasing it would free the id for another REG.
	 */
	mutex_lock(&ioc->lock);
	r = id ? xa_load(&ioc->regions, id) : NULL;
	if (r)
		xa_erase(&ioc->regions, id);
	mutex_unlock(&ioc->lock);
	if (!r)
		return -ENOENT;
	msgpipe_ioc_region_free(ioc, r);
	return 0;
}

/* A completion record for a new message, or NULL when too many are out. */
static struct msgpipe_ioc_done *msgpipe_ioc_done_new(struct msgpipe_ioc *ioc,
						     u64 cookie, int *err)
{
	struct msgpipe_ioc_done *d;

	*err = -ENOMEM;
	d = kzalloc(sizeof(*d), GFP_KERNEL);
	if (!d)
		return NULL;
	spin_lock(&ioc->cq_lock);
	if (ioc->posted + ioc->completed >= MSGPIPE_IOC_CQ_MAX) {
		spin_unlock(&ioc->cq_lock);
		kfree(d);
		*err = -EAGAIN;
		return NULL;
	}
	ioc->posted++;
	spin_unlock(&ioc->cq_lock);
	d->ioc = ioc;
	d->c.cookie = cookie;
	msgpipe_stat_inc(ioc->mn, MSGPIPE_STAT_IOC_CQES);
	return d;
}

/**
 * msgpipe_ioc_done_free() - free a completion record never completed
 * @d: the record, or NULL
 */
void msgpipe_ioc_done_free(struct msgpipe_ioc_done *d)
{
	if (!d)
		return;
	spin_lock(&d->ioc->cq_lock);
	d->ioc->posted--;
	spin_unlock(&d->ioc->cq_lock);
	msgpipe_stat_dec(d->ioc->mn, MSGPIPE_STAT_IOC_CQES);
	kfree(d);
}

/**
 * msgpipe_ioc_complete() - a posted message completed
 * @msk: its session
 * @m:   the message; its record is taken
 */
void msgpipe_ioc_complete(struct msgpipe_sock *msk, struct msgpipe_txmsg *m)
{
	struct msgpipe_ioc_done *d = m->done;
	struct msgpipe_ioc *ioc = d->ioc;

	m->done = NULL;
	d->c.status = m->status;
	d->c.bytes = m->len;
	spin_lock(&ioc->cq_lock);
	list_add_tail(&d->node, &ioc->cq);
	ioc->posted--;
	ioc->completed++;
	spin_unlock(&ioc->cq_lock);
	msgpipe_stat_inc(msk->mn, MSGPIPE_STAT_TX_COMPLETIONS);
}

/* Turn the chain of @p into @iov; returns its entries or -errno. */
static int msgpipe_ioc_chain(struct msgpipe_ioc *ioc,
			     const struct msgpipe_post *p,
			     const struct msgpipe_seg *segs, struct iovec *iov,
			     u64 *total, bool *all_regions)
{
	DECLARE_BITMAP(seen, MSGPIPE_POST_SEGS_MAX) = {};
	u32 i = 0, n = 0;
	int err = 0;

	*total = 0;
	*all_regions = true;
	mutex_lock(&ioc->lock);
	for (;;) {
		const struct msgpipe_seg *s = &segs[i];
		u64 addr = s->addr;

		__set_bit(i, seen);
		if (!s->len || s->len > MSGPIPE_MAX_MSG) {
			err = s->len ? -EMSGSIZE : -EINVAL;
			break;
		}
		if (s->region) {
			struct msgpipe_ioc_region *r;

			r = xa_load(&ioc->regions, s->region);
			if (!r) {
				err = -ENOENT;
				break;
			}
			if (s->offset >= r->len || s->len > r->len - s->offset) {
				err = -EINVAL;
				break;
			}
			addr = r->addr + s->offset;
		} else {
			*all_regions = false;
			if (!access_ok(u64_to_user_ptr(addr), s->len)) {
				err = -EFAULT;
				break;
			}
		}
		iov[n].iov_base = u64_to_user_ptr(addr);
		iov[n].iov_len = s->len;
		n++;
		*total += s->len;
		if (*total > MSGPIPE_MAX_MSG) {
			err = -EMSGSIZE;
			break;
		}
		if (!s->link)
			break;
		if (s->link > p->nsegs || test_bit(s->link - 1, seen)) {
			err = -EINVAL;	/* off the array, or a loop */
			break;
		}
		i = s->link - 1;
	}
	mutex_unlock(&ioc->lock);
	if (!err && n != p->nsegs)
		err = -EINVAL;		/* a segment off the chain */
	return err ?: n;
}

static int msgpipe_ioc_post(struct socket *sock, struct msgpipe_ioc *ioc,
			    void __user *arg)
{
	struct msgpipe_send_src src = {};
	struct msgpipe_seg *segs;
	struct msghdr msg = {
		.msg_flags = MSG_ZEROCOPY | MSG_DONTWAIT | MSG_NOSIGNAL,
	};
	struct msgpipe_post p;
	struct iovec *iov;
	u64 total;
	int n, err;

	if (copy_from_user(&p, arg, sizeof(p)))
		return -EFAULT;
	if (p.flags || !p.nsegs || p.nsegs > MSGPIPE_POST_SEGS_MAX)
		return -EINVAL;
	segs = memdup_user(u64_to_user_ptr(p.segs), p.nsegs * sizeof(*segs));
	if (IS_ERR(segs))
		return PTR_ERR(segs);
	iov = kmalloc_array(p.nsegs, sizeof(*iov), GFP_KERNEL);
	err = -ENOMEM;
	if (!iov)
		goto out_segs;
	n = msgpipe_ioc_chain(ioc, &p, segs, iov, &total, &src.no_charge);
	err = n;
	if (n < 0)
		goto out_iov;
	err = -ENOTCONN;
	if (sock->state != SS_CONNECTED)
		goto out_iov;
	src.done = msgpipe_ioc_done_new(ioc, p.cookie, &err);
	if (!src.done)
		goto out_iov;
	iov_iter_init(&msg.msg_iter, WRITE, iov, n, total);
	err = msgpipe_session_send(msgpipe_sk(sock->sk), &msg, total, &src);
	if (err >= 0) {
		msgpipe_stat_inc(ioc->mn, MSGPIPE_STAT_IOC_POSTS);
		err = 0;
	}
	/* Still ours if the message never came to be. */
	msgpipe_ioc_done_free(src.done);
out_iov:
	kfree(iov);
out_segs:
	kfree(segs);
	return err;
}

/* Check a file range and take a reference on its file. */
static int msgpipe_ioc_part(const struct msgpipe_file_range *r,
			    struct msgpipe_file_part *fp)
{
	struct file *file;

	if (r->pad || !r->len || r->offset > LLONG_MAX ||
	    r->offset + r->len < r->offset)
		return -EINVAL;
	if (r->len > MSGPIPE_MAX_MSG)
		return -EMSGSIZE;
	file = fget(r->fd);
	if (!file)
		return -EBADF;
	if (!(file->f_mode & FMODE_READ)) {
		fput(file);
		return -EBADF;
	}
	if (!S_ISREG(file_inode(file)->i_mode) ||
	    r->offset + r->len > (u64)i_size_read(file_inode(file))) {
		fput(file);
		return -EINVAL;
	}
	fp->file = file;
	fp->pos = r->offset;
	fp->len = r->len;
	return 0;
}

/* Send file ranges as one message; @parts hold file references. */
static int msgpipe_ioc_send_parts(struct socket *sock, struct msgpipe_ioc *ioc,
				  struct msgpipe_file_part *parts,
				  unsigned int n, u32 flags, u64 cookie)
{
	struct msgpipe_send_src src = { .parts = parts, .nparts = n };
	struct msghdr msg = { .msg_flags = MSG_NOSIGNAL };
	unsigned int i;
	u64 total = 0;
	int err;

	for (i = 0; i < n; i++)
		total += parts[i].len;
	if (total > MSGPIPE_MAX_MSG)
		return -EMSGSIZE;
	if (sock->state != SS_CONNECTED)
		return -ENOTCONN;
	src.done = msgpipe_ioc_done_new(ioc, cookie, &err);
	if (!src.done)
		return err;
	if ((flags & MSGPIPE_SF_DONTWAIT) ||
	    (sock->file && (sock->file->f_flags & O_NONBLOCK)))
		msg.msg_flags |= MSG_DONTWAIT;
	iov_iter_kvec(&msg.msg_iter, WRITE, NULL, 0, 0);
	err = msgpipe_session_send(msgpipe_sk(sock->sk), &msg, total, &src);
	if (err >= 0) {
		msgpipe_stat_inc(ioc->mn, MSGPIPE_STAT_IOC_SENDFILES);
		msgpipe_stat_add(ioc->mn, MSGPIPE_STAT_SENDFILE_BYTES, total);
		err = 0;
	}
	msgpipe_ioc_done_free(src.done);
	return err;
}

static int msgpipe_ioc_sendfile(struct socket *sock, struct msgpipe_ioc *ioc,
				void __user *arg)
{
	struct msgpipe_file_range r = {};
	struct msgpipe_file_part fp;
	struct msgpipe_sendfile sf;
	int err;

	if (copy_from_user(&sf, arg, sizeof(sf)))
		return -EFAULT;
	if (sf.flags & ~MSGPIPE_SF_DONTWAIT)
		return -EINVAL;
	r.fd = sf.fd;
	r.offset = sf.offset;
	r.len = sf.len;
	err = msgpipe_ioc_part(&r, &fp);
	if (err)
		return err;
	err = msgpipe_ioc_send_parts(sock, ioc, &fp, 1, sf.flags, sf.cookie);
	fput(fp.file);
	return err;
}

static int msgpipe_ioc_sendfiles(struct socket *sock, struct msgpipe_ioc *ioc,
				 void __user *arg)
{
	struct msgpipe_file_range *ranges;
	struct msgpipe_file_part *parts;
	struct msgpipe_sendfiles sf;
	unsigned int i, n = 0;
	int err;

	if (copy_from_user(&sf, arg, sizeof(sf)))
		return -EFAULT;
	if (sf.flags & ~MSGPIPE_SF_DONTWAIT || !sf.nranges ||
	    sf.nranges > MSGPIPE_SENDFILES_MAX)
		return -EINVAL;
	ranges = memdup_user(u64_to_user_ptr(sf.ranges),
			     sf.nranges * sizeof(*ranges));
	if (IS_ERR(ranges))
		return PTR_ERR(ranges);
	parts = kcalloc(sf.nranges, sizeof(*parts), GFP_KERNEL);
	err = -ENOMEM;
	if (!parts)
		goto out_ranges;
	for (n = 0; n < sf.nranges; n++) {
		err = msgpipe_ioc_part(&ranges[n], &parts[n]);
		if (err)
			goto out_put;
	}
	err = msgpipe_ioc_send_parts(sock, ioc, parts, n, sf.flags, sf.cookie);
out_put:
	for (i = 0; i < n; i++)
		fput(parts[i].file);
	kfree(parts);
out_ranges:
	kfree(ranges);
	return err;
}

/* A completion waits, or none can come: nothing is posted. */
static bool msgpipe_ioc_reapable(struct msgpipe_sock *msk)
{
	return READ_ONCE(msk->ioc->completed) || !READ_ONCE(msk->ioc->posted);
}

static int msgpipe_ioc_reap(struct msgpipe_sock *msk, struct msgpipe_ioc *ioc,
			    void __user *arg)
{
	struct msgpipe_completion __user *out;
	struct msgpipe_ioc_done *d, *tmp;
	struct msgpipe_reap rp;
	LIST_HEAD(taken);
	u32 n = 0, i = 0;
	long timeo;
	int err;

	if (copy_from_user(&rp, arg, sizeof(rp)))
		return -EFAULT;
	if (rp.flags || rp.count || !rp.max || rp.max > MSGPIPE_IOC_CQ_MAX ||
	    rp.timeout_ms < -1)
		return -EINVAL;
	out = u64_to_user_ptr(rp.entries);
	if (!access_ok(out, (size_t)rp.max * sizeof(*out)))
		return -EFAULT;
	timeo = rp.timeout_ms < 0 ? MAX_SCHEDULE_TIMEOUT :
		msecs_to_jiffies(rp.timeout_ms);
	err = msgpipe_wait(&msk->sk, &timeo, TASK_INTERRUPTIBLE,
			   msgpipe_ioc_reapable);
	if (err && err != -EAGAIN)
		return err;

	spin_lock(&ioc->cq_lock);
	list_for_each_entry_safe(d, tmp, &ioc->cq, node) {
		if (n == rp.max)
			break;
		list_move_tail(&d->node, &taken);
		n++;
	}
	ioc->completed -= n;
	spin_unlock(&ioc->cq_lock);

	err = 0;
	list_for_each_entry(d, &taken, node) {
		if (copy_to_user(&out[i], &d->c, sizeof(d->c))) {
			err = -EFAULT;
			break;
		}
		i++;
	}
	rp.count = i;
	if (!err && put_user(rp.count, &((struct msgpipe_reap __user *)arg)->count))
		err = -EFAULT;
	/* A caller told EFAULT has consumed nothing: what it was not told
	 * about goes back to the front, in order.
	 */
	if (err)
		i = 0;
	list_for_each_entry_safe_reverse(d, tmp, &taken, node) {
		if (n == i)
			break;
		spin_lock(&ioc->cq_lock);
		list_move(&d->node, &ioc->cq);
		ioc->completed++;
		spin_unlock(&ioc->cq_lock);
		n--;
	}
	list_for_each_entry_safe(d, tmp, &taken, node) {
		list_del(&d->node);
		kfree(d);
		msgpipe_stat_dec(msk->mn, MSGPIPE_STAT_IOC_CQES);
	}
	return err;
}

static int msgpipe_ioc_state(struct msgpipe_sock *msk, struct msgpipe_ioc *ioc,
			     void __user *arg)
{
	struct msgpipe_state st = {};
	u64 stream = READ_ONCE(msk->tx_stream);
	u64 right = READ_ONCE(msk->tx_right);
	u64 limit = READ_ONCE(msk->tx_msg_limit);
	u64 seq = READ_ONCE(msk->tx_seq);
	unsigned long id;
	void *r;

	st.state = READ_ONCE(msk->state);
	mutex_lock(&ioc->lock);
	xa_for_each(&ioc->regions, id, r)
		st.regions++;
	mutex_unlock(&ioc->lock);
	st.unacked_bytes = stream - READ_ONCE(msk->tx_acked);
	st.window_bytes = right > stream ? right - stream : 0;
	st.window_msgs = limit > seq ? limit - seq : 0;
	st.sndbuf = READ_ONCE(msk->sk.sk_sndbuf);
	spin_lock(&ioc->cq_lock);
	st.posted = ioc->posted;
	st.completed = ioc->completed;
	spin_unlock(&ioc->cq_lock);
	st.rx_unread = READ_ONCE(msk->rx_unread);
	return copy_to_user(arg, &st, sizeof(st)) ? -EFAULT : 0;
}

/**
 * msgpipe_ioc_ioctl() - the ioctls of a SOCK_SEQPACKET socket
 * @sock: the socket
 * @cmd:  MSGPIPE_IOC_*
 * @arg:  its user argument
 *
 * Return: 0, -errno, or -ENOIOCTLCMD for a command that is not ours.
 */
int msgpipe_ioc_ioctl(struct socket *sock, unsigned int cmd,
		      unsigned long arg)
{
	struct msgpipe_sock *msk = msgpipe_sk(sock->sk);
	void __user *p = (void __user *)arg;
	struct msgpipe_ioc *ioc;

	switch (cmd) {
	case MSGPIPE_IOC_REG:
	case MSGPIPE_IOC_DEREG:
	case MSGPIPE_IOC_POST:
	case MSGPIPE_IOC_SENDFILE:
	case MSGPIPE_IOC_SENDFILES:
	case MSGPIPE_IOC_REAP:
	case MSGPIPE_IOC_STATE:
		break;
	default:
		return -ENOIOCTLCMD;
	}
	if (msk->state == MSGPIPE_SS_LISTEN)
		return -EINVAL;
	ioc = msgpipe_ioc_get(msk);
	if (!ioc)
		return -ENOMEM;
	switch (cmd) {
	case MSGPIPE_IOC_REG:
		return msgpipe_ioc_reg(ioc, p);
	case MSGPIPE_IOC_DEREG:
		return msgpipe_ioc_dereg(ioc, p);
	case MSGPIPE_IOC_POST:
		return msgpipe_ioc_post(sock, ioc, p);
	case MSGPIPE_IOC_SENDFILE:
		return msgpipe_ioc_sendfile(sock, ioc, p);
	case MSGPIPE_IOC_SENDFILES:
		return msgpipe_ioc_sendfiles(sock, ioc, p);
	case MSGPIPE_IOC_REAP:
		return msgpipe_ioc_reap(msk, ioc, p);
	default:
		return msgpipe_ioc_state(msk, ioc, p);
	}
}

#ifdef CONFIG_COMPAT
/* The arguments' layout is the same for a 32-bit caller: user addresses
 * in __u64, each __u64 at an offset that is a multiple of 8, each size a
 * multiple of 8 (i386 aligns __u64 to 4 only; these leave it no choice).
 */
static_assert(sizeof(struct msgpipe_region) == 24);
static_assert(sizeof(struct msgpipe_seg) == 24);
static_assert(sizeof(struct msgpipe_post) == 24);
static_assert(sizeof(struct msgpipe_sendfile) == 32);
static_assert(sizeof(struct msgpipe_file_range) == 24);
static_assert(sizeof(struct msgpipe_sendfiles) == 24);
static_assert(sizeof(struct msgpipe_completion) == 24);
static_assert(sizeof(struct msgpipe_reap) == 24);
static_assert(sizeof(struct msgpipe_state) == 56);

/**
 * msgpipe_ioc_compat_ioctl() - the same ioctls from a 32-bit process
 * @sock: the socket
 * @cmd:  MSGPIPE_IOC_*
 * @arg:  its user argument, a 32-bit pointer
 *
 * Return: as msgpipe_ioc_ioctl().
 */
int msgpipe_ioc_compat_ioctl(struct socket *sock, unsigned int cmd,
			     unsigned long arg)
{
	return msgpipe_ioc_ioctl(sock, cmd, (unsigned long)compat_ptr(arg));
}
#endif

/**
 * msgpipe_ioc_release() - close(): unpin every region
 * @msk: the socket
 */
void msgpipe_ioc_release(struct msgpipe_sock *msk)
{
	struct msgpipe_ioc *ioc = msk->ioc;
	struct msgpipe_ioc_region *r;
	unsigned long id;

	if (!ioc)
		return;
	mutex_lock(&ioc->lock);
	xa_for_each(&ioc->regions, id, r) {
		xa_erase(&ioc->regions, id);
		msgpipe_ioc_region_free(ioc, r);
	}
	mutex_unlock(&ioc->lock);
}

/**
 * msgpipe_ioc_destruct() - free what no message holds any more
 * @msk: the socket, whose messages are all gone
 */
void msgpipe_ioc_destruct(struct msgpipe_sock *msk)
{
	struct msgpipe_ioc *ioc = msk->ioc;
	struct msgpipe_ioc_done *d, *tmp;

	if (!ioc)
		return;
	/* release() unpinned the regions; only a socket has an ioc. */
	WARN_ON_ONCE(!xa_empty(&ioc->regions));
	WARN_ON_ONCE(ioc->posted);
	list_for_each_entry_safe(d, tmp, &ioc->cq, node) {
		kfree(d);
		msgpipe_stat_dec(msk->mn, MSGPIPE_STAT_IOC_CQES);
	}
	xa_destroy(&ioc->regions);
	mutex_destroy(&ioc->lock);
	kfree(ioc);
	msk->ioc = NULL;
}
