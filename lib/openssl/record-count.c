/* SPDX-License-Identifier: MIT */
/* What OpenSSL's callbacks tell about an SSL, kept with it until the hand-off: the TLS 1.3
 * traffic secrets (keylog lines) and, per direction, the records under the current keys and the
 * KeyUpdates since the handshake (message callback). */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "ktls-openssl-internal.h"

static int ssl_index = -1, ctx_index = -1;
static CRYPTO_ONCE indexes_once = CRYPTO_ONCE_STATIC_INIT;

static void state_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	OPENSSL_clear_free(ptr, sizeof(struct ossl_state));
}

static void chain_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	OPENSSL_free(ptr);
}

static void make_indexes(void)
{
	ssl_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, state_free);
	ctx_index = SSL_CTX_get_ex_new_index(0, NULL, NULL, NULL, chain_free);
}

struct ossl_state *ossl_state_of(const SSL *ssl, int create)
{
	struct ossl_state *s;

	if (!CRYPTO_THREAD_run_once(&indexes_once, make_indexes) || ssl_index < 0)
		return NULL;
	s = SSL_get_ex_data(ssl, ssl_index);
	if (!s && create) {
		s = OPENSSL_zalloc(sizeof(*s));
		if (s && !SSL_set_ex_data((SSL *)ssl, ssl_index, s)) {
			OPENSSL_free(s);
			s = NULL;
		}
	}
	return s;
}

/* The keylog callback the application had set, called before ours. */
struct keylog_chain {
	SSL_CTX_keylog_cb_func previous;
};

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	unsigned int byte;

	while (n < cap && sscanf(hex + 2 * n, "%2x", &byte) == 1)
		out[n++] = (uint8_t)byte;
	return n;
}

/* OpenSSL gives TLS 1.3 secrets as SSLKEYLOGFILE lines: "LABEL <client_random> <secret>". */
static void keylog(const SSL *ssl, const char *line)
{
	struct keylog_chain *chain = SSL_CTX_get_ex_data(SSL_get_SSL_CTX(ssl), ctx_index);
	const char *secret = strrchr(line, ' ');
	struct ossl_state *s;
	int side;

	if (chain && chain->previous)
		chain->previous(ssl, line);
	if (strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0)
		side = 0;
	else if (strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24) == 0)
		side = 1;
	else
		return;
	s = ossl_state_of(ssl, 1);
	if (s && secret)
		s->secret_len[side] = unhex(secret + 1, s->secret[side], sizeof(s->secret[side]));
}

/*
 * Records are counted from their headers (SSL3_RT_HEADER, one per record read or written):
 * - TLS 1.3: a direction's application keys start after its Finished, and each KeyUpdate starts
 *   the next generation. The callback for a handshake message comes after its record's header, so
 *   a count reset there starts with the first record under the new keys.
 * - TLS 1.2: a direction's keys start after its ChangeCipherSpec record (its Finished is record
 *   0). The header's content type tells: OpenSSL 3.0 reports a ChangeCipherSpec it reads by no
 *   other callback.
 * Written records' lengths add up to what OpenSSL handed its write BIO once nothing is pending.
 */
LIBKTLS_API void ktls_openssl_msg_callback(int write_p, int version, int content_type, const void *buf,
					   size_t len, SSL *ssl, void *arg)
{
	struct ossl_state *s = ossl_state_of(ssl, 1);
	const uint8_t *msg = buf;
	int dir = write_p ? 1 : 0;

	(void)version; (void)arg;
	if (!s)
		return;
	switch (content_type) {
	case SSL3_RT_HEADER:
		s->tls13_records[dir]++;
		if (write_p && len >= 5)
			s->bytes_written += 5 + ((size_t)msg[3] << 8 | msg[4]);
		if (len >= 1 && msg[0] == SSL3_RT_CHANGE_CIPHER_SPEC) { /* the next record has new keys */
			s->tls12_records[dir] = 0;
			s->tls12_keyed[dir] = 1;
		} else {
			s->tls12_records[dir]++;
		}
		break;
	case SSL3_RT_HANDSHAKE:
		if (len < 1)
			break;
		if (msg[0] == SSL3_MT_FINISHED) {
			s->tls13_records[dir] = 0;
			s->tls13_generation[dir] = 0;
			s->tls13_keyed[dir] = 1;
		} else if (msg[0] == SSL3_MT_KEY_UPDATE && s->tls13_keyed[dir]) {
			s->tls13_records[dir] = 0;
			s->tls13_generation[dir]++;
		}
		break;
	default:
		break;
	}
}

LIBKTLS_API int ktls_openssl_prepare(SSL_CTX *ctx)
{
	struct keylog_chain *chain;
	SSL_CTX_keylog_cb_func current;

	if (!ctx)
		return -EFAULT;
	if (!CRYPTO_THREAD_run_once(&indexes_once, make_indexes) || ssl_index < 0 || ctx_index < 0)
		return -ENOMEM;
	current = SSL_CTX_get_keylog_callback(ctx);
	if (current != keylog) {
		chain = SSL_CTX_get_ex_data(ctx, ctx_index);
		if (!chain) {
			chain = OPENSSL_zalloc(sizeof(*chain));
			if (!chain || !SSL_CTX_set_ex_data(ctx, ctx_index, chain)) {
				OPENSSL_free(chain);
				return -ENOMEM;
			}
		}
		chain->previous = current;
		SSL_CTX_set_keylog_callback(ctx, keylog);
	}
	SSL_CTX_set_msg_callback(ctx, ktls_openssl_msg_callback);
	return 0;
}
