// SPDX-License-Identifier: GPL-2.0
/*
 * The host's object counters: each namespace's, per CPU; what namespaces
 * that went left; their sum in debugfs.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include "stats.h"

/* Every namespace's counters, and the totals of namespaces that are gone
 * (with any gauge they left): a sum over both never misses a namespace
 * being torn down.
 */
static DEFINE_MUTEX(msgpipe_stats_lock);
static LIST_HEAD(msgpipe_stats_nets);
static s64 msgpipe_stats_gone[MSGPIPE_STAT_NR];

static const char * const msgpipe_stat_names[MSGPIPE_STAT_NR] = {
	[MSGPIPE_STAT_SOCKS] = "socks",
	[MSGPIPE_STAT_SESSIONS] = "sessions",
	[MSGPIPE_STAT_PIPES] = "pipes",
	[MSGPIPE_STAT_LISTENERS] = "listeners",
	[MSGPIPE_STAT_TX_BUFS] = "tx_bufs",
	[MSGPIPE_STAT_TX_PAGES] = "tx_pages",
	[MSGPIPE_STAT_TX_UNACKED] = "tx_unacked_bytes",
	[MSGPIPE_STAT_TX_MSGS_OPEN] = "tx_msgs_open",
	[MSGPIPE_STAT_PINNED_PAGES] = "pinned_pages",
	[MSGPIPE_STAT_RX_BUFS] = "rx_bufs",
	[MSGPIPE_STAT_RX_PAGES] = "rx_pages",
	[MSGPIPE_STAT_RX_QUEUED] = "rx_queued_bytes",
	[MSGPIPE_STAT_RDM_ITEMS] = "rdm_items",
	[MSGPIPE_STAT_RDM_BATCHES] = "rdm_batches",
	[MSGPIPE_STAT_RDM_DESTS] = "rdm_dests",
	[MSGPIPE_STAT_RDM_RX_BATCHES] = "rdm_rx_batches",
	[MSGPIPE_STAT_RDM_SEEN] = "rdm_seen",
	[MSGPIPE_STAT_RDM_STAGE_PAGES] = "rdm_stage_pages",
	[MSGPIPE_STAT_RDM_SPARE_PAGES] = "rdm_spare_pages",
	[MSGPIPE_STAT_IOC_REGIONS] = "ioc_regions",
	[MSGPIPE_STAT_IOC_CQES] = "ioc_cqes",
	[MSGPIPE_STAT_HS_PENDING] = "hs_pending",
	[MSGPIPE_STAT_TX_MSGS] = "tx_msgs",
	[MSGPIPE_STAT_TX_BYTES] = "tx_bytes",
	[MSGPIPE_STAT_RX_MSGS] = "rx_msgs",
	[MSGPIPE_STAT_RX_BYTES] = "rx_bytes",
	[MSGPIPE_STAT_RX_UNKNOWN] = "rx_unknown_session",
	[MSGPIPE_STAT_PROTO_ERRORS] = "proto_errors",
	[MSGPIPE_STAT_REFUSED] = "refused",
	[MSGPIPE_STAT_TX_ZC_BYTES] = "tx_zerocopy_bytes",
	[MSGPIPE_STAT_TX_COPY_BYTES] = "tx_copied_bytes",
	[MSGPIPE_STAT_TX_COMPLETIONS] = "tx_completions",
	[MSGPIPE_STAT_TX_MSG_ERRORS] = "tx_msg_errors",
	[MSGPIPE_STAT_TX_VOIDED] = "tx_voided",
	[MSGPIPE_STAT_TX_RETIRED] = "tx_retired_sessions",
	[MSGPIPE_STAT_RETRANSMITS] = "retransmits",
	[MSGPIPE_STAT_REPINS] = "repins",
	[MSGPIPE_STAT_REPIN_FAULTS] = "repin_faults",
	[MSGPIPE_STAT_RETX_DEFERRED] = "retx_deferred",
	[MSGPIPE_STAT_MEMLOCK_WAITS] = "memlock_waits",
	[MSGPIPE_STAT_RETX_UNKNOWN] = "retx_unknown",
	[MSGPIPE_STAT_ACKS_SENT] = "acks_sent",
	[MSGPIPE_STAT_DELAYED_ACKS] = "delayed_acks",
	[MSGPIPE_STAT_WINDOW_UPDATES] = "window_updates",
	[MSGPIPE_STAT_RX_VOIDED] = "rx_voided",
	[MSGPIPE_STAT_RX_DUPS] = "rx_dups",
	[MSGPIPE_STAT_RX_OOO] = "rx_ooo",
	[MSGPIPE_STAT_RX_WINDOW_ERRORS] = "rx_window_errors",
	[MSGPIPE_STAT_RX_EARLY] = "rx_early",
	[MSGPIPE_STAT_ACCEPT_FIRST] = "accept_first",
	[MSGPIPE_STAT_CONN_LOSSES] = "conn_losses",
	[MSGPIPE_STAT_RECONNECTS] = "reconnects",
	[MSGPIPE_STAT_TX_INVALID] = "tx_invalid",
	[MSGPIPE_STAT_HELLO_DROPPED] = "hello_dropped",
	[MSGPIPE_STAT_DIAL_FAILURES] = "dial_failures",
	[MSGPIPE_STAT_DIAL_TIMEOUTS] = "dial_timeouts",
	[MSGPIPE_STAT_RDM_ITEMS_SENT] = "rdm_items_sent",
	[MSGPIPE_STAT_RDM_COMPLETIONS] = "rdm_completions",
	[MSGPIPE_STAT_RDM_DEST_FAILS] = "rdm_dest_fails",
	[MSGPIPE_STAT_RDM_ELEMENTS] = "rdm_elements",
	[MSGPIPE_STAT_RDM_BATCHES_SENT] = "rdm_batches_sent",
	[MSGPIPE_STAT_RDM_RESENDS] = "rdm_resends",
	[MSGPIPE_STAT_RDM_OPEN_FAILS] = "rdm_open_fails",
	[MSGPIPE_STAT_RDM_THROTTLED] = "rdm_throttled",
	[MSGPIPE_STAT_RDM_ACK_FRAMES_TX] = "rdm_ack_frames_tx",
	[MSGPIPE_STAT_RDM_ACK_FRAMES_RX] = "rdm_ack_frames_rx",
	[MSGPIPE_STAT_RDM_ACK_UNKNOWN] = "rdm_ack_unknown",
	[MSGPIPE_STAT_RDM_ACK_FOREIGN] = "rdm_ack_foreign",
	[MSGPIPE_STAT_RDM_THROTTLE_TX] = "rdm_throttle_tx",
	[MSGPIPE_STAT_RDM_THROTTLE_RX] = "rdm_throttle_rx",
	[MSGPIPE_STAT_RDM_RX_ITEMS] = "rdm_rx_items",
	[MSGPIPE_STAT_RDM_RX_READ] = "rdm_rx_read",
	[MSGPIPE_STAT_RDM_RX_DUPS] = "rdm_rx_dups",
	[MSGPIPE_STAT_RDM_RX_OVERFLOWS] = "rdm_rx_overflows",
	[MSGPIPE_STAT_IOC_POSTS] = "ioc_posts",
	[MSGPIPE_STAT_IOC_SENDFILES] = "ioc_sendfiles",
	[MSGPIPE_STAT_SENDFILE_BYTES] = "sendfile_bytes",
	[MSGPIPE_STAT_ABORTS_SENT] = "aborts_sent",
	[MSGPIPE_STAT_RDM_RX_REFUSED] = "rdm_rx_refused",
	[MSGPIPE_STAT_HS_DONE] = "hs_done",
	[MSGPIPE_STAT_HS_FAILED] = "hs_failed",
	[MSGPIPE_STAT_INSECURE_REFUSED] = "insecure_refused",
	[MSGPIPE_STAT_RX_LINEAR_COPIES] = "rx_linear_copies",
	[MSGPIPE_STAT_RDM_STAGE_ALLOCS] = "rdm_stage_allocs",
	[MSGPIPE_STAT_RDM_STAGE_REUSES] = "rdm_stage_reuses",
	[MSGPIPE_STAT_RDM_PAGE_REUSES] = "rdm_page_reuses",
};

/* Fault knobs; also module parameters, for when debugfs is locked down. */
unsigned int msgpipe_fail_repin;
module_param_named(fail_repin, msgpipe_fail_repin, uint, 0644);
MODULE_PARM_DESC(fail_repin, "fail this many next re-pins with EFAULT (testing)");
unsigned int msgpipe_stall_delack_ms;
module_param_named(stall_delack_ms, msgpipe_stall_delack_ms, uint, 0644);
MODULE_PARM_DESC(stall_delack_ms,
		 "hold the next delayed ACK before it is sent until this is 0 again or this many ms passed (testing)");

/**
 * msgpipe_stat_name() - the name of a counter
 * @i: enum msgpipe_stat
 *
 * Return: its name, as in debugfs and netlink.
 */
const char *msgpipe_stat_name(int i)
{
	return msgpipe_stat_names[i];
}

static s64 msgpipe_stat_sum(struct msgpipe_stats __percpu *stats, int i)
{
	s64 v = 0;
	int cpu;

	for_each_possible_cpu(cpu)
		v += per_cpu_ptr(stats, cpu)->v[i];
	return v;
}

/**
 * msgpipe_stat_read() - the value of a counter
 * @mn: a namespace's engine, or NULL for the sum over every namespace
 *      (with those that are gone)
 * @i:  enum msgpipe_stat
 *
 * Return: its value.
 */
s64 msgpipe_stat_read(struct msgpipe_net *mn, int i)
{
	s64 v;

	if (mn)
		return msgpipe_stat_sum(mn->stats, i);
	mutex_lock(&msgpipe_stats_lock);
	v = msgpipe_stats_gone[i];
	list_for_each_entry(mn, &msgpipe_stats_nets, stats_node)
		v += msgpipe_stat_sum(mn->stats, i);
	mutex_unlock(&msgpipe_stats_lock);
	return v;
}

/**
 * msgpipe_stats_net_init() - give a namespace its counters
 * @mn: its engine
 *
 * Return: 0 or -ENOMEM.
 */
int msgpipe_stats_net_init(struct msgpipe_net *mn)
{
	struct msgpipe_stats __percpu *stats;

	stats = alloc_percpu_gfp(struct msgpipe_stats, GFP_KERNEL_ACCOUNT);
	if (!stats)
		return -ENOMEM;
	mn->stats = stats;
	mutex_lock(&msgpipe_stats_lock);
	list_add(&mn->stats_node, &msgpipe_stats_nets);
	mutex_unlock(&msgpipe_stats_lock);
	return 0;
}

/**
 * msgpipe_stats_net_exit() - keep a namespace's totals, free its counters
 * @mn: its engine; nothing of it counts any more
 */
void msgpipe_stats_net_exit(struct msgpipe_net *mn)
{
	int i;

	mutex_lock(&msgpipe_stats_lock);
	for (i = 0; i < MSGPIPE_STAT_NR; i++)
		msgpipe_stats_gone[i] += msgpipe_stat_sum(mn->stats, i);
	list_del(&mn->stats_node);
	mutex_unlock(&msgpipe_stats_lock);
	free_percpu(mn->stats);
}

static struct dentry *msgpipe_debugfs;

static int msgpipe_stats_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < MSGPIPE_STAT_NR; i++)
		seq_printf(m, "%s %lld\n", msgpipe_stat_names[i],
			   (long long)msgpipe_stat_read(NULL, i));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(msgpipe_stats);

/**
 * msgpipe_stats_init() - publish the counters in debugfs
 *
 * Debugfs may be absent or locked down; the module works without it.
 *
 * Return: 0.
 */
int msgpipe_stats_init(void)
{
	msgpipe_debugfs = debugfs_create_dir("msgpipe", NULL);
	debugfs_create_file("stats", 0444, msgpipe_debugfs, NULL,
			    &msgpipe_stats_fops);
	debugfs_create_u32("fail_repin", 0600, msgpipe_debugfs,
			   &msgpipe_fail_repin);
	debugfs_create_u32("stall_delack_ms", 0600, msgpipe_debugfs,
			   &msgpipe_stall_delack_ms);
	return 0;
}

/**
 * msgpipe_stats_exit() - remove the debugfs files
 */
void msgpipe_stats_exit(void)
{
	debugfs_remove_recursive(msgpipe_debugfs);
}
