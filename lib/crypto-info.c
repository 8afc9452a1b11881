/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include "ktls-internal.h"

static void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--) {
		p[i] = (uint8_t)v;
		v >>= 8;
	}
}

/* TLS 1.3 with a traffic secret: derive key and IV, then build as if they had been given. */
static int build_from_secret(const struct ktls_suite *s, const struct ktls_secrets *secrets,
			     uint64_t seq, uint8_t *buf)
{
	uint8_t key[KTLS_KEY_MAX], iv[KTLS_IV_LEN];
	size_t key_len = sizeof(key), iv_len = sizeof(iv);

	int r = ktls_derive_keys(s->id, secrets->secret, secrets->secret_len, key, &key_len, iv,
				 &iv_len);
	if (r == 0) {
		const struct ktls_secrets derived = {
			.key = key, .key_len = key_len, .iv = iv, .iv_len = iv_len,
		};
		r = ktls_build_crypto_info(s, &derived, seq, buf);
	}
	ktls_memzero(key, sizeof(key));
	ktls_memzero(iv, sizeof(iv));
	return r;
}

int ktls_build_crypto_info(const struct ktls_suite *s, const struct ktls_secrets *secrets,
			   uint64_t seq, uint8_t *buf)
{
	const struct ktls_cipher *c = s->cipher;

	if (!secrets)
		return -EFAULT;
	if (secrets->secret) {
		if (s->version != KTLS_TLS_1_3 || secrets->key || secrets->iv)
			return -EINVAL;
		return build_from_secret(s, secrets, seq, buf);
	}
	if (!secrets->key || !secrets->iv)
		return -EFAULT;
	if (secrets->key_len != c->key_len || secrets->iv_len != ktls_suite_iv_len(s))
		return -EINVAL;

	uint8_t *iv = buf + KTLS_CRYPTO_INFO_HDR;
	uint8_t *key = iv + c->iv_len;
	uint8_t *salt = key + c->key_len;
	uint8_t *rec_seq = salt + c->salt_len;

	memset(buf, 0, ktls_cipher_info_len(c));
	memcpy(buf, &s->version, sizeof(s->version));
	memcpy(buf + 2, &c->type, sizeof(c->type));
	memcpy(key, secrets->key, c->key_len);
	if (secrets->iv_len == KTLS_IV_LEN) {
		/* A full per-record IV: its head is the salt, its tail the kernel's iv field. */
		memcpy(salt, secrets->iv, c->salt_len);
		memcpy(iv, secrets->iv + c->salt_len, c->iv_len);
	} else {
		/* TLS 1.2 implicit nonce; the explicit part the kernel sends starts at seq. */
		memcpy(salt, secrets->iv, c->salt_len);
		put_be64(iv, seq);
	}
	put_be64(rec_seq, seq);
	return 0;
}

LIBKTLS_API ssize_t ktls_crypto_info(uint16_t suite, const struct ktls_secrets *secrets, uint64_t seq,
				     void *buf, size_t buf_len)
{
	uint8_t info[KTLS_CRYPTO_INFO_MAX];

	if (!secrets || !buf)
		return -EFAULT;
	const struct ktls_suite *s = ktls_suite_find(suite);
	if (!s)
		return -EPROTONOSUPPORT;
	size_t len = ktls_cipher_info_len(s->cipher);
	if (buf_len < len)
		return -ENOSPC;

	int r = ktls_build_crypto_info(s, secrets, seq, info);
	if (r == 0)
		memcpy(buf, info, len);
	ktls_memzero(info, sizeof(info));
	return r < 0 ? r : (ssize_t)len;
}
