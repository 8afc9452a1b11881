/* SPDX-License-Identifier: MIT */
/* Public structs and constants are ABI: their layout and values as released in 1.0, frozen. */
#include <linux/tls.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <ktls.h>

static void test_struct_layouts(void **state)
{
	(void)state;
	assert_int_equal(sizeof(struct ktls_secrets), 48);
	assert_int_equal(offsetof(struct ktls_secrets, secret), 0);
	assert_int_equal(offsetof(struct ktls_secrets, secret_len), 8);
	assert_int_equal(offsetof(struct ktls_secrets, key), 16);
	assert_int_equal(offsetof(struct ktls_secrets, key_len), 24);
	assert_int_equal(offsetof(struct ktls_secrets, iv), 32);
	assert_int_equal(offsetof(struct ktls_secrets, iv_len), 40);

	assert_int_equal(sizeof(struct ktls_suite_info), 56);
	assert_int_equal(offsetof(struct ktls_suite_info, sz), 0);
	assert_int_equal(offsetof(struct ktls_suite_info, suite), 8);
	assert_int_equal(offsetof(struct ktls_suite_info, tls_version), 10);
	assert_int_equal(offsetof(struct ktls_suite_info, cipher_type), 12);
	assert_int_equal(offsetof(struct ktls_suite_info, hash), 14);
	assert_int_equal(offsetof(struct ktls_suite_info, key_len), 16);
	assert_int_equal(offsetof(struct ktls_suite_info, iv_len), 24);
	assert_int_equal(offsetof(struct ktls_suite_info, hash_len), 32);
	assert_int_equal(offsetof(struct ktls_suite_info, crypto_info_len), 40);
	assert_int_equal(offsetof(struct ktls_suite_info, name), 48);
}

static void test_constants(void **state)
{
	(void)state;
	assert_int_equal(KTLS_DIR_TX, TLS_TX);
	assert_int_equal(KTLS_DIR_RX, TLS_RX);
	assert_int_equal(KTLS_DIR_TX, 1);
	assert_int_equal(KTLS_DIR_RX, 2);
	assert_int_equal(KTLS_HASH_SHA256, 1);
	assert_int_equal(KTLS_HASH_SHA384, 2);
	assert_int_equal(KTLS_HASH_SM3, 3);
	assert_int_equal(KTLS_TLS_1_2, TLS_1_2_VERSION);
	assert_int_equal(KTLS_TLS_1_3, TLS_1_3_VERSION);
	assert_int_equal(KTLS_CRYPTO_INFO_MAX, 56);
	assert_int_equal(KTLS_SECRET_MAX, 48);
	assert_int_equal(KTLS_KEY_MAX, 32);
	assert_int_equal(KTLS_IV_LEN, 12);
	assert_int_equal(KTLS_TLS12_MASTER_SECRET_LEN, 48);
	assert_int_equal(KTLS_TLS12_RANDOM_LEN, 32);
	assert_int_equal(ktls_crypto_info_max(), KTLS_CRYPTO_INFO_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_struct_layouts),
		cmocka_unit_test(test_constants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
