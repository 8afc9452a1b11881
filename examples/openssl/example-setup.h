/* SPDX-License-Identifier: MIT */
/* What the OpenSSL examples share: a context prepared for the hand-off, TCP sockets. */
#ifndef KTLS_EXAMPLE_SETUP_H
#define KTLS_EXAMPLE_SETUP_H

#include <openssl/ssl.h>

#include <ktls-openssl.h>

/* A TLS 1.3 context prepared for the hand-off (ktls_openssl_prepare()). A server context gets an
 * ephemeral self-signed P-256 certificate unless cert_file and key_file are given. Returns NULL
 * (and prints why) on failure. After the handshake, ktls_openssl_handoff() hands a connection of
 * it to the kernel. */
SSL_CTX *handoff_context(int server, const char *cert_file, const char *key_file);

/* Connect to or listen on HOST:PORT (TCP). Return the descriptor or -1 (and print why). */
int tcp_connect(const char *host, const char *port);
int tcp_listen(const char *host, const char *port, unsigned short *bound_port);

#endif
