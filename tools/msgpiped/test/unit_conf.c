// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of msgpiped's configuration parser (conf.c) under ASan and
 * UBSan with the kselftest harness.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "../msgpiped.h"
#include "kselftest_harness.h"

struct msgpiped_cfg cfg = { .timeout_ms = 10000, .check_address = true };
static char said[512];

void say(int prio, const char *fmt, ...)
{
	va_list ap;

	(void)prio;
	va_start(ap, fmt);
	vsnprintf(said, sizeof(said), fmt, ap);
	va_end(ap);
}

/* The text as a file; its path in @path. */
static void conf_file(char *path, const char *text)
{
	FILE *f;
	int fd;

	strcpy(path, "/tmp/msgpiped-conf-XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	said[0] = 0;
}

static int parse(const char *text)
{
	char path[64];
	int ret;

	conf_file(path, text);
	ret = msgpiped_read_config(path);
	unlink(path);
	return ret;
}

FIXTURE(conf) {
	int unused;
};

FIXTURE_SETUP(conf)
{
	msgpiped_config_free();
}

FIXTURE_TEARDOWN(conf)
{
	msgpiped_config_free();
}

TEST_F(conf, msgpiped_read_config__every_key)
{
	ASSERT_EQ(0, parse("ca /etc/ca.pem\ncert /etc/a.pem\nkey /etc/a.key\n"
			   "priority NORMAL\npsk-identity host-a\n"
			   "psk host-a 00112233\npsk host-b ffee\n"
			   "timeout-ms 2500\ncheck-address no\n"));
	EXPECT_STREQ("/etc/ca.pem", cfg.ca);
	EXPECT_STREQ("/etc/a.pem", cfg.cert);
	EXPECT_STREQ("/etc/a.key", cfg.key);
	EXPECT_STREQ("NORMAL", cfg.priority);
	EXPECT_STREQ("host-a", cfg.psk_identity);
	EXPECT_EQ(2, cfg.npsk);
	EXPECT_EQ(4, cfg.psk[0].key.size);
	EXPECT_EQ(0x33, cfg.psk[0].key.data[3]);
	EXPECT_EQ(2500, cfg.timeout_ms);
	EXPECT_FALSE(cfg.check_address);
}

TEST_F(conf, msgpiped_read_config__comments_blanks_and_tabs)
{
	ASSERT_EQ(0, parse("# a comment\n\n\t\n\tca\t/x.pem\t# trailing\n"));
	EXPECT_STREQ("/x.pem", cfg.ca);
	EXPECT_EQ(10000, cfg.timeout_ms);
	EXPECT_TRUE(cfg.check_address);
}

TEST_F(conf, msgpiped_read_config__unknown_key_names_its_line)
{
	EXPECT_EQ(-1, parse("ca /x.pem\n\ncerts /y.pem\n"));
	EXPECT_NE(NULL, strstr(said, ":3: bad line"));
}

TEST_F(conf, msgpiped_read_config__missing_or_extra_words)
{
	EXPECT_EQ(-1, parse("ca\n"));
	EXPECT_EQ(-1, parse("ca /x.pem /y.pem\n"));
	EXPECT_EQ(-1, parse("psk host-a\n"));
	EXPECT_EQ(-1, parse("psk host-a 0011 22\n"));
}

TEST_F(conf, msgpiped_read_config__bad_psk_keys)
{
	EXPECT_EQ(-1, parse("psk host-a 001\n"));
	EXPECT_EQ(-1, parse("psk host-a zz11\n"));
	EXPECT_EQ(0, cfg.npsk);
}

TEST_F(conf, msgpiped_read_config__values_out_of_range)
{
	EXPECT_EQ(-1, parse("timeout-ms 0\n"));
	EXPECT_EQ(-1, parse("timeout-ms 10s\n"));
	EXPECT_EQ(-1, parse("timeout-ms 600001\n"));
	EXPECT_EQ(-1, parse("check-address maybe\n"));
}

TEST_F(conf, msgpiped_read_config__line_too_long)
{
	char text[1200];

	memset(text, 'a', sizeof(text) - 2);
	memcpy(text, "ca ", 3);
	text[sizeof(text) - 2] = '\n';
	text[sizeof(text) - 1] = 0;
	EXPECT_EQ(-1, parse(text));
}

TEST_F(conf, msgpiped_read_config__too_many_psks)
{
	char text[PSK_MAX * 16 + 32], *p = text;
	int i;

	for (i = 0; i <= PSK_MAX; i++)
		p += sprintf(p, "psk id%d 00\n", i);
	EXPECT_EQ(-1, parse(text));
	EXPECT_EQ(PSK_MAX, cfg.npsk);
}

TEST_F(conf, msgpiped_read_config__no_such_file)
{
	EXPECT_EQ(-1, msgpiped_read_config("/nonexistent/msgpiped.conf"));
	EXPECT_NE(NULL, strstr(said, "No such file"));
}

TEST_F(conf, msgpiped_psk_find__by_identity)
{
	ASSERT_EQ(0, parse("psk a 01\npsk b 02\n"));
	ASSERT_NE(NULL, msgpiped_psk_find("b"));
	EXPECT_EQ(2, msgpiped_psk_find("b")->key.data[0]);
	EXPECT_EQ(NULL, msgpiped_psk_find("c"));
	EXPECT_EQ(NULL, msgpiped_psk_find(NULL));
}

TEST_HARNESS_MAIN
