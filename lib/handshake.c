/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <sys/uio.h>

#include "ktls-internal.h"

#define HANDSHAKE_LEN_MAX ((1u << 24) - 1)

LIBKTLS_API int ktls_send_handshake(int fd, uint8_t type, const void *body, size_t body_len, int flags)
{
	uint8_t hdr[KTLS_HANDSHAKE_HDR] = { type, (uint8_t)(body_len >> 16), (uint8_t)(body_len >> 8),
					    (uint8_t)body_len };
	struct iovec iov[2] = {
		{ .iov_base = hdr, .iov_len = sizeof(hdr) },
		{ .iov_base = (void *)body, .iov_len = body_len },
	};

	if (!body && body_len)
		return -EFAULT;
	if (body_len > HANDSHAKE_LEN_MAX)
		return -EMSGSIZE;
	int r = ktls_keys_installed(fd, KTLS_DIR_TX, NULL);
	if (r < 0)
		return r;
	ssize_t n = ktls_send_iov(fd, KTLS_RECORD_HANDSHAKE, iov, body_len ? 2 : 1, flags);
	if (n < 0)
		return (int)n;
	return (size_t)n == sizeof(hdr) + body_len ? 0 : -EIO;
}

LIBKTLS_API int ktls_key_update_parse(const uint8_t *body, size_t body_len, int *update_requested)
{
	if (!body || !update_requested)
		return -EFAULT;
	if (body_len != 1 || body[0] > 1)
		return -EPROTO;
	*update_requested = body[0];
	return 0;
}
