// SPDX-License-Identifier: GPL-2.0
/*
 * Per-op attribute policies of the msgpipe netlink family: each op accepts
 * only its own attributes, with exact lengths and value ranges, so the
 * handlers in netlink.c and nl_agent.c only check presence.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <uapi/linux/msgpipe.h>
#include "nl_policy.h"

const struct nla_policy msgpipe_nl_pipe_new_policy[MSGPIPE_A_MAX + 1] = {
	[MSGPIPE_A_PEER_IPV4] = { .type = NLA_BE32 },
	[MSGPIPE_A_PEER_IPV6] = NLA_POLICY_EXACT_LEN(16),
	[MSGPIPE_A_PIPE_CONNS] = NLA_POLICY_RANGE(NLA_U32, 1,
						  MSGPIPE_PIPE_CONNS_MAX),
	[MSGPIPE_A_PIPE_KEEP] = NLA_POLICY_MAX(NLA_U8, 1),
	[MSGPIPE_A_PIPE_SECURITY] = NLA_POLICY_MAX(NLA_U8, MSGPIPE_SECURITY_MAX),
};

const struct nla_policy msgpipe_nl_pipe_id_policy[MSGPIPE_A_MAX + 1] = {
	[MSGPIPE_A_PIPE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

const struct nla_policy msgpipe_nl_pipe_set_policy[MSGPIPE_A_MAX + 1] = {
	[MSGPIPE_A_PIPE_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MSGPIPE_A_PIPE_KEEP] = NLA_POLICY_MAX(NLA_U8, 1),
};

const struct nla_policy msgpipe_nl_session_policy[MSGPIPE_A_MAX + 1] = {
	[MSGPIPE_A_SESSION_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

const struct nla_policy msgpipe_nl_stats_policy[MSGPIPE_A_MAX + 1] = {
	[MSGPIPE_A_STAT_NAME] = { .type = NLA_NUL_STRING, .len = 32 },
	[MSGPIPE_A_STAT_ALL] = { .type = NLA_FLAG },
};

const struct nla_policy msgpipe_nl_agent_get_policy[MSGPIPE_A_MAX + 1] = {
	[MSGPIPE_A_AGENT_NAME] = { .type = NLA_NUL_STRING,
				   .len = MSGPIPE_KNOB_NAME_LEN - 1 },
};

const struct nla_policy msgpipe_nl_agent_set_policy[MSGPIPE_A_MAX + 1] = {
	[MSGPIPE_A_AGENT_NAME] = { .type = NLA_NUL_STRING,
				   .len = MSGPIPE_KNOB_NAME_LEN - 1 },
	[MSGPIPE_A_KNOB_NAME] = { .type = NLA_NUL_STRING,
				  .len = MSGPIPE_KNOB_NAME_LEN - 1 },
	[MSGPIPE_A_KNOB_VALUE] = { .type = NLA_U64 },
};

/* Ranges wider than the policy's s16 fields (the spec's checks). */
static struct netlink_range_validation msgpipe_nl_rdm_time_range = {
	.min = 0, .max = 10000000,
};

static struct netlink_range_validation msgpipe_nl_rdm_size_range = {
	.min = 0, .max = 67108864,
};

static struct netlink_range_validation msgpipe_nl_rdm_retry_range = {
	.min = 10, .max = 600000,
};

const struct nla_policy msgpipe_nl_defaults_policy[MSGPIPE_A_MAX + 1] = {
	[MSGPIPE_A_DEFAULT_CONNS] = NLA_POLICY_RANGE(NLA_U32, 1,
						     MSGPIPE_PIPE_CONNS_MAX),
	[MSGPIPE_A_DEFAULT_RDM_TIME_US] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &msgpipe_nl_rdm_time_range),
	[MSGPIPE_A_DEFAULT_RDM_SIZE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &msgpipe_nl_rdm_size_range),
	[MSGPIPE_A_DEFAULT_RDM_RETRY_MS] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &msgpipe_nl_rdm_retry_range),
	[MSGPIPE_A_DEFAULT_RDM_RETRIES] = NLA_POLICY_RANGE(NLA_U32, 0, 100),
	[MSGPIPE_A_DEFAULT_RDM_RX_TIME_US] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &msgpipe_nl_rdm_time_range),
	[MSGPIPE_A_DEFAULT_RDM_RX_SIZE] =
		NLA_POLICY_FULL_RANGE(NLA_U32, &msgpipe_nl_rdm_size_range),
	[MSGPIPE_A_DEFAULT_RDM_THROTTLE_MS] = NLA_POLICY_RANGE(NLA_U32, 0, 10000),
	[MSGPIPE_A_DEFAULT_SECURITY] = NLA_POLICY_MAX(NLA_U8, MSGPIPE_SECURITY_MAX),
	[MSGPIPE_A_DEFAULT_REQUIRE_SECURITY] = NLA_POLICY_MAX(NLA_U8, 1),
	[MSGPIPE_A_DEFAULT_LISTEN] = NLA_POLICY_MAX(NLA_U8, MSGPIPE_LISTEN_MAX),
};

const struct nla_policy msgpipe_nl_hs_accept_policy[MSGPIPE_A_MAX + 1] = {
	[MSGPIPE_A_HS_ID] = NLA_POLICY_MIN(NLA_U32, 1),
};

const struct nla_policy msgpipe_nl_hs_done_policy[MSGPIPE_A_MAX + 1] = {
	[MSGPIPE_A_HS_ID] = NLA_POLICY_MIN(NLA_U32, 1),
	[MSGPIPE_A_HS_STATUS] = NLA_POLICY_RANGE(NLA_S32, -4095, 0),	/* -MAX_ERRNO */
};

/* Requests without attributes (defaults-get): any attribute is refused. */
const struct nla_policy msgpipe_nl_none_policy[MSGPIPE_A_MAX + 1] = {
};
