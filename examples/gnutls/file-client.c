/* SPDX-License-Identifier: MIT */
/*
 * file-client-gnutls: the file-client of examples/openssl with GnuTLS doing the handshake. GnuTLS
 * gives each direction's key, IV and record sequence number (gnutls_record_get_state); libktls
 * installs them and reads the file with a ktls_reader, which takes the server's NewSessionTickets.
 * (With keys rather than traffic secrets the connection cannot answer a KeyUpdate; the OpenSSL
 * example, which reads the secrets, can.)
 *
 * usage: file-client-gnutls HOST PORT NAME OUTFILE
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

#include <ktls.h>

static uint16_t suite_number(const char *name)
{
	uint16_t suites[128];
	size_t n = ktls_suite_list(suites, 128);

	for (size_t i = 0; i < n && i < 128; i++) {
		struct ktls_suite_info info = { .sz = sizeof(info) };

		if (ktls_suite_info(suites[i], &info) == 0 && strcmp(info.name, name) == 0)
			return suites[i];
	}
	return 0;
}

/* Install one direction from GnuTLS's record state. */
static int install(gnutls_session_t session, int fd, uint16_t suite, enum ktls_dir dir)
{
	gnutls_datum_t key, iv;
	unsigned char seq_be[8];
	uint64_t seq = 0;
	int ret;

	ret = gnutls_record_get_state(session, dir == KTLS_DIR_RX, NULL, &iv, &key, seq_be);
	if (ret < 0) {
		fprintf(stderr, "file-client-gnutls: gnutls_record_get_state: %s\n", gnutls_strerror(ret));
		return -EINVAL;
	}
	for (int i = 0; i < 8; i++)
		seq = seq << 8 | seq_be[i];
	struct ktls_secrets s = { .key = key.data, .key_len = key.size, .iv = iv.data, .iv_len = iv.size };
	return ktls_install(fd, dir, suite, &s, seq);
}

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
	struct ktls_reader *reader = NULL;
	long long total = 0;
	int fd, out, ret, tickets = 0;
	uint16_t suite;
	char request[300], suite_name[64], buf[65536];

	if (argc != 5) {
		fprintf(stderr, "usage: file-client-gnutls HOST PORT NAME OUTFILE\n");
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
	gnutls_priority_set_direct(session, "NORMAL:-VERS-ALL:+VERS-TLS1.3", NULL);
	gnutls_credentials_set(session, GNUTLS_CRD_CERTIFICATE, creds);
	gnutls_transport_set_int(session, fd);
	do {
		ret = gnutls_handshake(session);
	} while (ret < 0 && !gnutls_error_is_fatal(ret));
	if (ret < 0) {
		fprintf(stderr, "file-client-gnutls: handshake: %s\n", gnutls_strerror(ret));
		return 1;
	}
	snprintf(suite_name, sizeof(suite_name), "%s", gnutls_ciphersuite_get(session));
	suite = suite_number(suite_name);
	if (!suite || gnutls_record_check_pending(session) > 0) {
		fprintf(stderr, "file-client-gnutls: %s\n", suite ? "GnuTLS read application data ahead"
								  : "suite unknown to libktls");
		return 1;
	}
	ret = install(session, fd, suite, KTLS_DIR_TX);
	if (ret == 0)
		ret = install(session, fd, suite, KTLS_DIR_RX);
	gnutls_deinit(session); /* wipes GnuTLS's copies of the keys; sends nothing */
	gnutls_certificate_free_credentials(creds);
	if (ret < 0) {
		fprintf(stderr, "file-client-gnutls: ktls_install: %s\n", ktls_strerror(ret));
		return ret == -ENOENT ? 77 : 1;
	}
	printf("GnuTLS handshake (%s), handed to kTLS\n", suite_name);

	ret = ktls_reader_new(KTLS_TLS_1_3, 0, &reader);
	if (ret == 0 && write(fd, request, strlen(request)) != (ssize_t)strlen(request))
		ret = -EIO;
	while (ret == 0) {
		ssize_t n = ktls_reader_read(reader, fd, buf, sizeof(buf), 0);

		if (n == -ENOMSG) {
			const uint8_t *body;
			size_t len;
			uint8_t type;

			while (ktls_reader_next_message(reader, &type, &body, &len) == 1)
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
	ktls_reader_free(reader);
	close(fd);
	close(out);
	return ret < 0 ? 1 : 0;
}
