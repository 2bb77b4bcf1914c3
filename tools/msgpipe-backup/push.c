// SPDX-License-Identifier: GPL-2.0
/*
 * msgpipe-backup push: walk the trees (files, directories, symlinks, with
 * modes, owners, times and xattrs), hash every file, ask the server on the
 * control session which objects it lacks, and send those over several data
 * sessions at once with MSGPIPE_IOC_SENDFILE (the bytes go from the page
 * cache into the kernel's messages, never through this process), reaping
 * completions with MSGPIPE_IOC_REAP. A progress line on a terminal.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <pthread.h>
#include <search.h>
#include <semaphore.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>
#include <linux/msgpipe.h>
#include <openssl/evp.h>
#include "backup.h"

/**
 * struct mb_file - an entry of the push and where it is here
 * @e:      the manifest entry
 * @src:    its path on this machine
 * @needed: the server asked for its bytes
 * @dev:    with @ino, @ctime, size and mtime: the hash cache's key
 * @ino:    inode number
 * @ctime:  status change time
 */
struct mb_file {
	struct mb_entry	e;
	char		*src;
	bool		needed;
	dev_t		dev;
	ino_t		ino;
	struct timespec	ctime;
};

static struct mb_file *files;
static size_t nfiles, cap;
static size_t *todo, ntodo;
static atomic_size_t next_todo, files_done;
static atomic_ullong bytes_done;
static atomic_uint failures;
static unsigned long long bytes_todo;
static const char *dst_host;
static unsigned short dst_port;
static char run_token[33];

static json_object *mb_xattrs(const char *path)
{
	char names[MB_XATTR_MAX], val[MB_XATTR_MAX], b64[MB_XATTR_MAX * 4 / 3 + 4];
	ssize_t n = llistxattr(path, names, sizeof(names)), v;
	json_object *o = NULL;
	char *k;

	for (k = names; n > 0 && k < names + n; k += strlen(k) + 1) {
		v = lgetxattr(path, k, val, sizeof(val));
		if (v < 0)
			continue;
		EVP_EncodeBlock((unsigned char *)b64, (unsigned char *)val, v);
		if (!o)
			o = json_object_new_object();
		json_object_object_add(o, k, json_object_new_string(b64));
	}
	return o;
}

static void mb_add(const char *src, const char *rel, const struct stat *st)
{
	struct mb_file *f;

	if (nfiles == cap) {
		cap = cap ? 2 * cap : 4096;
		files = realloc(files, cap * sizeof(*files));
		if (!files)
			mb_die("out of memory");
	}
	f = &files[nfiles];
	memset(f, 0, sizeof(*f));
	f->e.mode = st->st_mode & 07777;
	f->e.uid = st->st_uid;
	f->e.gid = st->st_gid;
	f->e.mtime = st->st_mtim.tv_sec;
	f->e.mtime_ns = st->st_mtim.tv_nsec;
	if (S_ISDIR(st->st_mode)) {
		f->e.type = 'd';
	} else if (S_ISLNK(st->st_mode)) {
		char t[PATH_MAX];
		ssize_t n = readlink(src, t, sizeof(t) - 1);

		if (n < 0) {
			mb_warn("%s: %s", src, strerror(errno));
			failures++;
			return;
		}
		t[n] = 0;
		f->e.type = 'l';
		f->e.target = strdup(t);
	} else if (S_ISREG(st->st_mode)) {
		/* Hashed later, by several threads or from the cache. */
		f->e.type = 'f';
		f->e.size = st->st_size;
		f->dev = st->st_dev;
		f->ino = st->st_ino;
		f->ctime = st->st_ctim;
	} else {
		mb_warn("%s: not a file, directory or symlink: skipped", src);
		return;
	}
	f->e.xattrs = mb_xattrs(src);
	f->e.path = strdup(rel);
	f->src = strdup(src);
	nfiles++;
}

static int mb_name_cmp(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Add @src (as @rel) and, for a directory, everything under it. */
static void mb_walk(const char *src, const char *rel)
{
	char s[PATH_MAX], r[PATH_MAX];
	struct dirent **list;
	struct stat st;
	int i, n;

	if (lstat(src, &st)) {
		mb_warn("%s: %s", src, strerror(errno));
		failures++;
		return;
	}
	mb_add(src, rel, &st);
	if (!S_ISDIR(st.st_mode))
		return;
	n = scandir(src, &list, NULL, mb_name_cmp);
	if (n < 0) {
		mb_warn("%s: %s", src, strerror(errno));
		failures++;
		return;
	}
	for (i = 0; i < n; i++) {
		const char *d = list[i]->d_name;

		if (strcmp(d, ".") && strcmp(d, "..") &&
		    (size_t)snprintf(s, sizeof(s), "%s/%s", src, d) < sizeof(s) &&
		    (size_t)snprintf(r, sizeof(r), "%s/%s", rel, d) < sizeof(r))
			mb_walk(s, r);
		free(list[i]);
	}
	free(list);
}

/*
 * The hash cache (--cache FILE): one line per file, "dev ino size mtime
 * mtime_ns ctime ctime_ns hash". A file whose identity and times did not
 * change is not read again; the server still checks every byte it gets.
 */
static const char *cache_path;
static void *cache_tree;

static int mb_cache_cmp(const void *a, const void *b)
{
	const struct mb_file *x = a, *y = b;

	if (x->dev != y->dev)
		return x->dev < y->dev ? -1 : 1;
	if (x->ino != y->ino)
		return x->ino < y->ino ? -1 : 1;
	return 0;
}

static bool mb_same(const struct mb_file *a, const struct mb_file *b)
{
	return a->e.size == b->e.size && a->e.mtime == b->e.mtime &&
	       a->e.mtime_ns == b->e.mtime_ns &&
	       a->ctime.tv_sec == b->ctime.tv_sec &&
	       a->ctime.tv_nsec == b->ctime.tv_nsec;
}

static void mb_cache_load(void)
{
	unsigned long long dev, ino, size;
	long long mt, ct;
	long mtn, ctn;
	char h[MB_HASH_LEN + 1];
	FILE *f = cache_path ? fopen(cache_path, "r") : NULL;

	while (f && fscanf(f, "%llu %llu %llu %lld %ld %lld %ld %64s", &dev, &ino,
			   &size, &mt, &mtn, &ct, &ctn, h) == 8) {
		struct mb_file *c = calloc(1, sizeof(*c));

		if (!c || !mb_hash_ok(h)) {
			free(c);
			continue;
		}
		c->dev = dev;
		c->ino = ino;
		c->e.size = size;
		c->e.mtime = mt;
		c->e.mtime_ns = mtn;
		c->ctime.tv_sec = ct;
		c->ctime.tv_nsec = ctn;
		strcpy(c->e.hash, h);
		if (*(struct mb_file **)tsearch(c, &cache_tree, mb_cache_cmp) != c)
			free(c);
	}
	if (f)
		fclose(f);
}

static void mb_cache_save(void)
{
	char tmp[PATH_MAX];
	FILE *f;
	size_t i;
	int fd;

	if (!cache_path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.XXXXXX", cache_path);
	fd = mkstemp(tmp);
	f = fd >= 0 ? fdopen(fd, "w") : NULL;
	for (i = 0; f && i < nfiles; i++) {
		const struct mb_file *x = &files[i];

		if (x->e.type == 'f' && x->e.hash[0])
			fprintf(f, "%llu %llu %llu %lld %ld %lld %ld %s\n",
				(unsigned long long)x->dev,
				(unsigned long long)x->ino,
				(unsigned long long)x->e.size, (long long)x->e.mtime,
				x->e.mtime_ns, (long long)x->ctime.tv_sec,
				x->ctime.tv_nsec, x->e.hash);
	}
	if (!f || fclose(f) || rename(tmp, cache_path)) {
		mb_warn("%s: %s", cache_path, strerror(errno));
		unlink(tmp);
	}
}

static atomic_size_t next_hash;
static atomic_size_t hashed_now;

/* Hash the files the cache does not know, several threads at once. */
static void *mb_hasher(void *arg)
{
	size_t i;

	(void)arg;
	while ((i = next_hash++) < nfiles) {
		struct mb_file *f = &files[i], **c;
		int fd;

		if (f->e.type != 'f')
			continue;
		c = tfind(f, &cache_tree, mb_cache_cmp);
		if (c && mb_same(*c, f)) {
			memcpy(f->e.hash, (*c)->e.hash, sizeof(f->e.hash));
			continue;
		}
		fd = open(f->src, O_RDONLY | O_NOFOLLOW);
		if (fd < 0 || mb_hash_fd(fd, f->e.hash)) {
			mb_warn("%s: %s", f->src, strerror(errno));
			failures++;
			f->e.type = 0;	/* left out of the backup */
		}
		if (fd >= 0)
			close(fd);
		hashed_now++;
	}
	return NULL;
}

static void mb_hash_all(unsigned int threads)
{
	pthread_t t[64];
	unsigned int i;

	mb_cache_load();
	for (i = 0; i < threads; i++)
		pthread_create(&t[i], NULL, mb_hasher, NULL);
	for (i = 0; i < threads; i++)
		pthread_join(t[i], NULL);
	mb_cache_save();
}

static json_object *mb_hello(const char *role, const char *set)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "op", json_object_new_string("hello"));
	json_object_object_add(o, "role", json_object_new_string(role));
	json_object_object_add(o, "run", json_object_new_string(run_token));
	if (set)
		json_object_object_add(o, "set", json_object_new_string(set));
	return o;
}

/* Send one batch of the manifest, the @n entries from @i. */
static int mb_entries_send(int ctl, size_t i, size_t n)
{
	json_object *m = json_object_new_object(), *list;
	size_t j;
	int ret;

	list = json_object_new_array();
	for (j = 0; j < n; j++)
		json_object_array_add(list, mb_entry_json(&files[i + j].e));
	json_object_object_add(m, "op", json_object_new_string("entries"));
	json_object_object_add(m, "list", list);
	ret = mb_send_json(ctl, m);
	json_object_put(m);
	return ret;
}

/* Send the manifest in batches, MB_ASK_AHEAD of them ahead of the answers
 * (the server answers in order; one round trip per batch made asking a
 * serial wait); learn what the server needs.
 */
static int mb_negotiate(int ctl, char *buf)
{
	size_t i = 0, sent = 0, j;

	while (i < nfiles) {
		size_t n = nfiles - i < MB_BATCH ? nfiles - i : MB_BATCH;
		json_object *ans, *a;

		if (sent < nfiles && sent - i < MB_ASK_AHEAD * MB_BATCH) {
			size_t k = nfiles - sent < MB_BATCH ? nfiles - sent : MB_BATCH;

			if (mb_entries_send(ctl, sent, k))
				return -1;
			sent += k;
			continue;
		}
		ans = mb_recv_json(ctl, buf, MB_MSG_MAX);
		if (!ans || strcmp(mb_op(ans), "need")) {
			mb_warn("server: %s", ans ? mb_get_str(ans, "why") ?: mb_op(ans) :
				strerror(errno));
			json_object_put(ans);
			return -1;
		}
		if (json_object_object_get_ex(ans, "need", &a))
			for (j = 0; j < json_object_array_length(a); j++) {
				int64_t k = json_object_get_int64(json_object_array_get_idx(a, j));

				if (k >= 0 && (size_t)k < n)
					files[i + k].needed = true;
			}
		if (json_object_object_get_ex(ans, "rejected", &a))
			for (j = 0; j < json_object_array_length(a); j++) {
				json_object *r = json_object_array_get_idx(a, j);
				int64_t k = mb_get_int(r, "i", -1);

				mb_warn("server refused %s: %s",
					k >= 0 && (size_t)k < n ? files[i + k].src : "?",
					mb_get_str(r, "why") ?: "?");
				failures++;
			}
		json_object_put(ans);
		i += n;
	}
	return 0;
}

/* Reap what completed; @wait_ms as MSGPIPE_IOC_REAP. Returns what is
 * still posted, or -1 when the ioctl failed.
 */
static int mb_reap(int fd, int posted, int wait_ms)
{
	struct msgpipe_completion c[64];
	struct msgpipe_reap rp = {
		.entries = (uintptr_t)c, .max = 64, .timeout_ms = wait_ms,
	};
	unsigned int i;

	if (ioctl(fd, MSGPIPE_IOC_REAP, &rp)) {
		mb_warn("reap: %s", strerror(errno));
		return -1;
	}
	for (i = 0; i < rp.count; i++) {
		if (c[i].status) {
			mb_warn("a message failed: %s", strerror(-c[i].status));
			failures++;
		} else {
			bytes_done += c[i].bytes;
		}
	}
	return posted - rp.count;
}

static void mb_stored_one(json_object *a)
{
	json_object *ok;

	if (!json_object_object_get_ex(a, "ok", &ok) ||
	    !json_object_get_boolean(ok)) {
		mb_warn("server did not store %s: %s", mb_get_str(a, "h") ?: "?",
			mb_get_str(a, "why") ?: mb_op(a));
		failures++;
	} else {
		files_done++;
	}
}

/* Read a "stored" answer (one file or a bundle); false when the session
 * broke.
 */
static bool mb_answer(int fd, char *buf)
{
	json_object *a = mb_recv_json(fd, buf, MB_MSG_MAX);
	json_object *list;
	size_t i;

	if (!a)
		return false;
	if (strcmp(mb_op(a), "stored")) {
		mb_warn("server: %s", mb_get_str(a, "why") ?: mb_op(a));
		failures++;
	} else if (json_object_object_get_ex(a, "list", &list)) {
		for (i = 0; i < json_object_array_length(list); i++)
			mb_stored_one(json_object_array_get_idx(list, i));
	} else {
		mb_stored_one(a);
	}
	json_object_put(a);
	return true;
}

/* Open @f and check it is as it was hashed; -1 (warned) if not. */
static int mb_open_same(const struct mb_file *f)
{
	struct stat st;
	int in = open(f->src, O_RDONLY | O_NOFOLLOW);

	if (in < 0 || fstat(in, &st) || (uint64_t)st.st_size != f->e.size ||
	    st.st_mtim.tv_sec != f->e.mtime || st.st_mtim.tv_nsec != f->e.mtime_ns) {
		mb_warn("%s: %s", f->src, in < 0 ? strerror(errno) :
			"changed during the backup");
		failures++;
		if (in >= 0)
			close(in);
		return -1;	/* the server reports it missing */
	}
	return in;
}

static json_object *mb_file_head(const char *op, const struct mb_file *f)
{
	json_object *h = json_object_new_object();

	if (op)
		json_object_object_add(h, "op", json_object_new_string(op));
	json_object_object_add(h, "h", json_object_new_string(f->e.hash));
	json_object_object_add(h, "s", json_object_new_int64(f->e.size));
	return h;
}

/* Send one file: its header, then its bytes by SENDFILE. Returns the
 * answers to expect (0 or 1), or -1 when the session broke.
 */
static int mb_send_file(int fd, struct mb_file *f, int *posted)
{
	json_object *h;
	uint64_t off = 0;
	int in, err = 0;

	in = mb_open_same(f);
	if (in < 0)
		return 0;
	h = mb_file_head("file", f);
	if (mb_send_json(fd, h))
		err = -1;
	json_object_put(h);
	while (!err && off < f->e.size) {
		struct msgpipe_sendfile sf = {
			.fd = in, .offset = off, .cookie = (uintptr_t)f,
			.len = f->e.size - off < MB_PIECE ? f->e.size - off : MB_PIECE,
		};

		if (ioctl(fd, MSGPIPE_IOC_SENDFILE, &sf)) {
			mb_warn("%s: sendfile: %s", f->src, strerror(errno));
			err = -1;
			break;
		}
		off += sf.len;
		*posted = mb_reap(fd, *posted + 1, 0);
		if (*posted < 0)
			err = -1;
	}
	close(in);
	return err ? -1 : 1;
}

/**
 * struct mb_bundle - small files gathered into one message
 * @n:      files
 * @bytes:  their bytes
 * @fds:    open files (closed once sent)
 * @ranges: their ranges for MSGPIPE_IOC_SENDFILES (empty files have none)
 * @nr:     ranges
 * @list:   their headers
 */
struct mb_bundle {
	unsigned int	n;
	uint64_t	bytes;
	int		fds[MB_BUNDLE_FILES];
	struct msgpipe_file_range ranges[MB_BUNDLE_FILES];
	unsigned int	nr;
	json_object	*list;
};

/* Send the bundle: its headers, then all its bytes as one message.
 * Returns the answers to expect (0 or 1), or -1 when the session broke.
 */
static int mb_bundle_flush(int fd, struct mb_bundle *b, int *posted)
{
	struct msgpipe_sendfiles sf = {
		.ranges = (uintptr_t)b->ranges, .nranges = b->nr,
	};
	json_object *m;
	unsigned int i;
	int err = 0;

	if (!b->n)
		return 0;
	m = json_object_new_object();
	json_object_object_add(m, "op", json_object_new_string("files"));
	json_object_object_add(m, "list", b->list);
	if (mb_send_json(fd, m))
		err = -1;
	json_object_put(m);
	if (!err && b->nr && ioctl(fd, MSGPIPE_IOC_SENDFILES, &sf)) {
		mb_warn("sendfiles: %s", strerror(errno));
		err = -1;
	}
	for (i = 0; i < b->n; i++)
		close(b->fds[i]);
	b->n = 0;
	b->nr = 0;
	b->bytes = 0;
	b->list = NULL;
	if (err)
		return -1;
	if (sf.nranges) {
		*posted = mb_reap(fd, *posted + 1, 0);
		if (*posted < 0)
			return -1;
	}
	return 1;
}

/* Add a small file; flush first when the bundle is full. */
static int mb_bundle_add(int fd, struct mb_bundle *b, struct mb_file *f,
			 int *posted)
{
	int in, ret = 0;

	if (b->n == MB_BUNDLE_FILES || b->bytes + f->e.size > MB_BUNDLE_BYTES)
		ret = mb_bundle_flush(fd, b, posted);
	if (ret < 0)
		return ret;
	in = mb_open_same(f);
	if (in < 0)
		return ret;
	if (!b->list)
		b->list = json_object_new_array();
	json_object_array_add(b->list, mb_file_head(NULL, f));
	b->fds[b->n++] = in;
	if (f->e.size)
		b->ranges[b->nr++] = (struct msgpipe_file_range){
			.fd = in, .len = f->e.size,
		};
	b->bytes += f->e.size;
	return ret;
}

/**
 * struct mb_answers - the answers a data session owes, read by a thread
 * of their own: a sender that read them only between files could block
 * in SENDFILE while the server blocks sending answers nobody reads.
 * @fd:       the session
 * @owed:     one post per message that will be answered, one more at the end
 * @expected: answers owed so far
 * @finished: the sender posted its last message
 * @lost:     the session broke
 */
struct mb_answers {
	int		fd;
	sem_t		owed;
	atomic_int	expected;
	atomic_bool	finished;
	atomic_bool	lost;
};

static void *mb_reader(void *arg)
{
	struct mb_answers *a = arg;
	char *buf = malloc(MB_MSG_MAX);
	int answered = 0;

	for (;;) {
		sem_wait(&a->owed);
		/* The last post comes after all others: nothing more. */
		if (a->finished && (answered == a->expected || a->lost))
			break;
		if (a->lost)
			continue;	/* drain the posts */
		if (!buf || !mb_answer(a->fd, buf)) {
			mb_warn("data session lost: %s",
				errno ? strerror(errno) : "closed by the server");
			failures += a->expected - answered;
			a->lost = true;
			continue;
		}
		answered++;
	}
	free(buf);
	return NULL;
}

static void *mb_worker(void *arg)
{
	struct mb_bundle *b = calloc(1, sizeof(*b));
	struct mb_answers ans = { .fd = -1 };
	int posted = 0, got, i;
	json_object *hello;
	pthread_t reader;

	(void)arg;
	ans.fd = b ? mb_session_connect(dst_host, dst_port) : -1;
	if (ans.fd < 0) {
		failures++;
		free(b);
		return NULL;
	}
	sem_init(&ans.owed, 0, 0);
	pthread_create(&reader, NULL, mb_reader, &ans);
	hello = mb_hello("data", NULL);
	if (mb_send_json(ans.fd, hello))
		ans.lost = true;
	while (!ans.lost) {
		struct mb_file *f;
		size_t k = next_todo++;

		f = k < ntodo ? &files[todo[k]] : NULL;
		/* Small files gather in the bundle; the rest go alone. */
		if (!f)
			got = mb_bundle_flush(ans.fd, b, &posted);
		else if (f->e.size <= MB_BUNDLE_FILE)
			got = mb_bundle_add(ans.fd, b, f, &posted);
		else
			got = mb_send_file(ans.fd, f, &posted);
		if (got < 0) {
			failures++;
			break;
		}
		for (i = 0; i < got; i++) {
			ans.expected++;
			sem_post(&ans.owed);
		}
		if (!f)
			break;
	}
	/* Every posted message completes, if only with an error. */
	while (posted > 0)
		posted = mb_reap(ans.fd, posted, -1);
	ans.finished = true;
	sem_post(&ans.owed);
	pthread_join(reader, NULL);
	sem_destroy(&ans.owed);
	json_object_put(hello);
	close(ans.fd);
	free(b);
	return NULL;
}

static double mb_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static atomic_bool progress_stop;

/* The progress line: bytes, files, rate, time left. */
static void *mb_progress(void *arg)
{
	double t0 = *(double *)arg;

	while (!progress_stop) {
		double dt = mb_now() - t0, rate = dt > 0 ? bytes_done / dt : 0;
		double left = rate > 0 ? (bytes_todo - bytes_done) / rate : 0;
		char a[32], b[32], r[32];

		mb_human(a, sizeof(a), bytes_done);
		mb_human(b, sizeof(b), bytes_todo);
		mb_human(r, sizeof(r), rate);
		fprintf(stderr, "\r%s / %s, %zu / %zu files, %s/s, ETA %d:%02d   ",
			a, b, (size_t)files_done, ntodo, r, (int)left / 60,
			(int)left % 60);
		usleep(500000);
	}
	fputc('\n', stderr);
	return NULL;
}

/* Drop the entries that could not be read. */
static void mb_compact(void)
{
	size_t i, n = 0;

	for (i = 0; i < nfiles; i++) {
		if (files[i].e.type)
			files[n++] = files[i];
		else
			mb_entry_free(&files[i].e);
	}
	nfiles = n;
}

int mb_push(int nsrc, char **srcs, const char *host, unsigned short port,
	    unsigned int sessions, const char *set, const char *cache)
{
	char *buf = malloc(MB_MSG_MAX), name[64], hex[] = "0123456789abcdef";
	pthread_t workers[64], prog;
	unsigned char rnd[16];
	json_object *m, *done;
	bool show = !mb_quiet && isatty(2);
	size_t stored = 0;
	struct rlimit rl;
	double t0, tw;
	int ctl, i, missing;
	time_t now;

	dst_host = host;
	dst_port = port;
	/* Each session holds a bundle's files open during SENDFILES. */
	if (!getrlimit(RLIMIT_NOFILE, &rl) && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	if (!getrlimit(RLIMIT_NOFILE, &rl) &&
	    rl.rlim_cur < (rlim_t)sessions * MB_BUNDLE_FILES + 64)
		sessions = (rl.rlim_cur - 64) / MB_BUNDLE_FILES ?: 1;
	tw = mb_now();
	for (i = 0; i < nsrc; i++) {
		char *s = strdup(srcs[i]), *base;
		size_t l = strlen(s);

		while (l > 1 && s[l - 1] == '/')
			s[--l] = 0;
		base = strrchr(s, '/') ? strrchr(s, '/') + 1 : s;
		if (!mb_path_ok(base))
			mb_die("%s: cannot name it in the backup", srcs[i]);
		mb_walk(s, base);
		free(s);
	}
	cache_path = cache;
	mb_hash_all(sessions);
	mb_compact();
	if (!mb_quiet)
		printf("push: %zu entries, %zu files hashed (%.1f s)\n", nfiles,
		       (size_t)hashed_now, mb_now() - tw);
	tw = mb_now();
	if (getrandom(rnd, sizeof(rnd), 0) != sizeof(rnd))
		mb_die("getrandom: %s", strerror(errno));
	for (i = 0; i < 16; i++) {
		run_token[2 * i] = hex[rnd[i] >> 4];
		run_token[2 * i + 1] = hex[rnd[i] & 15];
	}
	if (!set) {
		now = time(NULL);
		strftime(name, sizeof(name), "%Y-%m-%dT%H:%M:%SZ", gmtime(&now));
		set = name;
	}
	ctl = mb_session_connect(host, port);
	if (ctl < 0)
		return 1;
	m = mb_hello("control", set);
	if (mb_send_json(ctl, m) || mb_negotiate(ctl, buf))
		mb_die("control session: %s", strerror(errno));
	json_object_put(m);

	todo = calloc(nfiles + 1, sizeof(*todo));
	for (i = 0; (size_t)i < nfiles; i++)
		if (files[i].needed) {
			todo[ntodo++] = i;
			bytes_todo += files[i].e.size;
		} else if (files[i].e.type == 'f') {
			stored++;
		}
	if (!mb_quiet)
		printf("push: the server lacks %zu files (%.1f s to ask)\n",
		       ntodo, mb_now() - tw);
	t0 = mb_now();
	if (show)
		pthread_create(&prog, NULL, mb_progress, &t0);
	if (sessions > ntodo)
		sessions = ntodo ? ntodo : 0;
	for (i = 0; (unsigned int)i < sessions; i++)
		pthread_create(&workers[i], NULL, mb_worker, NULL);
	for (i = 0; (unsigned int)i < sessions; i++)
		pthread_join(workers[i], NULL);
	progress_stop = true;
	if (show)
		pthread_join(prog, NULL);

	m = json_object_new_object();
	json_object_object_add(m, "op", json_object_new_string("finish"));
	done = mb_send_json(ctl, m) ? NULL : mb_recv_json(ctl, buf, MB_MSG_MAX);
	json_object_put(m);
	if (!done || strcmp(mb_op(done), "done"))
		mb_die("finish: %s", done ? mb_get_str(done, "why") ?: mb_op(done) :
		       errno ? strerror(errno) : "the server closed the session");
	missing = mb_get_int(done, "missing", -1);
	if (mb_get_str(done, "why"))
		mb_warn("server could not write the set: %s", mb_get_str(done, "why"));
	if (!mb_quiet) {
		printf("push: entries %zu, sent %zu files (%llu bytes) in %.1f s, ",
		       nfiles, ntodo, bytes_todo, mb_now() - t0);
		printf("%zu already stored, missing %d, failures %u, set %s\n",
		       stored, missing, (unsigned int)failures,
		       missing || mb_get_str(done, "why") ? "(none)" : set);
	}
	json_object_put(done);
	close(ctl);
	free(buf);
	return failures || missing ? 1 : 0;
}
