/* SPDX-License-Identifier: GPL-2.0 */
/* struct scm_creds, as include/linux/netlink.h embeds it (see ../README). */
#ifndef _MSGPIPE_SHIM_SCM_H
#define _MSGPIPE_SHIM_SCM_H

#include <linux/types.h>

struct scm_creds {
	u32 pid;
	u32 uid;
	u32 gid;
};

#endif /* _MSGPIPE_SHIM_SCM_H */
