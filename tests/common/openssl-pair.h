/* SPDX-License-Identifier: MIT */
/* Two OpenSSL ends over a loopback TCP pair whose contexts are prepared for libktls-openssl (on
 * top of tls-peer's own keylog callback, which the preparation must chain to), for the tests of
 * ktls_openssl_handoff(). */
#ifndef KTLS_TEST_OPENSSL_PAIR_H
#define KTLS_TEST_OPENSSL_PAIR_H

#include <ktls-openssl.h>

#include "tls-peer.h"

struct openssl_pair {
	SSL_CTX *cctx, *sctx;
	SSL *client, *server;
	int cfd, sfd;
	struct tls_side_keys client_keys; /* what tls-peer's keylog gave: proves the chaining */
};

/* Handshake with suite; the server sends `tickets` NewSessionTickets (TLS 1.3); prepare: whether
 * the contexts go through ktls_openssl_prepare(). Aborts the test on failure. */
void openssl_pair_open(struct openssl_pair *p, uint16_t suite, int tickets, int prepare);
/* A new connection on the same contexts, for a test that changed them (the old one is closed). */
void openssl_pair_reconnect(struct openssl_pair *p);
void openssl_pair_close(struct openssl_pair *p);
/* len bytes of a pattern from one SSL to the other through OpenSSL; 0 or -1. */
int openssl_pair_exchange(SSL *from, SSL *to, size_t len);

#endif
