/* SPDX-License-Identifier: MIT */
#ifndef LIBKTLS_GNUTLS_INTERNAL_H
#define LIBKTLS_GNUTLS_INTERNAL_H

#include <stdint.h>

#include "ktls-gnutls.h"

/* A session's TLS 1.3 traffic secrets ([0] client, [1] server) and the client random they
 * belong to (so that a session reusing a freed one's address never gets its secrets). */
struct gtls_secrets {
	uint8_t secret[2][KTLS_SECRET_MAX];
	size_t secret_len[2];
	uint8_t client_random[32];
};

/* Copy out (and, with take, forget) the secrets recorded for session. 0, or -ENODATA. */
int gtls_secrets_get(gnutls_session_t session, struct gtls_secrets *out, int take);

#endif
