/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <limits.h>

#include "ktls-internal.h"

/* One text per errno, general enough for every function that returns it (see the table in
 * ktls.h), and the system's errnos that reach callers from the calls libktls makes. Only
 * libktls's own table: no libc function whose text or thread-safety varies between versions. */
static const struct {
	int err;
	const char *text;
} texts[] = {
	{ EFAULT, "a required pointer argument is NULL" },
	{ EINVAL, "invalid argument: a direction, length, limit, flag or size out of range" },
	{ EPROTONOSUPPORT, "unknown cipher suite, or one the Linux kernel cannot carry (not AEAD, or a record cipher it lacks)" },
	{ ENOSPC, "output buffer too small" },
	{ EBADF, "not an open file descriptor" },
	{ ENOTSOCK, "file descriptor is not a socket" },
	{ ESOCKTNOSUPPORT, "socket is not a TCP socket over IPv4 or IPv6" },
	{ ENOTCONN, "TCP socket is not connected" },
	{ ENOENT, "kernel TLS unavailable: the tls module is not loaded or not built (try: modprobe tls)" },
	{ EEXIST, "another upper-layer protocol is already attached to the socket" },
	{ EOPNOTSUPP, "not supported by the running kernel or by this TLS version (e.g. a cipher the kernel does not know, TLS_RX_EXPECT_NO_PAD before Linux 6.0, TLS_TX_MAX_PAYLOAD_LEN for record_size_limit before Linux 6.19, KeyUpdate on TLS 1.2)" },
	{ ENOPKG, "the running kernel lacks the crypto implementation of this cipher (module not built or not loadable)" },
	{ EPROTOTYPE, "the socket's keys use another TLS version or cipher: both directions must match, and a rekey cannot change them" },
	{ EBUSY, "the socket's state refuses this now: keys already installed that this kernel cannot replace (TLS 1.2, or Linux before 6.14), or a record still open (data sent with MSG_MORE)" },
	{ ENOKEY, "the socket has no kernel TLS (no tls ULP, or no keys in the direction used): nothing was sent or changed" },
	{ ENOTRECOVERABLE, "the TX keys are in the kernel but the RX keys were refused: receive in userspace TLS (ktls_install() of RX names the reason), or close" },
	{ EKEYEXPIRED, "the peer updated its TLS 1.3 keys (KeyUpdate) and this kernel cannot install the new ones (Linux before 6.14): the connection cannot go on" },
	{ EXFULL, "the peer sent more KeyUpdates (or TLS 1.2 renegotiation attempts) than allowed in the time window" },
	{ ENOMSG, "a handshake message is waiting: take it before reading on" },
	{ ENOBUFS, "messages announced earlier were not taken, or a control record is too long" },
	{ EMSGSIZE, "the peer's handshake message is longer than the configured limit" },
	{ ECONNABORTED, "the peer ended the connection with a fatal alert" },
	{ EPROTO, "the peer broke the TLS protocol: send the alert the reader names, then close" },
	{ EPIPE, "the peer closed the connection without close_notify: the data may be truncated" },
	{ EBADMSG, "a record failed authentication (corrupted, or encrypted with other keys): the connection is dead" },
	{ ENOSYS, "libcrypto lacks the hash or KDF this cipher suite needs" },
	{ ENOMEM, "out of memory: nothing was lost, the call can be repeated" },
	{ EIO, "libcrypto or the kernel failed in a way that cannot be repaired (a key derivation failed, a message went out in part, or a malformed kernel reply)" },
	/* the companion libraries (libktls-openssl, libktls-gnutls) */
	{ EINPROGRESS, "the TLS library's handshake is not complete" },
	{ ENODATA, "the TLS library recorded no keys for the hand-off: prepare the context or session before the handshake, and chain any keylog or message callback set later" },
	{ ENOTEMPTY, "the TLS library holds decrypted application data not read yet: read it through the library, then hand off" },
	{ EBADFD, "the TLS library read bytes past the handshake (read-ahead): they cannot reach the kernel, the connection stays in the library" },
	{ EALREADY, "the TLS library's own kernel TLS already took the socket" },
	/* the system's, passed through */
	{ EAGAIN, "resource temporarily unavailable: nothing to read, or no room to send (non-blocking socket): wait, then call again" },
	{ EINTR, "interrupted by a signal: call again" },
	{ ECONNRESET, "connection reset by the peer" },
	{ ETIMEDOUT, "connection timed out" },
	{ EHOSTUNREACH, "no route to the peer" },
	{ ENETUNREACH, "network unreachable" },
	{ EMFILE, "too many open files in this process" },
	{ ENFILE, "too many open files in the system" },
	{ EPERM, "operation not permitted" },
	{ EACCES, "permission denied" },
	{ ENODEV, "no such network interface" },
	{ ENOPROTOOPT, "the kernel does not know this socket option" },
};

LIBKTLS_API const char *ktls_strerror(int err)
{
	if (err < 0)
		err = err == INT_MIN ? 0x7fffffff : -err; /* -INT_MIN does not exist: no errno is that large */
	if (err == 0)
		return "success";
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++)
		if (texts[i].err == err)
			return texts[i].text;
	return "unknown error (an errno libktls does not describe: see errno(3))";
}
