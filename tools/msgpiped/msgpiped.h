/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgpiped's configuration (conf.c), shared with its unit tests.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPED_H
#define _MSGPIPED_H

#include <stdbool.h>
#include <gnutls/gnutls.h>

#define PSK_MAX		64
#define ARRAY_SIZE(a)	(sizeof(a) / sizeof((a)[0]))

/**
 * struct psk - one pre-shared key
 * @identity: its name
 * @key:      the key, raw, in GnuTLS's memory
 */
struct psk {
	char *identity;
	gnutls_datum_t key;
};

/**
 * struct msgpiped_cfg - what msgpiped.conf says, and the options
 * @ca:            trust anchors file, or NULL
 * @cert:          this host's certificate chain file, or NULL
 * @key:           its private key file, or NULL
 * @priority:      GnuTLS priorities, or NULL for the default
 * @psk_identity:  the identity used as a psk client, or NULL
 * @psk:           the keys, @npsk of them
 * @npsk:          entries in @psk
 * @timeout_ms:    bound of one handshake
 * @check_address: a client checks the server's certificate names the
 *                 address dialed
 * @foreground:    log to standard error (-f)
 * @verbose:       log every request (-v)
 */
struct msgpiped_cfg {
	char *ca, *cert, *key, *priority, *psk_identity;
	struct psk psk[PSK_MAX];
	unsigned int npsk;
	unsigned int timeout_ms;
	bool check_address;
	bool foreground, verbose;
};

extern struct msgpiped_cfg cfg;

void say(int prio, const char *fmt, ...);
int msgpiped_read_config(const char *path);
const struct psk *msgpiped_psk_find(const char *identity);
void msgpiped_config_free(void);

#endif
