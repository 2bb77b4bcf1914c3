/* SPDX-License-Identifier: GPL-2.0 */
/* Nothing of <linux/jiffies.h> is needed in user space (see ../README). */
