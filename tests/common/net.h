/* SPDX-License-Identifier: MIT */
/* Test helpers for real sockets and the running kernel. */
#ifndef KTLS_TEST_NET_H
#define KTLS_TEST_NET_H

#include <stddef.h>
#include <stdint.h>

/* A connected loopback TCP pair (IPv4, or IPv6 when v6). 0 or -errno. */
int tcp_pair(int *client, int *server, int v6);
/* A connected stream socket that is not TCP (a UNIX one whose peer is closed): what
 * ktls_conn_open() refuses before any key reaches a kernel. Aborts on failure. */
int not_tcp_socket(void);
/* Number of open descriptors of this process. */
int open_fd_count(void);
/* 1 when a fresh loopback TCP socket accepts the "tls" ULP; 0 when the kernel lacks it. */
int kernel_has_ktls(void);
/* The running kernel's version as major * 1000 + minor (6.12 -> 6012). */
int kernel_version(void);
/* 1 when /proc/crypto lists a driver whose name contains needle (e.g. "sm4", "aria"). */
int proc_crypto_has(const char *needle);
/* Value of a /proc/net/tls_stat counter, or -1 when absent. */
long long tls_stat(const char *name);
/* Deterministic test data: byte at stream offset off for a given seed. */
uint8_t pattern_byte(uint64_t seed, uint64_t off);
void pattern_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len);
/* Index of the first byte not matching the pattern, or len. */
size_t pattern_check(uint64_t seed, uint64_t off, const uint8_t *buf, size_t len);
/* Write or read exactly len bytes with write()/read(); 0 or -errno (-EPIPE on EOF). */
int write_all(int fd, const void *buf, size_t len);
/* The description of the first alert record received on kTLS socket fd (its level in *level
 * unless NULL), other records skipped, warnings too unless fatal_only; -1 when none came before
 * the end of the stream, a receive error or (flags MSG_DONTWAIT) an empty queue. */
int first_alert(int fd, int flags, int fatal_only, uint8_t *level);
int read_all(int fd, void *buf, size_t len);

#endif
