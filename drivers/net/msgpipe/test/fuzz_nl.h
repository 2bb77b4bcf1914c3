/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Input of fuzz_nl: byte 0 picks one of these request kinds (modulo their
 * number). Without FUZZ_NL_BUILD, the rest is the request's attribute
 * stream as is; with it, the rest is a list of {type, length, payload}
 * that fuzz_nl turns into attributes with consistent headers, so that the
 * fuzzer grows and shrinks values with one mutation. In the type byte,
 * FUZZ_NL_NESTED and FUZZ_NL_BYTEORDER set the header's flags.
 *
 * Copyright (c) 2026 The msgpipe authors
 */
#ifndef _MSGPIPE_TEST_FUZZ_NL_H
#define _MSGPIPE_TEST_FUZZ_NL_H

enum fuzz_nl_kind {
	FUZZ_NL_PIPE_NEW,
	FUZZ_NL_PIPE_ID,
	FUZZ_NL_PIPE_SET,
	FUZZ_NL_SESSION,
	FUZZ_NL_STATS,
	FUZZ_NL_AGENT_GET,
	FUZZ_NL_AGENT_SET,
	FUZZ_NL_DEFAULTS,
	FUZZ_NL_NONE,
	FUZZ_NL_HS_ACCEPT,
	FUZZ_NL_HS_DONE,
	FUZZ_NL_KINDS
};

#define FUZZ_NL_BUILD		0x80
#define FUZZ_NL_NESTED		0x80
#define FUZZ_NL_BYTEORDER	0x40

#endif /* _MSGPIPE_TEST_FUZZ_NL_H */
