/* SPDX-License-Identifier: GPL-2.0 */
/* Nothing of <linux/export.h> is needed in user space (see ../README). */
