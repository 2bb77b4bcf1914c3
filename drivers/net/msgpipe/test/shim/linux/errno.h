/* SPDX-License-Identifier: GPL-2.0 */
/* The errno values, from the uapi (see ../README). */
#include <asm/errno.h>
