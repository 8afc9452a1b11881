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
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <linux/sockios.h>
#include <sys/ioctl.h>
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
	assert_non_null(p->server = tls_peer_new(p->sctx, p->sfd));
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
	tls_peer_free(p->server);
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

/* Where the kernel has kTLS (in the test VMs): the hand-off tells libktls that this end is the
 * client, which GnuTLS does not say (found from the keys). The OpenSSL server's end gets its own
 * keys in the kernel, to send what only a server sends: a TLS 1.3 ticket is taken (a server would
 * refuse it); in TLS 1.2 a HelloRequest is answered with no_renegotiation and a ClientHello is
 * refused with unexpected_message. */
static void test_client_role_after_handoff(void **state)
{
	static const uint8_t ticket_body[] = { 0, 0, 0, 1, 0, 0, 0, 2, 0 };
	const uint16_t suites[] = { 0x1301, 0xC02B, 0xCCA9 };
	uint8_t buf[KTLS_RECORD_MAX], type;
	const uint8_t *body;
	size_t len;

	(void)state;
	if (!kernel_has_ktls())
		skip();
	for (size_t i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		struct tls_side_keys sk;
		struct ktls_conn *conn = NULL;
		struct pair p;
		pair_open(&p, suites[i], 1, 0);
		assert_int_equal(tls_peer_keys(p.server, suites[i], &sk), 0);
		assert_int_equal(ktls_install(p.sfd, KTLS_DIR_TX, suites[i], &sk.tx, sk.tx_seq), 0);
		assert_int_equal(ktls_install(p.sfd, KTLS_DIR_RX, suites[i], &sk.rx, sk.rx_seq), 0);
		OPENSSL_cleanse(&sk, sizeof(sk));
		assert_int_equal(ktls_gnutls_handoff(p.client, -1, NULL, &conn), 0);
		if (suites[i] == 0x1301) {
			assert_int_equal(ktls_send_handshake(p.sfd, KTLS_HANDSHAKE_NEW_SESSION_TICKET, ticket_body,
							     sizeof(ticket_body), 0), 0);
			assert_int_equal(ktls_conn_read(conn, buf, sizeof(buf), 0), -ENOMSG);
			assert_int_equal(ktls_conn_next_message(conn, &type, &body, &len), 1);
			assert_int_equal(type, KTLS_HANDSHAKE_NEW_SESSION_TICKET);
		} else {
			assert_int_equal(ktls_send_handshake(p.sfd, KTLS_HANDSHAKE_HELLO_REQUEST, NULL, 0, 0), 0);
			assert_int_equal(ktls_send_record(p.sfd, KTLS_RECORD_APPLICATION_DATA, "on", 2, 0), 2);
			assert_int_equal(ktls_conn_read(conn, buf, sizeof(buf), 0), 2);
			assert_int_equal(ktls_recv_record(p.sfd, buf, sizeof(buf), &type, 0), 2);
			assert_int_equal(type, KTLS_RECORD_ALERT);
			assert_int_equal(buf[1], KTLS_ALERT_NO_RENEGOTIATION);
			assert_int_equal(ktls_send_handshake(p.sfd, KTLS_HANDSHAKE_CLIENT_HELLO, NULL, 0, 0), 0);
			assert_int_equal(ktls_conn_read(conn, buf, sizeof(buf), 0), -EPROTO);
			assert_int_equal(ktls_recv_record(p.sfd, buf, sizeof(buf), &type, 0), 2);
			assert_int_equal(type, KTLS_RECORD_ALERT);
			assert_int_equal(buf[1], KTLS_ALERT_UNEXPECTED_MESSAGE);
		}
		ktls_conn_free(conn);
		pair_close(&p);
	}
}

/* Review item 5: a non-blocking gnutls_record_send() that stopped short leaves the tail of a
 * record in GnuTLS, and a later gnutls_record_recv() clears gnutls_record_get_direction() but
 * not the tail. The hand-off refuses (-EAGAIN) until the send is finished, with nothing sent,
 * and the session is as it was. */
static void test_unsent_tail_held_by_gnutls(void **state)
{
	static uint8_t big[16384], sink[1 << 16];
	const uint16_t tail_suites[] = { 0x1301, 0xC02B };
	struct ktls_conn *conn = NULL;
	int small = 4096;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		struct pair p;
		int fd = not_tcp_socket(), queued;
		ssize_t n;
		size_t sent = 0, read = 0;
		pair_open(&p, tail_suites[i], 1, 0);
		assert_int_equal(setsockopt(p.cfd, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
		assert_int_equal(fcntl(p.cfd, F_SETFL, O_NONBLOCK), 0);
		assert_int_equal(fcntl(p.sfd, F_SETFL, O_NONBLOCK), 0);
		while ((n = gnutls_record_send(p.client, big, sizeof(big))) > 0)
			sent += (size_t)n;
		assert_int_equal(n, GNUTLS_E_AGAIN);
		assert_int_equal(gnutls_record_recv(p.client, sink, 10), GNUTLS_E_AGAIN);
		assert_int_equal(gnutls_record_get_direction(p.client), 0); /* the old check saw nothing */
		assert_int_equal(ioctl(p.cfd, SIOCOUTQ, &queued), 0);
		assert_int_equal(ktls_gnutls_handoff(p.client, fd, NULL, &conn), -EAGAIN);
		assert_null(conn);
		int after;
		assert_int_equal(ioctl(p.cfd, SIOCOUTQ, &after), 0);
		assert_int_equal(after, queued); /* the check sent nothing */
		for (int done = 0; !done || read < sent;) {
			if (!done && (n = gnutls_record_send(p.client, big, sizeof(big))) > 0) {
				sent += (size_t)n;
				done = 1;
			}
			int r = SSL_read(p.server, sink, sizeof(sink));
			if (r > 0)
				read += (size_t)r;
		}
		assert_int_equal(read, sent);
		assert_int_equal(ktls_gnutls_handoff(p.client, fd, NULL, &conn), -ESOCKTNOSUPPORT);
		assert_int_equal(fcntl(p.cfd, F_SETFL, 0), 0);
		assert_int_equal(fcntl(p.sfd, F_SETFL, 0), 0);
		expect_usable(&p);
		close(fd);
		pair_close(&p);
	}
}

/* An application's own transport: a pointer, with its push and pull functions. */
struct app_transport {
	int fd;
};

static ssize_t app_push(gnutls_transport_ptr_t ptr, const void *data, size_t len)
{
	return send(((struct app_transport *)ptr)->fd, data, len, MSG_NOSIGNAL);
}

static ssize_t app_pull(gnutls_transport_ptr_t ptr, void *data, size_t len)
{
	return recv(((struct app_transport *)ptr)->fd, data, len, 0);
}

/* The check for an unsent tail swaps the session's transport for a moment: a pointer transport
 * must come back exactly as it was (restored through ints, it was cut to 32 bits). */
static void test_pointer_transport_kept(void **state)
{
	struct ktls_conn *conn = NULL;
	struct pair p;
	int fd = not_tcp_socket();

	(void)state;
	pair_open(&p, 0x1301, 1, 0);
	struct app_transport *t = malloc(sizeof(*t));
	assert_non_null(t);
	t->fd = p.cfd;
	gnutls_transport_set_ptr(p.client, t);
	gnutls_transport_set_push_function(p.client, app_push);
	gnutls_transport_set_pull_function(p.client, app_pull);
	assert_int_equal(ktls_gnutls_handoff(p.client, fd, NULL, &conn), -ESOCKTNOSUPPORT);
	assert_ptr_equal(gnutls_transport_get_ptr(p.client), t);
	expect_usable(&p);
	close(fd);
	pair_close(&p);
	free(t);
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
		cmocka_unit_test(test_unsent_tail_held_by_gnutls),
		cmocka_unit_test(test_pointer_transport_kept),
		cmocka_unit_test(test_client_role_after_handoff),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
