/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include "ktls-internal.h"

#define TLS13_LABEL_PREFIX "tls13 "
#define HKDF_LABEL_MAX 255
#define HKDF_CONTEXT_MAX 255

/* Runs one libcrypto KDF; leaves the caller's OpenSSL error queue as it found it. */
static int run_kdf(const char *kdf_name, OSSL_PARAM *params, uint8_t *out, size_t out_len)
{
	int r = 0;

	ERR_set_mark();
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, kdf_name, NULL);
	EVP_KDF_CTX *ctx = kdf ? EVP_KDF_CTX_new(kdf) : NULL;
	if (!kdf)
		r = -ENOSYS;
	else if (!ctx)
		r = -ENOMEM;
	else if (EVP_KDF_derive(ctx, out, out_len, params) <= 0)
		r = -EIO;
	/* libcrypto's own allocation failures are out of memory, whatever step they hit */
	if (r < 0 && ERR_GET_REASON(ERR_peek_last_error()) == ERR_R_MALLOC_FAILURE)
		r = -ENOMEM;
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
	ERR_pop_to_mark();
	ktls_stackzero();
	return r;
}

static const struct ktls_suite *tls13_suite(uint16_t id)
{
	const struct ktls_suite *s = ktls_suite_find(id);

	return s && s->version == KTLS_TLS_1_3 ? s : NULL;
}

static int expand_label(const struct ktls_suite *s, const uint8_t *secret, size_t secret_len,
			const char *label, const uint8_t *context, size_t context_len, uint8_t *out,
			size_t out_len)
{
	size_t hash_len = ktls_hash_len(s->hash);

	if (secret_len != hash_len || out_len == 0 || out_len > 255 * hash_len ||
	    strlen(label) > HKDF_LABEL_MAX - strlen(TLS13_LABEL_PREFIX) || context_len > HKDF_CONTEXT_MAX)
		return -EINVAL;

	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[] = {
		OSSL_PARAM_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)ktls_hash_name(s->hash), 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_PREFIX, (void *)TLS13_LABEL_PREFIX,
					strlen(TLS13_LABEL_PREFIX)),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_LABEL, (void *)label, strlen(label)),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_DATA, (void *)(context ? context : (const uint8_t *)""),
					context_len),
		OSSL_PARAM_END,
	};
	return run_kdf("TLS13-KDF", params, out, out_len);
}

LIBKTLS_API int ktls_hkdf_expand_label(uint16_t suite, const uint8_t *secret, size_t secret_len,
				       const char *label, const uint8_t *context, size_t context_len,
				       uint8_t *out, size_t out_len)
{
	if (!secret || !label || !out || (!context && context_len))
		return -EFAULT;
	const struct ktls_suite *s = tls13_suite(suite);
	if (!s)
		return -EPROTONOSUPPORT;
	return expand_label(s, secret, secret_len, label, context, context_len, out, out_len);
}

LIBKTLS_API int ktls_derive_keys(uint16_t suite, const uint8_t *secret, size_t secret_len,
				 uint8_t *key, size_t *key_len, uint8_t *iv, size_t *iv_len)
{
	uint8_t k[KTLS_KEY_MAX], v[KTLS_IV_LEN];

	if (!secret || !key || !key_len || !iv || !iv_len)
		return -EFAULT;
	const struct ktls_suite *s = tls13_suite(suite);
	if (!s)
		return -EPROTONOSUPPORT;
	size_t klen = s->cipher->key_len;
	if (*key_len < klen || *iv_len < KTLS_IV_LEN)
		return -ENOSPC;

	int r = expand_label(s, secret, secret_len, "key", NULL, 0, k, klen);
	if (r == 0)
		r = expand_label(s, secret, secret_len, "iv", NULL, 0, v, KTLS_IV_LEN);
	if (r == 0) {
		memcpy(key, k, klen);
		memcpy(iv, v, KTLS_IV_LEN);
		*key_len = klen;
		*iv_len = KTLS_IV_LEN;
	}
	ktls_memzero(k, sizeof(k));
	ktls_memzero(v, sizeof(v));
	return r;
}

LIBKTLS_API int ktls_update_secret(uint16_t suite, const uint8_t *secret, size_t secret_len,
				   uint8_t *next)
{
	uint8_t tmp[KTLS_SECRET_MAX];

	if (!secret || !next)
		return -EFAULT;
	const struct ktls_suite *s = tls13_suite(suite);
	if (!s)
		return -EPROTONOSUPPORT;
	if (secret_len > sizeof(tmp))
		return -EINVAL;

	int r = expand_label(s, secret, secret_len, "traffic upd", NULL, 0, tmp, secret_len);
	if (r == 0)
		memcpy(next, tmp, secret_len);
	ktls_memzero(tmp, sizeof(tmp));
	return r;
}

LIBKTLS_API int ktls_tls12_key_block(uint16_t suite, const uint8_t *master_secret, size_t master_len,
				     const uint8_t *client_random, const uint8_t *server_random,
				     uint8_t *out, size_t out_len)
{
	static const char label[] = "key expansion";
	uint8_t seed[sizeof(label) - 1 + 2 * KTLS_TLS12_RANDOM_LEN];
	uint8_t block[2 * (KTLS_KEY_MAX + KTLS_IV_LEN)];

	if (!master_secret || !client_random || !server_random || !out)
		return -EFAULT;
	const struct ktls_suite *s = ktls_suite_find(suite);
	if (!s || s->version != KTLS_TLS_1_2)
		return -EPROTONOSUPPORT;
	size_t need = 2 * (s->cipher->key_len + ktls_suite_iv_len(s));
	if (master_len != KTLS_TLS12_MASTER_SECRET_LEN || out_len != need)
		return -EINVAL;

	memcpy(seed, label, sizeof(label) - 1);
	memcpy(seed + sizeof(label) - 1, server_random, KTLS_TLS12_RANDOM_LEN);
	memcpy(seed + sizeof(label) - 1 + KTLS_TLS12_RANDOM_LEN, client_random, KTLS_TLS12_RANDOM_LEN);

	OSSL_PARAM params[] = {
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)ktls_hash_name(s->hash), 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SECRET, (void *)master_secret, master_len),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_SEED, seed, sizeof(seed)),
		OSSL_PARAM_END,
	};
	int r = run_kdf("TLS1-PRF", params, block, need);
	if (r == 0)
		memcpy(out, block, need);
	ktls_memzero(block, sizeof(block));
	return r;
}
