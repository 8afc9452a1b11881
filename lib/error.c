/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <string.h>

#include "ktls-internal.h"

/* Texts for the errors whose meaning libktls fixes (see ktls.h); the rest come from libc. */
static const struct {
	int err;
	const char *text;
} texts[] = {
	{ EFAULT, "a required pointer argument is NULL" },
	{ EINVAL, "invalid argument: direction, or a secret, key, IV or output length that does not fit the cipher suite" },
	{ EPROTONOSUPPORT, "unknown cipher suite, or not an AEAD suite the Linux kernel can carry" },
	{ ENOSPC, "output buffer too small" },
	{ EBADF, "not an open file descriptor" },
	{ ENOTSOCK, "file descriptor is not a socket" },
	{ ESOCKTNOSUPPORT, "socket is not a TCP socket over IPv4 or IPv6" },
	{ ENOTCONN, "TCP socket is not connected" },
	{ ENOENT, "kernel TLS unavailable: the tls module is not loaded or not built (try: modprobe tls)" },
	{ EEXIST, "another upper-layer protocol is already attached to the socket" },
	{ EOPNOTSUPP, "not supported by the running kernel or by this TLS version: a version or cipher the kernel does not know, TLS_RX_EXPECT_NO_PAD (Linux 6.0, TLS 1.3 only), TLS_TX_MAX_PAYLOAD_LEN for record_size_limit (Linux 6.19), or KeyUpdate on TLS 1.2" },
	{ ENOPKG, "the running kernel lacks the crypto implementation of this cipher (module not built or not loadable)" },
	{ EBUSY, "busy: keys are already installed in this direction and the kernel cannot replace them (TLS 1.2, or Linux before 6.14), or a record is still open (data sent with MSG_MORE)" },
	{ ENOSYS, "libcrypto lacks the hash or KDF this cipher suite needs" },
	{ ENOMEM, "out of memory" },
	{ EIO, "libcrypto key derivation failed, or a message was cut short on the wire" },
	{ EKEYEXPIRED, "the peer updated its TLS 1.3 keys (KeyUpdate) and the new receive key is not installed: Linux before 6.14 cannot install it, and the connection cannot go on" },
	{ ENOKEY, "the socket has no kernel TLS (no tls ULP, or no keys in the direction used): nothing was sent or changed (data would have gone out in clear)" },
	{ EXFULL, "the peer sent more KeyUpdates than allowed in the time window" },
	{ ENOMSG, "a handshake message (or record type) is waiting: take it before reading on" },
	{ ECONNABORTED, "the peer ended the connection with a fatal alert" },
	{ EPROTO, "the peer broke the TLS protocol; send the alert the reader names, then close" },
	{ EPIPE, "the peer closed the connection without close_notify: the data may be truncated" },
	{ ENOTRECOVERABLE, "the TX keys are in the kernel but the RX keys were refused: receive in userspace TLS (ktls_install() of RX names the reason), or close" },
	{ EBADMSG, "a record failed authentication (corrupted, or encrypted with other keys): the connection is dead" },
};

LIBKTLS_API const char *ktls_strerror(int err)
{
	if (err < 0)
		err = -err;
	if (err == 0)
		return "success";
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].err == err)
			return texts[i].text;
	const char *text = strerrordesc_np(err);
	return text ? text : "unknown error";
}
