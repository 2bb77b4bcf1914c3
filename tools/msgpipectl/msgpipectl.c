// SPDX-License-Identifier: GPL-2.0
/*
 * msgpipectl: configure and watch msgpipe over its generic netlink family:
 * pipes, their connections, sessions, counters, namespace defaults, the
 * sending agents' knobs and events. Grammar "msgpipectl [options] OBJECT VERB [ARGS]"; -j prints
 * JSON (json-c), -p pretty JSON, -n works in another network namespace.
 * Errors carry the kernel's extack text.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <sched.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <json-c/json.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/msgpipe.h>
#include <linux/msgpipe_nl.h>
#include "../lib/nl_extack.h"

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/* Exit codes. */
enum { EXIT_OK, EXIT_ERR, EXIT_USAGE };

static struct {
	bool json;
	bool pretty;
	struct nl_sock *sk;
	int family;
	json_object *out;	/* the array of objects printed with -j */
	char extack[256];
	int err;		/* -errno of the last request */
} ctl;

static const char * const pipe_states[] = { "up", "reconnecting", "down" };
static const char * const conn_states[] = { "connecting", "attaching", "up" };
static const char * const session_states[] = {
	"null", "listen", "waiting-ack", "waiting-for-accept-ack",
	"pending-accept", "ready", "sending-fin", "closed",
};

static const char *state_name(const char * const *names, size_t n,
			      unsigned int v)
{
	return v < n ? names[v] : "unknown";
}

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Every attribute of the family, for nla_parse(). */
static struct nla_policy attr_policy[MSGPIPE_A_MAX + 1] = {
	[MSGPIPE_A_PIPE_ID] = { .type = NLA_U32 },
	[MSGPIPE_A_PEER_IPV4] = { .type = NLA_U32 },
	[MSGPIPE_A_PEER_IPV6] = { .minlen = 16 },
	[MSGPIPE_A_PIPE_CONNS] = { .type = NLA_U32 },
	[MSGPIPE_A_PIPE_STATE] = { .type = NLA_U8 },
	[MSGPIPE_A_PIPE_INBOUND] = { .type = NLA_FLAG },
	[MSGPIPE_A_PIPE_KEEP] = { .type = NLA_U8 },
	[MSGPIPE_A_PIPE_LIVE] = { .type = NLA_U32 },
	[MSGPIPE_A_PIPE_SESSIONS] = { .type = NLA_U32 },
	[MSGPIPE_A_PIPE_ERROR] = { .type = NLA_U32 },
	[MSGPIPE_A_CONN_IDX] = { .type = NLA_U32 },
	[MSGPIPE_A_CONN_STATE] = { .type = NLA_U8 },
	[MSGPIPE_A_CONN_FAILURES] = { .type = NLA_U32 },
	[MSGPIPE_A_CONN_TX_FRAMES] = { .type = NLA_U64 },
	[MSGPIPE_A_CONN_TX_BYTES] = { .type = NLA_U64 },
	[MSGPIPE_A_CONN_RETRANSMITS] = { .type = NLA_U64 },
	[MSGPIPE_A_CONN_RX_FRAMES] = { .type = NLA_U64 },
	[MSGPIPE_A_CONN_RX_BYTES] = { .type = NLA_U64 },
	[MSGPIPE_A_SESSION_ID] = { .type = NLA_U32 },
	[MSGPIPE_A_SESSION_REMOTE_ID] = { .type = NLA_U32 },
	[MSGPIPE_A_SESSION_STATE] = { .type = NLA_U8 },
	[MSGPIPE_A_SESSION_PORT] = { .type = NLA_U16 },
	[MSGPIPE_A_SESSION_TX_UNACKED] = { .type = NLA_U64 },
	[MSGPIPE_A_SESSION_RX_QUEUED] = { .type = NLA_U64 },
	[MSGPIPE_A_STAT] = { .type = NLA_NESTED },
	[MSGPIPE_A_DEFAULT_CONNS] = { .type = NLA_U32 },
	[MSGPIPE_A_PIPE_TX_FRAMES] = { .type = NLA_U64 },
	[MSGPIPE_A_PIPE_TX_BYTES] = { .type = NLA_U64 },
	[MSGPIPE_A_PIPE_RETRANSMITS] = { .type = NLA_U64 },
	[MSGPIPE_A_PIPE_RX_FRAMES] = { .type = NLA_U64 },
	[MSGPIPE_A_PIPE_RX_BYTES] = { .type = NLA_U64 },
	[MSGPIPE_A_PIPE_CONN_FAILURES] = { .type = NLA_U32 },
	[MSGPIPE_A_AGENT_NAME] = { .type = NLA_STRING },
	[MSGPIPE_A_AGENT_SQ_DEPTH] = { .type = NLA_U32 },
	[MSGPIPE_A_AGENT_PIPES] = { .type = NLA_U32 },
	[MSGPIPE_A_KNOB] = { .type = NLA_NESTED },
	[MSGPIPE_A_KNOB_NAME] = { .type = NLA_STRING },
	[MSGPIPE_A_KNOB_VALUE] = { .type = NLA_U64 },
	[MSGPIPE_A_KNOB_MIN] = { .type = NLA_U64 },
	[MSGPIPE_A_KNOB_MAX] = { .type = NLA_U64 },
	[MSGPIPE_A_KNOB_FLAGS] = { .type = NLA_U32 },
	[MSGPIPE_A_PIPE_SECURITY] = { .type = NLA_U8 },
	[MSGPIPE_A_DEFAULT_SECURITY] = { .type = NLA_U8 },
	[MSGPIPE_A_DEFAULT_REQUIRE_SECURITY] = { .type = NLA_U8 },
	[MSGPIPE_A_HS_ID] = { .type = NLA_U32 },
	[MSGPIPE_A_HS_ROLE] = { .type = NLA_U8 },
	[MSGPIPE_A_HS_STATUS] = { .type = NLA_U32 },
	[MSGPIPE_A_DEFAULT_LISTEN] = { .type = NLA_U8 },
};

static const char * const security_names[] = { "none", "tls", "mtls", "psk" };
static const char * const listen_names[] = { "auto", "on", "off" };

/* parse_enum: the index of @s in @names (what a KEY of @what takes). */
static int parse_enum(const char *what, const char * const *names, size_t n,
		      const char *s, uint8_t *v)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!strcmp(s, names[i])) {
			*v = i;
			return 0;
		}
	fprintf(stderr, "msgpipectl: %s is", what);
	for (i = 0; i < n; i++)
		fprintf(stderr, "%s %s", i ? (i + 1 == n ? " or" : ",") : "",
			names[i]);
	fprintf(stderr, ", not %s\n", s);
	return -1;
}

static int parse_security(const char *s, uint8_t *v)
{
	return parse_enum("security", security_names,
			  ARRAY_SIZE(security_names), s, v);
}

static int parse_listen(const char *s, uint8_t *v)
{
	return parse_enum("listen", listen_names, ARRAY_SIZE(listen_names),
			  s, v);
}

static void print_usage(FILE *f)
{
	fputs("usage: msgpipectl [-j] [-p] [-n NETNS] OBJECT VERB [ARGS]\n"
	      "  pipe add PEER [conns N] [keep on|off] [security none|tls|mtls|psk]\n"
	      "                                          open a pipe (IPv4 or IPv6 peer)\n"
	      "  pipe del ID                             close a pipe, reset its sessions\n"
	      "  pipe set ID keep on|off                 keep it open without sessions\n"
	      "  pipe show [ID]                          pipes of this namespace\n"
	      "  conn show [pipe ID]                     connections of the pipes\n"
	      "  session show [ID]                       sessions of this namespace\n"
	      "  stats [all] [NAME]                      this namespace's counters; all: every\n"
	      "                                          namespace's, summed (admin)\n"
	      "  defaults show                           this namespace's defaults\n"
	      "  defaults set KEY N [KEY N]...           set them: conns, rdm_time_us, rdm_size,\n"
	      "                                          rdm_retry_ms, rdm_retries, rdm_rx_time_us,\n"
	      "                                          rdm_rx_size, rdm_throttle_ms,\n"
	      "                                          security NAME, require_security on|off,\n"
	      "                                          listen auto|on|off\n"
	      "  monitor [handshake]                     print pipe, connection, session and\n"
	      "                                          handshake events; with handshake also\n"
	      "                                          the requests to msgpiped (never answered)\n"
	      "options: -j/--json  JSON output   -p/--pretty  pretty JSON   -h/--help\n"
	      "         -n/--netns NETNS  in that network namespace (a name of\n"
	      "                           ip netns, or a path)\n"
	      "`msgpipectl OBJECT -h` shows one object's verbs.\n", f);
}

static void object_usage(const char *obj)
{
	FILE *m = fmemopen(NULL, 4096, "w+");
	bool show = false;
	char line[128];

	if (!m) {
		print_usage(stdout);
		return;
	}
	print_usage(m);
	rewind(m);
	printf("usage: msgpipectl [-j] [-p] %s ...\n", obj);
	while (fgets(line, sizeof(line), m)) {
		/* An object's lines, and the lines that continue them. */
		if (!strncmp(line, "   ", 3))
			;
		else
			show = !strncmp(line, "  ", 2) &&
			       !strncmp(line + 2, obj, strlen(obj));
		if (show)
			fputs(line, stdout);
	}
	fclose(m);
}

static int err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	(void)nla;
	(void)arg;
	mp_nl_extack(e, &ctl.err, ctl.extack, sizeof(ctl.extack));
	return NL_STOP;
}

static int fail(const char *what)
{
	fprintf(stderr, "msgpipectl: %s: %s%s%s\n", what, strerror(-ctl.err),
		ctl.extack[0] ? ": " : "", ctl.extack);
	return EXIT_ERR;
}

static int nl_open(void)
{
	int one = 1;

	ctl.sk = nl_socket_alloc();
	if (!ctl.sk || genl_connect(ctl.sk)) {
		fprintf(stderr, "msgpipectl: cannot open a generic netlink socket\n");
		return -1;
	}
	setsockopt(nl_socket_get_fd(ctl.sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(ctl.sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	ctl.family = genl_ctrl_resolve(ctl.sk, MSGPIPE_GENL_NAME);
	if (ctl.family < 0) {
		fprintf(stderr,
			"msgpipectl: no msgpipe family (is msgpipe.ko loaded?)\n");
		return -1;
	}
	nl_socket_modify_err_cb(ctl.sk, NL_CB_CUSTOM, err_cb, NULL);
	/* Requests without a reply ask for their ACK themselves. */
	nl_socket_disable_auto_ack(ctl.sk);
	return 0;
}

static struct nl_msg *req(uint8_t cmd, int flags)
{
	struct nl_msg *m = nlmsg_alloc();

	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, ctl.family, 0,
			       flags, cmd, MSGPIPE_GENL_VERSION)) {
		fprintf(stderr, "msgpipectl: out of memory\n");
		exit(EXIT_ERR);
	}
	return m;
}

/* Send @m, feed every answer to @cb; 0 or -errno in ctl.err. */
static int talk(struct nl_msg *m, nl_recvmsg_msg_cb_t cb)
{
	int ret;

	ctl.err = 0;
	ctl.extack[0] = 0;
	nl_socket_modify_cb(ctl.sk, NL_CB_VALID, NL_CB_CUSTOM, cb, NULL);
	ret = nl_send_auto(ctl.sk, m);
	nlmsg_free(m);
	if (ret < 0) {
		ctl.err = -EIO;
		return ctl.err;
	}
	/* Until the reply, the end of the dump, the ACK or the error. */
	ret = nl_recvmsgs_default(ctl.sk);
	if (ret < 0 && !ctl.err)
		ctl.err = -EIO;
	return ctl.err;
}

static int ignore_cb(struct nl_msg *m, void *arg)
{
	(void)m;
	(void)arg;
	return NL_OK;
}

static void add_str(json_object *o, const char *key, const char *v)
{
	json_object_object_add(o, key, json_object_new_string(v));
}

/* An unsigned attribute, if present, as a JSON number. */
static void add_uint(json_object *o, const char *key, struct nlattr *a)
{
	uint64_t v;

	if (!a)
		return;
	switch (nla_len(a)) {
	case 1:
		v = nla_get_u8(a);
		break;
	case 2:
		v = nla_get_u16(a);
		break;
	case 4:
		v = nla_get_u32(a);
		break;
	default:
		v = nla_get_u64(a);
		break;
	}
	json_object_object_add(o, key, json_object_new_uint64(v));
}

static void add_state(json_object *o, struct nlattr *a,
		      const char * const *names, size_t n)
{
	if (a)
		add_str(o, "state", state_name(names, n, nla_get_u8(a)));
}

static void pipe_json(json_object *o, struct nlattr **tb)
{
	char addr[INET6_ADDRSTRLEN] = "?";
	struct nlattr *err = tb[MSGPIPE_A_PIPE_ERROR], *keep;

	add_uint(o, "id", tb[MSGPIPE_A_PIPE_ID]);
	if (tb[MSGPIPE_A_PEER_IPV4])
		inet_ntop(AF_INET, nla_data(tb[MSGPIPE_A_PEER_IPV4]), addr,
			  sizeof(addr));
	else if (tb[MSGPIPE_A_PEER_IPV6])
		inet_ntop(AF_INET6, nla_data(tb[MSGPIPE_A_PEER_IPV6]), addr,
			  sizeof(addr));
	add_str(o, "peer", addr);
	add_str(o, "direction", tb[MSGPIPE_A_PIPE_INBOUND] ? "in" : "out");
	if (tb[MSGPIPE_A_PIPE_SECURITY])
		add_str(o, "security",
			state_name(security_names, ARRAY_SIZE(security_names),
				   nla_get_u8(tb[MSGPIPE_A_PIPE_SECURITY])));
	add_state(o, tb[MSGPIPE_A_PIPE_STATE], pipe_states,
		  ARRAY_SIZE(pipe_states));
	add_uint(o, "conns", tb[MSGPIPE_A_PIPE_CONNS]);
	add_uint(o, "live", tb[MSGPIPE_A_PIPE_LIVE]);
	add_uint(o, "sessions", tb[MSGPIPE_A_PIPE_SESSIONS]);
	keep = tb[MSGPIPE_A_PIPE_KEEP];
	if (keep)
		json_object_object_add(o, "keep",
				       json_object_new_boolean(nla_get_u8(keep)));
	if (err && nla_get_u32(err))
		add_str(o, "error", strerror(-(int32_t)nla_get_u32(err)));
	add_uint(o, "conn_failures", tb[MSGPIPE_A_PIPE_CONN_FAILURES]);
	add_uint(o, "tx_frames", tb[MSGPIPE_A_PIPE_TX_FRAMES]);
	add_uint(o, "tx_bytes", tb[MSGPIPE_A_PIPE_TX_BYTES]);
	add_uint(o, "retransmits", tb[MSGPIPE_A_PIPE_RETRANSMITS]);
	add_uint(o, "rx_frames", tb[MSGPIPE_A_PIPE_RX_FRAMES]);
	add_uint(o, "rx_bytes", tb[MSGPIPE_A_PIPE_RX_BYTES]);
}

static void conn_json(json_object *o, struct nlattr **tb)
{
	add_uint(o, "pipe", tb[MSGPIPE_A_PIPE_ID]);
	add_uint(o, "conn", tb[MSGPIPE_A_CONN_IDX]);
	add_state(o, tb[MSGPIPE_A_CONN_STATE], conn_states,
		  ARRAY_SIZE(conn_states));
	add_uint(o, "failures", tb[MSGPIPE_A_CONN_FAILURES]);
	add_uint(o, "tx_frames", tb[MSGPIPE_A_CONN_TX_FRAMES]);
	add_uint(o, "tx_bytes", tb[MSGPIPE_A_CONN_TX_BYTES]);
	add_uint(o, "retransmits", tb[MSGPIPE_A_CONN_RETRANSMITS]);
	add_uint(o, "rx_frames", tb[MSGPIPE_A_CONN_RX_FRAMES]);
	add_uint(o, "rx_bytes", tb[MSGPIPE_A_CONN_RX_BYTES]);
}

static void session_json(json_object *o, struct nlattr **tb)
{
	add_uint(o, "id", tb[MSGPIPE_A_SESSION_ID]);
	add_uint(o, "remote_id", tb[MSGPIPE_A_SESSION_REMOTE_ID]);
	add_state(o, tb[MSGPIPE_A_SESSION_STATE], session_states,
		  ARRAY_SIZE(session_states));
	add_uint(o, "port", tb[MSGPIPE_A_SESSION_PORT]);
	add_uint(o, "pipe", tb[MSGPIPE_A_PIPE_ID]);
	add_uint(o, "tx_unacked", tb[MSGPIPE_A_SESSION_TX_UNACKED]);
	add_uint(o, "rx_queued", tb[MSGPIPE_A_SESSION_RX_QUEUED]);
}

/* Namespace defaults of SOCK_RDM sockets: their names here. */
static const struct {
	const char *key;
	int attr;
} default_keys[] = {
	{ "rdm_time_us", MSGPIPE_A_DEFAULT_RDM_TIME_US },
	{ "rdm_size", MSGPIPE_A_DEFAULT_RDM_SIZE },
	{ "rdm_retry_ms", MSGPIPE_A_DEFAULT_RDM_RETRY_MS },
	{ "rdm_retries", MSGPIPE_A_DEFAULT_RDM_RETRIES },
	{ "rdm_rx_time_us", MSGPIPE_A_DEFAULT_RDM_RX_TIME_US },
	{ "rdm_rx_size", MSGPIPE_A_DEFAULT_RDM_RX_SIZE },
	{ "rdm_throttle_ms", MSGPIPE_A_DEFAULT_RDM_THROTTLE_MS },
};

#define DEFAULT_KEYS ((int)ARRAY_SIZE(default_keys))

/* Attributes of one message as a JSON object; events say which. */
static json_object *to_json(struct nlattr **tb, uint8_t cmd)
{
	json_object *o = json_object_new_object();
	int i;

	switch (cmd) {
	case MSGPIPE_CMD_PIPE_NTF:
		add_str(o, "event", "pipe");
		pipe_json(o, tb);
		break;
	case MSGPIPE_CMD_PIPE_GET:
	case MSGPIPE_CMD_PIPE_NEW:
		pipe_json(o, tb);
		break;
	case MSGPIPE_CMD_CONN_NTF:
		add_str(o, "event", "conn");
		conn_json(o, tb);
		break;
	case MSGPIPE_CMD_CONN_GET:
		conn_json(o, tb);
		break;
	case MSGPIPE_CMD_SESSION_NTF:
		add_str(o, "event", "session");
		session_json(o, tb);
		break;
	case MSGPIPE_CMD_SESSION_GET:
		session_json(o, tb);
		break;
	case MSGPIPE_CMD_DEFAULTS_GET:
		add_uint(o, "conns", tb[MSGPIPE_A_DEFAULT_CONNS]);
		for (i = 0; i < DEFAULT_KEYS; i++)
			add_uint(o, default_keys[i].key, tb[default_keys[i].attr]);
		if (tb[MSGPIPE_A_DEFAULT_SECURITY])
			add_str(o, "security",
				state_name(security_names, ARRAY_SIZE(security_names),
					   nla_get_u8(tb[MSGPIPE_A_DEFAULT_SECURITY])));
		if (tb[MSGPIPE_A_DEFAULT_REQUIRE_SECURITY])
			add_str(o, "require_security",
				nla_get_u8(tb[MSGPIPE_A_DEFAULT_REQUIRE_SECURITY]) ?
				"on" : "off");
		if (tb[MSGPIPE_A_DEFAULT_LISTEN])
			add_str(o, "listen",
				state_name(listen_names, ARRAY_SIZE(listen_names),
					   nla_get_u8(tb[MSGPIPE_A_DEFAULT_LISTEN])));
		break;
	case MSGPIPE_CMD_HS_REQ_NTF:
	case MSGPIPE_CMD_HS_NTF:
		/* A request to msgpiped, or the end of a handshake. */
		add_str(o, "event", cmd == MSGPIPE_CMD_HS_NTF ? "handshake" :
			"handshake-request");
		add_uint(o, "id", tb[MSGPIPE_A_HS_ID]);
		add_uint(o, "pipe", tb[MSGPIPE_A_PIPE_ID]);
		add_uint(o, "conn", tb[MSGPIPE_A_CONN_IDX]);
		if (tb[MSGPIPE_A_HS_ROLE])
			add_str(o, "role", nla_get_u8(tb[MSGPIPE_A_HS_ROLE]) ==
				MSGPIPE_HS_ROLE_SERVER ? "server" : "client");
		if (tb[MSGPIPE_A_PIPE_SECURITY])
			add_str(o, "security",
				state_name(security_names, ARRAY_SIZE(security_names),
					   nla_get_u8(tb[MSGPIPE_A_PIPE_SECURITY])));
		if (tb[MSGPIPE_A_HS_STATUS])
			add_str(o, "status", nla_get_u32(tb[MSGPIPE_A_HS_STATUS]) ?
				strerror(-(int32_t)nla_get_u32(tb[MSGPIPE_A_HS_STATUS])) :
				"ok");
		break;
	}
	return o;
}

/* Plain text: "key value" pairs of one object on a line. */
static void print_text(json_object *o)
{
	bool first = true;

	json_object_object_foreach(o, key, val) {
		printf("%s%s %s", first ? "" : " ", key,
		       json_object_get_string(val));
		first = false;
	}
	putchar('\n');
}

static void emit(json_object *o)
{
	if (ctl.json) {
		json_object_array_add(ctl.out, o);
		return;
	}
	print_text(o);
	json_object_put(o);
}

static int show_cb(struct nl_msg *m, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(m));
	struct nlattr *tb[MSGPIPE_A_MAX + 1];

	(void)arg;
	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, MSGPIPE_A_MAX, attr_policy))
		return NL_SKIP;
	emit(to_json(tb, g->cmd));
	return NL_OK;
}

static int stats_cb(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[MSGPIPE_A_MAX + 1], *nest;
	json_object *o = json_object_new_object();
	int rem;

	(void)arg;
	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, MSGPIPE_A_MAX, NULL)) {
		json_object_put(o);
		return NL_SKIP;
	}
	nla_for_each_attr(nest, genlmsg_attrdata(nlmsg_data(nlmsg_hdr(m)), 0),
			  genlmsg_attrlen(nlmsg_data(nlmsg_hdr(m)), 0), rem) {
		struct nlattr *st[MSGPIPE_A_MAX + 1];
		int64_t value;

		if (nla_type(nest) != MSGPIPE_A_STAT ||
		    nla_parse_nested(st, MSGPIPE_A_MAX, nest, NULL) ||
		    !st[MSGPIPE_A_STAT_NAME] || !st[MSGPIPE_A_STAT_VALUE])
			continue;
		value = (int64_t)nla_get_u64(st[MSGPIPE_A_STAT_VALUE]);
		json_object_object_add(o, nla_get_string(st[MSGPIPE_A_STAT_NAME]),
				       json_object_new_int64(value));
	}
	if (ctl.json) {
		json_object_array_add(ctl.out, o);
	} else {
		json_object_object_foreach(o, key, val)
			printf("%s %s\n", key, json_object_get_string(val));
		json_object_put(o);
	}
	return NL_OK;
}

/* One agent: name, ring and users, then an array of its knobs. */
static int agent_cb(struct nl_msg *m, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(m));
	struct nlattr *tb[MSGPIPE_A_MAX + 1], *nest;
	json_object *o, *knobs;
	int rem;

	(void)arg;
	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, MSGPIPE_A_MAX, attr_policy) ||
	    !tb[MSGPIPE_A_AGENT_NAME])
		return NL_SKIP;
	o = json_object_new_object();
	knobs = json_object_new_array();
	add_str(o, "name", nla_get_string(tb[MSGPIPE_A_AGENT_NAME]));
	add_uint(o, "sq_depth", tb[MSGPIPE_A_AGENT_SQ_DEPTH]);
	add_uint(o, "pipes", tb[MSGPIPE_A_AGENT_PIPES]);
	nla_for_each_attr(nest, genlmsg_attrdata(g, 0), genlmsg_attrlen(g, 0),
			  rem) {
		struct nlattr *kb[MSGPIPE_A_MAX + 1];
		uint32_t flags;
		json_object *k;

		if (nla_type(nest) != MSGPIPE_A_KNOB ||
		    nla_parse_nested(kb, MSGPIPE_A_MAX, nest, attr_policy) ||
		    !kb[MSGPIPE_A_KNOB_NAME])
			continue;
		k = json_object_new_object();
		add_str(k, "name", nla_get_string(kb[MSGPIPE_A_KNOB_NAME]));
		add_uint(k, "value", kb[MSGPIPE_A_KNOB_VALUE]);
		add_uint(k, "min", kb[MSGPIPE_A_KNOB_MIN]);
		add_uint(k, "max", kb[MSGPIPE_A_KNOB_MAX]);
		flags = kb[MSGPIPE_A_KNOB_FLAGS] ?
			nla_get_u32(kb[MSGPIPE_A_KNOB_FLAGS]) : 0;
		json_object_object_add(k, "write_only",
				       json_object_new_boolean(flags & MSGPIPE_KNOB_F_WRITE_ONLY));
		json_object_object_add(k, "testing",
				       json_object_new_boolean(flags & MSGPIPE_KNOB_F_TESTING));
		json_object_array_add(knobs, k);
	}
	if (ctl.json) {
		json_object_object_add(o, "knobs", knobs);
		json_object_array_add(ctl.out, o);
		return NL_OK;
	}
	/* Text: the agent on one line, then one indented line per knob. */
	print_text(o);
	for (size_t i = 0; i < json_object_array_length(knobs); i++) {
		json_object *k = json_object_array_get_idx(knobs, i), *v;

		printf("  knob %s", json_object_get_string(json_object_object_get(k, "name")));
		if (json_object_object_get_ex(k, "value", &v))
			printf(" value %s", json_object_get_string(v));
		printf(" range %s..%s%s%s\n",
		       json_object_get_string(json_object_object_get(k, "min")),
		       json_object_get_string(json_object_object_get(k, "max")),
		       json_object_get_boolean(json_object_object_get(k, "write_only")) ?
		       " write-only" : "",
		       json_object_get_boolean(json_object_object_get(k, "testing")) ?
		       " testing" : "");
	}
	json_object_put(knobs);
	json_object_put(o);
	return NL_OK;
}

static int parse_u32(const char *s, const char *what, uint32_t *v)
{
	char *end;
	unsigned long n;

	errno = 0;
	n = strtoul(s, &end, 0);
	if (errno || *end || !*s || n > UINT32_MAX) {
		fprintf(stderr, "msgpipectl: %s: not a number: %s\n", what, s);
		return -1;
	}
	*v = n;
	return 0;
}

/* A knob value: a number, or "all" for every bit set. */
static int parse_u64(const char *s, const char *what, uint64_t *v)
{
	unsigned long long n;
	char *end;

	if (!strcmp(s, "all")) {
		*v = UINT64_MAX;
		return 0;
	}
	errno = 0;
	n = strtoull(s, &end, 0);
	if (errno || *end || !*s || *s == '-') {
		fprintf(stderr, "msgpipectl: %s: not a number: %s\n", what, s);
		return -1;
	}
	*v = n;
	return 0;
}

static int parse_onoff(const char *s, uint8_t *v)
{
	if (!strcmp(s, "on") || !strcmp(s, "1") || !strcmp(s, "yes")) {
		*v = 1;
	} else if (!strcmp(s, "off") || !strcmp(s, "0") || !strcmp(s, "no")) {
		*v = 0;
	} else {
		fprintf(stderr, "msgpipectl: expected on or off: %s\n", s);
		return -1;
	}
	return 0;
}

static int pipe_add(int argc, char **argv)
{
	struct in6_addr a6;
	struct in_addr a4;
	struct nl_msg *m;
	uint32_t conns;
	uint8_t keep;
	int i;

	if (argc < 1)
		return object_usage("pipe"), EXIT_USAGE;
	m = req(MSGPIPE_CMD_PIPE_NEW, 0);
	if (inet_pton(AF_INET, argv[0], &a4) == 1) {
		nla_put(m, MSGPIPE_A_PEER_IPV4, 4, &a4);
	} else if (inet_pton(AF_INET6, argv[0], &a6) == 1) {
		nla_put(m, MSGPIPE_A_PEER_IPV6, 16, &a6);
	} else {
		fprintf(stderr, "msgpipectl: not an IPv4 or IPv6 address: %s\n", argv[0]);
		nlmsg_free(m);
		return EXIT_USAGE;
	}
	for (i = 1; i < argc; i += 2) {
		if (i + 1 >= argc) {
			fprintf(stderr, "msgpipectl: %s needs a value\n", argv[i]);
			nlmsg_free(m);
			return EXIT_USAGE;
		}
		if (!strcmp(argv[i], "conns") && !parse_u32(argv[i + 1], "conns", &conns)) {
			nla_put_u32(m, MSGPIPE_A_PIPE_CONNS, conns);
		} else if (!strcmp(argv[i], "keep") && !parse_onoff(argv[i + 1], &keep)) {
			nla_put_u8(m, MSGPIPE_A_PIPE_KEEP, keep);
		} else if (!strcmp(argv[i], "security") &&
			   !parse_security(argv[i + 1], &keep)) {
			nla_put_u8(m, MSGPIPE_A_PIPE_SECURITY, keep);
		} else {
			fprintf(stderr, "msgpipectl: pipe add: bad argument %s\n", argv[i]);
			nlmsg_free(m);
			return EXIT_USAGE;
		}
	}
	if (talk(m, show_cb))
		return fail("pipe add");
	return EXIT_OK;
}

static int pipe_id_cmd(uint8_t cmd, int argc, char **argv, const char *what)
{
	struct nl_msg *m;
	uint32_t id;
	uint8_t keep;

	if (argc < 1)
		return object_usage("pipe"), EXIT_USAGE;
	if (parse_u32(argv[0], "pipe id", &id))
		return EXIT_USAGE;
	m = req(cmd, cmd == MSGPIPE_CMD_PIPE_GET ? 0 : NLM_F_ACK);
	nla_put_u32(m, MSGPIPE_A_PIPE_ID, id);
	if (cmd == MSGPIPE_CMD_PIPE_SET) {
		if (argc != 3 || strcmp(argv[1], "keep") ||
		    parse_onoff(argv[2], &keep)) {
			nlmsg_free(m);
			object_usage("pipe");
			return EXIT_USAGE;
		}
		nla_put_u8(m, MSGPIPE_A_PIPE_KEEP, keep);
	}
	if (talk(m, cmd == MSGPIPE_CMD_PIPE_GET ? show_cb : ignore_cb))
		return fail(what);
	return EXIT_OK;
}

static int show(uint8_t cmd, uint16_t id_attr, int argc, char **argv,
		const char *what)
{
	struct nl_msg *m;
	uint32_t id;

	if (argc > 0 && parse_u32(argv[argc - 1], what, &id))
		return EXIT_USAGE;
	/* One object by id, or a dump (connections: filtered by pipe). */
	if (argc > 0 && cmd != MSGPIPE_CMD_CONN_GET)
		m = req(cmd, 0);
	else
		m = req(cmd, NLM_F_DUMP);
	if (argc > 0)
		nla_put_u32(m, id_attr, id);
	if (talk(m, show_cb))
		return fail(what);
	return EXIT_OK;
}

static int cmd_pipe(int argc, char **argv)
{
	if (argc < 1 || !strcmp(argv[0], "-h") || !strcmp(argv[0], "help"))
		return object_usage("pipe"), argc < 1 ? EXIT_USAGE : EXIT_OK;
	if (!strcmp(argv[0], "add"))
		return pipe_add(argc - 1, argv + 1);
	if (!strcmp(argv[0], "del"))
		return pipe_id_cmd(MSGPIPE_CMD_PIPE_DEL, argc - 1, argv + 1, "pipe del");
	if (!strcmp(argv[0], "set"))
		return pipe_id_cmd(MSGPIPE_CMD_PIPE_SET, argc - 1, argv + 1, "pipe set");
	if (!strcmp(argv[0], "show") && argc <= 2)
		return show(MSGPIPE_CMD_PIPE_GET, MSGPIPE_A_PIPE_ID, argc - 1,
			    argv + 1, "pipe show");
	object_usage("pipe");
	return EXIT_USAGE;
}

static int cmd_conn(int argc, char **argv)
{
	if (argc >= 1 && !strcmp(argv[0], "show") &&
	    (argc == 1 || (argc == 3 && !strcmp(argv[1], "pipe"))))
		return show(MSGPIPE_CMD_CONN_GET, MSGPIPE_A_PIPE_ID,
			    argc == 3 ? 1 : 0, argv + 2, "conn show");
	object_usage("conn");
	return argc >= 1 && !strcmp(argv[0], "-h") ? EXIT_OK : EXIT_USAGE;
}

static int cmd_session(int argc, char **argv)
{
	if (argc >= 1 && !strcmp(argv[0], "show") && argc <= 2)
		return show(MSGPIPE_CMD_SESSION_GET, MSGPIPE_A_SESSION_ID,
			    argc - 1, argv + 1, "session show");
	object_usage("session");
	return argc >= 1 && !strcmp(argv[0], "-h") ? EXIT_OK : EXIT_USAGE;
}

static int cmd_stats(int argc, char **argv)
{
	bool all = argc >= 1 && !strcmp(argv[0], "all");
	struct nl_msg *m;

	argc -= all;
	argv += all;
	if (argc > 1 || (argc == 1 && !strcmp(argv[0], "-h"))) {
		object_usage("stats");
		return argc == 1 ? EXIT_OK : EXIT_USAGE;
	}
	m = req(MSGPIPE_CMD_STATS_GET, 0);
	if (all)
		nla_put_flag(m, MSGPIPE_A_STAT_ALL);
	if (argc == 1)
		nla_put_string(m, MSGPIPE_A_STAT_NAME, argv[0]);
	if (talk(m, stats_cb))
		return fail("stats");
	return EXIT_OK;
}

static int cmd_defaults(int argc, char **argv)
{
	struct nl_msg *m;
	uint32_t val;
	int i, k;

	if (argc == 1 && !strcmp(argv[0], "show")) {
		if (talk(req(MSGPIPE_CMD_DEFAULTS_GET, 0), show_cb))
			return fail("defaults show");
		return EXIT_OK;
	}
	if (argc >= 3 && argc % 2 && !strcmp(argv[0], "set")) {
		m = req(MSGPIPE_CMD_DEFAULTS_SET, NLM_F_ACK);
		for (i = 1; i < argc; i += 2) {
			uint8_t v8;
			int attr = -1;

			if (!strcmp(argv[i], "security") ||
			    !strcmp(argv[i], "require_security")) {
				bool sec = !strcmp(argv[i], "security");

				if (sec ? parse_security(argv[i + 1], &v8) :
					  parse_onoff(argv[i + 1], &v8)) {
					nlmsg_free(m);
					return EXIT_USAGE;
				}
				nla_put_u8(m, sec ? MSGPIPE_A_DEFAULT_SECURITY :
					   MSGPIPE_A_DEFAULT_REQUIRE_SECURITY, v8);
				continue;
			}
			if (!strcmp(argv[i], "listen")) {
				if (parse_listen(argv[i + 1], &v8)) {
					nlmsg_free(m);
					return EXIT_USAGE;
				}
				nla_put_u8(m, MSGPIPE_A_DEFAULT_LISTEN, v8);
				continue;
			}
			if (!strcmp(argv[i], "conns"))
				attr = MSGPIPE_A_DEFAULT_CONNS;
			for (k = 0; k < DEFAULT_KEYS; k++)
				if (!strcmp(argv[i], default_keys[k].key))
					attr = default_keys[k].attr;
			if (attr < 0) {
				fprintf(stderr, "msgpipectl: unknown default \"%s\"\n",
					argv[i]);
				nlmsg_free(m);
				return EXIT_USAGE;
			}
			if (parse_u32(argv[i + 1], argv[i], &val)) {
				nlmsg_free(m);
				return EXIT_USAGE;
			}
			nla_put_u32(m, attr, val);
		}
		if (talk(m, ignore_cb))
			return fail("defaults set");
		return EXIT_OK;
	}
	object_usage("defaults");
	return argc == 1 && !strcmp(argv[0], "-h") ? EXIT_OK : EXIT_USAGE;
}

static int cmd_agent(int argc, char **argv)
{
	struct nl_msg *m;
	uint64_t val;
	int i;

	if (argc >= 1 && !strcmp(argv[0], "show") && argc <= 2) {
		m = req(MSGPIPE_CMD_AGENT_GET, argc == 2 ? 0 : NLM_F_DUMP);
		if (argc == 2)
			nla_put_string(m, MSGPIPE_A_AGENT_NAME, argv[1]);
		if (talk(m, agent_cb))
			return fail("agent show");
		return EXIT_OK;
	}
	if (argc >= 4 && !strcmp(argv[0], "set") && argc % 2 == 0) {
		/* Check every value first: all of them or none is sent. */
		for (i = 2; i < argc; i += 2)
			if (parse_u64(argv[i + 1], argv[i], &val))
				return EXIT_USAGE;
		for (i = 2; i < argc; i += 2) {
			parse_u64(argv[i + 1], argv[i], &val);
			m = req(MSGPIPE_CMD_AGENT_SET, NLM_F_ACK);
			nla_put_string(m, MSGPIPE_A_AGENT_NAME, argv[1]);
			nla_put_string(m, MSGPIPE_A_KNOB_NAME, argv[i]);
			nla_put_u64(m, MSGPIPE_A_KNOB_VALUE, val);
			if (talk(m, ignore_cb))
				return fail(argv[i]);
		}
		return EXIT_OK;
	}
	object_usage("agent");
	return argc >= 1 && !strcmp(argv[0], "-h") ? EXIT_OK : EXIT_USAGE;
}

static int monitor_cb(struct nl_msg *m, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(m));
	struct nlattr *tb[MSGPIPE_A_MAX + 1];
	json_object *o;

	(void)arg;
	if (genlmsg_parse(nlmsg_hdr(m), 0, tb, MSGPIPE_A_MAX, attr_policy))
		return NL_SKIP;
	o = to_json(tb, g->cmd);
	/* Events stream: one JSON object (or text line) each, flushed. */
	if (ctl.json)
		puts(json_object_to_json_string_ext(o, ctl.pretty ?
						    JSON_C_TO_STRING_PRETTY :
						    JSON_C_TO_STRING_PLAIN));
	else
		print_text(o);
	json_object_put(o);
	fflush(stdout);
	return NL_OK;
}

static int join(const char *group)
{
	int grp, err;

	grp = genl_ctrl_resolve_grp(ctl.sk, MSGPIPE_GENL_NAME, group);
	if (grp < 0) {
		fprintf(stderr, "msgpipectl: no %s group\n", group);
		ctl.err = -ENOENT;
		return -1;
	}
	err = nl_socket_add_membership(ctl.sk, grp);
	if (err) {
		ctl.err = err == -NLE_PERM ? -EPERM : -EIO;
		return -1;
	}
	return 0;
}

static int cmd_monitor(int argc, char **argv)
{
	int err;

	/* Joining the handshake group makes secure pipes wait for an
	 * answer that never comes (until hs_timeout_ms): for watching and
	 * testing, not next to msgpiped.
	 */
	if (argc > 1 || (argc == 1 && strcmp(argv[0], "handshake"))) {
		object_usage("monitor");
		return EXIT_USAGE;
	}
	if (join(MSGPIPE_MCGRP_EVENTS) ||
	    (argc == 1 && join(MSGPIPE_MCGRP_HANDSHAKE)))
		return fail("monitor");
	nl_socket_disable_seq_check(ctl.sk);
	nl_socket_modify_cb(ctl.sk, NL_CB_VALID, NL_CB_CUSTOM, monitor_cb, NULL);
	fprintf(stderr, "msgpipectl: monitoring\n");
	for (;;) {
		err = nl_recvmsgs_default(ctl.sk);
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN) {
			fprintf(stderr, "msgpipectl: monitor: %s\n", nl_geterror(err));
			return EXIT_ERR;
		}
	}
}

/*
 * netns_enter: move into the network namespace NAME (as `ip netns` names
 * it, under /run/netns) or PATH (one with a slash), as `ip -n` does; the
 * netlink socket opened afterwards talks to that namespace's msgpipe.
 */
static int netns_enter(const char *name)
{
	char path[4096];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		fprintf(stderr, "msgpipectl: netns %s: %s\n", name, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "json", no_argument, NULL, 'j' },
		{ "pretty", no_argument, NULL, 'p' },
		{ "netns", required_argument, NULL, 'n' },
		{ "help", no_argument, NULL, 'h' },
		{}
	};
	const char *obj;
	int c, rc;

	while ((c = getopt_long(argc, argv, "+jpn:h", lopts, NULL)) != -1) {
		switch (c) {
		case 'n':
			if (netns_enter(optarg))
				return EXIT_ERR;
			break;
		case 'j':
			ctl.json = true;
			break;
		case 'p':
			ctl.json = true;
			ctl.pretty = true;
			break;
		case 'h':
			print_usage(stdout);
			return EXIT_OK;
		default:
			print_usage(stderr);
			return EXIT_USAGE;
		}
	}
	argc -= optind;
	argv += optind;
	if (argc < 1) {
		print_usage(stderr);
		return EXIT_USAGE;
	}
	obj = argv[0];
	if (!strcmp(obj, "help")) {
		print_usage(stdout);
		return EXIT_OK;
	}
	if (strcmp(obj, "pipe") && strcmp(obj, "conn") && strcmp(obj, "session") &&
	    strcmp(obj, "stats") && strcmp(obj, "defaults") && strcmp(obj, "monitor") &&
	    strcmp(obj, "agent")) {
		fprintf(stderr, "msgpipectl: unknown object %s\n", obj);
		print_usage(stderr);
		return EXIT_USAGE;
	}
	if (argc > 1 && (!strcmp(argv[1], "-h") || !strcmp(argv[1], "help"))) {
		object_usage(obj);
		return EXIT_OK;
	}
	if (nl_open())
		return EXIT_ERR;
	ctl.out = json_object_new_array();
	if (!strcmp(obj, "pipe"))
		rc = cmd_pipe(argc - 1, argv + 1);
	else if (!strcmp(obj, "conn"))
		rc = cmd_conn(argc - 1, argv + 1);
	else if (!strcmp(obj, "session"))
		rc = cmd_session(argc - 1, argv + 1);
	else if (!strcmp(obj, "stats"))
		rc = cmd_stats(argc - 1, argv + 1);
	else if (!strcmp(obj, "defaults"))
		rc = cmd_defaults(argc - 1, argv + 1);
	else if (!strcmp(obj, "agent"))
		rc = cmd_agent(argc - 1, argv + 1);
	else
		rc = cmd_monitor(argc - 1, argv + 1);
	if (ctl.json && rc == EXIT_OK)
		puts(json_object_to_json_string_ext(ctl.out, ctl.pretty ?
						    JSON_C_TO_STRING_PRETTY :
						    JSON_C_TO_STRING_PLAIN));
	json_object_put(ctl.out);
	nl_socket_free(ctl.sk);
	return rc;
}
