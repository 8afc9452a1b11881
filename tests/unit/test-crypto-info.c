/* SPDX-License-Identifier: MIT */
/* ktls_crypto_info(): every suite's bytes, field by field, against the <linux/tls.h> structs. */
#include <errno.h>
#include <linux/tls.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include <ktls.h>

/* The kernel struct's fields, wherever each cipher puts them. */
struct layout {
	size_t size, iv, iv_len, key, key_len, salt, salt_len, rec_seq;
};

#define LAYOUT(type, prefix)                                                                     \
	(struct layout)                                                                          \
	{                                                                                        \
		sizeof(struct type), offsetof(struct type, iv), prefix##_IV_SIZE,                \
			offsetof(struct type, key), prefix##_KEY_SIZE, offsetof(struct type, salt), \
			prefix##_SALT_SIZE, offsetof(struct type, rec_seq)                       \
	}

static struct layout kernel_layout(uint16_t cipher)
{
	switch (cipher) {
	case TLS_CIPHER_AES_GCM_128:
		return LAYOUT(tls12_crypto_info_aes_gcm_128, TLS_CIPHER_AES_GCM_128);
	case TLS_CIPHER_AES_GCM_256:
		return LAYOUT(tls12_crypto_info_aes_gcm_256, TLS_CIPHER_AES_GCM_256);
	case TLS_CIPHER_AES_CCM_128:
		return LAYOUT(tls12_crypto_info_aes_ccm_128, TLS_CIPHER_AES_CCM_128);
	case TLS_CIPHER_CHACHA20_POLY1305:
		return LAYOUT(tls12_crypto_info_chacha20_poly1305, TLS_CIPHER_CHACHA20_POLY1305);
	case TLS_CIPHER_SM4_GCM:
		return LAYOUT(tls12_crypto_info_sm4_gcm, TLS_CIPHER_SM4_GCM);
	case TLS_CIPHER_SM4_CCM:
		return LAYOUT(tls12_crypto_info_sm4_ccm, TLS_CIPHER_SM4_CCM);
	case TLS_CIPHER_ARIA_GCM_128:
		return LAYOUT(tls12_crypto_info_aria_gcm_128, TLS_CIPHER_ARIA_GCM_128);
	case TLS_CIPHER_ARIA_GCM_256:
		return LAYOUT(tls12_crypto_info_aria_gcm_256, TLS_CIPHER_ARIA_GCM_256);
	}
	fail_msg("cipher %u has no kernel struct", cipher);
	return (struct layout){ 0 };
}

static void be64(uint64_t v, uint8_t out[8])
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		out[i] = (uint8_t)v;
}

static void check_suite(uint16_t suite, uint64_t seq)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };
	uint8_t key[32], iv[12], buf[KTLS_CRYPTO_INFO_MAX + 8], seq_be[8];

	assert_int_equal(ktls_suite_info(suite, &si), 0);
	for (size_t i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x10 + i);
	for (size_t i = 0; i < sizeof(iv); i++)
		iv[i] = (uint8_t)(0xA0 + i);
	struct ktls_secrets s = { .key = key, .key_len = si.key_len, .iv = iv, .iv_len = si.iv_len };

	memset(buf, 0xEE, sizeof(buf));
	ssize_t n = ktls_crypto_info(suite, &s, seq, buf, sizeof(buf));
	struct layout l = kernel_layout(si.cipher_type);
	assert_int_equal(n, l.size);
	assert_int_equal(si.crypto_info_len, l.size);
	assert_int_equal(buf[n], 0xEE); /* nothing written past the struct */

	struct tls_crypto_info hdr;
	memcpy(&hdr, buf, sizeof(hdr));
	assert_int_equal(hdr.version, si.tls_version);
	assert_int_equal(hdr.cipher_type, si.cipher_type);
	assert_int_equal(l.key_len, si.key_len);
	assert_memory_equal(buf + l.key, key, l.key_len);
	be64(seq, seq_be);
	assert_memory_equal(buf + l.rec_seq, seq_be, 8);

	if (si.tls_version == TLS_1_3_VERSION || si.cipher_type == TLS_CIPHER_CHACHA20_POLY1305) {
		/* full 12-byte IV: salt first, then the kernel's iv field */
		assert_int_equal(si.iv_len, 12);
		assert_int_equal(l.salt_len + l.iv_len, 12);
		assert_memory_equal(buf + l.salt, iv, l.salt_len);
		assert_memory_equal(buf + l.iv, iv + l.salt_len, l.iv_len);
	} else {
		/* TLS 1.2 implicit salt; explicit nonce starts from seq */
		assert_int_equal(si.iv_len, 4);
		assert_int_equal(l.salt_len, 4);
		assert_memory_equal(buf + l.salt, iv, 4);
		assert_int_equal(l.iv_len, 8);
		assert_memory_equal(buf + l.iv, seq_be, 8);
	}
}

static void test_every_suite_field_by_field(void **state)
{
	static const uint64_t seqs[] = { 0, 1, 0x0102030405060708ULL, UINT64_MAX };
	uint16_t suites[128];
	size_t n = ktls_suite_list(suites, 128);

	(void)state;
	assert_true(n > 0 && n <= 128);
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < sizeof(seqs) / sizeof(seqs[0]); j++)
			check_suite(suites[i], seqs[j]);
}

/* A TLS 1.3 traffic secret gives the same bytes as the key and IV derived from it. */
static void test_secret_equals_derived_keys(void **state)
{
	static const uint16_t tls13[] = { 0x1301, 0x1302, 0x1303, 0x1304, 0x00C6, 0x00C7 };

	(void)state;
	for (size_t i = 0; i < sizeof(tls13) / sizeof(tls13[0]); i++) {
		struct ktls_suite_info si = { .sz = sizeof(si) };
		uint8_t secret[48], key[32], iv[12], a[64], b[64];
		size_t key_len = sizeof(key), iv_len = sizeof(iv);

		assert_int_equal(ktls_suite_info(tls13[i], &si), 0);
		memset(secret, 0x42 + (int)i, sizeof(secret));
		assert_int_equal(ktls_derive_keys(tls13[i], secret, si.hash_len, key, &key_len, iv, &iv_len), 0);
		struct ktls_secrets by_secret = { .secret = secret, .secret_len = si.hash_len };
		struct ktls_secrets by_key = { .key = key, .key_len = key_len, .iv = iv, .iv_len = iv_len };
		ssize_t na = ktls_crypto_info(tls13[i], &by_secret, 77, a, sizeof(a));
		ssize_t nb = ktls_crypto_info(tls13[i], &by_key, 77, b, sizeof(b));
		assert_int_equal(na, (ssize_t)si.crypto_info_len);
		assert_int_equal(na, nb);
		assert_memory_equal(a, b, (size_t)na);
	}
}

static void test_errors(void **state)
{
	uint8_t key[32] = { 0 }, iv[12] = { 0 }, secret[48] = { 0 }, buf[64];
	struct ktls_secrets gcm12 = { .key = key, .key_len = 16, .iv = iv, .iv_len = 4 };

	(void)state;
	memset(buf, 0x77, sizeof(buf));
	assert_int_equal(ktls_crypto_info(0xC02F, NULL, 0, buf, sizeof(buf)), -EFAULT);
	assert_int_equal(ktls_crypto_info(0xC02F, &gcm12, 0, NULL, 64), -EFAULT);
	/* unknown, non-AEAD, and AEAD suites whose record cipher Linux lacks */
	static const uint16_t refused[] = { 0x0000, 0x002F, 0x0035, 0xC013, 0x1305, 0xC09D, 0xC0AD,
					    0xC0A0, 0xC0AE, 0xD003, 0xFFFF, 0x00C8 };
	for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++)
		assert_int_equal(ktls_crypto_info(refused[i], &gcm12, 0, buf, sizeof(buf)), -EPROTONOSUPPORT);
	assert_int_equal(ktls_crypto_info(0xC02F, &gcm12, 0, buf, 39), -ENOSPC);

	struct ktls_secrets s = gcm12;
	s.key_len = 32;
	assert_int_equal(ktls_crypto_info(0xC02F, &s, 0, buf, sizeof(buf)), -EINVAL);
	s = gcm12, s.iv_len = 12;
	assert_int_equal(ktls_crypto_info(0xC02F, &s, 0, buf, sizeof(buf)), -EINVAL);
	s = gcm12, s.iv = NULL;
	assert_int_equal(ktls_crypto_info(0xC02F, &s, 0, buf, sizeof(buf)), -EFAULT);
	s = gcm12, s.key = NULL;
	assert_int_equal(ktls_crypto_info(0xC02F, &s, 0, buf, sizeof(buf)), -EFAULT);
	s = gcm12, s.secret = secret, s.secret_len = 32; /* TLS 1.2 has no traffic secret */
	assert_int_equal(ktls_crypto_info(0xC02F, &s, 0, buf, sizeof(buf)), -EINVAL);
	/* TLS 1.3: a 4-byte IV, a secret together with a key, a secret of the wrong length */
	assert_int_equal(ktls_crypto_info(0x1301, &gcm12, 0, buf, sizeof(buf)), -EINVAL);
	s = gcm12, s.iv_len = 12, s.secret = secret, s.secret_len = 32;
	assert_int_equal(ktls_crypto_info(0x1301, &s, 0, buf, sizeof(buf)), -EINVAL);
	struct ktls_secrets bad_secret = { .secret = secret, .secret_len = 48 };
	assert_int_equal(ktls_crypto_info(0x1301, &bad_secret, 0, buf, sizeof(buf)), -EINVAL);
	/* ChaCha20 in TLS 1.2 takes the full 12-byte IV */
	struct ktls_secrets chacha = { .key = key, .key_len = 32, .iv = iv, .iv_len = 4 };
	assert_int_equal(ktls_crypto_info(0xCCA8, &chacha, 0, buf, sizeof(buf)), -EINVAL);

	for (size_t i = 0; i < sizeof(buf); i++)
		assert_int_equal(buf[i], 0x77);
}

static void test_max_size_agrees(void **state)
{
	uint16_t suites[128];
	size_t n = ktls_suite_list(suites, 128), max = 0;

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct ktls_suite_info si = { .sz = sizeof(si) };
		assert_int_equal(ktls_suite_info(suites[i], &si), 0);
		if (si.crypto_info_len > max)
			max = si.crypto_info_len;
		assert_true(si.key_len <= KTLS_KEY_MAX);
		assert_true(si.hash_len <= KTLS_SECRET_MAX);
	}
	assert_int_equal(max, KTLS_CRYPTO_INFO_MAX);
	assert_int_equal(ktls_crypto_info_max(), KTLS_CRYPTO_INFO_MAX);
	assert_int_equal(sizeof(struct tls12_crypto_info_aes_gcm_256), KTLS_CRYPTO_INFO_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_suite_field_by_field),
		cmocka_unit_test(test_secret_equals_derived_keys),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_max_size_agrees),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
