// SPDX-License-Identifier: GPL-2.0
/*
 * The agent commands of the msgpipe netlink family: show the registered
 * sending agents with their knobs (devlink-param style name, value, range
 * and flags), and set one knob. agent.c checks names and ranges.
 *
 * Locking: msgpipe_agent_walk() holds the agent registry lock while an
 * agent is filled, so its knob_get() cannot race with its unregistration.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <net/genetlink.h>
#include <uapi/linux/msgpipe_nl.h>
#include "msgpipe.h"

struct msgpipe_nl_agent_ctx {
	struct sk_buff	*skb;
	struct msgpipe_net *mn;
	u32		portid;
	u32		seq;
	int		flags;
};

static int msgpipe_nl_put_knob(struct sk_buff *skb,
			       struct msgpipe_agent *agent, unsigned int i)
{
	const struct msgpipe_knob *k = &agent->knobs[i];
	struct nlattr *nest;
	u64 val = 0;

	if (!(k->flags & MSGPIPE_KNOB_F_WRITE_ONLY) &&
	    agent->ops->knob_get(agent, i, &val))
		return 0;	/* nothing to show now; not an error */
	nest = nla_nest_start(skb, MSGPIPE_A_KNOB);
	if (!nest)
		return -EMSGSIZE;
	if (nla_put_string(skb, MSGPIPE_A_KNOB_NAME, k->name) ||
	    nla_put_u64_64bit(skb, MSGPIPE_A_KNOB_MIN, k->min,
			      MSGPIPE_A_PAD) ||
	    nla_put_u64_64bit(skb, MSGPIPE_A_KNOB_MAX, k->max,
			      MSGPIPE_A_PAD) ||
	    nla_put_u32(skb, MSGPIPE_A_KNOB_FLAGS, k->flags) ||
	    (!(k->flags & MSGPIPE_KNOB_F_WRITE_ONLY) &&
	     nla_put_u64_64bit(skb, MSGPIPE_A_KNOB_VALUE, val,
			       MSGPIPE_A_PAD))) {
		nla_nest_cancel(skb, nest);
		return -EMSGSIZE;
	}
	nla_nest_end(skb, nest);
	return 0;
}

/* Called by msgpipe_agent_walk() with the registry lock held. */
static int msgpipe_nl_fill_agent(struct msgpipe_agent *agent, void *arg)
{
	struct msgpipe_nl_agent_ctx *ctx = arg;
	struct sk_buff *skb = ctx->skb;
	unsigned int i;
	void *hdr;

	hdr = genlmsg_put(skb, ctx->portid, ctx->seq, &msgpipe_nl_family,
			  ctx->flags, MSGPIPE_CMD_AGENT_GET);
	if (!hdr)
		return -EMSGSIZE;
	if (nla_put_string(skb, MSGPIPE_A_AGENT_NAME, agent->name) ||
	    nla_put_u32(skb, MSGPIPE_A_AGENT_SQ_DEPTH, agent->sq_depth) ||
	    nla_put_u32(skb, MSGPIPE_A_AGENT_PIPES,
			msgpipe_agent_pipes(agent, ctx->mn)))
		goto err_cancel;
	for (i = 0; i < agent->nr_knobs; i++)
		if (msgpipe_nl_put_knob(skb, agent, i))
			goto err_cancel;
	genlmsg_end(skb, hdr);
	return 0;

err_cancel:
	genlmsg_cancel(skb, hdr);
	return -EMSGSIZE;
}

/**
 * msgpipe_nl_agent_get_doit() - MSGPIPE_CMD_AGENT_GET for one agent
 * @skb:  the request
 * @info: its attributes: agent-name (required)
 *
 * Return: 0 or -errno, with an extack message.
 */
int msgpipe_nl_agent_get_doit(struct sk_buff *skb, struct genl_info *info)
{
	struct msgpipe_nl_agent_ctx ctx = {
		.portid = info->snd_portid,
		.seq = info->snd_seq,
		.mn = msgpipe_net(genl_info_net(info)),
	};
	int err;

	if (msgpipe_nl_missing(info, MSGPIPE_A_AGENT_NAME,
			       "agent-name is required"))
		return -EINVAL;
	ctx.skb = genlmsg_new(NLMSG_GOODSIZE, GFP_KERNEL);
	if (!ctx.skb)
		return -ENOMEM;
	err = msgpipe_agent_walk(nla_data(info->attrs[MSGPIPE_A_AGENT_NAME]),
				 NULL, msgpipe_nl_fill_agent, &ctx);
	if (err) {
		nlmsg_free(ctx.skb);
		if (err == -ENOENT) {
			NL_SET_BAD_ATTR(info->extack,
					info->attrs[MSGPIPE_A_AGENT_NAME]);
			NL_SET_ERR_MSG(info->extack, "no such agent");
		}
		return err;
	}
	return genlmsg_reply(ctx.skb, info);
}

/**
 * msgpipe_nl_agent_get_dump() - MSGPIPE_CMD_AGENT_GET for every agent
 * @skb: the reply
 * @cb:  cb->args[0]: agents already sent
 *
 * Return: bytes in @skb, 0 at the end, or -errno.
 */
int msgpipe_nl_agent_get_dump(struct sk_buff *skb, struct netlink_callback *cb)
{
	struct msgpipe_nl_agent_ctx ctx = {
		.skb = skb,
		.portid = NETLINK_CB(cb->skb).portid,
		.seq = cb->nlh->nlmsg_seq,
		.flags = NLM_F_MULTI,
		.mn = msgpipe_net(sock_net(cb->skb->sk)),
	};
	long pos = cb->args[0];
	int err;

	err = msgpipe_agent_walk(NULL, &pos, msgpipe_nl_fill_agent, &ctx);
	cb->args[0] = pos;
	if (err == -EMSGSIZE && skb->len)
		return skb->len;
	return err ?: skb->len;
}

/**
 * msgpipe_nl_agent_set() - MSGPIPE_CMD_AGENT_SET: set one knob
 * @skb:  the request
 * @info: agent-name, knob-name and knob-value, all required
 *
 * Return: 0 or -errno, with an extack message.
 */
int msgpipe_nl_agent_set(struct sk_buff *skb, struct genl_info *info)
{
	if (msgpipe_nl_missing(info, MSGPIPE_A_AGENT_NAME,
			       "agent-name is required") ||
	    msgpipe_nl_missing(info, MSGPIPE_A_KNOB_NAME,
			       "knob-name is required") ||
	    msgpipe_nl_missing(info, MSGPIPE_A_KNOB_VALUE,
			       "knob-value is required"))
		return -EINVAL;
	return msgpipe_agent_knob_set(nla_data(info->attrs[MSGPIPE_A_AGENT_NAME]),
				      nla_data(info->attrs[MSGPIPE_A_KNOB_NAME]),
				      nla_get_u64(info->attrs[MSGPIPE_A_KNOB_VALUE]),
				      info->extack);
}
