/* SPDX-License-Identifier: MIT */
/* Conformance against a hostile peer, on real kTLS sockets: the records tlsfuzzer sends (failed
 * authentication, oversize records, malformed or misplaced KeyUpdates, empty and unexpected
 * records), each to a libktls connection and, as the reference, to userspace OpenSSL. After an
 * OpenSSL handshake the hostile end keeps kTLS RX only (it reads the alert it is answered with)
 * and writes records it seals itself, so it can send what no TLS stack would. Each case asserts
 * the alert the RFCs require (RFC 8446 §5, §6, §4.6.3; RFC 5246 §7.2) and that nothing after it
 * is accepted; OpenSSL's answer is checked against the same table where OpenSSL agrees. */
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include <ktls.h>

#include "../common/kernel-suite.h"
#include "../common/peer-script.h"

#define NO_ALERT (-1)
#define KEEPS_GOING (-2) /* the case is legal: the connection goes on */
#define ACCEPTED (-3)    /* OpenSSL took what the RFCs refuse */

enum target { LIBKTLS, OPENSSL };

/* The hostile end: it seals its own records with the keys the handshake gave it. */
struct hostile {
	uint16_t suite, version;
	const EVP_CIPHER *cipher;
	uint8_t key[KTLS_KEY_MAX], iv[KTLS_IV_LEN], secret[KTLS_SECRET_MAX];
	size_t key_len, iv_len, secret_len;
	uint64_t seq;
	int nonce_not_seq; /* TLS 1.2 GCM: an explicit nonce other than the sequence number */
};

struct arena {
	struct handoff h;
	struct tls_side_keys server_keys;
	enum target target;
	int target_fd, hostile_fd;
	struct ktls_conn *conn; /* LIBKTLS */
	SSL *ssl;               /* OPENSSL: the server, kept in userspace */
	struct hostile out;
};

static const EVP_CIPHER *aead(uint16_t suite)
{
	switch (suite) {
	case 0x1301: case 0xC02B: return EVP_aes_128_gcm();
	case 0x1302: case 0xC02C: return EVP_aes_256_gcm();
	default: return EVP_chacha20_poly1305();
	}
}

static void hostile_keys(struct hostile *o, uint16_t suite, const struct tls_side_keys *k)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };

	assert_int_equal(ktls_suite_info(suite, &si), 0);
	memset(o, 0, sizeof(*o));
	o->suite = suite;
	o->version = si.tls_version;
	o->cipher = aead(suite);
	o->seq = k->tx_seq;
	if (o->version == KTLS_TLS_1_3) {
		o->secret_len = k->tx.secret_len;
		memcpy(o->secret, k->tx.secret, o->secret_len);
		o->key_len = sizeof(o->key);
		o->iv_len = sizeof(o->iv);
		assert_int_equal(ktls_derive_keys(suite, o->secret, o->secret_len, o->key, &o->key_len, o->iv,
						  &o->iv_len), 0);
	} else {
		o->key_len = k->tx.key_len;
		o->iv_len = k->tx.iv_len;
		memcpy(o->key, k->tx.key, o->key_len);
		memcpy(o->iv, k->tx.iv, o->iv_len);
	}
}

/* The next generation of a TLS 1.3 hostile's key, at sequence 0 (its KeyUpdate went out). */
static void hostile_update(struct hostile *o)
{
	assert_int_equal(ktls_update_secret(o->suite, o->secret, o->secret_len, o->secret), 0);
	o->key_len = sizeof(o->key);
	o->iv_len = sizeof(o->iv);
	assert_int_equal(ktls_derive_keys(o->suite, o->secret, o->secret_len, o->key, &o->key_len, o->iv,
					  &o->iv_len), 0);
	o->seq = 0;
}

/* Seal one record: TLS 1.3 (RFC 8446 §5.2: inner plaintext = content, type, `pad` zeros) or
 * TLS 1.2 AEAD (RFC 5288 with the sequence number as explicit nonce; RFC 7905). Returns its
 * length in out (header included). */
static size_t seal(struct hostile *o, uint8_t type, const uint8_t *content, size_t len, size_t pad, uint8_t *out)
{
	uint8_t nonce[12], aad[13], *p = out + 5;
	size_t inner = len, explicit_len = 0, aad_len = 5;
	int n;

	if (o->version == KTLS_TLS_1_3) {
		memcpy(nonce, o->iv, 12);
		inner = len + 1 + pad;
	} else if (o->iv_len == 4) { /* GCM: salt, then the explicit nonce on the wire */
		memcpy(nonce, o->iv, 4);
		for (int i = 0; i < 8; i++)
			nonce[4 + i] = (uint8_t)((o->nonce_not_seq ? ~o->seq : o->seq) >> (56 - 8 * i));
		memcpy(p, nonce + 4, 8);
		explicit_len = 8;
	} else {
		memcpy(nonce, o->iv, 12);
	}
	if (o->version == KTLS_TLS_1_3 || o->iv_len != 4)
		for (int i = 0; i < 8; i++)
			nonce[4 + i] ^= (uint8_t)(o->seq >> (56 - 8 * i));
	size_t body = explicit_len + inner + 16;
	out[0] = o->version == KTLS_TLS_1_3 ? KTLS_RECORD_APPLICATION_DATA : type;
	out[1] = 3, out[2] = 3, out[3] = (uint8_t)(body >> 8), out[4] = (uint8_t)body;
	if (o->version == KTLS_TLS_1_3) {
		memcpy(aad, out, 5);
	} else {
		for (int i = 0; i < 8; i++)
			aad[i] = (uint8_t)(o->seq >> (56 - 8 * i));
		aad[8] = type, aad[9] = 3, aad[10] = 3, aad[11] = (uint8_t)(len >> 8), aad[12] = (uint8_t)len;
		aad_len = 13;
	}
	uint8_t *plain = calloc(1, inner + 1);
	assert_non_null(plain);
	if (len)
		memcpy(plain, content, len);
	if (o->version == KTLS_TLS_1_3)
		plain[len] = type;
	EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
	assert_non_null(ctx);
	assert_int_equal(EVP_EncryptInit_ex(ctx, o->cipher, NULL, NULL, NULL), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_IVLEN, 12, NULL), 1);
	assert_int_equal(EVP_EncryptInit_ex(ctx, NULL, NULL, o->key, nonce), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, NULL, &n, aad, (int)aad_len), 1);
	assert_int_equal(EVP_EncryptUpdate(ctx, p + explicit_len, &n, plain, (int)inner), 1);
	assert_int_equal(EVP_EncryptFinal_ex(ctx, p + explicit_len + n, &n), 1);
	assert_int_equal(EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, 16, p + explicit_len + inner), 1);
	EVP_CIPHER_CTX_free(ctx);
	free(plain);
	o->seq++;
	return 5 + body;
}

static void send_raw(struct arena *a, const uint8_t *rec, size_t len)
{
	assert_int_equal(write_all(a->hostile_fd, rec, len), 0);
}

static void send_sealed(struct arena *a, uint8_t type, const void *content, size_t len, size_t pad)
{
	uint8_t *rec = malloc(len + pad + 64);
	assert_non_null(rec);
	send_raw(a, rec, seal(&a->out, type, content, len, pad, rec));
	free(rec);
}

static void timeouts(int fd)
{
	const struct timeval tv = { .tv_sec = 10 };
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)), 0);
	assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)), 0);
}

/* An OpenSSL handshake; then the target (a libktls connection, or OpenSSL's server in
 * userspace) on one end and the hostile on the other, with kTLS RX to read the answer. */
static void arena_open(struct arena *a, uint16_t suite, enum target target)
{
	memset(a, 0, sizeof(*a));
	handoff_open(&a->h, suite, 0);
	assert_int_equal(tls_peer_keys(a->h.peer, suite, &a->server_keys), 0);
	a->target = target;
	const struct tls_side_keys *hostile;
	if (target == LIBKTLS) {
		a->target_fd = a->h.fd, a->hostile_fd = a->h.peer_fd, hostile = &a->server_keys;
		assert_int_equal(ktls_conn_open(a->target_fd, suite, &a->h.keys.tx, a->h.keys.tx_seq, &a->h.keys.rx,
						a->h.keys.rx_seq, NULL, &a->conn), 0);
	} else {
		a->target_fd = a->h.peer_fd, a->hostile_fd = a->h.fd, hostile = &a->h.keys;
		a->ssl = a->h.peer;
	}
	assert_int_equal(ktls_install(a->hostile_fd, KTLS_DIR_RX, suite, &hostile->rx, hostile->rx_seq), 0);
	hostile_keys(&a->out, suite, hostile);
	timeouts(a->target_fd);
	timeouts(a->hostile_fd);
}

static void arena_close(struct arena *a)
{
	ktls_conn_free(a->conn);
	OPENSSL_cleanse(&a->out, sizeof(a->out));
	OPENSSL_cleanse(&a->server_keys, sizeof(a->server_keys));
	OPENSSL_cleanse(&a->h.keys, sizeof(a->h.keys));
	tls_peer_free(a->h.peer);
	SSL_CTX_free(a->h.cctx);
	SSL_CTX_free(a->h.sctx);
	close(a->h.fd);
	close(a->h.peer_fd);
}

/* One read by the target: > 0 data, 0 its orderly end, < 0 its error (OpenSSL: -EPROTO). */
static ssize_t target_read(struct arena *a, uint8_t *buf, size_t len)
{
	if (a->target == LIBKTLS) {
		ssize_t n;
		while ((n = ktls_conn_read(a->conn, buf, len, 0)) == -ENOMSG) {
			uint8_t type;
			const uint8_t *body;
			size_t body_len;
			while (ktls_conn_next_message(a->conn, &type, &body, &body_len) == 1)
				;
		}
		return n;
	}
	int n = SSL_read(a->ssl, buf, (int)len);
	if (n > 0)
		return n;
	return SSL_get_error(a->ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -EPROTO;
}

/* What a hostile sends: it may use the arena freely. */
typedef void hostile_fn(struct arena *a);

static void flipped_tag(struct arena *a)
{
	uint8_t rec[256];
	size_t n = seal(&a->out, KTLS_RECORD_APPLICATION_DATA, (const uint8_t *)"hello", 5, 0, rec);
	rec[n - 1] ^= 1;
	send_raw(a, rec, n);
}

static void flipped_ciphertext(struct arena *a)
{
	uint8_t rec[256];
	size_t n = seal(&a->out, KTLS_RECORD_APPLICATION_DATA, (const uint8_t *)"hello", 5, 0, rec);
	rec[n - 17] ^= 0x80;
	send_raw(a, rec, n);
}

static void truncated(struct arena *a)
{
	uint8_t rec[256];
	(void)seal(&a->out, KTLS_RECORD_APPLICATION_DATA, (const uint8_t *)"hello", 5, 0, rec);
	rec[3] = 0, rec[4] = 8; /* shorter than the tag */
	send_raw(a, rec, 5 + 8);
}

static void ciphertext_too_long(struct arena *a)
{
	static uint8_t rec[5 + 100];
	size_t len = a->out.version == KTLS_TLS_1_3 ? (1u << 14) + 256 + 1 : (1u << 14) + 2048 + 1;
	rec[0] = KTLS_RECORD_APPLICATION_DATA, rec[1] = 3, rec[2] = 3;
	rec[3] = (uint8_t)(len >> 8), rec[4] = (uint8_t)len;
	send_raw(a, rec, sizeof(rec));
}

static void plaintext_too_long(struct arena *a)
{
	static uint8_t data[(1u << 14) + 1];
	send_sealed(a, KTLS_RECORD_APPLICATION_DATA, data, sizeof(data), 0);
}

static void key_update_around_data(struct arena *a)
{
	send_sealed(a, KTLS_RECORD_HANDSHAKE, "\x18\x00", 2, 0);
	send_sealed(a, KTLS_RECORD_APPLICATION_DATA, "data", 4, 0);
	send_sealed(a, KTLS_RECORD_HANDSHAKE, "\x00\x01\x00", 3, 0);
}

/* Legal: a KeyUpdate over two records, then data under the new key. */
static void key_update_fragmented(struct arena *a)
{
	send_sealed(a, KTLS_RECORD_HANDSHAKE, "\x18\x00\x00", 3, 0);
	send_sealed(a, KTLS_RECORD_HANDSHAKE, "\x01\x00", 2, 0);
	hostile_update(&a->out);
	send_sealed(a, KTLS_RECORD_APPLICATION_DATA, "after", 5, 0);
}

/* The explicit nonce is the sender's choice (RFC 5288 §3): tlsfuzzer's AES-GCM nonce test sends
 * others than the sequence number. */
static void explicit_nonces(struct arena *a)
{
	a->out.nonce_not_seq = 1;
	send_sealed(a, KTLS_RECORD_APPLICATION_DATA, "after", 5, 0);
}

/* Legal in TLS 1.3 (RFC 8446 §5.1, a traffic-analysis countermeasure): not the end of the stream. */
static void empty_data(struct arena *a)
{
	send_sealed(a, KTLS_RECORD_APPLICATION_DATA, "", 0, 0);
	send_sealed(a, KTLS_RECORD_APPLICATION_DATA, "after", 5, 0);
}

static void hello_request(struct arena *a)
{
	send_sealed(a, KTLS_RECORD_HANDSHAKE, "\x00\x00\x00\x00", 4, 0);
	send_sealed(a, KTLS_RECORD_APPLICATION_DATA, "after", 5, 0);
}

struct hostile_case {
	const char *name;
	hostile_fn *send; /* NULL: one record of type, bytes, len and pad zeros */
	struct {
		uint8_t type;
		const char *bytes;
		size_t len, pad;
	} record;
	uint16_t version; /* 0: both */
	int err;          /* what ktls_conn_read() returns */
	int alert;        /* the alert the RFCs require, or KEEPS_GOING */
	int openssl;      /* 1: OpenSSL answers with the same alert */
};

#define RECORD(type, bytes, pad) { type, bytes, sizeof(bytes) - 1, pad }
#define HS KTLS_RECORD_HANDSHAKE
#define RFC8446 KTLS_TLS_1_3

static const struct hostile_case cases[] = {
	{ "flipped tag bit", flipped_tag, { 0 }, 0,
	  -EBADMSG, KTLS_ALERT_BAD_RECORD_MAC, 1 },
	{ "flipped ciphertext bit", flipped_ciphertext, { 0 }, 0,
	  -EBADMSG, KTLS_ALERT_BAD_RECORD_MAC, 1 },
	/* OpenSSL 3.0 says internal_error for TLS 1.2 (3.5 and 3.6: bad_record_mac) */
	{ "ciphertext shorter than the tag", truncated, { 0 }, 0,
	  -EBADMSG, KTLS_ALERT_BAD_RECORD_MAC, 0 },
	{ "ciphertext over the limit", ciphertext_too_long, { 0 }, 0,
	  -EMSGSIZE, KTLS_ALERT_RECORD_OVERFLOW, 1 },
	{ "plaintext of 2^14 + 1", plaintext_too_long, { 0 }, RFC8446,
	  -EMSGSIZE, KTLS_ALERT_RECORD_OVERFLOW, 1 },
	/* OpenSSL (3.0 to 3.6) does not count the padding against the limit */
	{ "padding past the limit", NULL, RECORD(KTLS_RECORD_APPLICATION_DATA, "x", 1u << 14), RFC8446,
	  -EMSGSIZE, KTLS_ALERT_RECORD_OVERFLOW, 0 },
	/* the kernel cannot tell this from a bad tag: RFC 8446 §5.4 (and OpenSSL) say unexpected_message */
	{ "inner content type 0", NULL, RECORD(0, "", 16), RFC8446,
	  -EBADMSG, KTLS_ALERT_BAD_RECORD_MAC, 0 },
	{ "empty alert record", NULL, RECORD(KTLS_RECORD_ALERT, "", 0), RFC8446,
	  -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE, 1 },
	{ "change_cipher_spec after the handshake", NULL, RECORD(KTLS_RECORD_CHANGE_CIPHER_SPEC, "\x01", 0), 0,
	  -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE, 1 },
	{ "KeyUpdate request_update 2", NULL, RECORD(HS, "\x18\x00\x00\x01\x02", 0), RFC8446,
	  -EPROTO, KTLS_ALERT_ILLEGAL_PARAMETER, 1 },
	{ "KeyUpdate request_update 255", NULL, RECORD(HS, "\x18\x00\x00\x01\xff", 0), RFC8446,
	  -EPROTO, KTLS_ALERT_ILLEGAL_PARAMETER, 1 },
	{ "empty KeyUpdate", NULL, RECORD(HS, "\x18\x00\x00\x00", 0), RFC8446,
	  -EPROTO, KTLS_ALERT_DECODE_ERROR, 1 },
	/* a wrong length is decode_error (RFC 8446 §6.2, and tlsfuzzer); OpenSSL says illegal_parameter */
	{ "oversized KeyUpdate", NULL, RECORD(HS, "\x18\x00\x00\x02\x00\x00", 0), RFC8446,
	  -EPROTO, KTLS_ALERT_DECODE_ERROR, 0 },
	{ "KeyUpdate fragmented around data", key_update_around_data, { 0 }, RFC8446,
	  -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE, 1 },
	/* RFC 8446 §5.1: a KeyUpdate must end its record */
	{ "two KeyUpdates in one record", NULL, RECORD(HS, "\x18\x00\x00\x01\x00\x18\x00\x00\x01\x00", 0), RFC8446,
	  -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE, 1 },
	{ "KeyUpdate fragmented over two records", key_update_fragmented, { 0 }, RFC8446,
	  0, KEEPS_GOING, 1 },
	{ "empty application data record", empty_data, { 0 }, RFC8446,
	  0, KEEPS_GOING, 1 },
	{ "GCM explicit nonce not the sequence number", explicit_nonces, { 0 }, KTLS_TLS_1_2,
	  0, KEEPS_GOING, 1 },
	/* to a client; OpenSSL is the server here, to which a HelloRequest is unexpected_message */
	{ "HelloRequest", hello_request, { 0 }, KTLS_TLS_1_2,
	  0, KEEPS_GOING, 0 },
};

/* The case against one target; returns the alert the target sent (NO_ALERT, or KEEPS_GOING when
 * the data after it arrived). */
static int run_case(const struct hostile_case *c, uint16_t suite, enum target target)
{
	struct arena a;
	uint8_t buf[KTLS_RECORD_MAX + 1];
	int alert;

	arena_open(&a, suite, target);
	if (c->send)
		c->send(&a);
	else
		send_sealed(&a, c->record.type, c->record.bytes, c->record.len, c->record.pad);
	ssize_t n = target_read(&a, buf, sizeof(buf));
	if (target == OPENSSL && c->alert != KEEPS_GOING && n >= 0) {
		alert = ACCEPTED;
	} else if (c->alert == KEEPS_GOING && n == 5 && memcmp(buf, "after", 5) == 0) {
		/* a HelloRequest is refused with a no_renegotiation warning, and reading goes on */
		if (c->send == hello_request && target == LIBKTLS)
			assert_int_equal(first_alert(a.hostile_fd, 0, 0, NULL), KTLS_ALERT_NO_RENEGOTIATION);
		alert = KEEPS_GOING;
	} else {
		if (target == LIBKTLS)
			assert_int_equal(n, c->err);
		else
			assert_true(n < 0);
		alert = first_alert(a.hostile_fd, 0, 1, NULL);
		/* nothing after the failure is accepted */
		if (a.out.version == KTLS_TLS_1_3 || c->send != ciphertext_too_long)
			send_sealed(&a, KTLS_RECORD_APPLICATION_DATA, "later", 5, 0);
		assert_true(target_read(&a, buf, sizeof(buf)) < 0);
	}
	arena_close(&a);
	return alert;
}

static const char *alert_text(int alert)
{
	switch (alert) {
	case NO_ALERT: return "no alert";
	case KEEPS_GOING: return "goes on";
	case ACCEPTED: return "accepts it";
	}
	return ktls_alert_name((uint8_t)alert);
}

static void run_suite(uint16_t suite, int can_rekey)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };

	assert_int_equal(ktls_suite_info(suite, &si), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct hostile_case *c = &cases[i];
		if (c->version && c->version != si.tls_version)
			continue;
		int want = c->alert, err = c->err;
		struct hostile_case mine = *c;
		if (c->send == key_update_fragmented && !can_rekey) {
			/* before 6.14 no KeyUpdate can be followed: the refusal, said as internal_error */
			mine.alert = want = KTLS_ALERT_INTERNAL_ERROR;
			mine.err = err = -EKEYEXPIRED;
		}
		int ours = run_case(&mine, suite, LIBKTLS);
		int theirs = run_case(c, suite, OPENSSL);
		printf("# %s %s: libktls %s, OpenSSL %s\n", si.name, c->name, alert_text(ours), alert_text(theirs));
		if (ours != want)
			fail_msg("%s, %s: libktls answered %s, the RFC requires %s", si.name, c->name, alert_text(ours),
				 alert_text(want));
		if (c->openssl && theirs != c->alert)
			fail_msg("%s, %s: OpenSSL answered %s, expected %s", si.name, c->name, alert_text(theirs),
				 alert_text(c->alert));
	}
}

static int kernel_can_rekey(void)
{
	return ktls_probe_rekey() == 1;
}

static void test_tls13_aes_128_gcm(void **state)
{
	(void)state;
	run_suite(0x1301, kernel_can_rekey());
}

static void test_tls13_aes_256_gcm(void **state)
{
	(void)state;
	run_suite(0x1302, kernel_can_rekey());
}

static void test_tls13_chacha20(void **state)
{
	(void)state;
	run_suite(0x1303, kernel_can_rekey());
}

static void test_tls12_aes_128_gcm(void **state)
{
	(void)state;
	run_suite(0xC02B, 0);
}

static void test_tls12_chacha20(void **state)
{
	(void)state;
	run_suite(0xCCA9, 0);
}

/* ktls_recv_record(): an empty TLS 1.3 record is 0 bytes with its type, the end of the stream 0
 * bytes with type 0. The record is sealed with the server's keys and written on its socket. */
static void test_empty_record_is_not_the_end(void **state)
{
	struct arena a;
	struct hostile server;
	uint8_t rec[64], buf[16], type = 99;

	(void)state;
	arena_open(&a, 0x1301, OPENSSL);
	hostile_keys(&server, 0x1301, &a.server_keys);
	assert_int_equal(write_all(a.target_fd, rec, seal(&server, KTLS_RECORD_ALERT, NULL, 0, 0, rec)), 0);
	assert_int_equal(ktls_recv_record(a.hostile_fd, buf, sizeof(buf), &type, 0), 0);
	assert_int_equal(type, KTLS_RECORD_ALERT);
	assert_int_equal(shutdown(a.target_fd, SHUT_WR), 0);
	assert_int_equal(ktls_recv_record(a.hostile_fd, buf, sizeof(buf), &type, 0), 0);
	assert_int_equal(type, 0);
	OPENSSL_cleanse(&server, sizeof(server));
	arena_close(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls13_aes_128_gcm),
		cmocka_unit_test(test_tls13_aes_256_gcm),
		cmocka_unit_test(test_tls13_chacha20),
		cmocka_unit_test(test_tls12_aes_128_gcm),
		cmocka_unit_test(test_tls12_chacha20),
		cmocka_unit_test(test_empty_record_is_not_the_end),
	};

	require_ktls_kernel();
	if (tls_peer_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
