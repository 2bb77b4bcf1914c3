/* SPDX-License-Identifier: GPL-2.0 */
/* struct in6_addr from the C library (see ../README). */
#include <netinet/in.h>
