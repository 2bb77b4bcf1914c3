// SPDX-License-Identifier: GPL-2.0
/*
 * The store of msgpipe-backup: manifest entries and their checks (paths
 * that stay inside the tree), SHA-256 through OpenSSL, objects named by
 * their hash, backup sets written atomically (temporary file, fsync,
 * rename), and verify and restore, which trust nothing they read.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/xattr.h>
#include <unistd.h>
#include <linux/openat2.h>
#include <openssl/evp.h>
#include "backup.h"

json_object *mb_entry_json(const struct mb_entry *e)
{
	json_object *o = json_object_new_object();
	char t[2] = { e->type, 0 };

	json_object_object_add(o, "p", json_object_new_string(e->path));
	json_object_object_add(o, "t", json_object_new_string(t));
	json_object_object_add(o, "m", json_object_new_int64(e->mode));
	json_object_object_add(o, "u", json_object_new_int64(e->uid));
	json_object_object_add(o, "g", json_object_new_int64(e->gid));
	json_object_object_add(o, "mt", json_object_new_int64(e->mtime));
	json_object_object_add(o, "mn", json_object_new_int64(e->mtime_ns));
	if (e->type == 'f') {
		json_object_object_add(o, "s", json_object_new_int64(e->size));
		json_object_object_add(o, "h", json_object_new_string(e->hash));
	}
	if (e->type == 'l')
		json_object_object_add(o, "l", json_object_new_string(e->target));
	if (e->xattrs)
		json_object_object_add(o, "x", json_object_get(e->xattrs));
	return o;
}

bool mb_hash_ok(const char *h)
{
	size_t i;

	if (!h || strlen(h) != MB_HASH_LEN)
		return false;
	for (i = 0; i < MB_HASH_LEN; i++)
		if (!((h[i] >= '0' && h[i] <= '9') || (h[i] >= 'a' && h[i] <= 'f')))
			return false;
	return true;
}

/* Relative, no empty, "." or ".." component, no NUL, not too long. */
bool mb_path_ok(const char *p)
{
	const char *c = p;

	if (!p || !*p || *p == '/' || strlen(p) >= PATH_MAX)
		return false;
	while (*c) {
		const char *s = strchr(c, '/');
		size_t n = s ? (size_t)(s - c) : strlen(c);

		if (!n || n > NAME_MAX || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		if (*c == '/')
			c++;
		if (s && !*c)
			return false;	/* a trailing slash */
	}
	return true;
}

/* A symlink at @path whose target stays inside the tree. */
bool mb_link_ok(const char *path, const char *target)
{
	int depth = 0;
	const char *c;

	if (!target || !*target || *target == '/' || strlen(target) >= PATH_MAX)
		return false;
	/* Where the link lives: one level per '/' in its path. */
	for (c = path; *c; c++)
		depth += *c == '/';
	for (c = target; *c;) {
		const char *s = strchr(c, '/');
		size_t n = s ? (size_t)(s - c) : strlen(c);

		if (n == 2 && c[0] == '.' && c[1] == '.')
			depth--;
		else if (n && !(n == 1 && c[0] == '.'))
			depth++;
		if (depth < 0)
			return false;
		c += n;
		if (*c == '/')
			c++;
	}
	return true;
}

bool mb_set_name_ok(const char *name)
{
	size_t i, n = strlen(name);

	if (!n || n > 100 || name[0] == '.')
		return false;
	static const char ok[] =
		"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-_:";

	for (i = 0; i < n; i++)
		if (!strchr(ok, name[i]))
			return false;
	return true;
}

int mb_entry_parse(json_object *o, struct mb_entry *e, const char **why)
{
	const char *p = mb_get_str(o, "p"), *t = mb_get_str(o, "t");
	json_object *x;

	memset(e, 0, sizeof(*e));
	*why = "bad path";
	if (!mb_path_ok(p))
		return -1;
	*why = "bad type";
	if (!t || strlen(t) != 1 || !strchr("fdl", t[0]))
		return -1;
	e->type = t[0];
	e->mode = mb_get_int(o, "m", 0644) & 07777;
	e->uid = mb_get_int(o, "u", 0);
	e->gid = mb_get_int(o, "g", 0);
	e->mtime = mb_get_int(o, "mt", 0);
	e->mtime_ns = mb_get_int(o, "mn", 0);
	*why = "bad time";
	if (e->mtime_ns < 0 || e->mtime_ns >= 1000000000)
		return -1;
	if (e->type == 'f') {
		int64_t s = mb_get_int(o, "s", -1);

		*why = "bad size or hash";
		if (s < 0 || !mb_hash_ok(mb_get_str(o, "h")))
			return -1;
		e->size = s;
		strcpy(e->hash, mb_get_str(o, "h"));
	}
	if (e->type == 'l') {
		*why = "symlink leaves the tree";
		if (!mb_link_ok(p, mb_get_str(o, "l")))
			return -1;
		e->target = strdup(mb_get_str(o, "l"));
	}
	if (json_object_object_get_ex(o, "x", &x)) {
		size_t total = 0;

		*why = "bad xattrs";
		if (!json_object_is_type(x, json_type_object))
			goto err;
		json_object_object_foreach(x, k, v) {
			if (!json_object_is_type(v, json_type_string) ||
			    strlen(k) > XATTR_NAME_MAX)
				goto err;
			total += strlen(k) + json_object_get_string_len(v);
		}
		if (total > MB_XATTR_MAX)
			goto err;
		e->xattrs = json_object_get(x);
	}
	e->path = strdup(p);
	return 0;

err:
	free(e->target);
	e->target = NULL;
	return -1;
}

void mb_entry_free(struct mb_entry *e)
{
	free(e->path);
	free(e->target);
	json_object_put(e->xattrs);
	memset(e, 0, sizeof(*e));
}

int mb_hash_fd(int fd, char out[MB_HASH_LEN + 1])
{
	static const char hex[] = "0123456789abcdef";
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	unsigned char md[32], buf[1 << 16];
	unsigned int i, mdlen;
	ssize_t n;

	if (!ctx)
		return -1;
	EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		EVP_DigestUpdate(ctx, buf, n);
	EVP_DigestFinal_ex(ctx, md, &mdlen);
	EVP_MD_CTX_free(ctx);
	if (n < 0)
		return -1;
	for (i = 0; i < 32; i++) {
		out[2 * i] = hex[md[i] >> 4];
		out[2 * i + 1] = hex[md[i] & 15];
	}
	out[MB_HASH_LEN] = 0;
	return 0;
}

void mb_object_path(char *out, size_t n, const char *store, const char *hash)
{
	snprintf(out, n, "%s/objects/%.2s/%s", store, hash, hash);
}

/* Create the store's directories; 0 or -1. */
int mb_store_open(const char *store)
{
	static const char hex[] = "0123456789abcdef";
	char p[PATH_MAX];
	int i;

	if (mkdir(store, 0700) && errno != EEXIST)
		return -1;
	snprintf(p, sizeof(p), "%s/objects", store);
	if (mkdir(p, 0700) && errno != EEXIST)
		return -1;
	for (i = 0; i < 256; i++) {
		snprintf(p, sizeof(p), "%s/objects/%c%c", store, hex[i >> 4],
			 hex[i & 15]);
		if (mkdir(p, 0700) && errno != EEXIST)
			return -1;
	}
	snprintf(p, sizeof(p), "%s/sets", store);
	if (mkdir(p, 0700) && errno != EEXIST)
		return -1;
	snprintf(p, sizeof(p), "%s/tmp", store);
	if (mkdir(p, 0700) && errno != EEXIST)
		return -1;
	return 0;
}

/* fsync the directory holding @path. */
static void mb_sync_dir(const char *path)
{
	char d[PATH_MAX], *s;
	int fd;

	snprintf(d, sizeof(d), "%s", path);
	s = strrchr(d, '/');
	if (s)
		*s = 0;
	fd = open(s ? d : ".", O_RDONLY | O_DIRECTORY);
	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

int mb_set_write(const char *store, const char *name, struct mb_entry *e,
		 size_t n)
{
	char tmp[PATH_MAX], dst[PATH_MAX];
	size_t i;
	FILE *f;
	int fd;

	snprintf(tmp, sizeof(tmp), "%s/tmp/set-XXXXXX", store);
	snprintf(dst, sizeof(dst), "%s/sets/%s.jsonl", store, name);
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	f = fdopen(fd, "w");
	for (i = 0; f && i < n; i++) {
		json_object *o = mb_entry_json(&e[i]);

		/* Paths as they are, so that grep finds them in a set. */
		fprintf(f, "%s\n",
			json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
						       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	}
	if (!f || fflush(f) || fsync(fd) || fclose(f) || rename(tmp, dst)) {
		unlink(tmp);
		return -1;
	}
	mb_sync_dir(dst);
	return 0;
}

int mb_set_read(const char *store, const char *name, struct mb_entry **ep,
		size_t *np)
{
	struct mb_entry *e = NULL;
	size_t n = 0, cap = 0, len = 0;
	char p[PATH_MAX], *line = NULL;
	const char *why;
	FILE *f;

	snprintf(p, sizeof(p), "%s/sets/%s.jsonl", store, name);
	f = fopen(p, "r");
	if (!f)
		return -1;
	while (getline(&line, &len, f) > 0) {
		json_object *o = json_tokener_parse(line);

		if (n == cap) {
			cap = cap ? 2 * cap : 1024;
			e = realloc(e, cap * sizeof(*e));
		}
		if (!o || mb_entry_parse(o, &e[n], &why)) {
			mb_warn("%s: entry %zu: %s", p, n + 1,
				o ? why : "not JSON");
			json_object_put(o);
			continue;
		}
		json_object_put(o);
		n++;
	}
	free(line);
	fclose(f);
	*ep = e;
	*np = n;
	return 0;
}

/* The newest set (names sort by date). */
int mb_set_latest(const char *store, char *name, size_t n)
{
	char p[PATH_MAX];
	struct dirent *d;
	DIR *dir;

	snprintf(p, sizeof(p), "%s/sets", store);
	dir = opendir(p);
	if (!dir)
		return -1;
	*name = 0;
	while ((d = readdir(dir))) {
		size_t l = strlen(d->d_name);

		if (l <= 6 || strcmp(d->d_name + l - 6, ".jsonl") ||
		    l - 6 >= n)
			continue;
		if (strncmp(d->d_name, name, l - 6) > 0 || !*name) {
			memcpy(name, d->d_name, l - 6);
			name[l - 6] = 0;
		}
	}
	closedir(dir);
	return *name ? 0 : -1;
}

static const char *mb_pick_set(const char *store, const char *set, char *buf,
			       size_t n)
{
	if (set)
		return set;
	if (mb_set_latest(store, buf, n))
		mb_die("%s: no backup set", store);
	return buf;
}

int mb_verify(const char *store, const char *set)
{
	size_t n, i, bad = 0, files = 0;
	char name[128], p[PATH_MAX];
	struct mb_entry *e;

	set = mb_pick_set(store, set, name, sizeof(name));
	if (mb_set_read(store, set, &e, &n))
		mb_die("%s: set %s: %s", store, set, strerror(errno));
	for (i = 0; i < n; i++) {
		char h[MB_HASH_LEN + 1];
		struct stat st;
		int fd;

		if (e[i].type != 'f')
			continue;
		files++;
		mb_object_path(p, sizeof(p), store, e[i].hash);
		fd = open(p, O_RDONLY);
		if (fd < 0 || fstat(fd, &st) || (uint64_t)st.st_size != e[i].size ||
		    mb_hash_fd(fd, h) || strcmp(h, e[i].hash)) {
			printf("BAD %s (%s)\n", e[i].path,
			       fd < 0 ? "object missing" : "object damaged");
			bad++;
		}
		if (fd >= 0)
			close(fd);
	}
	printf("set %s: %zu entries, %zu files, %zu bad\n", set, n, files, bad);
	for (i = 0; i < n; i++)
		mb_entry_free(&e[i]);
	free(e);
	return bad ? 1 : 0;
}

/* Open @path's parent under @root, never through a symlink. */
static int mb_parent(int root, const char *path, const char **base)
{
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	char dir[PATH_MAX];
	const char *s = strrchr(path, '/');

	*base = s ? s + 1 : path;
	if (!s)
		return dup(root);
	snprintf(dir, sizeof(dir), "%.*s", (int)(s - path), path);
	return syscall(SYS_openat2, root, dir, &how, sizeof(how));
}

static void mb_restore_xattrs(int fd, const char *path, json_object *x)
{
	if (!x)
		return;
	json_object_object_foreach(x, k, v) {
		const char *b64 = json_object_get_string(v);
		int len = json_object_get_string_len(v);
		unsigned char *val = malloc(len / 4 * 3 + 3);
		int n = EVP_DecodeBlock(val, (const unsigned char *)b64, len);

		/* Padding counted by EVP_DecodeBlock: strip it. */
		if (n > 0 && len >= 1 && b64[len - 1] == '=')
			n--;
		if (n > 0 && len >= 2 && b64[len - 2] == '=')
			n--;
		if (n < 0 || fsetxattr(fd, k, val, n, 0))
			mb_warn("%s: xattr %s: %s", path, k,
				n < 0 ? "bad value" : strerror(errno));
		free(val);
	}
}

static int mb_restore_one(int root, const char *store, struct mb_entry *e)
{
	struct timespec ts[2] = { { e->mtime, e->mtime_ns },
				  { e->mtime, e->mtime_ns } };
	char obj[PATH_MAX], buf[1 << 16];
	int dir, fd, in, err = 0;
	const char *base;
	ssize_t n;

	dir = mb_parent(root, e->path, &base);
	if (dir < 0) {
		mb_warn("%s: parent: %s", e->path, strerror(errno));
		return -1;
	}
	if (e->type == 'd') {
		if (mkdirat(dir, base, 0700) && errno != EEXIST)
			err = -1;
	} else if (e->type == 'l') {
		if (symlinkat(e->target, dir, base))
			err = -1;
		else if (fchownat(dir, base, e->uid, e->gid, AT_SYMLINK_NOFOLLOW) &&
			 errno != EPERM)
			err = -1;
		else
			utimensat(dir, base, ts, AT_SYMLINK_NOFOLLOW);
	} else {
		mb_object_path(obj, sizeof(obj), store, e->hash);
		in = open(obj, O_RDONLY);
		fd = openat(dir, base, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW,
			    0600);
		if (in < 0 || fd < 0)
			err = -1;
		while (!err && (n = read(in, buf, sizeof(buf))) > 0)
			if (write(fd, buf, n) != n)
				err = -1;
		if (!err) {
			mb_restore_xattrs(fd, e->path, e->xattrs);
			if (fchown(fd, e->uid, e->gid) && errno != EPERM)
				err = -1;
			fchmod(fd, e->mode);
			futimens(fd, ts);
		}
		if (in >= 0)
			close(in);
		if (fd >= 0)
			close(fd);
	}
	if (err)
		mb_warn("%s: %s", e->path, strerror(errno));
	close(dir);
	return err;
}

/* Directories get their owner, mode and times once their contents exist. */
static void mb_restore_dir_meta(int root, struct mb_entry *e)
{
	struct timespec ts[2] = { { e->mtime, e->mtime_ns },
				  { e->mtime, e->mtime_ns } };
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS,
	};
	int fd = syscall(SYS_openat2, root, e->path, &how, sizeof(how));

	if (fd < 0)
		return;
	mb_restore_xattrs(fd, e->path, e->xattrs);
	if (fchown(fd, e->uid, e->gid) && errno != EPERM)
		mb_warn("%s: chown: %s", e->path, strerror(errno));
	fchmod(fd, e->mode);
	futimens(fd, ts);
	close(fd);
}

int mb_restore(const char *store, const char *set, const char *dest)
{
	size_t n, i, bad = 0;
	struct mb_entry *e;
	char name[128];
	int root;

	set = mb_pick_set(store, set, name, sizeof(name));
	if (mb_set_read(store, set, &e, &n))
		mb_die("%s: set %s: %s", store, set, strerror(errno));
	if (mkdir(dest, 0700) && errno != EEXIST)
		mb_die("%s: %s", dest, strerror(errno));
	root = open(dest, O_RDONLY | O_DIRECTORY);
	if (root < 0)
		mb_die("%s: %s", dest, strerror(errno));
	for (i = 0; i < n; i++)
		bad += mb_restore_one(root, store, &e[i]) != 0;
	for (i = n; i-- > 0;)
		if (e[i].type == 'd')
			mb_restore_dir_meta(root, &e[i]);
	close(root);
	if (!mb_quiet)
		printf("restored set %s: %zu entries, %zu failed\n", set, n, bad);
	for (i = 0; i < n; i++)
		mb_entry_free(&e[i]);
	free(e);
	return bad ? 1 : 0;
}
