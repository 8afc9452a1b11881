/* SPDX-License-Identifier: MIT */
/* TLS 1.3 KeyUpdate on the real kernel against an OpenSSL peer. Where the kernel cannot rekey
 * (before 6.14, e.g. Debian's 6.12 and 6.1): the peer's SSL_key_update, in both request modes, is
 * reported as -EKEYEXPIRED at once, and our own update is refused with -EBUSY while data keeps
 * flowing. Where it can: several generations both ways with 1 MiB verified per generation, for each
 * TLS 1.3 cipher the kernel has, against OpenSSL and between two libktls peers. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
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

static void expect_generations(struct ktls_conn *c, uint32_t tx, uint32_t rx)
{
	struct ktls_key_usage u = { .sz = sizeof(u) };

	assert_int_equal(ktls_conn_key_usage(c, &u), 0);
	assert_int_equal(u.tx_generation, tx);
	assert_int_equal(u.rx_generation, rx);
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
	expect_generations(c, requested ? 1 : 0, 1);
	conn_send(&h, &out, 1000);
	ktls_conn_free(c);
	assert_int_equal(handoff_close(&h), 0);
}

/* TLS 1.2: OpenSSL's server asks for a renegotiation (SSL_renegotiate: a HelloRequest) amid data.
 * The connection answers no_renegotiation (a warning) and reads on; OpenSSL, which asked,
 * chooses to end the connection on that answer with a fatal handshake_failure. */
static void test_tls12_hello_request_refused(void **state)
{
	static const struct step script[] = {
		{ SEND_DATA, 100000 }, { RENEGOTIATE, 0 }, { SEND_DATA, 50000 }, { EXPECT_FAILURE, 0 }, END,
	};
	struct handoff h;
	struct ktls_conn *c;
	struct ktls_alert a;
	uint64_t in = 0;
	uint8_t buf[64];

	(void)state;
	c = open_conn(&h, 0xC02B);
	handoff_start(&h, script);
	conn_expect(c, &h, &in, 150000); /* the data on both sides of the HelloRequest */
	assert_int_equal(ktls_conn_read(c, buf, sizeof(buf), 0), -ECONNABORTED);
	assert_int_equal(ktls_reader_alert(ktls_conn_reader(c), &a), 1);
	assert_int_equal(a.level, KTLS_ALERT_LEVEL_FATAL);
	assert_int_equal(a.description, KTLS_ALERT_HANDSHAKE_FAILURE);
	assert_int_equal(handoff_close(&h), 0); /* its read failed on our no_renegotiation */
	assert_non_null(strstr(h.job.why, "no renegotiation"));
	ktls_conn_free(c);
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

/* A process at its descriptor limit: no descriptor can be opened, and a KeyUpdate needs none.
 * The peer's update (requested) is followed and answered, and our own goes out, with no error
 * where the kernel can rekey; where it cannot, the refusal is the rekey one, never -EMFILE. */
static void test_key_update_at_descriptor_limit(void **state)
{
	static const struct step script[] = {
		{ SEND_DATA, 1000 }, { KEY_UPDATE, 1 }, { SEND_DATA, 1000 }, { EXPECT_DATA, 1000 },
		{ EXPECT_DATA, 1000 }, END,
	};
	struct handoff h;
	uint64_t in = 0, out = 0;
	uint8_t buf[64];
	struct rlimit saved, rl;

	(void)state;
	struct ktls_conn *c = open_conn(&h, 0x1301);
	handoff_start(&h, script);
	conn_expect(c, &h, &in, 1000);
	assert_int_equal(getrlimit(RLIMIT_NOFILE, &saved), 0);
	int lowest_free = dup(0);
	assert_true(lowest_free >= 0);
	close(lowest_free);
	rl = saved;
	rl.rlim_cur = (rlim_t)lowest_free;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &rl), 0);
	assert_int_equal(dup(0), -1);
	assert_int_equal(errno, EMFILE);
	ssize_t n = can_rekey ? 0 : ktls_conn_read(c, buf, sizeof(buf), 0);
	int own = can_rekey ? 0 : ktls_conn_update_keys(c, 0);
	if (can_rekey) {
		conn_expect(c, &h, &in, 1000); /* across the update, answered */
		own = ktls_conn_update_keys(c, 0);
	}
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &saved), 0);
	if (!can_rekey) {
		assert_int_equal(n, -EKEYEXPIRED);
		assert_int_equal(own, -EKEYEXPIRED); /* the connection is dead: its error, not -EMFILE */
		shutdown(h.fd, SHUT_RDWR);
		ktls_conn_free(c);
		handoff_close(&h);
		return;
	}
	assert_int_equal(own, 0);
	conn_send(&h, &out, 1000);
	conn_send(&h, &out, 1000);
	expect_generations(c, 2, 1);
	ktls_conn_free(c);
	assert_int_equal(handoff_close(&h), 0);
	print_message("at RLIMIT_NOFILE: the peer's KeyUpdate followed and answered, ours sent\n");
}

static void wait_for(int fd, short events)
{
	struct pollfd pfd = { .fd = fd, .events = events };
	assert_int_equal(poll(&pfd, 1, 30000), 1);
}

/* Write non-blocking until the kernel takes nothing more, not even one byte. */
static size_t fill_send_buffer(struct ktls_conn *c, uint64_t seed, uint64_t off)
{
	uint8_t chunk[4096];
	size_t filled = 0, step = sizeof(chunk);

	for (int i = 0; i < 200000 && step > 0; i++) {
		pattern_fill(seed, off + filled, chunk, step);
		ssize_t n = ktls_conn_write(c, chunk, step, MSG_DONTWAIT);
		if (n == -EAGAIN) {
			step /= 2;
			continue;
		}
		assert_true(n > 0);
		filled += (size_t)n;
	}
	assert_int_equal(step, 0);
	return filled;
}

/* The peer asks for our update while our send buffer is full (non-blocking sockets, both ends
 * libktls): the read returns the data after the KeyUpdate without blocking and without a send's
 * -EAGAIN; the answer waits until the socket is writable, then goes out before our next data.
 * Where the kernel cannot rekey: the same read reports the refusal, never -EAGAIN. */
static void test_nonblocking_read_with_full_send_buffer(void **state)
{
	static const uint8_t sa[32] = { 7 }, sb[32] = { 8 };
	const struct ktls_secrets a = { .secret = sa, .secret_len = 32 }, b = { .secret = sb, .secret_len = 32 };
	struct ktls_conn *A, *B;
	uint8_t buf[4096];
	int fa, fb, small = 4096;

	(void)state;
	assert_int_equal(tcp_pair(&fa, &fb, 0), 0);
	assert_int_equal(setsockopt(fb, SOL_SOCKET, SO_SNDBUF, &small, sizeof(small)), 0);
	assert_int_equal(setsockopt(fa, SOL_SOCKET, SO_RCVBUF, &small, sizeof(small)), 0);
	assert_int_equal(fcntl(fa, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(fcntl(fb, F_SETFL, O_NONBLOCK), 0);
	assert_int_equal(ktls_conn_open(fa, 0x1301, &a, 0, &b, 0, NULL, &A), 0);
	assert_int_equal(ktls_conn_open(fb, 0x1301, &b, 0, &a, 0, NULL, &B), 0);
	size_t filled = fill_send_buffer(B, 21, 0);

	if (!can_rekey) {
		assert_int_equal(ktls_conn_update_keys(A, 1), -EBUSY);
		assert_int_equal(ktls_send_handshake(fa, KTLS_HANDSHAKE_KEY_UPDATE, "\x01", 1, 0), 0);
		wait_for(fb, POLLIN);
		assert_int_equal(ktls_conn_read(B, buf, sizeof(buf), MSG_DONTWAIT), -EKEYEXPIRED);
	} else {
		assert_int_equal(ktls_conn_update_keys(A, 1), 0);
		assert_int_equal(ktls_conn_write(A, "hello", 5, 0), 5);
		wait_for(fb, POLLIN);
		ssize_t n;
		do { /* full again right before the read: TCP may have made room meanwhile */
			filled += fill_send_buffer(B, 21, filled);
			n = ktls_conn_read(B, buf, sizeof(buf), MSG_DONTWAIT);
		} while (n == -EAGAIN);
		assert_int_equal(n, 5);
		assert_memory_equal(buf, "hello", 5);
		assert_int_equal(ktls_conn_send_pending(B), 1);
		assert_int_equal(ktls_conn_flush(B, MSG_DONTWAIT), -EAGAIN);
		/* A drains B's bytes; B flushes once writable */
		for (size_t got = 0; got < filled;) {
			n = ktls_conn_read(A, buf, sizeof(buf), MSG_DONTWAIT);
			if (n == -EAGAIN) {
				wait_for(fa, POLLIN);
				continue;
			}
			assert_true(n > 0);
			assert_int_equal(pattern_check(21, got, buf, (size_t)n), (size_t)n);
			got += (size_t)n;
		}
		wait_for(fb, POLLOUT);
		assert_int_equal(ktls_conn_flush(B, MSG_DONTWAIT), 0);
		assert_int_equal(ktls_conn_write(B, "world", 5, 0), 5);
		do {
			wait_for(fa, POLLIN);
			n = ktls_conn_read(A, buf, sizeof(buf), MSG_DONTWAIT);
		} while (n == -EAGAIN);
		assert_int_equal(n, 5);
		assert_memory_equal(buf, "world", 5);
		expect_generations(A, 1, 1);
		expect_generations(B, 1, 1);
		print_message("non-blocking: %zu bytes filled B's send buffer; the answer waited for POLLOUT\n", filled);
	}
	ktls_conn_free(A);
	ktls_conn_free(B);
	close(fa);
	close(fb);
}

static const uint16_t tls13_kernel_suites[] = { 0x1301, 0x1302, 0x1303, 0x1304 };

/* Against OpenSSL, for each TLS 1.3 kernel cipher: where the kernel can rekey, the peer updates
 * (requested, then not), we update (not requested, then requested), 1 MiB verified in each
 * generation both ways; where it cannot, the peer's update is refused at the KeyUpdate itself. */
static void generations_with_openssl(uint16_t suite)
{
	static const struct step script[] = {
		{ SEND_DATA, MIB }, { KEY_UPDATE, 1 }, { SEND_DATA, MIB }, { EXPECT_DATA, MIB },
		{ KEY_UPDATE, 0 }, { SEND_DATA, MIB }, { EXPECT_DATA, MIB }, { EXPECT_DATA, MIB }, END,
	};
	struct handoff h;
	uint64_t in = 0, out = 0;
	uint8_t buf[64];
	struct ktls_conn *c = open_conn(&h, suite);

	handoff_start(&h, script);
	conn_expect(c, &h, &in, MIB);
	if (!can_rekey) {
		assert_int_equal(ktls_conn_read(c, buf, sizeof(buf), 0), -EKEYEXPIRED);
		shutdown(h.fd, SHUT_RDWR);
		ktls_conn_free(c);
		handoff_close(&h);
		print_message("suite 0x%04x: peer KeyUpdate refused (-EKEYEXPIRED), as this kernel cannot rekey\n", suite);
		return;
	}
	conn_expect(c, &h, &in, MIB); /* across the peer's update, answered */
	conn_send(&h, &out, MIB);
	conn_expect(c, &h, &in, MIB);
	assert_int_equal(ktls_conn_update_keys(c, 0), 0);
	conn_send(&h, &out, MIB);
	assert_int_equal(ktls_conn_update_keys(c, 1), 0);
	conn_send(&h, &out, MIB);
	expect_generations(c, 3, 2);
	ktls_conn_free(c);
	assert_int_equal(handoff_close(&h), 0);
	print_message("suite 0x%04x: real KeyUpdate exchange with OpenSSL completed: 2 RX and 3 TX "
		      "generations, 1 MiB verified in each\n", suite);
}

static void test_generations_with_openssl(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tls13_kernel_suites) / sizeof(tls13_kernel_suites[0]); i++)
		generations_with_openssl(tls13_kernel_suites[i]);
}

/* Two kTLS connections over one TCP pair, both ends libktls: each round, A updates (asking B to
 * update too every other round) and sends 1 MiB, then B updates and sends 1 MiB back. */
struct ktls_side {
	struct ktls_conn *c;
	int fd;
	uint64_t seed_out, seed_in, out, in;
	int rounds, own_request_mask; /* A asks for an update in rounds whose bit is set */
	int refused;                  /* the kernel cannot rekey: -EBUSY expected, data still flows */
	int ok;
};

static int side_send(struct ktls_side *s, uint8_t *buf)
{
	pattern_fill(s->seed_out, s->out, buf, MIB);
	s->out += MIB;
	return write_all(s->fd, buf, MIB);
}

static int side_expect(struct ktls_side *s, uint8_t *buf)
{
	for (size_t got = 0; got < MIB;) {
		ssize_t n = ktls_conn_read(s->c, buf, MIB - got, 0);
		if (n <= 0) {
			fprintf(stderr, "ktls_conn_read: %s\n", ktls_strerror((int)n));
			return -1;
		}
		if (pattern_check(s->seed_in, s->in, buf, (size_t)n) != (size_t)n)
			return -1;
		got += (size_t)n, s->in += (size_t)n;
	}
	return 0;
}

static int side_update(struct ktls_side *s, int request)
{
	int r = ktls_conn_update_keys(s->c, request);
	return s->refused ? (r == -EBUSY ? 0 : -1) : r;
}

static void *side_b(void *arg)
{
	struct ktls_side *s = arg;
	uint8_t *buf = malloc(MIB);

	s->ok = buf != NULL;
	for (int r = 0; s->ok && r < s->rounds; r++)
		s->ok = side_expect(s, buf) == 0 && side_update(s, 0) == 0 && side_send(s, buf) == 0;
	free(buf);
	return NULL;
}

static void ktls_peers(uint16_t suite)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };
	uint8_t sa[48], sb[48], *buf = malloc(MIB);
	int fa, fb;
	pthread_t t;

	assert_non_null(buf);
	assert_int_equal(ktls_suite_info(suite, &si), 0);
	pattern_fill(suite, 0, sa, sizeof(sa));
	pattern_fill(suite + 1u, 0, sb, sizeof(sb));
	const struct ktls_secrets a = { .secret = sa, .secret_len = si.hash_len };
	const struct ktls_secrets b = { .secret = sb, .secret_len = si.hash_len };
	assert_int_equal(tcp_pair(&fa, &fb, 0), 0);
	struct ktls_side A = { .fd = fa, .seed_out = 1, .seed_in = 2, .rounds = 3, .own_request_mask = 2,
			       .refused = !can_rekey };
	struct ktls_side B = { .fd = fb, .seed_out = 2, .seed_in = 1, .rounds = 3, .refused = !can_rekey };
	assert_int_equal(ktls_conn_open(fa, suite, &a, 0, &b, 0, NULL, &A.c), 0);
	assert_int_equal(ktls_conn_open(fb, suite, &b, 0, &a, 0, NULL, &B.c), 0);
	assert_int_equal(pthread_create(&t, NULL, side_b, &B), 0);
	A.ok = 1;
	for (int r = 0; A.ok && r < A.rounds; r++)
		A.ok = side_update(&A, (A.own_request_mask >> r) & 1) == 0 && side_send(&A, buf) == 0 &&
		       side_expect(&A, buf) == 0;
	if (!A.ok)
		shutdown(fa, SHUT_RDWR); /* let B's read end */
	pthread_join(t, NULL);
	assert_true(A.ok);
	assert_true(B.ok);
	struct ktls_key_usage ua = { .sz = sizeof(ua) }, ub = { .sz = sizeof(ub) };
	assert_int_equal(ktls_conn_key_usage(A.c, &ua), 0);
	assert_int_equal(ktls_conn_key_usage(B.c, &ub), 0);
	/* A: one update a round; B: one a round, plus the answer to A's request */
	assert_int_equal(ua.tx_generation, can_rekey ? 3 : 0);
	assert_int_equal(ub.rx_generation, ua.tx_generation);
	assert_int_equal(ub.tx_generation, can_rekey ? 4 : 0);
	assert_int_equal(ua.rx_generation, ub.tx_generation);
	ktls_conn_free(A.c);
	ktls_conn_free(B.c);
	close(fa);
	close(fb);
	free(buf);
	print_message("suite 0x%04x: kTLS <-> kTLS, %d rounds of 1 MiB each way: %s\n", suite, A.rounds,
		      can_rekey ? "both sides rekeyed (TX generations 3 and 4)" : "updates refused (-EBUSY), data intact");
}

static void test_generations_between_ktls_peers(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(tls13_kernel_suites) / sizeof(tls13_kernel_suites[0]); i++)
		ktls_peers(tls13_kernel_suites[i]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_probe_matches_kernel_version),
		cmocka_unit_test(test_peer_key_update_not_requested),
		cmocka_unit_test(test_peer_key_update_requested),
		cmocka_unit_test(test_own_update),
		cmocka_unit_test(test_key_update_at_descriptor_limit),
		cmocka_unit_test(test_nonblocking_read_with_full_send_buffer),
		cmocka_unit_test(test_generations_with_openssl),
		cmocka_unit_test(test_generations_between_ktls_peers),
		cmocka_unit_test(test_tls12_hello_request_refused),
	};
	require_ktls_kernel();
	signal(SIGPIPE, SIG_IGN); /* the OpenSSL peer writes into sockets we shut down */
	assert_int_equal(tls_peer_init(), 0);
	can_rekey = ktls_probe_rekey();
	if (can_rekey < 0) {
		fprintf(stderr, "ktls_probe_rekey: %s\n", ktls_strerror(can_rekey));
		return 1;
	}
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
