/* SPDX-License-Identifier: MIT */
/* Control records on real kTLS sockets: an OpenSSL peer's NewSessionTickets, data and
 * close_notify; its fatal alerts; our close_notify; control records interleaved with data both
 * ways on TLS 1.3 and 1.2, blocking and non-blocking; and the kernel's edge cases (partial and
 * peeked control records, EIO on plain read, EINTR, truncated streams). */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktls.h>

#include "../common/kernel-suite.h"
#include "../common/peer-script.h"
#include "../common/new-reader.h"

#define VOLUME (1u << 20)

#define END { STEP_END, 0 }

struct conn {
	struct handoff h;
	int fd;
	uint16_t version;
	struct peer_job *job;
};

/* Handshake with libktls as the client, hand off, start the peer's script. */
static void conn_open(struct conn *c, uint16_t suite, int tickets, const struct step *script)
{
	handoff_open(&c->h, suite, tickets);
	c->fd = c->h.fd;
	c->version = c->h.version;
	c->job = &c->h.job;
	assert_int_equal(ktls_install(c->fd, KTLS_DIR_TX, suite, &c->h.keys.tx, c->h.keys.tx_seq), 0);
	assert_int_equal(ktls_install(c->fd, KTLS_DIR_RX, suite, &c->h.keys.rx, c->h.keys.rx_seq), 0);
	handoff_start(&c->h, script);
}

static void conn_close(struct conn *c)
{
	int failed = handoff_close(&c->h);
	if (failed)
		fail_msg("the OpenSSL peer failed at step %d of its script: %s", failed - 1, c->h.job.why);
}

/* Read with ktls_reader_read until the end, verifying data; returns the data offsets at which handshake
 * messages of `type` arrived (at most 8) and their count. */
struct read_result {
	size_t data;
	int messages;
	size_t at[8];
	ssize_t end;
};

static struct read_result read_to_end(struct conn *c, struct ktls_reader *r, size_t bufsize, int nonblocking)
{
	struct read_result res = { 0 };
	uint8_t *buf = malloc(bufsize);

	assert_non_null(buf);
	if (nonblocking)
		assert_int_equal(fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) | O_NONBLOCK), 0);
	for (;;) {
		ssize_t n = ktls_reader_read(r, c->fd, buf, bufsize, 0);
		if (n > 0) {
			assert_int_equal(pattern_check(c->job->seed_out, res.data, buf, (size_t)n), (size_t)n);
			res.data += (size_t)n;
		} else if (n == -ENOMSG) {
			uint8_t type;
			const uint8_t *body;
			size_t len;
			while (ktls_reader_next_message(r, &type, &body, &len) == 1) {
				assert_int_equal(type, KTLS_HANDSHAKE_NEW_SESSION_TICKET);
				assert_true(len > 12); /* lifetime, age_add, nonce, ticket, extensions */
				if (res.messages < 8)
					res.at[res.messages] = res.data;
				res.messages++;
			}
		} else if (n == -EAGAIN) {
			assert_true(nonblocking);
			struct pollfd p = { .fd = c->fd, .events = POLLIN };
			assert_int_equal(poll(&p, 1, 30000), 1);
		} else {
			res.end = n;
			break;
		}
	}
	if (nonblocking)
		assert_int_equal(fcntl(c->fd, F_SETFL, fcntl(c->fd, F_GETFL) & ~O_NONBLOCK), 0);
	free(buf);
	return res;
}

/* OpenSSL's default: two NewSessionTickets, then 1 MiB, then close_notify. */
static void nst_data_close(size_t bufsize, int nonblocking)
{
	static const struct step script[] = {
		{ SEND_DATA, VOLUME }, { SHUTDOWN, 0 }, { EXPECT_CLOSE, 0 }, END,
	};
	struct conn c;
	struct ktls_alert a;

	conn_open(&c, 0x1301, 2, script);
	struct ktls_reader *r = new_reader(c.version, 0);
	struct read_result res = read_to_end(&c, r, bufsize, nonblocking);
	assert_int_equal(res.end, 0); /* orderly */
	assert_int_equal(res.messages, 2);
	assert_int_equal(res.at[0], 0);
	assert_int_equal(res.at[1], 0);
	assert_int_equal(res.data, VOLUME);
	assert_int_equal(ktls_reader_alert(r, &a), 1);
	assert_int_equal(a.description, KTLS_ALERT_CLOSE_NOTIFY);
	assert_int_equal(ktls_reader_read(r, c.fd, &a, 1, 0), 0); /* stays ended */
	/* our close_notify: the peer sees a clean shutdown */
	assert_int_equal(ktls_shutdown(c.fd), 0);
	ktls_reader_free(r);
	conn_close(&c);
}

static void test_tickets_data_close_blocking(void **state)
{
	(void)state;
	nst_data_close(65536, 0);
}

static void test_tickets_data_close_nonblocking(void **state)
{
	(void)state;
	nst_data_close(65536, 1);
}

/* A 97-byte buffer: smaller than every record, control records included. */
static void test_tickets_data_close_small_buffer(void **state)
{
	(void)state;
	nst_data_close(97, 0);
	nst_data_close(97, 1);
}

/* A handshake message the peer must refuse: it answers with a fatal alert we report. */
static void test_fatal_alert_from_peer(void **state)
{
	static const struct step script[] = { { EXPECT_FAILURE, 0 }, END };
	struct conn c;
	struct ktls_alert a;
	char buf[64];

	(void)state;
	conn_open(&c, 0x1302, 0, script);
	struct ktls_reader *r = new_reader(c.version, 0);
	assert_int_equal(ktls_send_handshake(c.fd, 1 /* client_hello */, "junk", 4, 0), 0);
	ssize_t n = ktls_reader_read(r, c.fd, buf, sizeof(buf), 0);
	assert_int_equal(n, -ECONNABORTED);
	assert_int_equal(ktls_reader_alert(r, &a), 1);
	assert_int_equal(a.level, KTLS_ALERT_LEVEL_FATAL);
	print_message("OpenSSL answered with alert %s (%u)\n", ktls_alert_name(a.description), a.description);
	assert_int_equal(a.description, KTLS_ALERT_UNEXPECTED_MESSAGE);
	assert_int_equal(ktls_reader_read(r, c.fd, buf, sizeof(buf), 0), -ECONNABORTED);
	ktls_reader_free(r);
	conn_close(&c);
}

/* Data, tickets and alerts interleaved in both directions; on TLS 1.2 alerts only. */
static void interleaved(uint16_t suite)
{
	static const struct step script13[] = {
		{ SEND_DATA, 100000 }, { SEND_TICKET, 0 }, { SEND_DATA, 50000 }, { SEND_TICKET, 0 },
		{ SEND_DATA, 7 },      { EXPECT_DATA, 30000 }, { EXPECT_DATA, 40000 },
		{ SHUTDOWN, 0 },       { EXPECT_CLOSE, 0 },    END,
	};
	static const struct step script12[] = {
		{ SEND_DATA, 100000 }, { SEND_DATA, 50007 }, { EXPECT_DATA, 30000 }, { EXPECT_DATA, 40000 },
		{ SHUTDOWN, 0 },       { EXPECT_CLOSE, 0 },  END,
	};
	struct conn c;
	uint8_t out[40000];

	struct ktls_suite_info si = { .sz = sizeof(si) };
	assert_int_equal(ktls_suite_info(suite, &si), 0);
	conn_open(&c, suite, 0, si.tls_version == KTLS_TLS_1_3 ? script13 : script12);
	struct ktls_reader *r = new_reader(c.version, 0);

	/* to the peer: data, a user_canceled warning between two writes, more data */
	pattern_fill(c.job->seed_in, 0, out, 30000);
	assert_int_equal(ktls_send_record(c.fd, KTLS_RECORD_APPLICATION_DATA, out, 30000, 0), 30000);
	assert_int_equal(ktls_send_alert(c.fd, KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_USER_CANCELED), 0);
	pattern_fill(c.job->seed_in, 30000, out, 40000);
	assert_int_equal(write_all(c.fd, out, 40000), 0);

	struct read_result res = read_to_end(&c, r, 16384, 0);
	assert_int_equal(res.end, 0);
	assert_int_equal(res.data, 150007);
	if (si.tls_version == KTLS_TLS_1_3) {
		assert_int_equal(res.messages, 2);
		assert_int_equal(res.at[0], 100000); /* each ticket exactly where it was sent */
		assert_int_equal(res.at[1], 150000);
	} else {
		assert_int_equal(res.messages, 0);
	}
	assert_int_equal(ktls_shutdown(c.fd), 0);
	ktls_reader_free(r);
	conn_close(&c);
}

static void test_interleaved_tls13(void **state)
{
	(void)state;
	interleaved(0x1301);
	interleaved(0x1303);
}

static void test_interleaved_tls12(void **state)
{
	(void)state;
	interleaved(0xC02B);
	interleaved(0xCCA9);
}

/* ---- both ends libktls: the kernel's edge cases ---- */

static const uint8_t k1[16] = { 1 }, k2[16] = { 2 }, s4[4] = { 3 }, s5[4] = { 4 };

/* A loopback pair keyed both ways: a sends under x, b under y. */
static void keyed_pair(int *a, int *b, uint16_t suite, const struct ktls_secrets *x,
		       const struct ktls_secrets *y, uint64_t seq)
{
	assert_int_equal(tcp_pair(a, b, 0), 0);
	assert_int_equal(ktls_install(*a, KTLS_DIR_TX, suite, x, seq), 0);
	assert_int_equal(ktls_install(*a, KTLS_DIR_RX, suite, y, seq), 0);
	assert_int_equal(ktls_install(*b, KTLS_DIR_TX, suite, y, seq), 0);
	assert_int_equal(ktls_install(*b, KTLS_DIR_RX, suite, x, seq), 0);
}

/* TLS 1.2 AES-128-GCM */
static void ktls_pair(int *a, int *b)
{
	const struct ktls_secrets x = { .key = k1, .key_len = 16, .iv = s4, .iv_len = 4 };
	const struct ktls_secrets y = { .key = k2, .key_len = 16, .iv = s5, .iv_len = 4 };

	keyed_pair(a, b, 0xC02F, &x, &y, 1);
}

static void test_partial_and_peeked_control_records(void **state)
{
	int a, b;
	uint8_t buf[64], type;

	(void)state;
	ktls_pair(&a, &b);
	assert_int_equal(ktls_send_alert(a, KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_USER_CANCELED), 0);
	assert_int_equal(ktls_send_record(a, KTLS_RECORD_APPLICATION_DATA, "data", 4, 0), 4);

	/* a plain read meets the control record: EIO, and the record stays queued */
	assert_int_equal(read(b, buf, sizeof(buf)), -1);
	assert_int_equal(errno, EIO);
	/* peek does not consume */
	assert_int_equal(ktls_recv_record(b, buf, sizeof(buf), &type, MSG_PEEK), 2);
	assert_int_equal(type, KTLS_RECORD_ALERT);
	/* one byte at a time: the rest of a control record waits for the next call */
	assert_int_equal(ktls_recv_record(b, buf, 1, &type, 0), 1);
	assert_int_equal(type, KTLS_RECORD_ALERT);
	assert_int_equal(buf[0], KTLS_ALERT_LEVEL_WARNING);
	assert_int_equal(ktls_recv_record(b, buf, 1, &type, 0), 1);
	assert_int_equal(type, KTLS_RECORD_ALERT);
	assert_int_equal(buf[0], KTLS_ALERT_USER_CANCELED);
	/* never mixed with the data record after it */
	assert_int_equal(ktls_recv_record(b, buf, sizeof(buf), &type, 0), 4);
	assert_int_equal(type, KTLS_RECORD_APPLICATION_DATA);
	assert_memory_equal(buf, "data", 4);

	/* ktls_reader_read with MSG_PEEK: peeks data, consumes the control record met before it */
	struct ktls_reader *r = new_reader(KTLS_TLS_1_2, 0);
	assert_int_equal(ktls_send_alert(a, KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_USER_CANCELED), 0);
	assert_int_equal(ktls_send_record(a, KTLS_RECORD_APPLICATION_DATA, "peek", 4, 0), 4);
	assert_int_equal(ktls_reader_read(r, b, buf, sizeof(buf), MSG_PEEK), 4);
	assert_int_equal(ktls_reader_read(r, b, buf, sizeof(buf), 0), 4);
	assert_memory_equal(buf, "peek", 4);
	struct ktls_alert al;
	assert_int_equal(ktls_reader_alert(r, &al), 1);
	assert_int_equal(al.description, KTLS_ALERT_USER_CANCELED);

	/* MSG_MORE is for data only */
	assert_int_equal(ktls_send_record(a, KTLS_RECORD_ALERT, "\x01\x00", 2, MSG_MORE), -EINVAL);
	ktls_reader_free(r);
	close(a);
	close(b);
}

/* TLS 1.3 AES-128-GCM */
static void ktls13_pair(int *a, int *b)
{
	static const uint8_t up[32] = { 5 }, down[32] = { 6 };
	const struct ktls_secrets x = { .secret = up, .secret_len = 32 }, y = { .secret = down, .secret_len = 32 };

	keyed_pair(a, b, 0x1301, &x, &y, 0);
}

/* RFC 8446 §5.1 on records the kernel delivers: a TLS 1.3 alert record holding half an alert or
 * two alerts is refused (decode_error), also behind MSG_PEEK; a whole alert read through a
 * 1-byte buffer (the kernel hands it out a byte at a time) is still one alert; TLS 1.2 accepts
 * a fragmented alert. */
static void test_tls13_alert_record_rules(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		int flags;
	} bad[] = { { "\x01", 1, 0 }, { "\x01\x5a\x01\x00", 4, 0 }, { "\x01", 1, MSG_PEEK } };
	uint8_t buf[64];
	struct ktls_alert al;
	int a, b;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ktls13_pair(&a, &b);
		struct ktls_reader *r = new_reader(KTLS_TLS_1_3, 0);
		assert_int_equal(ktls_send_record(a, KTLS_RECORD_ALERT, bad[i].bytes, bad[i].len, 0), (ssize_t)bad[i].len);
		assert_int_equal(ktls_send_record(a, KTLS_RECORD_ALERT, "\x00", 1, 0), 1);
		assert_int_equal(ktls_reader_read(r, b, buf, sizeof(buf), bad[i].flags), -EPROTO);
		assert_int_equal(ktls_reader_alert_to_send(r, &al), 1);
		assert_int_equal(al.description, KTLS_ALERT_DECODE_ERROR);
		ktls_reader_free(r);
		close(a);
		close(b);
	}

	ktls13_pair(&a, &b);
	struct ktls_reader *r = new_reader(KTLS_TLS_1_3, 0);
	assert_int_equal(ktls_send_record(a, KTLS_RECORD_APPLICATION_DATA, "xy", 2, 0), 2);
	assert_int_equal(ktls_send_alert(a, KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_CLOSE_NOTIFY), 0);
	assert_int_equal(ktls_reader_read(r, b, buf, 1, 0), 1);
	assert_int_equal(ktls_reader_read(r, b, buf, 1, 0), 1);
	assert_int_equal(ktls_reader_read(r, b, buf, 1, 0), 0); /* close_notify, a byte at a time */
	ktls_reader_free(r);
	close(a);
	close(b);

	ktls_pair(&a, &b);
	r = new_reader(KTLS_TLS_1_2, 0);
	assert_int_equal(ktls_send_record(a, KTLS_RECORD_ALERT, "\x01", 1, 0), 1);
	assert_int_equal(ktls_send_record(a, KTLS_RECORD_ALERT, "\x00", 1, 0), 1);
	assert_int_equal(ktls_reader_read(r, b, buf, sizeof(buf), 0), 0);
	ktls_reader_free(r);
	close(a);
	close(b);
}

static void test_large_handshake_message_across_records(void **state)
{
	static uint8_t body[40000], buf[1000];
	int a, b;
	uint8_t type;
	const uint8_t *got;
	size_t len;

	(void)state;
	ktls_pair(&a, &b);
	struct ktls_reader *r = new_reader(KTLS_TLS_1_2, sizeof(body));
	pattern_fill(9, 0, body, sizeof(body));
	pid_t pid = fork();
	if (pid == 0)
		_exit(ktls_send_handshake(a, KTLS_HANDSHAKE_HELLO_REQUEST, body, sizeof(body), 0) == 0 ? 0 : 1);
	assert_int_equal(ktls_reader_read(r, b, buf, sizeof(buf), 0), -ENOMSG);
	assert_int_equal(ktls_reader_next_message(r, &type, &got, &len), 1);
	assert_int_equal(type, KTLS_HANDSHAKE_HELLO_REQUEST);
	assert_int_equal(len, sizeof(body));
	assert_memory_equal(got, body, sizeof(body));
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	ktls_reader_free(r);
	close(a);
	close(b);
}

static void on_alarm(int sig)
{
	(void)sig;
}

static void test_eintr_loses_nothing(void **state)
{
	int a, b;
	uint8_t buf[16];
	struct sigaction sa = { .sa_handler = on_alarm }, old;

	(void)state;
	ktls_pair(&a, &b);
	struct ktls_reader *r = new_reader(KTLS_TLS_1_2, 0);
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0); /* no SA_RESTART */
	ualarm(200000, 0);
	assert_int_equal(ktls_reader_read(r, b, buf, sizeof(buf), 0), -EINTR);
	assert_int_equal(ktls_send_record(a, KTLS_RECORD_APPLICATION_DATA, "after", 5, 0), 5);
	assert_int_equal(ktls_reader_read(r, b, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "after", 5);
	sigaction(SIGALRM, &old, NULL);
	ktls_reader_free(r);
	close(a);
	close(b);
}

static void test_end_of_stream_without_close_notify(void **state)
{
	int a, b;
	uint8_t buf[16];

	(void)state;
	/* the peer closes TCP between records: not an orderly end */
	ktls_pair(&a, &b);
	struct ktls_reader *r = new_reader(KTLS_TLS_1_2, 0);
	assert_int_equal(ktls_send_record(a, KTLS_RECORD_APPLICATION_DATA, "last", 4, 0), 4);
	close(a);
	assert_int_equal(ktls_reader_read(r, b, buf, sizeof(buf), 0), 4);
	assert_int_equal(ktls_reader_read(r, b, buf, sizeof(buf), 0), -EPIPE);
	ktls_reader_free(r);
	close(b);

	/* the peer closes in the middle of a record: an error, never an orderly end */
	int c, d;
	const struct ktls_secrets x = { .key = k1, .key_len = 16, .iv = s4, .iv_len = 4 };
	assert_int_equal(tcp_pair(&c, &d, 0), 0);
	assert_int_equal(ktls_install(d, KTLS_DIR_RX, 0xC02F, &x, 1), 0);
	const uint8_t half[] = { 23, 3, 3, 0, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10 };
	assert_int_equal(write_all(c, half, sizeof(half)), 0);
	close(c);
	r = new_reader(KTLS_TLS_1_2, 0);
	ssize_t n = ktls_reader_read(r, d, buf, sizeof(buf), 0);
	print_message("peer closed mid-record: %s\n", ktls_strerror((int)n));
	assert_true(n < 0);
	ktls_reader_free(r);
	close(d);
}

/* ---- the review's contract breaks (issue 25), on the kernel ---- */

/* A pair keyed as ktls_pair() (TLS 1.2) or ktls13_pair() (TLS 1.3) key it, with a libktls
 * connection on b. */
static void peer_and_conn(int *a, int *b, struct ktls_conn **c, int tls13)
{
	static const uint8_t up[32] = { 5 }, down[32] = { 6 };
	const struct ktls_secrets x12 = { .key = k1, .key_len = 16, .iv = s4, .iv_len = 4 };
	const struct ktls_secrets y12 = { .key = k2, .key_len = 16, .iv = s5, .iv_len = 4 };
	const struct ktls_secrets x13 = { .secret = up, .secret_len = 32 }, y13 = { .secret = down, .secret_len = 32 };
	const uint16_t suite = tls13 ? 0x1301 : 0xC02F;
	const uint64_t seq = tls13 ? 0 : 1;

	assert_int_equal(tcp_pair(a, b, 0), 0);
	assert_int_equal(ktls_install(*a, KTLS_DIR_TX, suite, tls13 ? &x13 : &x12, seq), 0);
	assert_int_equal(ktls_install(*a, KTLS_DIR_RX, suite, tls13 ? &y13 : &y12, seq), 0);
	assert_int_equal(ktls_conn_open(*b, suite, tls13 ? &y13 : &y12, seq, tls13 ? &x13 : &x12, seq, NULL, c), 0);
}

/* Review item 1: after our close_notify and SHUT_WR, the peer's HelloRequest (and, where the
 * kernel can rekey, KeyUpdate with update_requested), data and close_notify arrive, then its
 * reset: the answer cannot go out (EPIPE), yet every read delivers what arrived, then the end. */
static void test_reads_after_own_shutdown_and_peer_reset(void **state)
{
	const struct linger rst = { .l_onoff = 1, .l_linger = 0 };
	uint8_t buf[64], next[32];
	static const uint8_t up[32] = { 5 };

	(void)state;
	for (int tls13 = 0; tls13 < 2; tls13++) {
		if (tls13 && ktls_probe_rekey() != 1)
			continue; /* before 6.14 a KeyUpdate ends the connection anyway */
		int a, b;
		struct ktls_conn *c;
		peer_and_conn(&a, &b, &c, tls13);
		assert_int_equal(ktls_shutdown(b), 0);
		if (tls13) {
			assert_int_equal(ktls_send_handshake(a, KTLS_HANDSHAKE_KEY_UPDATE, "\x01", 1, 0), 0);
			assert_int_equal(ktls_update_secret(0x1301, up, 32, next), 0);
			const struct ktls_secrets n = { .secret = next, .secret_len = 32 };
			assert_int_equal(ktls_install(a, KTLS_DIR_TX, 0x1301, &n, 0), 0);
		} else {
			assert_int_equal(ktls_send_handshake(a, KTLS_HANDSHAKE_HELLO_REQUEST, NULL, 0, 0), 0);
		}
		assert_int_equal(ktls_send_record(a, KTLS_RECORD_APPLICATION_DATA, "data", 4, 0), 4);
		assert_int_equal(ktls_send_alert(a, KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_CLOSE_NOTIFY), 0);
		assert_int_equal(setsockopt(a, SOL_SOCKET, SO_LINGER, &rst, sizeof(rst)), 0);
		close(a);
		usleep(100000);
		assert_int_equal(ktls_conn_read(c, buf, sizeof(buf), 0), 4);
		assert_memory_equal(buf, "data", 4);
		assert_int_equal(ktls_conn_read(c, buf, sizeof(buf), 0), 0);
		assert_int_equal(ktls_conn_read(c, buf, sizeof(buf), 0), 0);
		ktls_conn_free(c);
		close(b);
	}
}

/* Review item 2: a write with MSG_MORE while a no_renegotiation refusal waits behind a full send
 * buffer sends the refusal (without MSG_MORE: the kernel refuses it for control records), then the
 * data. */
static void test_write_more_with_refusal_pending(void **state)
{
	static uint8_t fill[65536];
	uint8_t buf[KTLS_RECORD_MAX], type, level;
	int a, b;
	struct ktls_conn *c;

	(void)state;
	peer_and_conn(&a, &b, &c, 0);
	while (ktls_conn_write(c, fill, sizeof(fill), MSG_DONTWAIT) > 0)
		;
	assert_int_equal(ktls_send_handshake(a, KTLS_HANDSHAKE_HELLO_REQUEST, NULL, 0, 0), 0);
	assert_int_equal(ktls_conn_read(c, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	assert_int_equal(ktls_conn_send_pending(c), 1);
	/* the peer drains what we sent */
	ssize_t n;
	while ((n = ktls_recv_record(a, buf, sizeof(buf), &type, MSG_DONTWAIT)) > 0)
		assert_int_equal(type, KTLS_RECORD_APPLICATION_DATA);
	assert_int_equal(ktls_conn_write(c, "more", 4, MSG_MORE), 4);
	assert_int_equal(ktls_conn_send_pending(c), 0);
	assert_int_equal(ktls_conn_write(c, "!", 1, 0), 1);
	usleep(100000);
	assert_int_equal(first_alert(a, MSG_DONTWAIT, 0, &level), KTLS_ALERT_NO_RENEGOTIATION);
	assert_int_equal(level, KTLS_ALERT_LEVEL_WARNING);
	assert_int_equal(ktls_recv_record(a, buf, sizeof(buf), &type, 0), 5);
	assert_memory_equal(buf, "more!", 5);
	ktls_conn_free(c);
	close(a);
	close(b);
}

/* Review item 3: RFC 8446 §5.1 is checked on whole records whatever the caller's buffer: a
 * KeyUpdate read through a 5-byte buffer with a ticket after it in its record is refused (it was
 * followed), a 3-byte alert record read through a 2-byte buffer is a decode_error (TLS 1.3) or an
 * unexpected_message after close_notify (TLS 1.2) (both were taken as close_notify). Each fatal
 * alert reaches the peer. */
static void test_record_rules_whatever_the_buffer(void **state)
{
	static const uint8_t ku_then_ticket[] = { 24, 0, 0, 1, 0, 4, 0, 0, 1, 0 };
	uint8_t buf[8], level;
	int a, b;
	struct ktls_conn *c;

	(void)state;
	peer_and_conn(&a, &b, &c, 1);
	assert_int_equal(ktls_send_record(a, KTLS_RECORD_HANDSHAKE, ku_then_ticket, 10, 0), 10);
	assert_int_equal(ktls_conn_read(c, buf, 5, 0), -EPROTO);
	struct ktls_key_usage u = { .sz = sizeof(u) };
	assert_int_equal(ktls_conn_key_usage(c, &u), 0);
	assert_int_equal(u.rx_generation, 0);
	usleep(100000);
	assert_int_equal(first_alert(a, MSG_DONTWAIT, 0, &level), KTLS_ALERT_UNEXPECTED_MESSAGE);
	assert_int_equal(level, KTLS_ALERT_LEVEL_FATAL);
	ktls_conn_free(c);
	close(a);
	close(b);

	for (int tls13 = 0; tls13 < 2; tls13++) {
		peer_and_conn(&a, &b, &c, tls13);
		assert_int_equal(ktls_send_record(a, KTLS_RECORD_ALERT, "\x01\x00\x00", 3, 0), 3);
		assert_int_equal(ktls_conn_read(c, buf, 2, 0), -EPROTO);
		usleep(100000);
		assert_int_equal(first_alert(a, MSG_DONTWAIT, 0, &level), tls13 ? KTLS_ALERT_DECODE_ERROR : KTLS_ALERT_UNEXPECTED_MESSAGE);
		ktls_conn_free(c);
		close(a);
		close(b);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tickets_data_close_blocking),
		cmocka_unit_test(test_tickets_data_close_nonblocking),
		cmocka_unit_test(test_tickets_data_close_small_buffer),
		cmocka_unit_test(test_fatal_alert_from_peer),
		cmocka_unit_test(test_interleaved_tls13),
		cmocka_unit_test(test_interleaved_tls12),
		cmocka_unit_test(test_partial_and_peeked_control_records),
		cmocka_unit_test(test_tls13_alert_record_rules),
		cmocka_unit_test(test_large_handshake_message_across_records),
		cmocka_unit_test(test_eintr_loses_nothing),
		cmocka_unit_test(test_end_of_stream_without_close_notify),
		cmocka_unit_test(test_reads_after_own_shutdown_and_peer_reset),
		cmocka_unit_test(test_write_more_with_refusal_pending),
		cmocka_unit_test(test_record_rules_whatever_the_buffer),
	};
	require_ktls_kernel();
	assert_int_equal(tls_peer_init(), 0);
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
