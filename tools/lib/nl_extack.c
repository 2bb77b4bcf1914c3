// SPDX-License-Identifier: GPL-2.0
/*
 * The error and extended-ack message of a netlink error (nl_extack.h).
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <stdio.h>
#include <netlink/attr.h>
#include "nl_extack.h"

void mp_nl_extack(const struct nlmsgerr *e, int *err, char *msg, size_t len)
{
	const struct nlmsghdr *nlh =
		(const struct nlmsghdr *)((const char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	int off = sizeof(*e);

	*err = e->error;
	msg[0] = 0;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return;
	/* Without NETLINK_CAP_ACK the request comes back whole first. */
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (nla_parse(tb, NLMSGERR_ATTR_MAX,
		      (struct nlattr *)((char *)e + off),
		      nlh->nlmsg_len - NLMSG_HDRLEN - off, NULL) == 0 &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(msg, len, "%s", (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
}
