/* SPDX-License-Identifier: GPL-2.0 */
/* Nothing of <linux/capability.h> is needed in user space (see ../README). */
