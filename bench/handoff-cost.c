/* SPDX-License-Identifier: MIT */
/*
 * Hand-off cost per connection, both directions: libktls (key derivation from the traffic
 * secrets, then install) against the raw setsockopt sequence a caller with ready-made
 * crypto-info bytes would issue (TCP_ULP, TLS_TX, TLS_RX). Fresh loopback sockets for every
 * measurement, variants interleaved, medians.
 */
#include <errno.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/tls.h>
#include <openssl/rand.h>

#include "../examples/openssl/example-setup.h"
#include "bench.h"


enum { RAW, INSTALL, CONN_OPEN, WAYS };
static const char *const way_names[WAYS] = {
	"raw setsockopt x3 (bytes precomputed)", "ktls_install TX+RX (derives keys)",
	"ktls_conn_open (derives, installs, reader)",
};

int bench_handoff(int argc, char **argv)
{
	size_t conns = 300;
	uint8_t tx_secret[32], rx_secret[32], tx_info[KTLS_CRYPTO_INFO_MAX], rx_info[KTLS_CRYPTO_INFO_MAX];
	struct ktls_secrets tx = { .secret = tx_secret, .secret_len = 32 };
	struct ktls_secrets rx = { .secret = rx_secret, .secret_len = 32 };
	double *ns[WAYS];
	ssize_t info_len;

	if (argc >= 3 && strcmp(argv[1], "--conns") == 0)
		conns = strtoul(argv[2], NULL, 10);
	if (conns < 1)
		die("--conns >= 1");
	RAND_bytes(tx_secret, 32);
	RAND_bytes(rx_secret, 32);
	info_len = ktls_crypto_info(BENCH_SUITE, &tx, 0, tx_info, sizeof(tx_info));
	if (info_len < 0 || ktls_crypto_info(BENCH_SUITE, &rx, 0, rx_info, sizeof(rx_info)) != info_len)
		die("crypto info");
	for (int w = 0; w < WAYS; w++)
		ns[w] = calloc(conns, sizeof(double));

	for (size_t i = 0; i < conns; i++) {
		for (int w = 0; w < WAYS; w++) {
			struct ktls_conn *conn = NULL;
			int fds[2], ret = 0;

			if (tcp_pair(fds) < 0)
				die("socket pair: %s", strerror(errno));
			double t0 = wall_seconds();
			if (w == RAW) {
				if (setsockopt(fds[0], SOL_TCP, TCP_ULP, "tls", 3) < 0 ||
				    setsockopt(fds[0], SOL_TLS, TLS_TX, tx_info, (socklen_t)info_len) < 0 ||
				    setsockopt(fds[0], SOL_TLS, TLS_RX, rx_info, (socklen_t)info_len) < 0)
					ret = -errno;
			} else if (w == INSTALL) {
				ret = ktls_install(fds[0], KTLS_DIR_TX, BENCH_SUITE, &tx, 0);
				if (ret == 0)
					ret = ktls_install(fds[0], KTLS_DIR_RX, BENCH_SUITE, &rx, 0);
			} else {
				ret = ktls_conn_open(fds[0], BENCH_SUITE, &tx, 0, &rx, 0, NULL, &conn);
			}
			ns[w][i] = (wall_seconds() - t0) * 1e9;
			if (ret < 0)
				die("%s: %s", way_names[w], ktls_strerror(ret));
			ktls_conn_free(conn);
			close(fds[0]);
			close(fds[1]);
		}
	}
	double base = median(ns[RAW], conns);
	double handshake[21];
	SSL_CTX *client_ctx = handoff_context(0, NULL, NULL), *server_ctx = handoff_context(1, NULL, NULL);

	/* for scale: the TLS 1.3 handshake (both ends, in this process) that precedes a hand-off */
	for (int i = 0; i < 21; i++) {
		struct tls_pair pair;

		double t0 = wall_seconds();
		if (!client_ctx || !server_ctx || tls_pair_open(&pair, client_ctx, server_ctx) < 0)
			die("handshake");
		handshake[i] = (wall_seconds() - t0) * 1e9;
		tls_pair_close(&pair);
	}
	SSL_CTX_free(client_ctx);
	SSL_CTX_free(server_ctx);

	printf("hand-off, both directions, %zu connections per way, interleaved (median per connection)\n",
	       conns);
	for (int w = 0; w < WAYS; w++) {
		double m = median(ns[w], conns);

		printf("  %-44s %10.1f us %8.2fx\n", way_names[w], m / 1000, m / base);
		free(ns[w]);
	}
	printf("  %-44s %10.1f us %8.2fx  (for scale; socket setup included)\n",
	       "OpenSSL TLS 1.3 handshake, both ends", median(handshake, 21) / 1000,
	       median(handshake, 21) / base);
	OPENSSL_cleanse(tx_secret, sizeof(tx_secret));
	OPENSSL_cleanse(rx_secret, sizeof(rx_secret));
	OPENSSL_cleanse(tx_info, sizeof(tx_info));
	OPENSSL_cleanse(rx_info, sizeof(rx_info));
	return 0;
}
