/* SPDX-License-Identifier: MIT */
/**
 * @file ktls-gnutls.h
 * libktls-gnutls: hand a session whose handshake GnuTLS (3.7 or later) did to kernel TLS.
 * Link with `pkg-config --libs libktls-gnutls`.
 *
 * @code
 *   ktls_gnutls_prepare(session);                 // before gnutls_handshake()
 *   ...gnutls_handshake(session)...
 *   struct ktls_conn *conn;
 *   int r = ktls_gnutls_handoff(session, -1, NULL, &conn);
 *   if (r == 0)        -> ktls_conn_read/ktls_conn_write on the socket; gnutls_deinit(session)
 *   else if (r != -ENOTRECOVERABLE) -> carry on with gnutls_record_recv/send: nothing changed
 * @endcode
 *
 * TLS 1.2 and TLS 1.3, every AEAD suite GnuTLS and the kernel share. Keys and sequence numbers
 * come from GnuTLS itself (gnutls_record_get_state()), so every record it sent or read — a
 * server's NewSessionTickets, data before the hand-off — is accounted for. TLS 1.3 also needs the
 * traffic secrets, for KeyUpdate: ktls_gnutls_prepare() records them through the session's keylog
 * function, calling the one set before (GnuTLS's SSLKEYLOGFILE writer by default) first.
 *
 * The secrets are kept, per session, until ktls_gnutls_handoff() succeeds or
 * ktls_gnutls_discard() is called: a session that is not handed off must be discarded before
 * gnutls_deinit().
 *
 * Errors are negative errno values, as in ktls.h; those of this library:
 * | -ENODATA         | TLS 1.3 secrets were not recorded, or GnuTLS's keys are not the ones they give: ktls_gnutls_prepare() was not called before the handshake, the keylog function was replaced, or the handshake is not complete |
 * | -ENOTEMPTY       | GnuTLS holds application data it decrypted and the application has not read (gnutls_record_check_pending()): read it, then call again |
 * | -EAGAIN          | GnuTLS holds the unsent tail of a record (a non-blocking gnutls_record_send() that returned GNUTLS_E_AGAIN, even if a receive came after): finish the send (the same call again, as GnuTLS requires), then call again (since 1.2) |
 * | -EALREADY        | GnuTLS's own kTLS already took the socket (gnutls_transport_is_ktls_enabled()) |
 * | -EBADF           | @p fd is -1 and the session has no descriptor (gnutls_transport_get_int()) |
 * | -ENOMEM          | no memory |
 * | -ENOTRECOVERABLE | as ktls_conn_open(): TX keys are in the kernel, RX keys were refused |
 * and every error of ktls_conn_open() (-ENOENT no kTLS, -EOPNOTSUPP or -ENOPKG the kernel lacks
 * the cipher, -EPROTONOSUPPORT a suite libktls or the kernel cannot carry, ...).
 * Every error but -ENOTRECOVERABLE leaves the socket and the session exactly as they were: the
 * application goes on with gnutls_record_recv()/gnutls_record_send().
 *
 * Threads: the calls may run in any thread, one call per session at a time.
 */
#ifndef LIBKTLS_KTLS_GNUTLS_H
#define LIBKTLS_KTLS_GNUTLS_H

#include <gnutls/gnutls.h>

#include <ktls.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Make @p session record its TLS 1.3 traffic secrets. Call it after gnutls_init() and before
 * gnutls_handshake(), after setting the session's own keylog function if it has one.
 * @return 0; -EFAULT; -ENOMEM. @since 1.1
 */
LIBKTLS_API LIBKTLS_WUR int ktls_gnutls_prepare(gnutls_session_t session);

/**
 * Hand an established session (gnutls_handshake() returned 0) to the kernel: install both directions at GnuTLS's own keys and
 * sequence numbers (ktls_conn_open(), with @p opts) and return the connection in *@p conn.
 * After success the kernel owns the records: the session must not send or receive any more;
 * gnutls_deinit() it (which sends nothing). The recorded secrets are wiped on success and on
 * -ENOTRECOVERABLE.
 *
 * The connection knows this end's role (KTLS_CONN_CLIENT or KTLS_CONN_SERVER, found from
 * GnuTLS's keys) unless @p opts sets one (since 1.2). The check for an unsent tail asks GnuTLS
 * through its own push function with a stand-in transport descriptor: a session with a push
 * function of the application's that ignores the transport is not supported.
 *
 * @param fd the TCP socket, or -1 for the session's (gnutls_transport_get_int())
 * @return 0, or a negative errno (see the table above). @since 1.1
 */
LIBKTLS_API LIBKTLS_WUR int ktls_gnutls_handoff(gnutls_session_t session, int fd,
						const struct ktls_conn_opts *opts, struct ktls_conn **conn);

/** Wipe and forget what ktls_gnutls_prepare() recorded for @p session (nothing if it recorded
 * nothing). For a session that is not handed off, before gnutls_deinit(). @since 1.1 */
LIBKTLS_API void ktls_gnutls_discard(gnutls_session_t session);

#ifdef __cplusplus
}
#endif

#endif
