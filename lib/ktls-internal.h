/* SPDX-License-Identifier: MIT */
#ifndef LIBKTLS_INTERNAL_H
#define LIBKTLS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ktls.h"

/* The record cipher of a suite, as the kernel lays out its crypto-info:
 * struct tls_crypto_info (4 bytes), iv, key, salt, rec_seq (8 bytes), packed. */
struct ktls_cipher {
	uint16_t type;
	uint8_t key_len;
	uint8_t iv_len;
	uint8_t salt_len;
};

struct ktls_suite {
	uint16_t id;
	uint16_t version;
	uint8_t hash;
	const struct ktls_cipher *cipher;
	const char *name;
};

#define KTLS_CRYPTO_INFO_HDR 4
#define KTLS_REC_SEQ_LEN 8

const struct ktls_suite *ktls_suite_find(uint16_t id);
size_t ktls_hash_len(uint8_t hash);
const char *ktls_hash_name(uint8_t hash);
size_t ktls_cipher_info_len(const struct ktls_cipher *c);
/* Length the caller's ktls_secrets::iv must have. */
size_t ktls_suite_iv_len(const struct ktls_suite *s);

/* Fill buf (at least ktls_cipher_info_len bytes) with the crypto-info; validates the secrets. */
int ktls_build_crypto_info(const struct ktls_suite *s, const struct ktls_secrets *secrets,
			   uint64_t seq, uint8_t *buf);

void ktls_memzero(void *p, size_t n);

#define KTLS_HANDSHAKE_HDR 4

struct iovec;
/* sendmsg() of iov as records of record_type, until all is sent or an error; advances iov. */
ssize_t ktls_send_iov(int fd, uint8_t record_type, struct iovec *iov, size_t iovcnt, int flags);

#endif
