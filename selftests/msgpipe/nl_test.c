// SPDX-License-Identifier: GPL-2.0
/*
 * Negative tests of the msgpipe generic netlink family, below msgpipectl:
 * raw requests with missing, unknown, badly typed and out-of-range
 * attributes, and changes from an unprivileged user namespace. Each must
 * fail with the right errno and an extack message.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <unistd.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/msgpipe_nl.h>
#include "kselftest_harness.h"

/* A test that hangs is still caught, but one test of the debug kernel
 * under TCG, beside the other lanes' guests, may take over a minute: the
 * harness's 30 s default failed tests that were only slow.
 */
#undef TEST_TIMEOUT_DEFAULT
#define TEST_TIMEOUT_DEFAULT 180

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

struct answer {
	int err;
	char msg[256];
};

static int nl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1];
	struct answer *a = arg;
	int off = sizeof(*e);

	(void)nla;
	a->err = e->error;
	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NL_STOP;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - NLMSG_HDRLEN;
	if (!nla_parse(tb, NLMSGERR_ATTR_MAX, (struct nlattr *)((char *)e + off),
		       nlh->nlmsg_len - NLMSG_HDRLEN - off, NULL) &&
	    tb[NLMSGERR_ATTR_MSG])
		snprintf(a->msg, sizeof(a->msg), "%s",
			 (char *)nla_data(tb[NLMSGERR_ATTR_MSG]));
	return NL_STOP;
}

static int nl_ack_cb(struct nl_msg *m, void *arg)
{
	(void)m;
	((struct answer *)arg)->err = 0;
	return NL_STOP;
}

FIXTURE(nl) {
	struct nl_sock *sk;
	int family;
	struct answer a;
};

FIXTURE_SETUP(nl)
{
	int one = 1;

	self->sk = nl_socket_alloc();
	ASSERT_NE(NULL, self->sk);
	ASSERT_EQ(0, genl_connect(self->sk));
	setsockopt(nl_socket_get_fd(self->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	self->family = genl_ctrl_resolve(self->sk, MSGPIPE_GENL_NAME);
	ASSERT_LT(0, self->family);
	nl_socket_modify_err_cb(self->sk, NL_CB_CUSTOM, nl_err_cb, &self->a);
	nl_socket_modify_cb(self->sk, NL_CB_ACK, NL_CB_CUSTOM, nl_ack_cb,
			    &self->a);
}

FIXTURE_TEARDOWN(nl)
{
	nl_socket_free(self->sk);
}

static struct nl_msg *req(int family, uint8_t cmd)
{
	struct nl_msg *m = nlmsg_alloc();

	genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, family, 0, NLM_F_ACK, cmd,
		    MSGPIPE_GENL_VERSION);
	return m;
}

/* Send, wait for the ACK or error: 0 or -errno, extack in a->msg. */
static int ask(struct nl_sock *sk, struct nl_msg *m, struct answer *a)
{
	a->err = -EINPROGRESS;
	a->msg[0] = 0;
	if (nl_send_auto(sk, m) < 0) {
		nlmsg_free(m);
		return -EIO;
	}
	nlmsg_free(m);
	while (a->err == -EINPROGRESS)
		if (nl_recvmsgs_default(sk) < 0 && a->err == -EINPROGRESS)
			return -EIO;
	return a->err;
}

TEST_F(nl, pipe_del__missing_id)
{
	EXPECT_EQ(-EINVAL, ask(self->sk, req(self->family, MSGPIPE_CMD_PIPE_DEL),
			       &self->a));
	EXPECT_STREQ("pipe-id is required", self->a.msg);
}

TEST_F(nl, pipe_del__no_such_pipe)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_PIPE_DEL);

	nla_put_u32(m, MSGPIPE_A_PIPE_ID, 424242);
	EXPECT_EQ(-ENOENT, ask(self->sk, m, &self->a));
	EXPECT_STREQ("no such pipe", self->a.msg);
}

TEST_F(nl, pipe_del__id_of_wrong_type)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_PIPE_DEL);

	nla_put_u8(m, MSGPIPE_A_PIPE_ID, 1);
	EXPECT_EQ(-EINVAL, ask(self->sk, m, &self->a));
	EXPECT_NE(0, self->a.msg[0]);
	TH_LOG("extack: %s", self->a.msg);
}

TEST_F(nl, pipe_del__zero_id)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_PIPE_DEL);

	nla_put_u32(m, MSGPIPE_A_PIPE_ID, 0);
	EXPECT_EQ(-ERANGE, ask(self->sk, m, &self->a));
	EXPECT_NE(0, self->a.msg[0]);
}

TEST_F(nl, pipe_new__attribute_of_another_op)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_PIPE_NEW);

	nla_put_u32(m, MSGPIPE_A_PEER_IPV4, htonl(0x0a4d0002));
	nla_put_u32(m, MSGPIPE_A_SESSION_ID, 1);	/* not in its policy */
	EXPECT_EQ(-EINVAL, ask(self->sk, m, &self->a));
	EXPECT_NE(0, self->a.msg[0]);
	TH_LOG("extack: %s", self->a.msg);
}

TEST_F(nl, pipe_new__unknown_attribute)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_PIPE_NEW);

	nla_put_u32(m, MSGPIPE_A_PEER_IPV4, htonl(0x0a4d0002));
	nla_put_u32(m, MSGPIPE_A_MAX + 7, 1);
	EXPECT_EQ(-EINVAL, ask(self->sk, m, &self->a));
	EXPECT_NE(0, self->a.msg[0]);
}

TEST_F(nl, pipe_new__no_peer)
{
	EXPECT_EQ(-EINVAL, ask(self->sk, req(self->family, MSGPIPE_CMD_PIPE_NEW),
			       &self->a));
	EXPECT_STREQ("give exactly one of peer-ipv4 and peer-ipv6", self->a.msg);
}

TEST_F(nl, pipe_new__two_peers)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_PIPE_NEW);
	unsigned char a6[16] = { 0xfd, 0x77, [15] = 2 };

	nla_put_u32(m, MSGPIPE_A_PEER_IPV4, htonl(0x0a4d0002));
	nla_put(m, MSGPIPE_A_PEER_IPV6, 16, a6);
	EXPECT_EQ(-EINVAL, ask(self->sk, m, &self->a));
	EXPECT_STREQ("give exactly one of peer-ipv4 and peer-ipv6", self->a.msg);
}

TEST_F(nl, pipe_new__short_ipv6)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_PIPE_NEW);
	unsigned char a6[8] = { 0xfd, 0x77 };

	nla_put(m, MSGPIPE_A_PEER_IPV6, 8, a6);
	EXPECT_EQ(-ERANGE, ask(self->sk, m, &self->a));
	EXPECT_NE(0, self->a.msg[0]);
}

TEST_F(nl, pipe_new__multicast_peer)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_PIPE_NEW);

	nla_put_u32(m, MSGPIPE_A_PEER_IPV4, htonl(0xe0000001));
	EXPECT_EQ(-EINVAL, ask(self->sk, m, &self->a));
	EXPECT_STREQ("peer must be a unicast address", self->a.msg);
}

TEST_F(nl, pipe_new__conns_out_of_range)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_PIPE_NEW);

	nla_put_u32(m, MSGPIPE_A_PEER_IPV4, htonl(0x0a4d0002));
	nla_put_u32(m, MSGPIPE_A_PIPE_CONNS, 1025);
	EXPECT_EQ(-ERANGE, ask(self->sk, m, &self->a));
	EXPECT_NE(0, self->a.msg[0]);
	m = req(self->family, MSGPIPE_CMD_PIPE_NEW);
	nla_put_u32(m, MSGPIPE_A_PEER_IPV4, htonl(0x0a4d0002));
	nla_put_u32(m, MSGPIPE_A_PIPE_CONNS, 0);
	EXPECT_EQ(-ERANGE, ask(self->sk, m, &self->a));
}

TEST_F(nl, pipe_new__nobody_listens)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_PIPE_NEW);

	nla_put_u32(m, MSGPIPE_A_PEER_IPV4, htonl(0x7f000001));
	EXPECT_EQ(-ECONNREFUSED, ask(self->sk, m, &self->a));
	EXPECT_STREQ("cannot open a pipe to the peer's msgpipe listener",
		     self->a.msg);
}

TEST_F(nl, session_get__no_such_session)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_SESSION_GET);

	nla_put_u32(m, MSGPIPE_A_SESSION_ID, 99999);
	EXPECT_EQ(-ENOENT, ask(self->sk, m, &self->a));
	EXPECT_STREQ("no such session", self->a.msg);
}

TEST_F(nl, stats_get__no_such_counter)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_STATS_GET);

	nla_put_string(m, MSGPIPE_A_STAT_NAME, "no_such_counter");
	EXPECT_EQ(-ENOENT, ask(self->sk, m, &self->a));
	EXPECT_STREQ("no such counter", self->a.msg);
}

TEST_F(nl, defaults_set__nothing_to_set)
{
	EXPECT_EQ(-EINVAL, ask(self->sk, req(self->family,
					     MSGPIPE_CMD_DEFAULTS_SET),
			       &self->a));
	EXPECT_STREQ("no default to set", self->a.msg);
}

TEST_F(nl, defaults_set__rdm_out_of_range)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_DEFAULTS_SET);

	nla_put_u32(m, MSGPIPE_A_DEFAULT_RDM_RETRY_MS, 5);
	EXPECT_EQ(-ERANGE, ask(self->sk, m, &self->a));
	EXPECT_NE(0, self->a.msg[0]);
	m = req(self->family, MSGPIPE_CMD_DEFAULTS_SET);
	nla_put_u32(m, MSGPIPE_A_DEFAULT_RDM_THROTTLE_MS, 10001);
	EXPECT_EQ(-ERANGE, ask(self->sk, m, &self->a));
}

/* A knob request for agent "soft" with @knob = @val (u64). */
TEST_F(nl, pipe_new__security_out_of_range)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_PIPE_NEW);

	nla_put_u32(m, MSGPIPE_A_PEER_IPV4, htonl(0x0a4d0002));
	nla_put_u8(m, MSGPIPE_A_PIPE_SECURITY, MSGPIPE_SECURITY_MAX + 1);
	EXPECT_EQ(-ERANGE, ask(self->sk, m, &self->a));
	EXPECT_NE(0, self->a.msg[0]);
}

TEST_F(nl, defaults_set__require_security_forbids_none)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_DEFAULTS_SET);

	nla_put_u8(m, MSGPIPE_A_DEFAULT_REQUIRE_SECURITY, 1);
	ASSERT_EQ(0, ask(self->sk, m, &self->a));
	m = req(self->family, MSGPIPE_CMD_PIPE_NEW);
	nla_put_u32(m, MSGPIPE_A_PEER_IPV4, htonl(0x7f000001));
	EXPECT_EQ(-EPERM, ask(self->sk, m, &self->a));
	EXPECT_STREQ("this namespace requires a pipe security other than none",
		     self->a.msg);
	m = req(self->family, MSGPIPE_CMD_PIPE_NEW);
	nla_put_u32(m, MSGPIPE_A_PEER_IPV4, htonl(0x7f000001));
	nla_put_u8(m, MSGPIPE_A_PIPE_SECURITY, MSGPIPE_SECURITY_NONE);
	EXPECT_EQ(-EPERM, ask(self->sk, m, &self->a));
	m = req(self->family, MSGPIPE_CMD_DEFAULTS_SET);
	nla_put_u8(m, MSGPIPE_A_DEFAULT_REQUIRE_SECURITY, 2);
	EXPECT_EQ(-ERANGE, ask(self->sk, m, &self->a));
	m = req(self->family, MSGPIPE_CMD_DEFAULTS_SET);
	nla_put_u8(m, MSGPIPE_A_DEFAULT_SECURITY, MSGPIPE_SECURITY_MAX + 1);
	EXPECT_EQ(-ERANGE, ask(self->sk, m, &self->a));
	m = req(self->family, MSGPIPE_CMD_DEFAULTS_SET);
	nla_put_u8(m, MSGPIPE_A_DEFAULT_REQUIRE_SECURITY, 0);
	EXPECT_EQ(0, ask(self->sk, m, &self->a));
}

TEST_F(nl, defaults_set__listen_range)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_DEFAULTS_SET);

	nla_put_u8(m, MSGPIPE_A_DEFAULT_LISTEN, MSGPIPE_LISTEN_MAX + 1);
	EXPECT_EQ(-ERANGE, ask(self->sk, m, &self->a));
	EXPECT_NE(0, self->a.msg[0]);
	m = req(self->family, MSGPIPE_CMD_DEFAULTS_SET);
	nla_put_u8(m, MSGPIPE_A_DEFAULT_LISTEN, MSGPIPE_LISTEN_OFF);
	EXPECT_EQ(0, ask(self->sk, m, &self->a));
	m = req(self->family, MSGPIPE_CMD_DEFAULTS_SET);
	nla_put_u8(m, MSGPIPE_A_DEFAULT_LISTEN, MSGPIPE_LISTEN_AUTO);
	EXPECT_EQ(0, ask(self->sk, m, &self->a));
}

TEST_F(nl, hs_accept__missing_id)
{
	EXPECT_EQ(-EINVAL, ask(self->sk, req(self->family,
					     MSGPIPE_CMD_HS_ACCEPT), &self->a));
	EXPECT_STREQ("hs-id is required", self->a.msg);
}

TEST_F(nl, hs_accept__no_such_handshake)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_HS_ACCEPT);

	nla_put_u32(m, MSGPIPE_A_HS_ID, 12345);
	EXPECT_EQ(-ENOENT, ask(self->sk, m, &self->a));
	EXPECT_STREQ("no such handshake pending", self->a.msg);
}

TEST_F(nl, hs_done__not_taken)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_HS_DONE);

	nla_put_u32(m, MSGPIPE_A_HS_ID, 12345);
	nla_put_u32(m, MSGPIPE_A_HS_STATUS, 0);
	EXPECT_EQ(-ENOENT, ask(self->sk, m, &self->a));
	EXPECT_STREQ("no such handshake taken by this socket", self->a.msg);
}

TEST_F(nl, hs_done__status_out_of_range)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_HS_DONE);

	nla_put_u32(m, MSGPIPE_A_HS_ID, 1);
	nla_put_u32(m, MSGPIPE_A_HS_STATUS, 1);
	EXPECT_EQ(-ERANGE, ask(self->sk, m, &self->a));
	m = req(self->family, MSGPIPE_CMD_HS_DONE);
	nla_put_u32(m, MSGPIPE_A_HS_ID, 1);
	EXPECT_EQ(-EINVAL, ask(self->sk, m, &self->a));
	EXPECT_STREQ("hs-status is required", self->a.msg);
}

static struct nl_msg *knob_req(int family, const char *agent,
			       const char *knob, uint64_t val)
{
	struct nl_msg *m = req(family, MSGPIPE_CMD_AGENT_SET);

	if (agent)
		nla_put_string(m, MSGPIPE_A_AGENT_NAME, agent);
	if (knob)
		nla_put_string(m, MSGPIPE_A_KNOB_NAME, knob);
	nla_put_u64(m, MSGPIPE_A_KNOB_VALUE, val);
	return m;
}

TEST_F(nl, agent_set__missing_knob_name)
{
	EXPECT_EQ(-EINVAL, ask(self->sk, knob_req(self->family, "soft", NULL, 1),
			       &self->a));
	EXPECT_STREQ("knob-name is required", self->a.msg);
}

TEST_F(nl, agent_set__no_such_agent)
{
	EXPECT_EQ(-ENOENT, ask(self->sk, knob_req(self->family, "nic0",
						  "retire_ms", 1000),
			       &self->a));
	EXPECT_STREQ("no such agent", self->a.msg);
}

TEST_F(nl, agent_set__no_such_knob)
{
	EXPECT_EQ(-ENOENT, ask(self->sk, knob_req(self->family, "soft",
						  "warp_speed", 1),
			       &self->a));
	EXPECT_STREQ("the agent has no such knob", self->a.msg);
}

TEST_F(nl, agent_set__out_of_range)
{
	EXPECT_EQ(-ERANGE, ask(self->sk, knob_req(self->family, "soft",
						  "drop_permille", 1001),
			       &self->a));
	EXPECT_NE(0, self->a.msg[0]);
	TH_LOG("extack: %s", self->a.msg);
	EXPECT_EQ(-ERANGE, ask(self->sk, knob_req(self->family, "soft",
						  "ack_timeout_ms", 0),
			       &self->a));
}

TEST_F(nl, agent_set__value_of_wrong_type)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_AGENT_SET);

	nla_put_string(m, MSGPIPE_A_AGENT_NAME, "soft");
	nla_put_string(m, MSGPIPE_A_KNOB_NAME, "drop_permille");
	nla_put_u32(m, MSGPIPE_A_KNOB_VALUE, 1);
	EXPECT_EQ(-EINVAL, ask(self->sk, m, &self->a));
	EXPECT_NE(0, self->a.msg[0]);
}

TEST_F(nl, agent_set__name_too_long)
{
	EXPECT_EQ(-EINVAL, ask(self->sk,
			       knob_req(self->family, "soft",
					"a_knob_name_longer_than_31_bytes", 1),
			       &self->a));
	EXPECT_NE(0, self->a.msg[0]);
}

TEST_F(nl, agent_get__no_such_agent)
{
	struct nl_msg *m = req(self->family, MSGPIPE_CMD_AGENT_GET);

	nla_put_string(m, MSGPIPE_A_AGENT_NAME, "nic0");
	EXPECT_EQ(-ENOENT, ask(self->sk, m, &self->a));
	EXPECT_STREQ("no such agent", self->a.msg);
}

TEST_F(nl, unknown_command)
{
	EXPECT_EQ(-EOPNOTSUPP, ask(self->sk, req(self->family, 200), &self->a));
}

/* In a user namespace of its own the caller has no CAP_NET_ADMIN over
 * the network namespace: every change is refused, reads are not.
 */
TEST(unprivileged__changes_refused)
{
	struct answer a = {};
	struct nl_sock *sk;
	struct nl_msg *m;
	int family, grp;

	/* EINVAL: a kernel without CONFIG_USER_NS (the shared debug kernel). */
	if (unshare(CLONE_NEWUSER)) {
		ASSERT_EQ(EINVAL, errno) TH_LOG("unshare: %m");
		SKIP(return, "no user namespaces in this kernel");
	}
	sk = nl_socket_alloc();
	ASSERT_EQ(0, genl_connect(sk));
	family = genl_ctrl_resolve(sk, MSGPIPE_GENL_NAME);
	ASSERT_LT(0, family);
	nl_socket_modify_err_cb(sk, NL_CB_CUSTOM, nl_err_cb, &a);
	nl_socket_modify_cb(sk, NL_CB_ACK, NL_CB_CUSTOM, nl_ack_cb, &a);

	m = req(family, MSGPIPE_CMD_PIPE_NEW);
	nla_put_u32(m, MSGPIPE_A_PEER_IPV4, htonl(0x0a4d0002));
	EXPECT_EQ(-EPERM, ask(sk, m, &a));
	m = req(family, MSGPIPE_CMD_PIPE_DEL);
	nla_put_u32(m, MSGPIPE_A_PIPE_ID, 1);
	EXPECT_EQ(-EPERM, ask(sk, m, &a));
	m = req(family, MSGPIPE_CMD_PIPE_SET);
	nla_put_u32(m, MSGPIPE_A_PIPE_ID, 1);
	EXPECT_EQ(-EPERM, ask(sk, m, &a));
	m = req(family, MSGPIPE_CMD_DEFAULTS_SET);
	nla_put_u32(m, MSGPIPE_A_DEFAULT_CONNS, 4);
	EXPECT_EQ(-EPERM, ask(sk, m, &a));
	/* Nor take or end a TLS handshake. */
	m = req(family, MSGPIPE_CMD_HS_ACCEPT);
	nla_put_u32(m, MSGPIPE_A_HS_ID, 1);
	EXPECT_EQ(-EPERM, ask(sk, m, &a));
	m = req(family, MSGPIPE_CMD_HS_DONE);
	nla_put_u32(m, MSGPIPE_A_HS_ID, 1);
	nla_put_u32(m, MSGPIPE_A_HS_STATUS, 0);
	EXPECT_EQ(-EPERM, ask(sk, m, &a));
	/* Agent knobs serve every namespace: no user namespace may. */
	EXPECT_EQ(-EPERM, ask(sk, knob_req(family, "soft", "drop_permille",
					   500), &a));
	/* Every namespace's counters tell of the others. */
	m = req(family, MSGPIPE_CMD_STATS_GET);
	nla_put_flag(m, MSGPIPE_A_STAT_ALL);
	EXPECT_EQ(-EPERM, ask(sk, m, &a));
	/* Reading is allowed: the namespace's defaults and counters. */
	EXPECT_EQ(0, ask(sk, req(family, MSGPIPE_CMD_DEFAULTS_GET), &a));
	EXPECT_EQ(0, ask(sk, req(family, MSGPIPE_CMD_STATS_GET), &a));
	/* So is not joining the events group, nor the handshake group. */
	grp = genl_ctrl_resolve_grp(sk, MSGPIPE_GENL_NAME, MSGPIPE_MCGRP_EVENTS);
	ASSERT_LT(0, grp);
	EXPECT_NE(0, nl_socket_add_membership(sk, grp));
	grp = genl_ctrl_resolve_grp(sk, MSGPIPE_GENL_NAME,
				    MSGPIPE_MCGRP_HANDSHAKE);
	ASSERT_LT(0, grp);
	EXPECT_NE(0, nl_socket_add_membership(sk, grp));
	nl_socket_free(sk);
}

TEST_HARNESS_MAIN
