/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <ktls.h>

#include "net.h"

int tcp_pair(int *client, int *server, int v6)
{
	struct sockaddr_storage ss;
	socklen_t len;
	int lfd, c = -1, s = -1, err;

	memset(&ss, 0, sizeof(ss));
	if (v6) {
		struct sockaddr_in6 *a = (struct sockaddr_in6 *)&ss;
		a->sin6_family = AF_INET6;
		a->sin6_addr = in6addr_loopback;
		len = sizeof(*a);
	} else {
		struct sockaddr_in *a = (struct sockaddr_in *)&ss;
		a->sin_family = AF_INET;
		a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		len = sizeof(*a);
	}
	lfd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (lfd < 0)
		return -errno;
	if (bind(lfd, (struct sockaddr *)&ss, len) < 0 || listen(lfd, 1) < 0 ||
	    getsockname(lfd, (struct sockaddr *)&ss, &len) < 0)
		goto fail;
	c = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c < 0 || connect(c, (struct sockaddr *)&ss, len) < 0)
		goto fail;
	s = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
	if (s < 0)
		goto fail;
	close(lfd);
	*client = c;
	*server = s;
	return 0;
fail:
	err = -errno;
	close(lfd);
	if (c >= 0)
		close(c);
	return err;
}

int open_fd_count(void)
{
	DIR *d = opendir("/proc/self/fd");
	int n = 0;

	if (!d)
		return -1;
	while (readdir(d))
		n++;
	closedir(d);
	return n - 3; /* ".", ".." and the directory's own fd */
}

int kernel_has_ktls(void)
{
	int c, s, ok;

	if (tcp_pair(&c, &s, 0) < 0)
		return 0;
	ok = setsockopt(c, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) == 0;
	close(c);
	close(s);
	return ok;
}

int kernel_version(void)
{
	struct utsname u;
	int major = 0, minor = 0;

	if (uname(&u) == 0)
		sscanf(u.release, "%d.%d", &major, &minor);
	return major * 1000 + minor;
}

int proc_crypto_has(const char *needle)
{
	FILE *f = fopen("/proc/crypto", "r");
	char line[256];
	int found = 0;

	if (!f)
		return 0;
	while (!found && fgets(line, sizeof(line), f))
		found = strncmp(line, "name", 4) == 0 && strstr(line, needle) != NULL;
	fclose(f);
	return found;
}

long long tls_stat(const char *name)
{
	FILE *f = fopen("/proc/net/tls_stat", "r");
	char key[64];
	long long v, found = -1;

	if (!f)
		return -1;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (strcmp(key, name) == 0)
			found = v;
	fclose(f);
	return found;
}

uint8_t pattern_byte(uint64_t seed, uint64_t off)
{
	uint64_t x = (off >> 3) * 0x9E3779B97F4A7C15ULL ^ seed;

	x ^= x >> 29;
	x *= 0xBF58476D1CE4E5B9ULL;
	x ^= x >> 32;
	return (uint8_t)(x >> ((off & 7) * 8));
}

void pattern_fill(uint64_t seed, uint64_t off, uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		buf[i] = pattern_byte(seed, off + i);
}

size_t pattern_check(uint64_t seed, uint64_t off, const uint8_t *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != pattern_byte(seed, off + i))
			return i;
	return len;
}

int write_all(int fd, const void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = write(fd, (const uint8_t *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		done += (size_t)n;
	}
	return 0;
}

int read_all(int fd, void *buf, size_t len)
{
	for (size_t done = 0; done < len;) {
		ssize_t n = read(fd, (uint8_t *)buf + done, len - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return -EPIPE;
		done += (size_t)n;
	}
	return 0;
}

int not_tcp_socket(void)
{
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	close(sv[1]);
	return sv[0];
}

int first_alert(int fd, int flags, int fatal_only, uint8_t *level)
{
	uint8_t buf[KTLS_RECORD_MAX], type;

	for (;;) {
		ssize_t n = ktls_recv_record(fd, buf, sizeof(buf), &type, flags);
		if (n <= 0)
			return -1;
		if (type != KTLS_RECORD_ALERT || n != 2 || (fatal_only && buf[0] != KTLS_ALERT_LEVEL_FATAL))
			continue;
		if (level)
			*level = buf[0];
		return buf[1];
	}
}
