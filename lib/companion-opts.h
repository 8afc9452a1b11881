/* SPDX-License-Identifier: MIT */
/* For the companion libraries, which know the role of the end they hand off. */
#ifndef LIBKTLS_COMPANION_OPTS_H
#define LIBKTLS_COMPANION_OPTS_H

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "ktls.h"

/* The caller's options (NULL: the defaults) with this end's role added, in *o, a struct of this
 * header's size. -EINVAL where ktls_conn_open() would refuse the caller's struct for its size: smaller
 * than 1.0's, or larger with non-zero bytes this version does not know. A role the caller set is
 * kept (ktls_conn_open() refuses both). */
static inline int ktls_opts_with_role(const struct ktls_conn_opts *user, int server, struct ktls_conn_opts *o)
{
	const size_t first_shipped = offsetof(struct ktls_conn_opts, reserved) + sizeof(o->reserved);

	memset(o, 0, sizeof(*o));
	if (user) {
		if (user->sz < first_shipped)
			return -EINVAL;
		for (size_t i = sizeof(*o); i < user->sz; i++)
			if (((const unsigned char *)user)[i])
				return -EINVAL;
		memcpy(o, user, user->sz < sizeof(*o) ? user->sz : sizeof(*o));
	}
	o->sz = sizeof(*o);
	if (!(o->flags & (KTLS_CONN_SERVER | KTLS_CONN_CLIENT)))
		o->flags |= server ? KTLS_CONN_SERVER : KTLS_CONN_CLIENT;
	return 0;
}

#endif
