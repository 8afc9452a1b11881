/* SPDX-License-Identifier: MIT */
/* A userspace model of what the kernel does with ktls_crypto_info() bytes, against libssl: for
 * every suite libssl can negotiate, after a real handshake, the RX bytes decrypt the peer's first
 * record and the TX bytes encrypt a record the peer accepts. Runs without kTLS, so it covers the
 * ciphers the test kernels lack (ARIA). */
#include <errno.h>
#include <linux/tls.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <ktls.h>

#include "../common/tls-peer.h"
#include "../common/kernel-suite.h"

/* The fields of a crypto-info, as the kernel reads them. */
struct info {
	uint16_t version, cipher;
	uint8_t key[32], salt[4], iv[12], rec_seq[8];
	size_t key_len, salt_len, iv_len;
	const char *evp;
};

static void parse_info(const uint8_t *b, size_t len, struct info *in)
{
	memset(in, 0, sizeof(*in));
	memcpy(&in->version, b, 2);
	memcpy(&in->cipher, b + 2, 2);
	switch (in->cipher) {
	case TLS_CIPHER_AES_GCM_128: in->evp = "AES-128-GCM"; in->key_len = 16; break;
	case TLS_CIPHER_AES_GCM_256: in->evp = "AES-256-GCM"; in->key_len = 32; break;
	case TLS_CIPHER_AES_CCM_128: in->evp = "AES-128-CCM"; in->key_len = 16; break;
	case TLS_CIPHER_ARIA_GCM_128: in->evp = "ARIA-128-GCM"; in->key_len = 16; break;
	case TLS_CIPHER_ARIA_GCM_256: in->evp = "ARIA-256-GCM"; in->key_len = 32; break;
	case TLS_CIPHER_CHACHA20_POLY1305: in->evp = "ChaCha20-Poly1305"; in->key_len = 32; break;
	default: fail_msg("cipher %u not modelled", in->cipher);
	}
	in->salt_len = in->cipher == TLS_CIPHER_CHACHA20_POLY1305 ? 0 : 4;
	in->iv_len = 12 - in->salt_len;
	assert_int_equal(len, 4 + in->iv_len + in->key_len + in->salt_len + 8);
	memcpy(in->iv, b + 4, in->iv_len);
	memcpy(in->key, b + 4 + in->iv_len, in->key_len);
	memcpy(in->salt, b + 4 + in->iv_len + in->key_len, in->salt_len);
	memcpy(in->rec_seq, b + 4 + in->iv_len + in->key_len + in->salt_len, 8);
}

/* TLS 1.2 GCM/CCM/ARIA carry an explicit nonce; everything else XORs the sequence number. */
static int explicit_nonce(const struct info *in)
{
	return in->version == TLS_1_2_VERSION && in->cipher != TLS_CIPHER_CHACHA20_POLY1305;
}

static void nonce(const struct info *in, const uint8_t *explicit, uint8_t out[12])
{
	if (explicit_nonce(in)) {
		memcpy(out, in->salt, 4);
		memcpy(out + 4, explicit, 8);
		return;
	}
	memcpy(out, in->salt, in->salt_len);
	memcpy(out + in->salt_len, in->iv, in->iv_len);
	for (int i = 0; i < 8; i++)
		out[4 + i] ^= in->rec_seq[i];
}

/* One AEAD operation; returns the output length or -1 when the tag does not verify. */
static int aead(int enc, const struct info *in, const uint8_t n[12], const uint8_t *aad, size_t aad_len,
		const uint8_t *src, size_t len, uint8_t *tag, uint8_t *dst)
{
	EVP_CIPHER *c = EVP_CIPHER_fetch(NULL, in->evp, NULL);
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	int ccm = in->cipher == TLS_CIPHER_AES_CCM_128, outl, ok;

	assert_non_null(c);
	assert_non_null(ctx);
	assert_int_equal(EVP_CipherInit_ex(ctx, c, NULL, NULL, NULL, enc), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL), 1);
	if (ccm || !enc)
		assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, 16, enc ? NULL : tag), 1);
	assert_int_equal(EVP_CipherInit_ex(ctx, NULL, NULL, in->key, n, enc), 1);
	if (ccm)
		assert_int_equal(EVP_CipherUpdate(ctx, NULL, &outl, NULL, (int)len), 1);
	assert_int_equal(EVP_CipherUpdate(ctx, NULL, &outl, aad, (int)aad_len), 1);
	ok = EVP_CipherUpdate(ctx, dst, &outl, src, (int)len) == 1;
	int total = outl;
	if (ok && !(ccm && !enc)) {
		ok = EVP_CipherFinal_ex(ctx, dst + total, &outl) == 1;
		total += outl;
	}
	if (ok && enc)
		assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, tag), 1);
	EVP_CIPHER_CTX_free(ctx);
	EVP_CIPHER_free(c);
	return ok ? total : -1;
}

static void read_exact(int fd, uint8_t *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = read(fd, buf + done, len - done);
		assert_true(n > 0);
		done += (size_t)n;
	}
}

/* Decrypt the next record on fd with the receiver's crypto-info. */
static void expect_record(int fd, const uint8_t *rx_info, size_t info_len, const char *want)
{
	struct info in;
	uint8_t hdr[5], body[1024], plain[1024], aad[13], n[12];

	parse_info(rx_info, info_len, &in);
	read_exact(fd, hdr, 5);
	size_t len = (size_t)hdr[3] << 8 | hdr[4];
	assert_true(len <= sizeof(body));
	read_exact(fd, body, len);
	assert_int_equal(hdr[0], 23); /* application data */

	size_t skip = explicit_nonce(&in) ? 8 : 0, clen = len - skip - 16;
	nonce(&in, body, n);
	if (in.version == TLS_1_3_VERSION) {
		memcpy(aad, hdr, 5);
	} else {
		memcpy(aad, in.rec_seq, 8);
		aad[8] = 23, aad[9] = 3, aad[10] = 3, aad[11] = (uint8_t)(clen >> 8), aad[12] = (uint8_t)clen;
	}
	int pl = aead(0, &in, n, aad, in.version == TLS_1_3_VERSION ? 5 : 13, body + skip, clen,
		      body + len - 16, plain);
	assert_true(pl >= 0);
	if (in.version == TLS_1_3_VERSION)
		assert_int_equal(plain[--pl], 23); /* inner content type */
	assert_int_equal(pl, strlen(want));
	assert_memory_equal(plain, want, (size_t)pl);
}

/* Encrypt one application-data record as the kernel would from the sender's crypto-info. */
static void send_record(int fd, const uint8_t *tx_info, size_t info_len, const char *msg)
{
	struct info in;
	uint8_t rec[1024], plain[512], aad[13], n[12], tag[16];
	size_t mlen = strlen(msg), off = 5;

	parse_info(tx_info, info_len, &in);
	memcpy(plain, msg, mlen);
	if (in.version == TLS_1_3_VERSION)
		plain[mlen++] = 23;
	if (explicit_nonce(&in)) {
		/* the kernel's TX nonce starts from the iv field */
		memcpy(rec + off, in.iv, 8);
		off += 8;
	}
	nonce(&in, in.iv, n);
	size_t len = off - 5 + mlen + 16;
	rec[0] = 23, rec[1] = 3, rec[2] = 3, rec[3] = (uint8_t)(len >> 8), rec[4] = (uint8_t)len;
	if (in.version == TLS_1_3_VERSION) {
		memcpy(aad, rec, 5);
	} else {
		memcpy(aad, in.rec_seq, 8);
		aad[8] = 23, aad[9] = 3, aad[10] = 3, aad[11] = (uint8_t)(mlen >> 8), aad[12] = (uint8_t)mlen;
	}
	assert_int_equal(aead(1, &in, n, aad, in.version == TLS_1_3_VERSION ? 5 : 13, plain, mlen, tag,
			      rec + off), (int)mlen);
	memcpy(rec + off + mlen, tag, 16);
	assert_int_equal(write(fd, rec, off + mlen + 16), (ssize_t)(off + mlen + 16));
}

static int check_suite(uint16_t suite)
{
	SSL_CTX *cctx = tls_peer_ctx(0, suite), *sctx = tls_peer_ctx(1, suite);
	SSL *c, *s;
	int fds[2];
	struct tls_side_keys ck, sk;
	uint8_t ctx_info[KTLS_CRYPTO_INFO_MAX], crx_info[KTLS_CRYPTO_INFO_MAX], buf[64];

	if (!cctx || !sctx) {
		SSL_CTX_free(cctx);
		SSL_CTX_free(sctx);
		return 0;
	}
	assert_int_equal(socketpair(AF_UNIX, SOCK_STREAM, 0, fds), 0);
	assert_int_equal(tls_peer_handshake(cctx, sctx, fds[0], fds[1], &c, &s), 0);
	assert_int_equal(tls_peer_keys(c, suite, &ck), 0);
	assert_int_equal(tls_peer_keys(s, suite, &sk), 0);
	ssize_t tl = ktls_crypto_info(suite, &ck.tx, ck.tx_seq, ctx_info, sizeof(ctx_info));
	ssize_t rl = ktls_crypto_info(suite, &ck.rx, ck.rx_seq, crx_info, sizeof(crx_info));
	assert_true(tl > 0 && rl == tl);

	/* server -> client: the client's RX bytes decrypt libssl's record */
	assert_int_equal(tls_peer_write_all(s, "hello from libssl", 17), 0);
	expect_record(fds[0], crx_info, (size_t)rl, "hello from libssl");

	/* client -> server: a record made from the client's TX bytes is accepted by libssl */
	send_record(fds[0], ctx_info, (size_t)tl, "hello from the kernel model");
	assert_int_equal(tls_peer_read_all(s, buf, 27), 0);
	assert_memory_equal(buf, "hello from the kernel model", 27);

	tls_peer_free(c);
	tls_peer_free(s);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sctx);
	close(fds[0]);
	close(fds[1]);
	return 1;
}

static void test_every_libssl_suite(void **state)
{
	uint16_t suites[128];
	size_t n = ktls_suite_list(suites, 128);
	int tls13 = 0, tls12 = 0, aria = 0;

	(void)state;
	assert_int_equal(tls_peer_init(), 0);
	for (size_t i = 0; i < n; i++) {
		struct ktls_suite_info si = { .sz = sizeof(si) };
		assert_int_equal(ktls_suite_info(suites[i], &si), 0);
		if (!check_suite(suites[i]))
			continue;
		print_message("  ok 0x%04X %s\n", suites[i], si.name);
		if (si.tls_version == KTLS_TLS_1_3)
			tls13++;
		else
			tls12++;
		aria += si.cipher_type == TLS_CIPHER_ARIA_GCM_128 || si.cipher_type == TLS_CIPHER_ARIA_GCM_256;
	}
	/* libssl 3.0 with an ECDSA certificate: the 4 TLS 1.3 suites and the ECDHE-ECDSA AEAD ones */
	assert_int_equal(tls13, 4);
	assert_true(tls12 >= 6);
	assert_int_equal(aria, 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_libssl_suite),
	};
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
