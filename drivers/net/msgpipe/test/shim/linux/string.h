/* SPDX-License-Identifier: GPL-2.0 */
/* Nothing of <linux/string.h> is needed in user space (see ../README). */
