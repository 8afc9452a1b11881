/* SPDX-License-Identifier: MIT */
/* The errnos libktls returns (ktls.h's table) and those of the system calls it passes through,
 * named as inet:format_error/1 knows them: for the NIF's {error, Name} and the driver's
 * replies and link end reasons. */
#ifndef LIBKTLS_ERRNO_NAMES_H
#define LIBKTLS_ERRNO_NAMES_H

#include <stddef.h>

#pragma GCC visibility push(hidden)

struct errno_name {
	int err;
	const char *name;
};

extern const struct errno_name errno_names[];
extern const size_t errno_names_len;

/* The name of a negative errno, or "unknown". */
const char *errno_name(int err);

#pragma GCC visibility pop

#endif
