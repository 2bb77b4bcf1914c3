// SPDX-License-Identifier: GPL-2.0
/*
 * msgpiped: the TLS handshake daemon of msgpipe. It listens on the msgpipe
 * family's "handshake" group; for each connection announced there it
 * takes the socket (hs-accept), runs TLS 1.3 with GnuTLS as the client
 * (dialer) or the server (acceptor), hands the session keys to kernel TLS
 * for both directions, closes its descriptor and reports (hs-done). Each
 * handshake runs in a child process of its own, which zeroes the keys it
 * copied and exits.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <gnutls/gnutls.h>
#include <gnutls/x509.h>
#include <linux/tls.h>
#include <netlink/genl/ctrl.h>
#include <netlink/genl/genl.h>
#include <netlink/netlink.h>
#include <linux/msgpipe_nl.h>
#include "../lib/nl_extack.h"
#include "msgpiped.h"

#ifndef SOL_TLS
#define SOL_TLS		282
#endif
#ifndef TCP_ULP
#define TCP_ULP		31
#endif

#define DEFAULT_CONF	"/etc/msgpipe/msgpiped.conf"
#define DEFAULT_PRIO	"NORMAL:-VERS-ALL:+VERS-TLS1.3:-CIPHER-ALL:" \
			"+AES-128-GCM:+AES-256-GCM:+CHACHA20-POLY1305"

/* One handshake, as the kernel announced it. */
struct hs {
	uint32_t id;
	uint8_t role, security;
	uint32_t pipe, conn;
	char peer[INET6_ADDRSTRLEN];
};

struct msgpiped_cfg cfg = { .timeout_ms = 10000, .check_address = true };

/**
 * say() - log a line: syslog, or standard error with -f
 * @prio: LOG_*
 * @fmt:  printf format
 */
void say(int prio, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (prio == LOG_DEBUG && !cfg.verbose)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	/* One write per line: children log at the same time. */
	if (cfg.foreground)
		dprintf(STDERR_FILENO, "msgpiped: %s\n", msg);
	else
		syslog(prio, "%s", msg);
}

static const char *const security_names[] = { "none", "tls", "mtls", "psk" };

/* --- netlink ------------------------------------------------------------ */

struct nl {
	struct nl_sock *sk;
	int family;
	int err;
	char extack[256];
	int fd;			/* hs-accept's answer */
};

static int nl_err_cb(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nl *nl = arg;

	(void)nla;
	mp_nl_extack(e, &nl->err, nl->extack, sizeof(nl->extack));
	return NL_STOP;
}

static int nl_open(struct nl *nl)
{
	int one = 1;

	memset(nl, 0, sizeof(*nl));
	nl->fd = -1;
	nl->sk = nl_socket_alloc();
	if (!nl->sk || genl_connect(nl->sk))
		return -1;
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_CAP_ACK,
		   &one, sizeof(one));
	nl->family = genl_ctrl_resolve(nl->sk, MSGPIPE_GENL_NAME);
	if (nl->family < 0) {
		say(LOG_ERR, "no msgpipe netlink family (is msgpipe.ko loaded?)");
		return -1;
	}
	nl_socket_modify_err_cb(nl->sk, NL_CB_CUSTOM, nl_err_cb, nl);
	nl_socket_disable_auto_ack(nl->sk);
	return 0;
}

static int accept_cb(struct nl_msg *m, void *arg)
{
	struct nlattr *tb[MSGPIPE_A_MAX + 1];
	struct nl *nl = arg;

	if (!genlmsg_parse(nlmsg_hdr(m), 0, tb, MSGPIPE_A_MAX, NULL) &&
	    tb[MSGPIPE_A_HS_FD])
		nl->fd = (int)nla_get_u32(tb[MSGPIPE_A_HS_FD]);
	return NL_OK;
}

/* Send a request about handshake @id; 0 or -errno (nl->extack says why). */
static int nl_hs_cmd(struct nl *nl, uint8_t cmd, uint32_t id, int status)
{
	struct nl_msg *m = nlmsg_alloc();
	int ret;

	/* hs-accept has a reply, hs-done an ACK. */
	if (!m || !genlmsg_put(m, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			       cmd == MSGPIPE_CMD_HS_DONE ? NLM_F_ACK : 0,
			       cmd, MSGPIPE_GENL_VERSION) ||
	    nla_put_u32(m, MSGPIPE_A_HS_ID, id) ||
	    (cmd == MSGPIPE_CMD_HS_DONE &&
	     nla_put_u32(m, MSGPIPE_A_HS_STATUS, (uint32_t)status))) {
		nlmsg_free(m);
		return -ENOMEM;
	}
	nl->err = 0;
	nl->extack[0] = 0;
	nl_socket_modify_cb(nl->sk, NL_CB_VALID, NL_CB_CUSTOM, accept_cb, nl);
	ret = nl_send_auto(nl->sk, m);
	nlmsg_free(m);
	if (ret < 0)
		return -EIO;
	/* The reply (hs-accept) or the ACK (hs-done), or the error. */
	while (!nl->err) {
		ret = nl_recvmsgs_default(nl->sk);
		if (ret < 0)
			return nl->err ?: -EIO;
		if (cmd == MSGPIPE_CMD_HS_DONE || nl->fd >= 0)
			break;
	}
	return nl->err;
}

/* --- TLS ---------------------------------------------------------------- */

static int psk_server_cb(gnutls_session_t s, const char *identity,
			 gnutls_datum_t *key)
{
	unsigned int i;

	(void)s;
	for (i = 0; i < cfg.npsk; i++) {
		if (strcmp(cfg.psk[i].identity, identity))
			continue;
		key->data = gnutls_malloc(cfg.psk[i].key.size);
		if (!key->data)
			return -1;
		memcpy(key->data, cfg.psk[i].key.data, cfg.psk[i].key.size);
		key->size = cfg.psk[i].key.size;
		return 0;
	}
	say(LOG_WARNING, "unknown PSK identity \"%s\"", identity);
	return -1;
}

/* A GCM cipher's crypto_info @c from the record state: the first 4 bytes
 * of the 12-byte IV are its salt. Its size.
 */
#define KTLS_GCM(c, type) ({						\
	__typeof__(c) *c_ = &(c);					\
	c_->info.version = TLS_1_3_VERSION;				\
	c_->info.cipher_type = (type);					\
	memcpy(c_->salt, iv.data, sizeof(c_->salt));			\
	memcpy(c_->iv, iv.data + sizeof(c_->salt), sizeof(c_->iv));	\
	memcpy(c_->key, key.data, sizeof(c_->key));			\
	memcpy(c_->rec_seq, seq, sizeof(c_->rec_seq));			\
	sizeof(*c_);							\
})

/* One direction's keys into kernel TLS. */
static int ktls_dir(int fd, gnutls_session_t s, bool rx)
{
	gnutls_datum_t mac, iv, key;
	unsigned char seq[8];
	union {
		struct tls12_crypto_info_aes_gcm_128 g128;
		struct tls12_crypto_info_aes_gcm_256 g256;
		struct tls12_crypto_info_chacha20_poly1305 cc;
	} ci;
	socklen_t len;
	int ret;

	if (gnutls_record_get_state(s, rx, &mac, &iv, &key, seq) < 0)
		return -EINVAL;
	memset(&ci, 0, sizeof(ci));
	switch (gnutls_cipher_get(s)) {
	case GNUTLS_CIPHER_AES_128_GCM:
		if (iv.size != 12 || key.size != 16)
			return -EINVAL;
		len = KTLS_GCM(ci.g128, TLS_CIPHER_AES_GCM_128);
		break;
	case GNUTLS_CIPHER_AES_256_GCM:
		if (iv.size != 12 || key.size != 32)
			return -EINVAL;
		len = KTLS_GCM(ci.g256, TLS_CIPHER_AES_GCM_256);
		break;
	case GNUTLS_CIPHER_CHACHA20_POLY1305:
		if (iv.size != 12 || key.size != 32)
			return -EINVAL;
		ci.cc.info.version = TLS_1_3_VERSION;
		ci.cc.info.cipher_type = TLS_CIPHER_CHACHA20_POLY1305;
		memcpy(ci.cc.iv, iv.data, 12);
		memcpy(ci.cc.key, key.data, 32);
		memcpy(ci.cc.rec_seq, seq, 8);
		len = sizeof(ci.cc);
		break;
	default:
		return -EOPNOTSUPP;
	}
	ret = setsockopt(fd, SOL_TLS, rx ? TLS_RX : TLS_TX, &ci, len);
	explicit_bzero(&ci, sizeof(ci));
	return ret ? -errno : 0;
}

static int errno_of(int gnutls_err)
{
	switch (gnutls_err) {
	case GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR:
	case GNUTLS_E_CERTIFICATE_ERROR:
	case GNUTLS_E_NO_CERTIFICATE_FOUND:
	case GNUTLS_E_DECRYPTION_FAILED:
	case GNUTLS_E_KEYFILE_ERROR:
	case GNUTLS_E_INSUFFICIENT_CREDENTIALS:
		return -EKEYREJECTED;
	case GNUTLS_E_TIMEDOUT:
		return -ETIMEDOUT;
	case GNUTLS_E_PREMATURE_TERMINATION:
	case GNUTLS_E_PUSH_ERROR:
	case GNUTLS_E_PULL_ERROR:
		return -ECONNRESET;
	default:
		return -EACCES;
	}
}

/* The handshake on @fd and kernel TLS after it: 0 or -errno. */
static int tls_run(const struct hs *h, int fd)
{
	gnutls_certificate_credentials_t xcred = NULL;
	gnutls_psk_server_credentials_t psrv = NULL;
	gnutls_psk_client_credentials_t pcli = NULL;
	bool server = h->role == MSGPIPE_HS_ROLE_SERVER;
	char prio[512];
	gnutls_session_t s;
	const struct psk *p;
	int ret;

	ret = gnutls_init(&s, (server ? GNUTLS_SERVER : GNUTLS_CLIENT) |
			  GNUTLS_NO_TICKETS);
	if (ret < 0)
		return -ENOMEM;
	snprintf(prio, sizeof(prio), "%s%s", cfg.priority ?: DEFAULT_PRIO,
		 h->security == MSGPIPE_SECURITY_PSK ?
		 ":-KX-ALL:+ECDHE-PSK:+DHE-PSK:+PSK" : "");
	ret = gnutls_priority_set_direct(s, prio, NULL);
	if (ret < 0)
		goto out;
	if (h->security == MSGPIPE_SECURITY_PSK) {
		if (server) {
			ret = gnutls_psk_allocate_server_credentials(&psrv);
			if (ret < 0)
				goto out;
			gnutls_psk_set_server_credentials_function(psrv,
								   psk_server_cb);
			ret = gnutls_credentials_set(s, GNUTLS_CRD_PSK, psrv);
		} else {
			p = msgpiped_psk_find(cfg.psk_identity);
			ret = GNUTLS_E_INSUFFICIENT_CREDENTIALS;
			if (!p) {
				say(LOG_ERR, "no psk for psk-identity");
				goto out;
			}
			ret = gnutls_psk_allocate_client_credentials(&pcli);
			if (ret < 0)
				goto out;
			ret = gnutls_psk_set_client_credentials(pcli,
								p->identity,
								&p->key,
								GNUTLS_PSK_KEY_RAW);
			if (ret < 0)
				goto out;
			ret = gnutls_credentials_set(s, GNUTLS_CRD_PSK, pcli);
		}
	} else {
		ret = gnutls_certificate_allocate_credentials(&xcred);
		if (ret < 0)
			goto out;
		if (cfg.ca) {
			ret = gnutls_certificate_set_x509_trust_file(xcred,
								     cfg.ca,
								     GNUTLS_X509_FMT_PEM);
			if (ret < 0)
				goto out;
		}
		/* A client shows its certificate only for mtls. */
		if (cfg.cert && cfg.key &&
		    (server || h->security == MSGPIPE_SECURITY_MTLS)) {
			ret = gnutls_certificate_set_x509_key_file(xcred,
								   cfg.cert,
								   cfg.key,
								   GNUTLS_X509_FMT_PEM);
			if (ret < 0)
				goto out;
		}
		ret = gnutls_credentials_set(s, GNUTLS_CRD_CERTIFICATE, xcred);
		if (ret < 0)
			goto out;
		if (server && h->security == MSGPIPE_SECURITY_MTLS)
			gnutls_certificate_server_set_request(s,
							      GNUTLS_CERT_REQUIRE);
		/* The client checks the server's certificate against the
		 * address it dialed; the server, for mtls, the chain only.
		 */
		if (!server)
			gnutls_session_set_verify_cert(s, cfg.check_address ?
						       h->peer : NULL, 0);
		else if (h->security == MSGPIPE_SECURITY_MTLS)
			gnutls_session_set_verify_cert(s, NULL, 0);
	}
	if (ret < 0)
		goto out;
	gnutls_transport_set_int(s, fd);
	gnutls_handshake_set_timeout(s, cfg.timeout_ms);
	do {
		ret = gnutls_handshake(s);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	if (ret < 0)
		goto out;
	/* The peer's certificate once more, whatever the handshake let by:
	 * its chain, dates and (from the client) the address dialed.
	 */
	if (h->security != MSGPIPE_SECURITY_PSK &&
	    (!server || h->security == MSGPIPE_SECURITY_MTLS)) {
		unsigned int st = 0;

		ret = gnutls_certificate_verify_peers3(s, !server &&
						       cfg.check_address ?
						       h->peer : NULL, &st);
		if (ret >= 0 && st) {
			gnutls_datum_t why = { NULL, 0 };

			gnutls_certificate_verification_status_print(st,
								     GNUTLS_CRT_X509,
								     &why, 0);
			say(LOG_WARNING, "handshake %u: peer certificate: %s",
			    h->id, why.data ? (char *)why.data : "invalid");
			gnutls_free(why.data);
			ret = GNUTLS_E_CERTIFICATE_VERIFICATION_ERROR;
		}
		if (ret < 0)
			goto out;
	}
	/* Bytes GnuTLS read past the handshake would be lost to kTLS. */
	if (gnutls_record_check_pending(s)) {
		say(LOG_ERR, "handshake %u: data after the handshake", h->id);
		ret = GNUTLS_E_INTERNAL_ERROR;
		goto out;
	}
	ret = setsockopt(fd, SOL_TCP, TCP_ULP, "tls", sizeof("tls"));
	if (ret) {
		ret = -errno;
		goto out_errno;
	}
	ret = ktls_dir(fd, s, false);
	ret = ret ?: ktls_dir(fd, s, true);
	if (ret)
		goto out_errno;
	say(LOG_INFO, "handshake %u: pipe %u conn %u %s %s with %s: %s",
	    h->id, h->pipe, h->conn, security_names[h->security],
	    server ? "server" : "client", h->peer,
	    gnutls_cipher_get_name(gnutls_cipher_get(s)));
	ret = 0;
	goto out_errno;
out:
	if (ret < 0) {
		say(LOG_WARNING, "handshake %u: pipe %u conn %u %s %s with %s failed: %s",
		    h->id, h->pipe, h->conn, security_names[h->security],
		    server ? "server" : "client", h->peer, gnutls_strerror(ret));
		ret = errno_of(ret);
	}
out_errno:
	/* gnutls_deinit() sends nothing; the socket is the kernel's now. */
	gnutls_deinit(s);
	if (xcred)
		gnutls_certificate_free_credentials(xcred);
	if (psrv)
		gnutls_psk_free_server_credentials(psrv);
	if (pcli)
		gnutls_psk_free_client_credentials(pcli);
	return ret;
}

/* A child per handshake: take the socket, run TLS, report. */
static void hs_child(const struct hs *h)
{
	struct nl nl;
	int ret;

	if (nl_open(&nl))
		_exit(1);
	ret = nl_hs_cmd(&nl, MSGPIPE_CMD_HS_ACCEPT, h->id, 0);
	if (ret || nl.fd < 0) {
		say(LOG_WARNING, "handshake %u: cannot take it: %s%s%s", h->id,
		    strerror(-(ret ?: EIO)), nl.extack[0] ? ": " : "", nl.extack);
		_exit(1);
	}
	ret = tls_run(h, nl.fd);
	/* The kernel admits the connection only once we let go of it. */
	close(nl.fd);
	if (nl_hs_cmd(&nl, MSGPIPE_CMD_HS_DONE, h->id, ret))
		say(LOG_WARNING, "handshake %u: done: %s%s%s", h->id,
		    strerror(-nl.err), nl.extack[0] ? ": " : "", nl.extack);
	_exit(ret ? 1 : 0);
}

static int event_cb(struct nl_msg *m, void *arg)
{
	struct genlmsghdr *g = nlmsg_data(nlmsg_hdr(m));
	struct nlattr *tb[MSGPIPE_A_MAX + 1];
	struct hs h = { 0 };
	pid_t pid;

	(void)arg;
	if (g->cmd != MSGPIPE_CMD_HS_REQ_NTF ||
	    genlmsg_parse(nlmsg_hdr(m), 0, tb, MSGPIPE_A_MAX, NULL) ||
	    !tb[MSGPIPE_A_HS_ID] || !tb[MSGPIPE_A_HS_ROLE] ||
	    !tb[MSGPIPE_A_PIPE_SECURITY])
		return NL_SKIP;
	h.id = nla_get_u32(tb[MSGPIPE_A_HS_ID]);
	h.role = nla_get_u8(tb[MSGPIPE_A_HS_ROLE]);
	h.security = nla_get_u8(tb[MSGPIPE_A_PIPE_SECURITY]);
	if (h.security > MSGPIPE_SECURITY_PSK || !h.security)
		return NL_SKIP;
	if (tb[MSGPIPE_A_PIPE_ID])
		h.pipe = nla_get_u32(tb[MSGPIPE_A_PIPE_ID]);
	if (tb[MSGPIPE_A_CONN_IDX])
		h.conn = nla_get_u32(tb[MSGPIPE_A_CONN_IDX]);
	if (tb[MSGPIPE_A_PEER_IPV4])
		inet_ntop(AF_INET, nla_data(tb[MSGPIPE_A_PEER_IPV4]), h.peer,
			  sizeof(h.peer));
	else if (tb[MSGPIPE_A_PEER_IPV6])
		inet_ntop(AF_INET6, nla_data(tb[MSGPIPE_A_PEER_IPV6]), h.peer,
			  sizeof(h.peer));
	say(LOG_DEBUG, "handshake %u: pipe %u conn %u %s as %s with %s", h.id,
	    h.pipe, h.conn, security_names[h.security],
	    h.role == MSGPIPE_HS_ROLE_SERVER ? "server" : "client", h.peer);
	pid = fork();
	if (pid < 0)
		say(LOG_ERR, "fork: %s", strerror(errno));
	else if (!pid)
		hs_child(&h);
	return NL_OK;
}

static void print_usage(FILE *f)
{
	fprintf(f,
		"usage: msgpiped [-c FILE] [-f] [-v]\n"
		"  -c, --config FILE  configuration (default " DEFAULT_CONF ")\n"
		"  -f, --foreground   log to stderr instead of syslog\n"
		"  -v, --verbose      log every request too\n"
		"  -h, --help         this text\n");
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "foreground", no_argument, NULL, 'f' },
		{ "verbose", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conf = DEFAULT_CONF;
	struct sigaction sa = { .sa_handler = SIG_IGN,
				.sa_flags = SA_NOCLDWAIT };
	struct nl nl;
	int c, grp, err;

	while ((c = getopt_long(argc, argv, "c:fvh", lopts, NULL)) != -1) {
		switch (c) {
		case 'c':
			conf = optarg;
			break;
		case 'f':
			cfg.foreground = true;
			break;
		case 'v':
			cfg.verbose = true;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (optind != argc) {
		print_usage(stderr);
		return 2;
	}
	if (!cfg.foreground)
		openlog("msgpiped", LOG_PID, LOG_DAEMON);
	if (msgpiped_read_config(conf))
		return 1;
	/* Children are reaped by the kernel. */
	sigaction(SIGCHLD, &sa, NULL);
	if (gnutls_global_init() < 0 || nl_open(&nl))
		return 1;
	grp = genl_ctrl_resolve_grp(nl.sk, MSGPIPE_GENL_NAME,
				    MSGPIPE_MCGRP_HANDSHAKE);
	if (grp < 0) {
		say(LOG_ERR, "no handshake group in the msgpipe family");
		return 1;
	}
	err = nl_socket_add_membership(nl.sk, grp);
	if (err) {
		say(LOG_ERR, "cannot join the handshake group: %s",
		    nl_geterror(err));
		return 1;
	}
	nl_socket_disable_seq_check(nl.sk);
	nl_socket_modify_cb(nl.sk, NL_CB_VALID, NL_CB_CUSTOM, event_cb, NULL);
	say(LOG_INFO, "listening for handshakes");
	for (;;) {
		err = nl_recvmsgs_default(nl.sk);
		if (err < 0 && err != -NLE_INTR && err != -NLE_AGAIN) {
			say(LOG_ERR, "netlink: %s", nl_geterror(err));
			return 1;
		}
	}
}
