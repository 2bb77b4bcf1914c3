// SPDX-License-Identifier: GPL-2.0
/*
 * msgpipe-backup serve: one thread per session. A run has one control
 * session (the manifest, what is needed, the set written at the end) and
 * data sessions (objects, each written to a temporary file, checked
 * against its SHA-256, fsync'ed and renamed into place). Objects are
 * named by their hash, so sets share unchanged files and a re-run after
 * an interruption sends only what is missing.
 *
 * Locking: mb_lock protects the runs and the store's byte count; a run's
 * entries belong to its control thread.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <assert.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <openssl/evp.h>
#include "backup.h"

#define MB_RUNS_MAX	16

/**
 * struct mb_run - one push in progress
 * @token:   the client's run token
 * @pending: hashes needed and not stored yet (a tsearch tree)
 * @npending: how many
 * @reserved: bytes promised to @pending (against the quota)
 * @refs:    its sessions; the slot is free at 0
 */
struct mb_run {
	char		token[40];
	void		*pending;
	size_t		npending;
	uint64_t	reserved;
	int		refs;
};

static pthread_mutex_t mb_lock = PTHREAD_MUTEX_INITIALIZER;
static struct mb_run mb_runs[MB_RUNS_MAX];
static const char *mb_store;
static uint64_t mb_quota, mb_used;

static int mb_cmp(const void *a, const void *b)
{
	return strcmp(a, b);
}

static void mb_send_error(int fd, const char *why)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "op", json_object_new_string("error"));
	json_object_object_add(o, "why", json_object_new_string(why));
	mb_send_json(fd, o);
	json_object_put(o);
}

static struct mb_run *mb_run_find(const char *token, bool create)
{
	struct mb_run *free_slot = NULL;
	int i;

	for (i = 0; i < MB_RUNS_MAX; i++) {
		if (mb_runs[i].refs && !strcmp(mb_runs[i].token, token)) {
			mb_runs[i].refs++;
			return &mb_runs[i];
		}
		if (!mb_runs[i].refs && !free_slot)
			free_slot = &mb_runs[i];
	}
	if (!create || !free_slot)
		return NULL;
	memset(free_slot, 0, sizeof(*free_slot));
	snprintf(free_slot->token, sizeof(free_slot->token), "%s", token);
	free_slot->refs = 1;
	return free_slot;
}

static void mb_noop_free(void *p)
{
	free(p);
}

/* A session of the run ends; the last one frees it. */
static void mb_run_put(struct mb_run *run)
{
	pthread_mutex_lock(&mb_lock);
	if (!--run->refs) {
		tdestroy(run->pending, mb_noop_free);
		run->pending = NULL;
	}
	pthread_mutex_unlock(&mb_lock);
}

static bool mb_have(const char *hash, uint64_t size)
{
	char p[PATH_MAX];
	struct stat st;

	mb_object_path(p, sizeof(p), mb_store, hash);
	return !stat(p, &st) && (uint64_t)st.st_size == size;
}

/* Answer one "entries" message: which objects to send. */
static json_object *mb_need(struct mb_run *run, json_object *list,
			    struct mb_entry **ents, size_t *nents)
{
	json_object *need = json_object_new_array();
	json_object *rej = json_object_new_array();
	json_object *ans = json_object_new_object();
	size_t i, n = json_object_array_length(list);

	*ents = realloc(*ents, (*nents + n) * sizeof(**ents));
	for (i = 0; i < n; i++) {
		struct mb_entry *e = &(*ents)[*nents];
		const char *why;

		if (mb_entry_parse(json_object_array_get_idx(list, i), e, &why)) {
			json_object *r = json_object_new_object();

			json_object_object_add(r, "i", json_object_new_int64(i));
			json_object_object_add(r, "why", json_object_new_string(why));
			json_object_array_add(rej, r);
			continue;
		}
		(*nents)++;
		if (e->type != 'f' || mb_have(e->hash, e->size))
			continue;
		pthread_mutex_lock(&mb_lock);
		if (tfind(e->hash, &run->pending, mb_cmp)) {
			/* Same bytes twice in one run: sent once. */
			pthread_mutex_unlock(&mb_lock);
			continue;
		}
		if (mb_quota && mb_used + run->reserved + e->size > mb_quota) {
			json_object *r = json_object_new_object();

			pthread_mutex_unlock(&mb_lock);
			json_object_object_add(r, "i", json_object_new_int64(i));
			json_object_object_add(r, "why",
					       json_object_new_string("over the store's quota"));
			json_object_array_add(rej, r);
			mb_entry_free(e);
			(*nents)--;
			continue;
		}
		tsearch(strdup(e->hash), &run->pending, mb_cmp);
		run->npending++;
		run->reserved += e->size;
		pthread_mutex_unlock(&mb_lock);
		json_object_array_add(need, json_object_new_int64(i));
	}
	json_object_object_add(ans, "op", json_object_new_string("need"));
	json_object_object_add(ans, "need", need);
	json_object_object_add(ans, "rejected", rej);
	return ans;
}

/* The end of a run: write its set if every object it names is stored. */
static json_object *mb_finish(struct mb_run *run, const char *set,
			      struct mb_entry *ents, size_t nents)
{
	json_object *ans = json_object_new_object();
	size_t missing;

	pthread_mutex_lock(&mb_lock);
	missing = run->npending;
	pthread_mutex_unlock(&mb_lock);
	json_object_object_add(ans, "op", json_object_new_string("done"));
	json_object_object_add(ans, "missing", json_object_new_int64(missing));
	json_object_object_add(ans, "files", json_object_new_int64(nents));
	json_object_object_add(ans, "set", json_object_new_string(set));
	if (!missing && mb_set_write(mb_store, set, ents, nents))
		json_object_object_add(ans, "why",
				       json_object_new_string(strerror(errno)));
	return ans;
}

static void mb_control(int fd, json_object *hello, char *buf)
{
	const char *token = mb_get_str(hello, "run"), *set = mb_get_str(hello, "set");
	struct mb_entry *ents = NULL;
	size_t nents = 0, i;
	struct mb_run *run;
	json_object *m;

	if (!token || strlen(token) >= 40 || !set || !mb_set_name_ok(set)) {
		mb_send_error(fd, "bad hello");
		return;
	}
	pthread_mutex_lock(&mb_lock);
	run = mb_run_find(token, true);
	pthread_mutex_unlock(&mb_lock);
	if (!run) {
		mb_send_error(fd, "too many runs");
		return;
	}
	while ((m = mb_recv_json(fd, buf, MB_MSG_MAX))) {
		json_object *list, *ans = NULL;
		bool finish = !strcmp(mb_op(m), "finish");

		if (!strcmp(mb_op(m), "entries") &&
		    json_object_object_get_ex(m, "list", &list) &&
		    json_object_is_type(list, json_type_array) &&
		    json_object_array_length(list) <= 4 * MB_BATCH)
			ans = mb_need(run, list, &ents, &nents);
		else if (finish)
			ans = mb_finish(run, set, ents, nents);
		json_object_put(m);
		if (!ans) {
			mb_send_error(fd, "unexpected message");
			break;
		}
		mb_send_json(fd, ans);
		json_object_put(ans);
		if (finish)
			break;
	}
	mb_run_put(run);
	for (i = 0; i < nents; i++)
		mb_entry_free(&ents[i]);
	free(ents);
}

/**
 * struct mb_obj - an object being received
 * @tmp: its temporary file's name
 * @out: the temporary file
 * @ctx: its SHA-256 so far
 * @why: NULL, or what went wrong
 */
struct mb_obj {
	char		tmp[PATH_MAX];
	int		out;
	EVP_MD_CTX	*ctx;
	const char	*why;
};

static void mb_obj_begin(struct mb_obj *o)
{
	snprintf(o->tmp, sizeof(o->tmp), "%s/tmp/obj-XXXXXX", mb_store);
	o->out = mkstemp(o->tmp);
	o->why = o->out < 0 ? "no temporary file" : NULL;
	o->ctx = EVP_MD_CTX_new();
	EVP_DigestInit_ex(o->ctx, EVP_sha256(), NULL);
}

static void mb_obj_feed(struct mb_obj *o, const void *p, size_t n)
{
	EVP_DigestUpdate(o->ctx, p, n);
	if (!o->why && write(o->out, p, n) != (ssize_t)n)
		o->why = "write failed";
}

/* Check the bytes against @hash and move them into place; NULL or why
 * not. A stored object is no longer pending for @run.
 */
static const char *mb_obj_end(struct mb_obj *o, struct mb_run *run,
			      const char *hash, uint64_t size)
{
	static const char hex[] = "0123456789abcdef";
	char dst[PATH_MAX], got[MB_HASH_LEN + 1];
	unsigned char md[32];
	unsigned int i, mdlen;
	void *node;

	EVP_DigestFinal_ex(o->ctx, md, &mdlen);
	EVP_MD_CTX_free(o->ctx);
	for (i = 0; i < 32; i++) {
		got[2 * i] = hex[md[i] >> 4];
		got[2 * i + 1] = hex[md[i] & 15];
	}
	got[MB_HASH_LEN] = 0;
	if (!o->why && strcmp(got, hash))
		o->why = "checksum mismatch";
	mb_object_path(dst, sizeof(dst), mb_store, hash);
	if (!o->why && (fsync(o->out) || rename(o->tmp, dst)))
		o->why = "could not store";
	if (o->out >= 0)
		close(o->out);
	if (o->why) {
		unlink(o->tmp);
		return o->why;
	}
	pthread_mutex_lock(&mb_lock);
	node = tfind(hash, &run->pending, mb_cmp);
	if (node) {
		char *key = *(char **)node;

		tdelete(hash, &run->pending, mb_cmp);
		free(key);
		run->npending--;
		run->reserved -= size;
		mb_used += size;
	}
	pthread_mutex_unlock(&mb_lock);
	return NULL;
}

/* Receive one object's bytes from the session into the store. */
static const char *mb_object_recv(int fd, struct mb_run *run, const char *hash,
				  uint64_t size, char *buf)
{
	uint64_t left = size;
	struct mb_obj o;

	mb_obj_begin(&o);
	while (left) {
		bool eor;
		ssize_t n = mb_recv_msg(fd, buf, MB_PIECE, &eor);

		if (n <= 0 || (uint64_t)n > left) {
			o.why = "connection lost or too many bytes";
			break;
		}
		mb_obj_feed(&o, buf, n);
		left -= n;
	}
	return mb_obj_end(&o, run, hash, size);
}

static bool mb_wanted(struct mb_run *run, const char *hash)
{
	bool wanted;

	pthread_mutex_lock(&mb_lock);
	wanted = tfind(hash, &run->pending, mb_cmp);
	pthread_mutex_unlock(&mb_lock);
	return wanted;
}

static json_object *mb_stored(const char *hash, const char *why)
{
	json_object *a = json_object_new_object();

	json_object_object_add(a, "h", json_object_new_string(hash));
	json_object_object_add(a, "ok", json_object_new_boolean(!why));
	if (why)
		json_object_object_add(a, "why", json_object_new_string(why));
	return a;
}

/* A bundle: "files" {"list":[{"h","s"}...]}, then one message holding
 * their bytes back to back. Answered by one "stored" {"list":[...]}.
 * Returns the answer, or NULL when the session must end.
 */
static json_object *mb_bundle(int fd, struct mb_run *run, json_object *list,
			      char *buf)
{
	size_t i, n = json_object_array_length(list);
	json_object *ans, *res;
	uint64_t total = 0, off = 0;
	bool eor = true;
	ssize_t got = 0;

	if (n > MB_BUNDLE_FILES)
		return NULL;
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(list, i);
		int64_t sz = mb_get_int(e, "s", -1);

		if (!mb_hash_ok(mb_get_str(e, "h")) || sz < 0 ||
		    (uint64_t)sz > MB_PIECE - total)
			return NULL;
		total += sz;
	}
	if (total)
		got = mb_recv_msg(fd, buf, MB_PIECE, &eor);
	if ((uint64_t)got != total || !eor)
		return NULL;	/* not the bytes announced */
	res = json_object_new_array();
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(list, i);
		const char *hash = mb_get_str(e, "h"), *why = "not needed";
		uint64_t sz = mb_get_int(e, "s", 0);
		struct mb_obj o;

		if (mb_wanted(run, hash)) {
			mb_obj_begin(&o);
			mb_obj_feed(&o, buf + off, sz);
			why = mb_obj_end(&o, run, hash, sz);
		}
		json_object_array_add(res, mb_stored(hash, why));
		off += sz;
	}
	ans = json_object_new_object();
	json_object_object_add(ans, "op", json_object_new_string("stored"));
	json_object_object_add(ans, "list", res);
	return ans;
}

static void mb_data_files(int fd, struct mb_run *run, char *buf);

/* Read and drop @size bytes of a file nobody asked for. */
static const char *mb_skip(int fd, int64_t size, char *buf)
{
	bool eor;

	while (size > 0) {
		ssize_t n = mb_recv_msg(fd, buf, MB_PIECE, &eor);

		if (n <= 0)
			break;
		size -= n;
	}
	return "not needed";
}

static void mb_data(int fd, json_object *hello, char *buf)
{
	const char *token = mb_get_str(hello, "run");
	struct mb_run *run;

	pthread_mutex_lock(&mb_lock);
	run = token ? mb_run_find(token, false) : NULL;
	pthread_mutex_unlock(&mb_lock);
	if (!run) {
		mb_send_error(fd, "no such run");
		return;
	}
	mb_data_files(fd, run, buf);
	mb_run_put(run);
}

/* The files of a data session, until it ends or breaks the protocol. */
static void mb_data_files(int fd, struct mb_run *run, char *buf)
{
	json_object *m;

	for (;;) {
		const char *hash, *why;
		int64_t size;
		json_object *ans, *list;

		errno = 0;
		m = mb_recv_json(fd, buf, MB_MSG_MAX);
		if (!m) {
			/* The client's end of the session is no error. */
			if (errno)
				mb_warn("data session: %s", strerror(errno));
			return;
		}
		hash = mb_get_str(m, "h");
		size = mb_get_int(m, "s", -1);
		if (!strcmp(mb_op(m), "files") &&
		    json_object_object_get_ex(m, "list", &list) &&
		    json_object_is_type(list, json_type_array)) {
			ans = mb_bundle(fd, run, list, buf);
		} else if (!strcmp(mb_op(m), "file") && mb_hash_ok(hash) &&
			   size >= 0) {
			/* Bytes nobody asked for are read and dropped. */
			if (mb_wanted(run, hash))
				why = mb_object_recv(fd, run, hash, size, buf);
			else
				why = mb_skip(fd, size, buf);
			ans = mb_stored(hash, why);
			json_object_object_add(ans, "op",
					       json_object_new_string("stored"));
		} else {
			ans = NULL;
		}
		json_object_put(m);
		if (!ans) {
			mb_warn("data session: unexpected message");
			mb_send_error(fd, "unexpected message");
			return;
		}
		if (mb_send_json(fd, ans)) {
			mb_warn("data session: %s", strerror(errno));
			json_object_put(ans);
			return;
		}
		json_object_put(ans);
	}
}

static void *mb_session(void *arg)
{
	int fd = (int)(intptr_t)arg;
	/* One buffer for JSON messages and file pieces. */
	static_assert(MB_PIECE >= MB_MSG_MAX, "the buffer holds both");
	char *buf = malloc(MB_PIECE);
	json_object *hello = buf ? mb_recv_json(fd, buf, MB_MSG_MAX) : NULL;

	if (hello && !strcmp(mb_op(hello), "hello")) {
		const char *role = mb_get_str(hello, "role");

		if (role && !strcmp(role, "control"))
			mb_control(fd, hello, buf);
		else if (role && !strcmp(role, "data"))
			mb_data(fd, hello, buf);
		else
			mb_send_error(fd, "bad role");
	}
	json_object_put(hello);
	free(buf);
	close(fd);
	return NULL;
}

/* Bytes the store's objects hold. */
static uint64_t mb_store_bytes(void)
{
	char p[PATH_MAX];
	uint64_t total = 0;
	struct dirent *d;
	struct stat st;
	int i;

	for (i = 0; i < 256; i++) {
		DIR *dir;

		snprintf(p, sizeof(p), "%s/objects/%02x", mb_store, i);
		dir = opendir(p);
		if (!dir)
			continue;
		while ((d = readdir(dir)))
			if (d->d_name[0] != '.' &&
			    !fstatat(dirfd(dir), d->d_name, &st, 0))
				total += st.st_size;
		closedir(dir);
	}
	return total;
}

int mb_serve(const char *store, unsigned short port, uint64_t quota)
{
	int lfd, fd;

	if (mb_store_open(store))
		mb_die("%s: %s", store, strerror(errno));
	mb_store = store;
	mb_quota = quota;
	/* Counted only when it matters: a large store takes a while. */
	mb_used = quota ? mb_store_bytes() : 0;
	lfd = mb_session_listen(port);
	if (lfd < 0)
		return 1;
	printf("listening on port %u, store %s\n", port, store);
	fflush(stdout);
	while ((fd = accept(lfd, NULL, NULL)) >= 0 || errno == EINTR ||
	       errno == ECONNABORTED) {
		pthread_t t;

		if (fd < 0)
			continue;
		if (pthread_create(&t, NULL, mb_session, (void *)(intptr_t)fd)) {
			close(fd);
			continue;
		}
		pthread_detach(t);
	}
	mb_warn("accept: %s", strerror(errno));
	close(lfd);
	return 1;
}
