/* SPDX-License-Identifier: MIT */
/* What newer kernels offer, as libktls uses it: zero-copy receive (TLS_RX_EXPECT_NO_PAD) on by
 * default in a connection, against a userspace OpenSSL peer that pads its records and sends a
 * ticket; the peer's record_size_limit through TLS_TX_MAX_PAYLOAD_LEN (6.19), with the records'
 * sizes read off the wire and decrypted by OpenSSL; the refusal on kernels without it; and TOE's
 * absence from 7.2 on. */
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/bio.h>

#include <ktls.h>

#include "../common/kernel-suite.h"
#include "../common/tls-peer.h"

#ifndef TLS_TX_MAX_PAYLOAD_LEN
#define TLS_TX_MAX_PAYLOAD_LEN 5
#endif

#define VOLUME (256u << 10)

/* A libssl handshake; our end (the client) gets its keys, the server stays in userspace. */
struct session {
	SSL_CTX *cctx, *sctx;
	SSL *client, *server;
	int cfd, sfd;
	struct tls_side_keys keys;
};

static void session_open(struct session *s, uint16_t suite)
{
	memset(s, 0, sizeof(*s));
	s->cctx = tls_peer_ctx(0, suite);
	s->sctx = tls_peer_ctx(1, suite);
	assert_non_null(s->cctx);
	assert_non_null(s->sctx);
	assert_int_equal(tcp_pair(&s->cfd, &s->sfd, 0), 0);
	assert_int_equal(tls_peer_handshake(s->cctx, s->sctx, s->cfd, s->sfd, &s->client, &s->server), 0);
	assert_int_equal(tls_peer_keys(s->client, suite, &s->keys), 0);
	tls_peer_free(s->client);
	s->client = NULL;
}

static void session_close(struct session *s)
{
	OPENSSL_cleanse(&s->keys, sizeof(s->keys));
	tls_peer_free(s->server);
	SSL_CTX_free(s->cctx);
	SSL_CTX_free(s->sctx);
	close(s->cfd);
	close(s->sfd);
}

static int no_pad_option(int fd)
{
	uint32_t v = 7;
	socklen_t len = sizeof(v);

	assert_int_equal(getsockopt(fd, SOL_TLS, TLS_RX_EXPECT_NO_PAD, &v, &len), 0);
	return (int)v;
}

struct padded_sender {
	SSL *ssl;
	size_t pad; /* 0: no padding */
	int ok;
};

/* The peer pads every record to a multiple of p->pad bytes and sends a ticket halfway. */
static void *send_padded(void *arg)
{
	struct padded_sender *p = arg;
	uint8_t *buf = malloc(VOLUME);

	p->ok = buf && SSL_set_block_padding(p->ssl, p->pad) == 1;
	if (p->ok) {
		pattern_fill(77, 0, buf, VOLUME);
		p->ok = tls_peer_write_all(p->ssl, buf, VOLUME / 2) == 0 && SSL_new_session_ticket(p->ssl) == 1 &&
			tls_peer_write_all(p->ssl, buf + VOLUME / 2, VOLUME / 2) == 0;
	}
	free(buf);
	return NULL;
}

/* Read VOLUME bytes through the connection, taking the ticket on the way. With scatter, each read
 * is a ktls_conn_readv() into two buffers (and an empty one) that split the rest of buf where a
 * record seldom ends: data out of order or a gap between the buffers fails the pattern. */
static void read_through(struct ktls_conn *c, int scatter)
{
	uint8_t *buf = malloc(VOLUME);
	size_t got = 0;
	int tickets = 0;

	assert_non_null(buf);
	while (got < VOLUME) {
		size_t first = 1000 + got % 17000 < VOLUME - got ? 1000 + got % 17000 : VOLUME - got;
		struct iovec v[3] = { { buf + got, first }, { NULL, 0 }, { buf + got + first, VOLUME - got - first } };
		ssize_t n = scatter ? ktls_conn_readv(c, v, 3, 0) : ktls_conn_read(c, buf + got, VOLUME - got, 0);
		if (n == -ENOMSG) {
			uint8_t type;
			const uint8_t *body;
			size_t len;
			while (ktls_conn_next_message(c, &type, &body, &len) == 1) {
				assert_int_equal(type, KTLS_HANDSHAKE_NEW_SESSION_TICKET);
				tickets++;
			}
			continue;
		}
		if (n <= 0)
			fail_msg("ktls_conn_read%s: %s", scatter ? "v" : "", ktls_strerror((int)n));
		got += (size_t)n;
	}
	assert_int_equal(pattern_check(77, 0, buf, VOLUME), VOLUME);
	assert_int_equal(tickets, 1);
	free(buf);
}

static void padded_peer(uint32_t flags, int expect_no_pad, size_t pad, int scatter)
{
	const struct ktls_conn_opts o = { .sz = sizeof(o), .flags = flags };
	struct ktls_socket_info info = { .sz = sizeof(info) };
	struct session s;
	struct ktls_conn *c;
	pthread_t t;

	session_open(&s, 0x1301);
	assert_int_equal(ktls_conn_open(s.cfd, 0x1301, &s.keys.tx, s.keys.tx_seq, &s.keys.rx, s.keys.rx_seq, &o, &c),
			 0);
	assert_int_equal(no_pad_option(s.cfd), expect_no_pad);
	assert_int_equal(ktls_socket_info(s.cfd, &info), 0);
	if (info.source == KTLS_SOCKET_SOURCE_SOCK_DIAG)
		assert_int_equal(info.rx_no_pad, expect_no_pad);

	long long retries = tls_stat("TlsDecryptRetry");
	struct padded_sender p = { .ssl = s.server, .pad = pad };
	assert_int_equal(pthread_create(&t, NULL, send_padded, &p), 0);
	read_through(c, scatter);
	pthread_join(t, NULL);
	assert_true(p.ok);
	long long again = tls_stat("TlsDecryptRetry") - retries;
	if (expect_no_pad && pad) /* zero-copy receive met padded records: decrypted again, correctly */
		assert_true(again > 0);
	else if (expect_no_pad) /* no data record decrypted twice; the ticket, a control record, may be */
		assert_true(again <= 1);
	else
		assert_int_equal(again, 0);
	ktls_conn_free(c);
	session_close(&s);
}

static void test_zero_copy_receive_is_the_default(void **state)
{
	(void)state;
	assert_int_equal(tls_peer_init(), 0);
	padded_peer(0, 1, 512, 0);
	padded_peer(KTLS_CONN_PEER_PADS, 0, 512, 0);
}

/* ktls_conn_readv() on a real socket: records split between buffers, zero-copy receive on (the
 * peer does not pad: no record is decrypted twice) and off (a padding peer), a ticket halfway. */
static void test_readv_scatters_records(void **state)
{
	(void)state;
	assert_int_equal(tls_peer_init(), 0);
	padded_peer(0, 1, 0, 1);
	padded_peer(KTLS_CONN_PEER_PADS, 0, 512, 1);
}

static void test_set_rx_expect_no_pad(void **state)
{
	static const uint8_t secret[32];
	const struct ktls_secrets s13 = { .secret = secret, .secret_len = 32 };
	struct ktls_suite_info si = { .sz = sizeof(si) };
	int c, p;

	(void)state;
	assert_int_equal(ktls_suite_info(0xC02F, &si), 0);
	const struct ktls_secrets s12 = { .key = secret, .key_len = si.key_len, .iv = secret, .iv_len = si.iv_len };
	assert_int_equal(tcp_pair(&c, &p, 0), 0);
	assert_int_equal(ktls_set_rx_expect_no_pad(c, 1), -ENOKEY); /* no ULP */
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x1301, &s13, 0), 0);
	assert_int_equal(ktls_set_rx_expect_no_pad(c, 1), -ENOKEY); /* no RX keys */
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0x1301, &s13, 0), 0);
	assert_int_equal(ktls_set_rx_expect_no_pad(c, 1), 0);
	assert_int_equal(no_pad_option(c), 1);
	assert_int_equal(ktls_set_rx_expect_no_pad(c, 0), 0);
	assert_int_equal(no_pad_option(c), 0);
	close(c);
	close(p);

	assert_int_equal(tcp_pair(&c, &p, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0xC02F, &s12, 0), 0);
	assert_int_equal(ktls_set_rx_expect_no_pad(c, 1), -EOPNOTSUPP); /* TLS 1.2 */
	close(c);
	close(p);
	assert_int_equal(ktls_set_rx_expect_no_pad(-1, 1), -EBADF);
}

/* The ktls tool's output for args. */
static void run_tool(const char *args, char *out, size_t size)
{
	const char *tool = getenv("KTLS_TOOL");
	char cmd[512];

	assert_non_null(tool);
	snprintf(cmd, sizeof(cmd), "%s %s", tool, args);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, size - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
}

struct raw_writer {
	int fd;
	int ok;
};

static void *write_volume(void *arg)
{
	struct raw_writer *w = arg;
	uint8_t *buf = malloc(VOLUME);

	if (buf) {
		pattern_fill(99, 0, buf, VOLUME);
		w->ok = write_all(w->fd, buf, VOLUME) == 0;
	}
	free(buf);
	return NULL;
}

/* Read the records our end sent off the wire until they carry VOLUME bytes of plaintext; check
 * none is longer than max_record; give them to the userspace peer, which must decrypt them all.
 * Returns the longest record seen. */
static size_t records_off_the_wire(struct session *s, size_t overhead, size_t max_record)
{
	uint8_t *wire = malloc(2 * VOLUME), *plain = malloc(VOLUME);
	size_t have = 0, parsed = 0, carried = 0, longest = 0;

	assert_non_null(wire);
	assert_non_null(plain);
	while (carried < VOLUME) {
		ssize_t n = read(s->sfd, wire + have, 2 * VOLUME - have);
		assert_true(n > 0);
		have += (size_t)n;
		while (have - parsed >= 5) {
			size_t len = (size_t)wire[parsed + 3] << 8 | wire[parsed + 4];
			if (have - parsed < 5 + len)
				break;
			assert_int_equal(wire[parsed], KTLS_RECORD_APPLICATION_DATA); /* outer type */
			if (len > max_record)
				fail_msg("a record of %zu bytes: the limit is %zu", len, max_record);
			longest = len > longest ? len : longest;
			carried += len - overhead;
			parsed += 5 + len;
		}
	}
	assert_int_equal(carried, VOLUME);
	assert_int_equal(parsed, have);

	BIO *mem = BIO_new_mem_buf(wire, (int)have);
	assert_non_null(mem);
	SSL_set0_rbio(s->server, mem);
	assert_int_equal(tls_peer_read_all(s->server, plain, VOLUME), 0);
	assert_int_equal(pattern_check(99, 0, plain, VOLUME), VOLUME);
	free(wire);
	free(plain);
	return longest;
}

/* The peer announced record_size_limit `limit`: our kernel sends records it accepts. */
static void sized_records(uint16_t suite, uint32_t limit, uint16_t expect_payload, size_t overhead)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };
	struct ktls_socket_info info = { .sz = sizeof(info) };
	struct session s;
	pthread_t t;

	assert_int_equal(ktls_suite_info(suite, &si), 0);
	session_open(&s, suite);
	assert_int_equal(ktls_install(s.cfd, KTLS_DIR_TX, suite, &s.keys.tx, s.keys.tx_seq), 0);
	assert_int_equal(ktls_socket_info(s.cfd, &info), 0);
	assert_int_equal(info.tx_max_payload_len, KTLS_RECORD_MAX); /* the kernel's default */
	assert_int_equal(ktls_set_record_size_limit(s.cfd, si.tls_version, limit), 0);
	assert_int_equal(ktls_socket_info(s.cfd, &info), 0);
	assert_int_equal(info.tx_max_payload_len, expect_payload);
	char out[8192], want[64];
	run_tool("--json sockets", out, sizeof(out));
	snprintf(want, sizeof(want), "\"tx_max_payload_len\":%u}", expect_payload);
	assert_non_null(strstr(out, want));

	struct raw_writer w = { .fd = s.cfd };
	assert_int_equal(pthread_create(&t, NULL, write_volume, &w), 0);
	size_t longest = records_off_the_wire(&s, overhead, expect_payload + overhead);
	pthread_join(t, NULL);
	assert_true(w.ok);
	/* full records carry exactly the limit: the TLS 1.3 content-type byte counted in it */
	assert_int_equal(longest, expect_payload + overhead);
	print_message("record_size_limit %u (TLS %s): records of at most %zu bytes on the wire\n", limit,
		      si.tls_version == KTLS_TLS_1_3 ? "1.3" : "1.2", longest);
	session_close(&s);
}

static void test_record_size_limit(void **state)
{
	struct ktls_kernel_caps caps = { .sz = sizeof(caps) };
	int c, p;

	(void)state;
	assert_int_equal(tls_peer_init(), 0);
	assert_int_equal(ktls_probe_kernel(&caps), 0);
	/* the capability appeared in 6.19: the probe must agree with the release */
	assert_int_equal(caps.tx_max_payload_len, kernel_version() >= 6019);
	assert_int_equal(ktls_set_record_size_limit(0, KTLS_TLS_1_3, 63), -EINVAL);
	assert_int_equal(ktls_set_record_size_limit(0, 0x0301, 512), -EINVAL);

	assert_int_equal(tcp_pair(&c, &p, 0), 0);
	assert_int_equal(ktls_set_record_size_limit(c, KTLS_TLS_1_3, 512), -ENOKEY); /* no ULP */
	if (!caps.tx_max_payload_len) {
		static const uint8_t secret[32];
		const struct ktls_secrets s13 = { .secret = secret, .secret_len = 32 };
		struct ktls_socket_info info = { .sz = sizeof(info) };
		assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x1301, &s13, 0), 0);
		assert_int_equal(ktls_set_record_size_limit(c, KTLS_TLS_1_3, 512), -EOPNOTSUPP);
		assert_non_null(strstr(ktls_strerror(-EOPNOTSUPP), "6.19"));
		assert_int_equal(ktls_socket_info(c, &info), 0);
		assert_int_equal(info.tx_max_payload_len, 0);
		print_message("kernel without TLS_TX_MAX_PAYLOAD_LEN: -EOPNOTSUPP\n");
		close(c);
		close(p);
		return;
	}
	close(c);
	close(p);
	/* TLS 1.3: 5-byte header excluded, content type and 16-byte tag per record */
	sized_records(0x1301, 512, 511, 17);
	sized_records(0x1301, 64, 63, 17);        /* RFC 8449's smallest */
	sized_records(0x1303, 16385, 16384, 17);  /* the protocol's largest: the kernel's default */
	sized_records(0x1301, 100000, 16384, 17); /* more than the protocol allows */
	/* TLS 1.2 AES-GCM: explicit nonce and tag */
	sized_records(0xC02B, 1000, 1000, 24);
}

static void test_toe_is_reported_by_what_the_kernel_has(void **state)
{
	struct ktls_kernel_caps caps = { .sz = sizeof(caps) };
	struct ktls_netdev_info lo = { .sz = sizeof(lo) };

	(void)state;
	assert_int_equal(ktls_probe_kernel(&caps), 0);
	assert_int_equal(ktls_netdev_info("lo", &lo), 0);
	/* TOE and its tls-hw-record feature bit left the kernel in 7.2 */
	assert_int_equal(caps.hw_record, kernel_version() < 7002);
	assert_int_equal(!!(lo.tls_record & KTLS_FEATURE_KNOWN), caps.hw_record);
	assert_true(lo.tls_tx & KTLS_FEATURE_KNOWN);
	char out[8192];
	run_tool("probe", out, sizeof(out));
	assert_non_null(strstr(out, caps.hw_record ? "NIC record offload (TOE)  in this kernel"
						   : "NIC record offload (TOE)  not in this kernel"));
	run_tool("netdev lo", out, sizeof(out));
	assert_non_null(strstr(out, caps.hw_record ? "tls-hw-record        not offered by the device"
						   : "tls-hw-record        not in this kernel"));
	print_message("TOE (tls-hw-record): %s\n", caps.hw_record ? "in this kernel" : "not in this kernel");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zero_copy_receive_is_the_default),
		cmocka_unit_test(test_readv_scatters_records),
		cmocka_unit_test(test_set_rx_expect_no_pad),
		cmocka_unit_test(test_record_size_limit),
		cmocka_unit_test(test_toe_is_reported_by_what_the_kernel_has),
	};
	require_ktls_kernel();
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
