/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "handoff.h"

struct secrets {
	uint8_t client[KTLS_SECRET_MAX], server[KTLS_SECRET_MAX];
	size_t len;
	/* records this end sent under its first application key: a server's NewSessionTickets */
	uint64_t tx_records;
	int have_tx_key;
};

static int secrets_index = -1;

static void secrets_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	(void)parent; (void)ad; (void)idx; (void)argl; (void)argp;
	OPENSSL_clear_free(ptr, sizeof(struct secrets));
}

static struct secrets *secrets_of(const SSL *ssl)
{
	struct secrets *s = SSL_get_ex_data(ssl, secrets_index);

	if (!s) {
		s = OPENSSL_zalloc(sizeof(*s));
		if (s && !SSL_set_ex_data((SSL *)ssl, secrets_index, s)) {
			OPENSSL_free(s);
			s = NULL;
		}
	}
	return s;
}

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
	struct secrets *s = secrets_of(ssl);
	const char *secret = strrchr(line, ' ');

	if (!s || !secret)
		return;
	if (strncmp(line, "CLIENT_TRAFFIC_SECRET_0 ", 24) == 0)
		s->len = unhex(secret + 1, s->client, sizeof(s->client));
	else if (strncmp(line, "SERVER_TRAFFIC_SECRET_0 ", 24) == 0)
		s->len = unhex(secret + 1, s->server, sizeof(s->server));
}

/* A TLS 1.3 server writes its NewSessionTickets under its application key inside SSL_accept(),
 * one record each: they fix the sequence number the kernel must continue from. */
static void count_records(int write_p, int version, int content_type, const void *buf, size_t len,
			  SSL *ssl, void *arg)
{
	struct secrets *s;

	(void)version; (void)arg;
	if (!write_p || content_type != SSL3_RT_HANDSHAKE || len < 1 ||
	    ((const uint8_t *)buf)[0] != SSL3_MT_NEWSESSION_TICKET)
		return;
	s = secrets_of(ssl);
	if (s)
		s->tx_records++;
}

static int self_signed(SSL_CTX *ctx)
{
	EVP_PKEY *key = EVP_EC_gen("P-256");
	X509 *cert = X509_new();
	int ok = key && cert && X509_set_pubkey(cert, key) &&
		 X509_gmtime_adj(X509_getm_notBefore(cert), 0) &&
		 X509_gmtime_adj(X509_getm_notAfter(cert), 86400) &&
		 X509_sign(cert, key, EVP_sha256()) && SSL_CTX_use_certificate(ctx, cert) &&
		 SSL_CTX_use_PrivateKey(ctx, key);

	X509_free(cert);
	EVP_PKEY_free(key);
	return ok;
}

SSL_CTX *handoff_context(int server, const char *cert_file, const char *key_file)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	int ok;

	if (secrets_index < 0)
		secrets_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, secrets_free);
	ok = ctx && secrets_index >= 0 && SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	if (ok && server)
		ok = cert_file ? SSL_CTX_use_certificate_chain_file(ctx, cert_file) == 1 &&
				 SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) == 1
			       : self_signed(ctx);
	if (!ok) {
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(ctx);
		return NULL;
	}
	/* Never read past the handshake: bytes OpenSSL buffered could not reach the kernel. */
	SSL_CTX_set_read_ahead(ctx, 0);
	SSL_CTX_set_keylog_callback(ctx, keylog);
	SSL_CTX_set_msg_callback(ctx, count_records);
	return ctx;
}

int handoff_to_kernel(SSL *ssl, struct ktls_conn **conn)
{
	struct secrets *s = SSL_get_ex_data(ssl, secrets_index);
	int server = SSL_is_server(ssl);
	uint16_t suite = SSL_CIPHER_get_protocol_id(SSL_get_current_cipher(ssl));
	int ret;

	if (!s || !s->len || SSL_version(ssl) != TLS1_3_VERSION)
		return -EINVAL;
	if (SSL_has_pending(ssl)) /* only with read-ahead, which the context turns off */
		return -EBUSY;
	struct ktls_secrets client = { .secret = s->client, .secret_len = s->len };
	struct ktls_secrets server_side = { .secret = s->server, .secret_len = s->len };
	/* A TLS 1.3 handshake leaves both sequence numbers at 0, but for the tickets a server sent. */
	ret = ktls_conn_open(SSL_get_fd(ssl), suite, server ? &server_side : &client,
			     server ? s->tx_records : 0, server ? &client : &server_side, 0, NULL, conn);
	OPENSSL_cleanse(s, sizeof(*s));
	return ret;
}

static int tcp_socket(const char *host, const char *port, int listening, unsigned short *bound)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM, .ai_flags = listening ? AI_PASSIVE : 0 };
	struct addrinfo *res, *ai;
	int fd = -1, one = 1, err;

	err = getaddrinfo(host, port, &hints, &res);
	if (err) {
		fprintf(stderr, "%s:%s: %s\n", host, port, gai_strerror(err));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd < 0)
			continue;
		if (listening)
			setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (listening ? bind(fd, ai->ai_addr, ai->ai_addrlen) < 0 || listen(fd, 64) < 0
			      : connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	if (fd < 0) {
		fprintf(stderr, "%s:%s: %s\n", host, port, strerror(errno));
		return -1;
	}
	if (bound) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);

		getsockname(fd, (struct sockaddr *)&ss, &len);
		*bound = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
							: ((struct sockaddr_in *)&ss)->sin_port);
	}
	return fd;
}

int tcp_connect(const char *host, const char *port)
{
	return tcp_socket(host, port, 0, NULL);
}

int tcp_listen(const char *host, const char *port, unsigned short *bound_port)
{
	return tcp_socket(host, port, 1, bound_port);
}
