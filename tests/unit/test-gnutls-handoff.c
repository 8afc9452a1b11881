/* SPDX-License-Identifier: MIT */
/* ktls_gnutls_handoff() where it must refuse, on any kernel: a GnuTLS client against an OpenSSL
 * server in this process. Every refusal leaves the session usable, a keylog function set before
 * the preparation still sees every line, and data GnuTLS holds is reported. The hand-offs that
 * succeed are tested in the kernel suite (examples/gnutls against the file server). */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktls-gnutls.h>

#include "../common/net.h"
#include "../common/tls-peer.h"

struct pair {
	SSL_CTX *sctx;
	SSL *server;
	gnutls_session_t client;
	gnutls_certificate_credentials_t creds;
	int cfd, sfd;
};

static int app_keylog_lines;

static int app_keylog(gnutls_session_t session, const char *label, const gnutls_datum_t *secret)
{
	(void)session; (void)label; (void)secret;
	app_keylog_lines++;
	return 0;
}

static void *accept_thread(void *arg)
{
	struct pair *p = arg;

	return SSL_accept(p->server) == 1 ? p : NULL;
}

/* suite: the server's only suite; prepare: ktls_gnutls_prepare() before the handshake. */
static void pair_open(struct pair *p, uint16_t suite, int prepare, int own_keylog)
{
	pthread_t t;
	void *ok;
	int r;

	memset(p, 0, sizeof(*p));
	assert_non_null(p->sctx = tls_peer_ctx(1, suite));
	assert_int_equal(tcp_pair(&p->cfd, &p->sfd, 0), 0);
	assert_non_null(p->server = SSL_new(p->sctx));
	assert_int_equal(SSL_set_fd(p->server, p->sfd), 1);
	assert_int_equal(gnutls_certificate_allocate_credentials(&p->creds), 0);
	assert_int_equal(gnutls_init(&p->client, GNUTLS_CLIENT), 0);
	assert_int_equal(gnutls_set_default_priority(p->client), 0);
	assert_int_equal(gnutls_credentials_set(p->client, GNUTLS_CRD_CERTIFICATE, p->creds), 0);
	gnutls_transport_set_int(p->client, p->cfd);
	if (own_keylog)
		gnutls_session_set_keylog_function(p->client, app_keylog);
	if (prepare)
		assert_int_equal(ktls_gnutls_prepare(p->client), 0);
	assert_int_equal(pthread_create(&t, NULL, accept_thread, p), 0);
	do
		r = gnutls_handshake(p->client);
	while (r < 0 && !gnutls_error_is_fatal(r));
	assert_int_equal(r, 0);
	assert_int_equal(pthread_join(t, &ok), 0);
	assert_non_null(ok);
}

static void pair_close(struct pair *p)
{
	ktls_gnutls_discard(p->client);
	gnutls_deinit(p->client);
	gnutls_certificate_free_credentials(p->creds);
	SSL_free(p->server);
	SSL_CTX_free(p->sctx);
	close(p->cfd);
	close(p->sfd);
}

static void expect_usable(struct pair *p)
{
	char buf[16];

	assert_int_equal(gnutls_record_send(p->client, "ping", 4), 4);
	assert_int_equal(tls_peer_read_all(p->server, buf, 4), 0);
	assert_memory_equal(buf, "ping", 4);
	assert_int_equal(tls_peer_write_all(p->server, "pong", 4), 0);
	assert_int_equal(gnutls_record_recv(p->client, buf, sizeof(buf)), 4);
	assert_memory_equal(buf, "pong", 4);
}

static void test_refusal_keeps_the_session_usable(void **state)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0xC02B, 0xC02C, 0xCCA9 };
	struct ktls_conn *conn = NULL;

	(void)state;
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct pair p;
		int fd = not_tcp_socket();

		pair_open(&p, suites[i], 1, 0);
		assert_int_equal(ktls_gnutls_handoff(p.client, fd, NULL, &conn), -ESOCKTNOSUPPORT);
		assert_null(conn);
		expect_usable(&p);
		/* after records moved in GnuTLS, its own sequence numbers still pass every check */
		assert_int_equal(ktls_gnutls_handoff(p.client, fd, NULL, &conn), -ESOCKTNOSUPPORT);
		close(fd);
		pair_close(&p);
	}
}

static void test_unprepared_tls13(void **state)
{
	struct ktls_conn *conn = NULL;
	struct pair p;
	int fd = not_tcp_socket();

	(void)state;
	pair_open(&p, 0x1301, 0, 0);
	assert_int_equal(ktls_gnutls_handoff(p.client, fd, NULL, &conn), -ENODATA);
	expect_usable(&p);
	pair_close(&p);
	/* TLS 1.2 needs no secrets: GnuTLS's keys are enough */
	pair_open(&p, 0xC02B, 0, 0);
	assert_int_equal(ktls_gnutls_handoff(p.client, fd, NULL, &conn), -ESOCKTNOSUPPORT);
	pair_close(&p);
	close(fd);
}

static void test_keylog_chained(void **state)
{
	struct ktls_conn *conn = NULL;
	struct pair p;
	int fd = not_tcp_socket();

	(void)state;
	app_keylog_lines = 0;
	pair_open(&p, 0x1302, 1, 1);
	assert_true(app_keylog_lines >= 4); /* handshake and traffic secrets of both sides */
	assert_int_equal(ktls_gnutls_handoff(p.client, fd, NULL, &conn), -ESOCKTNOSUPPORT);
	/* discarded, the secrets are gone */
	ktls_gnutls_discard(p.client);
	assert_int_equal(ktls_gnutls_handoff(p.client, fd, NULL, &conn), -ENODATA);
	close(fd);
	pair_close(&p);
}

static void test_data_held_by_gnutls(void **state)
{
	struct ktls_conn *conn = NULL;
	struct pair p;
	char buf[100] = { 0 };
	int fd = not_tcp_socket();

	(void)state;
	pair_open(&p, 0x1301, 1, 0);
	assert_int_equal(tls_peer_write_all(p.server, buf, sizeof(buf)), 0);
	assert_int_equal(gnutls_record_recv(p.client, buf, 10), 10);
	assert_int_equal(ktls_gnutls_handoff(p.client, fd, NULL, &conn), -ENOTEMPTY);
	assert_int_equal(gnutls_record_recv(p.client, buf, 90), 90);
	assert_int_equal(ktls_gnutls_handoff(p.client, fd, NULL, &conn), -ESOCKTNOSUPPORT);
	close(fd);
	pair_close(&p);
}

static void test_arguments(void **state)
{
	struct ktls_conn *conn = NULL;

	(void)state;
	assert_int_equal(ktls_gnutls_prepare(NULL), -EFAULT);
	assert_int_equal(ktls_gnutls_handoff(NULL, -1, NULL, &conn), -EFAULT);
	ktls_gnutls_discard(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_refusal_keeps_the_session_usable),
		cmocka_unit_test(test_unprepared_tls13),
		cmocka_unit_test(test_keylog_chained),
		cmocka_unit_test(test_data_held_by_gnutls),
		cmocka_unit_test(test_arguments),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
