/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The msgpipe protocol observer of the test middlebox: decodes the frames of
 * TCP byte streams and checks the invariants of
 * Documentation/networking/msgpipe/wire-format.rst. Written from that page
 * alone, never from the module's parser, so the two check each other.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef MBOX_OBS_H
#define MBOX_OBS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* CRC32C with the given initial value and no final xor. */
typedef uint32_t (*obs_crc_fn)(const void *p, size_t len, uint32_t crc);

struct obs;
struct obs_conn;

/**
 * struct obs_stats - what the observer saw
 * @conns:      connections decoded as msgpipe
 * @frames:     frames decoded
 * @types:      frames per type (index = type, 0 for out of range)
 * @data_bytes: DATA payload bytes
 * @batches:    BATCH frames
 * @batch_acks: BATCH_ACK records
 * @tls:        connections that started with a TLS record (not decoded)
 * @other:      connections to another port (not decoded)
 * @desync:     connections whose stream could not be followed (too much
 *              out of order data held, or joined mid-stream)
 * @violations: invariant violations
 */
struct obs_stats {
	uint64_t conns;
	uint64_t frames;
	uint64_t types[17];
	uint64_t data_bytes;
	uint64_t batches;
	uint64_t batch_acks;
	uint64_t tls;
	uint64_t other;
	uint64_t desync;
	uint64_t violations;
};

/**
 * obs_new() - a new observer
 * @crc: the CRC32C implementation (the checksum of the documentation)
 *
 * Return: the observer, or NULL without memory.
 */
struct obs *obs_new(obs_crc_fn crc);

/**
 * obs_free() - free an observer and every connection it still holds
 * @o: the observer
 */
void obs_free(struct obs *o);

/**
 * obs_conn_new() - a TCP connection seen from its first byte
 * @o:    the observer
 * @name: "dialer>acceptor" addresses, used in violation reports
 * @ip_dialer:   the dialer's address (16 bytes, IPv4 mapped)
 * @ip_acceptor: the acceptor's address
 *
 * Return: the connection, or NULL without memory.
 */
struct obs_conn *obs_conn_new(struct obs *o, const char *name,
			      const uint8_t ip_dialer[16],
			      const uint8_t ip_acceptor[16]);

/**
 * obs_conn_free() - forget a connection (its sessions stay known)
 * @c: the connection
 */
void obs_conn_free(struct obs_conn *c);

/**
 * obs_feed() - bytes of one direction, in stream order, each byte once
 * @c:   the connection
 * @dir: 0 dialer to acceptor, 1 back
 * @p:   the bytes
 * @n:   how many
 */
void obs_feed(struct obs_conn *c, int dir, const uint8_t *p, size_t n);

/**
 * obs_desync() - the stream of @c can no longer be followed
 * @c: the connection
 */
void obs_desync(struct obs_conn *c);

/**
 * obs_unseen() - a connection to msgpipe's port joined after its SYN: not
 * decoded, counted with @desync
 * @o: the observer
 */
void obs_unseen(struct obs *o);

/**
 * obs_stats() - the counters
 * @o: the observer
 *
 * Return: the observer's counters.
 */
const struct obs_stats *obs_stats(const struct obs *o);

/**
 * obs_violation() - the text of one violation report
 * @o: the observer
 * @i: its index, from 0; the first 256 are kept
 *
 * Return: the text, or NULL past the last one kept.
 */
const char *obs_violation(const struct obs *o, unsigned int i);

#endif
