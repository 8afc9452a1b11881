/* SPDX-License-Identifier: MIT */
/**
 * @file ktls-openssl.h
 * libktls-openssl: hand a connection whose handshake OpenSSL (3.0 or later) did to kernel TLS.
 * Link with `pkg-config --libs libktls-openssl`.
 *
 * @code
 *   ktls_openssl_prepare(ctx);                    // once, before any handshake on ctx
 *   ...SSL_accept(ssl) or SSL_connect(ssl)...
 *   struct ktls_conn *conn;
 *   int r = ktls_openssl_handoff(ssl, -1, NULL, &conn);
 *   if (r == 0)        -> ktls_conn_read/ktls_conn_write (or write/sendfile) on the socket
 *   else if (r != -ENOTRECOVERABLE) -> carry on with SSL_read/SSL_write: nothing changed
 * @endcode
 *
 * TLS 1.2 and TLS 1.3, every AEAD suite OpenSSL and the kernel share (AES-GCM, AES-CCM,
 * ChaCha20-Poly1305, and ARIA-GCM where both have it). Sequence numbers are counted, not assumed:
 * every record OpenSSL sent or read under the keys being handed over — a server's
 * NewSessionTickets, data the application wrote or read before the hand-off, a KeyUpdate — is
 * accounted for, and TLS 1.3 secrets are carried forward over KeyUpdates that happened in OpenSSL.
 *
 * Errors are negative errno values, as in ktls.h; those of this library:
 * | -EINPROGRESS     | the handshake is not complete (SSL_is_init_finished() is 0) |
 * | -ENODATA         | the keys were not recorded: ktls_openssl_prepare() was not called on the SSL's context before the handshake, or the message or keylog callback it set was replaced without chaining to it |
 * | -ENOTEMPTY       | OpenSSL holds application data it decrypted and the application has not read: read SSL_pending() bytes with SSL_read(), then call again |
 * | -EBADFD          | OpenSSL read bytes past the handshake from the socket (read-ahead on): they cannot reach the kernel; the connection stays in OpenSSL |
 * | -EAGAIN          | OpenSSL has a record half written (a non-blocking SSL_write() that wanted to write, even if an SSL_read() came after: its write BIO took fewer bytes than its records add up to, since 1.2) or a KeyUpdate not yet sent: finish the write (the same SSL_write() again) or SSL_do_handshake(), then call again |
 * | -EALREADY        | OpenSSL's own kTLS (SSL_OP_ENABLE_KTLS) already took the socket |
 * | -EBADF           | @p fd is -1 and the SSL has no socket (SSL_get_fd()) |
 * | -ENOTRECOVERABLE | as ktls_conn_open(): TX keys are in the kernel, RX keys were refused |
 * and every error of ktls_conn_open() (-ENOENT no kTLS, -EOPNOTSUPP or -ENOPKG the kernel lacks
 * the cipher, -EPROTONOSUPPORT a suite without AEAD, ...).
 *
 * Every error but -ENOTRECOVERABLE leaves the socket and the SSL exactly as they were: the
 * application goes on with SSL_read()/SSL_write() (that is the fallback where kTLS is missing).
 * After success the kernel owns the records: the SSL must not read, write or shut down any more
 * (ktls_openssl_handoff() marks it shut down, so a later SSL_shutdown() sends nothing); free it
 * with SSL_free(), which leaves the socket open.
 *
 * Threads: ktls_openssl_prepare() on a context while other threads use it is not safe (it sets
 * callbacks); the rest may run in any thread, one call per SSL at a time.
 */
#ifndef LIBKTLS_KTLS_OPENSSL_H
#define LIBKTLS_KTLS_OPENSSL_H

#include <openssl/ssl.h>

#include <ktls.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Make every connection of @p ctx record what ktls_openssl_handoff() needs. Call it before the
 * handshakes, after setting the context's own keylog callback if it has one.
 *
 * - The keylog callback (SSL_CTX_set_keylog_callback()) gives the TLS 1.3 traffic secrets; a
 *   callback already set is called first with every line, as before. A keylog callback set after
 *   this call replaces both.
 * - The message callback (SSL_CTX_set_msg_callback()) counts the records of each direction under
 *   its current keys. OpenSSL cannot tell which message callback is set, so this one replaces it:
 *   an application that needs its own calls ktls_openssl_msg_callback() from it with the same
 *   arguments.
 * - TLS 1.2 needs no callback: the master secret and randoms are read from the SSL at hand-off.
 * - A server whose SNI callback switches an SSL to another context (SSL_set_SSL_CTX()) prepares
 *   that context too.
 * - Read-ahead (SSL_CTX_set_read_ahead()) must stay off: with it OpenSSL reads records the kernel
 *   then never sees (ktls_openssl_handoff() reports -EBADFD).
 *
 * @return 0; -EFAULT (@p ctx NULL); -ENOMEM. @since 1.1
 */
LIBKTLS_API LIBKTLS_WUR int ktls_openssl_prepare(SSL_CTX *ctx);

/**
 * The message callback ktls_openssl_prepare() sets, for an application that sets its own: call it
 * first from yours with the same arguments. @since 1.1
 */
LIBKTLS_API void ktls_openssl_msg_callback(int write_p, int version, int content_type, const void *buf,
					   size_t len, SSL *ssl, void *arg);

/**
 * Hand an established connection to the kernel: derive both directions' keys for this end's role,
 * install them at the exact sequence numbers (ktls_conn_open(), with @p opts) and return the
 * connection in *@p conn. The connection knows this end's role (KTLS_CONN_CLIENT or
 * KTLS_CONN_SERVER) unless @p opts sets one (since 1.2).
 *
 * @param ssl  a connection of a context prepared with ktls_openssl_prepare(), its handshake done
 *             (SSL_connect(), SSL_accept() or SSL_do_handshake() returned 1)
 * @param fd   the TCP socket the SSL speaks over, or -1 for SSL_get_fd(@p ssl)
 * @param opts options of the connection (NULL: defaults), see struct ktls_conn_opts
 * @param conn receives the connection on success; free it with ktls_conn_free()
 *
 * @return 0, or a negative errno (see the table above): every error but -ENOTRECOVERABLE leaves
 * the SSL fully usable. The secrets this library recorded are wiped on success and on
 * -ENOTRECOVERABLE; after another error they stay with the SSL, for a second call, and are wiped
 * when it is freed.
 * @since 1.1
 */
LIBKTLS_API LIBKTLS_WUR int ktls_openssl_handoff(SSL *ssl, int fd, const struct ktls_conn_opts *opts,
						 struct ktls_conn **conn);

#ifdef __cplusplus
}
#endif

#endif
