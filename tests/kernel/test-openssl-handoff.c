/* SPDX-License-Identifier: MIT */
/* ktls_openssl_handoff() on a kTLS kernel: both ends of an OpenSSL connection handed over after
 * OpenSSL already moved records under the application keys — tickets, data both ways, and (TLS
 * 1.3) a KeyUpdate each way — so the sequence numbers and key generations must be counted, not
 * assumed. Data then flows both ways through the kernel, and the kernel's live sequence numbers
 * show where each direction started. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/kernel-suite.h"
#include "../common/openssl-pair.h"

static void conn_exchange(struct ktls_conn *from, struct ktls_conn *to, size_t len)
{
	uint8_t *out = malloc(len), *in = malloc(len);

	assert_non_null(out), assert_non_null(in);
	pattern_fill(len + 7, 0, out, len);
	for (size_t sent = 0; sent < len;) {
		ssize_t n = ktls_conn_write(from, out + sent, len - sent, 0);
		if (n <= 0)
			fail_msg("ktls_conn_write: %s", ktls_strerror((int)n));
		sent += (size_t)n;
		for (size_t got = 0; got < (size_t)n;) { /* read as we go: no buffer fills up */
			ssize_t m = ktls_conn_read(to, in + sent - (size_t)n + got, (size_t)n - got, 0);
			const uint8_t *body;
			size_t body_len;
			uint8_t type;
			if (m == -ENOMSG) {
				while (ktls_conn_next_message(to, &type, &body, &body_len) == 1)
					assert_int_equal(type, KTLS_HANDSHAKE_NEW_SESSION_TICKET);
				continue;
			}
			if (m <= 0)
				fail_msg("ktls_conn_read: %s", ktls_strerror((int)m));
			got += (size_t)m;
		}
	}
	assert_memory_equal(in, out, len);
	free(out);
	free(in);
}

static void expect_records(struct ktls_conn *c, uint64_t tx, uint64_t rx, uint32_t tx_gen, uint32_t rx_gen)
{
	struct ktls_key_usage u = { .sz = sizeof(u) };

	assert_int_equal(ktls_conn_key_usage(c, &u), 0);
	assert_int_equal(u.tx_records, tx);
	assert_int_equal(u.rx_records, rx);
	/* generations count KeyUpdates after the hand-off: earlier ones are in the secrets */
	assert_int_equal(u.tx_generation, tx_gen);
	assert_int_equal(u.rx_generation, rx_gen);
}

static void handoff_after_traffic(uint16_t suite, int key_updates)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };
	struct ktls_conn *client = NULL, *server = NULL;
	struct openssl_pair p;

	assert_int_equal(ktls_suite_info(suite, &si), 0);
	int tls13 = si.tls_version == KTLS_TLS_1_3;
	openssl_pair_open(&p, suite, 2, 1);
	/* in OpenSSL: the tickets and 1000 bytes to the client, 500 to the server */
	assert_int_equal(openssl_pair_exchange(p.server, p.client, 1000), 0);
	assert_int_equal(openssl_pair_exchange(p.client, p.server, 500), 0);
	if (tls13 && key_updates) {
		/* the client updates and asks the server to: both directions change keys in OpenSSL */
		assert_int_equal(SSL_key_update(p.client, SSL_KEY_UPDATE_REQUESTED), 1);
		assert_int_equal(openssl_pair_exchange(p.client, p.server, 10), 0);
		assert_int_equal(openssl_pair_exchange(p.server, p.client, 10), 0);
	}
	assert_int_equal(ktls_openssl_handoff(p.server, -1, NULL, &server), 0);
	assert_int_equal(ktls_openssl_handoff(p.client, -1, NULL, &client), 0);
	/* Records under the keys handed over: TLS 1.3 server TX: 2 tickets + 1 data (or after the
	 * update, 1 data); TLS 1.2 (no tickets sent after ChangeCipherSpec): Finished + 1 data. */
	uint64_t s_tx = tls13 ? (key_updates ? 1 : 3) : 2, s_rx = tls13 ? 1 : 2;
	if (tls13 && key_updates)
		s_rx = 1;
	expect_records(server, s_tx, s_rx, 0, 0);
	expect_records(client, s_rx, s_tx, 0, 0);
	conn_exchange(client, server, 300000);
	conn_exchange(server, client, 200000);
	if (tls13 && ktls_probe_rekey() == 1) { /* and on: the secrets are the current generation's */
		assert_int_equal(ktls_conn_update_keys(client, 1), 0);
		conn_exchange(client, server, 1000);
		conn_exchange(server, client, 1000);
	}
	ktls_conn_free(client);
	ktls_conn_free(server);
	openssl_pair_close(&p);
}

static void test_tls13_suites(void **state)
{
	(void)state;
	handoff_after_traffic(0x1301, 0);
	handoff_after_traffic(0x1302, 0);
	handoff_after_traffic(0x1303, 0);
}

static void test_tls13_after_key_updates_in_openssl(void **state)
{
	(void)state;
	handoff_after_traffic(0x1301, 1);
	handoff_after_traffic(0x1302, 1);
}

static void test_tls12_suites(void **state)
{
	(void)state;
	handoff_after_traffic(0xC02B, 0);
	handoff_after_traffic(0xC02C, 0);
	handoff_after_traffic(0xCCA9, 0);
}

/* Straight after the handshake, as a server usually does: the tickets still in the client's
 * socket are read by the kernel (RX 0), the server continues after them (TX 2). */
static void test_right_after_the_handshake(void **state)
{
	struct ktls_conn *client = NULL, *server = NULL;
	struct openssl_pair p;

	(void)state;
	openssl_pair_open(&p, 0x1301, 2, 1);
	assert_int_equal(ktls_openssl_handoff(p.server, -1, NULL, &server), 0);
	assert_int_equal(ktls_openssl_handoff(p.client, -1, NULL, &client), 0);
	expect_records(server, 2, 0, 0, 0);
	expect_records(client, 0, 0, 0, 0);
	conn_exchange(server, client, 100000);
	conn_exchange(client, server, 100000);
	/* the SSL is marked shut down: SSL_shutdown() writes nothing on the kernel's stream */
	assert_int_equal(SSL_shutdown(p.server), 1);
	conn_exchange(server, client, 1000);
	ktls_conn_free(client);
	ktls_conn_free(server);
	openssl_pair_close(&p);
}

/* Each end knows its role after the hand-off: the server refuses what only servers send (a
 * HelloRequest, a TLS 1.3 NewSessionTicket), the client a ClientHello, with unexpected_message. */
static void test_roles_known_after_handoff(void **state)
{
	static const uint8_t ticket_body[] = { 0, 0, 0, 1, 0, 0, 0, 2, 0 };
	static const struct {
		uint16_t suite;
		int to_server;
		uint8_t type;
	} cases[] = {
		{ 0xC02B, 1, KTLS_HANDSHAKE_HELLO_REQUEST },
		{ 0xC02B, 0, KTLS_HANDSHAKE_CLIENT_HELLO },
		{ 0x1301, 1, KTLS_HANDSHAKE_NEW_SESSION_TICKET },
	};
	uint8_t buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ktls_conn *client = NULL, *server = NULL;
		struct openssl_pair p;
		openssl_pair_open(&p, cases[i].suite, 0, 1);
		assert_int_equal(ktls_openssl_handoff(p.server, -1, NULL, &server), 0);
		assert_int_equal(ktls_openssl_handoff(p.client, -1, NULL, &client), 0);
		struct ktls_conn *to = cases[i].to_server ? server : client;
		int from_fd = cases[i].to_server ? p.cfd : p.sfd;
		size_t len = cases[i].type == KTLS_HANDSHAKE_NEW_SESSION_TICKET ? sizeof(ticket_body) : 0;
		assert_int_equal(ktls_send_handshake(from_fd, cases[i].type, ticket_body, len, 0), 0);
		assert_int_equal(ktls_conn_read(to, buf, sizeof(buf), 0), -EPROTO);
		usleep(100000);
		assert_int_equal(first_alert(from_fd, MSG_DONTWAIT, 0, NULL), KTLS_ALERT_UNEXPECTED_MESSAGE);
		ktls_conn_free(client);
		ktls_conn_free(server);
		openssl_pair_close(&p);
	}
}

/* OpenSSL's own kTLS (SSL_OP_ENABLE_KTLS) took the socket first: refused, nothing touched. */
static void test_openssl_ktls_first(void **state)
{
	struct ktls_conn *conn = NULL;
	struct openssl_pair p;

	(void)state;
	openssl_pair_open(&p, 0x1301, 0, 1);
	SSL_CTX_set_options(p.cctx, SSL_OP_ENABLE_KTLS);
	openssl_pair_reconnect(&p);
	if (!BIO_get_ktls_send(SSL_get_wbio(p.client))) {
		print_message("this OpenSSL did not use its kTLS (built without it): nothing to refuse\n");
	} else {
		assert_int_equal(ktls_openssl_handoff(p.client, -1, NULL, &conn), -EALREADY);
		assert_null(conn);
		assert_int_equal(openssl_pair_exchange(p.client, p.server, 1000), 0);
	}
	openssl_pair_close(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_right_after_the_handshake),
		cmocka_unit_test(test_tls13_suites),
		cmocka_unit_test(test_tls13_after_key_updates_in_openssl),
		cmocka_unit_test(test_tls12_suites),
		cmocka_unit_test(test_openssl_ktls_first),
		cmocka_unit_test(test_roles_known_after_handoff),
	};
	require_ktls_kernel();
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
