/* SPDX-License-Identifier: MIT */
/* No byte of a key, IV or traffic secret the library handled stays in memory it freed (an
 * interposed allocator scans every block at free: libktls's and libcrypto's) or in the stack frames
 * it left (scanned after each call); and every allocation, made to fail in turn, gives a clean
 * error with nothing leaked. */
#define _GNU_SOURCE
#include <errno.h>
#include <malloc.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <openssl/crypto.h>

#include "ktls-internal.h"
#include "../common/kernel-double.h"
#include "../common/net.h"
#include "../common/kernel-suite.h"

void *__libc_malloc(size_t n);
void *__libc_calloc(size_t n, size_t m);
void *__libc_realloc(void *p, size_t n);
void __libc_free(void *p);

/* ---- the interposed allocator ---- */

#define NEEDLES_MAX 32
static struct {
	uint8_t bytes[48];
	size_t len;
	const char *what;
} needles[NEEDLES_MAX];
static int n_needles, scanning;
static const char *found_in_heap;
static long fail_after = -1; /* allocations left before one fails; -1: never */
static long live;

static int should_fail(void)
{
	if (fail_after < 0)
		return 0;
	if (fail_after-- == 0) {
		errno = ENOMEM;
		return 1;
	}
	return 0;
}

/* A plain byte loop: library search routines may spill the needle (a canary) to the stack. */
static __attribute__((optimize("no-tree-vectorize"))) const char *scan(const void *p, size_t n)
{
	const volatile uint8_t *h = p;

	for (int i = 0; i < n_needles; i++) {
		size_t len = needles[i].len;
		for (size_t at = 0; at + len <= n; at++) {
			size_t j = 0;
			while (j < len && h[at + j] == needles[i].bytes[j])
				j++;
			if (j == len)
				return needles[i].what;
		}
	}
	return NULL;
}

void *malloc(size_t n)
{
	if (should_fail())
		return NULL;
	void *p = __libc_malloc(n);
	live += p != NULL;
	return p;
}

void *calloc(size_t n, size_t m)
{
	if (should_fail())
		return NULL;
	void *p = __libc_calloc(n, m);
	live += p != NULL;
	return p;
}

void *realloc(void *p, size_t n)
{
	if (!p)
		return malloc(n);
	if (should_fail())
		return NULL;
	return __libc_realloc(p, n);
}

void free(void *p)
{
	if (!p)
		return;
	if (scanning && !found_in_heap)
		found_in_heap = scan(p, malloc_usable_size(p));
	live--;
	__libc_free(p);
}

static void add_needle(const char *what, const uint8_t *bytes, size_t len)
{
	assert_true(n_needles < NEEDLES_MAX && len <= sizeof(needles[0].bytes) && len >= 8);
	memcpy(needles[n_needles].bytes, bytes, len);
	needles[n_needles].len = len;
	needles[n_needles].what = what;
	n_needles++;
}

/* The dead frames below the caller: what the last call left on the stack. The array is read in
 * place, never written: it lies over the frames of the call that just returned. */
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
static __attribute__((noinline)) const char *scan_dead_stack(void)
{
	uint8_t frames[65536];

	__asm__ volatile("" : : "r"(frames) : "memory"); /* the compiler may not assume its contents */
	return scan(frames, sizeof(frames));
}
#pragma GCC diagnostic pop

/* Zero the stack below the caller: setup's own copies of the canaries must not count. */
static __attribute__((noinline)) void wipe_dead_stack(void)
{
	uint8_t frames[65536];

	explicit_bzero(frames, sizeof(frames));
	__asm__ volatile("" : : "r"(frames) : "memory");
}

#define CHECK_CLEAN(call)                                                                        \
	do {                                                                                     \
		found_in_heap = NULL;                                                            \
		scanning = getenv("NO_HEAP_SCAN") ? 0 : 1;                                      \
		call;                                                                            \
		scanning = 0;                                                                    \
		const char *stack = scan_dead_stack();                                           \
		if (found_in_heap)                                                               \
			fail_msg("%s left %s in freed memory", #call, found_in_heap);            \
		if (stack)                                                                       \
			fail_msg("%s left %s on the stack", #call, stack);                       \
	} while (0)

/* ---- canaries: secrets, and everything derived from them ---- */

static uint8_t secret[48], next[48], key[32], iv[12], master[48], block[88];
static const uint8_t randoms[32] = { 1 };

static int setup(void **state)
{
	size_t kl = sizeof(key), il = sizeof(iv);

	for (size_t i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(0xA5 ^ (i * 29)), master[i] = (uint8_t)(0x3C ^ (i * 31));
	if (ktls_derive_keys(0x1302, secret, 48, key, &kl, iv, &il) || ktls_update_secret(0x1302, secret, 48, next) ||
	    ktls_tls12_key_block(0xC030, master, 48, randoms, randoms, block, 72))
		return -1;
	n_needles = 0;
	add_needle("the traffic secret", secret, 16);
	add_needle("the traffic secret's tail", secret + 32, 16);
	add_needle("the derived key", key, 16);
	add_needle("the derived key's tail", key + 16, 16);
	add_needle("the derived IV", iv, 12);
	add_needle("the next-generation secret", next, 16);
	add_needle("the TLS 1.2 master secret", master, 16);
	add_needle("the TLS 1.2 client key", block, 16);
	add_needle("the TLS 1.2 server key", block + 32, 16);
	wipe_dead_stack();
	return fd_leak_setup(state);
}

static void test_key_schedule_leaves_nothing(void **state)
{
	uint8_t out[96], k[32], v[12];
	size_t kl = sizeof(k), vl = sizeof(v);

	(void)state;
	CHECK_CLEAN(assert_int_equal(ktls_derive_keys(0x1302, secret, 48, k, &kl, v, &vl), 0));
	CHECK_CLEAN(assert_int_equal(ktls_update_secret(0x1302, secret, 48, out), 0));
	CHECK_CLEAN(assert_int_equal(ktls_hkdf_expand_label(0x1302, secret, 48, "key", NULL, 0, out, 32), 0));
	CHECK_CLEAN(assert_int_equal(ktls_tls12_key_block(0xC030, master, 48, randoms, randoms, out, 72), 0));
	/* failing calls too */
	CHECK_CLEAN(assert_int_equal(ktls_derive_keys(0x1302, secret, 47, k, &kl, v, &vl), -EINVAL));
	OPENSSL_cleanse(out, sizeof(out));
	OPENSSL_cleanse(k, sizeof(k));
	OPENSSL_cleanse(v, sizeof(v));
}

static void test_crypto_info_and_install_leave_nothing(void **state)
{
	uint8_t info[KTLS_CRYPTO_INFO_MAX];
	const struct ktls_secrets s = { .secret = secret, .secret_len = 48 };
	const struct ktls_secrets k = { .key = key, .key_len = 32, .iv = iv, .iv_len = 12 };
	int c, p;

	(void)state;
	CHECK_CLEAN(assert_int_equal(ktls_crypto_info(0x1302, &s, 7, info, sizeof(info)), 56));
	CHECK_CLEAN(assert_int_equal(ktls_crypto_info(0x1302, &k, 7, info, sizeof(info)), 56));
	CHECK_CLEAN(assert_int_equal(ktls_crypto_info(0x1302, &s, 7, info, 10), -ENOSPC));
	OPENSSL_cleanse(info, sizeof(info));
	/* install on a socket, whatever the kernel says (here or in the VM): error paths wipe too */
	assert_int_equal(tcp_pair(&c, &p, 0), 0);
	int r;
	CHECK_CLEAN(r = ktls_install(c, KTLS_DIR_TX, 0x1302, &s, 0));
	assert_true(r == 0 || r == -ENOENT);
	CHECK_CLEAN(r = ktls_install(-1, KTLS_DIR_RX, 0x1302, &s, 0));
	assert_int_equal(r, -EBADF);
	close(c);
	close(p);
}

static void test_connection_leaves_nothing(void **state)
{
	const struct ktls_secrets s = { .secret = secret, .secret_len = 48 };
	struct kernel_double *d = kernel_double_new(1);
	struct ktls_sys sys = kernel_double_sys(d);
	struct ktls_conn *a, *b;
	uint8_t buf[64];

	(void)state;
	assert_int_equal(ktls_conn_open_sys(&sys, 0, 0x1302, &s, 0, &s, 0, NULL, &a), 0);
	assert_int_equal(ktls_conn_open_sys(&sys, 1, 0x1302, &s, 0, &s, 0, NULL, &b), 0);
	assert_int_equal(ktls_conn_update_keys(a, 1), 0);
	assert_int_equal(sys.send_record(d, 0, KTLS_RECORD_APPLICATION_DATA, "x", 1, 0), 1);
	assert_int_equal(ktls_conn_read(b, buf, sizeof(buf), 0), 1);
	CHECK_CLEAN(ktls_conn_free(a));
	CHECK_CLEAN(ktls_conn_free(b));
	CHECK_CLEAN(kernel_double_free(d));
}

/* Fail the 1st, 2nd, ... allocation of a call until it succeeds: each failure is a documented
 * error, and no allocation outlives the call. */
#define EACH_ALLOCATION_FAILS(setup_expr, call, ok_expr, cleanup)                                 \
	do {                                                                                     \
		int done = 0;                                                                    \
		for (long n = 0; !done && n < 500; n++) {                                        \
			setup_expr;                                                              \
			long before = live;                                                      \
			fail_after = n;                                                          \
			long r = (long)(call);                                                   \
			fail_after = -1;                                                         \
			if (ok_expr) {                                                           \
				done = 1;                                                        \
			} else {                                                                 \
				if (r != -ENOMEM)                                                \
					fail_msg("%s with allocation %ld failing: %ld (%s)", #call, n, \
						 r, ktls_strerror((int)r));                      \
				assert_int_equal(live, before);                                  \
			}                                                                        \
			cleanup;                                                                 \
		}                                                                                \
		assert_true(done);                                                               \
	} while (0)

static int count_socket(const struct ktls_socket_entry *e, void *user)
{
	(void)e, (void)user;
	return 0;
}

static void test_allocation_failures(void **state)
{
	uint8_t out[64];
	size_t kl, vl;
	const struct ktls_secrets s = { .secret = secret, .secret_len = 48 };
	struct kernel_double *d = NULL;
	struct ktls_sys sys;
	struct ktls_conn *c = NULL;
	struct ktls_reader *rd = NULL;
	struct ktls_socket_info si;
	int fa, fb;

	(void)state;
	/* warm libcrypto's caches first: they are not leaks */
	kl = 32, vl = 12;
	assert_int_equal(ktls_derive_keys(0x1302, secret, 48, out, &kl, out + 32, &vl), 0);
	assert_int_equal(ktls_tls12_key_block(0xC030, master, 48, randoms, randoms, block, 72), 0);

	EACH_ALLOCATION_FAILS(kl = 32; vl = 12, ktls_derive_keys(0x1302, secret, 48, out, &kl, out + 32, &vl),
			      r == 0, (void)0);
	EACH_ALLOCATION_FAILS((void)0, ktls_update_secret(0x1302, secret, 48, out), r == 0, (void)0);
	EACH_ALLOCATION_FAILS((void)0, ktls_tls12_key_block(0xC030, master, 48, randoms, randoms, block, 72),
			      r == 0, (void)0);
	EACH_ALLOCATION_FAILS((void)0, ktls_reader_new(KTLS_TLS_1_3, 0, &rd), r == 0,
			      ktls_reader_free(rd); rd = NULL);
	EACH_ALLOCATION_FAILS((d = kernel_double_new(1), sys = kernel_double_sys(d)),
			      ktls_conn_open_sys(&sys, 0, 0x1302, &s, 0, &s, 0, NULL, &c), r == 0,
			      ktls_conn_free(c); c = NULL; kernel_double_free(d));
	assert_int_equal(tcp_pair(&fa, &fb, 0), 0);
	EACH_ALLOCATION_FAILS(si.sz = sizeof(si), ktls_socket_info(fa, &si), r == 0, (void)0);
	close(fa);
	close(fb);
	struct ktls_netdev_info ni;
	EACH_ALLOCATION_FAILS(ni.sz = sizeof(ni), ktls_netdev_info("lo", &ni), r == 0, (void)0);
	EACH_ALLOCATION_FAILS(ni.sz = sizeof(ni), ktls_netdev_info_ioctl("lo", &ni), r == 0, (void)0);
	EACH_ALLOCATION_FAILS((void)0, ktls_socket_foreach(count_socket, NULL), r == 0, (void)0);
	OPENSSL_cleanse(out, sizeof(out));
}

/* A NewSessionTicket over two records, then data, from end 0 to end 1. */
static const uint8_t nst[] = { KTLS_HANDSHAKE_NEW_SESSION_TICKET, 0, 0, 12, 0, 0, 0, 60, 1, 2, 3, 4, 5, 6, 7, 8 };

static void send_ticket_then_data(const struct ktls_sys *sys)
{
	assert_int_equal(sys->send_record(sys->ctx, 0, KTLS_RECORD_HANDSHAKE, nst, 6, 0), 6);
	assert_int_equal(sys->send_record(sys->ctx, 0, KTLS_RECORD_HANDSHAKE, nst + 6, sizeof(nst) - 6, 0),
			 (ssize_t)(sizeof(nst) - 6));
	assert_int_equal(sys->send_record(sys->ctx, 0, KTLS_RECORD_APPLICATION_DATA, "after", 5, 0), 5);
}

static void expect_ticket_then_data(struct ktls_conn *c)
{
	uint8_t buf[64], type;
	const uint8_t *body;
	size_t len;

	assert_int_equal(ktls_conn_next_message(c, &type, &body, &len), 1);
	assert_int_equal(type, KTLS_HANDSHAKE_NEW_SESSION_TICKET);
	assert_int_equal(len, sizeof(nst) - 4);
	assert_memory_equal(body, nst + 4, len);
	assert_int_equal(ktls_conn_read(c, buf, sizeof(buf), 0), 5);
	assert_memory_equal(buf, "after", 5);
}

/* An idle connection holds no reassembly buffer: one is allocated for a handshake message that
 * arrives and freed once it was taken. Its allocation failing loses nothing: the record stays
 * with the kernel and the next read gets it. */
static void test_reassembly_buffer_lives_with_its_message(void **state)
{
	const struct ktls_secrets s = { .secret = secret, .secret_len = 48 };
	uint8_t buf[64];

	(void)state;
	struct kernel_double *d = kernel_double_new(1);
	struct ktls_sys sys = kernel_double_sys(d);
	struct ktls_conn *a, *b;
	assert_int_equal(ktls_conn_open_sys(&sys, 0, 0x1302, &s, 0, &s, 0, NULL, &a), 0);
	long idle = live;
	assert_int_equal(ktls_conn_open_sys(&sys, 1, 0x1302, &s, 0, &s, 0, NULL, &b), 0);
	const long per_conn = live - idle;
	assert_true(per_conn > 0 && per_conn <= 2); /* the connection and its reader, nothing else */
	idle = live;
	assert_int_equal(sys.send_record(d, 0, KTLS_RECORD_HANDSHAKE, nst, 6, 0), 6);
	assert_int_equal(ktls_conn_read(b, buf, sizeof(buf), MSG_DONTWAIT), -EAGAIN);
	assert_int_equal(live, idle + 1); /* the partial message */
	assert_int_equal(sys.send_record(d, 0, KTLS_RECORD_HANDSHAKE, nst + 6, sizeof(nst) - 6, 0),
			 (ssize_t)(sizeof(nst) - 6));
	assert_int_equal(sys.send_record(d, 0, KTLS_RECORD_APPLICATION_DATA, "after", 5, 0), 5);
	assert_int_equal(ktls_conn_read(b, buf, sizeof(buf), 0), -ENOMSG);
	expect_ticket_then_data(b);
	assert_int_equal(live, idle);
	ktls_conn_free(a);
	ktls_conn_free(b);
	kernel_double_free(d);

	/* every allocation of the receiving path failing in turn */
	for (long n = 0; n < 50; n++) {
		d = kernel_double_new(1);
		sys = kernel_double_sys(d);
		assert_int_equal(ktls_conn_open_sys(&sys, 0, 0x1302, &s, 0, &s, 0, NULL, &a), 0);
		assert_int_equal(ktls_conn_open_sys(&sys, 1, 0x1302, &s, 0, &s, 0, NULL, &b), 0);
		send_ticket_then_data(&sys);
		const size_t queued = kernel_double_queued(d, 1);
		fail_after = n;
		ssize_t r = ktls_conn_read(b, buf, sizeof(buf), 0);
		const int failed = fail_after < 0; /* the allocation was reached */
		fail_after = -1;
		if (r == -ENOMEM) {
			assert_true(kernel_double_queued(d, 1) >= queued - 1); /* at most the first record taken */
			r = ktls_conn_read(b, buf, sizeof(buf), 0);
		}
		assert_int_equal(r, -ENOMSG);
		expect_ticket_then_data(b);
		ktls_conn_free(a);
		ktls_conn_free(b);
		kernel_double_free(d);
		if (!failed)
			break;
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_key_schedule_leaves_nothing),
		cmocka_unit_test(test_crypto_info_and_install_leave_nothing),
		cmocka_unit_test(test_connection_leaves_nothing),
		cmocka_unit_test(test_allocation_failures),
		cmocka_unit_test(test_reassembly_buffer_lives_with_its_message),
	};
	return cmocka_run_group_tests(tests, setup, fd_leak_teardown);
}
