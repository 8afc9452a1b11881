/* SPDX-License-Identifier: MIT */
/*
 * Heap bytes per established client connection, N connections held open: libktls (handshake by
 * OpenSSL, hand-off, SSL object freed, struct ktls_conn kept) against userspace OpenSSL (SSL
 * object kept for the data path), with and without SSL_MODE_RELEASE_BUFFERS. Each mode runs in
 * its own process against a server process; glibc's mallinfo2() counts the client's heap after
 * a warm-up connection. Kernel memory (socket buffers, the kernel's TLS context) is not counted.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>

#include "../examples/openssl/handoff.h"
#include "bench.h"

enum mode { LIBKTLS, OPENSSL, OPENSSL_RELEASE, MODES };
static const char *const mode_names[MODES] = {
	"libktls (struct ktls_conn kept, SSL freed)", "OpenSSL userspace (SSL kept)",
	"OpenSSL userspace, SSL_MODE_RELEASE_BUFFERS",
};

static void serve(int lfd, size_t conns)
{
	SSL_CTX *ctx = handoff_context(1, NULL, NULL);

	SSL_CTX_set_num_tickets(ctx, 0);
	for (size_t i = 0; i < conns; i++) {
		int fd = accept(lfd, NULL, NULL);
		SSL *ssl = SSL_new(ctx);

		SSL_set_fd(ssl, fd);
		if (SSL_accept(ssl) != 1)
			die("server handshake");
		SSL_free(ssl); /* the connection stays open: the descriptor is kept */
	}
	pause();
	_exit(0);
}

static SSL *connect_tls(SSL_CTX *ctx, unsigned short port)
{
	char service[8];
	int fd;
	SSL *ssl;

	snprintf(service, sizeof(service), "%u", port);
	fd = tcp_connect("127.0.0.1", service);
	ssl = SSL_new(ctx);
	if (fd < 0 || !ssl || !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1)
		die("client handshake");
	return ssl;
}

/* In a child: open N connections in one mode and report heap bytes per connection. */
static double measure(enum mode mode, size_t conns)
{
	unsigned short port;
	int lfd = tcp_listen("127.0.0.1", "0", &port);
	pid_t server;
	SSL_CTX *ctx;
	void **kept = calloc(conns, sizeof(void *));

	if (lfd < 0 || !kept)
		die("listen");
	server = fork();
	if (server == 0)
		serve(lfd, conns + 1);
	ctx = handoff_context(0, NULL, NULL);
	if (mode == OPENSSL_RELEASE)
		SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);

	SSL_free(connect_tls(ctx, port)); /* warm-up: OpenSSL's lazily built tables */
	size_t before = mallinfo2().uordblks;
	for (size_t i = 0; i < conns; i++) {
		SSL *ssl = connect_tls(ctx, port);

		if (mode == LIBKTLS) {
			struct ktls_conn *conn;
			int ret = handoff_to_kernel(ssl, &conn);

			if (ret < 0)
				die("hand-off: %s", ktls_strerror(ret));
			SSL_free(ssl);
			kept[i] = conn;
		} else {
			kept[i] = ssl;
		}
	}
	size_t after = mallinfo2().uordblks;
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	return ((double)after - (double)before) / (double)conns;
}

int bench_heap(int argc, char **argv)
{
	size_t conns = 1000;
	struct rlimit rl;
	double result[MODES];

	if (argc >= 3 && strcmp(argv[1], "--conns") == 0)
		conns = strtoul(argv[2], NULL, 10);
	if (conns < 1)
		die("--conns >= 1");
	/* two descriptors per connection plus the server's: raise the soft limit */
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 2 * conns + 64) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (int m = 0; m < MODES; m++) {
		int pipefd[2];
		pid_t child;

		if (pipe(pipefd) < 0)
			die("pipe");
		child = fork();
		if (child == 0) {
			double bytes = measure(m, conns);

			if (write(pipefd[1], &bytes, sizeof(bytes)) != sizeof(bytes))
				_exit(1);
			_exit(0);
		}
		close(pipefd[1]);
		if (read(pipefd[0], &result[m], sizeof(double)) != sizeof(double))
			die("%s: the measuring process failed", mode_names[m]);
		close(pipefd[0]);
		waitpid(child, NULL, 0);
	}
	printf("heap per established client connection, %zu connections held (glibc mallinfo2)\n", conns);
	for (int m = 0; m < MODES; m++)
		printf("  %-46s %9.0f bytes %8.2fx\n", mode_names[m], result[m], result[m] / result[OPENSSL]);
	return 0;
}
