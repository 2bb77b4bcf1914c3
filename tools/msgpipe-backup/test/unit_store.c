// SPDX-License-Identifier: GPL-2.0
/*
 * Unit tests of msgpipe-backup's store (store.c, proto.c) in user space
 * under ASan/UBSan: the checks of paths, links, names and entries, sets
 * written and read back, verify and restore in a temporary directory.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "kselftest_harness.h"
#include "../backup.h"

/* SHA-256 of "hello". */
#define HASH_HELLO "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"

TEST(mb_path_ok__accepts_relative_paths)
{
	EXPECT_TRUE(mb_path_ok("a"));
	EXPECT_TRUE(mb_path_ok("linux/kernel/fork.c"));
	EXPECT_TRUE(mb_path_ok("a/.hidden/..x/x.."));
}

TEST(mb_path_ok__rejects_escapes)
{
	char longp[5000];

	EXPECT_FALSE(mb_path_ok(NULL));
	EXPECT_FALSE(mb_path_ok(""));
	EXPECT_FALSE(mb_path_ok("/etc/passwd"));
	EXPECT_FALSE(mb_path_ok(".."));
	EXPECT_FALSE(mb_path_ok("a/../../b"));
	EXPECT_FALSE(mb_path_ok("a/./b"));
	EXPECT_FALSE(mb_path_ok("a//b"));
	EXPECT_FALSE(mb_path_ok("a/"));
	memset(longp, 'a', sizeof(longp) - 1);
	longp[sizeof(longp) - 1] = 0;
	EXPECT_FALSE(mb_path_ok(longp));
	longp[300] = 0;
	EXPECT_FALSE(mb_path_ok(longp));	/* a component over NAME_MAX */
}

TEST(mb_link_ok__stays_inside)
{
	EXPECT_TRUE(mb_link_ok("a/b/link", "../c"));
	EXPECT_TRUE(mb_link_ok("a/b/link", "../../c"));
	EXPECT_TRUE(mb_link_ok("link", "c/d"));
	EXPECT_TRUE(mb_link_ok("d/link", "./x/../y"));
	EXPECT_FALSE(mb_link_ok("a/b/link", "../../../c"));
	EXPECT_FALSE(mb_link_ok("link", "../c"));
	EXPECT_FALSE(mb_link_ok("link", "/etc/passwd"));
	EXPECT_FALSE(mb_link_ok("link", ""));
	EXPECT_FALSE(mb_link_ok("a/link", "x/../../../y"));
}

TEST(mb_set_name_ok__charset)
{
	EXPECT_TRUE(mb_set_name_ok("2026-11-29T10:00:00Z"));
	EXPECT_TRUE(mb_set_name_ok("second"));
	EXPECT_FALSE(mb_set_name_ok(""));
	EXPECT_FALSE(mb_set_name_ok(".hidden"));
	EXPECT_FALSE(mb_set_name_ok("a/b"));
	EXPECT_FALSE(mb_set_name_ok("a b"));
}

TEST(mb_entry_parse__round_trip)
{
	struct mb_entry e = {
		.path = "d/f", .type = 'f', .mode = 0640, .uid = 7, .gid = 8,
		.mtime = 1000, .mtime_ns = 5, .size = 5, .hash = HASH_HELLO,
	};
	struct mb_entry back;
	json_object *o = mb_entry_json(&e);
	const char *why;

	ASSERT_EQ(0, mb_entry_parse(o, &back, &why));
	EXPECT_STREQ("d/f", back.path);
	EXPECT_EQ('f', back.type);
	EXPECT_EQ(0640, back.mode);
	EXPECT_EQ(7, back.uid);
	EXPECT_EQ(8, back.gid);
	EXPECT_EQ(1000, back.mtime);
	EXPECT_EQ(5, back.mtime_ns);
	EXPECT_EQ(5, back.size);
	EXPECT_STREQ(HASH_HELLO, back.hash);
	mb_entry_free(&back);
	json_object_put(o);
}

TEST(mb_entry_parse__rejects_bad_entries)
{
	static const char *const bad[] = {
		"{\"p\":\"../x\",\"t\":\"d\"}",
		"{\"p\":\"x\",\"t\":\"z\"}",
		"{\"p\":\"x\",\"t\":\"f\",\"s\":5,\"h\":\"abc\"}",
		"{\"p\":\"x\",\"t\":\"f\",\"s\":-1,\"h\":\"" HASH_HELLO "\"}",
		"{\"p\":\"x\",\"t\":\"f\",\"h\":\"" HASH_HELLO "\"}",
		"{\"p\":\"x\",\"t\":\"l\",\"l\":\"/etc\"}",
		"{\"p\":\"x\",\"t\":\"l\"}",
		"{\"p\":\"x\",\"t\":\"d\",\"mn\":1000000000}",
		"{\"p\":\"x\",\"t\":\"d\",\"x\":[1]}",
		"{\"p\":\"x\",\"t\":\"d\",\"x\":{\"user.a\":5}}",
	};
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		json_object *o = json_tokener_parse(bad[i]);
		struct mb_entry e;
		const char *why = NULL;

		ASSERT_NE(NULL, o);
		EXPECT_EQ(-1, mb_entry_parse(o, &e, &why)) TH_LOG("%s", bad[i]);
		EXPECT_NE(NULL, why);
		json_object_put(o);
	}
}

FIXTURE(store) {
	char dir[64];
	char store[128];
	char dest[128];
};

FIXTURE_SETUP(store)
{
	char p[256];
	int fd;

	strcpy(self->dir, "/tmp/mb_unitXXXXXX");
	ASSERT_NE(NULL, mkdtemp(self->dir));
	snprintf(self->store, sizeof(self->store), "%s/store", self->dir);
	snprintf(self->dest, sizeof(self->dest), "%s/dest", self->dir);
	ASSERT_EQ(0, mb_store_open(self->store));
	mb_object_path(p, sizeof(p), self->store, HASH_HELLO);
	fd = open(p, O_WRONLY | O_CREAT, 0600);
	ASSERT_LE(0, fd);
	ASSERT_EQ(5, write(fd, "hello", 5));
	close(fd);
}

FIXTURE_TEARDOWN(store)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf %s", self->dir);
	if (system(cmd))
		TH_LOG("could not remove %s", self->dir);
}

static void entries(struct mb_entry *e)
{
	e[0] = (struct mb_entry){ .path = "t", .type = 'd', .mode = 0750,
				  .mtime = 1000000000 };
	e[1] = (struct mb_entry){ .path = "t/f", .type = 'f', .mode = 0604,
				  .mtime = 1000000001, .mtime_ns = 7,
				  .size = 5, .hash = HASH_HELLO };
	e[2] = (struct mb_entry){ .path = "t/l", .type = 'l', .mode = 0777,
				  .target = "f" };
}

TEST_F(store, mb_set_write__read_back_and_latest)
{
	struct mb_entry e[3], *back;
	char name[64];
	size_t n, i;

	entries(e);
	ASSERT_EQ(0, mb_set_write(self->store, "2026-01-01", e, 3));
	ASSERT_EQ(0, mb_set_write(self->store, "2026-02-01", e, 2));
	ASSERT_EQ(0, mb_set_latest(self->store, name, sizeof(name)));
	EXPECT_STREQ("2026-02-01", name);
	ASSERT_EQ(0, mb_set_read(self->store, "2026-01-01", &back, &n));
	ASSERT_EQ(3, n);
	for (i = 0; i < n; i++) {
		EXPECT_STREQ(e[i].path, back[i].path);
		EXPECT_EQ(e[i].type, back[i].type);
		mb_entry_free(&back[i]);
	}
	free(back);
}

TEST_F(store, mb_verify__finds_damage)
{
	struct mb_entry e[3];
	char p[256];
	int fd;

	entries(e);
	ASSERT_EQ(0, mb_set_write(self->store, "s", e, 3));
	EXPECT_EQ(0, mb_verify(self->store, "s"));
	mb_object_path(p, sizeof(p), self->store, HASH_HELLO);
	fd = open(p, O_WRONLY | O_TRUNC);
	ASSERT_LE(0, fd);
	ASSERT_EQ(5, write(fd, "HELLO", 5));
	close(fd);
	EXPECT_EQ(1, mb_verify(self->store, "s"));
	unlink(p);
	EXPECT_EQ(1, mb_verify(self->store, "s"));
}

TEST_F(store, mb_restore__rebuilds_the_tree)
{
	struct mb_entry e[3];
	char p[256], buf[16] = { 0 };
	struct stat st;
	int fd;

	entries(e);
	ASSERT_EQ(0, mb_set_write(self->store, "s", e, 3));
	ASSERT_EQ(0, mb_restore(self->store, "s", self->dest));
	snprintf(p, sizeof(p), "%s/t/f", self->dest);
	fd = open(p, O_RDONLY);
	ASSERT_LE(0, fd);
	EXPECT_EQ(5, read(fd, buf, sizeof(buf)));
	EXPECT_STREQ("hello", buf);
	ASSERT_EQ(0, fstat(fd, &st));
	close(fd);
	EXPECT_EQ(0604, st.st_mode & 07777);
	EXPECT_EQ(1000000001, st.st_mtim.tv_sec);
	EXPECT_EQ(7, st.st_mtim.tv_nsec);
	snprintf(p, sizeof(p), "%s/t", self->dest);
	ASSERT_EQ(0, stat(p, &st));
	EXPECT_EQ(0750, st.st_mode & 07777);
	EXPECT_EQ(1000000000, st.st_mtim.tv_sec);
	snprintf(p, sizeof(p), "%s/t/l", self->dest);
	EXPECT_EQ(1, readlink(p, buf, sizeof(buf)));
	EXPECT_EQ('f', buf[0]);
}

/* A symlink restored first must not lead a later entry elsewhere. */
TEST_F(store, mb_restore__never_through_a_symlink)
{
	struct mb_entry e[4] = {
		{ .path = "t", .type = 'd', .mode = 0755 },
		{ .path = "t/out", .type = 'd', .mode = 0755 },
		{ .path = "t/l", .type = 'l', .target = "out" },
		{ .path = "t/l/f", .type = 'f', .mode = 0644, .size = 5,
		  .hash = HASH_HELLO },
	};
	char p[256];

	ASSERT_EQ(0, mb_set_write(self->store, "s", e, 4));
	EXPECT_EQ(1, mb_restore(self->store, "s", self->dest));
	snprintf(p, sizeof(p), "%s/t/out/f", self->dest);
	EXPECT_NE(0, access(p, F_OK));
}

TEST_HARNESS_MAIN
