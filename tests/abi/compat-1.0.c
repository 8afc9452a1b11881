/* SPDX-License-Identifier: MIT */
/* A program built against the frozen 1.0 header (tests/abi/v1.0/), run against the library of
 * this tree: every call that takes a sized struct, with 1.0's sizes, and as a program built
 * against a later header would make it (sizeof + 8 bytes: zeros past what 1.0 knows for inputs,
 * poison for outputs). Outputs must fill what both know and leave the caller's later fields
 * alone; inputs with unknown zero bytes must be taken, with unknown non-zero bytes refused. Where the
 * kernel has kTLS (the VM), a connection's key usage too. */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktls.h> /* the frozen 1.0 copy: this file's include path has nothing else */

#include "../common/net.h"

#define FUTURE 8

/* A struct as a later header declares it: 1.0's, then fields 1.0 does not know. */
#define FUTURE_STRUCT(type)                                                                       \
	union {                                                                                   \
		type v;                                                                           \
		uint8_t raw[sizeof(type) + FUTURE];                                               \
	}

#define POISON 0xA5

static void expect_untouched_tail(const uint8_t *raw, size_t size)
{
	for (size_t i = size; i < size + FUTURE; i++)
		assert_int_equal(raw[i], POISON);
}

static void test_suite_info(void **state)
{
	struct ktls_suite_info v10 = { .sz = sizeof(v10) };
	FUTURE_STRUCT(struct ktls_suite_info) later;

	(void)state;
	assert_int_equal(ktls_suite_info(0x1302, &v10), 0);
	assert_string_equal(v10.name, "TLS_AES_256_GCM_SHA384");
	memset(&later, POISON, sizeof(later));
	later.v.sz = sizeof(later);
	assert_int_equal(ktls_suite_info(0x1302, &later.v), 0);
	assert_int_equal(later.v.sz, sizeof(later));
	assert_int_equal(later.v.key_len, 32);
	expect_untouched_tail(later.raw, sizeof(later.v));
}

static void test_probe_kernel(void **state)
{
	struct ktls_kernel_caps v10 = { .sz = sizeof(v10) };
	FUTURE_STRUCT(struct ktls_kernel_caps) later;

	(void)state;
	assert_int_equal(ktls_probe_kernel(&v10), 0);
	memset(&later, POISON, sizeof(later));
	later.v.sz = sizeof(later);
	assert_int_equal(ktls_probe_kernel(&later.v), 0);
	assert_int_equal(later.v.tls, v10.tls);
	assert_int_equal(later.v.rekey, v10.rekey);
	assert_int_equal(later.v.hw_record, v10.hw_record);
	expect_untouched_tail(later.raw, sizeof(later.v));
	v10.sz = sizeof(v10) - 1;
	assert_int_equal(ktls_probe_kernel(&v10), -EINVAL);
}

static void test_netdev_info(void **state)
{
	struct ktls_netdev_info v10 = { .sz = sizeof(v10) };
	FUTURE_STRUCT(struct ktls_netdev_info) later;

	(void)state;
	assert_int_equal(ktls_netdev_info("lo", &v10), 0);
	assert_string_equal(v10.ifname, "lo");
	memset(&later, POISON, sizeof(later));
	later.v.sz = sizeof(later);
	assert_int_equal(ktls_netdev_info("lo", &later.v), 0);
	assert_int_equal(later.v.ifindex, v10.ifindex);
	assert_int_equal(later.v.tls_tx, v10.tls_tx);
	expect_untouched_tail(later.raw, sizeof(later.v));
}

static int count(const struct ktls_socket_entry *e, void *user)
{
	assert_true(e->sz >= sizeof(*e));
	assert_true(e->info->sz >= sizeof(*e->info));
	assert_int_equal(e->info->ulp, 1);
	(*(int *)user)++;
	return 0;
}

static void test_socket_info_and_foreach(void **state)
{
	struct ktls_socket_info v10 = { .sz = sizeof(v10) };
	FUTURE_STRUCT(struct ktls_socket_info) later;
	int c, s, n = 0;

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_socket_info(c, &v10), 0);
	assert_int_equal(v10.ulp, 0);
	memset(&later, POISON, sizeof(later));
	later.v.sz = sizeof(later);
	assert_int_equal(ktls_socket_info(c, &later.v), 0);
	assert_int_equal(later.v.ulp, 0);
	expect_untouched_tail(later.raw, sizeof(later.v));
	int r = ktls_socket_foreach(count, &n);
	assert_true(r == 0 || r == -EPERM);
	close(c);
	close(s);
}

/* Connection options: 1.0's size, a later size with zeros, a later size with a field 1.0 does
 * not know set. The first two must get as far as the kernel; the last must not. */
static void test_conn_opts_and_key_usage(void **state)
{
	static const uint8_t secret[32] = { 7 };
	const struct ktls_secrets s13 = { .secret = secret, .secret_len = 32 };
	FUTURE_STRUCT(struct ktls_conn_opts) later;
	struct ktls_conn_opts v10 = { .sz = sizeof(v10), .max_peer_updates = 4 };
	struct ktls_conn *conn = NULL;
	int c, s;

	(void)state;
	memset(&later, 0, sizeof(later));
	later.v.sz = sizeof(later);
	later.raw[sizeof(later.v) + 3] = 1;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_conn_open(c, 0x1301, &s13, 0, &s13, 0, &later.v, &conn), -EINVAL);
	later.raw[sizeof(later.v) + 3] = 0;
	int with_later = ktls_conn_open(c, 0x1301, &s13, 0, &s13, 0, &later.v, &conn);
	close(c);
	close(s);
	if (with_later == -ENOENT) { /* no kTLS here: the options were taken, the kernel refused */
		print_message("no kTLS: options accepted up to the kernel\n");
		return;
	}
	assert_int_equal(with_later, 0);
	ktls_conn_free(conn);

	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_conn_open(c, 0x1301, &s13, 0, &s13, 0, &v10, &conn), 0);
	struct ktls_key_usage u10 = { .sz = sizeof(u10) };
	FUTURE_STRUCT(struct ktls_key_usage) ulater;
	assert_int_equal(write(c, "hello", 5), 5);
	assert_int_equal(ktls_conn_key_usage(conn, &u10), 0);
	assert_int_equal(u10.tx_records, 1);
	memset(&ulater, POISON, sizeof(ulater));
	ulater.v.sz = sizeof(ulater);
	assert_int_equal(ktls_conn_key_usage(conn, &ulater.v), 0);
	assert_int_equal(ulater.v.tx_records, 1);
	assert_int_equal(ulater.v.record_limit, u10.record_limit);
	expect_untouched_tail(ulater.raw, sizeof(ulater.v));
	ktls_conn_free(conn);
	close(c);
	close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suite_info),
		cmocka_unit_test(test_probe_kernel),
		cmocka_unit_test(test_netdev_info),
		cmocka_unit_test(test_socket_info_and_foreach),
		cmocka_unit_test(test_conn_opts_and_key_usage),
	};
	print_message("built against libktls %s, running with %s\n", LIBKTLS_VERSION_STRING, ktls_version());
	return cmocka_run_group_tests(tests, NULL, NULL);
}
