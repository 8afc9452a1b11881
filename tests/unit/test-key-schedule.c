/* SPDX-License-Identifier: MIT */
/* TLS 1.3 key schedule: RFC 8448 §3 (simple 1-RTT) golden values, an independent HKDF computation
 * for the SHA-384 and SM3 suites, and every error path. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/core_names.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <ktls.h>

#include "../common/hex.h"

struct trace_keys {
	const char *secret, *key, *iv;
};

/* RFC 8448 §3: {client,server} handshake and application traffic secrets and their keys/IVs. */
static const struct trace_keys rfc8448[] = {
	{ "b3eddb126e067f35a780b3abf45e2d8f3b1a950738f52e9600746a0e27a55a21",
	  "dbfaa693d1762c5b666af5d950258d01", "5bd3c71b836e0b76bb73265f" },
	{ "b67b7d690cc16c4e75e54213cb2d37b4e9c912bcded9105d42befd59d391ad38",
	  "3fce516009c21727d0f2e4e86ee403bc", "5d313eb2671276ee13000b30" },
	{ "9e40646ce79a7f9dc05af8889bce6552875afa0b06df0087f792ebb7c17504a5",
	  "17422dda596ed5d9acd890e3c63f5051", "5b78923dee08579033e523d9" },
	{ "a11af9f05531f856ad47116b45a950328204b4f44bfb6b3a4b4f1f3fcb631643",
	  "9f02283b6c9c07efc26bb9f2ac92e356", "cf782b88dd83549aadf1e984" },
};

static void test_rfc8448_traffic_keys(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(rfc8448) / sizeof(rfc8448[0]); i++) {
		uint8_t secret[32], want_key[16], want_iv[12], key[32], iv[16];
		size_t key_len = sizeof(key), iv_len = sizeof(iv);

		assert_int_equal(hex_decode(rfc8448[i].secret, secret, sizeof(secret)), 32);
		hex_decode(rfc8448[i].key, want_key, sizeof(want_key));
		hex_decode(rfc8448[i].iv, want_iv, sizeof(want_iv));
		assert_int_equal(ktls_derive_keys(0x1301, secret, 32, key, &key_len, iv, &iv_len), 0);
		assert_int_equal(key_len, 16);
		assert_int_equal(iv_len, 12);
		assert_memory_equal(key, want_key, 16);
		assert_memory_equal(iv, want_iv, 12);
	}
}

/* Derive-Secret(handshake_secret, "c hs traffic", ClientHello..ServerHello) exercises the context. */
static void test_rfc8448_expand_label_with_context(void **state)
{
	uint8_t hs[32], th[32], want[32], out[32], fin[32];

	(void)state;
	hex_decode("1dc826e93606aa6fdc0aadc12f741b01046aa6b99f691ed221a9f0ca043fbeac", hs, 32);
	hex_decode("860c06edc07858ee8e78f0e7428c58edd6b43f2ca3e6e95f02ed063cf0e1cad8", th, 32);
	hex_decode(rfc8448[0].secret, want, 32);
	assert_int_equal(ktls_hkdf_expand_label(0x1301, hs, 32, "c hs traffic", th, 32, out, 32), 0);
	assert_memory_equal(out, want, 32);

	hex_decode("b80ad01015fb2f0bd65ff7d4da5d6bf83f84821d1f87fdc7d3c75b5a7b42d9c4", want, 32);
	assert_int_equal(ktls_hkdf_expand_label(0x1301, out, 32, "finished", NULL, 0, fin, 32), 0);
	assert_memory_equal(fin, want, 32);
}

/* HKDF-Expand-Label computed through libcrypto's plain HKDF with a hand-built HkdfLabel. */
static void reference_expand_label(const char *digest, const uint8_t *secret, size_t secret_len,
				   const char *label, uint8_t *out, size_t out_len)
{
	uint8_t info[2 + 1 + 255 + 1];
	size_t label_len = strlen(label), n = 0;

	info[n++] = (uint8_t)(out_len >> 8);
	info[n++] = (uint8_t)out_len;
	info[n++] = (uint8_t)(6 + label_len);
	memcpy(info + n, "tls13 ", 6);
	n += 6;
	memcpy(info + n, label, label_len);
	n += label_len;
	info[n++] = 0;

	int mode = EVP_KDF_HKDF_MODE_EXPAND_ONLY;
	OSSL_PARAM params[] = {
		OSSL_PARAM_int(OSSL_KDF_PARAM_MODE, &mode),
		OSSL_PARAM_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)digest, 0),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_KEY, (void *)secret, secret_len),
		OSSL_PARAM_octet_string(OSSL_KDF_PARAM_INFO, info, n),
		OSSL_PARAM_END,
	};
	EVP_KDF *kdf = EVP_KDF_fetch(NULL, "HKDF", NULL);
	EVP_KDF_CTX *ctx = EVP_KDF_CTX_new(kdf);
	assert_non_null(ctx);
	assert_int_equal(EVP_KDF_derive(ctx, out, out_len, params), 1);
	EVP_KDF_CTX_free(ctx);
	EVP_KDF_free(kdf);
}

/* Every TLS 1.3 suite, several generations: keys and next secrets agree with the reference and
 * every generation differs from the one before. */
static void test_every_tls13_suite_generations(void **state)
{
	uint16_t suites[128];
	size_t n = ktls_suite_list(suites, 128);
	int tls13 = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct ktls_suite_info info = { .sz = sizeof(info) };
		assert_int_equal(ktls_suite_info(suites[i], &info), 0);
		if (info.tls_version != KTLS_TLS_1_3)
			continue;
		tls13++;
		const char *digest = info.hash == KTLS_HASH_SHA384 ? "SHA384" :
				     info.hash == KTLS_HASH_SM3 ? "SM3" : "SHA256";
		uint8_t secret[48], next[48], want[48], key[32], iv[12], want_key[32], want_iv[12];
		for (size_t b = 0; b < info.hash_len; b++)
			secret[b] = (uint8_t)(b * 7 + suites[i]);
		for (int gen = 0; gen < 4; gen++) {
			size_t key_len = sizeof(key), iv_len = sizeof(iv);
			assert_int_equal(ktls_derive_keys(suites[i], secret, info.hash_len, key, &key_len, iv, &iv_len), 0);
			assert_int_equal(key_len, info.key_len);
			reference_expand_label(digest, secret, info.hash_len, "key", want_key, info.key_len);
			reference_expand_label(digest, secret, info.hash_len, "iv", want_iv, 12);
			assert_memory_equal(key, want_key, info.key_len);
			assert_memory_equal(iv, want_iv, 12);

			assert_int_equal(ktls_update_secret(suites[i], secret, info.hash_len, next), 0);
			reference_expand_label(digest, secret, info.hash_len, "traffic upd", want, info.hash_len);
			assert_memory_equal(next, want, info.hash_len);
			assert_memory_not_equal(next, secret, info.hash_len);
			/* in place */
			assert_int_equal(ktls_update_secret(suites[i], secret, info.hash_len, secret), 0);
			assert_memory_equal(secret, next, info.hash_len);
		}
	}
	assert_int_equal(tls13, 6);
}

static void test_expand_label_errors(void **state)
{
	uint8_t secret[48] = { 1 }, out[64], ctx[256] = { 0 };
	char label[251];

	(void)state;
	memset(out, 0xAA, sizeof(out));
	assert_int_equal(ktls_hkdf_expand_label(0x1301, NULL, 32, "key", NULL, 0, out, 16), -EFAULT);
	assert_int_equal(ktls_hkdf_expand_label(0x1301, secret, 32, NULL, NULL, 0, out, 16), -EFAULT);
	assert_int_equal(ktls_hkdf_expand_label(0x1301, secret, 32, "key", NULL, 0, NULL, 16), -EFAULT);
	assert_int_equal(ktls_hkdf_expand_label(0x1301, secret, 32, "key", NULL, 5, out, 16), -EFAULT);
	assert_int_equal(ktls_hkdf_expand_label(0xC02F, secret, 32, "key", NULL, 0, out, 16), -EPROTONOSUPPORT);
	assert_int_equal(ktls_hkdf_expand_label(0x0000, secret, 32, "key", NULL, 0, out, 16), -EPROTONOSUPPORT);
	assert_int_equal(ktls_hkdf_expand_label(0x1301, secret, 31, "key", NULL, 0, out, 16), -EINVAL);
	assert_int_equal(ktls_hkdf_expand_label(0x1302, secret, 32, "key", NULL, 0, out, 16), -EINVAL);
	assert_int_equal(ktls_hkdf_expand_label(0x1301, secret, 32, "key", NULL, 0, out, 0), -EINVAL);
	assert_int_equal(ktls_hkdf_expand_label(0x1301, secret, 32, "key", ctx, 256, out, 16), -EINVAL);
	memset(label, 'a', 250);
	label[250] = '\0';
	assert_int_equal(ktls_hkdf_expand_label(0x1301, secret, 32, label, NULL, 0, out, 16), -EINVAL);
	label[249] = '\0'; /* 6 + 249 = 255: the longest allowed */
	assert_int_equal(ktls_hkdf_expand_label(0x1301, secret, 32, label, ctx, 255, out, 16), 0);
	for (size_t i = 16; i < sizeof(out); i++)
		assert_int_equal(out[i], 0xAA);
}

static void test_expand_label_length_limit(void **state)
{
	static uint8_t out[255 * 48 + 1];
	uint8_t secret[48] = { 2 };

	(void)state;
	assert_int_equal(ktls_hkdf_expand_label(0x1301, secret, 32, "x", NULL, 0, out, 255 * 32), 0);
	assert_int_equal(ktls_hkdf_expand_label(0x1301, secret, 32, "x", NULL, 0, out, 255 * 32 + 1), -EINVAL);
	assert_int_equal(ktls_hkdf_expand_label(0x1302, secret, 48, "x", NULL, 0, out, 255 * 48), 0);
	assert_int_equal(ktls_hkdf_expand_label(0x1302, secret, 48, "x", NULL, 0, out, 255 * 48 + 1), -EINVAL);
}

static void test_derive_keys_errors_leave_outputs(void **state)
{
	uint8_t secret[32] = { 3 }, key[32], iv[12];
	size_t key_len, iv_len;

	(void)state;
	memset(key, 0x55, sizeof(key));
	memset(iv, 0x55, sizeof(iv));
	key_len = 15, iv_len = 12;
	assert_int_equal(ktls_derive_keys(0x1301, secret, 32, key, &key_len, iv, &iv_len), -ENOSPC);
	assert_int_equal(key_len, 15);
	key_len = 16, iv_len = 11;
	assert_int_equal(ktls_derive_keys(0x1301, secret, 32, key, &key_len, iv, &iv_len), -ENOSPC);
	assert_int_equal(iv_len, 11);
	key_len = 32, iv_len = 12;
	assert_int_equal(ktls_derive_keys(0x1301, secret, 20, key, &key_len, iv, &iv_len), -EINVAL);
	assert_int_equal(ktls_derive_keys(0xC02F, secret, 32, key, &key_len, iv, &iv_len), -EPROTONOSUPPORT);
	assert_int_equal(ktls_derive_keys(0x1301, NULL, 32, key, &key_len, iv, &iv_len), -EFAULT);
	assert_int_equal(ktls_derive_keys(0x1301, secret, 32, key, NULL, iv, &iv_len), -EFAULT);
	assert_int_equal(key_len, 32);
	assert_int_equal(iv_len, 12);
	for (size_t i = 0; i < sizeof(key); i++)
		assert_int_equal(key[i], 0x55);
	for (size_t i = 0; i < sizeof(iv); i++)
		assert_int_equal(iv[i], 0x55);

	uint8_t next[48];
	memset(next, 0x66, sizeof(next));
	assert_int_equal(ktls_update_secret(0x1301, secret, 48, next), -EINVAL);
	assert_int_equal(ktls_update_secret(0x1301, secret, 64, next), -EINVAL);
	assert_int_equal(ktls_update_secret(0x009C, secret, 32, next), -EPROTONOSUPPORT);
	assert_int_equal(ktls_update_secret(0x1301, NULL, 32, next), -EFAULT);
	assert_int_equal(ktls_update_secret(0x1301, secret, 32, NULL), -EFAULT);
	for (size_t i = 0; i < sizeof(next); i++)
		assert_int_equal(next[i], 0x66);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc8448_traffic_keys),
		cmocka_unit_test(test_rfc8448_expand_label_with_context),
		cmocka_unit_test(test_every_tls13_suite_generations),
		cmocka_unit_test(test_expand_label_errors),
		cmocka_unit_test(test_expand_label_length_limit),
		cmocka_unit_test(test_derive_keys_errors_leave_outputs),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
