/* SPDX-License-Identifier: GPL-2.0 */
/* No speculation to fence in user space (see ../README). */
#define array_index_nospec(index, size) (index)
