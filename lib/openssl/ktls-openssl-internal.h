/* SPDX-License-Identifier: MIT */
#ifndef LIBKTLS_OPENSSL_INTERNAL_H
#define LIBKTLS_OPENSSL_INTERNAL_H

#include <stdint.h>

#include "ktls-openssl.h"

/* Per direction: [0] what this end reads, [1] what it writes. Secrets: [0] client, [1] server. */
struct ossl_state {
	uint8_t secret[2][KTLS_SECRET_MAX];
	size_t secret_len[2];
	uint64_t tls13_records[2], tls12_records[2];
	uint64_t bytes_written; /* of every record OpenSSL wrote, headers included */
	uint32_t tls13_generation[2];
	int tls13_keyed[2], tls12_keyed[2];
};

/* The SSL's state, created on first use when create is non-zero; NULL if there is none. */
struct ossl_state *ossl_state_of(const SSL *ssl, int create);

#endif
