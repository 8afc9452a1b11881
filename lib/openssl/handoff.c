/* SPDX-License-Identifier: MIT */
/* ktls_openssl_handoff(): from an established SSL to a struct ktls_conn. */
#include <errno.h>
#include <string.h>

#include <openssl/bio.h>
#include <openssl/crypto.h>

#include "../companion-opts.h"
#include "ktls-openssl-internal.h"

/* Key material of both directions, as ktls_conn_open() takes it; wiped by keys_wipe(). */
struct keys {
	uint8_t tx_secret[KTLS_SECRET_MAX], rx_secret[KTLS_SECRET_MAX];
	uint8_t block[2 * (KTLS_KEY_MAX + KTLS_IV_LEN)];
	struct ktls_secrets tx, rx;
	uint64_t tx_seq, rx_seq;
};

static void keys_wipe(struct keys *k)
{
	OPENSSL_cleanse(k, sizeof(*k));
}

/* Why the connection cannot leave OpenSSL now; 0 when it can. */
static int openssl_holds_records(SSL *ssl)
{
	if (!SSL_is_init_finished(ssl))
		return -EINPROGRESS;
#ifdef BIO_CTRL_GET_KTLS_SEND
	if (BIO_ctrl(SSL_get_wbio(ssl), BIO_CTRL_GET_KTLS_SEND, 0, NULL) > 0 ||
	    BIO_ctrl(SSL_get_rbio(ssl), BIO_CTRL_GET_KTLS_RECV, 0, NULL) > 0)
		return -EALREADY;
#endif
	if (SSL_pending(ssl) > 0)
		return -ENOTEMPTY;
	if (SSL_has_pending(ssl))
		return -EBADFD;
	if (SSL_want_write(ssl) || SSL_get_key_update_type(ssl) != SSL_KEY_UPDATE_NONE)
		return -EAGAIN;
	return 0;
}

/* OpenSSL holds the unsent tail of a record (a non-blocking write that stopped short): its write
 * BIO took fewer bytes than its records add up to. SSL_want_write() alone does not tell: a later
 * SSL_read() clears it. */
static int openssl_holds_unsent(SSL *ssl, const struct ossl_state *s)
{
	BIO *wbio = SSL_get_wbio(ssl);

	return wbio && BIO_number_written(wbio) < s->bytes_written ? -EAGAIN : 0;
}

/* TLS 1.3: this end's and the peer's traffic secrets, carried to their current generation. */
static int tls13_keys(const struct ossl_state *s, uint16_t suite, int server, struct keys *k)
{
	size_t len = s->secret_len[server];
	int r = 0;

	if (!s->tls13_keyed[0] || !s->tls13_keyed[1] || !len || s->secret_len[!server] != len)
		return -ENODATA;
	memcpy(k->tx_secret, s->secret[server], len);
	memcpy(k->rx_secret, s->secret[!server], len);
	for (uint32_t i = 0; r == 0 && i < s->tls13_generation[1]; i++)
		r = ktls_update_secret(suite, k->tx_secret, len, k->tx_secret);
	for (uint32_t i = 0; r == 0 && i < s->tls13_generation[0]; i++)
		r = ktls_update_secret(suite, k->rx_secret, len, k->rx_secret);
	k->tx = (struct ktls_secrets){ .secret = k->tx_secret, .secret_len = len };
	k->rx = (struct ktls_secrets){ .secret = k->rx_secret, .secret_len = len };
	k->tx_seq = s->tls13_records[1];
	k->rx_seq = s->tls13_records[0];
	return r;
}

/* TLS 1.2: the key block from the session's master secret, sliced by role (RFC 5246 §6.3). */
static int tls12_keys(SSL *ssl, const struct ossl_state *s, uint16_t suite, int server, struct keys *k)
{
	struct ktls_suite_info info = { .sz = sizeof(info) };
	uint8_t master[KTLS_TLS12_MASTER_SECRET_LEN], client_random[KTLS_TLS12_RANDOM_LEN],
		server_random[KTLS_TLS12_RANDOM_LEN];
	int r;

	if (!s->tls12_keyed[0] || !s->tls12_keyed[1])
		return -ENODATA;
	if ((r = ktls_suite_info(suite, &info)) < 0)
		return r;
	if (SSL_SESSION_get_master_key(SSL_get_session(ssl), master, sizeof(master)) != sizeof(master) ||
	    SSL_get_client_random(ssl, client_random, sizeof(client_random)) != sizeof(client_random) ||
	    SSL_get_server_random(ssl, server_random, sizeof(server_random)) != sizeof(server_random))
		r = -ENODATA;
	else
		r = ktls_tls12_key_block(suite, master, sizeof(master), client_random, server_random, k->block,
					 2 * (info.key_len + info.iv_len));
	OPENSSL_cleanse(master, sizeof(master));
	if (r < 0)
		return r;
	/* client_write_key, server_write_key, client_write_IV, server_write_IV */
	const uint8_t *key[2] = { k->block, k->block + info.key_len };
	const uint8_t *iv[2] = { k->block + 2 * info.key_len, k->block + 2 * info.key_len + info.iv_len };
	k->tx = (struct ktls_secrets){ .key = key[server], .key_len = info.key_len,
				       .iv = iv[server], .iv_len = info.iv_len };
	k->rx = (struct ktls_secrets){ .key = key[!server], .key_len = info.key_len,
				       .iv = iv[!server], .iv_len = info.iv_len };
	k->tx_seq = s->tls12_records[1];
	k->rx_seq = s->tls12_records[0];
	return 0;
}

LIBKTLS_API int ktls_openssl_handoff(SSL *ssl, int fd, const struct ktls_conn_opts *opts,
				     struct ktls_conn **conn)
{
	const SSL_CIPHER *cipher;
	struct ktls_conn_opts o;
	struct ossl_state *s;
	struct keys k;
	uint16_t suite;
	int server, r;

	if (!ssl || !conn)
		return -EFAULT;
	if ((r = openssl_holds_records(ssl)) < 0)
		return r;
	if (fd < 0 && (fd = SSL_get_fd(ssl)) < 0)
		return -EBADF;
	if (!(s = ossl_state_of(ssl, 0)))
		return -ENODATA;
	if ((r = openssl_holds_unsent(ssl, s)) < 0)
		return r;
	if (!(cipher = SSL_get_current_cipher(ssl)))
		return -EINPROGRESS;
	suite = SSL_CIPHER_get_protocol_id(cipher);
	server = SSL_is_server(ssl) ? 1 : 0;
	memset(&k, 0, sizeof(k));
	switch (SSL_version(ssl)) {
	case TLS1_3_VERSION:
		r = tls13_keys(s, suite, server, &k);
		break;
	case TLS1_2_VERSION:
		r = tls12_keys(ssl, s, suite, server, &k);
		break;
	default:
		r = -EPROTONOSUPPORT;
		break;
	}
	if (r == 0)
		r = ktls_opts_with_role(opts, server, &o);
	if (r == 0)
		r = ktls_conn_open(fd, suite, &k.tx, k.tx_seq, &k.rx, k.rx_seq, &o, conn);
	keys_wipe(&k);
	if (r == 0 || r == -ENOTRECOVERABLE) {
		OPENSSL_cleanse(s, sizeof(*s));
		/* The kernel owns the records: a later SSL_shutdown() must not write one. */
		SSL_set_shutdown(ssl, SSL_SENT_SHUTDOWN | SSL_RECEIVED_SHUTDOWN);
	}
	return r;
}
