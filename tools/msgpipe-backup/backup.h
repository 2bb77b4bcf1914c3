/* SPDX-License-Identifier: GPL-2.0 */
/*
 * msgpipe-backup: trees of files pushed over AF_MSGPIPE sessions into a
 * content-addressed store of dated backup sets. What the commands share:
 * the protocol's messages, the store's layout, the manifest entries.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_BACKUP_H
#define _MSGPIPE_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <json-c/json.h>

#define MB_PORT		4873
#define MB_SESSIONS	4
#define MB_MSG_MAX	(16 << 20)	/* a JSON message, at most */
#define MB_PIECE	(64 << 20)	/* file bytes per message */
#define MB_BATCH	1000		/* manifest entries per message */
#define MB_ASK_AHEAD	4		/* manifest messages ahead of answers */
#define MB_BUNDLE_FILES	128		/* small files per message, at most */
#define MB_BUNDLE_FILE	(256 << 10)	/* a file this small goes in a bundle */
#define MB_BUNDLE_BYTES	(4 << 20)	/* a bundle's bytes, about */
#define MB_XATTR_MAX	65536
#define MB_HASH_LEN	64		/* SHA-256, hex */

/*
 * The protocol. Every session starts with a JSON "hello" from the client:
 * {"op":"hello","role":"control"|"data","run":TOKEN[,"set":NAME]}.
 * Control session: "entries" {"list":[ENTRY...]} answered by "need"
 * {"need":[index...],"rejected":[{"i":index,"why":TEXT}...]}; "finish"
 * answered by "done" {"files","stored","missing","set"}. Data session:
 * per file a "file" {"h":HASH,"s":SIZE} message, then SIZE bytes in
 * binary messages of up to MB_PIECE, answered (in order) by "stored"
 * {"h":HASH,"ok":BOOL[,"why":TEXT]}; or, for up to MB_BUNDLE_FILES small
 * files, "files" {"list":[{"h","s"}...]} and one message of their bytes
 * back to back (MSGPIPE_IOC_SENDFILES), answered by "stored" {"list":
 * [{"h","ok"[,"why"]}...]}. Errors: {"op":"error","why":TEXT}.
 *
 * ENTRY: {"p":PATH,"t":"f"|"d"|"l","m":MODE,"u":UID,"g":GID,"mt":SEC,
 * "mn":NSEC[,"s":SIZE,"h":HASH][,"l":TARGET][,"x":{NAME:BASE64}]}.
 *
 * Store: DIR/objects/XX/HASH (a file's bytes, XX its hash's first two
 * digits), DIR/sets/NAME.jsonl (one ENTRY per line), DIR/tmp/.
 */

/**
 * struct mb_entry - one file, directory or symlink of a backup
 * @path:   relative path, '/' separated
 * @type:   'f', 'd' or 'l'
 * @mode:   permission bits
 * @uid:    owner
 * @gid:    group
 * @mtime:  modification time, seconds
 * @mtime_ns: and nanoseconds
 * @size:   file size
 * @hash:   SHA-256 of a file's bytes, hex
 * @target: a symlink's target
 * @xattrs: extended attributes, JSON object of base64 values, or NULL
 */
struct mb_entry {
	char		*path;
	char		type;
	unsigned int	mode;
	unsigned int	uid;
	unsigned int	gid;
	int64_t		mtime;
	long		mtime_ns;
	uint64_t	size;
	char		hash[MB_HASH_LEN + 1];
	char		*target;
	json_object	*xattrs;
};

/* proto.c: messages on sessions, addresses, output. */
extern bool mb_quiet;
int mb_session_connect(const char *host, unsigned short port);
int mb_session_listen(unsigned short port);
int mb_send_json(int fd, json_object *o);
json_object *mb_recv_json(int fd, char *buf, size_t cap);
ssize_t mb_recv_msg(int fd, void *buf, size_t cap, bool *eor);
const char *mb_op(json_object *o);
int64_t mb_get_int(json_object *o, const char *key, int64_t dflt);
const char *mb_get_str(json_object *o, const char *key);
void mb_die(const char *fmt, ...);	/* prints, then exit(1) */
void mb_warn(const char *fmt, ...);
void mb_human(char *out, size_t n, double bytes);

/* store.c: entries, paths, hashes, the store. */
json_object *mb_entry_json(const struct mb_entry *e);
int mb_entry_parse(json_object *o, struct mb_entry *e, const char **why);
void mb_entry_free(struct mb_entry *e);
bool mb_path_ok(const char *path);
bool mb_link_ok(const char *path, const char *target);
bool mb_hash_ok(const char *hash);
bool mb_set_name_ok(const char *name);
int mb_hash_fd(int fd, char out[MB_HASH_LEN + 1]);
void mb_object_path(char *out, size_t n, const char *store, const char *hash);
int mb_store_open(const char *store);
int mb_set_write(const char *store, const char *name, struct mb_entry *e,
		 size_t n);
int mb_set_read(const char *store, const char *name, struct mb_entry **ep,
		size_t *np);
int mb_set_latest(const char *store, char *name, size_t n);
int mb_verify(const char *store, const char *set);
int mb_restore(const char *store, const char *set, const char *dest);

/* push.c, serve.c */
int mb_push(int argc, char **argv, const char *host, unsigned short port,
	    unsigned int sessions, const char *set, const char *cache);
int mb_serve(const char *store, unsigned short port, uint64_t quota);

#endif /* _MSGPIPE_BACKUP_H */
