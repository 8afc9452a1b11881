/* SPDX-License-Identifier: MIT */
/* The real kernel behind struct ktls_sys. */
#include <errno.h>
#include <linux/tls.h>
#include <sys/socket.h>

#include "ktls-internal.h"

/* Without a control buffer the kernel answers a control record with EIO and keeps it queued. */
static ssize_t kernel_recv_data(void *ctx, int fd, const struct iovec *iov, int iovcnt, int flags)
{
	struct msghdr msg = { .msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt };

	(void)ctx;
	ssize_t n = iovcnt == 1 ? recv(fd, iov->iov_base, iov->iov_len, flags) : recvmsg(fd, &msg, flags);
	return n < 0 ? -errno : n;
}

static ssize_t kernel_recv(void *ctx, int fd, void *buf, size_t len, uint8_t *type, int flags)
{
	(void)ctx;
	return ktls_recv_record_unchecked(fd, buf, len, type, flags);
}

/* A connection's socket has TX keys by construction: no check per call, and data goes out with
 * one plain send(), as write() would (a short count on a non-blocking socket). */
static ssize_t kernel_send(void *ctx, int fd, uint8_t type, const void *buf, size_t len, int flags)
{
	(void)ctx;
	if (type != KTLS_RECORD_APPLICATION_DATA)
		return ktls_send_record(fd, type, buf, len, flags);
	ssize_t n = send(fd, buf, len, flags | MSG_NOSIGNAL);
	return n < 0 ? -errno : n;
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

static int kernel_replace(void *ctx, int fd, int dir, const void *info, size_t len)
{
	(void)ctx;
	return setsockopt(fd, SOL_TLS, dir, info, (socklen_t)len) < 0 ? -errno : 0;
}

static int kernel_no_pad(void *ctx, int fd, int on)
{
	(void)ctx;
	return ktls_set_no_pad(fd, on);
}

static void kernel_clear_error(void *ctx, int fd)
{
	int err;
	socklen_t len = sizeof(err);

	(void)ctx;
	(void)getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
}

const struct ktls_sys ktls_sys_kernel = {
	.recv_data = kernel_recv_data,
	.recv_record = kernel_recv,
	.send_record = kernel_send,
	.set_crypto = kernel_set,
	.get_crypto = kernel_get,
	.replace_crypto = kernel_replace,
	.set_rx_no_pad = kernel_no_pad,
	.clear_error = kernel_clear_error,
};
