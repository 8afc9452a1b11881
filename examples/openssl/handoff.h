/* SPDX-License-Identifier: MIT */
/* Hand an OpenSSL TLS 1.3 connection over to kernel TLS with libktls. */
#ifndef KTLS_EXAMPLE_HANDOFF_H
#define KTLS_EXAMPLE_HANDOFF_H

#include <openssl/ssl.h>

#include <ktls.h>

/* A TLS 1.3-only context whose connections record what the hand-off needs: the traffic secrets
 * (keylog callback) and, for a server, the NewSessionTicket records it sent under them. A server
 * context gets an ephemeral self-signed P-256 certificate unless cert_file and key_file are given.
 * Returns NULL (and prints why) on failure. */
SSL_CTX *handoff_context(int server, const char *cert_file, const char *key_file);

/* After SSL_connect() or SSL_accept(): install both directions on the SSL's socket and return a
 * libktls connection, or a negative errno. The SSL object can then be freed without SSL_shutdown:
 * the kernel owns the records. Its secrets are wiped here. */
int handoff_to_kernel(SSL *ssl, struct ktls_conn **conn);

/* Connect to or listen on HOST:PORT (TCP). Return the descriptor or -1 (and print why). */
int tcp_connect(const char *host, const char *port);
int tcp_listen(const char *host, const char *port, unsigned short *bound_port);

#endif
