/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/tls.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include "ktls-internal.h"


LIBKTLS_API int ktls_cmsg_record_type(const void *control, size_t control_len, uint8_t *record_type)
{
	const uint8_t *p = control;

	if ((!control && control_len) || !record_type)
		return -EFAULT;
	/* Every header is checked against control_len: the kernel's are right, a caller's buffer
	 * may not be, and CMSG_FIRSTHDR/CMSG_NXTHDR check only that a header fits. */
	for (size_t off = 0; control_len - off >= sizeof(struct cmsghdr);) {
		struct cmsghdr c;
		memcpy(&c, p + off, sizeof(c));
		if (c.cmsg_len < sizeof(c) || c.cmsg_len > control_len - off)
			return -EINVAL;
		if (c.cmsg_level == SOL_TLS && c.cmsg_type == TLS_GET_RECORD_TYPE && c.cmsg_len >= CMSG_LEN(1)) {
			*record_type = p[off + CMSG_LEN(0)];
			return 1;
		}
		if (CMSG_ALIGN(c.cmsg_len) >= control_len - off)
			break;
		off += CMSG_ALIGN(c.cmsg_len);
	}
	return 0;
}

ssize_t ktls_recv_record_unchecked(int fd, void *buf, size_t len, uint8_t *record_type, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint8_t))];
		struct cmsghdr align;
	} control;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};

	if (len == 0) /* recvmsg() would return 0, which means end of stream */
		return -EINVAL;
	ssize_t n = recvmsg(fd, &msg, flags);
	if (n < 0)
		return -errno;
	uint8_t type;
	if (ktls_cmsg_record_type(msg.msg_control, msg.msg_controllen, &type) != 1)
		type = n ? KTLS_RECORD_APPLICATION_DATA : 0; /* a socket without kTLS RX, or the end */
	*record_type = type; /* 0 bytes with a type: an empty record, not the end of the stream */
	return n;
}

LIBKTLS_API ssize_t ktls_recv_record(int fd, void *buf, size_t len, uint8_t *record_type, int flags)
{
	if (!buf || !record_type)
		return -EFAULT;
	return ktls_recv_record_unchecked(fd, buf, len, record_type, flags);
}

ssize_t ktls_send_iov(int fd, uint8_t record_type, struct iovec *iov, size_t iovcnt, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(uint8_t))];
		struct cmsghdr align;
	} control;
	struct msghdr msg = {
		.msg_iov = iov, .msg_iovlen = iovcnt,
		.msg_control = control.buf, .msg_controllen = sizeof(control.buf),
	};
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	size_t total = 0, sent = 0;

	if (record_type != KTLS_RECORD_APPLICATION_DATA && (flags & MSG_MORE))
		return -EINVAL;
	memset(control.buf, 0, sizeof(control.buf));
	c->cmsg_level = SOL_TLS;
	c->cmsg_type = TLS_SET_RECORD_TYPE;
	c->cmsg_len = CMSG_LEN(sizeof(uint8_t));
	*CMSG_DATA(c) = record_type;
	for (size_t i = 0; i < iovcnt; i++)
		total += iov[i].iov_len;
	if (total == 0)
		return -EINVAL;

	while (sent < total) {
		ssize_t n = sendmsg(fd, &msg, flags | MSG_NOSIGNAL);
		if (n < 0)
			return sent ? (ssize_t)sent : -errno;
		sent += (size_t)n;
		/* advance the iovec past what went out */
		while (n > 0 && msg.msg_iovlen) {
			size_t step = (size_t)n < msg.msg_iov->iov_len ? (size_t)n : msg.msg_iov->iov_len;
			msg.msg_iov->iov_base = (uint8_t *)msg.msg_iov->iov_base + step;
			msg.msg_iov->iov_len -= step;
			n -= (ssize_t)step;
			if (msg.msg_iov->iov_len == 0) {
				msg.msg_iov++;
				msg.msg_iovlen--;
			}
		}
	}
	return (ssize_t)sent;
}

int ktls_keys_installed(int fd, int dir, struct tls_crypto_info *hdr)
{
	struct tls_crypto_info h;
	socklen_t len = sizeof(h); /* only the header: the kernel returns no key for it */

	if (getsockopt(fd, SOL_TLS, dir, &h, &len) == 0) {
		if (hdr)
			*hdr = h;
		return 0;
	}
	switch (errno) {
	case EBADF:
	case ENOTSOCK:
		return -errno;
	default: /* EBUSY: no key yet; ENOPROTOOPT/EOPNOTSUPP: no tls ULP; not TCP */
		return -ENOKEY;
	}
}

LIBKTLS_API ssize_t ktls_send_record(int fd, uint8_t record_type, const void *buf, size_t len, int flags)
{
	struct iovec iov = { .iov_base = (void *)buf, .iov_len = len };

	if (!buf)
		return -EFAULT;
	/* Without kTLS TX the kernel ignores the record-type cmsg and sends the bytes in clear. */
	int r = ktls_keys_installed(fd, KTLS_DIR_TX, NULL);
	if (r < 0)
		return r;
	return ktls_send_iov(fd, record_type, &iov, 1, flags);
}
