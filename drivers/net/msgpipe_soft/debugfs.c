// SPDX-License-Identifier: GPL-2.0
/*
 * The soft agent's debugfs directory, netdevsim style: read-only counters
 * and the knobs tests turn.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/debugfs.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include "msa.h"

atomic64_t msa_stats[MSA_STAT_NR];
struct msa_knobs msa_knobs = {
	.zerocopy = true,
	.ack_timeout_ms = 200,
	.retire_ms = 60000,
};

/* The knobs are module parameters too: debugfs may be locked down. */
module_param_named(data_crc, msa_knobs.data_crc, bool, 0644);
module_param_named(zerocopy, msa_knobs.zerocopy, bool, 0644);
module_param_named(drop_permille, msa_knobs.drop_permille, uint, 0644);
module_param_named(ack_delay_ms, msa_knobs.ack_delay_ms, uint, 0644);
module_param_named(ack_timeout_ms, msa_knobs.ack_timeout_ms, uint, 0644);
module_param_named(retire_ms, msa_knobs.retire_ms, uint, 0644);
module_param_named(max_inflight_kb, msa_knobs.max_inflight_kb, uint, 0644);
MODULE_PARM_DESC(max_inflight_kb, "cap on zero-copy bytes TCP holds (0: none)");
static int msa_reset_set(const char *val, const struct kernel_param *kp)
{
	bool on;
	int err = kstrtobool(val, &on);

	if (err)
		return err;
	if (on)
		msa_pipes_reset();
	return 0;
}

static const struct kernel_param_ops msa_reset_ops = {
	.set = msa_reset_set,
};
module_param_cb(reset_conns, &msa_reset_ops, NULL, 0200);
MODULE_PARM_DESC(reset_conns, "write 1: reset every connection now (testing)");

static int msa_reset_write(void *data, u64 val)
{
	if (val)
		msa_pipes_reset();
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(msa_reset_fops, NULL, msa_reset_write, "%llu\n");

MODULE_PARM_DESC(drop_permille, "DATA frames in 1000 dropped (testing)");
MODULE_PARM_DESC(ack_delay_ms, "delay before acting on each ACK (testing)");
MODULE_PARM_DESC(ack_timeout_ms, "resend after this long unacknowledged");
MODULE_PARM_DESC(retire_ms, "retire a session without progress this long");

static const char * const msa_stat_names[MSA_STAT_NR] = {
	[MSA_STAT_PIPES] = "pipes",
	[MSA_STAT_CONNS] = "conns",
	[MSA_STAT_TX_QUEUED] = "tx_queued",
	[MSA_STAT_UNACKED] = "unacked_ranges",
	[MSA_STAT_UNACKED_BYTES] = "unacked_bytes",
	[MSA_STAT_ZC_INFLIGHT] = "zc_inflight",
	[MSA_STAT_INFLIGHT_BYTES] = "inflight_bytes",
	[MSA_STAT_TX_FRAMES] = "tx_frames",
	[MSA_STAT_TX_BYTES] = "tx_bytes",
	[MSA_STAT_ZC_BYTES] = "zc_bytes",
	[MSA_STAT_ZC_COPIED] = "zc_copied_bytes",
	[MSA_STAT_COPY_BYTES] = "copy_bytes",
	[MSA_STAT_SPLICE_BYTES] = "splice_bytes",
	[MSA_STAT_DROPPED] = "dropped",
	[MSA_STAT_RETRANSMITS] = "retransmits",
	[MSA_STAT_NEED_PAGES] = "need_pages",
	[MSA_STAT_ACK_TIMEOUTS] = "ack_timeouts",
	[MSA_STAT_RESENDS] = "resends",
	[MSA_STAT_RETIRED] = "retired",
	[MSA_STAT_ACKS] = "acks",
	[MSA_STAT_RX_FRAMES] = "rx_frames",
	[MSA_STAT_RX_BYTES] = "rx_bytes",
	[MSA_STAT_CONN_FAILURES] = "conn_failures",
	[MSA_STAT_CONN_REPLACED] = "conn_replaced",
	[MSA_STAT_PROTO_ERRORS] = "proto_errors",
	[MSA_STAT_CRC_ERRORS] = "crc_errors",
};

static struct dentry *msa_debugfs;

static int msa_stats_show(struct seq_file *m, void *v)
{
	int i;

	for (i = 0; i < MSA_STAT_NR; i++)
		seq_printf(m, "%s %lld\n", msa_stat_names[i],
			   (long long)atomic64_read(&msa_stats[i]));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(msa_stats);

/**
 * msa_debugfs_init() - create msgpipe_soft/ in debugfs
 *
 * Return: 0; the agent works without debugfs.
 */
int msa_debugfs_init(void)
{
	msa_debugfs = debugfs_create_dir("msgpipe_soft", NULL);
	debugfs_create_file("stats", 0444, msa_debugfs, NULL, &msa_stats_fops);
	debugfs_create_bool("data_crc", 0644, msa_debugfs, &msa_knobs.data_crc);
	debugfs_create_bool("zerocopy", 0644, msa_debugfs, &msa_knobs.zerocopy);
	debugfs_create_u32("drop_permille", 0644, msa_debugfs,
			   &msa_knobs.drop_permille);
	debugfs_create_u32("ack_delay_ms", 0644, msa_debugfs,
			   &msa_knobs.ack_delay_ms);
	debugfs_create_u32("ack_timeout_ms", 0644, msa_debugfs,
			   &msa_knobs.ack_timeout_ms);
	debugfs_create_u32("retire_ms", 0644, msa_debugfs,
			   &msa_knobs.retire_ms);
	debugfs_create_u32("max_inflight_kb", 0644, msa_debugfs,
			   &msa_knobs.max_inflight_kb);
	debugfs_create_file_unsafe("reset_conns", 0200, msa_debugfs, NULL,
				   &msa_reset_fops);
	return 0;
}

/**
 * msa_debugfs_exit() - remove msgpipe_soft/ from debugfs
 */
void msa_debugfs_exit(void)
{
	debugfs_remove_recursive(msa_debugfs);
}
