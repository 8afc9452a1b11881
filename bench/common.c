/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bench.h"

void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("ktls-bench: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(1);
}

int tcp_pair(int fds[2])
{
	struct sockaddr_in addr = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(addr);
	int l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	fds[0] = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (l < 0 || fds[0] < 0 || bind(l, (struct sockaddr *)&addr, sizeof(addr)) < 0 ||
	    listen(l, 1) < 0 || getsockname(l, (struct sockaddr *)&addr, &len) < 0 ||
	    connect(fds[0], (struct sockaddr *)&addr, sizeof(addr)) < 0)
		return -1;
	fds[1] = accept4(l, NULL, NULL, SOCK_CLOEXEC);
	close(l);
	return fds[1] < 0 ? -1 : 0;
}

static void *accept_tls(void *arg)
{
	struct tls_pair *p = arg;

	return SSL_accept(p->server) == 1 ? p : NULL;
}

int tls_pair_open(struct tls_pair *p, SSL_CTX *client_ctx, SSL_CTX *server_ctx)
{
	int fds[2];
	pthread_t thread;
	void *server_ok;

	if (tcp_pair(fds) < 0)
		return -1;
	p->client_fd = fds[0];
	p->server_fd = fds[1];
	p->client = SSL_new(client_ctx);
	p->server = SSL_new(server_ctx);
	if (!p->client || !p->server)
		return -1;
	SSL_set_fd(p->client, p->client_fd);
	SSL_set_fd(p->server, p->server_fd);
	pthread_create(&thread, NULL, accept_tls, p);
	int client_ok = SSL_connect(p->client) == 1;
	pthread_join(thread, &server_ok);
	return client_ok && server_ok ? 0 : -1;
}

void tls_pair_close(struct tls_pair *p)
{
	SSL_free(p->client);
	SSL_free(p->server);
	close(p->client_fd);
	close(p->server_fd);
	memset(p, 0, sizeof(*p));
}

double wall_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double cpu_seconds(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
	       (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

double median(double *values, size_t n)
{
	qsort(values, n, sizeof(*values), cmp_double);
	return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}
