// SPDX-License-Identifier: GPL-2.0
/*
 * msgpipe host module: initialisation and exit only.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/workqueue.h>
#include "msgpipe.h"
#include "stats.h"

/* The address family is a load-time choice so that a kernel where 18 is
 * taken can still run msgpipe; user space reads it back from sysfs.
 */
int msgpipe_family = AF_MSGPIPE;
module_param_named(family, msgpipe_family, int, 0444);
MODULE_PARM_DESC(family, "address family number of AF_MSGPIPE (default 18)");

struct workqueue_struct *msgpipe_wq;
/* Its own queue: a peer that never says HELLO holds a worker for the HELLO
 * timeout, and must not hold up the work of pipes that are up.
 */
struct workqueue_struct *msgpipe_hello_wq;

static int __init msgpipe_init(void)
{
	int err;

	if (msgpipe_family <= AF_UNSPEC || msgpipe_family >= NPROTO) {
		pr_err("family=%d is outside 1..%d\n", msgpipe_family,
		       NPROTO - 1);
		return -EINVAL;
	}
	msgpipe_wq = alloc_workqueue("msgpipe", WQ_UNBOUND, 0);
	if (!msgpipe_wq)
		return -ENOMEM;
	msgpipe_hello_wq = alloc_workqueue("msgpipe_hello", WQ_UNBOUND, 0);
	if (!msgpipe_hello_wq) {
		err = -ENOMEM;
		goto err_wq;
	}
	msgpipe_stats_init();
	err = msgpipe_engine_init();
	if (err)
		goto err_stats;
	err = msgpipe_af_init();
	if (err)
		goto err_engine;
	err = msgpipe_nl_init();
	if (err)
		goto err_af;
	pr_info("AF_MSGPIPE is family %d\n", msgpipe_family);
	return 0;

err_af:
	msgpipe_af_exit();
err_engine:
	msgpipe_engine_exit();
err_stats:
	msgpipe_stats_exit();
	destroy_workqueue(msgpipe_hello_wq);
err_wq:
	destroy_workqueue(msgpipe_wq);
	return err;
}

static void __exit msgpipe_exit(void)
{
	msgpipe_nl_exit();
	msgpipe_af_exit();
	msgpipe_engine_exit();
	msgpipe_stats_exit();
	destroy_workqueue(msgpipe_hello_wq);
	destroy_workqueue(msgpipe_wq);
}

module_init(msgpipe_init);
module_exit(msgpipe_exit);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("msgpipe: message transport over pipes of TCP connections (host)");
MODULE_AUTHOR("The msgpipe authors");
