// SPDX-License-Identifier: GPL-2.0
/*
 * SOCK_RDM: the pages a sending socket writes, kept for reuse so a steady
 * sender takes no fresh (zeroed) memory per item. Stage pages hold items'
 * bytes until the split copies them into batches: items of up to a page
 * are carved in order from the current one. Batch pages hold the BATCH
 * payloads until they are acknowledged.
 *
 * Locking: rdm->lock guards the current stage page, the spares and every
 * stage page's count of users; it nests inside rdm->mutex.
 *
 * Lifetime: a stage page is used by each item whose bytes it holds, and
 * by its socket while it is the one being carved; with no user left it
 * becomes a spare. A batch page becomes a spare when its batch ends, if
 * nothing else (a frame still in flight) holds a reference to it. Past
 * the socket's share of spares (its send buffer's or size trigger's
 * worth, bounded) pages are freed. The spares and the current page go with the socket's RDM
 * state, once every item and batch is gone.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/gfp.h>
#include <linux/mm.h>
#include <linux/slab.h>
#include "msgpipe.h"
#include "rdm.h"
#include "stats.h"

/* Spare pages a socket keeps at most, of each kind: its send buffer's
 * or its size trigger's worth (what it holds when busy), bounded.
 */
#define MSGPIPE_RDM_SPARES_MIN	8U
#define MSGPIPE_RDM_SPARES_MAX	8192U

/**
 * struct msgpipe_rdm_stage - a page that holds items' bytes
 * @node:  in @rdm->spares while unused
 * @page:  the page
 * @used:  bytes carved from it
 * @users: its items, plus one while it is the socket's current page
 */
struct msgpipe_rdm_stage {
	struct list_head	node;
	struct page		*page;
	u32			used;
	u32			users;
};

static struct msgpipe_rdm_stage *msgpipe_rdm_stage_alloc(struct msgpipe_net *mn)
{
	struct msgpipe_rdm_stage *s;

	s = kmalloc(sizeof(*s), GFP_KERNEL);
	if (!s)
		return NULL;
	s->page = alloc_page(GFP_KERNEL);
	if (!s->page) {
		kfree(s);
		return NULL;
	}
	msgpipe_stat_inc(mn, MSGPIPE_STAT_RDM_STAGE_PAGES);
	msgpipe_stat_inc(mn, MSGPIPE_STAT_RDM_STAGE_ALLOCS);
	return s;
}

static void msgpipe_rdm_stage_free(struct msgpipe_net *mn,
				   struct msgpipe_rdm_stage *s)
{
	if (!s)
		return;
	__free_page(s->page);
	kfree(s);
	msgpipe_stat_dec(mn, MSGPIPE_STAT_RDM_STAGE_PAGES);
}

static u32 msgpipe_rdm_spares_max(const struct msgpipe_rdm *rdm)
{
	u32 max = max_t(u32, READ_ONCE(rdm->msk->sk.sk_sndbuf),
			READ_ONCE(rdm->tun.size)) / PAGE_SIZE;

	return clamp(max, MSGPIPE_RDM_SPARES_MIN, MSGPIPE_RDM_SPARES_MAX);
}

/* One user less. Under rdm->lock; returns the page to free, if any. */
static struct msgpipe_rdm_stage *
msgpipe_rdm_stage_unuse(struct msgpipe_rdm *rdm, struct msgpipe_rdm_stage *s)
{
	if (--s->users)
		return NULL;
	if (rdm->nr_spares >= msgpipe_rdm_spares_max(rdm))
		return s;
	/* Last in, first out: the next item lands in a cache-warm page. */
	list_add(&s->node, &rdm->spares);
	rdm->nr_spares++;
	return NULL;
}

/**
 * msgpipe_rdm_stage_get() - room for an item's bytes
 * @rdm: the sending socket's RDM state
 * @len: the item's length, at most PAGE_SIZE
 * @sp:  set to the page that holds them, for msgpipe_rdm_stage_put()
 *
 * Return: where to copy the bytes, or NULL out of memory.
 */
void *msgpipe_rdm_stage_get(struct msgpipe_rdm *rdm, u32 len,
			    struct msgpipe_rdm_stage **sp)
{
	struct msgpipe_rdm_stage *s, *fresh = NULL, *old = NULL;
	u32 need = ALIGN(len, sizeof(u64));
	void *p;

	if (WARN_ON_ONCE(!len || len > PAGE_SIZE))
		return NULL;
retry:
	spin_lock(&rdm->lock);
	s = rdm->stage;
	if (!s || PAGE_SIZE - s->used < need) {
		s = list_first_entry_or_null(&rdm->spares,
					     struct msgpipe_rdm_stage, node);
		if (s) {
			list_del(&s->node);
			rdm->nr_spares--;
			msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_STAGE_REUSES);
		} else if (fresh) {
			s = fresh;
			fresh = NULL;
		} else {
			/* Allocated unlocked; another sender may get there
			 * first, then this one goes back.
			 */
			spin_unlock(&rdm->lock);
			fresh = msgpipe_rdm_stage_alloc(rdm->mn);
			if (!fresh)
				return NULL;
			goto retry;
		}
		s->used = 0;
		s->users = 1;
		if (rdm->stage)
			old = msgpipe_rdm_stage_unuse(rdm, rdm->stage);
		rdm->stage = s;
	}
	s->users++;
	p = page_address(s->page) + s->used;
	s->used += need;
	spin_unlock(&rdm->lock);
	msgpipe_rdm_stage_free(rdm->mn, old);
	msgpipe_rdm_stage_free(rdm->mn, fresh);
	*sp = s;
	return p;
}

/**
 * msgpipe_rdm_stage_put() - an item's bytes are no longer needed
 * @rdm: the sending socket's RDM state
 * @s:   the page that held them
 */
void msgpipe_rdm_stage_put(struct msgpipe_rdm *rdm, struct msgpipe_rdm_stage *s)
{
	spin_lock(&rdm->lock);
	s = msgpipe_rdm_stage_unuse(rdm, s);
	spin_unlock(&rdm->lock);
	msgpipe_rdm_stage_free(rdm->mn, s);
}

/**
 * msgpipe_rdm_page_get() - a page for a BATCH payload
 * @rdm: the sending socket's RDM state
 *
 * Its bytes are those of an earlier batch, or zeroes: the caller writes
 * every byte it sends.
 *
 * Return: the page, or NULL.
 */
struct page *msgpipe_rdm_page_get(struct msgpipe_rdm *rdm)
{
	struct page *page;

	spin_lock(&rdm->lock);
	page = list_first_entry_or_null(&rdm->spare_pages, struct page, lru);
	if (page) {
		list_del(&page->lru);
		rdm->nr_spare_pages--;
	}
	spin_unlock(&rdm->lock);
	if (page) {
		msgpipe_stat_dec(rdm->mn, MSGPIPE_STAT_RDM_SPARE_PAGES);
		msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_PAGE_REUSES);
		return page;
	}
	return alloc_page(GFP_KERNEL);
}

/**
 * msgpipe_rdm_page_put() - a BATCH payload's page is no longer needed
 * @rdm:  the sending socket's RDM state
 * @page: the page
 */
void msgpipe_rdm_page_put(struct msgpipe_rdm *rdm, struct page *page)
{
	/* Another reference is a frame still in flight (from 6.5 TCP may
	 * keep pages past the frame's TX_DONE): that page is not reused.
	 * Nobody gets a new one from a page only this batch holds.
	 */
	if (page_ref_count(page) == 1) {
		spin_lock(&rdm->lock);
		if (rdm->nr_spare_pages < msgpipe_rdm_spares_max(rdm)) {
			list_add(&page->lru, &rdm->spare_pages);
			rdm->nr_spare_pages++;
			page = NULL;
		}
		spin_unlock(&rdm->lock);
	}
	if (page)
		put_page(page);
	else
		msgpipe_stat_inc(rdm->mn, MSGPIPE_STAT_RDM_SPARE_PAGES);
}

/**
 * msgpipe_rdm_stage_release() - free the pages of a socket with no items
 * @rdm: the RDM state being freed
 */
void msgpipe_rdm_stage_release(struct msgpipe_rdm *rdm)
{
	struct msgpipe_rdm_stage *s, *tmp;
	struct page *page, *ptmp;

	s = rdm->stage;
	rdm->stage = NULL;
	/* Only the socket's own use may remain; an item's would be a leak. */
	if (s && !WARN_ON_ONCE(s->users != 1))
		msgpipe_rdm_stage_free(rdm->mn, s);
	list_for_each_entry_safe(s, tmp, &rdm->spares, node) {
		list_del(&s->node);
		msgpipe_rdm_stage_free(rdm->mn, s);
	}
	rdm->nr_spares = 0;
	list_for_each_entry_safe(page, ptmp, &rdm->spare_pages, lru) {
		list_del(&page->lru);
		__free_page(page);
		msgpipe_stat_dec(rdm->mn, MSGPIPE_STAT_RDM_SPARE_PAGES);
	}
	rdm->nr_spare_pages = 0;
}
