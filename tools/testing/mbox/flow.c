// SPDX-License-Identifier: GPL-2.0
/*
 * The middlebox's data path: every packet is parsed (Ethernet, IPv4/IPv6,
 * TCP), its connection looked up or created in order of appearance, its
 * bytes fed to the observer as they arrived (before any damage, so the
 * observer judges what the sender sent), then the rules that select its
 * connection may drop, blackhole, flip, duplicate, reorder or delay it
 * before it leaves by the other port.
 *
 * Single-threaded: one lcore runs the loop, the control socket included.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <arpa/inet.h>
#include <string.h>
#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_hash.h>
#include <rte_ip.h>
#include <rte_jhash.h>
#include <rte_random.h>
#include <rte_tcp.h>
#include "mbox.h"

#define HOLD_MS		20		/* a reordered packet waits at most */
#define OBS_HOLD	(32u << 20)	/* out-of-order bytes held per direction */
#define DELAY_SLOTS	8192

static struct rte_hash *flow_hash;
static struct mbox_flow *flows[MBOX_MAX_FLOWS + 1];	/* by id */
static uint32_t nflows;

/* Delayed packets, released in order of their due time (FIFO). */
static struct {
	struct rte_mbuf *m;
	uint16_t port;
	uint64_t due;
} delayq[DELAY_SLOTS];
static unsigned int dq_head, dq_len;

/* Flows holding a packet back for reordering, and since when. */
static struct {
	struct mbox_flow *fl;
	int dir;
	uint64_t since;
} heldq[256];
static unsigned int nheld;

/* A replaced flow's entries in heldq (its packets were freed). */
static void forget_held(struct mbox_flow *fl)
{
	unsigned int i;

	for (i = 0; i < nheld;) {
		if (heldq[i].fl == fl)
			heldq[i] = heldq[--nheld];
		else
			i++;
	}
}

struct pkt {
	bool v6;
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t seq, ack;
	uint8_t flags;
	struct rte_tcp_hdr *tcp;
	void *l3;
	uint8_t *pay;
	uint32_t plen;
};

int mbox_flows_init(void)
{
	struct rte_hash_parameters p = {
		.name = "mbox_flows",
		.entries = MBOX_MAX_FLOWS,
		.key_len = sizeof(struct mbox_key),
		.hash_func = rte_jhash,
		.socket_id = (int)rte_socket_id(),
	};

	flow_hash = rte_hash_create(&p);
	return flow_hash ? 0 : -1;
}

void mbox_flows_free(void)
{
	uint32_t i;

	for (i = 1; i <= nflows; i++) {
		struct mbox_flow *fl = flows[i];

		stream_free(&fl->dir[0].rx);
		stream_free(&fl->dir[1].rx);
		if (fl->obs)
			obs_conn_free(fl->obs);
		rte_pktmbuf_free(fl->held[0]);
		rte_pktmbuf_free(fl->held[1]);
		free(fl);
	}
	nflows = 0;
	rte_hash_free(flow_hash);
}

struct mbox_flow *mbox_flow_by_id(uint32_t id)
{
	return id && id <= nflows ? flows[id] : NULL;
}

uint32_t mbox_flow_count(void)
{
	return nflows;
}

static void addr_str(char *buf, size_t len, const uint8_t ip[16], bool v6,
		     uint16_t port)
{
	char a[INET6_ADDRSTRLEN];

	if (v6) {
		inet_ntop(AF_INET6, ip, a, sizeof(a));
		snprintf(buf, len, "[%s]:%u", a, port);
	} else {
		inet_ntop(AF_INET, ip + 12, a, sizeof(a));
		snprintf(buf, len, "%s:%u", a, port);
	}
}

void mbox_flow_print(FILE *f, const struct mbox_flow *fl)
{
	char a[64], b[64];

	addr_str(a, sizeof(a), fl->ip[0], fl->v6, fl->port[0]);
	addr_str(b, sizeof(b), fl->ip[1], fl->v6, fl->port[1]);
	fprintf(f, "flow %u %s > %s %s%s%s pkts %llu/%llu bytes %llu/%llu%s\n",
		fl->id, a, b, fl->syn ? "syn" : "mid",
		fl->rst ? " rst" : (fl->dir[0].fin && fl->dir[1].fin ? " fin" : ""),
		fl->replaced ? " replaced" : "",
		(unsigned long long)fl->dir[0].pkts,
		(unsigned long long)fl->dir[1].pkts,
		(unsigned long long)fl->dir[0].bytes,
		(unsigned long long)fl->dir[1].bytes,
		fl->obs ? " msgpipe" : "");
}

/* Ethernet, IPv4 or IPv6 (no extension headers), TCP. */
static bool parse(struct rte_mbuf *m, struct pkt *k)
{
	struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
	uint32_t len = rte_pktmbuf_data_len(m), l3len, l4off, ipend;
	uint8_t *l3 = (uint8_t *)(eth + 1);

	memset(k, 0, sizeof(*k));
	if (len < sizeof(*eth) + 20)
		return false;
	len -= sizeof(*eth);
	if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)) {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)l3;

		l3len = (ip->version_ihl & 0xf) * 4;
		ipend = rte_be_to_cpu_16(ip->total_length);
		if (ip->next_proto_id != IPPROTO_TCP || l3len < 20 ||
		    ipend > len || (ip->fragment_offset & rte_cpu_to_be_16(0x3fff)))
			return false;
		memset(k->src + 10, 0xff, 2);
		memset(k->dst + 10, 0xff, 2);
		memcpy(k->src + 12, &ip->src_addr, 4);
		memcpy(k->dst + 12, &ip->dst_addr, 4);
	} else if (eth->ether_type == rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6)) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)l3;

		l3len = sizeof(*ip);
		ipend = l3len + rte_be_to_cpu_16(ip->payload_len);
		if (ip->proto != IPPROTO_TCP || ipend > len)
			return false;
		k->v6 = true;
		memcpy(k->src, ip->src_addr, 16);
		memcpy(k->dst, ip->dst_addr, 16);
	} else {
		return false;
	}
	l4off = l3len;
	if (ipend < l4off + sizeof(struct rte_tcp_hdr))
		return false;
	k->l3 = l3;
	k->tcp = (struct rte_tcp_hdr *)(l3 + l4off);
	if (((k->tcp->data_off >> 4) * 4u) < sizeof(struct rte_tcp_hdr) ||
	    ipend < l4off + (k->tcp->data_off >> 4) * 4u)
		return false;
	k->sport = rte_be_to_cpu_16(k->tcp->src_port);
	k->dport = rte_be_to_cpu_16(k->tcp->dst_port);
	k->seq = rte_be_to_cpu_32(k->tcp->sent_seq);
	k->ack = rte_be_to_cpu_32(k->tcp->recv_ack);
	k->flags = k->tcp->tcp_flags;
	k->pay = (uint8_t *)k->tcp + (k->tcp->data_off >> 4) * 4;
	k->plen = ipend - l4off - (k->tcp->data_off >> 4) * 4;
	return true;
}

static void make_key(const struct pkt *k, struct mbox_key *key)
{
	int lo = memcmp(k->src, k->dst, 16) < 0 ||
		 (!memcmp(k->src, k->dst, 16) && k->sport < k->dport);

	memset(key, 0, sizeof(*key));
	memcpy(key->ip[0], lo ? k->src : k->dst, 16);
	memcpy(key->ip[1], lo ? k->dst : k->src, 16);
	key->port[0] = lo ? k->sport : k->dport;
	key->port[1] = lo ? k->dport : k->sport;
}

static void obs_deliver(void *arg, const uint8_t *p, size_t n)
{
	struct mbox_flow *fl = ((void **)arg)[0];
	int dir = (int)(intptr_t)((void **)arg)[1];

	obs_feed(fl->obs, dir, p, n);
}

static struct mbox_flow *flow_get(const struct pkt *k)
{
	struct mbox_flow *fl;
	struct mbox_key key;
	void *data;
	char a[64], b[128];

	make_key(k, &key);
	if (rte_hash_lookup_data(flow_hash, &key, &data) >= 0) {
		fl = data;
		/* A SYN with another ISN: a new connection on the 4-tuple of
		 * an old one (a port taken again once the old one was reset).
		 * It gets a flow of its own; the old one keeps its counters.
		 */
		if ((k->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) !=
		    RTE_TCP_SYN_FLAG || (fl->syn && fl->isn == k->seq))
			return fl;
		rte_hash_del_key(flow_hash, &key);
		fl->replaced = true;
		stream_free(&fl->dir[0].rx);
		stream_free(&fl->dir[1].rx);
		rte_pktmbuf_free(fl->held[0]);
		rte_pktmbuf_free(fl->held[1]);
		fl->held[0] = NULL;
		fl->held[1] = NULL;
		forget_held(fl);
	}
	if (nflows >= MBOX_MAX_FLOWS)
		return NULL;
	fl = calloc(1, sizeof(*fl));
	if (!fl)
		return NULL;
	fl->id = nflows + 1;
	fl->v6 = k->v6;
	memcpy(fl->ip[0], k->src, 16);
	memcpy(fl->ip[1], k->dst, 16);
	fl->port[0] = k->sport;
	fl->port[1] = k->dport;
	fl->syn = (k->flags & (RTE_TCP_SYN_FLAG | RTE_TCP_ACK_FLAG)) == RTE_TCP_SYN_FLAG;
	fl->isn = k->seq;
	stream_init(&fl->dir[0].rx, OBS_HOLD);
	stream_init(&fl->dir[1].rx, OBS_HOLD);
	if (k->sport == mbox_mp_port || k->dport == mbox_mp_port) {
		addr_str(a, sizeof(a), k->src, k->v6, k->sport);
		snprintf(b, sizeof(b), "flow %u %s>", fl->id, a);
		addr_str(b + strlen(b), sizeof(b) - strlen(b), k->dst, k->v6,
			 k->dport);
		if (fl->syn)
			fl->obs = obs_conn_new(mbox_obs, b, k->src, k->dst);
		else
			obs_unseen(mbox_obs);
	}
	if (rte_hash_add_key_data(flow_hash, &key, fl) < 0) {
		if (fl->obs)
			obs_conn_free(fl->obs);
		free(fl);
		return NULL;
	}
	flows[++nflows] = fl;
	return fl;
}

/* Track sequence numbers and feed the observer, before any damage. */
static void track(struct mbox_flow *fl, int d, const struct pkt *k,
		  const struct rte_mbuf *m, uint16_t in_port)
{
	struct mbox_dir *dir = &fl->dir[d];
	const struct rte_ether_hdr *eth =
		rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);
	uint32_t end = k->seq + k->plen;
	void *arg[2] = { fl, (void *)(intptr_t)d };

	dir->in_port = in_port;
	dir->mac = eth->src_addr;
	dir->pkts++;
	dir->bytes += k->plen;
	if (k->flags & RTE_TCP_SYN_FLAG) {
		end++;
		stream_syn(&dir->rx, k->seq);
	}
	if (k->flags & RTE_TCP_FIN_FLAG) {
		end++;
		dir->fin = true;
	}
	if (!dir->seen || (int32_t)(end - dir->nxt) > 0)
		dir->nxt = end;
	if (k->flags & RTE_TCP_ACK_FLAG)
		dir->ack = k->ack;
	dir->seen = true;
	if (k->flags & RTE_TCP_RST_FLAG)
		fl->rst = true;
	if (fl->obs && k->plen &&
	    !stream_segment(&dir->rx, k->seq, k->pay, k->plen, obs_deliver, arg))
		obs_desync(fl->obs);
}

bool mbox_rule_selects(const struct mbox_rule *r, const struct mbox_flow *fl)
{
	switch (r->sel) {
	case SEL_ALL:
		return true;
	case SEL_FLOW:
		return r->flow == fl->id;
	case SEL_PORT:
		return r->port[0] == fl->port[0] || r->port[0] == fl->port[1];
	case SEL_TUPLE:
		return (!memcmp(r->ip[0], fl->ip[0], 16) &&
			!memcmp(r->ip[1], fl->ip[1], 16) &&
			r->port[0] == fl->port[0] && r->port[1] == fl->port[1]) ||
		       (!memcmp(r->ip[0], fl->ip[1], 16) &&
			!memcmp(r->ip[1], fl->ip[0], 16) &&
			r->port[0] == fl->port[1] && r->port[1] == fl->port[0]);
	}
	return false;
}

static bool chance(double p)
{
	/* 53 random bits: a uniform double in [0, 1). */
	return p > 0 && (double)(rte_rand() >> 11) / 9007199254740992.0 < p;
}

static void fix_tcp_csum(const struct pkt *k)
{
	k->tcp->cksum = 0;
	if (k->v6)
		k->tcp->cksum = rte_ipv6_udptcp_cksum(k->l3, k->tcp);
	else
		k->tcp->cksum = rte_ipv4_udptcp_cksum(k->l3, k->tcp);
}

static void delay(struct rte_mbuf *m, uint16_t port, uint32_t ms)
{
	unsigned int i;

	if (dq_len == DELAY_SLOTS) {
		rte_pktmbuf_free(m);
		mbox_st.dropped++;
		return;
	}
	i = (dq_head + dq_len++) % DELAY_SLOTS;
	delayq[i].m = m;
	delayq[i].port = port;
	delayq[i].due = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * ms;
	mbox_st.delayed++;
}

static void release_held(struct mbox_flow *fl, int d)
{
	unsigned int i;

	if (!fl->held[d])
		return;
	mbox_send(fl->held[d], !fl->dir[d].in_port);
	fl->held[d] = NULL;
	for (i = 0; i < nheld; i++) {
		if (heldq[i].fl == fl && heldq[i].dir == d) {
			heldq[i] = heldq[--nheld];
			break;
		}
	}
}

void mbox_process(struct rte_mbuf *m, uint16_t in_port)
{
	uint16_t out = !in_port;
	struct mbox_flow *fl;
	uint32_t delay_ms = 0;
	bool dup = false, reorder = false;
	unsigned int i;
	struct pkt k;
	int d;

	mbox_st.rx++;
	if (mbox_cut) {
		mbox_st.cut++;
		rte_pktmbuf_free(m);
		return;
	}
	fl = parse(m, &k) ? flow_get(&k) : NULL;
	if (!fl) {
		mbox_st.non_tcp++;
		mbox_send(m, out);
		return;
	}
	d = !(!memcmp(k.src, fl->ip[0], 16) && k.sport == fl->port[0]);
	track(fl, d, &k, m, in_port);
	for (i = 0; i < mbox_nrules; i++) {
		struct mbox_rule *r = &mbox_rules[i];

		if (!mbox_rule_selects(r, fl))
			continue;
		if (r->until && rte_get_tsc_cycles() < r->until) {
			mbox_st.blackholed++;
			rte_pktmbuf_free(m);
			return;
		}
		if (chance(r->drop)) {
			mbox_st.dropped++;
			rte_pktmbuf_free(m);
			return;
		}
		if (k.plen && chance(r->flip)) {
			k.pay[rte_rand() % k.plen] ^= 1 << (rte_rand() % 8);
			fix_tcp_csum(&k);
			mbox_st.flipped++;
		}
		dup |= chance(r->dup);
		reorder |= chance(r->reorder);
		if (r->delay_ms > delay_ms)
			delay_ms = r->delay_ms;
	}
	if (dup) {
		rte_mbuf_refcnt_update(m, 1);
		mbox_st.duplicated++;
		if (delay_ms)
			delay(m, out, delay_ms);
		else
			mbox_send(m, out);
	}
	if (delay_ms) {
		delay(m, out, delay_ms);
		return;
	}
	if (reorder && !fl->held[d] && nheld < RTE_DIM(heldq)) {
		fl->held[d] = m;
		heldq[nheld].fl = fl;
		heldq[nheld].dir = d;
		heldq[nheld++].since = rte_get_tsc_cycles();
		mbox_st.reordered++;
		return;
	}
	mbox_send(m, out);
	release_held(fl, d);
}

/* Release what is due; true while packets still wait in either queue. */
bool mbox_timers(void)
{
	uint64_t now = rte_get_tsc_cycles();
	unsigned int i;

	while (dq_len && delayq[dq_head].due <= now) {
		mbox_send(delayq[dq_head].m, delayq[dq_head].port);
		dq_head = (dq_head + 1) % DELAY_SLOTS;
		dq_len--;
	}
	for (i = 0; i < nheld;) {
		if (now - heldq[i].since >= rte_get_tsc_hz() / 1000 * HOLD_MS)
			release_held(heldq[i].fl, heldq[i].dir);	/* moves [i] */
		else
			i++;
	}
	return dq_len || nheld;
}

/* A RST to the endpoint of direction @to, as if from its peer. */
static int rst_to(struct mbox_flow *fl, int to, uint32_t seq)
{
	const struct mbox_dir *dst = &fl->dir[to], *src = &fl->dir[!to];
	size_t l3 = fl->v6 ? sizeof(struct rte_ipv6_hdr) : sizeof(struct rte_ipv4_hdr);
	struct rte_ether_hdr *eth;
	struct rte_tcp_hdr *tcp;
	struct rte_mbuf *m;

	m = rte_pktmbuf_alloc(mbox_pool);
	if (!m)
		return -1;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + l3 +
							 sizeof(*tcp));
	if (!eth) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memset(eth, 0, sizeof(*eth) + l3 + sizeof(*tcp));
	eth->src_addr = src->mac;
	eth->dst_addr = dst->mac;
	tcp = (struct rte_tcp_hdr *)((uint8_t *)(eth + 1) + l3);
	tcp->src_port = rte_cpu_to_be_16(fl->port[!to]);
	tcp->dst_port = rte_cpu_to_be_16(fl->port[to]);
	tcp->sent_seq = rte_cpu_to_be_32(seq);
	tcp->recv_ack = rte_cpu_to_be_32(dst->nxt);
	tcp->data_off = 5 << 4;
	tcp->tcp_flags = RTE_TCP_RST_FLAG | RTE_TCP_ACK_FLAG;
	if (fl->v6) {
		struct rte_ipv6_hdr *ip = (struct rte_ipv6_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV6);
		ip->vtc_flow = rte_cpu_to_be_32(6u << 28);
		ip->payload_len = rte_cpu_to_be_16(sizeof(*tcp));
		ip->proto = IPPROTO_TCP;
		ip->hop_limits = 64;
		memcpy(ip->src_addr, fl->ip[!to], 16);
		memcpy(ip->dst_addr, fl->ip[to], 16);
		tcp->cksum = rte_ipv6_udptcp_cksum(ip, tcp);
	} else {
		struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);

		eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
		ip->version_ihl = 0x45;
		ip->total_length = rte_cpu_to_be_16(l3 + sizeof(*tcp));
		ip->fragment_offset = rte_cpu_to_be_16(RTE_IPV4_HDR_DF_FLAG);
		ip->time_to_live = 64;
		ip->next_proto_id = IPPROTO_TCP;
		memcpy(&ip->src_addr, fl->ip[!to] + 12, 4);
		memcpy(&ip->dst_addr, fl->ip[to] + 12, 4);
		ip->hdr_checksum = rte_ipv4_cksum(ip);
		tcp->cksum = rte_ipv4_udptcp_cksum(ip, tcp);
	}
	mbox_st.rst_injected++;
	return mbox_send(m, dst->in_port);
}

/**
 * mbox_inject_rst() - reset a connection both ways
 * @fl: the flow; both directions must have been seen
 *
 * Each end gets a RST at the sequence number it expects next: what the
 * other end sent so far and, if different, what it acknowledged last.
 *
 * Return: 0, or -1 if the flow is not established or no buffer was free.
 */
int mbox_inject_rst(struct mbox_flow *fl)
{
	int to, err = 0;

	if (!fl->dir[0].seen || !fl->dir[1].seen)
		return -1;
	for (to = 0; to < 2; to++) {
		err |= rst_to(fl, to, fl->dir[!to].nxt);
		if (fl->dir[to].ack != fl->dir[!to].nxt)
			err |= rst_to(fl, to, fl->dir[to].ack);
	}
	fl->rst = true;
	return err ? -1 : 0;
}
