/* SPDX-License-Identifier: MIT */
/*
 * Heap bytes per established client connection, N connections held open: libktls (handshake by
 * OpenSSL, hand-off, SSL object freed, struct ktls_conn kept) against userspace OpenSSL (SSL
 * object kept for the data path), with and without SSL_MODE_RELEASE_BUFFERS. Each mode runs in
 * its own process against a server process; glibc's mallinfo2() counts the client's heap after
 * a warm-up connection. Kernel memory (socket buffers, the kernel's TLS context) is not counted.
 * Measured twice: idle after the handshake, and after each connection has received and processed
 * one NewSessionTicket (for libktls: read, taken, and the next read found nothing).
 */
#include <errno.h>
#include <fcntl.h>
#include <malloc.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <openssl/err.h>

#include "../examples/openssl/example-setup.h"
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
		/* one ticket, after the client's Finished: it arrives after the hand-off */
		if (SSL_new_session_ticket(ssl) != 1 || SSL_do_handshake(ssl) != 1)
			die("server ticket");
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

/* Wait for the ticket and process it: nothing else arrives. */
static void take_ticket(enum mode mode, void *kept, int fd)
{
	char buf[256];

	if (mode == LIBKTLS) {
		struct ktls_conn *conn = kept;
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t r;
		uint8_t type;
		const uint8_t *body;
		size_t len;

		while ((r = ktls_conn_read(conn, buf, sizeof(buf), MSG_DONTWAIT)) != -ENOMSG) {
			if (r != -EAGAIN)
				die("libktls: reading the ticket: %s", ktls_strerror((int)r));
			poll(&p, 1, -1);
		}
		while (ktls_conn_next_message(conn, &type, &body, &len) == 1)
			;
		if ((r = ktls_conn_read(conn, buf, sizeof(buf), MSG_DONTWAIT)) != -EAGAIN)
			die("libktls: after the ticket: %s", ktls_strerror((int)r));
		return;
	}
	SSL *ssl = kept;
	struct pollfd p = { .fd = fd, .events = POLLIN };
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	poll(&p, 1, -1);
	if (SSL_read(ssl, buf, sizeof(buf)) > 0 || SSL_get_error(ssl, -1) != SSL_ERROR_WANT_READ)
		die("OpenSSL: reading the ticket");
}

/* In a child: open N connections in one mode; heap bytes per connection idle, and after a ticket. */
static void measure(enum mode mode, size_t conns, double bytes[2])
{
	unsigned short port;
	int lfd = tcp_listen("127.0.0.1", "0", &port);
	pid_t server;
	SSL_CTX *ctx;
	void **kept = calloc(conns, sizeof(void *));
	int *fds = calloc(conns, sizeof(int));

	if (lfd < 0 || !kept || !fds)
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

		fds[i] = SSL_get_fd(ssl);
		if (mode == LIBKTLS) {
			struct ktls_conn *conn;
			int ret = ktls_openssl_handoff(ssl, -1, NULL, &conn);

			if (ret < 0)
				die("hand-off: %s", ktls_strerror(ret));
			SSL_free(ssl);
			kept[i] = conn;
		} else {
			kept[i] = ssl;
		}
	}
	size_t idle = mallinfo2().uordblks;
	for (size_t i = 0; i < conns; i++)
		take_ticket(mode, kept[i], fds[i]);
	size_t ticketed = mallinfo2().uordblks;
	kill(server, SIGTERM);
	waitpid(server, NULL, 0);
	bytes[0] = ((double)idle - (double)before) / (double)conns;
	bytes[1] = ((double)ticketed - (double)before) / (double)conns;
}

int bench_heap(int argc, char **argv)
{
	size_t conns = 1000;
	struct rlimit rl;
	double result[MODES][2];

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
			double bytes[2];

			measure(m, conns, bytes);
			if (write(pipefd[1], bytes, sizeof(bytes)) != sizeof(bytes))
				_exit(1);
			_exit(0);
		}
		close(pipefd[1]);
		if (read(pipefd[0], result[m], sizeof(result[m])) != sizeof(result[m]))
			die("%s: the measuring process failed", mode_names[m]);
		close(pipefd[0]);
		waitpid(child, NULL, 0);
	}
	printf("heap per established client connection, %zu connections held (glibc mallinfo2)\n", conns);
	printf("  %-46s %15s %8s %22s %8s\n", "", "idle", "", "after one ticket", "");
	for (int m = 0; m < MODES; m++)
		printf("  %-46s %9.0f bytes %7.3fx %15.0f bytes %7.3fx\n", mode_names[m], result[m][0],
		       result[m][0] / result[OPENSSL][0], result[m][1], result[m][1] / result[OPENSSL][1]);
	return 0;
}
