/* SPDX-License-Identifier: MIT */
/* Hand-off after a real libssl handshake: for every suite libssl negotiates, in both roles, the
 * libktls socket and a userspace libssl peer exchange 1 MiB each way; and for every cipher of the
 * table, two libktls sockets do the same. Ciphers the kernel lacks give -ENOPKG. */
#include <errno.h>
#include <linux/tls.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktls.h>

#include "../common/kernel-suite.h"
#include "../common/tls-peer.h"

#define VOLUME (1u << 20)

struct peer_job {
	SSL *ssl;
	uint64_t seed_in, seed_out;
	int ok;
};

/* The userspace side: read and verify VOLUME bytes, then send VOLUME bytes. */
static void *peer_thread(void *arg)
{
	struct peer_job *j = arg;
	uint8_t *buf = malloc(VOLUME);

	j->ok = buf && tls_peer_read_all(j->ssl, buf, VOLUME) == 0 &&
		pattern_check(j->seed_in, 0, buf, VOLUME) == VOLUME;
	if (buf) {
		pattern_fill(j->seed_out, 0, buf, VOLUME);
		j->ok = tls_peer_write_all(j->ssl, buf, VOLUME) == 0 && j->ok;
	}
	free(buf);
	return NULL;
}

/* Write VOLUME bytes in uneven chunks (1 byte to 3 records), then read and verify VOLUME bytes. */
static void ktls_side(int fd, uint64_t seed_out, uint64_t seed_in)
{
	static const size_t chunks[] = { 1, 100, 16384, 16385, 5000, 49152 };
	uint8_t *buf = malloc(VOLUME);

	assert_non_null(buf);
	pattern_fill(seed_out, 0, buf, VOLUME);
	for (size_t off = 0, i = 0; off < VOLUME; i++) {
		size_t n = chunks[i % 6] < VOLUME - off ? chunks[i % 6] : VOLUME - off;
		assert_int_equal(write_all(fd, buf + off, n), 0);
		off += n;
	}
	memset(buf, 0, VOLUME);
	assert_int_equal(read_all(fd, buf, VOLUME), 0);
	assert_int_equal(pattern_check(seed_in, 0, buf, VOLUME), VOLUME);
	free(buf);
}

enum outcome { SKIPPED, EXCHANGED, CRYPTO_MISSING };

static enum outcome openssl_exchange(uint16_t suite, int ktls_is_client)
{
	SSL_CTX *cctx = tls_peer_ctx(0, suite), *sctx = tls_peer_ctx(1, suite);
	SSL *c, *s;
	int cfd, sfd;
	struct tls_side_keys keys;
	enum outcome out = EXCHANGED;

	if (!cctx || !sctx) {
		SSL_CTX_free(cctx);
		SSL_CTX_free(sctx);
		return SKIPPED;
	}
	assert_int_equal(tcp_pair(&cfd, &sfd, 0), 0);
	assert_int_equal(tls_peer_handshake(cctx, sctx, cfd, sfd, &c, &s), 0);
	SSL *mine = ktls_is_client ? c : s, *theirs = ktls_is_client ? s : c;
	int fd = ktls_is_client ? cfd : sfd;

	assert_int_equal(tls_peer_keys(mine, suite, &keys), 0);
	assert_int_equal(SSL_has_pending(mine), 0);
	long long tx_before = tls_stat("TlsTxSw"), rx_before = tls_stat("TlsRxSw");
	int r = ktls_install(fd, KTLS_DIR_TX, suite, &keys.tx, keys.tx_seq);
	if (r == -ENOPKG) {
		out = CRYPTO_MISSING;
	} else {
		assert_int_equal(r, 0);
		assert_int_equal(ktls_install(fd, KTLS_DIR_RX, suite, &keys.rx, keys.rx_seq), 0);
		/* the kernel counted a software TX and RX context (cumulative counters) */
		assert_true(tls_stat("TlsTxSw") > tx_before);
		assert_true(tls_stat("TlsRxSw") > rx_before);
	}
	OPENSSL_cleanse(&keys, sizeof(keys));
	tls_peer_free(mine); /* no close_notify: from here the kernel owns the records */

	if (out == EXCHANGED) {
		struct peer_job job = { .ssl = theirs, .seed_in = suite * 2u + 1, .seed_out = suite * 2u + 2 };
		pthread_t t;
		assert_int_equal(pthread_create(&t, NULL, peer_thread, &job), 0);
		ktls_side(fd, job.seed_in, job.seed_out);
		pthread_join(t, NULL);
		assert_true(job.ok);
		assert_true(tls_stat("TlsCurrTxSw") >= 1);
		assert_true(tls_stat("TlsCurrRxSw") >= 1);
	}
	tls_peer_free(theirs);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	close(cfd);
	close(sfd);
	return out;
}

static const char *cipher_crypto(uint16_t cipher)
{
	switch (cipher) {
	case TLS_CIPHER_SM4_GCM:
	case TLS_CIPHER_SM4_CCM:
		return "sm4";
	case TLS_CIPHER_ARIA_GCM_128:
	case TLS_CIPHER_ARIA_GCM_256:
		return "aria";
	}
	return NULL;
}

/* After install, a cipher the kernel has must work; one it lacks must be reported as -ENOPKG. */
static void expect_outcome(const struct ktls_suite_info *si, enum outcome out, const char *what)
{
	const char *crypto = cipher_crypto(si->cipher_type);
	int missing = crypto && !proc_crypto_has(crypto);

	print_message("matrix: %-44s 0x%04X %-10s %s\n", si->name, si->suite, what,
		      out == EXCHANGED ? "ok: 1 MiB each way" : "-ENOPKG: kernel crypto missing");
	assert_int_equal(out, missing ? CRYPTO_MISSING : EXCHANGED);
}

static void test_openssl_peer_every_suite(void **state)
{
	uint16_t suites[128];
	size_t n = ktls_suite_list(suites, 128);
	int tls13 = 0, tls12 = 0;

	(void)state;
	assert_int_equal(tls_peer_init(), 0);
	for (size_t i = 0; i < n; i++) {
		struct ktls_suite_info si = { .sz = sizeof(si) };
		assert_int_equal(ktls_suite_info(suites[i], &si), 0);
		for (int client = 1; client >= 0; client--) {
			enum outcome out = openssl_exchange(suites[i], client);
			if (out == SKIPPED)
				break;
			expect_outcome(&si, out, client ? "client" : "server");
			if (out == EXCHANGED && client)
				*(si.tls_version == KTLS_TLS_1_3 ? &tls13 : &tls12) += 1;
		}
	}
	/* AES-128/256-GCM, ChaCha20, AES-128-CCM in each version */
	assert_int_equal(tls13, 4);
	assert_true(tls12 >= 4);
}

/* Both ends in the kernel: A's TX keys are B's RX keys and the other way round. */
static enum outcome ktls_pair_exchange(uint16_t suite)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };
	uint8_t k1[32], k2[32], iv1[12], iv2[12], s1[48], s2[48];
	struct ktls_secrets a, b;
	int c, s;

	assert_int_equal(ktls_suite_info(suite, &si), 0);
	pattern_fill(suite, 0, k1, 32), pattern_fill(suite, 100, k2, 32);
	pattern_fill(suite, 200, iv1, 12), pattern_fill(suite, 300, iv2, 12);
	pattern_fill(suite, 400, s1, 48), pattern_fill(suite, 500, s2, 48);
	if (si.tls_version == KTLS_TLS_1_3) {
		a = (struct ktls_secrets){ .secret = s1, .secret_len = si.hash_len };
		b = (struct ktls_secrets){ .secret = s2, .secret_len = si.hash_len };
	} else {
		a = (struct ktls_secrets){ .key = k1, .key_len = si.key_len, .iv = iv1, .iv_len = si.iv_len };
		b = (struct ktls_secrets){ .key = k2, .key_len = si.key_len, .iv = iv2, .iv_len = si.iv_len };
	}
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	int r = ktls_install(c, KTLS_DIR_TX, suite, &a, 5);
	if (r == -ENOPKG) {
		close(c);
		close(s);
		return CRYPTO_MISSING;
	}
	assert_int_equal(r, 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, suite, &b, 9), 0);
	assert_int_equal(ktls_install(s, KTLS_DIR_RX, suite, &a, 5), 0);
	assert_int_equal(ktls_install(s, KTLS_DIR_TX, suite, &b, 9), 0);

	uint8_t *buf = malloc(VOLUME);
	assert_non_null(buf);
	for (int dir = 0; dir < 2; dir++) {
		int from = dir ? s : c, to = dir ? c : s;
		pattern_fill(suite + dir, 0, buf, VOLUME);
		pid_t pid = fork();
		assert_true(pid >= 0);
		if (pid == 0)
			_exit(write_all(from, buf, VOLUME) == 0 ? 0 : 1);
		memset(buf, 0, VOLUME);
		assert_int_equal(read_all(to, buf, VOLUME), 0);
		assert_int_equal(pattern_check(suite + dir, 0, buf, VOLUME), VOLUME);
		int st;
		assert_int_equal(waitpid(pid, &st, 0), pid);
		assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	free(buf);
	close(c);
	close(s);
	return EXCHANGED;
}

static void test_ktls_pair_every_cipher(void **state)
{
	uint16_t suites[128], seen[2][64] = { { 0 } };
	size_t n = ktls_suite_list(suites, 128);

	(void)state;
	for (size_t i = 0; i < n; i++) {
		struct ktls_suite_info si = { .sz = sizeof(si) };
		assert_int_equal(ktls_suite_info(suites[i], &si), 0);
		int v = si.tls_version == KTLS_TLS_1_3;
		if (seen[v][si.cipher_type])
			continue; /* one suite per (version, cipher) */
		seen[v][si.cipher_type] = 1;
		expect_outcome(&si, ktls_pair_exchange(suites[i]), "ktls-ktls");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_openssl_peer_every_suite),
		cmocka_unit_test(test_ktls_pair_every_cipher),
	};
	require_ktls_kernel();
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
