/* SPDX-License-Identifier: MIT */
/* ktls_openssl_handoff() where it must refuse, on any kernel: every refusal leaves the SSL usable
 * in userspace (the fallback), the keylog callback an application set is chained, and data
 * OpenSSL holds is reported. The hand-offs that succeed are tested in the kernel suite. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/net.h"
#include "../common/openssl-pair.h"

static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02C, 0xCCA9 };

static void expect_usable(struct openssl_pair *p)
{
	assert_int_equal(openssl_pair_exchange(p->client, p->server, 3000), 0);
	assert_int_equal(openssl_pair_exchange(p->server, p->client, 5000), 0);
}

static void test_refusal_keeps_the_ssl_usable(void **state)
{
	struct ktls_conn *conn = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct openssl_pair p;
		int fd = not_tcp_socket();

		openssl_pair_open(&p, suites[i], 2, 1);
		assert_int_equal(ktls_openssl_handoff(p.server, fd, NULL, &conn), -ESOCKTNOSUPPORT);
		assert_int_equal(ktls_openssl_handoff(p.client, fd, NULL, &conn), -ESOCKTNOSUPPORT);
		assert_null(conn);
		expect_usable(&p);
		/* what OpenSSL sent and read meanwhile is counted: a second attempt passes the checks */
		assert_int_equal(ktls_openssl_handoff(p.client, fd, NULL, &conn), -ESOCKTNOSUPPORT);
		close(fd);
		openssl_pair_close(&p);
	}
}

static void test_unprepared_context(void **state)
{
	struct ktls_conn *conn = NULL;
	struct openssl_pair p;

	(void)state;
	openssl_pair_open(&p, 0x1301, 2, 0);
	assert_int_equal(ktls_openssl_handoff(p.server, -1, NULL, &conn), -ENODATA);
	assert_int_equal(ktls_openssl_handoff(p.client, -1, NULL, &conn), -ENODATA);
	assert_null(conn);
	expect_usable(&p);
	openssl_pair_close(&p);
}

/* A keylog callback set after the preparation replaces libktls's: the hand-off says so. */
static void keylog_after(const SSL *ssl, const char *line)
{
	(void)ssl; (void)line;
}

static void test_keylog_replaced_later(void **state)
{
	struct ktls_conn *conn = NULL;
	struct openssl_pair p;
	int fd = not_tcp_socket();

	(void)state;
	openssl_pair_open(&p, 0x1302, 0, 1);
	SSL_CTX_set_keylog_callback(p.cctx, keylog_after);
	openssl_pair_reconnect(&p);
	assert_int_equal(ktls_openssl_handoff(p.client, fd, NULL, &conn), -ENODATA);
	assert_int_equal(ktls_openssl_handoff(p.server, fd, NULL, &conn), -ESOCKTNOSUPPORT);
	/* prepared again, the next connection is fine, and the callback set last still sees lines */
	assert_int_equal(ktls_openssl_prepare(p.cctx), 0);
	close(fd);
	openssl_pair_close(&p);
}

static void test_data_held_by_openssl(void **state)
{
	struct ktls_conn *conn = NULL;
	struct openssl_pair p;
	uint8_t buf[100] = { 0 };
	int fd = not_tcp_socket();

	(void)state;
	openssl_pair_open(&p, 0x1301, 1, 1);
	assert_int_equal(tls_peer_write_all(p.server, buf, sizeof(buf)), 0);
	assert_int_equal(tls_peer_read_all(p.client, buf, 10), 0);
	assert_int_equal(SSL_pending(p.client), 90);
	assert_int_equal(ktls_openssl_handoff(p.client, fd, NULL, &conn), -ENOTEMPTY);
	assert_int_equal(tls_peer_read_all(p.client, buf, 90), 0);
	assert_int_equal(ktls_openssl_handoff(p.client, fd, NULL, &conn), -ESOCKTNOSUPPORT);
	close(fd);
	openssl_pair_close(&p);
}

/* Review item 5: a non-blocking SSL_write() that stopped short leaves the tail of a record in
 * OpenSSL, and a later SSL_read() clears SSL_want_write() but not the tail: handed off then, the
 * kernel's records would follow half a record. The hand-off refuses (-EAGAIN) until the write is
 * finished, and the connection is as it was. */
static void test_unsent_tail_held_by_openssl(void **state)
{
	static uint8_t big[1 << 16], sink[1 << 16];
	const uint16_t tail_suites[] = { 0x1301, 0xC02B };
	struct ktls_conn *conn = NULL;
	int small = 4096;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct openssl_pair p;
		int fd = not_tcp_socket(), n;
		size_t sent = 0, read = 0;
		openssl_pair_open(&p, tail_suites[i], 0, 1);
		assert_int_equal(setsockopt(p.cfd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
		assert_int_equal(fcntl(p.cfd, F_SETFL, O_NONBLOCK), 0);
		assert_int_equal(fcntl(p.sfd, F_SETFL, O_NONBLOCK), 0);
		while ((n = SSL_write(p.client, big, sizeof(big))) > 0)
			sent += (size_t)n;
		assert_int_equal(SSL_get_error(p.client, n), SSL_ERROR_WANT_WRITE);
		assert_true(SSL_read(p.client, sink, 10) <= 0);
		assert_false(SSL_want_write(p.client)); /* the old check saw nothing */
		assert_int_equal(ktls_openssl_handoff(p.client, fd, NULL, &conn), -EAGAIN);
		assert_null(conn);
		/* the server reads while the client finishes its write (same arguments, as OpenSSL asks) */
		for (int done = 0; !done || read < sent;) {
			if (!done && (n = SSL_write(p.client, big, sizeof(big))) > 0) {
				sent += (size_t)n;
				done = 1;
			}
			if ((n = SSL_read(p.server, sink, sizeof(sink))) > 0)
				read += (size_t)n;
		}
		assert_int_equal(read, sent);
		assert_int_equal(ktls_openssl_handoff(p.client, fd, NULL, &conn), -ESOCKTNOSUPPORT);
		assert_int_equal(fcntl(p.cfd, F_SETFL, 0), 0);
		assert_int_equal(fcntl(p.sfd, F_SETFL, 0), 0);
		expect_usable(&p);
		close(fd);
		openssl_pair_close(&p);
	}
}

/* With read-ahead OpenSSL takes records off the socket before they are asked for: they can
 * never reach the kernel, and the hand-off says so rather than lose them. */
static void test_read_ahead(void **state)
{
	struct ktls_conn *conn = NULL;
	struct openssl_pair p;
	uint8_t buf[150] = { 0 };
	int fd = not_tcp_socket();

	(void)state;
	openssl_pair_open(&p, 0xC02B, 0, 1);
	SSL_CTX_set_read_ahead(p.cctx, 1);
	openssl_pair_reconnect(&p);
	assert_int_equal(tls_peer_write_all(p.server, buf, 100), 0);
	assert_int_equal(tls_peer_write_all(p.server, buf, 50), 0);
	usleep(100000);
	assert_int_equal(tls_peer_read_all(p.client, buf, 100), 0); /* takes both records */
	assert_int_equal(SSL_pending(p.client), 0);
	assert_int_equal(ktls_openssl_handoff(p.client, fd, NULL, &conn), -EBADFD);
	assert_int_equal(tls_peer_read_all(p.client, buf, 50), 0); /* still there, in OpenSSL */
	close(fd);
	openssl_pair_close(&p);
}

static void test_arguments_and_state(void **state)
{
	struct ktls_conn *conn = NULL;
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl;

	(void)state;
	assert_non_null(ctx);
	assert_int_equal(ktls_openssl_prepare(NULL), -EFAULT);
	assert_int_equal(ktls_openssl_prepare(ctx), 0);
	assert_int_equal(ktls_openssl_prepare(ctx), 0); /* twice: its own keylog is not chained to itself */
	ssl = SSL_new(ctx);
	assert_int_equal(ktls_openssl_handoff(NULL, -1, NULL, &conn), -EFAULT);
	assert_int_equal(ktls_openssl_handoff(ssl, -1, NULL, NULL), -EFAULT);
	assert_int_equal(ktls_openssl_handoff(ssl, -1, NULL, &conn), -EINPROGRESS);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusal_keeps_the_ssl_usable),
		cmocka_unit_test(test_unprepared_context),
		cmocka_unit_test(test_keylog_replaced_later),
		cmocka_unit_test(test_data_held_by_openssl),
		cmocka_unit_test(test_unsent_tail_held_by_openssl),
		cmocka_unit_test(test_read_ahead),
		cmocka_unit_test(test_arguments_and_state),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
