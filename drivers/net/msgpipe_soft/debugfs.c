// SPDX-License-Identifier: GPL-2.0
/*
 * The soft agent's knobs and counters, netdevsim style: the knobs as
 * contract knobs (msgpipectl agent set), module parameters and debugfs
 * files, and the read-only counters in debugfs.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/debugfs.h>
#include <linux/fault-inject.h>
#include <linux/module.h>
#include <linux/seq_file.h>
#include "msa.h"

atomic64_t msa_stats[MSA_STAT_NR];
struct msa_knobs msa_knobs = {
	.zerocopy = true,
	.ack_timeout_ms = 200,
	.retire_ms = 60000,
};

static u32 *msa_knob_u32(unsigned int idx);

/* @val for knob @idx: in the range its table entry gives, or -ERANGE. */
static int msa_knob_check(unsigned int idx, u64 val)
{
	const struct msgpipe_knob *k = &msa_knob_table[idx];

	return val < k->min || val > k->max ? -ERANGE : 0;
}

/* A module parameter is its knob: set at load time or later, it takes
 * only what msgpipectl would.
 */
static int msa_knob_param_set(const char *val, const struct kernel_param *kp)
{
	unsigned int idx;
	u32 v;
	int err;

	err = kstrtou32(val, 0, &v);
	if (err)
		return err;
	for (idx = 0; idx < MSA_KNOB_NR; idx++)
		if (msa_knob_u32(idx) == kp->arg)
			break;
	if (WARN_ON_ONCE(idx == MSA_KNOB_NR))
		return -EINVAL;
	err = msa_knob_check(idx, v);
	if (err)
		return err;
	WRITE_ONCE(*(u32 *)kp->arg, v);
	return 0;
}

static const struct kernel_param_ops msa_knob_param_ops = {
	.set = msa_knob_param_set,
	.get = param_get_uint,
};

/* The knobs are module parameters too: debugfs may be locked down. */
module_param_named(data_crc, msa_knobs.data_crc, bool, 0644);
module_param_named(zerocopy, msa_knobs.zerocopy, bool, 0644);
module_param_cb(drop_permille, &msa_knob_param_ops, &msa_knobs.drop_permille,
		0644);
module_param_cb(ack_delay_ms, &msa_knob_param_ops, &msa_knobs.ack_delay_ms,
		0644);
module_param_cb(attach_delay_ms, &msa_knob_param_ops,
		&msa_knobs.attach_delay_ms, 0644);
module_param_cb(ack_timeout_ms, &msa_knob_param_ops,
		&msa_knobs.ack_timeout_ms, 0644);
module_param_cb(retire_ms, &msa_knob_param_ops, &msa_knobs.retire_ms, 0644);
module_param_cb(max_inflight_kb, &msa_knob_param_ops,
		&msa_knobs.max_inflight_kb, 0644);
module_param_cb(lose_type, &msa_knob_param_ops, &msa_knobs.lose_type, 0644);
module_param_cb(drop_next, &msa_knob_param_ops, &msa_knobs.drop_next, 0644);
MODULE_PARM_DESC(drop_next, "the next this many DATA frames are dropped (testing)");
MODULE_PARM_DESC(lose_type, "frames of this type lost with their connection (testing)");
MODULE_PARM_DESC(max_inflight_kb, "cap on zero-copy bytes TCP holds (0: none)");
/* The reset knob takes a mask of connection slots; -1 means all. */
static int msa_reset_set(const char *val, const struct kernel_param *kp)
{
	u64 mask;
	int err;

	if (sysfs_streq(val, "-1") || sysfs_streq(val, "all")) {
		mask = U64_MAX;
	} else {
		err = kstrtou64(val, 0, &mask);
		if (err)
			return err;
	}
	if (mask)
		msa_pipes_fault(mask, MSA_FAULT_RESET);
	return 0;
}

static const struct kernel_param_ops msa_reset_ops = {
	.set = msa_reset_set,
};
module_param_cb(reset_conns, &msa_reset_ops, NULL, 0200);
MODULE_PARM_DESC(reset_conns,
		 "reset connections now: bit i = connection i of every pipe, all = every one (testing)");

static int msa_reset_write(void *data, u64 val)
{
	if (val)
		msa_pipes_fault(val, MSA_FAULT_RESET);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(msa_reset_fops, NULL, msa_reset_write, "%llu\n");

MODULE_PARM_DESC(drop_permille, "DATA frames in 1000 dropped (testing)");
MODULE_PARM_DESC(ack_delay_ms, "delay before acting on each ACK (testing)");
MODULE_PARM_DESC(attach_delay_ms,
		 "delay before a new connection replaces its slot's (testing)");
MODULE_PARM_DESC(ack_timeout_ms, "least acknowledgment timeout (measured if longer)");
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
	[MSA_STAT_RTT_SAMPLES] = "rtt_samples",
	[MSA_STAT_RTO_MAX_MS] = "rto_max_ms",
	[MSA_STAT_RX_FRAMES] = "rx_frames",
	[MSA_STAT_RX_BYTES] = "rx_bytes",
	[MSA_STAT_CONN_FAILURES] = "conn_failures",
	[MSA_STAT_CONN_CLOSED] = "conn_closed",
	[MSA_STAT_CONN_RESET] = "conn_reset",
	[MSA_STAT_CONN_TIMEDOUT] = "conn_timedout",
	[MSA_STAT_CONN_REPLACED] = "conn_replaced",
	[MSA_STAT_PROTO_ERRORS] = "proto_errors",
	[MSA_STAT_CRC_ERRORS] = "crc_errors",
	[MSA_STAT_TLS_CLOSED] = "tls_closed",
	[MSA_STAT_TLS_ALERTS] = "tls_alerts",
	[MSA_STAT_TLS_ALERTS_SENT] = "tls_alerts_sent",
	[MSA_STAT_LOST] = "lost_frames",
};

/* Contract knobs; the order is enum msa_knob's. */
const struct msgpipe_knob msa_knob_table[MSA_KNOB_NR] = {
	[MSA_KNOB_DATA_CRC] = { .name = "data_crc", .max = 1 },
	[MSA_KNOB_ZEROCOPY] = { .name = "zerocopy", .max = 1 },
	[MSA_KNOB_DROP_PERMILLE] = { .name = "drop_permille", .max = 1000,
				     .flags = MSGPIPE_KNOB_F_TESTING },
	[MSA_KNOB_ACK_DELAY_MS] = { .name = "ack_delay_ms", .max = 60000,
				    .flags = MSGPIPE_KNOB_F_TESTING },
	[MSA_KNOB_ACK_TIMEOUT_MS] = { .name = "ack_timeout_ms", .min = 1,
				      .max = 600000 },
	[MSA_KNOB_RETIRE_MS] = { .name = "retire_ms", .min = 1,
				 .max = 86400000 },
	[MSA_KNOB_MAX_INFLIGHT_KB] = { .name = "max_inflight_kb",
				       .max = U32_MAX },
	[MSA_KNOB_RESET_CONNS] = { .name = "reset_conns", .min = 1,
				   .max = U64_MAX,
				   .flags = MSGPIPE_KNOB_F_WRITE_ONLY |
					    MSGPIPE_KNOB_F_TESTING },
	[MSA_KNOB_ATTACH_DELAY_MS] = { .name = "attach_delay_ms", .max = 60000,
				       .flags = MSGPIPE_KNOB_F_TESTING },
	[MSA_KNOB_TLS_ALERT] = { .name = "tls_alert", .min = 1,
				 .max = U64_MAX,
				 .flags = MSGPIPE_KNOB_F_WRITE_ONLY |
					  MSGPIPE_KNOB_F_TESTING },
	[MSA_KNOB_LOSE_TYPE] = { .name = "lose_type",
				 .max = MSGPIPE_T_MAX - 1,
				 .flags = MSGPIPE_KNOB_F_TESTING },
	[MSA_KNOB_DROP_NEXT] = { .name = "drop_next", .max = 1000000,
				 .flags = MSGPIPE_KNOB_F_TESTING },
};

static u32 *msa_knob_u32(unsigned int idx)
{
	switch (idx) {
	case MSA_KNOB_DROP_PERMILLE:
		return &msa_knobs.drop_permille;
	case MSA_KNOB_ACK_DELAY_MS:
		return &msa_knobs.ack_delay_ms;
	case MSA_KNOB_ATTACH_DELAY_MS:
		return &msa_knobs.attach_delay_ms;
	case MSA_KNOB_ACK_TIMEOUT_MS:
		return &msa_knobs.ack_timeout_ms;
	case MSA_KNOB_RETIRE_MS:
		return &msa_knobs.retire_ms;
	case MSA_KNOB_MAX_INFLIGHT_KB:
		return &msa_knobs.max_inflight_kb;
	case MSA_KNOB_LOSE_TYPE:
		return &msa_knobs.lose_type;
	case MSA_KNOB_DROP_NEXT:
		return &msa_knobs.drop_next;
	}
	return NULL;
}

/**
 * msa_knob_get() - the contract's knob_get()
 * @agent: the soft agent
 * @idx:   index in msa_knob_table
 * @val:   the value
 *
 * Return: 0, or -EOPNOTSUPP for a write-only knob.
 */
int msa_knob_get(struct msgpipe_agent *agent, unsigned int idx, u64 *val)
{
	u32 *p = msa_knob_u32(idx);

	if (p)
		*val = READ_ONCE(*p);
	else if (idx == MSA_KNOB_DATA_CRC)
		*val = READ_ONCE(msa_knobs.data_crc);
	else if (idx == MSA_KNOB_ZEROCOPY)
		*val = READ_ONCE(msa_knobs.zerocopy);
	else
		return -EOPNOTSUPP;
	return 0;
}

/**
 * msa_knob_set() - the contract's knob_set()
 * @agent: the soft agent
 * @idx:   index in msa_knob_table
 * @val:   the value, in the knob's range
 *
 * Return: 0, or -EOPNOTSUPP for an unknown index.
 */
int msa_knob_set(struct msgpipe_agent *agent, unsigned int idx, u64 val)
{
	u32 *p = msa_knob_u32(idx);

	if (p)
		WRITE_ONCE(*p, val);
	else if (idx == MSA_KNOB_DATA_CRC)
		WRITE_ONCE(msa_knobs.data_crc, val);
	else if (idx == MSA_KNOB_ZEROCOPY)
		WRITE_ONCE(msa_knobs.zerocopy, val);
	else if (idx == MSA_KNOB_RESET_CONNS)
		msa_pipes_fault(val, MSA_FAULT_RESET);
	else if (idx == MSA_KNOB_TLS_ALERT)
		msa_pipes_fault(val, MSA_FAULT_TLS_ALERT);
	else
		return -EOPNOTSUPP;
	return 0;
}

static struct dentry *msa_debugfs;

#ifdef CONFIG_FAULT_INJECTION_DEBUG_FS
/* Fault points, for kernels built with fault injection (the debug
 * kernel): debugfs msgpipe_soft/fail_zc/ (probability, times, ...) as
 * failslab's, Documentation/fault-injection/fault-injection.rst.
 */
static DECLARE_FAULT_ATTR(msa_fail_zc);

/**
 * msa_should_fail_zc() - fail a zero-copy record's allocation now
 *
 * Return: true when the fail_zc fault point says so.
 */
bool msa_should_fail_zc(void)
{
	return should_fail(&msa_fail_zc, 1);
}

static void msa_faults_init(void)
{
	fault_create_debugfs_attr("fail_zc", msa_debugfs, &msa_fail_zc);
}
#else
static void msa_faults_init(void)
{
}
#endif

/* A knob's debugfs file; its private data is the knob's index. */
static int msa_knob_file_get(void *data, u64 *val)
{
	*val = READ_ONCE(*msa_knob_u32((uintptr_t)data));
	return 0;
}

static int msa_knob_file_set(void *data, u64 val)
{
	unsigned int idx = (uintptr_t)data;
	int err = msa_knob_check(idx, val);

	if (!err)
		WRITE_ONCE(*msa_knob_u32(idx), val);
	return err;
}
DEFINE_DEBUGFS_ATTRIBUTE(msa_knob_fops, msa_knob_file_get, msa_knob_file_set,
			 "%llu\n");

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
	unsigned int idx;

	msa_debugfs = debugfs_create_dir("msgpipe_soft", NULL);
	debugfs_create_file("stats", 0444, msa_debugfs, NULL, &msa_stats_fops);
	debugfs_create_bool("data_crc", 0644, msa_debugfs, &msa_knobs.data_crc);
	debugfs_create_bool("zerocopy", 0644, msa_debugfs, &msa_knobs.zerocopy);
	for (idx = 0; idx < MSA_KNOB_NR; idx++)
		if (msa_knob_u32(idx))
			debugfs_create_file_unsafe(msa_knob_table[idx].name,
						   0644, msa_debugfs,
						   (void *)(uintptr_t)idx,
						   &msa_knob_fops);
	debugfs_create_file_unsafe("reset_conns", 0200, msa_debugfs, NULL,
				   &msa_reset_fops);
	msa_faults_init();
	return 0;
}

/**
 * msa_debugfs_exit() - remove msgpipe_soft/ from debugfs
 */
void msa_debugfs_exit(void)
{
	debugfs_remove_recursive(msa_debugfs);
}
