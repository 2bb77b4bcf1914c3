/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The attribute policies of the msgpipe netlink family, one per kind of
 * request. Kept apart from netlink.c so that the user-space fuzzer
 * (test/fuzz_nl.c) validates requests against exactly these tables.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_NL_POLICY_H
#define _MSGPIPE_NL_POLICY_H

#include <net/netlink.h>
#include <uapi/linux/msgpipe_nl.h>

/* Every table spans all attributes (maxattr MSGPIPE_A_MAX); an attribute
 * an op does not take has no type and strict validation rejects it.
 */
extern const struct nla_policy msgpipe_nl_pipe_new_policy[MSGPIPE_A_MAX + 1];
extern const struct nla_policy msgpipe_nl_pipe_id_policy[MSGPIPE_A_MAX + 1];
extern const struct nla_policy msgpipe_nl_pipe_set_policy[MSGPIPE_A_MAX + 1];
extern const struct nla_policy msgpipe_nl_session_policy[MSGPIPE_A_MAX + 1];
extern const struct nla_policy msgpipe_nl_stats_policy[MSGPIPE_A_MAX + 1];
extern const struct nla_policy msgpipe_nl_agent_get_policy[MSGPIPE_A_MAX + 1];
extern const struct nla_policy msgpipe_nl_agent_set_policy[MSGPIPE_A_MAX + 1];
extern const struct nla_policy msgpipe_nl_defaults_policy[MSGPIPE_A_MAX + 1];
extern const struct nla_policy msgpipe_nl_none_policy[MSGPIPE_A_MAX + 1];
extern const struct nla_policy msgpipe_nl_hs_accept_policy[MSGPIPE_A_MAX + 1];
extern const struct nla_policy msgpipe_nl_hs_done_policy[MSGPIPE_A_MAX + 1];

#endif /* _MSGPIPE_NL_POLICY_H */
