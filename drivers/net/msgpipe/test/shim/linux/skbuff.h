/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The socket buffer as far as the inline helpers of include/linux/netlink.h
 * and include/net/netlink.h name it; the validator never touches one.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_SHIM_SKBUFF_H
#define _MSGPIPE_SHIM_SKBUFF_H

#include <linux/kernel.h>

struct sock;

struct list_head {
	struct list_head *next, *prev;
};

struct sk_buff {
	unsigned char *head, *data;
	unsigned int len;
	char cb[48];
	void (*destructor)(struct sk_buff *skb);
	struct sock *sk;
};

struct sk_buff *alloc_skb(unsigned int size, gfp_t gfp);
struct sk_buff *skb_clone(struct sk_buff *skb, gfp_t gfp);
void kfree_skb(struct sk_buff *skb);
unsigned char *skb_tail_pointer(const struct sk_buff *skb);
void *__skb_put(struct sk_buff *skb, unsigned int len);
void *skb_put(struct sk_buff *skb, unsigned int len);
int skb_tailroom(const struct sk_buff *skb);
void skb_trim(struct sk_buff *skb, unsigned int len);

#endif /* _MSGPIPE_SHIM_SKBUFF_H */
