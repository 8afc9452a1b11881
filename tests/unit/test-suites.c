/* SPDX-License-Identifier: MIT */
/* The suite table: internally consistent, agreeing with libssl's IANA names, complete for every
 * AEAD suite libssl knows whose record cipher Linux implements; suite_info ABI. */
#include <errno.h>
#include <linux/tls.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/objects.h>
#include <openssl/ssl.h>

#include <ktls.h>

static uint16_t suites[128];
static size_t n_suites;

static int setup(void **state)
{
	(void)state;
	n_suites = ktls_suite_list(suites, 128);
	return n_suites > 0 && n_suites <= 128 ? 0 : -1;
}

static void expect_fields_from_name(const struct ktls_suite_info *si)
{
	const char *n = si->name;
	int tls13 = strstr(n, "_WITH_") == NULL;
	uint16_t cipher = 0;

	if (strstr(n, "AES_128_GCM"))
		cipher = TLS_CIPHER_AES_GCM_128;
	else if (strstr(n, "AES_256_GCM"))
		cipher = TLS_CIPHER_AES_GCM_256;
	else if (strstr(n, "AES_128_CCM"))
		cipher = TLS_CIPHER_AES_CCM_128;
	else if (strstr(n, "CHACHA20_POLY1305"))
		cipher = TLS_CIPHER_CHACHA20_POLY1305;
	else if (strstr(n, "SM4_GCM"))
		cipher = TLS_CIPHER_SM4_GCM;
	else if (strstr(n, "SM4_CCM"))
		cipher = TLS_CIPHER_SM4_CCM;
	else if (strstr(n, "ARIA_128_GCM"))
		cipher = TLS_CIPHER_ARIA_GCM_128;
	else if (strstr(n, "ARIA_256_GCM"))
		cipher = TLS_CIPHER_ARIA_GCM_256;
	assert_int_equal(si->cipher_type, cipher);
	assert_null(strstr(n, "CCM_8"));
	assert_int_equal(si->tls_version, tls13 ? KTLS_TLS_1_3 : KTLS_TLS_1_2);

	size_t len = strlen(n);
	uint16_t hash = KTLS_HASH_SHA256; /* RFC 6655 CCM names carry no hash: SHA-256 PRF */
	if (len > 7 && strcmp(n + len - 7, "_SHA384") == 0)
		hash = KTLS_HASH_SHA384;
	else if (len > 4 && strcmp(n + len - 4, "_SM3") == 0)
		hash = KTLS_HASH_SM3;
	assert_int_equal(si->hash, hash);
	assert_int_equal(si->hash_len, hash == KTLS_HASH_SHA384 ? 48 : 32);
	assert_int_equal(si->iv_len, tls13 || cipher == TLS_CIPHER_CHACHA20_POLY1305 ? 12 : 4);
	if (tls13)
		assert_int_not_equal(cipher, TLS_CIPHER_ARIA_GCM_128); /* ARIA is TLS 1.2 only */
}

static void test_table_consistent_and_ordered(void **state)
{
	(void)state;
	for (size_t i = 0; i < n_suites; i++) {
		struct ktls_suite_info si = { .sz = sizeof(si) };
		assert_int_equal(ktls_suite_info(suites[i], &si), 0);
		assert_int_equal(si.suite, suites[i]);
		assert_int_equal(si.sz, sizeof(si));
		expect_fields_from_name(&si);
		if (i > 0) {
			struct ktls_suite_info prev = { .sz = sizeof(prev) };
			assert_int_equal(ktls_suite_info(suites[i - 1], &prev), 0);
			/* TLS 1.3 first, then ascending within a version */
			assert_true(prev.tls_version > si.tls_version ||
				    (prev.tls_version == si.tls_version && prev.suite < si.suite));
		}
	}
}

static int in_table(uint16_t id)
{
	for (size_t i = 0; i < n_suites; i++)
		if (suites[i] == id)
			return 1;
	return 0;
}

static int kernel_has_cipher(const SSL_CIPHER *c)
{
	const char *std = SSL_CIPHER_standard_name(c);

	if (!SSL_CIPHER_is_aead(c) || strstr(std, "CCM_8") || strstr(std, "CCM8"))
		return 0;
	switch (SSL_CIPHER_get_cipher_nid(c)) {
	case NID_aes_128_gcm:
	case NID_aes_256_gcm:
	case NID_aes_128_ccm:
	case NID_chacha20_poly1305:
	case NID_aria_128_gcm:
	case NID_aria_256_gcm:
		return 1;
	}
	return 0;
}

/* Every libssl suite whose record cipher Linux has is in the table, with libssl's IANA name;
 * every table entry libssl knows has the name libssl gives it. */
static void test_agrees_with_libssl(void **state)
{
	(void)state;
	SSL_CTX *ctx = SSL_CTX_new(TLS_method());
	assert_non_null(ctx);
	assert_int_equal(SSL_CTX_set_cipher_list(ctx, "ALL:COMPLEMENTOFALL:@SECLEVEL=0"), 1);
	assert_int_equal(SSL_CTX_set_ciphersuites(ctx, "TLS_AES_128_GCM_SHA256:TLS_AES_256_GCM_SHA384:"
						       "TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_CCM_SHA256:"
						       "TLS_AES_128_CCM_8_SHA256"), 1);
	SSL *ssl = SSL_new(ctx);
	assert_non_null(ssl);
	STACK_OF(SSL_CIPHER) *list = SSL_get_ciphers(ssl);
	int checked = 0, known = 0;
	for (int i = 0; i < sk_SSL_CIPHER_num(list); i++) {
		const SSL_CIPHER *c = sk_SSL_CIPHER_value(list, i);
		uint16_t id = SSL_CIPHER_get_protocol_id(c);
		if (kernel_has_cipher(c)) {
			if (!in_table(id))
				fail_msg("libssl suite 0x%04X %s missing from the table", id, SSL_CIPHER_standard_name(c));
			checked++;
		}
		if (in_table(id)) {
			struct ktls_suite_info si = { .sz = sizeof(si) };
			assert_int_equal(ktls_suite_info(id, &si), 0);
			assert_string_equal(si.name, SSL_CIPHER_standard_name(c));
			known++;
		} else {
			assert_false(kernel_has_cipher(c));
		}
	}
	/* libssl 3.0 knows at least the 4 TLS 1.3 and a few dozen TLS 1.2 AEAD suites */
	assert_true(checked >= 30);
	assert_int_equal(checked, known);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

static void test_suite_info_abi(void **state)
{
	struct ktls_suite_info si;
	uint8_t raw[sizeof(si) + 16];

	(void)state;
	assert_int_equal(ktls_suite_info(0x1301, NULL), -EFAULT);
	memset(&si, 0, sizeof(si));
	si.sz = offsetof(struct ktls_suite_info, name);
	assert_int_equal(ktls_suite_info(0x1301, &si), -EINVAL);
	si.sz = sizeof(si);
	assert_int_equal(ktls_suite_info(0x1305, &si), -EPROTONOSUPPORT);
	assert_int_equal(si.suite, 0); /* untouched on failure */

	/* a caller with a larger (future) struct: nothing past ours is written */
	memset(raw, 0xCC, sizeof(raw));
	size_t big = sizeof(raw);
	memcpy(raw, &big, sizeof(big));
	assert_int_equal(ktls_suite_info(0x1302, (struct ktls_suite_info *)(void *)raw), 0);
	for (size_t i = sizeof(si); i < sizeof(raw); i++)
		assert_int_equal(raw[i], 0xCC);
	memcpy(&si, raw, sizeof(si));
	assert_string_equal(si.name, "TLS_AES_256_GCM_SHA384");
	assert_int_equal(si.key_len, 32);
	assert_int_equal(si.sz, sizeof(raw));

	uint16_t two[2] = { 0, 0 };
	assert_int_equal(ktls_suite_list(NULL, 0), n_suites);
	assert_int_equal(ktls_suite_list(two, 1), n_suites);
	assert_int_equal(two[0], suites[0]);
	assert_int_equal(two[1], 0);
}

static void test_version(void **state)
{
	char buf[32];

	(void)state;
	snprintf(buf, sizeof(buf), "%d.%d.%d", LIBKTLS_VERSION_MAJOR, LIBKTLS_VERSION_MINOR,
		 LIBKTLS_VERSION_MICRO);
	assert_string_equal(buf, LIBKTLS_VERSION_STRING);
	assert_string_equal(ktls_version(), LIBKTLS_VERSION_STRING);
}

/* RFC 8449's record_size_limit as TLS_TX_MAX_PAYLOAD_LEN: TLS 1.3 counts the content-type byte. */
static void test_record_payload_limit(void **state)
{
	static const struct {
		uint16_t version;
		uint32_t limit;
		uint16_t payload;
	} ok[] = {
		{ KTLS_TLS_1_3, 64, 63 },       { KTLS_TLS_1_3, 512, 511 },     { KTLS_TLS_1_3, 16385, 16384 },
		{ KTLS_TLS_1_3, 100000, 16384 }, { KTLS_TLS_1_2, 64, 64 },       { KTLS_TLS_1_2, 1000, 1000 },
		{ KTLS_TLS_1_2, 16384, 16384 },  { KTLS_TLS_1_2, 16385, 16384 },
	};
	uint16_t p;

	(void)state;
	for (size_t i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
		p = 0;
		assert_int_equal(ktls_record_payload_limit(ok[i].version, ok[i].limit, &p), 0);
		assert_int_equal(p, ok[i].payload);
	}
	p = 7;
	assert_int_equal(ktls_record_payload_limit(KTLS_TLS_1_3, 63, &p), -EINVAL);
	assert_int_equal(ktls_record_payload_limit(KTLS_TLS_1_2, 0, &p), -EINVAL);
	assert_int_equal(ktls_record_payload_limit(0x0301, 512, &p), -EINVAL);
	assert_int_equal(p, 7); /* untouched on failure */
	assert_int_equal(ktls_record_payload_limit(KTLS_TLS_1_3, 512, NULL), -EFAULT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_record_payload_limit),
		cmocka_unit_test(test_table_consistent_and_ordered),
		cmocka_unit_test(test_agrees_with_libssl),
		cmocka_unit_test(test_suite_info_abi),
		cmocka_unit_test(test_version),
	};
	return cmocka_run_group_tests(tests, setup, NULL);
}
