/* SPDX-License-Identifier: MIT */
/* Public structs and constants are ABI: the layout of every public struct and the values of the
 * constants as released in 1.0, frozen. Sized structs grow only at their end. */
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

	assert_int_equal(sizeof(struct ktls_alert), 2);
	assert_int_equal(offsetof(struct ktls_alert, level), 0);
	assert_int_equal(offsetof(struct ktls_alert, description), 1);

	assert_int_equal(sizeof(struct ktls_conn_opts), 40);
	assert_int_equal(offsetof(struct ktls_conn_opts, sz), 0);
	assert_int_equal(offsetof(struct ktls_conn_opts, max_handshake_len), 8);
	assert_int_equal(offsetof(struct ktls_conn_opts, max_peer_updates), 16);
	assert_int_equal(offsetof(struct ktls_conn_opts, peer_update_window_ms), 20);
	assert_int_equal(offsetof(struct ktls_conn_opts, auto_update_records), 24);
	assert_int_equal(offsetof(struct ktls_conn_opts, flags), 32);
	assert_int_equal(offsetof(struct ktls_conn_opts, reserved), 36);

	assert_int_equal(sizeof(struct ktls_key_usage), 40);
	assert_int_equal(offsetof(struct ktls_key_usage, sz), 0);
	assert_int_equal(offsetof(struct ktls_key_usage, tx_records), 8);
	assert_int_equal(offsetof(struct ktls_key_usage, rx_records), 16);
	assert_int_equal(offsetof(struct ktls_key_usage, record_limit), 24);
	assert_int_equal(offsetof(struct ktls_key_usage, tx_generation), 32);
	assert_int_equal(offsetof(struct ktls_key_usage, rx_generation), 36);

	assert_int_equal(sizeof(struct ktls_stat), 56);
	assert_int_equal(offsetof(struct ktls_stat, name), 0);
	assert_int_equal(offsetof(struct ktls_stat, value), 48);

	assert_int_equal(sizeof(struct ktls_kernel_caps), 40);
	assert_int_equal(offsetof(struct ktls_kernel_caps, sz), 0);
	assert_int_equal(offsetof(struct ktls_kernel_caps, tls), 8);
	assert_int_equal(offsetof(struct ktls_kernel_caps, tls13_tx), 12);
	assert_int_equal(offsetof(struct ktls_kernel_caps, tls13_rx), 16);
	assert_int_equal(offsetof(struct ktls_kernel_caps, rekey), 20);
	assert_int_equal(offsetof(struct ktls_kernel_caps, tx_zerocopy_sendfile), 24);
	assert_int_equal(offsetof(struct ktls_kernel_caps, rx_expect_no_pad), 28);
	assert_int_equal(offsetof(struct ktls_kernel_caps, tx_max_payload_len), 32);
	assert_int_equal(offsetof(struct ktls_kernel_caps, hw_record), 36);

	assert_int_equal(sizeof(struct ktls_socket_info), 32);
	assert_int_equal(offsetof(struct ktls_socket_info, sz), 0);
	assert_int_equal(offsetof(struct ktls_socket_info, ulp), 8);
	assert_int_equal(offsetof(struct ktls_socket_info, source), 12);
	assert_int_equal(offsetof(struct ktls_socket_info, tls_version), 16);
	assert_int_equal(offsetof(struct ktls_socket_info, cipher_type), 18);
	assert_int_equal(offsetof(struct ktls_socket_info, tx_mode), 20);
	assert_int_equal(offsetof(struct ktls_socket_info, rx_mode), 21);
	assert_int_equal(offsetof(struct ktls_socket_info, tx_zerocopy), 22);
	assert_int_equal(offsetof(struct ktls_socket_info, rx_no_pad), 23);
	assert_int_equal(offsetof(struct ktls_socket_info, tx_max_payload_len), 24);

	assert_int_equal(sizeof(struct ktls_socket_entry), 64);
	assert_int_equal(offsetof(struct ktls_socket_entry, sz), 0);
	assert_int_equal(offsetof(struct ktls_socket_entry, family), 8);
	assert_int_equal(offsetof(struct ktls_socket_entry, local_addr), 12);
	assert_int_equal(offsetof(struct ktls_socket_entry, remote_addr), 28);
	assert_int_equal(offsetof(struct ktls_socket_entry, local_port), 44);
	assert_int_equal(offsetof(struct ktls_socket_entry, remote_port), 46);
	assert_int_equal(offsetof(struct ktls_socket_entry, inode), 48);
	assert_int_equal(offsetof(struct ktls_socket_entry, info), 56);

	assert_int_equal(sizeof(struct ktls_netdev_info), 40);
	assert_int_equal(offsetof(struct ktls_netdev_info, sz), 0);
	assert_int_equal(offsetof(struct ktls_netdev_info, ifindex), 8);
	assert_int_equal(offsetof(struct ktls_netdev_info, source), 12);
	assert_int_equal(offsetof(struct ktls_netdev_info, ifname), 16);
	assert_int_equal(offsetof(struct ktls_netdev_info, tls_tx), 32);
	assert_int_equal(offsetof(struct ktls_netdev_info, tls_rx), 33);
	assert_int_equal(offsetof(struct ktls_netdev_info, tls_record), 34);
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
	assert_int_equal(KTLS_RECORD_MAX, 16384);
	assert_int_equal(KTLS_MODE_NONE, TLS_CONF_BASE);
	assert_int_equal(KTLS_MODE_SW, TLS_CONF_SW);
	assert_int_equal(KTLS_MODE_HW, TLS_CONF_HW);
	assert_int_equal(KTLS_MODE_HW_RECORD, TLS_CONF_HW_RECORD);
	assert_int_equal(KTLS_MODE_UNKNOWN, 255);
	assert_int_equal(KTLS_SOCKET_SOURCE_SOCK_DIAG, 1);
	assert_int_equal(KTLS_SOCKET_SOURCE_SOCKOPT, 2);
	assert_int_equal(KTLS_NETDEV_SOURCE_NETLINK, 1);
	assert_int_equal(KTLS_NETDEV_SOURCE_IOCTL, 2);
	assert_int_equal(KTLS_FEATURE_KNOWN, 1);
	assert_int_equal(KTLS_FEATURE_HW, 2);
	assert_int_equal(KTLS_FEATURE_WANTED, 4);
	assert_int_equal(KTLS_FEATURE_ACTIVE, 8);
	assert_int_equal(KTLS_FEATURE_FIXED, 16);
	assert_int_equal(KTLS_CONN_PEER_PADS, 1);
	assert_int_equal(KTLS_RECORD_CHANGE_CIPHER_SPEC, 20);
	assert_int_equal(KTLS_RECORD_ALERT, 21);
	assert_int_equal(KTLS_RECORD_HANDSHAKE, 22);
	assert_int_equal(KTLS_RECORD_APPLICATION_DATA, 23);
	assert_int_equal(KTLS_ALERT_LEVEL_WARNING, 1);
	assert_int_equal(KTLS_ALERT_LEVEL_FATAL, 2);
	assert_int_equal(KTLS_HANDSHAKE_HELLO_REQUEST, 0);
	assert_int_equal(KTLS_HANDSHAKE_NEW_SESSION_TICKET, 4);
	assert_int_equal(KTLS_HANDSHAKE_CERTIFICATE_REQUEST, 13);
	assert_int_equal(KTLS_HANDSHAKE_KEY_UPDATE, 24);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_struct_layouts),
		cmocka_unit_test(test_constants),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
