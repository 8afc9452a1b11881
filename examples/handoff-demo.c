/* SPDX-License-Identifier: MIT */
/*
 * handoff-demo: a real TLS 1.3 handshake done by OpenSSL, then the record layer handed to the
 * kernel with libktls.
 *
 * A server thread speaks TLS with OpenSSL in userspace. The client does its handshake with
 * OpenSSL too, on a context prepared with ktls_openssl_prepare() (openssl/example-setup.c); then
 * ktls_openssl_handoff() installs both directions in the kernel, the client frees its SSL
 * object, and from then on uses plain write() and read(): the kernel encrypts and decrypts, and
 * the OpenSSL server cannot tell the difference. The three lines that matter:
 *
 *     ktls_openssl_prepare(ctx);                          before the handshake
 *     SSL_connect(ssl);
 *     ktls_openssl_handoff(ssl, -1, NULL, &conn);         after it
 *
 * usage: handoff-demo [IANA-SUITE-HEX]   (default 1301: TLS_AES_128_GCM_SHA256)
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "openssl/example-setup.h"

static void die(const char *what)
{
	fprintf(stderr, "handoff-demo: %s\n", what);
	exit(1);
}

static SSL_CTX *context(int server, const char *suite_name)
{
	SSL_CTX *ctx = handoff_context(server, NULL, NULL);

	if (!ctx || !SSL_CTX_set_ciphersuites(ctx, suite_name))
		die("cannot set up OpenSSL for that suite");
	/* A server's NewSessionTickets arrive after the handshake; a plain read() would meet them
	 * as control records (EIO), so this demo asks for none (file-client shows them handled). */
	if (server)
		SSL_CTX_set_num_tickets(ctx, 0);
	return ctx;
}

struct server_args {
	int fd;
	SSL_CTX *ctx;
};

static void *server(void *arg)
{
	struct server_args *a = arg;
	SSL *ssl = SSL_new(a->ctx);
	char req[64] = "";
	char resp[128];

	SSL_set_fd(ssl, a->fd);
	if (SSL_accept(ssl) == 1 && SSL_read(ssl, req, sizeof(req) - 1) > 0) {
		printf("server (OpenSSL, userspace): got \"%s\"\n", req);
		snprintf(resp, sizeof(resp), "hello kernel, you sent %zu bytes", strlen(req));
		SSL_write(ssl, resp, (int)strlen(resp));
	}
	SSL_free(ssl);
	return NULL;
}

static long long tls_stat(const char *name)
{
	FILE *f = fopen("/proc/net/tls_stat", "r");
	char k[64];
	long long v, found = -1;

	while (f && fscanf(f, "%63s %lld", k, &v) == 2)
		if (strcmp(k, name) == 0)
			found = v;
	if (f)
		fclose(f);
	return found;
}

int main(int argc, char **argv)
{
	uint16_t suite = argc > 1 ? (uint16_t)strtoul(argv[1], NULL, 16) : 0x1301;
	struct ktls_suite_info info = { .sz = sizeof(info) };
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(addr);
	char buf[128];
	int r;

	if (ktls_suite_info(suite, &info) < 0 || info.tls_version != KTLS_TLS_1_3)
		die("give a TLS 1.3 suite: 1301, 1302, 1303 or 1304");
	printf("libktls %s, suite %s\n", ktls_version(), info.name);

	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	if (bind(lfd, (struct sockaddr *)&addr, sizeof(addr)) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&addr, &alen) < 0)
		die("cannot listen on loopback");
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&addr, sizeof(addr)) < 0)
		die("cannot connect");
	struct server_args sa = { .fd = accept(lfd, NULL, NULL), .ctx = context(1, info.name) };
	pthread_t thread;
	pthread_create(&thread, NULL, server, &sa);

	SSL_CTX *cctx = context(0, info.name);
	SSL *ssl = SSL_new(cctx);
	struct ktls_conn *conn = NULL;

	SSL_set_fd(ssl, fd);
	if (SSL_connect(ssl) != 1)
		die("client handshake failed");
	printf("client: TLS 1.3 handshake done by OpenSSL; handing the socket to the kernel\n");

	long long tx_sw = tls_stat("TlsTxSw"), rx_sw = tls_stat("TlsRxSw");
	r = ktls_openssl_handoff(ssl, -1, NULL, &conn); /* both directions, exact sequence numbers */
	SSL_free(ssl); /* no close_notify: the kernel owns the records now */
	if (r < 0) {
		printf("handoff-demo: hand-off to kTLS: %s\n", ktls_strerror(r));
		shutdown(fd, SHUT_RDWR); /* ends the server's read */
		pthread_join(thread, NULL);
	}
	if (r == 0) {
		printf("client: kTLS installed (kernel counters TlsTxSw %lld -> %lld, TlsRxSw %lld -> %lld)\n",
		       tx_sw, tls_stat("TlsTxSw"), rx_sw, tls_stat("TlsRxSw"));
		const char *msg = "hello from a plain write() on a kTLS socket";
		if (write(fd, msg, strlen(msg)) != (ssize_t)strlen(msg))
			die("write failed");
		ssize_t n = read(fd, buf, sizeof(buf) - 1);
		if (n <= 0)
			die("read failed");
		buf[n] = '\0';
		printf("client (kernel TLS, plain read()): got \"%s\"\n", buf);
		pthread_join(thread, NULL);
	}

	ktls_conn_free(conn);
	close(fd);
	close(sa.fd);
	close(lfd);
	SSL_CTX_free(cctx);
	SSL_CTX_free(sa.ctx);
	if (r < 0)
		return r == -ENOENT ? 77 : 1;
	printf("done: the kernel encrypted and decrypted every application byte\n");
	return 0;
}
