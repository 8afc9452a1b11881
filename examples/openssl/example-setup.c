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

#include "example-setup.h"

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
	int ok = ctx && SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);

	if (ok && server)
		ok = cert_file ? SSL_CTX_use_certificate_chain_file(ctx, cert_file) == 1 &&
				 SSL_CTX_use_PrivateKey_file(ctx, key_file, SSL_FILETYPE_PEM) == 1
			       : self_signed(ctx);
	if (!ok) {
		ERR_print_errors_fp(stderr);
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (ktls_openssl_prepare(ctx) < 0) { /* before any handshake: records secrets and records */
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
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
