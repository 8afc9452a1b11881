/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
/* The real kernel behind struct ktls_sys. */
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ktls-internal.h"


static ssize_t kernel_recv(void *ctx, int fd, void *buf, size_t len, uint8_t *type, int flags)
{
	(void)ctx;
	return ktls_recv_record(fd, buf, len, type, flags);
}

static ssize_t kernel_send(void *ctx, int fd, uint8_t type, const void *buf, size_t len, int flags)
{
	(void)ctx;
	return ktls_send_record(fd, type, buf, len, flags);
}

static int kernel_set(void *ctx, int fd, int dir, const void *info, size_t len)
{
	(void)ctx;
	return ktls_install_info(fd, dir, info, len);
}

static int kernel_get(void *ctx, int fd, int dir, void *info, size_t len)
{
	socklen_t l = (socklen_t)len;

	(void)ctx;
	if (getsockopt(fd, SOL_TLS, dir, info, &l) < 0)
		return -errno;
	return l == len ? 0 : -EIO;
}

static int kernel_can_rekey(void *ctx)
{
	(void)ctx;
	return ktls_kernel_can_rekey();
}

const struct ktls_sys ktls_sys_kernel = {
	.recv_record = kernel_recv,
	.send_record = kernel_send,
	.set_crypto = kernel_set,
	.get_crypto = kernel_get,
	.can_rekey = kernel_can_rekey,
};

/* Set TLS 1.3 TX keys twice on a fresh loopback socket: the second succeeds only where the kernel
 * can rekey (6.14+); before that it gives EBUSY. */
LIBKTLS_API int ktls_kernel_can_rekey(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	static const uint8_t secret[32];
	const struct ktls_secrets s = { .secret = secret, .secret_len = sizeof(secret) };
	int l = -1, c = -1, p = -1, r;

	if ((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0 ||
	    (c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (p = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0) {
		r = -errno;
		goto out;
	}
	r = ktls_install(c, KTLS_DIR_TX, 0x1301, &s, 0);
	if (r == 0) {
		r = ktls_install(c, KTLS_DIR_TX, 0x1301, &s, 0);
		r = r == 0 ? 1 : r == -EBUSY ? 0 : r;
	}
out:
	if (p >= 0)
		close(p);
	if (c >= 0)
		close(c);
	if (l >= 0)
		close(l);
	return r;
}
