/* SPDX-License-Identifier: MIT */
/* Test helpers: a libssl handshake over a pair of connected fds, and the key material each side
 * would hand to libktls afterwards. */
#ifndef KTLS_TEST_TLS_PEER_H
#define KTLS_TEST_TLS_PEER_H

#include <stdint.h>

#include <openssl/ssl.h>

#include <ktls.h>

struct tls_side_keys {
	uint8_t tx_secret[KTLS_SECRET_MAX], rx_secret[KTLS_SECRET_MAX];
	uint8_t block[2 * (KTLS_KEY_MAX + KTLS_IV_LEN)];
	struct ktls_secrets tx, rx;
	uint64_t tx_seq, rx_seq;
};

/* Self-signed P-256 certificate, made once per process. Returns 0 or -1. */
int tls_peer_init(void);
/* A context for one role restricted to one suite and its version; NULL if libssl lacks it.
 * The server sends no session tickets, so a TLS 1.3 hand-off starts at sequence 0. */
SSL_CTX *tls_peer_ctx(int server, uint16_t suite);
/* An SSL of ctx on fd whose secrets tls_peer_keys() can read; NULL on failure. */
SSL *tls_peer_new(SSL_CTX *ctx, int fd);
/* Handshake: the client on cfd in a thread, the server on sfd here. 0 or -1. */
int tls_peer_handshake(SSL_CTX *cctx, SSL_CTX *sctx, int cfd, int sfd, SSL **client, SSL **server);
/* SSL_free, and wipe the captured secrets. NULL is fine. */
void tls_peer_free(SSL *ssl);
/* What this side installs: its TX and RX secrets (TLS 1.3) or keys and IVs (TLS 1.2), and the
 * next sequence numbers. 0 or -1. */
int tls_peer_keys(SSL *ssl, uint16_t suite, struct tls_side_keys *keys);
/* Write/read exactly len bytes through libssl; 0 or -1. */
int tls_peer_write_all(SSL *ssl, const void *buf, size_t len);
int tls_peer_read_all(SSL *ssl, void *buf, size_t len);

#endif
