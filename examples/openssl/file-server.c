/* SPDX-License-Identifier: MIT */
/*
 * file-server: a TLS 1.3 and 1.2 file server. OpenSSL does the handshake; libktls-openssl hands
 * the connection to the kernel, which then encrypts the file as sendfile() pushes it (zero-copy
 * from the page cache where the NIC offloads TLS). Where kTLS cannot take the connection (no kTLS,
 * a cipher the kernel lacks) it serves through SSL_write() instead: the hand-off leaves the SSL
 * usable. --userspace always serves that way, as a reference peer.
 *
 * Requests: "GET <name>\n" (answered with the file's bytes) or an HTTP/1.x "GET /<name>" (answered
 * with an HTTP response, for curl and browsers); then close_notify. Names are plain file names
 * inside the served directory. TLS 1.2 renegotiation and TLS 1.3 KeyUpdates from the client are
 * handled by libktls (refused, and followed).
 *
 * usage: file-server [--listen HOST] [--port N] [--count N] [--tickets N] [--userspace]
 *                    [--cert FILE --key FILE] [DIRECTORY]
 * It prints "listening on HOST:PORT" once ready; --count serves that many connections and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "example-setup.h"

static int dirfd_served;

/* One connection, in the kernel (conn) or in OpenSSL (ssl). */
struct io {
	struct ktls_conn *conn;
	SSL *ssl;
	int fd;
};

static ssize_t io_read(struct io *io, void *buf, size_t len)
{
	if (io->ssl) {
		int n = SSL_read(io->ssl, buf, (int)len);

		return n > 0 ? n : SSL_get_error(io->ssl, n) == SSL_ERROR_ZERO_RETURN ? 0 : -EPROTO;
	}
	for (;;) {
		ssize_t n = ktls_conn_read(io->conn, buf, len, 0);
		const uint8_t *body;
		size_t body_len;
		uint8_t type;

		if (n != -ENOMSG)
			return n;
		/* Handshake messages ktls_conn_read() did not handle itself: a client sends none we need. */
		while (ktls_conn_next_message(io->conn, &type, &body, &body_len) == 1)
			;
	}
}

static int io_write_all(struct io *io, const void *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = io->ssl ? SSL_write(io->ssl, buf, (int)len) : ktls_conn_write(io->conn, buf, len, 0);

		if (n <= 0)
			return n < 0 && !io->ssl ? (int)n : -EPIPE;
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

static const char *read_error(ssize_t n)
{
	if (n == -EKEYEXPIRED)
		return "the client updated its keys (KeyUpdate) and this kernel cannot install new ones "
		       "(Linux < 6.14)";
	return n == 0 ? "the client closed the connection" : ktls_strerror((int)n);
}

/* The request: "GET name\n", or an HTTP request line and headers up to the empty line. The
 * name is left in line; *http says which. */
static int read_request(struct io *io, char *line, size_t cap, int *http)
{
	size_t used = 0;
	char *end;

	for (;;) {
		line[used] = '\0';
		end = strchr(line, '\n');
		*http = end && strncmp(line, "GET /", 5) == 0 && memmem(line, (size_t)(end - line), " HTTP/1.", 8);
		if (end && (!*http || strstr(line, "\r\n\r\n")))
			break;
		ssize_t n = io_read(io, line + used, cap - 1 - used);
		if (n <= 0 || used + (size_t)n >= cap - 1) {
			struct ktls_alert alert;

			if (n == -ECONNABORTED && io->conn && ktls_reader_alert(ktls_conn_reader(io->conn), &alert) == 1)
				fprintf(stderr, "file-server: the client sent the alert %s\n",
					ktls_alert_name(alert.description));
			else
				fprintf(stderr, "file-server: reading the request: %s\n",
					n > 0 ? "too long" : read_error(n));
			return n == -EKEYEXPIRED ? -EKEYEXPIRED : n < 0 ? (int)n : -EPROTO;
		}
		used += (size_t)n;
	}
	if (*http) {
		memmove(line, line + 5, strcspn(line + 5, " ") + 1);
		line[strcspn(line, " ")] = '\0';
	} else {
		memmove(line, line + 4, (size_t)(end - line) - 4 + 1);
		line[strcspn(line, "\r\n")] = '\0';
	}
	return 0;
}

/* Tell the client why the connection ends, if the socket still lets us: it is dropped either way. */
static void send_fatal_alert(int fd, uint8_t description)
{
	if (ktls_send_alert(fd, KTLS_ALERT_LEVEL_FATAL, description) < 0)
		return;
}

static int open_served(const char *name, int *file, struct stat *st)
{
	if (!*name || strchr(name, '/') || name[0] == '.')
		return -EACCES;
	*file = openat(dirfd_served, name, O_RDONLY | O_CLOEXEC);
	if (*file < 0)
		return -errno;
	return fstat(*file, st) < 0 ? -errno : 0;
}

static int send_file(struct io *io, int file, off_t size)
{
	char buf[16384];
	off_t off = 0;
	int ret;

	if (io->ssl) {
		for (ssize_t n; (n = read(file, buf, sizeof(buf))) > 0;)
			if ((ret = io_write_all(io, buf, (size_t)n)) < 0)
				return ret;
		return 0;
	}
	/* sendfile() bypasses the connection: first send what the client's KeyUpdate or
	 * renegotiation left to answer (it must precede our data). */
	if ((ret = ktls_conn_flush(io->conn, 0)) < 0)
		return ret;
	while (off < size) {
		ssize_t n = sendfile(io->fd, file, &off, (size_t)(size - off));

		if (n <= 0)
			return n < 0 ? -errno : -EIO;
	}
	return 0;
}

/* close_notify, then wait for the client's, so that it has read everything. */
static int finish(struct io *io)
{
	char sink[256];

	if (io->ssl) {
		if (SSL_shutdown(io->ssl) == 0)
			(void)SSL_read(io->ssl, sink, sizeof(sink));
		return 0;
	}
	int ret = ktls_shutdown(io->fd);
	for (ssize_t n; ret == 0;) {
		n = io_read(io, sink, sizeof(sink));
		if (n == 0 || n == -EPIPE)
			break;
		if (n < 0)
			ret = (int)n;
	}
	return ret;
}

static int serve(struct io *io)
{
	char line[4096], header[160];
	int http, file = -1, ret;
	struct stat st;

	ret = read_request(io, line, sizeof(line), &http);
	if (ret < 0)
		return ret; /* libktls has sent the fatal alert the failure calls for */
	ret = open_served(line, &file, &st);
	if (ret < 0) {
		fprintf(stderr, "file-server: \"%s\": %s\n", line, strerror(-ret));
		if (http) {
			static const char nf[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
			if (io_write_all(io, nf, sizeof(nf) - 1) == 0)
				finish(io);
		} else if (!io->ssl) {
			send_fatal_alert(io->fd, KTLS_ALERT_ACCESS_DENIED);
		}
		return ret;
	}
	if (http) {
		int n = snprintf(header, sizeof(header),
				 "HTTP/1.1 200 OK\r\nContent-Length: %lld\r\nConnection: close\r\n\r\n",
				 (long long)st.st_size);
		ret = io_write_all(io, header, (size_t)n);
	}
	if (ret == 0)
		ret = send_file(io, file, st.st_size);
	close(file);
	if (ret == 0)
		ret = finish(io);
	if (ret < 0)
		fprintf(stderr, "file-server: sending %s: %s\n", line, ktls_strerror(ret));
	else
		printf("served %s: %lld bytes %s\n", line, (long long)st.st_size,
		       io->ssl ? "through SSL_write (userspace TLS)" : "with sendfile over kTLS");
	return ret;
}

/* A connection that failed: close() with records still unread sends an RST, which can overtake
 * the fatal alert libktls sent. Shut our side and give the client a moment to read it and close. */
static void let_the_alert_out(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLRDHUP };

	shutdown(fd, SHUT_WR);
	(void)poll(&p, 1, 1000);
}

static void print_handshake(SSL *ssl)
{
	printf("handshake: %s, %s, %s\n", SSL_get_version(ssl), SSL_get_cipher_name(ssl),
	       SSL_session_reused(ssl) ? "resumed" : "full");
}

static int serve_connection(SSL *ssl, int fd, int userspace)
{
	struct ktls_socket_info info = { .sz = sizeof(info) };
	struct io io = { .ssl = ssl, .fd = fd };
	int ret = 0;

	print_handshake(ssl);
	if (!userspace) {
		ret = ktls_openssl_handoff(ssl, fd, NULL, &io.conn);
		if (ret == 0) {
			io.ssl = NULL;
			if (ktls_socket_info(fd, &info) == 0)
				printf("kTLS installed: tx %s, rx %s\n",
				       info.tx_mode == KTLS_MODE_HW ? "hw" : info.tx_mode == KTLS_MODE_HW_RECORD ? "hw-record" : "sw",
				       info.rx_mode == KTLS_MODE_HW ? "hw" : "sw");
		} else if (ret == -ENOTRECOVERABLE) {
			fprintf(stderr, "file-server: hand-off to kTLS: %s\n", ktls_strerror(ret));
			SSL_free(ssl);
			return ret;
		} else {
			printf("kTLS not used (%s): serving in userspace\n", ktls_strerror(ret));
		}
	}
	ret = serve(&io);
	if (ret < 0 && io.conn)
		let_the_alert_out(fd);
	ktls_conn_free(io.conn);
	SSL_free(ssl); /* after a hand-off: frees OpenSSL's state, sends nothing */
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "listen", required_argument, NULL, 'l' }, { "port", required_argument, NULL, 'p' },
		{ "count", required_argument, NULL, 'n' },  { "tickets", required_argument, NULL, 't' },
		{ "userspace", no_argument, NULL, 'u' },    { "cert", required_argument, NULL, 'c' },
		{ "key", required_argument, NULL, 'k' },    { NULL, 0, NULL, 0 },
	};
	const char *host = "127.0.0.1", *port = "0", *cert = NULL, *key = NULL;
	long count = 0, tickets = 2, served = 0, failed = 0;
	int userspace = 0, opt, lfd;
	unsigned short bound;
	SSL_CTX *ctx;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		switch (opt) {
		case 'l': host = optarg; break;
		case 'p': port = optarg; break;
		case 'n': count = atol(optarg); break;
		case 't': tickets = atol(optarg); break;
		case 'u': userspace = 1; break;
		case 'c': cert = optarg; break;
		case 'k': key = optarg; break;
		default:
			fprintf(stderr, "usage: file-server [--listen HOST] [--port N] [--count N] [--tickets N] "
					"[--userspace] [--cert FILE --key FILE] [DIRECTORY]\n");
			return 2;
		}
	}
	if (!cert != !key) {
		fprintf(stderr, "file-server: give both --cert and --key, or neither\n");
		return 2;
	}
	dirfd_served = open(optind < argc ? argv[optind] : ".", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dirfd_served < 0) {
		perror("file-server: directory");
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stdout, NULL, _IOLBF, 0); /* each line as it happens, for whoever watches the log */
	ctx = handoff_context(1, cert, key);
	lfd = ctx ? tcp_listen(host, port, &bound) : -1;
	if (lfd < 0)
		return 1;
	/* TLS 1.2 too, with every suite OpenSSL has (kTLS takes the AEAD ones the kernel has). */
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_cipher_list(ctx, "ALL:!aNULL:!eNULL");
	SSL_CTX_set_num_tickets(ctx, (size_t)tickets);
	printf("listening on %s:%u (%s)\n", host, bound, userspace ? "userspace TLS" : "kTLS via libktls");
	fflush(stdout);

	while (count == 0 || served + failed < count) {
		int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
		SSL *ssl;
		int ret;

		if (fd < 0)
			continue;
		ssl = SSL_new(ctx);
		if (!ssl || !SSL_set_fd(ssl, fd) || SSL_accept(ssl) != 1) {
			fprintf(stderr, "file-server: handshake failed\n");
			ERR_print_errors_fp(stderr);
			SSL_free(ssl);
			ret = -EPROTO;
		} else {
			ret = serve_connection(ssl, fd, userspace);
		}
		close(fd);
		ret < 0 ? failed++ : served++;
		fflush(stdout);
	}
	close(lfd);
	SSL_CTX_free(ctx);
	return failed ? 1 : 0;
}
