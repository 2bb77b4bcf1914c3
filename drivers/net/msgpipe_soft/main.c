// SPDX-License-Identifier: GPL-2.0
/*
 * msgpipe_soft: the reference sending agent in software (as Soft-RoCE and
 * siw are for RDMA NICs). Module initialisation and exit only.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/module.h>
#include "msa.h"

static struct msgpipe_agent msa_agent = {
	.name = "soft",
	.ops = &msa_ops,
	.owner = THIS_MODULE,
	.sq_depth = MSA_SQ_DEPTH,
	.knobs = msa_knob_table,
	.nr_knobs = MSA_KNOB_NR,
};

static int __init msa_init(void)
{
	int err;

	msa_debugfs_init();
	err = msgpipe_agent_register(&msa_agent);
	if (err)
		msa_debugfs_exit();
	return err;
}

static void __exit msa_exit(void)
{
	/* Detaches and destroys every pipe still using the agent. */
	msgpipe_agent_unregister(&msa_agent);
	msa_debugfs_exit();
}

module_init(msa_init);
module_exit(msa_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msgpipe: software sending agent");
MODULE_AUTHOR("The msgpipe authors");
