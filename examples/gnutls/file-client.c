/* SPDX-License-Identifier: MIT */
/*
 * file-client-gnutls: the file-client of examples/openssl with GnuTLS doing the handshake and
 * libktls-gnutls handing the session to the kernel (GnuTLS's own keys and sequence numbers, and
 * the TLS 1.3 traffic secrets, so that the connection follows KeyUpdates). The file is read
 * through a ktls_conn, which takes the server's NewSessionTickets.
 *
 * usage: file-client-gnutls [--tls12] [--key-update-first] HOST PORT NAME OUTFILE
 * --tls12: TLS 1.2 instead of 1.3; --key-update-first: update both directions' keys in GnuTLS
 * before the hand-off (TLS 1.3), which the hand-off must carry over.
 */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gnutls/gnutls.h>

#include <ktls-gnutls.h>

static int connect_to(const char *host, const char *port)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	int fd = -1;

	if (getaddrinfo(host, port, &hints, &res) != 0)
		return -1;
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
		if (fd >= 0 && connect(fd, ai->ai_addr, ai->ai_addrlen) < 0) {
			close(fd);
			fd = -1;
		}
	}
	freeaddrinfo(res);
	return fd;
}

int main(int argc, char **argv)
{
	gnutls_certificate_credentials_t creds;
	gnutls_session_t session;
	struct ktls_conn *conn = NULL;
	long long total = 0;
	int fd, out, ret, tickets = 0;
	char request[300], buf[65536];

	const char *priority = "NORMAL:-VERS-ALL:+VERS-TLS1.3";
	int update_first = 0;

	for (; argc > 1 && strncmp(argv[1], "--", 2) == 0; argc--, argv++) {
		if (strcmp(argv[1], "--tls12") == 0)
			priority = "NORMAL:-VERS-ALL:+VERS-TLS1.2";
		else if (strcmp(argv[1], "--key-update-first") == 0)
			update_first = 1;
		else
			argc = 0;
	}
	if (argc != 5) {
		fprintf(stderr, "usage: file-client-gnutls [--tls12] [--key-update-first] HOST PORT NAME OUTFILE\n");
		return 2;
	}
	snprintf(request, sizeof(request), "GET %s\n", argv[3]);
	out = open(argv[4], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	fd = out >= 0 ? connect_to(argv[1], argv[2]) : -1;
	if (fd < 0) {
		perror("file-client-gnutls");
		return 1;
	}
	gnutls_certificate_allocate_credentials(&creds);
	gnutls_init(&session, GNUTLS_CLIENT);
	gnutls_priority_set_direct(session, priority, NULL);
	gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, creds);
	gnutls_transport_set_int(session, fd);
	ret = ktls_gnutls_prepare(session);
	if (ret < 0) {
		fprintf(stderr, "file-client-gnutls: %s\n", ktls_strerror(ret));
		return 1;
	}
	do {
		ret = gnutls_handshake(session);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	if (ret < 0) {
		fprintf(stderr, "file-client-gnutls: handshake: %s\n", gnutls_strerror(ret));
		return 1;
	}
	if (update_first && (ret = gnutls_session_key_update(session, GNUTLS_KU_PEER)) < 0) {
		fprintf(stderr, "file-client-gnutls: gnutls_session_key_update: %s\n", gnutls_strerror(ret));
		return 1;
	}
	printf("GnuTLS handshake (%s)%s", gnutls_ciphersuite_get(session),
	       update_first ? ", KeyUpdate sent by GnuTLS" : "");
	ret = ktls_gnutls_handoff(session, fd, NULL, &conn);
	if (ret < 0)
		ktls_gnutls_discard(session);
	gnutls_deinit(session); /* wipes GnuTLS's copies of the keys; sends nothing */
	gnutls_certificate_free_credentials(creds);
	if (ret < 0) {
		fprintf(stderr, "\nfile-client-gnutls: hand-off to kTLS: %s\n", ktls_strerror(ret));
		return ret == -ENOENT ? 77 : 1;
	}
	printf(", handed to kTLS\n");

	if (ktls_conn_write(conn, request, strlen(request), 0) != (ssize_t)strlen(request))
		ret = -EIO;
	while (ret == 0) {
		ssize_t n = ktls_conn_read(conn, buf, sizeof(buf), 0);

		if (n == -ENOMSG) {
			const uint8_t *body;
			size_t len;
			uint8_t type;

			while (ktls_conn_next_message(conn, &type, &body, &len) == 1)
				tickets += type == KTLS_HANDSHAKE_NEW_SESSION_TICKET;
			continue;
		}
		if (n <= 0) {
			ret = (int)n;
			break;
		}
		total += n;
		if (write(out, buf, (size_t)n) != n)
			ret = -EIO;
	}
	if (ret == 0)
		ret = ktls_shutdown(fd);
	printf("received %lld bytes over kTLS, %d session tickets, %s\n", total, tickets,
	       ret == 0 ? "then close_notify" : ktls_strerror(ret));
	ktls_conn_free(conn);
	close(fd);
	close(out);
	return ret < 0 ? 1 : 0;
}
