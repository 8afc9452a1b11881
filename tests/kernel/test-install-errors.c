/* SPDX-License-Identifier: MIT */
/* Every documented ktls_install() error, against the running kernel. */
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/crypto.h>

#include <ktls.h>

#include "../common/kernel-suite.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef IPPROTO_MPTCP
#define IPPROTO_MPTCP 262
#endif

static const uint8_t key[32] = { 1, 2, 3 }, iv[12] = { 4, 5, 6 }, secret[48] = { 7, 8, 9 };
static const struct ktls_secrets gcm12 = { .key = key, .key_len = 16, .iv = iv, .iv_len = 4 };
static const struct ktls_secrets tls13 = { .secret = secret, .secret_len = 32 };

static int ulp_attached(int fd)
{
	char name[16] = "";
	socklen_t len = sizeof(name);

	return getsockopt(fd, IPPROTO_TCP, TCP_ULP, name, &len) == 0 && strcmp(name, "tls") == 0;
}

static void test_argument_errors_before_the_socket(void **state)
{
	int c, s;
	struct ktls_secrets bad = gcm12;

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0xC02F, NULL, 1), -EFAULT);
	assert_int_equal(ktls_install(c, (enum ktls_dir)3, 0xC02F, &gcm12, 1), -EINVAL);
	assert_int_equal(ktls_install(c, (enum ktls_dir)0, 0xC02F, &gcm12, 1), -EINVAL);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x002F, &gcm12, 1), -EPROTONOSUPPORT);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x1305, &gcm12, 1), -EPROTONOSUPPORT);
	bad.key_len = 15;
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0xC02F, &bad, 1), -EINVAL);
	bad = gcm12, bad.key = NULL;
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0xC02F, &bad, 1), -EFAULT);
	/* nothing was attached by a call that failed its arguments */
	assert_false(ulp_attached(c));
	/* argument errors win over a bad descriptor */
	assert_int_equal(ktls_install(-1, KTLS_DIR_TX, 0x002F, &gcm12, 1), -EPROTONOSUPPORT);
	close(c);
	close(s);
}

static void test_not_a_tcp_socket(void **state)
{
	int p[2], fd;

	(void)state;
	assert_int_equal(ktls_install(-1, KTLS_DIR_TX, 0xC02F, &gcm12, 1), -EBADF);
	fd = dup(0);
	close(fd);
	assert_int_equal(ktls_install(fd, KTLS_DIR_TX, 0xC02F, &gcm12, 1), -EBADF);

	assert_int_equal(pipe(p), 0);
	assert_int_equal(ktls_install(p[0], KTLS_DIR_TX, 0xC02F, &gcm12, 1), -ENOTSOCK);
	close(p[0]);
	close(p[1]);

	fd = socket(AF_INET, SOCK_DGRAM, 0);
	assert_int_equal(ktls_install(fd, KTLS_DIR_TX, 0xC02F, &gcm12, 1), -ESOCKTNOSUPPORT);
	close(fd);
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, p), 0);
	assert_int_equal(ktls_install(p[0], KTLS_DIR_TX, 0xC02F, &gcm12, 1), -ESOCKTNOSUPPORT);
	close(p[0]);
	close(p[1]);
	fd = socket(AF_INET, SOCK_STREAM, IPPROTO_MPTCP);
	if (fd >= 0) {
		assert_int_equal(ktls_install(fd, KTLS_DIR_TX, 0xC02F, &gcm12, 1), -ESOCKTNOSUPPORT);
		close(fd);
	}
}

static void test_not_connected(void **state)
{
	int fd, c, s;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };

	(void)state;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(ktls_install(fd, KTLS_DIR_TX, 0xC02F, &gcm12, 1), -ENOTCONN);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(ktls_install(fd, KTLS_DIR_RX, 0x1301, &tls13, 0), -ENOTCONN);
	close(fd);

	/* the peer closed before the hand-off: CLOSE_WAIT is not a connection to protect */
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	close(s);
	usleep(100 * 1000);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0xC02F, &gcm12, 1), -ENOTCONN);
	close(c);
}

static void test_ipv6_and_live_state(void **state)
{
	int c, s;
	uint8_t want[KTLS_CRYPTO_INFO_MAX], got[KTLS_CRYPTO_INFO_MAX];
	socklen_t len = 40;

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 1), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0x1301, &tls13, 0x1122334455667788ULL), 0);
	assert_true(ulp_attached(c));
	/* the kernel holds exactly the bytes ktls_crypto_info() describes */
	assert_int_equal(ktls_crypto_info(0x1301, &tls13, 0x1122334455667788ULL, want, sizeof(want)), 40);
	assert_int_equal(getsockopt(c, SOL_TLS, TLS_RX, got, &len), 0);
	assert_int_equal(len, 40);
	assert_memory_equal(got, want, 40);
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(want, sizeof(want));
	close(c);
	close(s);
}

/* TLS 1.2 keys can never be replaced; TLS 1.3 keys only from Linux 6.14 (rekey). */
static void test_double_install(void **state)
{
	int c, s;
	int rekey = kernel_version() >= 6014;

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0xC02F, &gcm12, 1), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0xC02F, &gcm12, 2), -EBUSY);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0xC02F, &gcm12, 1), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0xC02F, &gcm12, 1), -EBUSY);
	close(c);
	close(s);

	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x1301, &tls13, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x1301, &tls13, 0), rekey ? 0 : -EBUSY);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0x1301, &tls13, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0x1301, &tls13, 0), rekey ? 0 : -EBUSY);
	if (rekey) /* a rekey cannot change the cipher */
		assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x1303, &tls13, 0), -EPROTOTYPE);
	close(c);
	close(s);
}

/* ktls_conn_open() is all or nothing: a bad RX key installs nothing (no ULP even); the kernel
 * refusing RX after it took TX (here: RX keyed already, which TLS 1.2 never replaces) is
 * -ENOTRECOVERABLE, and the socket's state says TX is in the kernel. */
static void test_conn_open_all_or_nothing(void **state)
{
	struct ktls_secrets bad_rx = { .key = key, .key_len = 15, .iv = iv, .iv_len = 4 };
	struct ktls_socket_info si = { .sz = sizeof(si) };
	struct ktls_conn *conn = NULL;
	int c, s;

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_conn_open(c, 0xC02F, &gcm12, 1, &bad_rx, 1, NULL, &conn), -EINVAL);
	assert_null(conn);
	assert_int_equal(ktls_socket_info(c, &si), 0);
	assert_int_equal(si.ulp, 0);
	assert_int_equal(si.tls_version, 0);
	/* the userspace TLS could go on: the socket still moves plain bytes */
	assert_int_equal(write_all(c, "plain", 5), 0);
	char buf[5];
	assert_int_equal(read_all(s, buf, 5), 0);
	assert_memory_equal(buf, "plain", 5);
	close(c);
	close(s);

	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0xC02F, &gcm12, 1), 0);
	assert_int_equal(ktls_conn_open(c, 0xC02F, &gcm12, 1, &gcm12, 1, NULL, &conn), -ENOTRECOVERABLE);
	assert_null(conn);
	assert_int_equal(ktls_socket_info(c, &si), 0);
	assert_int_equal(si.ulp, 1);
	assert_int_equal(si.tls_version, 0x0303);
	if (si.source == KTLS_SOCKET_SOURCE_SOCK_DIAG)
		assert_int_equal(si.tx_mode, KTLS_MODE_SW);
	close(c);
	close(s);
}

/* The kernel wants one version and cipher for both directions: -EPROTOTYPE, not "kernel too old". */
static void test_directions_must_match(void **state)
{
	int c, s;
	struct ktls_secrets chacha = { .key = key, .key_len = 32, .iv = iv, .iv_len = 12 };

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x1301, &tls13, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0x1303, &tls13, 0), -EPROTOTYPE);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0xC02F, &gcm12, 1), -EPROTOTYPE);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0x1302, &(struct ktls_secrets){ .secret = secret, .secret_len = 48 }, 0), -EPROTOTYPE);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0x1301, &tls13, 0), 0); /* the matching one still goes in */
	close(c);
	close(s);

	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0xCCA8, &chacha, 1), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0xC02F, &gcm12, 1), -EPROTOTYPE);
	close(c);
	close(s);
}

/* SM4 and ARIA: the kernel knows them (6.1+) but Debian builds no crypto for them. */
static void test_cipher_crypto_missing(void **state)
{
	static const struct {
		uint16_t suite;
		const char *crypto;
	} cases[] = {
		{ 0x00C6, "sm4" }, { 0x00C7, "sm4" }, { 0xC050, "aria" }, { 0xC061, "aria" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ktls_suite_info si = { .sz = sizeof(si) };
		int c, s;
		assert_int_equal(ktls_suite_info(cases[i].suite, &si), 0);
		const struct ktls_secrets *sec = si.tls_version == KTLS_TLS_1_3 ? &tls13 : &gcm12;
		struct ktls_secrets k = *sec;
		if (si.tls_version == KTLS_TLS_1_2)
			k.key_len = si.key_len;

		assert_int_equal(tcp_pair(&c, &s, 0), 0);
		int r = ktls_install(c, KTLS_DIR_TX, cases[i].suite, &k, 1);
		int have = proc_crypto_has(cases[i].crypto);
		print_message("%s (0x%04X): %s\n", si.name, cases[i].suite, r == 0 ? "supported" : ktls_strerror(r));
		assert_int_equal(r, have ? 0 : -ENOPKG);
		if (!have) {
			/* nothing half-installed: the socket still carries plain TCP ... */
			assert_int_equal(write_all(c, "plain", 5), 0);
			char buf[5];
			assert_int_equal(read_all(s, buf, 5), 0);
			assert_memory_equal(buf, "plain", 5);
			/* ... and takes a cipher the kernel has */
			assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0xC02F, &gcm12, 1), 0);
		}
		close(c);
		close(s);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_argument_errors_before_the_socket),
		cmocka_unit_test(test_not_a_tcp_socket),
		cmocka_unit_test(test_not_connected),
		cmocka_unit_test(test_ipv6_and_live_state),
		cmocka_unit_test(test_double_install),
		cmocka_unit_test(test_directions_must_match),
		cmocka_unit_test(test_conn_open_all_or_nothing),
		cmocka_unit_test(test_cipher_crypto_missing),
	};
	require_ktls_kernel();
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
