/* SPDX-License-Identifier: MIT */
/* TLS 1.3 KeyUpdate through two ktls_conn objects over a double of the kernel (see
 * common/kernel-double.h): peer-initiated and self-initiated updates, update_requested answered in
 * RFC 8446 §4.6.3 order, many generations interleaved with data both ways, kernels that cannot
 * rekey, TLS 1.2, storms, key-usage limits, failed installs retried, malformed messages, reads
 * into several buffers. */
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <linux/tls.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <cmocka.h>

#include <ktls.h>

#include "../common/kernel-double.h"
#include "../common/net.h"
#include "../common/kernel-suite.h"

struct pair {
	struct kernel_double *d;
	struct ktls_sys sys;
	struct ktls_conn *c[2];
	uint64_t sent[2], received[2]; /* data offsets per sending end */
};

static void pair_open(struct pair *p, uint16_t suite, int rekey, const struct ktls_conn_opts *opts)
{
	static uint8_t s1[48], s2[48], k1[32], k2[32], iv1[12], iv2[12];
	struct ktls_suite_info si = { .sz = sizeof(si) };
	struct ktls_secrets x, y;

	memset(p, 0, sizeof(*p));
	assert_int_equal(ktls_suite_info(suite, &si), 0);
	pattern_fill(1, 0, s1, 48), pattern_fill(2, 0, s2, 48), pattern_fill(3, 0, k1, 32);
	pattern_fill(4, 0, k2, 32), pattern_fill(5, 0, iv1, 12), pattern_fill(6, 0, iv2, 12);
	if (si.tls_version == KTLS_TLS_1_3) {
		x = (struct ktls_secrets){ .secret = s1, .secret_len = si.hash_len };
		y = (struct ktls_secrets){ .secret = s2, .secret_len = si.hash_len };
	} else {
		x = (struct ktls_secrets){ .key = k1, .key_len = si.key_len, .iv = iv1, .iv_len = si.iv_len };
		y = (struct ktls_secrets){ .key = k2, .key_len = si.key_len, .iv = iv2, .iv_len = si.iv_len };
	}
	p->d = kernel_double_new(rekey);
	p->sys = kernel_double_sys(p->d);
	assert_int_equal(ktls_conn_open_sys(&p->sys, 0, suite, &x, 0, &y, 0, opts, &p->c[0]), 0);
	assert_int_equal(ktls_conn_open_sys(&p->sys, 1, suite, &y, 0, &x, 0, opts, &p->c[1]), 0);
}

static void pair_close(struct pair *p)
{
	ktls_conn_free(p->c[0]);
	ktls_conn_free(p->c[1]);
	kernel_double_free(p->d);
}

/* The application writes data on end `from` (as it would with write()). */
static void send_data(struct pair *p, int from, size_t len)
{
	static uint8_t buf[70000];

	assert_true(len <= sizeof(buf));
	pattern_fill((uint64_t)from + 10, p->sent[from], buf, len);
	assert_int_equal(p->sys.send_record(p->sys.ctx, from, KTLS_RECORD_APPLICATION_DATA, buf, len, 0), (ssize_t)len);
	p->sent[from] += len;
}

/* Read everything queued for end `to`, checking it is the other end's data, in order. */
static void receive_all(struct pair *p, int to, size_t bufsize)
{
	uint8_t buf[70000];
	int from = 1 - to;

	assert_true(bufsize <= sizeof(buf));
	for (;;) {
		ssize_t n = ktls_conn_read(p->c[to], buf, bufsize, 0);
		if (n == -EAGAIN)
			break;
		if (n <= 0)
			fail_msg("ktls_conn_read on end %d: %s", to, ktls_strerror((int)n));
		assert_int_equal(pattern_check((uint64_t)from + 10, p->received[to], buf, (size_t)n), (size_t)n);
		p->received[to] += (size_t)n;
	}
	assert_int_equal(p->received[to], p->sent[from]);
}

static void expect_generations(struct pair *p, int end, uint32_t tx, uint32_t rx)
{
	struct ktls_key_usage u = { .sz = sizeof(u) };

	assert_int_equal(ktls_conn_key_usage(p->c[end], &u), 0);
	assert_int_equal(u.tx_generation, tx);
	assert_int_equal(u.rx_generation, rx);
}

static void test_self_initiated_update(void **state)
{
	struct pair p;

	(void)state;
	pair_open(&p, 0x1301, 1, NULL);
	send_data(&p, 0, 1000);
	assert_int_equal(ktls_conn_update_keys(p.c[0], 0), 0);
	send_data(&p, 0, 2000);
	receive_all(&p, 1, 65536);
	expect_generations(&p, 0, 1, 0);
	expect_generations(&p, 1, 0, 1);
	/* not requested: the peer did not update its TX key */
	assert_int_equal(kernel_double_sets(p.d, 1, TLS_TX), 1);
	assert_int_equal(kernel_double_sets(p.d, 1, TLS_RX), 2);
	send_data(&p, 1, 500);
	receive_all(&p, 0, 65536);
	pair_close(&p);
}

static void test_update_requested_is_answered(void **state)
{
	struct pair p;

	(void)state;
	pair_open(&p, 0x1302, 1, NULL);
	assert_int_equal(ktls_conn_update_keys(p.c[0], 1), 0);
	send_data(&p, 0, 3000);
	receive_all(&p, 1, 65536);   /* new RX key, then our KeyUpdate and new TX key */
	expect_generations(&p, 1, 1, 1);
	send_data(&p, 1, 4000);      /* sent under the new key, after the KeyUpdate */
	receive_all(&p, 0, 65536);
	expect_generations(&p, 0, 1, 1);
	/* the answer was update_not_requested: no ping-pong */
	assert_int_equal(kernel_double_queued(p.d, 1), 0);
	assert_int_equal(kernel_double_sets(p.d, 0, TLS_TX), 2);
	pair_close(&p);
}

/* Every update_requested is answered before our next data. (The kernel pauses after each
 * KeyUpdate, so each is seen, and answered, on its own.) */
static void test_each_request_answered_before_data(void **state)
{
	struct pair p;
	const struct ktls_conn_opts o = { .sz = sizeof(o), .max_peer_updates = 100 };

	(void)state;
	pair_open(&p, 0x1303, 1, &o);
	assert_int_equal(ktls_conn_update_keys(p.c[0], 1), 0);
	assert_int_equal(ktls_conn_update_keys(p.c[0], 1), 0);
	assert_int_equal(ktls_conn_update_keys(p.c[0], 1), 0);
	send_data(&p, 0, 100);
	receive_all(&p, 1, 65536);
	expect_generations(&p, 1, 3, 3);
	send_data(&p, 1, 100);
	receive_all(&p, 0, 65536);
	expect_generations(&p, 0, 3, 3);
	pair_close(&p);
}

static void test_many_generations_interleaved(void **state)
{
	static const uint16_t suites[] = { 0x1301, 0x1302, 0x1303, 0x1304, 0x00C6, 0x00C7 };
	const struct ktls_conn_opts o = { .sz = sizeof(o), .max_peer_updates = 1000 };

	(void)state;
	for (size_t s = 0; s < sizeof(suites) / sizeof(suites[0]); s++) {
		struct pair p;
		uint32_t updates[2] = { 0, 0 };
		uint64_t x = 12345 + s;

		pair_open(&p, suites[s], 1, &o);
		for (int i = 0; i < 200; i++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			int end = (int)(x & 1);
			switch ((x >> 1) % 5) {
			case 0:
				assert_int_equal(ktls_conn_update_keys(p.c[end], (int)((x >> 8) & 1)), 0);
				break;
			case 1:
				receive_all(&p, end, 1 + (size_t)((x >> 9) % 40000));
				break;
			default:
				send_data(&p, end, 1 + (size_t)((x >> 9) % 40000));
			}
		}
		receive_all(&p, 0, 65536);
		receive_all(&p, 1, 65536);
		receive_all(&p, 0, 65536);
		for (int e = 0; e < 2; e++) {
			struct ktls_key_usage u = { .sz = sizeof(u) };
			assert_int_equal(ktls_conn_key_usage(p.c[e], &u), 0);
			updates[e] = u.tx_generation;
		}
		/* every TX generation of one end is an RX generation of the other */
		expect_generations(&p, 0, updates[0], updates[1]);
		expect_generations(&p, 1, updates[1], updates[0]);
		assert_true(updates[0] + updates[1] > 20);
		pair_close(&p);
	}
}

static void test_kernel_without_rekey(void **state)
{
	struct pair p;
	uint8_t buf[100];

	(void)state;
	pair_open(&p, 0x1301, 0, NULL);
	/* initiating: refused before anything is sent, data keeps flowing */
	assert_int_equal(ktls_conn_update_keys(p.c[0], 0), -EBUSY);
	assert_int_equal(ktls_conn_update_keys(p.c[0], 1), -EBUSY);
	assert_int_equal(kernel_double_queued(p.d, 1), 0);
	send_data(&p, 0, 5000);
	send_data(&p, 1, 6000);
	receive_all(&p, 1, 65536);
	receive_all(&p, 0, 65536);
	assert_int_equal(ktls_conn_check_limits(p.c[0]), 0);

	/* the peer updates anyway: reported at the KeyUpdate, before the data that follows it */
	const uint8_t ku[] = { KTLS_HANDSHAKE_KEY_UPDATE, 0, 0, 1, 0 };
	assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, ku, sizeof(ku), 0), 5);
	send_data(&p, 0, 10);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EKEYEXPIRED);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EKEYEXPIRED);
	assert_non_null(strstr(ktls_strerror(-EKEYEXPIRED), "6.14"));
	pair_close(&p);
}

static void test_tls12_has_no_key_update(void **state)
{
	struct pair p;
	struct ktls_key_usage u = { .sz = sizeof(u) };

	(void)state;
	pair_open(&p, 0xC02F, 1, NULL);
	assert_int_equal(ktls_conn_update_keys(p.c[0], 0), -EOPNOTSUPP);
	assert_int_equal(ktls_conn_check_limits(p.c[0]), 0);
	send_data(&p, 0, 40000); /* 3 records */
	receive_all(&p, 1, 65536);
	assert_int_equal(ktls_conn_key_usage(p.c[0], &u), 0);
	assert_int_equal(u.tx_records, 3);
	assert_int_equal(ktls_conn_key_usage(p.c[1], &u), 0);
	assert_int_equal(u.rx_records, 3);
	pair_close(&p);

	/* a TLS 1.3 connection needs traffic secrets, not keys */
	uint8_t key[16] = { 0 }, iv[12] = { 0 };
	struct ktls_secrets k = { .key = key, .key_len = 16, .iv = iv, .iv_len = 12 };
	struct ktls_conn *c = NULL;
	struct kernel_double *d = kernel_double_new(1);
	struct ktls_sys sys = kernel_double_sys(d);
	assert_int_equal(ktls_conn_open_sys(&sys, 0, 0x1301, &k, 0, &k, 0, NULL, &c), -EINVAL);
	assert_null(c);
	kernel_double_free(d);
}

/* The peer asks for our update while our send queue is full: the read returns the data that
 * follows the KeyUpdate (never the send's -EAGAIN, never blocking), the answer waits and the
 * connection says so, and ktls_conn_write() sends it before its data once there is room. */
static void test_read_never_waits_for_write(void **state)
{
	uint8_t buf[256];
	size_t filled = 0;

	(void)state;
	struct pair p;
	pair_open(&p, 0x1301, 1, NULL);
	for (;;) { /* end 1 cannot send any more: end 0 is not reading */
		uint8_t b = pattern_byte(11, filled);
		ssize_t n = p.sys.send_record(p.sys.ctx, 1, KTLS_RECORD_APPLICATION_DATA, &b, 1, 0);
		if (n == -EAGAIN)
			break;
		assert_int_equal(n, 1);
		filled++;
	}
	assert_int_equal(ktls_conn_update_keys(p.c[0], 1), 0);
	send_data(&p, 0, 100);
	ssize_t n = ktls_conn_read(p.c[1], buf, sizeof(buf), MSG_DONTWAIT);
	assert_int_equal(n, 100);
	assert_int_equal(pattern_check(10, 0, buf, 100), 100);
	p.received[1] = 100;
	assert_int_equal(ktls_conn_send_pending(p.c[1]), 1);
	assert_int_equal(ktls_conn_write(p.c[1], "abc", 3, MSG_DONTWAIT), -EAGAIN);
	assert_int_equal(ktls_conn_flush(p.c[1], MSG_DONTWAIT), -EAGAIN);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN); /* a read's own */
	expect_generations(&p, 1, 0, 1);

	/* end 0 drains what filled its queue */
	for (size_t got = 0; got < filled;) {
		n = ktls_conn_read(p.c[0], buf, sizeof(buf), 0);
		assert_true(n > 0);
		for (ssize_t i = 0; i < n; i++)
			assert_int_equal(buf[i], pattern_byte(11, got + (size_t)i));
		got += (size_t)n;
	}
	/* the answer goes first, then the data, under the new key (the double checks the key) */
	assert_int_equal(ktls_conn_write(p.c[1], "abc", 3, MSG_DONTWAIT), 3);
	assert_int_equal(ktls_conn_send_pending(p.c[1]), 0);
	expect_generations(&p, 1, 1, 1);
	assert_int_equal(ktls_conn_read(p.c[0], buf, sizeof(buf), 0), 3);
	assert_memory_equal(buf, "abc", 3);
	expect_generations(&p, 0, 1, 1);
	pair_close(&p);
}

/* One thread's connection pair: 200 rounds of KeyUpdate (every other one requested) and data,
 * checked without cmocka (its asserts may not leave another thread). Returns the errors seen;
 * *digest sums what was received, to compare with the same run on one thread. */
struct thread_run {
	uint64_t seed, digest;
	int errors;
	pthread_t thread;
};

static void *connection_thread(void *arg)
{
	struct thread_run *t = arg;
	uint8_t s0[32], s1[32], buf[300], got[300];
	struct ktls_conn *c[2] = { NULL, NULL };
	struct kernel_double *d = kernel_double_new(1);
	struct ktls_sys sys = kernel_double_sys(d);

	pattern_fill(t->seed, 0, s0, 32);
	pattern_fill(t->seed + 1, 0, s1, 32);
	const struct ktls_secrets a = { .secret = s0, .secret_len = 32 }, b = { .secret = s1, .secret_len = 32 };
	const struct ktls_conn_opts o = { .sz = sizeof(o), .max_peer_updates = 1000 }; /* no storm here */
	t->errors += ktls_conn_open_sys(&sys, 0, 0x1301, &a, 0, &b, 0, &o, &c[0]) != 0;
	t->errors += ktls_conn_open_sys(&sys, 1, 0x1301, &b, 0, &a, 0, &o, &c[1]) != 0;
	for (uint64_t i = 0; !t->errors && i < 200; i++) {
		int from = (int)(i & 1);
		t->errors += ktls_conn_update_keys(c[from], (int)(i / 2 & 1)) != 0;
		pattern_fill(t->seed + i, 0, buf, sizeof(buf));
		t->errors += ktls_conn_write(c[from], buf, sizeof(buf), 0) != (ssize_t)sizeof(buf);
		t->errors += ktls_conn_read(c[1 - from], got, sizeof(got), 0) != (ssize_t)sizeof(got);
		t->errors += memcmp(buf, got, sizeof(buf)) != 0;
		for (size_t k = 0; k < sizeof(got); k++)
			t->digest = t->digest * 31 + got[k];
	}
	struct ktls_key_usage u = { .sz = sizeof(u) };
	t->errors += ktls_conn_key_usage(c[0], &u) != 0;
	t->digest = t->digest * 31 + u.tx_generation * 1000 + u.rx_generation;
	ktls_conn_free(c[0]);
	ktls_conn_free(c[1]);
	kernel_double_free(d);
	return NULL;
}

/* The header's promise: calls on different connections may run at the same time. */
static void test_distinct_connections_in_threads(void **state)
{
	struct thread_run alone[4], together[4];

	(void)state;
	for (int i = 0; i < 4; i++) {
		alone[i] = (struct thread_run){ .seed = 1000u * (uint64_t)i };
		connection_thread(&alone[i]);
		assert_int_equal(alone[i].errors, 0);
	}
	for (int i = 0; i < 4; i++) {
		together[i] = (struct thread_run){ .seed = 1000u * (uint64_t)i };
		assert_int_equal(pthread_create(&together[i].thread, NULL, connection_thread, &together[i]), 0);
	}
	for (int i = 0; i < 4; i++) {
		pthread_join(together[i].thread, NULL);
		assert_int_equal(together[i].errors, 0);
		assert_int_equal(together[i].digest, alone[i].digest);
	}
}

/* Opening is all or nothing: a bad secret in either direction installs nothing; the kernel
 * refusing RX after TX went in is the one distinct error, -ENOTRECOVERABLE. */
static void test_open_is_all_or_nothing(void **state)
{
	static const uint8_t secret[32], short_secret[31];
	const struct ktls_secrets good = { .secret = secret, .secret_len = 32 };
	const struct ktls_secrets bad = { .secret = short_secret, .secret_len = 31 };
	struct ktls_conn *c = NULL;

	(void)state;
	struct kernel_double *d = kernel_double_new(1);
	struct ktls_sys sys = kernel_double_sys(d);
	assert_int_equal(ktls_conn_open_sys(&sys, 0, 0x1301, &good, 0, &bad, 0, NULL, &c), -EINVAL);
	assert_int_equal(ktls_conn_open_sys(&sys, 0, 0x1301, &bad, 0, &good, 0, NULL, &c), -EINVAL);
	assert_int_equal(kernel_double_sets(d, 0, TLS_TX), 0);
	assert_int_equal(kernel_double_sets(d, 0, TLS_RX), 0);
	/* the kernel refuses TX: nothing installed, its reason returned */
	kernel_double_fail_next_set(d, 0, TLS_TX, ENOMEM);
	assert_int_equal(ktls_conn_open_sys(&sys, 0, 0x1301, &good, 0, &good, 0, NULL, &c), -ENOMEM);
	assert_int_equal(kernel_double_sets(d, 0, TLS_TX), 0);
	/* the kernel refuses RX after taking TX */
	kernel_double_fail_next_set(d, 0, TLS_RX, ENOMEM);
	assert_int_equal(ktls_conn_open_sys(&sys, 0, 0x1301, &good, 0, &good, 0, NULL, &c), -ENOTRECOVERABLE);
	assert_null(c);
	assert_int_equal(kernel_double_sets(d, 0, TLS_TX), 1);
	assert_int_equal(kernel_double_sets(d, 0, TLS_RX), 0);
	assert_non_null(strstr(ktls_strerror(-ENOTRECOVERABLE), "TX keys are in the kernel"));
	kernel_double_free(d);
}

/* The double itself behaves as the kernel documents. */
static void test_double_is_faithful(void **state)
{
	uint8_t info12[40], info13[40], chacha13[56], buf[16], type;
	static const uint8_t secret[32];
	const struct ktls_secrets s = { .secret = secret, .secret_len = 32 };
	uint8_t key[16] = { 0 }, salt[4] = { 0 };
	const struct ktls_secrets k12 = { .key = key, .key_len = 16, .iv = salt, .iv_len = 4 };

	(void)state;
	assert_int_equal(ktls_crypto_info(0xC02F, &k12, 1, info12, sizeof(info12)), 40);
	assert_int_equal(ktls_crypto_info(0x1301, &s, 0, info13, sizeof(info13)), 40);
	assert_int_equal(ktls_crypto_info(0x1303, &s, 0, chacha13, sizeof(chacha13)), 56);

	struct kernel_double *d = kernel_double_new(1);
	struct ktls_sys sys = kernel_double_sys(d);
	assert_int_equal(sys.set_crypto(d, 0, TLS_TX, info12, 40), 0);
	assert_int_equal(sys.set_crypto(d, 0, TLS_TX, info12, 40), -EBUSY); /* TLS 1.2 */
	assert_int_equal(sys.set_crypto(d, 0, TLS_RX, info13, 40), -EINVAL); /* one version both ways */
	kernel_double_free(d);

	d = kernel_double_new(1);
	sys = kernel_double_sys(d);
	assert_int_equal(sys.set_crypto(d, 1, TLS_TX, info13, 40), 0);
	assert_int_equal(sys.set_crypto(d, 1, TLS_TX, info13, 40), 0);     /* 1.3 rekey */
	assert_int_equal(sys.set_crypto(d, 1, TLS_TX, chacha13, 56), -EINVAL);
	assert_int_equal(sys.set_crypto(d, 1, TLS_RX, chacha13, 56), -EINVAL);
	assert_int_equal(sys.set_crypto(d, 0, TLS_RX, info13, 40), 0);
	assert_int_equal(sys.set_crypto(d, 0, TLS_TX, info13, 40), 0);
	/* a KeyUpdate pauses RX after it is read; TX does not pause */
	const uint8_t ku[] = { 24, 0, 0, 1, 0 };
	assert_int_equal(sys.send_record(d, 1, KTLS_RECORD_HANDSHAKE, ku, 5, 0), 5);
	assert_int_equal(sys.send_record(d, 1, KTLS_RECORD_APPLICATION_DATA, "x", 1, 0), 1);
	assert_int_equal(sys.recv_record(d, 0, buf, sizeof(buf), &type, 0), 5);
	assert_int_equal(type, KTLS_RECORD_HANDSHAKE);
	assert_int_equal(sys.recv_record(d, 0, buf, sizeof(buf), &type, 0), -EKEYEXPIRED);
	assert_int_equal(sys.send_record(d, 0, KTLS_RECORD_APPLICATION_DATA, "y", 1, 0), 1);
	/* RX state reset to sequence 0 while the sender is at 1: the record fails */
	assert_int_equal(sys.set_crypto(d, 0, TLS_RX, info13, 40), 0);
	assert_int_equal(sys.recv_record(d, 0, buf, sizeof(buf), &type, 0), -EBADMSG);
	assert_int_equal(sys.recv_record(d, 0, buf, sizeof(buf), &type, 0), -EBADMSG);
	kernel_double_free(d);

	/* without rekey support, the KeyUpdate does not pause anything */
	d = kernel_double_new(0);
	sys = kernel_double_sys(d);
	assert_int_equal(sys.set_crypto(d, 0, TLS_TX, info13, 40), 0);
	assert_int_equal(sys.set_crypto(d, 0, TLS_TX, info13, 40), -EBUSY);
	assert_int_equal(sys.set_crypto(d, 1, TLS_RX, info13, 40), 0);
	assert_int_equal(sys.send_record(d, 0, KTLS_RECORD_HANDSHAKE, ku, 5, 0), 5);
	assert_int_equal(sys.send_record(d, 0, KTLS_RECORD_APPLICATION_DATA, "z", 1, 0), 1);
	assert_int_equal(sys.recv_record(d, 1, buf, sizeof(buf), &type, 0), 5);
	assert_int_equal(sys.recv_record(d, 1, buf, sizeof(buf), &type, 0), 1);
	kernel_double_free(d);
}

static void test_key_update_storm_is_bounded(void **state)
{
	struct pair p;
	const struct ktls_conn_opts o = { .sz = sizeof(o), .max_peer_updates = 5, .peer_update_window_ms = 60000 };
	uint8_t buf[64];

	(void)state;
	pair_open(&p, 0x1301, 1, &o);
	for (int i = 0; i < 5; i++)
		assert_int_equal(ktls_conn_update_keys(p.c[0], 0), 0);
	send_data(&p, 0, 10);
	receive_all(&p, 1, sizeof(buf));
	assert_int_equal(ktls_conn_update_keys(p.c[0], 0), 0);
	send_data(&p, 0, 10);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EXFULL);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EXFULL);
	pair_close(&p);
}

/* TLS 1.2 renegotiation, from either side, is refused with a no_renegotiation warning and the
 * data around it flows on (RFC 5246 §7.2.2); a storm of attempts is bounded like KeyUpdates. */
static void send_handshake(struct pair *p, int from, uint8_t type, size_t body_len)
{
	uint8_t msg[4 + 64] = { type, 0, 0, (uint8_t)body_len };

	assert_true(body_len <= 64);
	assert_int_equal(p->sys.send_record(p->sys.ctx, from, KTLS_RECORD_HANDSHAKE, msg, 4 + body_len, 0),
			 (ssize_t)(4 + body_len));
}

static void expect_refusal(struct pair *p, int end)
{
	struct ktls_alert a;

	assert_int_equal(ktls_reader_alert(ktls_conn_reader(p->c[end]), &a), 1);
	assert_int_equal(a.level, KTLS_ALERT_LEVEL_WARNING);
	assert_int_equal(a.description, KTLS_ALERT_NO_RENEGOTIATION);
}

static void test_tls12_renegotiation_refused(void **state)
{
	const struct ktls_conn_opts o = { .sz = sizeof(o), .max_peer_updates = 3, .peer_update_window_ms = 60000 };
	struct pair p;
	uint8_t buf[64];

	(void)state;
	pair_open(&p, 0xC02F, 1, NULL);
	/* end 0 is the server: a HelloRequest between data */
	send_data(&p, 0, 1000);
	send_handshake(&p, 0, KTLS_HANDSHAKE_HELLO_REQUEST, 0);
	send_data(&p, 0, 2000);
	receive_all(&p, 1, 65536);
	assert_int_equal(ktls_conn_send_pending(p.c[1]), 0); /* the answer went out during the read */
	send_data(&p, 1, 10);
	receive_all(&p, 0, 65536);
	expect_refusal(&p, 0);
	/* end 1 is the client: a ClientHello between data */
	send_data(&p, 1, 500);
	send_handshake(&p, 1, KTLS_HANDSHAKE_CLIENT_HELLO, 40);
	send_data(&p, 1, 700);
	receive_all(&p, 0, 65536);
	send_data(&p, 0, 10);
	receive_all(&p, 1, 65536);
	expect_refusal(&p, 1);
	pair_close(&p);

	pair_open(&p, 0xC02F, 1, &o);
	for (int i = 0; i < 3; i++)
		send_handshake(&p, 1, KTLS_HANDSHAKE_CLIENT_HELLO, 40);
	send_data(&p, 1, 10);
	receive_all(&p, 0, sizeof(buf));
	send_handshake(&p, 1, KTLS_HANDSHAKE_CLIENT_HELLO, 40);
	assert_int_equal(ktls_conn_read(p.c[0], buf, sizeof(buf), 0), -EXFULL);
	pair_close(&p);

	/* TLS 1.3 has no renegotiation: a ClientHello is a protocol violation */
	pair_open(&p, 0x1301, 1, NULL);
	send_handshake(&p, 1, KTLS_HANDSHAKE_CLIENT_HELLO, 40);
	assert_int_equal(ktls_conn_read(p.c[0], buf, sizeof(buf), 0), -EPROTO);
	pair_close(&p);
}

static void test_key_usage_and_automatic_update(void **state)
{
	struct pair p;
	const struct ktls_conn_opts o = { .sz = sizeof(o), .auto_update_records = 10 };
	struct ktls_key_usage u = { .sz = sizeof(u) };
	uint64_t limit;

	(void)state;
	pair_open(&p, 0x1301, 1, &o);
	for (int i = 0; i < 9; i++)
		send_data(&p, 0, 100);
	assert_int_equal(ktls_conn_check_limits(p.c[0]), 0);
	send_data(&p, 0, 100);
	assert_int_equal(ktls_conn_check_limits(p.c[0]), 1);
	assert_int_equal(ktls_conn_key_usage(p.c[0], &u), 0);
	assert_int_equal(u.tx_records, 0);
	assert_int_equal(u.tx_generation, 1);
	assert_int_equal(u.record_limit, 23726566);
	send_data(&p, 0, 100);
	receive_all(&p, 1, 65536);
	assert_int_equal(ktls_conn_key_usage(p.c[1], &u), 0);
	assert_int_equal(u.rx_records, 1); /* one record under the new key */
	assert_int_equal(u.rx_generation, 1);
	u.sz = 8;
	assert_int_equal(ktls_conn_key_usage(p.c[1], &u), -EINVAL);
	pair_close(&p);

	/* defaults: half the confidentiality limit */
	pair_open(&p, 0x1301, 1, NULL);
	for (int i = 0; i < 20; i++)
		send_data(&p, 0, 10);
	assert_int_equal(ktls_conn_check_limits(p.c[0]), 0);
	pair_close(&p);

	assert_int_equal(ktls_suite_confidentiality_limit(0x1303, &limit), 0);
	assert_int_equal(limit, UINT64_C(1) << 62);
	assert_int_equal(ktls_suite_confidentiality_limit(0x1304, &limit), 0);
	assert_int_equal(limit, 11863283);
	assert_int_equal(ktls_suite_confidentiality_limit(0xC051, &limit), 0); /* ARIA-256-GCM */
	assert_int_equal(limit, 23726566);
	assert_int_equal(ktls_suite_confidentiality_limit(0x1305, &limit), -EPROTONOSUPPORT);
	assert_int_equal(ktls_suite_confidentiality_limit(0x1301, NULL), -EFAULT);
}

/* Every setsockopt of the KeyUpdate path fails once with each transient errno, then works:
 * nothing is sent twice, no update and no data are lost, the generations come out right. */
static void test_failed_installs_are_retried(void **state)
{
	static const int transient[] = { EMFILE, ENFILE, ENOMEM, ENOBUFS, EINTR, EAGAIN };
	uint8_t buf[64];

	(void)state;
	for (size_t i = 0; i < sizeof(transient) / sizeof(transient[0]); i++) {
		const int err = transient[i];
		struct pair p;
		pair_open(&p, 0x1301, 1, NULL);
		/* asking the socket whether it can rekey fails: nothing was sent */
		kernel_double_fail_next_set(p.d, 0, TLS_TX, err);
		assert_int_equal(ktls_conn_update_keys(p.c[0], 1), -err);
		assert_int_equal(kernel_double_queued(p.d, 1), 0);
		expect_generations(&p, 0, 0, 0);
		assert_int_equal(ktls_conn_update_keys(p.c[0], 0), 0);
		assert_int_equal(kernel_double_queued(p.d, 1), 1);
		/* the KeyUpdate went out, its key did not go in: the retry does not send another */
		kernel_double_fail_next_set(p.d, 0, TLS_TX, err);
		assert_int_equal(ktls_conn_update_keys(p.c[0], 1), -err);
		assert_int_equal(kernel_double_queued(p.d, 1), 2);
		assert_int_equal(ktls_conn_update_keys(p.c[0], 1), 0);
		assert_int_equal(kernel_double_queued(p.d, 1), 2);
		expect_generations(&p, 0, 2, 0);
		send_data(&p, 0, 50);
		/* the peer's first new RX key fails, then the TX key of its answer to the second
		 * KeyUpdate: each read retries what is pending, and the data after the KeyUpdates
		 * arrives under the newest key */
		kernel_double_fail_next_set(p.d, 1, TLS_RX, err);
		assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -err);
		kernel_double_fail_next_set(p.d, 1, TLS_TX, err);
		ssize_t n = ktls_conn_read(p.c[1], buf, sizeof(buf), 0);
		/* a read never returns its writing half's error: the data comes, the answer's key
		 * waits, the connection says so, and a flush retries it */
		assert_int_equal(n, 50);
		assert_int_equal(pattern_check(10, 0, buf, 50), 50);
		p.received[1] += 50;
		assert_int_equal(ktls_conn_send_pending(p.c[1]), 1);
		assert_int_equal(ktls_conn_flush(p.c[1], 0), 0);
		assert_int_equal(ktls_conn_send_pending(p.c[1]), 0);
		receive_all(&p, 1, sizeof(buf));
		assert_int_equal(ktls_conn_send_pending(p.c[1]), 0);
		expect_generations(&p, 1, 1, 2);
		/* the answer reached the requester, which follows it */
		send_data(&p, 1, 70);
		receive_all(&p, 0, sizeof(buf));
		expect_generations(&p, 0, 2, 1);
		pair_close(&p);
	}
}

static void test_malformed_or_misplaced_key_update(void **state)
{
	struct pair p;
	struct ktls_alert a;
	uint8_t buf[64];

	(void)state;
	pair_open(&p, 0x1301, 1, NULL);
	const uint8_t bad[] = { KTLS_HANDSHAKE_KEY_UPDATE, 0, 0, 1, 2 };
	assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, bad, sizeof(bad), 0), 5);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EPROTO);
	assert_int_equal(ktls_reader_alert_to_send(ktls_conn_reader(p.c[1]), &a), 1);
	assert_int_equal(a.description, KTLS_ALERT_ILLEGAL_PARAMETER);
	pair_close(&p);

	/* a KeyUpdate must end its record */
	pair_open(&p, 0x1301, 1, NULL);
	const uint8_t two[] = { 24, 0, 0, 1, 0, 4, 0, 0, 1, 0 };
	assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, two, sizeof(two), 0), 10);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EPROTO);
	assert_int_equal(ktls_reader_alert_to_send(ktls_conn_reader(p.c[1]), &a), 1);
	assert_int_equal(a.description, KTLS_ALERT_UNEXPECTED_MESSAGE);
	pair_close(&p);
}

/* Tickets before and after a KeyUpdate reach the application in order; the KeyUpdate does not. */
static void test_tickets_around_key_updates(void **state)
{
	struct pair p;
	uint8_t buf[64], type;
	const uint8_t *body;
	size_t len;
	const uint8_t nst[] = { 4, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0 };

	(void)state;
	pair_open(&p, 0x1301, 1, NULL);
	assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, nst, sizeof(nst), 0), 13);
	assert_int_equal(ktls_conn_update_keys(p.c[0], 1), 0);
	assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, nst, sizeof(nst), 0), 13);
	send_data(&p, 0, 20);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -ENOMSG);
	assert_int_equal(ktls_conn_next_message(p.c[1], &type, &body, &len), 1);
	assert_int_equal(type, KTLS_HANDSHAKE_NEW_SESSION_TICKET);
	assert_int_equal(ktls_conn_next_message(p.c[1], &type, &body, &len), 0);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -ENOMSG);
	expect_generations(&p, 1, 1, 1); /* the update in between was handled */
	assert_int_equal(ktls_conn_next_message(p.c[1], &type, &body, &len), 1);
	assert_int_equal(type, KTLS_HANDSHAKE_NEW_SESSION_TICKET);
	receive_all(&p, 1, sizeof(buf));
	receive_all(&p, 0, sizeof(buf)); /* the answer KeyUpdate, handled by end 0 */
	expect_generations(&p, 0, 1, 1);
	pair_close(&p);
}

/* Zero-copy receive is on for TLS 1.3 unless the options say the peer pads; options of 1.0's
 * size (flags and reserved included: tests/abi/v1.0/ktls.h) take the default; unknown flags,
 * and any size smaller than 1.0's, are refused. */
static void test_zero_copy_receive_by_default(void **state)
{
	struct pair p;
	const struct ktls_conn_opts padded = { .sz = sizeof(padded), .flags = KTLS_CONN_PEER_PADS };
	const struct ktls_conn_opts v10 = { .sz = offsetof(struct ktls_conn_opts, reserved) + sizeof(uint32_t) };
	struct ktls_conn_opts unknown = { .sz = sizeof(unknown), .flags = 8 };

	(void)state;
	pair_open(&p, 0x1301, 1, NULL);
	assert_int_equal(kernel_double_rx_no_pad(p.d, 0), 1);
	assert_int_equal(kernel_double_rx_no_pad(p.d, 1), 1);
	pair_close(&p);
	pair_open(&p, 0x1301, 1, &padded);
	assert_int_equal(kernel_double_rx_no_pad(p.d, 1), 0);
	pair_close(&p);
	pair_open(&p, 0x1303, 0, &v10);
	assert_int_equal(kernel_double_rx_no_pad(p.d, 1), 1);
	send_data(&p, 0, 1000);
	receive_all(&p, 1, 4096);
	pair_close(&p);
	pair_open(&p, 0xC02F, 0, NULL); /* TLS 1.2 has no such option */
	assert_int_equal(kernel_double_rx_no_pad(p.d, 1), 0);
	pair_close(&p);

	static const uint8_t secret[32];
	const struct ktls_secrets s = { .secret = secret, .secret_len = 32 };
	struct kernel_double *d = kernel_double_new(1);
	struct ktls_sys sys = kernel_double_sys(d);
	struct ktls_conn *c = NULL;
	assert_int_equal(ktls_conn_open_sys(&sys, 0, 0x1301, &s, 0, &s, 0, &unknown, &c), -EINVAL);
	assert_null(c);
	unknown.flags = KTLS_CONN_SERVER | KTLS_CONN_CLIENT; /* one end has one role */
	assert_int_equal(ktls_conn_open_sys(&sys, 0, 0x1301, &s, 0, &s, 0, &unknown, &c), -EINVAL);
	assert_null(c);
	assert_int_equal(kernel_double_sets(d, 0, 1), 0);
	unknown.flags = 0;
	for (unknown.sz = 0; unknown.sz < v10.sz; unknown.sz++) /* shorter than 1.0's: 32 to 39 were taken */
		assert_int_equal(ktls_conn_open_sys(&sys, 0, 0x1301, &s, 0, &s, 0, &unknown, &c), -EINVAL);
	assert_null(c);
	kernel_double_free(d);
}

/* The fatal alert end `end` received: its description, after any data before it; -1 if none. */
static int alert_received(struct pair *p, int end)
{
	uint8_t buf[KTLS_RECORD_MAX], type;

	for (;;) {
		ssize_t n = p->sys.recv_record(p->sys.ctx, end, buf, sizeof(buf), &type, 0);
		if (n < 0)
			return -1;
		if (type == KTLS_RECORD_ALERT) {
			assert_int_equal(n, 2);
			assert_int_equal(buf[0], KTLS_ALERT_LEVEL_FATAL);
			return buf[1];
		}
	}
}

/* Review item 1: after our close_notify and SHUT_WR the peer may still send; when the answer a
 * KeyUpdate (update_requested) or a TLS 1.2 HelloRequest calls for cannot be sent (a reset
 * connection), reads still deliver the data and the close_notify that arrived; the send's error
 * is for the writer. Before: every read returned -EPIPE. */
static void test_read_never_returns_a_send_error(void **state)
{
	static const uint8_t hello_request[] = { KTLS_HANDSHAKE_HELLO_REQUEST, 0, 0, 0 };
	static const uint8_t close_notify[] = { KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_CLOSE_NOTIFY };
	const uint16_t suites[] = { 0x1301, 0xC02F };
	uint8_t buf[256];
	struct pair p;

	(void)state;
	for (size_t i = 0; i < 2; i++) {
		pair_open(&p, suites[i], 1, NULL);
		if (i == 0)
			assert_int_equal(ktls_conn_update_keys(p.c[0], 1), 0);
		else
			assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, hello_request,
							   sizeof(hello_request), 0), 4);
		send_data(&p, 0, 30);
		assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_ALERT, close_notify, 2, 0), 2);
		kernel_double_fail_sends(p.d, 1, EPIPE);
		assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), 30);
		assert_int_equal(pattern_check(10, 0, buf, 30), 30);
		assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), 0);
		assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), 0);
		assert_int_equal(ktls_conn_send_pending(p.c[1]), 1);
		assert_int_equal(ktls_conn_flush(p.c[1], 0), -EPIPE);
		assert_int_equal(ktls_conn_write(p.c[1], "x", 1, 0), -EPIPE);
		pair_close(&p);
	}
}

/* Review item 2: a write with MSG_MORE while a KeyUpdate answer is pending sends the answer (a
 * control record, which cannot take MSG_MORE) and then the data. Before: -EINVAL for ever. */
static void test_write_more_sends_pending_answer(void **state)
{
	uint8_t buf[64];
	struct pair p;

	(void)state;
	pair_open(&p, 0x1301, 1, NULL);
	assert_int_equal(ktls_conn_update_keys(p.c[0], 1), 0);
	kernel_double_fail_sends(p.d, 1, EAGAIN); /* a full send buffer: the answer waits */
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EAGAIN);
	assert_int_equal(ktls_conn_send_pending(p.c[1]), 1);
	kernel_double_fail_sends(p.d, 1, 0);
	pattern_fill(11, 0, buf, 10);
	assert_int_equal(ktls_conn_write(p.c[1], buf, 10, MSG_MORE), 10);
	p.sent[1] += 10;
	assert_int_equal(ktls_conn_send_pending(p.c[1]), 0);
	receive_all(&p, 0, sizeof(buf));
	expect_generations(&p, 0, 1, 1);
	pair_close(&p);
}

/* Review item 3: RFC 8446 §5.1 holds whatever the caller's buffer: a record is judged whole. A
 * KeyUpdate read through a buffer exactly its size, with a ticket after it in the same record, is
 * refused (before: the key changed); a 3-byte TLS 1.3 alert record is a decode_error and a 3-byte
 * TLS 1.2 close_notify record an unexpected_message (before: both taken as close_notify). The
 * alert each calls for reaches the peer. */
static void test_record_rules_whatever_the_buffer(void **state)
{
	static const uint8_t ku_then_ticket[] = { 24, 0, 0, 1, 0, 4, 0, 0, 1, 0 };
	static const uint8_t long_close_notify[] = { KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_CLOSE_NOTIFY, 0 };
	uint8_t buf[8];
	struct pair p;

	(void)state;
	pair_open(&p, 0x1301, 1, NULL);
	assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, ku_then_ticket, 10, 0), 10);
	assert_int_equal(ktls_conn_read(p.c[1], buf, 5, 0), -EPROTO);
	expect_generations(&p, 1, 0, 0);
	assert_int_equal(alert_received(&p, 0), KTLS_ALERT_UNEXPECTED_MESSAGE);
	pair_close(&p);

	const uint16_t suites[] = { 0x1301, 0xC02F };
	const uint8_t want[] = { KTLS_ALERT_DECODE_ERROR, KTLS_ALERT_UNEXPECTED_MESSAGE };
	for (size_t i = 0; i < 2; i++) {
		pair_open(&p, suites[i], 1, NULL);
		assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_ALERT, long_close_notify, 3, 0), 3);
		assert_int_equal(ktls_conn_read(p.c[1], buf, 2, 0), -EPROTO);
		assert_int_equal(alert_received(&p, 0), want[i]);
		pair_close(&p);
	}
}

/* The receive path sends the fatal alert each failure calls for, once: bad_record_mac for a record
 * that failed authentication (after reading the socket error it set, which blocks every send
 * until then), illegal_parameter and decode_error for a malformed KeyUpdate, unexpected_message
 * for a change_cipher_spec or an empty alert, internal_error for a KeyUpdate this kernel cannot
 * follow. */
static void test_fatal_alerts_sent(void **state)
{
	static const uint8_t other[32] = { 9 };
	const struct ktls_secrets wrong = { .secret = other, .secret_len = 32 };
	uint8_t buf[64], info[KTLS_CRYPTO_INFO_MAX];
	struct pair p;

	(void)state;
	pair_open(&p, 0x1301, 1, NULL);
	ssize_t len = ktls_crypto_info(0x1301, &wrong, 0, info, sizeof(info));
	assert_true(len > 0);
	assert_int_equal(p.sys.replace_crypto(p.sys.ctx, 0, TLS_TX, info, (size_t)len), 0);
	send_data(&p, 0, 10);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EBADMSG);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EBADMSG);
	assert_int_equal(alert_received(&p, 0), KTLS_ALERT_BAD_RECORD_MAC);
	assert_int_equal(kernel_double_queued(p.d, 0), 0); /* once */
	pair_close(&p);

	static const struct {
		uint8_t type;
		const char *bytes;
		size_t len;
		int err, rekey;
		uint8_t alert;
	} cases[] = {
		{ KTLS_RECORD_HANDSHAKE, "\x18\x00\x00\x01\x02", 5, -EPROTO, 1, KTLS_ALERT_ILLEGAL_PARAMETER },
		{ KTLS_RECORD_HANDSHAKE, "\x18\x00\x00\x02\x00\x00", 6, -EPROTO, 1, KTLS_ALERT_DECODE_ERROR },
		{ KTLS_RECORD_HANDSHAKE, "\x18\x00\x00\x00", 4, -EPROTO, 1, KTLS_ALERT_DECODE_ERROR },
		{ KTLS_RECORD_CHANGE_CIPHER_SPEC, "\x01", 1, -EPROTO, 1, KTLS_ALERT_UNEXPECTED_MESSAGE },
		{ KTLS_RECORD_ALERT, "", 0, -EPROTO, 1, KTLS_ALERT_UNEXPECTED_MESSAGE },
		{ KTLS_RECORD_HANDSHAKE, "\x18\x00\x00\x01\x00", 5, -EKEYEXPIRED, 0, KTLS_ALERT_INTERNAL_ERROR },
	};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		pair_open(&p, 0x1301, cases[i].rekey, NULL);
		assert_int_equal(p.sys.send_record(p.sys.ctx, 0, cases[i].type, cases[i].bytes, cases[i].len, 0),
				 (ssize_t)cases[i].len);
		assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), cases[i].err);
		assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), cases[i].err);
		assert_int_equal(alert_received(&p, 0), cases[i].alert);
		assert_int_equal(alert_received(&p, 0), -1); /* once */
		pair_close(&p);
	}
}

/* A fatal alert that a full send buffer held back goes out with the next call, once: for a
 * failure of the reader (a bad record) and of the connection (a malformed KeyUpdate). */
static void test_fatal_alert_retried(void **state)
{
	static const uint8_t bad_ku[] = { KTLS_HANDSHAKE_KEY_UPDATE, 0, 0, 1, 7 };
	static const uint8_t empty_alert[1];
	uint8_t buf[64];
	struct pair p;

	(void)state;
	for (int connection_level = 0; connection_level < 2; connection_level++) {
		pair_open(&p, 0x1301, 1, NULL);
		if (connection_level)
			assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, bad_ku, 5, 0), 5);
		else
			assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_ALERT, empty_alert, 0, 0), 0);
		kernel_double_fail_sends(p.d, 1, EAGAIN);
		assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EPROTO);
		assert_int_equal(alert_received(&p, 0), -1);
		kernel_double_fail_sends(p.d, 1, 0);
		assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EPROTO);
		assert_int_equal(alert_received(&p, 0), connection_level ? KTLS_ALERT_ILLEGAL_PARAMETER
									 : KTLS_ALERT_UNEXPECTED_MESSAGE);
		assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EPROTO);
		assert_int_equal(alert_received(&p, 0), -1);
		pair_close(&p);
	}
}

/* Send a KeyUpdate from end 0 by hand, cut into records at `cuts`, then install its next TX key. */
static void send_fragmented_key_update(struct pair *p, int requested, const size_t *cuts, size_t ncuts)
{
	static uint8_t s1[48];
	uint8_t msg[5] = { KTLS_HANDSHAKE_KEY_UPDATE, 0, 0, 1, (uint8_t)requested }, next[48];
	uint8_t info[KTLS_CRYPTO_INFO_MAX];
	size_t at = 0;

	for (size_t i = 0; i <= ncuts; i++) {
		size_t end = i < ncuts ? cuts[i] : sizeof(msg);
		assert_int_equal(p->sys.send_record(p->sys.ctx, 0, KTLS_RECORD_HANDSHAKE, msg + at, end - at, 0),
				 (ssize_t)(end - at));
		at = end;
	}
	pattern_fill(1, 0, s1, 48); /* end 0's TX secret, as pair_open() made it */
	assert_int_equal(ktls_update_secret(0x1301, s1, 32, next), 0);
	const struct ktls_secrets n = { .secret = next, .secret_len = 32 };
	ssize_t len = ktls_crypto_info(0x1301, &n, 0, info, sizeof(info));
	assert_true(len > 0);
	assert_int_equal(p->sys.replace_crypto(p->sys.ctx, 0, TLS_TX, info, (size_t)len), 0);
}

/* A KeyUpdate fragmented over handshake records is legal (RFC 8446 §5.1 forbids only data
 * between the pieces): the kernel pauses on the first piece, libktls resumes it with the current
 * key, and follows the update once the message is whole (answering it when asked). Application
 * data between the pieces, or two KeyUpdates in one record (the first does not end its record),
 * are unexpected_message. */
static void test_fragmented_key_update(void **state)
{
	static const size_t cuts[][2] = { { 1, 0 }, { 3, 0 }, { 1, 3 } };
	uint8_t buf[64];
	struct pair p;

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		pair_open(&p, 0x1301, 1, NULL);
		send_fragmented_key_update(&p, (int)(i == 2), cuts[i], i == 2 ? 2 : 1);
		send_data(&p, 0, 40);
		receive_all(&p, 1, sizeof(buf));
		expect_generations(&p, 1, i == 2 ? 1 : 0, 1);
		pair_close(&p);
	}

	pair_open(&p, 0x1301, 1, NULL);
	assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, "\x18\x00", 2, 0), 2);
	send_data(&p, 0, 5);
	assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, "\x00\x01\x00", 3, 0), 3);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EPROTO);
	assert_int_equal(alert_received(&p, 0), KTLS_ALERT_UNEXPECTED_MESSAGE);
	pair_close(&p);

	pair_open(&p, 0x1301, 1, NULL);
	static const uint8_t two[] = { 24, 0, 0, 1, 0, 24, 0, 0, 1, 0 };
	assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, two, sizeof(two), 0), 10);
	assert_int_equal(ktls_conn_read(p.c[1], buf, sizeof(buf), 0), -EPROTO);
	expect_generations(&p, 1, 0, 0);
	assert_int_equal(alert_received(&p, 0), KTLS_ALERT_UNEXPECTED_MESSAGE);
	pair_close(&p);
}

/* With its role known, a connection refuses what only the other role sends: a HelloRequest or a
 * TLS 1.3 NewSessionTicket reaching a server, a ClientHello reaching a client (unexpected_message:
 * a client that sent a HelloRequest waited for ever for an answer, given a no_renegotiation
 * warning). Without a role both renegotiation messages are refused with the warning, as in 1.0. */
static void test_role_refuses_the_other_roles_messages(void **state)
{
	static const uint8_t hello_request[] = { KTLS_HANDSHAKE_HELLO_REQUEST, 0, 0, 0 };
	static const uint8_t client_hello[] = { KTLS_HANDSHAKE_CLIENT_HELLO, 0, 0, 0 };
	static const uint8_t ticket[] = { KTLS_HANDSHAKE_NEW_SESSION_TICKET, 0, 0, 9, 0, 0, 0, 1, 0, 0, 0, 2, 0 };
	static const struct {
		uint16_t suite;
		uint32_t role;
		const uint8_t *msg;
		size_t len;
		int refused;
	} cases[] = {
		{ 0xC02F, KTLS_CONN_SERVER, hello_request, 4, 1 },
		{ 0xC02F, KTLS_CONN_CLIENT, client_hello, 4, 1 },
		{ 0x1301, KTLS_CONN_SERVER, ticket, sizeof(ticket), 1 },
		{ 0xC02F, KTLS_CONN_CLIENT, hello_request, 4, 0 },
		{ 0xC02F, KTLS_CONN_SERVER, client_hello, 4, 0 },
		{ 0xC02F, 0, hello_request, 4, 0 },
		{ 0xC02F, 0, client_hello, 4, 0 },
		{ 0x1301, KTLS_CONN_CLIENT, ticket, sizeof(ticket), 0 },
	};
	uint8_t buf[64];
	struct pair p;

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct ktls_conn_opts o = { .sz = sizeof(o), .flags = cases[i].role };
		pair_open(&p, cases[i].suite, 1, &o);
		assert_int_equal(p.sys.send_record(p.sys.ctx, 0, KTLS_RECORD_HANDSHAKE, cases[i].msg, cases[i].len, 0),
				 (ssize_t)cases[i].len);
		send_data(&p, 0, 10);
		ssize_t n = ktls_conn_read(p.c[1], buf, sizeof(buf), 0);
		if (cases[i].refused) {
			assert_int_equal(n, -EPROTO);
			assert_int_equal(alert_received(&p, 0), KTLS_ALERT_UNEXPECTED_MESSAGE);
		} else if (cases[i].msg == ticket) {
			assert_int_equal(n, -ENOMSG);
		} else {
			assert_int_equal(n, 10);
			uint8_t type;
			assert_int_equal(p.sys.recv_record(p.sys.ctx, 0, buf, sizeof(buf), &type, 0), 2);
			assert_int_equal(type, KTLS_RECORD_ALERT);
			assert_int_equal(buf[1], KTLS_ALERT_NO_RENEGOTIATION);
		}
		pair_close(&p);
	}
}

/* ktls_conn_readv(): data fills the buffers in order, skipping empty ones; a KeyUpdate between
 * records ends a read, is followed by the next (which reads into the first buffer), and the
 * data behind it is scattered again. */
static void test_readv_scatters_data(void **state)
{
	struct pair p;
	uint8_t a[700], c[5000];
	struct iovec v[3] = { { a, sizeof(a) }, { NULL, 0 }, { c, sizeof(c) } };

	(void)state;
	pair_open(&p, 0x1301, 1, NULL);
	send_data(&p, 0, 1000);
	assert_int_equal(ktls_conn_update_keys(p.c[0], 1), 0);
	send_data(&p, 0, 3000);

	assert_int_equal(ktls_conn_readv(p.c[1], v, 3, 0), 1000); /* up to the KeyUpdate */
	assert_int_equal(pattern_check(10, 0, a, 700), 700);
	assert_int_equal(pattern_check(10, 700, c, 300), 300);
	assert_int_equal(ktls_conn_readv(p.c[1], v, 3, 0), 700); /* the KeyUpdate, then a's worth */
	assert_int_equal(pattern_check(10, 1000, a, 700), 700);
	expect_generations(&p, 1, 1, 1);
	assert_int_equal(ktls_conn_readv(p.c[1], v, 3, 0), 2300);
	assert_int_equal(pattern_check(10, 1700, a, 700), 700);
	assert_int_equal(pattern_check(10, 2400, c, 1600), 1600);
	assert_int_equal(ktls_conn_readv(p.c[1], v, 3, 0), -EAGAIN);

	struct iovec none[2] = { { a, 0 }, { NULL, 0 } }, no_base = { NULL, 1 };
	assert_int_equal(ktls_conn_readv(NULL, v, 3, 0), -EFAULT);
	assert_int_equal(ktls_conn_readv(p.c[1], NULL, 1, 0), -EFAULT);
	assert_int_equal(ktls_conn_readv(p.c[1], &no_base, 1, 0), -EFAULT);
	assert_int_equal(ktls_conn_readv(p.c[1], v, 0, 0), -EINVAL);
	assert_int_equal(ktls_conn_readv(p.c[1], v, 1025, 0), -EINVAL);
	assert_int_equal(ktls_conn_readv(p.c[1], none, 2, 0), -EINVAL);
	pair_close(&p);
}

/* Review item 4: sizes below the first shipped struct are refused (see the zero-copy test); and
 * the error text of INT_MIN, which cannot be negated, is the unknown one. */
static void test_strerror_of_int_min(void **state)
{
	(void)state;
	assert_string_equal(ktls_strerror(INT_MIN), ktls_strerror(-4095));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_self_initiated_update),
		cmocka_unit_test(test_update_requested_is_answered),
		cmocka_unit_test(test_each_request_answered_before_data),
		cmocka_unit_test(test_many_generations_interleaved),
		cmocka_unit_test(test_kernel_without_rekey),
		cmocka_unit_test(test_open_is_all_or_nothing),
		cmocka_unit_test(test_read_never_waits_for_write),
		cmocka_unit_test(test_distinct_connections_in_threads),
		cmocka_unit_test(test_tls12_has_no_key_update),
		cmocka_unit_test(test_double_is_faithful),
		cmocka_unit_test(test_key_update_storm_is_bounded),
		cmocka_unit_test(test_tls12_renegotiation_refused),
		cmocka_unit_test(test_key_usage_and_automatic_update),
		cmocka_unit_test(test_failed_installs_are_retried),
		cmocka_unit_test(test_malformed_or_misplaced_key_update),
		cmocka_unit_test(test_tickets_around_key_updates),
		cmocka_unit_test(test_zero_copy_receive_by_default),
		cmocka_unit_test(test_read_never_returns_a_send_error),
		cmocka_unit_test(test_write_more_sends_pending_answer),
		cmocka_unit_test(test_record_rules_whatever_the_buffer),
		cmocka_unit_test(test_fatal_alerts_sent),
		cmocka_unit_test(test_fatal_alert_retried),
		cmocka_unit_test(test_fragmented_key_update),
		cmocka_unit_test(test_strerror_of_int_min),
		cmocka_unit_test(test_readv_scatters_data),
		cmocka_unit_test(test_role_refuses_the_other_roles_messages),
	};
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
