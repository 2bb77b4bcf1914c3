// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the netlink family's request validation: the
 * policies of nl_policy.c, enforced by the kernel's own validator
 * (lib/nlattr.c of linux-source-6.1, extracted at build time) in the strict
 * mode genetlink applies to msgpipe's ops (input: fuzz_nl.h). A rejection
 * must carry an extack message; the verdict must agree with a separate
 * reading of the policy (nothing valid rejected, nothing invalid accepted);
 * and what is accepted must hold what the handlers assume (integers of
 * exact width within range, names NUL-terminated within their limit),
 * written down apart from the policy.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <linux/kernel.h>
#include <net/netlink.h>
#include <uapi/linux/msgpipe.h>
#include "../nl_policy.h"
#include "fuzz_nl.h"

int LLVMFuzzerTestOneInput(const u8 *data, size_t size);

/* The netlink_extack tracepoint of NL_SET_ERR_MSG(): nobody traces here. */
void do_trace_netlink_extack(const char *msg)
{
}

static const struct nla_policy *const policies[FUZZ_NL_KINDS] = {
	[FUZZ_NL_PIPE_NEW] = msgpipe_nl_pipe_new_policy,
	[FUZZ_NL_PIPE_ID] = msgpipe_nl_pipe_id_policy,
	[FUZZ_NL_PIPE_SET] = msgpipe_nl_pipe_set_policy,
	[FUZZ_NL_SESSION] = msgpipe_nl_session_policy,
	[FUZZ_NL_STATS] = msgpipe_nl_stats_policy,
	[FUZZ_NL_AGENT_GET] = msgpipe_nl_agent_get_policy,
	[FUZZ_NL_AGENT_SET] = msgpipe_nl_agent_set_policy,
	[FUZZ_NL_DEFAULTS] = msgpipe_nl_defaults_policy,
	[FUZZ_NL_NONE] = msgpipe_nl_none_policy,
	[FUZZ_NL_HS_ACCEPT] = msgpipe_nl_hs_accept_policy,
	[FUZZ_NL_HS_DONE] = msgpipe_nl_hs_done_policy,
};

static void fail(const char *why, int kind, int type)
{
	fprintf(stderr, "fuzz_nl: policy %d, attribute %d: %s\n", kind, type,
		why);
	abort();
}

/* The value an integer attribute carries, or false when its length is not
 * exactly the type's width. Only the kinds msgpipe's policies use are
 * modelled: a new kind must be taught here first.
 */
static bool int_value(const struct nla_policy *pt, const u8 *d, int len,
		      u64 *v)
{
	u32 v32;
	u64 v64;

	switch (pt->type) {
	case NLA_U8:
		if (len != 1)
			return false;
		*v = d[0];
		return true;
	case NLA_U32:
	case NLA_BE32:
		if (len != 4)
			return false;
		memcpy(&v32, d, 4);
		*v = pt->type == NLA_BE32 ? ntohl(v32) : v32;
		return true;
	case NLA_U64:
		if (len != 8)
			return false;
		memcpy(&v64, d, 8);
		*v = v64;
		return true;
	case NLA_BINARY:	/* ranges of a binary are on its length */
		*v = len;
		return !pt->len || len <= pt->len;
	default:
		abort();
	}
}

/* Does @nla satisfy @pt as the handlers read it? */
static bool attr_valid(const struct nla_policy *pt, const struct nlattr *nla)
{
	int len = nla->nla_len - NLA_HDRLEN;
	const u8 *d = (const u8 *)nla + NLA_HDRLEN;
	int slen;
	u64 v;

	if (nla->nla_type & NLA_F_NESTED)
		return false;
	if (pt->type == NLA_FLAG)	/* present or not: no payload */
		return len == 0;
	if (pt->type == NLA_NUL_STRING) {
		/* A C string of at most pt->len bytes, one NUL may follow. */
		if (len < 1 || !memchr(d, '\0', len))
			return false;
		slen = d[len - 1] ? len : len - 1;
		return !pt->len || slen <= pt->len;
	}
	if (pt->type == NLA_S32) {	/* hs-status: signed bounds */
		s32 sv;

		if (len != 4)
			return false;
		memcpy(&sv, d, 4);
		switch (pt->validation_type) {
		case NLA_VALIDATE_NONE:
			return true;
		case NLA_VALIDATE_RANGE:
			return sv >= pt->min && sv <= pt->max;
		case NLA_VALIDATE_MIN:
			return sv >= pt->min;
		case NLA_VALIDATE_MAX:
			return sv <= pt->max;
		default:
			abort();
		}
	}
	if (!int_value(pt, d, len, &v))
		return false;
	switch (pt->validation_type) {
	case NLA_VALIDATE_NONE:
		return true;
	case NLA_VALIDATE_RANGE:
		return v >= (u64)pt->min && v <= (u64)pt->max;
	case NLA_VALIDATE_RANGE_PTR:
		return v >= pt->range->min && v <= pt->range->max;
	case NLA_VALIDATE_MIN:
		return v >= (u64)pt->min;
	case NLA_VALIDATE_MAX:
		return v <= (u64)pt->max;
	default:
		abort();
	}
}

/* The separate reading: is the whole stream a valid request? */
static bool stream_valid(const struct nla_policy *policy, const u8 *buf,
			 int len)
{
	const struct nlattr *nla;
	int type;

	while (len >= NLA_HDRLEN) {
		nla = (const struct nlattr *)buf;
		if (nla->nla_len < NLA_HDRLEN || nla->nla_len > len)
			return false;
		type = nla->nla_type & NLA_TYPE_MASK;
		if (!type || type > MSGPIPE_A_MAX ||
		    policy[type].type == NLA_UNSPEC ||
		    !attr_valid(&policy[type], nla))
			return false;
		/* The last attribute need not be padded to 4 bytes. */
		if (NLA_ALIGN(nla->nla_len) >= len)
			return true;
		buf += NLA_ALIGN(nla->nla_len);
		len -= NLA_ALIGN(nla->nla_len);
	}
	return len == 0;
}

/* A C string inside @nla no longer than @max: what nl_agent.c hands to
 * the agent registry as a name and what netlink.c compares counters with.
 */
static bool name_fits(const struct nlattr *nla, size_t max)
{
	return memchr(nla_data(nla), '\0', nla_len(nla)) &&
	       strlen(nla_data(nla)) <= max;
}

/* What the handlers of netlink.c and nl_agent.c assume of each attribute
 * once the policy accepted it, written down apart from the policy: a
 * policy loosened by mistake fails here.
 */
static void check_accepted(int kind, struct nlattr **tb)
{
	int type;
	bool ok;
	u32 v;

	for (type = 1; type <= MSGPIPE_A_MAX; type++) {
		struct nlattr *nla = tb[type];

		if (!nla)
			continue;
		if (nla->nla_type & NLA_F_NESTED)
			fail("accepted a nested flag", kind, type);
		v = nla_len(nla) == 4 ? nla_get_u32(nla) : 0;
		switch (type) {
		case MSGPIPE_A_PEER_IPV4:
			ok = nla_len(nla) == 4;
			break;
		case MSGPIPE_A_PEER_IPV6:
			ok = nla_len(nla) == sizeof(struct in6_addr);
			break;
		case MSGPIPE_A_PIPE_CONNS:
		case MSGPIPE_A_DEFAULT_CONNS:
			ok = nla_len(nla) == 4 && v >= 1 &&
			     v <= MSGPIPE_PIPE_CONNS_MAX;
			break;
		case MSGPIPE_A_PIPE_ID:
		case MSGPIPE_A_SESSION_ID:
		case MSGPIPE_A_HS_ID:
			ok = nla_len(nla) == 4 && v >= 1;
			break;
		/* Security: enum msgpipe_nl.h gives; hs.c reports -errno. */
		case MSGPIPE_A_PIPE_SECURITY:
		case MSGPIPE_A_DEFAULT_SECURITY:
			ok = nla_len(nla) == 1 &&
			     nla_get_u8(nla) <= MSGPIPE_SECURITY_MAX;
			break;
		case MSGPIPE_A_DEFAULT_REQUIRE_SECURITY:
			ok = nla_len(nla) == 1 && nla_get_u8(nla) <= 1;
			break;
		case MSGPIPE_A_DEFAULT_LISTEN:
			ok = nla_len(nla) == 1 &&
			     nla_get_u8(nla) <= MSGPIPE_LISTEN_MAX;
			break;
		case MSGPIPE_A_HS_STATUS:
			ok = nla_len(nla) == 4 && (s32)v <= 0 && (s32)v >= -4095;
			break;
		case MSGPIPE_A_PIPE_KEEP:
			ok = nla_len(nla) == 1 && nla_get_u8(nla) <= 1;
			break;
		case MSGPIPE_A_STAT_ALL:
			ok = nla_len(nla) == 0;
			break;
		case MSGPIPE_A_STAT_NAME:
			ok = name_fits(nla, 32);
			break;
		case MSGPIPE_A_AGENT_NAME:
		case MSGPIPE_A_KNOB_NAME:
			ok = name_fits(nla, MSGPIPE_KNOB_NAME_LEN - 1);
			break;
		case MSGPIPE_A_KNOB_VALUE:
			ok = nla_len(nla) == 8;
			break;
		/* SOCK_RDM defaults: the ranges uapi/linux/msgpipe.h gives. */
		case MSGPIPE_A_DEFAULT_RDM_TIME_US:
		case MSGPIPE_A_DEFAULT_RDM_RX_TIME_US:
			ok = nla_len(nla) == 4 && v <= 10000000;
			break;
		case MSGPIPE_A_DEFAULT_RDM_SIZE:
		case MSGPIPE_A_DEFAULT_RDM_RX_SIZE:
			ok = nla_len(nla) == 4 && v <= 64 << 20;
			break;
		case MSGPIPE_A_DEFAULT_RDM_RETRY_MS:
			ok = nla_len(nla) == 4 && v >= 10 && v <= 600000;
			break;
		case MSGPIPE_A_DEFAULT_RDM_RETRIES:
			ok = nla_len(nla) == 4 && v <= 100;
			break;
		case MSGPIPE_A_DEFAULT_RDM_THROTTLE_MS:
			ok = nla_len(nla) == 4 && v <= 10000;
			break;
		default:
			fail("accepted an attribute no request takes", kind,
			     type);
		}
		if (!ok)
			fail("accepted a value its handler cannot take", kind,
			     type);
	}
}

/* Turn {type, length, payload} triples into an attribute stream in a buffer
 * of exactly its length; the last payload may come short.
 */
static u8 *build(const u8 *in, size_t left, size_t *len)
{
	struct nlattr *nla;
	size_t plen, n = 0;
	u8 *buf;

	buf = malloc(left / 2 * (NLA_HDRLEN + 3) + left + 1);
	while (left >= 2) {
		plen = min_t(size_t, in[1], left - 2);
		nla = (struct nlattr *)(buf + n);
		nla->nla_len = NLA_HDRLEN + plen;
		nla->nla_type = (in[0] & 0x3f) |
				(in[0] & FUZZ_NL_NESTED ? NLA_F_NESTED : 0) |
				(in[0] & FUZZ_NL_BYTEORDER ?
				 NLA_F_NET_BYTEORDER : 0);
		memcpy(buf + n + NLA_HDRLEN, in + 2, plen);
		n += NLA_HDRLEN + plen;
		in += 2 + plen;
		left -= 2 + plen;
		if (left >= 2) {	/* pad all but the last */
			memset(buf + n, 0, NLA_ALIGN(plen) - plen);
			n += NLA_ALIGN(plen) - plen;
		}
	}
	/* Reallocate to the exact length, so ASan sees a read past it. */
	*len = n;
	return realloc(buf, n ?: 1);
}

int LLVMFuzzerTestOneInput(const u8 *data, size_t size)
{
	struct nlattr *tb[MSGPIPE_A_MAX + 1];
	const struct nla_policy *policy;
	struct netlink_ext_ack extack;
	size_t len;
	bool valid;
	u8 *buf;
	int kind;
	int err;

	if (size < 1 || size > 4096)
		return 0;
	kind = (data[0] & ~FUZZ_NL_BUILD) % FUZZ_NL_KINDS;
	policy = policies[kind];
	if (data[0] & FUZZ_NL_BUILD) {
		buf = build(data + 1, size - 1, &len);
	} else {
		/* An exact-size copy: a read past the request trips ASan. */
		len = size - 1;
		buf = malloc(len ?: 1);
		memcpy(buf, data + 1, len);
	}
	memset(&extack, 0, sizeof(extack));

	err = __nla_parse(tb, MSGPIPE_A_MAX, (struct nlattr *)buf, len,
			  policy, NL_VALIDATE_STRICT, &extack);
	valid = stream_valid(policy, buf, len);
	if (err) {
		if (!extack._msg)
			fail("rejected without an extack message", kind, 0);
		if (valid)
			fail("rejected a valid request", kind, 0);
	} else {
		if (!valid)
			fail("accepted an invalid request", kind, 0);
		check_accepted(kind, tb);
	}
	free(buf);
	return 0;
}
