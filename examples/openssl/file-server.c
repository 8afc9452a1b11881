/* SPDX-License-Identifier: MIT */
/*
 * file-server: a TLS 1.3 file server. OpenSSL does the handshake; libktls hands the connection to
 * the kernel, which then encrypts the file as sendfile() pushes it (zero-copy from the page cache
 * where the NIC offloads TLS). With --userspace it serves through SSL_write() instead, as a
 * reference peer.
 *
 * Protocol: the client sends "GET <name>\n"; the server answers with the file's bytes, then
 * close_notify. Names are plain file names inside the served directory.
 *
 * usage: file-server [--listen HOST] [--port N] [--count N] [--tickets N] [--userspace]
 *                    [--cert FILE --key FILE] [DIRECTORY]
 * It prints "listening on HOST:PORT" once ready; --count serves that many connections and exits.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/err.h>

#include "handoff.h"

static int dirfd_served;

/* The request line, "GET <name>\n", from whichever reader the connection uses. */
static int parse_request(char *line, int *file)
{
	char *name = line + 4;

	if (strncmp(line, "GET ", 4) != 0 || !*name || strchr(name, '/') || name[0] == '.')
		return -EINVAL;
	*file = openat(dirfd_served, name, O_RDONLY | O_CLOEXEC);
	return *file < 0 ? -errno : 0;
}

/* Handshake messages ktls_conn_read() did not handle itself: a client sends none we need. */
static void skip_messages(struct ktls_conn *conn)
{
	const uint8_t *body;
	size_t len;
	uint8_t type;

	while (ktls_conn_next_message(conn, &type, &body, &len) == 1)
		;
}

/* Tell the client why the connection ends, if the socket still lets us. */
static void send_fatal_alert(int fd, uint8_t description)
{
	if (ktls_send_alert(fd, KTLS_ALERT_LEVEL_FATAL, description) < 0)
		return; /* the connection is being dropped either way */
}

static int serve_kernel(SSL *ssl, int fd)
{
	struct ktls_socket_info info = { .sz = sizeof(info) };
	struct ktls_conn *conn = NULL;
	char line[256];
	size_t used = 0;
	int file = -1, ret;
	struct stat st;
	off_t off = 0;

	ret = handoff_to_kernel(ssl, &conn);
	SSL_free(ssl);
	if (ret < 0) {
		fprintf(stderr, "file-server: hand-off to kTLS: %s\n", ktls_strerror(ret));
		return ret;
	}
	if (ktls_socket_info(fd, &info) == 0)
		printf("kTLS installed: tx %s, rx %s\n",
		       info.tx_mode == KTLS_MODE_HW ? "hw" : info.tx_mode == KTLS_MODE_HW_RECORD ? "hw-record" : "sw",
		       info.rx_mode == KTLS_MODE_HW ? "hw" : "sw");
	while (!memchr(line, '\n', used)) {
		ssize_t n = ktls_conn_read(conn, line + used, sizeof(line) - 1 - used, 0);

		if (n == -ENOMSG) {
			skip_messages(conn);
			continue;
		}
		if (n <= 0 || used + (size_t)n >= sizeof(line) - 1) {
			ret = n == 0 ? -EPIPE : n < 0 ? (int)n : -EMSGSIZE;
			fprintf(stderr, "file-server: reading the request: %s\n",
				n == -EKEYEXPIRED ? "the client updated its keys (KeyUpdate) and this kernel "
						    "cannot install new ones (Linux < 6.14)"
						  : ktls_strerror(ret));
			if (n == -EKEYEXPIRED)
				send_fatal_alert(fd, KTLS_ALERT_INTERNAL_ERROR);
			goto out;
		}
		used += (size_t)n;
	}
	*strchr(line, '\n') = '\0';
	ret = parse_request(line, &file);
	if (ret < 0 || fstat(file, &st) < 0) {
		ret = ret < 0 ? ret : -errno;
		fprintf(stderr, "file-server: \"%s\": %s\n", line, strerror(-ret));
		send_fatal_alert(fd, KTLS_ALERT_ACCESS_DENIED);
		goto out;
	}
	/* sendfile() bypasses the connection: first send what a KeyUpdate of the client's left to
	 * send (our answer to update_requested must precede our data). */
	if ((ret = ktls_conn_flush(conn, 0)) < 0) {
		fprintf(stderr, "file-server: %s\n", ktls_strerror(ret));
		goto out;
	}
	while (off < st.st_size) {
		ssize_t n = sendfile(fd, file, &off, (size_t)(st.st_size - off));

		if (n <= 0) {
			ret = n < 0 ? -errno : -EIO;
			fprintf(stderr, "file-server: sendfile: %s\n", strerror(-ret));
			goto out;
		}
	}
	ret = ktls_shutdown(fd);
	/* Wait for the client's close_notify, so that it has read everything. */
	for (char sink[256]; ret == 0;) {
		ssize_t n = ktls_conn_read(conn, sink, sizeof(sink), 0);

		if (n == 0 || n == -EPIPE)
			break;
		if (n == -ENOMSG)
			skip_messages(conn);
		else if (n < 0)
			ret = (int)n;
	}
	printf("served %s: %lld bytes with sendfile over kTLS\n", line + 4, (long long)st.st_size);
out:
	if (file >= 0)
		close(file);
	ktls_conn_free(conn);
	return ret;
}

static int serve_userspace(SSL *ssl)
{
	char line[256], buf[16384];
	int n, file = -1, ret, used = 0;
	ssize_t r;

	while (!memchr(line, '\n', (size_t)used)) {
		n = SSL_read(ssl, line + used, (int)sizeof(line) - 1 - used);
		if (n <= 0) {
			fprintf(stderr, "file-server: reading the request (userspace): SSL error %d\n",
				SSL_get_error(ssl, n));
			ERR_print_errors_fp(stderr);
			return -EPROTO;
		}
		used += n;
	}
	*strchr(line, '\n') = '\0';
	ret = parse_request(line, &file);
	if (ret < 0) {
		fprintf(stderr, "file-server: \"%s\": %s\n", line, strerror(-ret));
		return ret;
	}
	while ((r = read(file, buf, sizeof(buf))) > 0)
		if (SSL_write(ssl, buf, (int)r) != r) {
			ret = -EPIPE;
			break;
		}
	close(file);
	if (ret == 0 && SSL_shutdown(ssl) == 0)
		SSL_read(ssl, buf, sizeof(buf)); /* the client's close_notify */
	printf("served %s through SSL_write (userspace TLS)\n", line + 4);
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
	ctx = handoff_context(1, cert, key);
	lfd = ctx ? tcp_listen(host, port, &bound) : -1;
	if (lfd < 0)
		return 1;
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
		} else if (userspace) {
			ret = serve_userspace(ssl);
			SSL_free(ssl);
		} else {
			ret = serve_kernel(ssl, fd);
		}
		close(fd);
		ret < 0 ? failed++ : served++;
		fflush(stdout);
	}
	close(lfd);
	SSL_CTX_free(ctx);
	return failed ? 1 : 0;
}
