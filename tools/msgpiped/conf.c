// SPDX-License-Identifier: GPL-2.0
/*
 * msgpiped's configuration file: certificates, keys, PSKs and limits
 * (msgpiped(8), CONFIGURATION).
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include "msgpiped.h"

static int hex_key(const char *hex, gnutls_datum_t *out)
{
	gnutls_datum_t in = { (unsigned char *)hex, strlen(hex) };
	size_t n = in.size / 2;

	if (!n || in.size % 2)
		return -1;
	out->data = gnutls_malloc(n);
	out->size = n;
	if (!out->data || gnutls_hex_decode(&in, out->data, &n) < 0) {
		gnutls_free(out->data);
		out->data = NULL;
		return -1;
	}
	return 0;
}

/* One "key value" line but psk: 0, or -1 for an unknown key. */
static int set_option(const char *k, const char *v)
{
	static const struct {
		const char *key;
		char **val;
	} paths[] = {
		{ "ca", &cfg.ca }, { "cert", &cfg.cert }, { "key", &cfg.key },
		{ "priority", &cfg.priority },
		{ "psk-identity", &cfg.psk_identity },
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		if (!strcmp(k, paths[i].key)) {
			free(*paths[i].val);
			*paths[i].val = strdup(v);
			return 0;
		}
	}
	if (!strcmp(k, "timeout-ms")) {
		char *end;
		unsigned long ms = strtoul(v, &end, 10);

		if (*end || !ms || ms > 600000)
			return -1;
		cfg.timeout_ms = ms;
		return 0;
	}
	if (!strcmp(k, "check-address")) {
		if (strcmp(v, "yes") && strcmp(v, "no"))
			return -1;
		cfg.check_address = !strcmp(v, "yes");
		return 0;
	}
	return -1;
}

/**
 * msgpiped_read_config() - read msgpiped.conf into cfg
 * @path: the file
 *
 * Lines of "key value"; '#' starts a comment; "psk" takes an identity and
 * a hexadecimal key. The file's copy of a key is wiped once decoded.
 *
 * Return: 0, or -1 (logged with the line number) on a bad line.
 */
int msgpiped_read_config(const char *path)
{
	char line[1024], *k, *v, *v2, *save;
	unsigned int n = 0;
	FILE *f = fopen(path, "r");

	if (!f) {
		say(LOG_ERR, "%s: %s", path, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f)) {
		n++;
		if (!strchr(line, '\n') && !feof(f))
			goto bad;	/* longer than the buffer */
		line[strcspn(line, "#\n")] = 0;
		k = strtok_r(line, " \t", &save);
		if (!k)
			continue;
		v = strtok_r(NULL, " \t", &save);
		v2 = v ? strtok_r(NULL, " \t", &save) : NULL;
		if (!v || (v2 && strcmp(k, "psk")) || strtok_r(NULL, " \t", &save))
			goto bad;
		if (!strcmp(k, "psk")) {
			if (!v2 || cfg.npsk == PSK_MAX)
				goto bad;
			if (hex_key(v2, &cfg.psk[cfg.npsk].key))
				goto bad;
			cfg.psk[cfg.npsk].identity = strdup(v);
			/* The key stays only in the datum. */
			explicit_bzero(v2, strlen(v2));
			cfg.npsk++;
		} else if (set_option(k, v)) {
			goto bad;
		}
	}
	fclose(f);
	explicit_bzero(line, sizeof(line));
	if (!cfg.timeout_ms)
		cfg.timeout_ms = 10000;
	return 0;
bad:
	explicit_bzero(line, sizeof(line));
	fclose(f);
	say(LOG_ERR, "%s:%u: bad line (see msgpiped(8))", path, n);
	return -1;
}

/**
 * msgpiped_psk_find() - the key of an identity
 * @identity: the identity, or NULL
 *
 * Return: its entry, or NULL.
 */
const struct psk *msgpiped_psk_find(const char *identity)
{
	unsigned int i;

	for (i = 0; i < cfg.npsk; i++)
		if (identity && !strcmp(cfg.psk[i].identity, identity))
			return &cfg.psk[i];
	return NULL;
}

/**
 * msgpiped_config_free() - forget the configuration, keys wiped
 */
void msgpiped_config_free(void)
{
	unsigned int i;

	for (i = 0; i < cfg.npsk; i++) {
		free(cfg.psk[i].identity);
		gnutls_memset(cfg.psk[i].key.data, 0, cfg.psk[i].key.size);
		gnutls_free(cfg.psk[i].key.data);
	}
	free(cfg.ca);
	free(cfg.cert);
	free(cfg.key);
	free(cfg.priority);
	free(cfg.psk_identity);
	cfg = (struct msgpiped_cfg){ .timeout_ms = 10000, .check_address = true,
				     .foreground = cfg.foreground,
				     .verbose = cfg.verbose };
}
