/* SPDX-License-Identifier: MIT */
/* TLS 1.3 KeyUpdate on the real kernel against an OpenSSL peer. Where the kernel cannot rekey
 * (before 6.14, e.g. Debian's 6.12 and 6.1): the peer's SSL_key_update, in both request modes, is
 * reported as -EKEYEXPIRED at once, and our own update is refused with -EBUSY while data keeps
 * flowing. Where it can: several generations both ways with 1 MiB verified per generation. */
#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktls.h>

#include "../common/kernel-suite.h"
#include "../common/peer-script.h"

#define END { STEP_END, 0 }
#define MIB (1u << 20)

static int can_rekey;

static struct ktls_conn *open_conn(struct handoff *h, uint16_t suite)
{
	struct ktls_conn *c = NULL;

	handoff_open(h, suite, 0);
	assert_int_equal(ktls_conn_open(h->fd, suite, &h->keys.tx, h->keys.tx_seq, &h->keys.rx, h->keys.rx_seq,
					NULL, &c), 0);
	return c;
}

/* Read exactly len bytes of the peer's pattern through the connection. */
static void conn_expect(struct ktls_conn *c, struct handoff *h, uint64_t *off, size_t len)
{
	uint8_t *buf = malloc(65536);

	assert_non_null(buf);
	for (size_t got = 0; got < len;) {
		size_t want = len - got < 65536 ? len - got : 65536;
		ssize_t n = ktls_conn_read(c, buf, want, 0);
		if (n <= 0)
			fail_msg("ktls_conn_read: %s", ktls_strerror((int)n));
		assert_int_equal(pattern_check(h->job.seed_out, *off, buf, (size_t)n), (size_t)n);
		got += (size_t)n, *off += (size_t)n;
	}
	free(buf);
}

static void conn_send(struct handoff *h, uint64_t *off, size_t len)
{
	uint8_t *buf = malloc(len);

	assert_non_null(buf);
	pattern_fill(h->suite + 200u, *off, buf, len);
	assert_int_equal(write_all(h->fd, buf, len), 0);
	*off += len;
	free(buf);
}

static void test_probe_matches_kernel_version(void **state)
{
	(void)state;
	print_message("kernel %d.%d: rekey %s\n", kernel_version() / 1000, kernel_version() % 1000,
		      can_rekey ? "supported" : "not supported");
	assert_int_equal(can_rekey, kernel_version() >= 6014);
}

/* The peer updates its keys (both request modes). */
static void peer_updates(int requested)
{
	static const struct step not_requested[] = {
		{ SEND_DATA, 100000 }, { KEY_UPDATE, 0 }, { SEND_DATA, MIB }, { EXPECT_DATA, 1000 }, END,
	};
	static const struct step with_request[] = {
		{ SEND_DATA, 100000 }, { KEY_UPDATE, 1 }, { SEND_DATA, MIB }, { EXPECT_DATA, 1000 }, END,
	};
	struct handoff h;
	struct ktls_conn *c = open_conn(&h, 0x1301);
	uint64_t in = 0, out = 0;
	uint8_t buf[64];

	handoff_start(&h, requested ? with_request : not_requested);
	conn_expect(c, &h, &in, 100000);
	if (!can_rekey) {
		/* at the KeyUpdate itself: neither a decryption error nor a hang */
		assert_int_equal(ktls_conn_read(c, buf, sizeof(buf), 0), -EKEYEXPIRED);
		assert_int_equal(ktls_conn_read(c, buf, sizeof(buf), 0), -EKEYEXPIRED);
		/* the peer's script is stuck reading: end it */
		shutdown(h.fd, SHUT_RDWR);
		ktls_conn_free(c);
		handoff_close(&h);
		return;
	}
	conn_expect(c, &h, &in, MIB);
	struct ktls_key_usage u = { .sz = sizeof(u) };
	assert_int_equal(ktls_conn_key_usage(c, &u), 0);
	assert_int_equal(u.rx_generation, 1);
	assert_int_equal(u.tx_generation, requested ? 1 : 0);
	conn_send(&h, &out, 1000);
	ktls_conn_free(c);
	assert_int_equal(handoff_close(&h), 0);
}

static void test_peer_key_update_not_requested(void **state)
{
	(void)state;
	peer_updates(0);
}

static void test_peer_key_update_requested(void **state)
{
	(void)state;
	peer_updates(1);
}

/* We update our keys: refused where the kernel cannot, and the connection carries on. */
static void test_own_update(void **state)
{
	static const struct step script[] = {
		{ EXPECT_DATA, 65536 }, { SEND_DATA, 65536 }, { EXPECT_DATA, 65536 }, END,
	};
	struct handoff h;
	struct ktls_conn *c = open_conn(&h, 0x1302);
	uint64_t in = 0, out = 0;

	(void)state;
	handoff_start(&h, script);
	conn_send(&h, &out, 65536);
	int r0 = ktls_conn_update_keys(c, 0), r1 = ktls_conn_update_keys(c, 1);
	if (!can_rekey) {
		assert_int_equal(r0, -EBUSY);
		assert_int_equal(r1, -EBUSY);
		assert_non_null(strstr(ktls_strerror(r0), "6.14"));
	} else {
		assert_int_equal(r0, 0);
		assert_int_equal(r1, 0);
	}
	conn_expect(c, &h, &in, 65536);
	conn_send(&h, &out, 65536);
	struct ktls_key_usage u = { .sz = sizeof(u) };
	assert_int_equal(ktls_conn_key_usage(c, &u), 0);
	assert_int_equal(u.tx_generation, can_rekey ? 2 : 0);
	assert_true(u.tx_records > 0 && u.rx_records > 0);
	ktls_conn_free(c);
	assert_int_equal(handoff_close(&h), 0);
}

/* Where the kernel can rekey: generations both ways, 1 MiB verified in each. */
static void test_generations_with_openssl(void **state)
{
	static const struct step script[] = {
		{ SEND_DATA, MIB }, { KEY_UPDATE, 1 }, { SEND_DATA, MIB }, { EXPECT_DATA, MIB },
		{ KEY_UPDATE, 0 }, { SEND_DATA, MIB }, { EXPECT_DATA, MIB }, { EXPECT_DATA, MIB }, END,
	};
	struct handoff h;
	uint64_t in = 0, out = 0;

	(void)state;
	if (!can_rekey) {
		print_message("this kernel cannot rekey: the refusal is tested above\n");
		skip();
	}
	struct ktls_conn *c = open_conn(&h, 0x1303);
	handoff_start(&h, script);
	conn_expect(c, &h, &in, 2 * MIB); /* across the peer's update, answered */
	conn_send(&h, &out, MIB);
	conn_expect(c, &h, &in, MIB);
	assert_int_equal(ktls_conn_update_keys(c, 0), 0);
	conn_send(&h, &out, MIB);
	assert_int_equal(ktls_conn_update_keys(c, 1), 0);
	conn_send(&h, &out, MIB);
	struct ktls_key_usage u = { .sz = sizeof(u) };
	assert_int_equal(ktls_conn_key_usage(c, &u), 0);
	assert_int_equal(u.rx_generation, 2);
	assert_int_equal(u.tx_generation, 3);
	ktls_conn_free(c);
	assert_int_equal(handoff_close(&h), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_matches_kernel_version),
		cmocka_unit_test(test_peer_key_update_not_requested),
		cmocka_unit_test(test_peer_key_update_requested),
		cmocka_unit_test(test_own_update),
		cmocka_unit_test(test_generations_with_openssl),
	};
	require_ktls_kernel();
	signal(SIGPIPE, SIG_IGN); /* the OpenSSL peer writes into sockets we shut down */
	assert_int_equal(tls_peer_init(), 0);
	can_rekey = ktls_kernel_can_rekey();
	if (can_rekey < 0) {
		fprintf(stderr, "ktls_kernel_can_rekey: %s\n", ktls_strerror(can_rekey));
		return 1;
	}
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
