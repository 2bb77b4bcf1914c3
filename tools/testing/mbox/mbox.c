// SPDX-License-Identifier: GPL-2.0
/*
 * mp_mbox: the msgpipe test middlebox. Bridges DPDK ports 0 and 1 (af_packet
 * vdevs on two veths) and takes commands on a UNIX socket while traffic runs:
 * list connections, damage chosen ones (drop, duplicate, reorder, delay,
 * flip payload bits, blackhole, inject a RST), cut the link, read the
 * protocol observer's counters and violations. See mp_mbox(8).
 *
 * usage: mp_mbox EAL-OPTIONS -- --ctl PATH [--mp-port PORT]
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/if_packet.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_hash_crc.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include "mbox.h"

#define NB_MBUF		16383
#define RING_SIZE	1024
#define BURST		32

struct mbox_stats mbox_st;
struct obs *mbox_obs;
uint16_t mbox_mp_port = 7460;
bool mbox_cut;
struct mbox_rule mbox_rules[MBOX_MAX_RULES];
unsigned int mbox_nrules;
struct rte_mempool *mbox_pool;

static struct rte_eth_dev_tx_buffer *txb[2];
static atomic_bool quit;
static int ctl_fd = -1;
static int wake_fd = -1;
static uint64_t tx_lost;

static uint32_t crc32c(const void *p, size_t len, uint32_t crc)
{
	return rte_hash_crc(p, (uint32_t)len, crc);
}

int mbox_send(struct rte_mbuf *m, uint16_t out_port)
{
	mbox_st.tx++;
	rte_eth_tx_buffer(out_port, 0, txb[out_port], m);
	return 0;
}

/* A full transmit ring: try again for a while before giving up. */
static void tx_retry(struct rte_mbuf **pkts, uint16_t unsent, void *arg)
{
	uint16_t port = (uint16_t)(uintptr_t)arg, sent = 0;
	int tries;

	for (tries = 0; tries < 1000 && sent < unsent; tries++) {
		sent += rte_eth_tx_burst(port, 0, pkts + sent, unsent - sent);
		if (sent < unsent)
			rte_delay_us_sleep(10);
	}
	tx_lost += unsent - sent;
	rte_pktmbuf_free_bulk(pkts + sent, unsent - sent);
}

static int port_init(uint16_t port)
{
	struct rte_eth_conf conf = { 0 };
	int ret;

	ret = rte_eth_dev_configure(port, 1, 1, &conf);
	if (!ret)
		ret = rte_eth_rx_queue_setup(port, 0, RING_SIZE,
					     rte_eth_dev_socket_id(port), NULL,
					     mbox_pool);
	if (!ret)
		ret = rte_eth_tx_queue_setup(port, 0, RING_SIZE,
					     rte_eth_dev_socket_id(port), NULL);
	if (!ret)
		ret = rte_eth_dev_start(port);
	if (!ret)
		ret = rte_eth_promiscuous_enable(port);
	if (ret)
		return ret;
	txb[port] = rte_zmalloc_socket("txb", RTE_ETH_TX_BUFFER_SIZE(BURST), 0,
				       rte_eth_dev_socket_id(port));
	if (!txb[port])
		return -ENOMEM;
	rte_eth_tx_buffer_init(txb[port], BURST);
	rte_eth_tx_buffer_set_err_callback(txb[port], tx_retry,
					   (void *)(uintptr_t)port);
	return 0;
}

/* Control --------------------------------------------------------------- */

static bool parse_ip(const char *s, uint8_t ip[16])
{
	memset(ip, 0, 16);
	if (inet_pton(AF_INET6, s, ip) == 1)
		return true;
	memset(ip + 10, 0xff, 2);
	return inet_pton(AF_INET, s, ip + 12) == 1;
}

/* "ADDR:PORT" or "[ADDR6]:PORT" */
static bool parse_endpoint(const char *s, uint8_t ip[16], uint16_t *port)
{
	char buf[64], *colon;
	unsigned long p;

	snprintf(buf, sizeof(buf), "%s", s);
	colon = strrchr(buf, ':');
	if (!colon)
		return false;
	*colon = 0;
	p = strtoul(colon + 1, NULL, 10);
	if (!p || p > 65535)
		return false;
	*port = (uint16_t)p;
	if (buf[0] == '[' && colon[-1] == ']') {
		colon[-1] = 0;
		return parse_ip(buf + 1, ip);
	}
	return parse_ip(buf, ip);
}

/*
 * The n-th connection to msgpipe's port: of all in order of appearance
 * (mp), or of those still open, newest first (live: no RST, not closed
 * both ways). Newest first because a connection that died while the link
 * was cut never shows its end here: it stays "open" among the oldest,
 * behind the connections that replaced it.
 */
static uint32_t nth_mp_flow(unsigned long n, bool live)
{
	uint32_t i, count = mbox_flow_count();

	for (i = 1; i <= count; i++) {
		uint32_t id = live ? count + 1 - i : i;
		const struct mbox_flow *fl = mbox_flow_by_id(id);

		if (fl->port[0] != mbox_mp_port && fl->port[1] != mbox_mp_port)
			continue;
		if (live && (fl->rst || fl->replaced ||
			     (fl->dir[0].fin && fl->dir[1].fin)))
			continue;
		if (!--n)
			return id;
	}
	return 0;
}

/*
 * SEL: all | flow N | mp N | live N | port P | tuple A:P B:P; returns the
 * words used. mp and live are resolved to one flow now.
 */
static int parse_sel(char **w, int n, struct mbox_rule *r, FILE *out)
{
	if (n >= 1 && !strcmp(w[0], "all")) {
		r->sel = SEL_ALL;
		return 1;
	}
	if (n >= 2 && (!strcmp(w[0], "flow") || !strcmp(w[0], "mp") ||
		       !strcmp(w[0], "live"))) {
		unsigned long v = strtoul(w[1], NULL, 10);

		r->sel = SEL_FLOW;
		r->flow = w[0][0] == 'f' ? (uint32_t)v :
			  nth_mp_flow(v, w[0][0] == 'l');
		if (!mbox_flow_by_id(r->flow)) {
			fprintf(out, "error: no such flow %s %s\n", w[0], w[1]);
			return -1;
		}
		return 2;
	}
	if (n >= 2 && !strcmp(w[0], "port")) {
		char *end;
		unsigned long p = strtoul(w[1], &end, 10);

		if (*end || !p || p > 65535) {
			fprintf(out, "error: bad port %s\n", w[1]);
			return -1;
		}
		r->sel = SEL_PORT;
		r->port[0] = (uint16_t)p;
		return 2;
	}
	if (n >= 3 && !strcmp(w[0], "tuple") &&
	    parse_endpoint(w[1], r->ip[0], &r->port[0]) &&
	    parse_endpoint(w[2], r->ip[1], &r->port[1])) {
		r->sel = SEL_TUPLE;
		return 3;
	}
	fprintf(out, "error: selector: all | flow N | mp N | live N | port P | tuple A:P B:P\n");
	return -1;
}

/* One ACTION VALUE pair of a rule; false if unknown or out of range. */
static bool set_action(struct mbox_rule *r, const char *a, double v)
{
	static const struct {
		const char *name;
		size_t off;		/* of the double in the rule */
	} rates[] = {
		{ "drop", offsetof(struct mbox_rule, drop) },
		{ "dup", offsetof(struct mbox_rule, dup) },
		{ "reorder", offsetof(struct mbox_rule, reorder) },
		{ "flip", offsetof(struct mbox_rule, flip) },
	};
	size_t i;

	for (i = 0; i < RTE_DIM(rates); i++) {
		if (!strcmp(a, rates[i].name) && v <= 1) {
			*(double *)((char *)r + rates[i].off) = v;
			return true;
		}
	}
	if (!strcmp(a, "delay") && v <= 10000) {
		r->delay_ms = (uint32_t)v;
		return true;
	}
	if (!strcmp(a, "blackhole") && v <= 3600) {
		r->until = rte_get_tsc_cycles() + (uint64_t)(v * rte_get_tsc_hz());
		return true;
	}
	return false;
}

/* fault SEL {drop|dup|reorder|flip} P | delay MS | blackhole S ... */
static void cmd_fault(char **w, int n, FILE *out)
{
	struct mbox_rule r = { 0 };
	int i = parse_sel(w, n, &r, out);

	if (i < 0)
		return;
	if (i == n) {
		fprintf(out, "error: fault SEL ACTION VALUE...\n");
		return;
	}
	for (; i + 1 < n + 1; i += 2) {
		char *end;
		double v;

		if (i + 1 >= n) {
			fprintf(out, "error: %s needs a value\n", w[i]);
			return;
		}
		v = strtod(w[i + 1], &end);
		if (*end || v < 0) {
			fprintf(out, "error: bad value %s\n", w[i + 1]);
			return;
		}
		if (!set_action(&r, w[i], v)) {
			fprintf(out, "error: unknown action or value out of range: %s %s\n",
				w[i], w[i + 1]);
			return;
		}
	}
	if (mbox_nrules == MBOX_MAX_RULES) {
		fprintf(out, "error: %d rules already\n", MBOX_MAX_RULES);
		return;
	}
	mbox_rules[mbox_nrules++] = r;
	fprintf(out, "ok rule %u\n", mbox_nrules);
}

static void cmd_rst(char **w, int n, FILE *out)
{
	struct mbox_rule r = { 0 };
	unsigned int done = 0;
	uint32_t id;

	if (parse_sel(w, n, &r, out) < 0)
		return;
	for (id = 1; id <= mbox_flow_count(); id++) {
		struct mbox_flow *fl = mbox_flow_by_id(id);

		if (mbox_rule_selects(&r, fl) && !fl->rst && !fl->replaced &&
		    !(fl->dir[0].fin && fl->dir[1].fin) && !mbox_inject_rst(fl))
			done++;
	}
	fprintf(out, "ok reset %u\n", done);
}

static void cmd_stats(FILE *out)
{
	const struct obs_stats *o = obs_stats(mbox_obs);
	static const char *const t[17] = {
		"?", "sync", "sync_ack", "accept", "refuse", "data", "ack",
		"nack", "fin", "fin_ack", "batch", "batch_ack", "window",
		"throttle", "ping", "pong", "hello",
	};
	unsigned int i;

	fprintf(out, "flows %u\nrx %llu\ntx %llu\ntx_lost %llu\ndropped %llu\n"
		"duplicated %llu\nreordered %llu\nflipped %llu\ndelayed %llu\n"
		"rst_injected %llu\nblackholed %llu\ncut %llu\nnon_tcp %llu\n"
		"idle_waits %llu\nidle_woken %llu\n",
		mbox_flow_count(), (unsigned long long)mbox_st.rx,
		(unsigned long long)mbox_st.tx, (unsigned long long)tx_lost,
		(unsigned long long)mbox_st.dropped,
		(unsigned long long)mbox_st.duplicated,
		(unsigned long long)mbox_st.reordered,
		(unsigned long long)mbox_st.flipped,
		(unsigned long long)mbox_st.delayed,
		(unsigned long long)mbox_st.rst_injected,
		(unsigned long long)mbox_st.blackholed,
		(unsigned long long)mbox_st.cut,
		(unsigned long long)mbox_st.non_tcp,
		(unsigned long long)mbox_st.idle_waits,
		(unsigned long long)mbox_st.idle_woken);
	fprintf(out, "obs_conns %llu\nobs_frames %llu\nobs_data_bytes %llu\n"
		"obs_batches %llu\nobs_batch_acks %llu\nobs_tls %llu\n"
		"obs_desync %llu\nobs_violations %llu\n",
		(unsigned long long)o->conns, (unsigned long long)o->frames,
		(unsigned long long)o->data_bytes,
		(unsigned long long)o->batches,
		(unsigned long long)o->batch_acks, (unsigned long long)o->tls,
		(unsigned long long)o->desync,
		(unsigned long long)o->violations);
	for (i = 1; i <= 16; i++)
		fprintf(out, "obs_%s %llu\n", t[i],
			(unsigned long long)o->types[i]);
}

static void cmd_violations(FILE *out)
{
	const char *s;
	unsigned int i;

	for (i = 0; (s = obs_violation(mbox_obs, i)); i++)
		fprintf(out, "%s\n", s);
	fprintf(out, "violations %llu\n",
		(unsigned long long)obs_stats(mbox_obs)->violations);
}

static void command(char *line, FILE *out)
{
	char *w[16], *save = NULL, *t;
	uint32_t id;
	int n = 0;

	for (t = strtok_r(line, " \t\r\n", &save); t && n < 16;
	     t = strtok_r(NULL, " \t\r\n", &save))
		w[n++] = t;
	if (!n)
		return;
	if (!strcmp(w[0], "flows")) {
		for (id = 1; id <= mbox_flow_count(); id++)
			mbox_flow_print(out, mbox_flow_by_id(id));
		fprintf(out, "ok\n");
	} else if (!strcmp(w[0], "fault")) {
		cmd_fault(w + 1, n - 1, out);
	} else if (!strcmp(w[0], "rst")) {
		cmd_rst(w + 1, n - 1, out);
	} else if (!strcmp(w[0], "clear")) {
		mbox_nrules = 0;
		fprintf(out, "ok\n");
	} else if (!strcmp(w[0], "cut") && n == 2 &&
		   (!strcmp(w[1], "on") || !strcmp(w[1], "off"))) {
		mbox_cut = !strcmp(w[1], "on");
		fprintf(out, "ok\n");
	} else if (!strcmp(w[0], "stats")) {
		cmd_stats(out);
	} else if (!strcmp(w[0], "violations")) {
		cmd_violations(out);
	} else if (!strcmp(w[0], "quit")) {
		atomic_store(&quit, true);
		fprintf(out, "ok\n");
	} else {
		fprintf(out, "error: commands: flows, fault SEL ACTION..., rst SEL, clear,\n"
			"  cut on|off, stats, violations, quit\n");
	}
}

/* One command per connection to the control socket, answered on it. */
static void ctl_poll(void)
{
	struct timeval tv = { .tv_sec = 2 };
	FILE *in = NULL, *out = NULL;
	char line[512];
	int fd, wfd;

	fd = accept(ctl_fd, NULL, NULL);
	if (fd < 0)
		return;
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
	wfd = dup(fd);
	if (wfd >= 0)
		out = fdopen(wfd, "w");
	if (out)
		in = fdopen(fd, "r");
	if (!in) {
		if (out)
			fclose(out);
		else if (wfd >= 0)
			close(wfd);
		close(fd);
		return;
	}
	if (fgets(line, sizeof(line), in))
		command(line, out);
	fclose(out);
	fclose(in);
}

static int ctl_open(const char *path)
{
	struct sockaddr_un a = { .sun_family = AF_UNIX };

	if (strlen(path) >= sizeof(a.sun_path))
		return -1;
	strcpy(a.sun_path, path);
	unlink(path);
	ctl_fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (ctl_fd < 0 || bind(ctl_fd, (struct sockaddr *)&a, sizeof(a)) ||
	    listen(ctl_fd, 16))
		return -1;
	return 0;
}

static void on_signal(int sig)
{
	(void)sig;
	atomic_store(&quit, true);
}

static void print_usage(FILE *f)
{
	fprintf(f, "usage: mp_mbox EAL-OPTIONS -- --ctl PATH [--mp-port PORT]\n"
		"  bridges DPDK ports 0 and 1; commands on the UNIX socket PATH\n"
		"  (one per connection): flows | fault SEL ACTION V... | rst SEL |\n"
		"  clear | cut on|off | stats | violations | quit\n");
}

/*
 * Idle without polling. The middlebox shares the guest's CPU with the hosts
 * it connects, and every wake-up of a poll loop costs the better part of a
 * millisecond on the debug kernel under emulation: sleeping 200 us between
 * polls takes a third of its CPU. So after IDLE_SPIN empty polls it blocks
 * in poll(2) on its control socket and on a packet socket that sees every
 * frame of its namespace while armed (bound to ETH_P_ALL), and nothing
 * while disarmed (protocol 0). Arming is followed by one more look at the
 * rings, so a frame that arrived before it is not slept on; the timeout
 * bounds the wait should a wake-up still be missed.
 */
#define IDLE_SPIN	3
#define IDLE_WAIT_MS	1000

static int wake_open(void)
{
	int size = 4096;

	wake_fd = socket(AF_PACKET, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (wake_fd < 0)
		return -1;
	setsockopt(wake_fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	return 0;
}

/* Returns whether the wake socket now sees frames. */
static bool wake_arm(bool on)
{
	struct sockaddr_ll a = {
		.sll_family = AF_PACKET,
		.sll_protocol = on ? htons(ETH_P_ALL) : 0,
	};
	char buf[64];

	if (bind(wake_fd, (struct sockaddr *)&a, sizeof(a)))
		return false;
	if (!on)
		while (recv(wake_fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_TRUNC) >= 0)
			;
	return on;
}

static void wake_wait(void)
{
	struct pollfd pfd[2] = {
		{ .fd = wake_fd, .events = POLLIN },
		{ .fd = ctl_fd, .events = POLLIN },
	};

	mbox_st.idle_waits++;
	if (poll(pfd, 2, IDLE_WAIT_MS) > 0)
		mbox_st.idle_woken++;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "ctl", required_argument, NULL, 'c' },
		{ "mp-port", required_argument, NULL, 'p' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rte_mbuf *bufs[BURST];
	unsigned int idle = 0, busy = 0;
	bool armed = false;
	const char *ctl = NULL;
	unsigned long port;
	char *end;
	int ret, c;
	uint16_t p;

	ret = rte_eal_init(argc, argv);
	if (ret < 0) {
		fprintf(stderr, "mp_mbox: EAL init failed\n");
		return 1;
	}
	argc -= ret;
	argv += ret;
	while ((c = getopt_long(argc, argv, "c:p:h", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			ctl = optarg;
			break;
		case 'p':
			port = strtoul(optarg, &end, 10);
			if (*end || !port || port > 65535) {
				fprintf(stderr, "mp_mbox: bad port %s\n", optarg);
				return 2;
			}
			mbox_mp_port = (uint16_t)port;
			break;
		case 'h':
			print_usage(stdout);
			return 0;
		default:
			print_usage(stderr);
			return 2;
		}
	}
	if (!ctl || rte_eth_dev_count_avail() != 2) {
		print_usage(stderr);
		fprintf(stderr, "mp_mbox: need --ctl and exactly 2 ports (have %u)\n",
			rte_eth_dev_count_avail());
		return 2;
	}
	mbox_pool = rte_pktmbuf_pool_create("mbox", NB_MBUF, 256, 0,
					    RTE_MBUF_DEFAULT_BUF_SIZE,
					    rte_socket_id());
	mbox_obs = obs_new(crc32c);
	if (!mbox_pool || !mbox_obs || mbox_flows_init() ||
	    port_init(0) || port_init(1) || ctl_open(ctl) || wake_open()) {
		fprintf(stderr, "mp_mbox: setup failed: %s\n", strerror(errno));
		return 1;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	printf("mp_mbox: bridging, control on %s, msgpipe port %u\n", ctl,
	       mbox_mp_port);
	fflush(stdout);
	while (!atomic_load(&quit)) {
		unsigned int got = 0;
		bool waiting;

		for (p = 0; p < 2; p++) {
			uint16_t i, n = rte_eth_rx_burst(p, 0, bufs, BURST);

			for (i = 0; i < n; i++)
				mbox_process(bufs[i], p);
			got += n;
		}
		waiting = mbox_timers();
		rte_eth_tx_buffer_flush(0, 0, txb[0]);
		rte_eth_tx_buffer_flush(1, 0, txb[1]);
		if (got || waiting) {
			if (armed)
				armed = wake_arm(false);
		}
		if (got) {
			idle = 0;
			if (!(++busy & 63))
				ctl_poll();
			continue;
		}
		ctl_poll();
		if (idle++ < IDLE_SPIN || waiting) {
			rte_delay_us_sleep(waiting ? 200 : 20);
		} else if (armed) {
			wake_wait();
			armed = wake_arm(false);
			idle = 0;
		} else {
			/* Armed, the rings get one more look before the wait. */
			armed = wake_arm(true);
			if (!armed)
				rte_delay_us_sleep(200);
		}
	}
	cmd_stats(stdout);
	cmd_violations(stdout);
	unlink(ctl);
	for (p = 0; p < 2; p++) {
		rte_eth_dev_stop(p);
		rte_eth_dev_close(p);
	}
	mbox_flows_free();
	obs_free(mbox_obs);
	rte_eal_cleanup();
	return 0;
}
