/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The error and extended-ack message of a netlink error, for the msgpipe
 * tools built on libnl.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MP_NL_EXTACK_H
#define _MP_NL_EXTACK_H

#include <stddef.h>
#include <linux/netlink.h>

/**
 * mp_nl_extack() - read an NLMSG_ERROR payload
 * @e:   the payload, as libnl's error callback gets it
 * @err: set to its error (0 for an ACK, else -errno)
 * @msg: set to the kernel's extack message, or ""
 * @len: size of @msg
 */
void mp_nl_extack(const struct nlmsgerr *e, int *err, char *msg, size_t len);

#endif
