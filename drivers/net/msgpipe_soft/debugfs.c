// SPDX-License-Identifier: GPL-2.0
/*
 * The soft agent's debugfs directory, netdevsim style: read-only counters
 * and the knobs tests turn.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include "msa.h"

atomic64_t msa_stats[MSA_STAT_NR];
bool msa_data_crc;

static const char * const msa_stat_names[MSA_STAT_NR] = {
	[MSA_STAT_PIPES] = "pipes",
	[MSA_STAT_CONNS] = "conns",
	[MSA_STAT_TX_QUEUED] = "tx_queued",
	[MSA_STAT_TX_FRAMES] = "tx_frames",
	[MSA_STAT_TX_BYTES] = "tx_bytes",
	[MSA_STAT_RX_FRAMES] = "rx_frames",
	[MSA_STAT_RX_BYTES] = "rx_bytes",
	[MSA_STAT_CONN_FAILURES] = "conn_failures",
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
	debugfs_create_bool("data_crc", 0644, msa_debugfs, &msa_data_crc);
	return 0;
}

/**
 * msa_debugfs_exit() - remove msgpipe_soft/ from debugfs
 */
void msa_debugfs_exit(void)
{
	debugfs_remove_recursive(msa_debugfs);
}
