/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The msgpipe test middlebox (mp_mbox): a DPDK application bridging two
 * network namespaces at L2 that follows TCP connections, damages chosen ones
 * on command and feeds msgpipe's to the protocol observer.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef MBOX_H
#define MBOX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include "obs.h"
#include "stream.h"

#define MBOX_MAX_FLOWS	65536
#define MBOX_MAX_RULES	64

/**
 * struct mbox_key - a TCP connection, both directions
 * @ip:   the addresses, IPv4 mapped into IPv6; @ip[0] the lower
 * @port: the ports, in the order of @ip
 */
struct mbox_key {
	uint8_t ip[2][16];
	uint16_t port[2];
};

/**
 * struct mbox_dir - one direction of a flow, as seen by the middlebox
 * @in_port: the DPDK port its packets arrive on
 * @mac:     its source MAC address
 * @nxt:     highest sequence number sent plus one (what the peer expects)
 * @ack:     the last acknowledgment number it sent
 * @seen:    a packet of this direction was seen
 * @fin:     it sent a FIN
 * @pkts:    packets
 * @bytes:   TCP payload bytes
 * @rx:      its byte stream, for the observer
 */
struct mbox_dir {
	uint16_t in_port;
	struct rte_ether_addr mac;
	uint32_t nxt, ack;
	bool seen, fin;
	uint64_t pkts, bytes;
	struct stream rx;
};

/**
 * struct mbox_flow - a TCP connection through the middlebox
 * @id:      order of appearance, from 1
 * @v6:      IPv6
 * @ip:      addresses, dir 0 (the side that sent the first packet) first
 * @port:    ports, likewise
 * @isn:     the initiator's first sequence number, if @syn
 * @syn:     the connection was seen from its SYN
 * @rst:     a RST went through or was injected
 * @replaced: a new connection took its 4-tuple (a new flow)
 * @dir:     both directions, 0 from the initiator
 * @obs:     the observer's connection, for msgpipe's port
 * @held:    a packet held back to be reordered, per direction
 */
struct mbox_flow {
	uint32_t id;
	bool v6;
	uint8_t ip[2][16];
	uint16_t port[2];
	uint32_t isn;
	bool syn, rst, replaced;
	struct mbox_dir dir[2];
	struct obs_conn *obs;
	struct rte_mbuf *held[2];
};

/* What to do to the packets of the flows a rule selects. */
enum mbox_sel { SEL_ALL, SEL_FLOW, SEL_PORT, SEL_TUPLE };

/**
 * struct mbox_rule - damage for some flows
 * @sel:       how flows are chosen
 * @flow:      SEL_FLOW: the flow id
 * @port:      SEL_PORT: either port; SEL_TUPLE: the ports
 * @ip:        SEL_TUPLE: the addresses
 * @drop:      probability of dropping a packet
 * @dup:       of sending it twice
 * @reorder:   of holding it back behind the next one
 * @flip:      of flipping one bit of its TCP payload (checksum fixed)
 * @delay_ms:  delay every packet this long
 * @until:     blackhole: drop every packet until this TSC time
 */
struct mbox_rule {
	enum mbox_sel sel;
	uint32_t flow;
	uint16_t port[2];
	uint8_t ip[2][16];
	double drop, dup, reorder, flip;
	uint32_t delay_ms;
	uint64_t until;
};

/**
 * struct mbox_stats - the middlebox's own counters
 */
struct mbox_stats {
	uint64_t rx, tx, dropped, duplicated, reordered, flipped, delayed,
		 rst_injected, blackholed, cut, non_tcp, idle_waits, idle_woken;
};

extern struct mbox_stats mbox_st;
extern struct obs *mbox_obs;
extern uint16_t mbox_mp_port;
extern bool mbox_cut;
extern struct mbox_rule mbox_rules[MBOX_MAX_RULES];
extern unsigned int mbox_nrules;
extern struct rte_mempool *mbox_pool;

/* flow.c */
int mbox_flows_init(void);
void mbox_flows_free(void);
struct mbox_flow *mbox_flow_by_id(uint32_t id);
uint32_t mbox_flow_count(void);
void mbox_flow_print(FILE *f, const struct mbox_flow *fl);
bool mbox_rule_selects(const struct mbox_rule *r, const struct mbox_flow *fl);
void mbox_process(struct rte_mbuf *m, uint16_t in_port);
bool mbox_timers(void);
int mbox_inject_rst(struct mbox_flow *fl);
int mbox_send(struct rte_mbuf *m, uint16_t out_port);

/* probe.c: the EAL's access() calls, linked with --wrap=access. */
int __real_access(const char *path, int mode);
int __wrap_access(const char *path, int mode);

#endif
