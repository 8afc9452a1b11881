/* SPDX-License-Identifier: MIT */
/* ktls-bench: libktls against userspace OpenSSL and OpenSSL's own kTLS. See run-bench.sh. */
#ifndef KTLS_BENCH_H
#define KTLS_BENCH_H

#include <stddef.h>
#include <stdint.h>

#include <linux/tls.h>
#include <netinet/tcp.h>
#include <sys/socket.h> /* SOL_TLS */
#include <openssl/ssl.h>

#include <ktls.h>

#define BENCH_SUITE 0x1301 /* TLS_AES_128_GCM_SHA256 */


/* A TLS 1.3 connection over loopback, handshake done by OpenSSL on both ends. */
struct tls_pair {
	int client_fd, server_fd;
	SSL *client, *server;
};

int tls_pair_open(struct tls_pair *p, SSL_CTX *client_ctx, SSL_CTX *server_ctx);
void tls_pair_close(struct tls_pair *p);

/* A connected loopback TCP pair; fds[0] connected to fds[1]. 0 or -1. */
int tcp_pair(int fds[2]);

double wall_seconds(void);
/* user + system CPU of the whole process (every thread) */
double cpu_seconds(void);
double median(double *values, size_t n);
void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

int bench_throughput(int argc, char **argv);
int bench_transfer(int argc, char **argv);
int bench_handoff(int argc, char **argv);
int bench_heap(int argc, char **argv);
int bench_callgrind_target(int argc, char **argv);

#endif
