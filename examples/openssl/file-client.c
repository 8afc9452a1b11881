/* SPDX-License-Identifier: MIT */
/*
 * file-client: fetch a file from file-server over TLS 1.3. OpenSSL does the handshake; libktls
 * hands the connection to the kernel; the request is a plain write() and the file arrives through
 * ktls_conn_read(), which takes the server's NewSessionTickets and answers KeyUpdates on the way.
 *
 * usage: file-client [--key-update] [--userspace-key-update] HOST PORT NAME OUTFILE
 *   --key-update            after the hand-off, update our keys and ask the server to update its
 *                           own (KeyUpdate, update_requested) before sending the request
 *   --userspace-key-update  send that KeyUpdate from OpenSSL instead, then stay in userspace: the
 *                           server receives it on its kTLS socket
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/err.h>

#include "example-setup.h"

static int write_all(int fd, const void *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return n < 0 ? -errno : -EIO;
		buf = (const char *)buf + n;
		len -= (size_t)n;
	}
	return 0;
}

static int fetch_kernel(SSL *ssl, int fd, const char *request, int out, int key_update)
{
	struct ktls_conn *conn = NULL;
	long long total = 0;
	int tickets = 0, ret;
	char buf[65536];

	ret = ktls_openssl_handoff(ssl, -1, NULL, &conn);
	SSL_free(ssl); /* no close_notify from OpenSSL: the kernel owns the records now */
	if (ret < 0) {
		fprintf(stderr, "file-client: hand-off to kTLS: %s\n", ktls_strerror(ret));
		return ret;
	}
	if (key_update) {
		ret = ktls_conn_update_keys(conn, 1);
		if (ret == -EBUSY)
			printf("KeyUpdate not sent: this kernel cannot replace kTLS keys (Linux < 6.14); "
			       "continuing under the current keys\n");
		else if (ret < 0)
			goto out;
		else
			printf("KeyUpdate sent (update_requested); new TX key installed\n");
	}
	/* through the connection: a pending KeyUpdate goes out before the request */
	ret = 0;
	for (size_t sent = 0, len = strlen(request); sent < len; sent += (size_t)ret) {
		ret = (int)ktls_conn_write(conn, request + sent, len - sent, 0);
		if (ret < 0)
			break;
	}
	ret = ret < 0 ? ret : 0;
	for (ssize_t n; ret == 0;) {
		n = ktls_conn_read(conn, buf, sizeof(buf), 0);
		if (n == -ENOMSG) {
			const uint8_t *body;
			size_t len;
			uint8_t type;

			while (ktls_conn_next_message(conn, &type, &body, &len) == 1)
				tickets += type == KTLS_HANDSHAKE_NEW_SESSION_TICKET;
			continue;
		}
		if (n == 0)
			break;
		if (n < 0) {
			ret = (int)n;
			break;
		}
		total += n;
		ret = write_all(out, buf, (size_t)n);
	}
	if (ret == 0)
		ret = ktls_shutdown(fd);
	else if (ret == -ECONNABORTED) {
		struct ktls_alert alert;

		if (ktls_reader_alert(ktls_conn_reader(conn), &alert) == 1)
			fprintf(stderr, "file-client: the server sent the alert %s\n",
				ktls_alert_name(alert.description));
	}
	printf("received %lld bytes over kTLS, %d session tickets, %s\n", total, tickets,
	       ret == 0 ? "then close_notify" : ktls_strerror(ret));
out:
	ktls_conn_free(conn);
	return ret;
}

/* Userspace reference: OpenSSL reads, after optionally sending a KeyUpdate. */
static int fetch_userspace(SSL *ssl, const char *request, int out, int key_update)
{
	long long total = 0;
	char buf[16384];
	int n, ret = 0;

	if (key_update && SSL_key_update(ssl, SSL_KEY_UPDATE_REQUESTED) != 1)
		return -EPROTO;
	if (SSL_write(ssl, request, (int)strlen(request)) <= 0)
		return -EPIPE;
	while ((n = SSL_read(ssl, buf, sizeof(buf))) > 0 && ret == 0) {
		total += n;
		ret = write_all(out, buf, (size_t)n);
	}
	if (ret == 0 && SSL_get_error(ssl, n) != SSL_ERROR_ZERO_RETURN) {
		ERR_print_errors_fp(stderr);
		ret = -EPROTO;
	}
	printf("received %lld bytes through SSL_read (userspace TLS)\n", total);
	SSL_free(ssl);
	return ret;
}

int main(int argc, char **argv)
{
	static const struct option options[] = {
		{ "key-update", no_argument, NULL, 'k' },
		{ "userspace-key-update", no_argument, NULL, 'u' },
		{ NULL, 0, NULL, 0 },
	};
	int key_update = 0, userspace = 0, opt, fd, out, ret;
	char request[300];
	SSL_CTX *ctx;
	SSL *ssl;

	while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
		if (opt == 'k')
			key_update = 1;
		else if (opt == 'u')
			key_update = userspace = 1;
		else
			optind = argc + 1;
	}
	if (argc - optind != 4) {
		fprintf(stderr, "usage: file-client [--key-update] [--userspace-key-update] HOST PORT NAME OUTFILE\n");
		return 2;
	}
	snprintf(request, sizeof(request), "GET %s\n", argv[optind + 2]);
	out = open(argv[optind + 3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	ctx = handoff_context(0, NULL, NULL);
	fd = ctx && out >= 0 ? tcp_connect(argv[optind], argv[optind + 1]) : -1;
	if (fd < 0) {
		if (out < 0)
			perror("file-client: output file");
		return 1;
	}
	ssl = SSL_new(ctx);
	if (!ssl || !SSL_set_fd(ssl, fd) || SSL_connect(ssl) != 1) {
		fprintf(stderr, "file-client: handshake failed\n");
		ERR_print_errors_fp(stderr);
		return 1;
	}
	if (userspace)
		ret = fetch_userspace(ssl, request, out, key_update);
	else
		ret = fetch_kernel(ssl, fd, request, out, key_update);
	close(fd);
	close(out);
	SSL_CTX_free(ctx);
	return ret < 0 ? 1 : 0;
}
