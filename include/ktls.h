/* SPDX-License-Identifier: MIT */
/**
 * @file ktls.h
 * libktls: hand the TLS record layer of a connected TCP socket to Linux kernel TLS.
 *
 * Start here: a program finishes the TLS handshake by any means, then calls ktls_conn_open() with
 * both directions' secrets; from then on the kernel encrypts and decrypts that socket's records,
 * and ktls_conn_read() and ktls_conn_write() (or read(), write(), sendfile() with
 * ktls_conn_flush()) move the data. With OpenSSL or GnuTLS, ktls-openssl.h and ktls-gnutls.h do
 * the whole hand-off in one call.
 *
 * Sections: 1. connections (start here); 2. keys into the kernel without a connection
 * (ktls_install()); 3. the key schedule and the suites; 4. records on a kTLS socket; 5. socket
 * options after the hand-off; 6. the reader (sans-I/O); 7. what the kernel, a socket and a NIC
 * can do; 8. errors and versions. Sections 2 to 7 are for programs that need those pieces.
 *
 * Conventions for every function below:
 * - Failures are returned as a negative errno value, each with one meaning across the library
 *   (the table below); ktls_strerror() turns any of them into text. Each function documents the
 *   values it can return. 0 and positive returns are the function's own (a length, 1 for "yes").
 * - Out-parameters are left untouched when a function fails.
 * - No function keeps a pointer it was given (but for the objects it returns), prints, or uses
 *   global mutable state.
 * - Memory: ktls_reader_new() and ktls_conn_open() allocate their object (a few hundred bytes,
 *   freed by ktls_reader_free() and ktls_conn_free()). A reader allocates a reassembly buffer
 *   only while it holds handshake bytes — when a handshake message arrives, bounded by its
 *   maximum message length — and frees it once the message was taken; if that allocation fails,
 *   the call returns -ENOMEM and nothing is lost. The netlink
 *   queries (ktls_socket_info(), ktls_socket_foreach(), ktls_netdev_info(),
 *   ktls_netdev_info_ioctl(), ktls_probe_kernel()) allocate a reply buffer or string tables and
 *   free them before they return. Every function that derives keys (the key schedule,
 *   ktls_crypto_info(), ktls_install() and ktls_conn_open() from TLS 1.3 secrets, a KeyUpdate in
 *   a connection) goes through libcrypto's KDFs, which allocate and free a context inside the
 *   call. Nothing else allocates: reading and writing application data, and sending records, do
 *   not.
 * - Threads: with no global state, calls on different objects and descriptors may run at the same
 *   time in any threads. A struct ktls_reader or struct ktls_conn has no lock: use each from one
 *   thread at a time (or serialise the calls on it yourself).
 * - Every copy of secret material the library makes is wiped before the function returns.
 * - Structs that carry a @c sz first grow at their end: set @c sz to sizeof the struct your
 *   header declares (KTLS_OPTS() does). The library reads and writes only what @c sz covers and
 *   accepts any @c sz down to the struct's 1.0 size: a program built against 1.0 keeps working
 *   with every 1.x library, and one built against a later header finds the fields an older
 *   library does not know as it set them (KTLS_OPTS() sets them to 0). Options with non-zero bytes the library does not know are refused
 *   (-EINVAL). struct ktls_secrets, struct ktls_alert and struct ktls_stat have no @c sz: they are
 *   frozen as they are (a new kind of secret or counter gets a new struct).
 *
 * Names:
 * - Everything is ktls_ / KTLS_. An object is struct ktls_X: ktls_X_new() creates one that does
 *   no I/O (the reader), ktls_X_open() creates one and sets up a socket (the connection), and
 *   ktls_X_free() frees either. Functions on an object are ktls_X_verb(object, ...).
 * - read/write move application data, as read(2) and write(2) do; recv/send move one record
 *   with its content type; feed hands received plaintext to the reader.
 * - Enum values are the enum's name in capitals (less a trailing _type, _flag or _description)
 *   followed by the value: enum ktls_socket_source → KTLS_SOCKET_SOURCE_SOCK_DIAG.
 * - TLS 1.3 is the default: names of what exists for TLS 1.2 only carry tls12.
 * - Fields: tls_version and cipher_type wherever a TLS version or TLS_CIPHER_* is meant;
 *   booleans are 0 or 1, and a field with more states says so.
 *
 * Errors (negative errno values), one meaning each:
 * | -EFAULT          | a required pointer argument is NULL |
 * | -EINVAL          | an argument is invalid (a direction, length, limit, flag or sz out of range) |
 * | -EPROTONOSUPPORT | a cipher suite libktls does not know, or that the kernel cannot carry |
 * | -ENOSPC          | an output buffer is too small |
 * | -EBADF, -ENOTSOCK, -ESOCKTNOSUPPORT, -ENOTCONN | not a descriptor; not a socket; not TCP over IPv4 or IPv6; not connected |
 * | -ENOENT          | no kernel TLS: the tls module is not loaded or not built |
 * | -EEXIST          | another upper-layer protocol is attached to the socket |
 * | -EOPNOTSUPP      | the running kernel or this TLS version does not have it |
 * | -ENOPKG          | the kernel knows the cipher but lacks its crypto |
 * | -EPROTOTYPE      | the socket's keys use another TLS version or cipher (both directions must match; a rekey cannot change it) |
 * | -EBUSY           | the socket's state refuses the change now: keys already in place that this kernel cannot replace, or a record still open |
 * | -ENOKEY          | the socket has no kernel TLS (no tls ULP, or no keys in the direction used) |
 * | -ENOTRECOVERABLE | TX keys are in the kernel, the RX keys were refused |
 * | -EKEYEXPIRED     | the peer updated its keys and this kernel cannot install the new ones |
 * | -EXFULL          | the peer sent more KeyUpdates (or TLS 1.2 renegotiations) than allowed in the time window |
 * | -ENOMSG          | a handshake message is waiting to be taken |
 * | -ENOBUFS         | messages announced earlier were not taken, or a control record is too long |
 * | -EMSGSIZE        | the peer's record (record_overflow) or handshake message is longer than the limit |
 * | -ECONNABORTED    | the peer sent a fatal alert |
 * | -EPROTO          | the peer broke the TLS protocol (an alert to send is named) |
 * | -EPIPE           | the peer closed TCP without close_notify: the data may be truncated |
 * | -EBADMSG         | a record failed authentication (bad_record_mac): the connection is dead |
 * | -ENOSYS          | libcrypto lacks the hash or KDF the suite needs |
 * | -ENOMEM          | out of memory; nothing was lost, the call can be repeated |
 * | -EIO             | libcrypto or the kernel failed in a way that cannot be repaired (a derivation failed, a message went out in part, a malformed kernel reply) |
 * | -EINPROGRESS     | (companion libraries) the TLS library's handshake is not complete |
 * | -ENODATA         | (companion libraries) the TLS library recorded no keys: not prepared before the handshake |
 * | -ENOTEMPTY       | (companion libraries) the TLS library holds decrypted data the application has not read |
 * | -EBADFD          | (companion libraries) the TLS library read past the handshake: the connection stays in it |
 * | -EALREADY        | (companion libraries) the TLS library's own kernel TLS already took the socket |
 * | -EAGAIN, -EINTR, -ECONNRESET, -EMFILE, -EPERM, ... | the system call's own errno, passed through with its usual meaning |
 */
#ifndef LIBKTLS_KTLS_H
#define LIBKTLS_KTLS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include <ktls_version.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__) && __GNUC__ >= 4
#define LIBKTLS_API __attribute__((visibility("default")))
#define LIBKTLS_WUR __attribute__((warn_unused_result))
#else
#define LIBKTLS_API
#define LIBKTLS_WUR
#endif

/** Marks a function or type that a later 1.x release replaced; it keeps working until 2.0.
 * Define LIBKTLS_NO_DEPRECATION_WARNINGS to silence the warnings. @since 1.0 */
#if defined(__GNUC__) && (__GNUC__ > 4 || (__GNUC__ == 4 && __GNUC_MINOR__ >= 5)) && \
	!defined(LIBKTLS_NO_DEPRECATION_WARNINGS)
#define LIBKTLS_DEPRECATED_SINCE(major, minor, msg) \
	__attribute__((deprecated("deprecated since libktls " #major "." #minor ": " msg)))
#else
#define LIBKTLS_DEPRECATED_SINCE(major, minor, msg)
#endif

/** Declare `struct type name` with its sz set, the fields given, and the rest 0, as libbpf's
 * LIBBPF_OPTS(): KTLS_OPTS(ktls_conn_opts, opts, .max_peer_updates = 8); (C99 designated
 * initialisers: in C++ set sz yourself.) @since 1.0 */
#define KTLS_OPTS(type, name, ...) struct type name = { .sz = sizeof(struct type), __VA_ARGS__ }

/* ---------------------------------------------------------------------------------------------
 * 1. Connections (start here): TLS 1.3 KeyUpdate and key-usage limits
 *
 * A struct ktls_conn owns no descriptor and runs no thread: it holds a socket's suite, the current
 * traffic secret and generation of each direction, and a reader. ktls_conn_read() answers the
 * peer's KeyUpdate transparently (new RX key; when asked, our own KeyUpdate and new TX key, before
 * the application can send more data), so the application sees only data and the handshake
 * messages it wants. Rekeying a kTLS socket needs Linux 6.14 or later.
 * ------------------------------------------------------------------------------------------- */

/** Protocol versions as they appear on the wire and in ktls_suite_info::tls_version.
 * @since 1.0 */
#define KTLS_TLS_1_2 0x0303
#define KTLS_TLS_1_3 0x0304

/** Largest crypto-info ktls_crypto_info() can write (AES-256-GCM, ARIA-256-GCM, ChaCha20-Poly1305).
 * Equal to ktls_crypto_info_max(). @since 1.0 */
#define KTLS_CRYPTO_INFO_MAX 56

/** Largest traffic secret of any suite (SHA-384). @since 1.0 */
#define KTLS_SECRET_MAX 48

/** Largest AEAD key of any suite. @since 1.0 */
#define KTLS_KEY_MAX 32

/** Length of a TLS 1.3 per-record IV, and of the ChaCha20-Poly1305 IV in TLS 1.2. @since 1.0 */
#define KTLS_IV_LEN 12

/** Length of a TLS 1.2 master secret and of each hello random. @since 1.0 */
#define KTLS_TLS12_MASTER_SECRET_LEN 48
#define KTLS_TLS12_RANDOM_LEN 32

/**
 * Key material for one direction.
 *
 * TLS 1.3: either @c secret (the traffic secret, the suite's hash length; key and IV are derived
 * from it) or @c key and a full 12-byte @c iv already derived — never both.
 *
 * TLS 1.2: @c key (the AEAD key) and @c iv, the implicit part of the nonce: 4 bytes
 * (client_write_IV/server_write_IV) for AES-GCM, AES-CCM and ARIA-GCM, 12 bytes for
 * ChaCha20-Poly1305. @c secret must be NULL.
 *
 * Unused pointers are NULL with a length of 0. @since 1.0
 */
struct ktls_secrets {
	const uint8_t *secret;
	size_t secret_len;
	const uint8_t *key;
	size_t key_len;
	const uint8_t *iv;
	size_t iv_len;
};

/* The reader of section 6, which every connection has (ktls_conn_reader()). */
struct ktls_reader;

/** Opaque connection state. @since 1.0 */
struct ktls_conn;

/**
 * Options of ktls_conn_open(). Set @c sz to sizeof(struct ktls_conn_opts); zero fields take the
 * default. NULL options mean all defaults. @since 1.0
 */
struct ktls_conn_opts {
	size_t sz;
	/** largest handshake message accepted from the peer (default 16384) */
	size_t max_handshake_len;
	/** at most this many peer KeyUpdates ... (default 32) */
	uint32_t max_peer_updates;
	/** ... within this many milliseconds (default 1000); more give -EXFULL */
	uint32_t peer_update_window_ms;
	/** ktls_conn_check_limits() updates the TX key once this many records were sent under it
	 * (default: half the suite's confidentiality limit; UINT64_MAX: never) */
	uint64_t auto_update_records;
	/** enum ktls_conn_flag bits (default 0) */
	uint32_t flags;
	/** must be 0 */
	uint32_t reserved;
};

/** Bits of ktls_conn_opts::flags. @since 1.0 */
enum ktls_conn_flag {
	/** The peer pads its TLS 1.3 records: leave TLS_RX_EXPECT_NO_PAD off (see
	 * ktls_set_rx_expect_no_pad()). */
	KTLS_CONN_PEER_PADS = 1,
	/** This end is the TLS server: a HelloRequest (TLS 1.2) or NewSessionTicket (TLS 1.3) from
	 * the peer, which only servers send, is refused with unexpected_message. Without a role
	 * both are taken from either side. The companion libraries set it. @since 1.2 */
	KTLS_CONN_SERVER = 2,
	/** This end is the TLS client: a ClientHello from the peer is refused with
	 * unexpected_message (not answered with no_renegotiation). @since 1.2 */
	KTLS_CONN_CLIENT = 4
};

/**
 * Install both directions' keys on @p fd (see ktls_install()) and return a connection for it.
 * TLS 1.3 secrets must be traffic secrets (KeyUpdate derives the next ones from them).
 * For TLS 1.3 it also turns on zero-copy receive (TLS_RX_EXPECT_NO_PAD, Linux 6.0) unless
 * ktls_conn_opts::flags has KTLS_CONN_PEER_PADS; where the kernel lacks it, reading works as
 * without. Reads through the connection always receive into the one buffer they are given.
 * Both directions are validated and their keys derived before anything reaches the kernel;
 * then TX is installed, then RX. Every error but one leaves the socket as it was: the TLS
 * library that did the handshake can go on in userspace.
 * @return 0 and *@p conn; -EINVAL also for a TLS 1.3 key/IV without a secret, an @p opts
 * smaller than 1.0's, unknown flags, a non-zero reserved field or non-zero option bytes past
 * what this version knows; -ENOMEM; otherwise as ktls_install(),
 * with nothing installed — except -ENOTRECOVERABLE: the TX keys are in the kernel and the
 * kernel refused the RX keys. Sending is the kernel's from then on; receiving can stay in
 * userspace (as OpenSSL's own TLS 1.3 kTLS does), or close the connection.
 * ktls_install() of the RX keys gives the kernel's reason; ktls_socket_info() shows TX keyed.
 * @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_conn_open(int fd, uint16_t suite, const struct ktls_secrets *tx,
					   uint64_t tx_seq, const struct ktls_secrets *rx, uint64_t rx_seq,
					   const struct ktls_conn_opts *opts, struct ktls_conn **conn);

/** Free a connection, wiping its secrets. The socket stays open. NULL is fine. @since 1.0 */
LIBKTLS_API void ktls_conn_free(struct ktls_conn *conn);

/**
 * Read application data, as ktls_reader_read(), handling KeyUpdate on the way (RFC 8446 §4.6.3).
 * @return as ktls_reader_read(), and:
 * - -ENOMSG: a handshake message other than KeyUpdate (a NewSessionTicket) is ready:
 *   ktls_conn_next_message()
 * - -EKEYEXPIRED: the peer updated its keys and this kernel cannot install the new ones (Linux
 *   before 6.14): the connection cannot continue. Reported on the KeyUpdate itself, never as a
 *   decryption error later; libktls has sent internal_error (since 1.2; before, the caller had to).
 * - -EXFULL: the peer sent more KeyUpdates (or TLS 1.2 renegotiation attempts) than the options
 *   allow in the window (no alert: RFC 8446 names none)
 * - -EPROTO: a malformed KeyUpdate (decode_error, illegal_parameter), one that does not end its
 *   record or data between its pieces (unexpected_message, RFC 8446 §5.1), a message only the
 *   other role sends (with KTLS_CONN_SERVER or KTLS_CONN_CLIENT): the alert named by
 *   ktls_conn_reader() has been sent, as ktls_reader_read() sends it
 *
 * A KeyUpdate fragmented over records (legal: RFC 8446 §5.1 forbids only other records between
 * the pieces) is followed: Linux pauses decryption on a record that starts one, and libktls
 * resumes it with the current key until the message is whole.
 * - a negative errno from installing the peer's new key (-EMFILE, -ENOMEM, -EINTR, ...): nothing
 *   is lost, call again to retry
 *
 * TLS 1.2 renegotiation is refused as RFC 5246 §7.2.2 allows: a HelloRequest (from a server) or
 * ClientHello (from a client) is answered with a no_renegotiation warning alert and reading goes
 * on; the peer decides whether the connection continues (OpenSSL ends it with a fatal
 * handshake_failure, GnuTLS continues).
 *
 * It never blocks on a send and never returns a send's error for a read's: when the peer asked
 * for our KeyUpdate (update_requested), or for a renegotiation, the answer is sent with
 * MSG_DONTWAIT; if the send buffer is full it stays pending (ktls_conn_send_pending() says so)
 * and goes out before the next data written with ktls_conn_write(), or with ktls_conn_flush().
 * @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR ssize_t ktls_conn_read(struct ktls_conn *conn, void *buf, size_t len, int flags);

struct iovec;

/**
 * ktls_conn_read() into several buffers, filled in order as readv() fills them. A record that
 * straddles two buffers is decrypted into both (zero-copy receive still applies), so a caller
 * that frames messages can end one buffer where a message ends and start the next message in a
 * buffer of its own, without copying the message or the kernel cutting the record. Only data is
 * scattered: what ktls_conn_read() handles itself (a KeyUpdate, a message announced with
 * -ENOMSG, an alert, an answer still to send) is handled the same, and the data read in that
 * call goes into the first buffer with room. Buffers of length 0 are skipped.
 * @return as ktls_conn_read(); -EINVAL for @p iovcnt outside 1..IOV_MAX or no room in any buffer;
 * -EFAULT for a NULL @p conn or @p iov, or a buffer with room and a NULL base. @since 1.3
 */
LIBKTLS_API LIBKTLS_WUR ssize_t ktls_conn_readv(struct ktls_conn *conn, const struct iovec *iov, int iovcnt,
						int flags);

/** Take the next handshake message announced by -ENOMSG; as ktls_reader_next_message(). @since 1.0 */
LIBKTLS_API LIBKTLS_WUR int ktls_conn_next_message(struct ktls_conn *conn, uint8_t *type,
						   const uint8_t **body, size_t *body_len);

/**
 * Write application data, as send(): first whatever a KeyUpdate left to send (our answer to the
 * peer's update_requested, our next TX key), so that RFC 8446 §4.6.3's order holds. @p flags
 * are send()'s (MSG_DONTWAIT, MSG_MORE, ...).
 * @return the number of bytes sent (short on a non-blocking socket, as send()); -EAGAIN: nothing
 * of @p buf was sent (a pending KeyUpdate or the data did not fit: wait for POLLOUT); the
 * connection's error once it failed; send()'s negative errno; -EFAULT. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR ssize_t ktls_conn_write(struct ktls_conn *conn, const void *buf, size_t len,
					       int flags);

/**
 * Send what ktls_conn_read() left to send (our KeyUpdate, or a no_renegotiation warning answering
 * a TLS 1.2 renegotiation attempt), and nothing else: for callers that write with write(),
 * sendfile() or splice() themselves. Call it before each write while ktls_conn_send_pending()
 * is 1; a plain write is safe when it is 0.
 * @return 0: nothing is pending (any more); -EAGAIN: the send buffer is full (wait for POLLOUT,
 * call again); the connection's error; another negative errno. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_conn_flush(struct ktls_conn *conn, int flags);

/** 1 when a KeyUpdate (our answer, or the key of our own) or a no_renegotiation warning waits to
 * be sent by ktls_conn_flush() or ktls_conn_write(); 0 when not; -EFAULT. No system call.
 * @since 1.0 */
LIBKTLS_API LIBKTLS_WUR int ktls_conn_send_pending(const struct ktls_conn *conn);

/** The connection's reader, for ktls_reader_alert() and ktls_reader_alert_to_send(). @since 1.0 */
LIBKTLS_API const struct ktls_reader *ktls_conn_reader(const struct ktls_conn *conn);

/**
 * Update our TX keys: send a KeyUpdate (asking the peer to update its own keys too when
 * @p request_peer_update is non-zero) under the current key, then install the next-generation
 * TX key at sequence 0.
 * @return 0; -EOPNOTSUPP: the connection is TLS 1.2, which has no KeyUpdate; -EBUSY: this kernel
 * cannot replace keys (Linux before 6.14); nothing was sent and data keeps flowing under the
 * current keys; -EFAULT; otherwise the negative errno of sending or installing: when the
 * KeyUpdate went out but the new key could not be installed, the next call installs it without
 * sending another. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_conn_update_keys(struct ktls_conn *conn, int request_peer_update);

/** How much the current keys have been used. Set @c sz to sizeof(struct ktls_key_usage). @since 1.0 */
struct ktls_key_usage {
	size_t sz;
	/** records sent and received under the current keys: the kernel's live sequence numbers */
	uint64_t tx_records, rx_records;
	/** the suite's confidentiality limit in full-size records (RFC 8446 §5.5, RFC 9147 §4.5.3) */
	uint64_t record_limit;
	/** key generations: 0 for the keys of the handshake, +1 per KeyUpdate */
	uint32_t tx_generation, rx_generation;
};

/**
 * Read the live record sequence numbers from the kernel.
 * @return 0; -EFAULT; -EINVAL (@c usage->sz too small); or getsockopt()'s negative errno.
 * @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_conn_key_usage(struct ktls_conn *conn, struct ktls_key_usage *usage);

/**
 * Update the TX key when it has sent ktls_conn_opts::auto_update_records records. Call it from time
 * to time (after writing, or from a timer).
 * @return 1 when it updated the key; 0 when not needed; or as ktls_conn_update_keys() and
 * ktls_conn_key_usage(). @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_conn_check_limits(struct ktls_conn *conn);

/**
 * Confidentiality limit of a suite's AEAD, in full-size records per key: 2^24.5 for AES-GCM (and
 * the other 128-bit-block GCM ciphers), 2^23.5 for CCM, 2^62 for ChaCha20-Poly1305.
 * @return 0 and *@p records; -EPROTONOSUPPORT; -EFAULT. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_suite_confidentiality_limit(uint16_t suite, uint64_t *records);

/**
 * Whether the running kernel can replace TLS 1.3 keys on a kTLS socket (Linux 6.14+), probed on a
 * loopback socket pair. @return 1, 0, or a negative errno (-ENOENT: no kTLS at all). @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_probe_rekey(void);

/* ---------------------------------------------------------------------------------------------
 * 2. Keys into the kernel without a connection
 * ------------------------------------------------------------------------------------------- */

/** Direction of a socket's traffic. The values are those of TLS_TX and TLS_RX in <linux/tls.h>.
 * @since 1.0 */
enum ktls_dir {
	KTLS_DIR_TX = 1,
	KTLS_DIR_RX = 2
};

/** Hash of a cipher suite (the TLS 1.3 key-schedule hash, or the TLS 1.2 PRF hash).
 * @since 1.0 */
enum ktls_hash {
	KTLS_HASH_SHA256 = 1,
	KTLS_HASH_SHA384 = 2,
	KTLS_HASH_SM3 = 3
};


/**
 * Attach the "tls" upper-layer protocol to a connected TCP socket if it is not attached yet, and
 * install the record keys of one direction.
 *
 * @param fd      a connected TCP socket (IPv4 or IPv6) whose handshake is complete; the TLS
 *                library that did it must not have read past the handshake (no read-ahead: every
 *                later record must still be in the kernel)
 * @param dir     KTLS_DIR_TX or KTLS_DIR_RX
 * @param suite   IANA cipher-suite number (0x1301, 0xC02F, ...): fixes TLS version, AEAD and hash
 * @param secrets key material, see struct ktls_secrets
 * @param seq     sequence number of the next record in that direction under these keys: every
 *                record already sent or received under them counts, post-handshake ones too.
 *                TLS 1.3: 0 only if none went yet — a server that sent NewSessionTickets (OpenSSL
 *                sends 2 by default, 1 after resumption) installs TX at that count, and its client
 *                RX at the count it already read in userspace; TLS 1.2: 1, as Finished used 0
 *
 * Argument errors are reported before the socket is touched:
 * - -EFAULT: @p secrets is NULL, or a pointer it needs is NULL
 * - -EINVAL: @p dir is not a direction; a secret, key or IV length does not fit the suite; a
 *   secret given for TLS 1.2, or both a secret and a key for TLS 1.3
 * - -EPROTONOSUPPORT: @p suite is unknown, not an AEAD suite, or uses a record cipher the Linux
 *   kernel does not implement (e.g. AES-CCM-8, AES-256-CCM)
 *
 * Socket and kernel errors:
 * - -EBADF: @p fd is not an open descriptor
 * - -ENOTSOCK: @p fd is not a socket
 * - -ESOCKTNOSUPPORT: the socket is not TCP over IPv4/IPv6 (UDP, UNIX, raw, MPTCP, ...)
 * - -ENOTCONN: the socket is not connected (never connected, listening, or closed)
 * - -ENOENT: kernel TLS is unavailable: the tls module is not loaded or not built
 * - -EEXIST: another upper-layer protocol is attached to the socket
 * - -EPROTOTYPE: the other direction (or, when rekeying, this one) already has keys of another
 *   TLS version or cipher: the kernel requires one version and cipher for both directions
 * - -EOPNOTSUPP: the running kernel does not know this TLS version or cipher (kernel too old)
 * - -ENOPKG: the running kernel knows the cipher but lacks its crypto implementation (SM4 and
 *   ARIA on most distribution kernels)
 * - -EBUSY: keys are already installed in this direction and the kernel cannot replace them (TLS
 *   1.2, or TLS 1.3 before Linux 6.14)
 * - -ENOMEM, -ENOSYS, -EIO: see ktls_derive_keys() (TLS 1.3 with a traffic secret)
 * - any other negative errno the kernel reports for setsockopt(SOL_TLS)
 *
 * On failure the direction has no new keys; the ULP may stay attached, which leaves the socket a
 * plain TCP socket. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_install(int fd, enum ktls_dir dir, uint16_t suite,
					 const struct ktls_secrets *secrets, uint64_t seq);

/**
 * Write the exact bytes ktls_install() passes to setsockopt(SOL_TLS, TLS_TX or TLS_RX): a
 * struct tls12_crypto_info_* of <linux/tls.h>, record sequence number big-endian. For runtimes
 * that set the option themselves (Erlang: inet:setopts/2 with a raw option). Works for every suite
 * whether or not the running kernel has its cipher. The bytes contain the key: wipe them after use.
 *
 * @return the number of bytes written (ktls_suite_info::crypto_info_len), or
 * -EFAULT, -EINVAL, -EPROTONOSUPPORT as for ktls_install(); -ENOSPC: @p buf_len is too small
 * (KTLS_CRYPTO_INFO_MAX is always enough); -ENOMEM, -ENOSYS, -EIO as for ktls_derive_keys().
 * @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR ssize_t ktls_crypto_info(uint16_t suite, const struct ktls_secrets *secrets,
						 uint64_t seq, void *buf, size_t buf_len);

/* ---------------------------------------------------------------------------------------------
 * 3. The key schedule and the suites
 * ------------------------------------------------------------------------------------------- */

/**
 * RFC 8446 §7.1 HKDF-Expand-Label with the suite's hash:
 * HKDF-Expand(secret, HkdfLabel("tls13 " + label, context), out_len).
 *
 * @param suite   a TLS 1.3 suite (its hash is used)
 * @param secret  @p secret_len bytes, the suite's hash length
 * @param label   NUL-terminated label without the "tls13 " prefix, at most 249 bytes
 * @param context may be NULL when @p context_len is 0; at most 255 bytes
 * @param out_len 1 to 255 × hash length
 *
 * @return 0; -EFAULT (NULL pointer); -EINVAL (a length out of range); -EPROTONOSUPPORT (not a
 * known TLS 1.3 suite); -ENOSYS (libcrypto lacks the hash or KDF); -ENOMEM; -EIO (libcrypto
 * failed). @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_hkdf_expand_label(uint16_t suite, const uint8_t *secret,
						   size_t secret_len, const char *label,
						   const uint8_t *context, size_t context_len,
						   uint8_t *out, size_t out_len);

/**
 * TLS 1.3 traffic key and IV from a traffic secret (RFC 8446 §7.3).
 * @p *key_len and @p *iv_len hold the capacity of @p key and @p iv on entry and the lengths
 * written on success (the suite's key length, KTLS_IV_LEN).
 *
 * @return 0; -ENOSPC (a capacity too small); otherwise as ktls_hkdf_expand_label(). @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_derive_keys(uint16_t suite, const uint8_t *secret, size_t secret_len,
					     uint8_t *key, size_t *key_len, uint8_t *iv, size_t *iv_len);

/**
 * Next-generation TLS 1.3 traffic secret (RFC 8446 §7.2, label "traffic upd"), written to @p next
 * (@p secret_len bytes). @p next may equal @p secret.
 *
 * @return 0, or as ktls_hkdf_expand_label(). @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_update_secret(uint16_t suite, const uint8_t *secret, size_t secret_len,
					       uint8_t *next);

/**
 * TLS 1.2 key block (RFC 5246 §6.3) of an AEAD suite:
 * PRF(master_secret, "key expansion", server_random + client_random), laid out as
 * client_write_key, server_write_key, client_write_IV, server_write_IV (AEAD suites have no MAC
 * keys), each key ktls_suite_info::key_len and each IV ktls_suite_info::iv_len bytes long.
 *
 * @param out_len exactly 2 × (key_len + iv_len)
 * @return 0; -EFAULT; -EINVAL (@p master_len is not 48 or @p out_len is wrong);
 * -EPROTONOSUPPORT (not a known TLS 1.2 suite); -ENOSYS; -ENOMEM; -EIO. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_tls12_key_block(uint16_t suite, const uint8_t *master_secret,
						 size_t master_len, const uint8_t *client_random,
						 const uint8_t *server_random, uint8_t *out,
						 size_t out_len);

/**
 * What libktls knows about a cipher suite. Callers set @c sz to sizeof(struct ktls_suite_info);
 * fields beyond @c sz are not written, so binaries built against an older, shorter struct keep
 * working. @since 1.0
 */
struct ktls_suite_info {
	size_t sz;
	/** IANA number */
	uint16_t suite;
	/** KTLS_TLS_1_2 or KTLS_TLS_1_3 */
	uint16_t tls_version;
	/** TLS_CIPHER_* value of <linux/tls.h> */
	uint16_t cipher_type;
	/** enum ktls_hash */
	uint16_t hash;
	/** AEAD key length */
	size_t key_len;
	/** length of ktls_secrets::iv: 12 for TLS 1.3 and ChaCha20, else 4 */
	size_t iv_len;
	/** hash output length: the length of a TLS 1.3 traffic secret */
	size_t hash_len;
	/** bytes of setsockopt(SOL_TLS) crypto-info */
	size_t crypto_info_len;
	/** IANA name, e.g. "TLS_AES_128_GCM_SHA256"; static storage */
	const char *name;
};

/**
 * Describe @p suite.
 * @return 0; -EFAULT (@p info NULL); -EINVAL (@c info->sz smaller than the fields of 1.0);
 * -EPROTONOSUPPORT (unknown suite). @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_suite_info(uint16_t suite, struct ktls_suite_info *info);

/**
 * Every suite libktls supports, TLS 1.3 first then TLS 1.2, in ascending number within each.
 * Writes at most @p capacity numbers to @p suites (which may be NULL when @p capacity is 0).
 * @return the total number of supported suites. @since 1.0
 */
LIBKTLS_API size_t ktls_suite_list(uint16_t *suites, size_t capacity);

/* ---------------------------------------------------------------------------------------------
 * 4. Records on a kTLS socket
 *
 * After the hand-off the peer still sends non-data records: alerts (close_notify ends every
 * connection), and handshake messages (NewSessionTicket, KeyUpdate). On a kTLS socket a plain
 * read() that meets one fails with EIO; these functions receive and send them.
 * ------------------------------------------------------------------------------------------- */

/** TLS record content types. @since 1.0 */
enum ktls_record_type {
	KTLS_RECORD_CHANGE_CIPHER_SPEC = 20,
	KTLS_RECORD_ALERT = 21,
	KTLS_RECORD_HANDSHAKE = 22,
	KTLS_RECORD_APPLICATION_DATA = 23
};

/** Largest plaintext of one TLS record. @since 1.0 */
#define KTLS_RECORD_MAX 16384

/** Alert levels. @since 1.0 */
enum ktls_alert_level {
	KTLS_ALERT_LEVEL_WARNING = 1,
	KTLS_ALERT_LEVEL_FATAL = 2
};

/** Alert descriptions (RFC 8446 §6, RFC 5246 §7.2). @since 1.0 */
enum ktls_alert_description {
	KTLS_ALERT_CLOSE_NOTIFY = 0,
	KTLS_ALERT_UNEXPECTED_MESSAGE = 10,
	KTLS_ALERT_BAD_RECORD_MAC = 20,
	KTLS_ALERT_RECORD_OVERFLOW = 22,
	KTLS_ALERT_HANDSHAKE_FAILURE = 40,
	KTLS_ALERT_BAD_CERTIFICATE = 42,
	KTLS_ALERT_UNSUPPORTED_CERTIFICATE = 43,
	KTLS_ALERT_CERTIFICATE_REVOKED = 44,
	KTLS_ALERT_CERTIFICATE_EXPIRED = 45,
	KTLS_ALERT_CERTIFICATE_UNKNOWN = 46,
	KTLS_ALERT_ILLEGAL_PARAMETER = 47,
	KTLS_ALERT_UNKNOWN_CA = 48,
	KTLS_ALERT_ACCESS_DENIED = 49,
	KTLS_ALERT_DECODE_ERROR = 50,
	KTLS_ALERT_DECRYPT_ERROR = 51,
	KTLS_ALERT_PROTOCOL_VERSION = 70,
	KTLS_ALERT_INSUFFICIENT_SECURITY = 71,
	KTLS_ALERT_INTERNAL_ERROR = 80,
	KTLS_ALERT_INAPPROPRIATE_FALLBACK = 86,
	KTLS_ALERT_USER_CANCELED = 90,
	KTLS_ALERT_NO_RENEGOTIATION = 100,
	KTLS_ALERT_MISSING_EXTENSION = 109,
	KTLS_ALERT_UNSUPPORTED_EXTENSION = 110,
	KTLS_ALERT_UNRECOGNIZED_NAME = 112,
	KTLS_ALERT_BAD_CERTIFICATE_STATUS_RESPONSE = 113,
	KTLS_ALERT_UNKNOWN_PSK_IDENTITY = 115,
	KTLS_ALERT_CERTIFICATE_REQUIRED = 116,
	KTLS_ALERT_NO_APPLICATION_PROTOCOL = 120
};

/** Handshake message types that can follow a completed handshake. The reader delivers
 * NewSessionTicket and KeyUpdate (TLS 1.3) and HelloRequest and ClientHello (TLS 1.2: a
 * renegotiation asked for by the server or started by the client; a struct ktls_conn refuses both
 * itself, see ktls_conn_read()); a CertificateRequest
 * (TLS 1.3 post-handshake authentication) ends the connection with unexpected_message, as
 * RFC 8446 §4.6.2 requires of a client that did not offer post_handshake_auth: a program that
 * offers it must keep the record layer in userspace. @since 1.0 */
enum ktls_handshake_type {
	KTLS_HANDSHAKE_HELLO_REQUEST = 0,
	/** a TLS 1.2 client starting a renegotiation. @since 1.1 */
	KTLS_HANDSHAKE_CLIENT_HELLO = 1,
	KTLS_HANDSHAKE_NEW_SESSION_TICKET = 4,
	KTLS_HANDSHAKE_CERTIFICATE_REQUEST = 13,
	KTLS_HANDSHAKE_KEY_UPDATE = 24
};

/** An alert: level and description. @since 1.0 */
struct ktls_alert {
	uint8_t level;
	uint8_t description;
};

/**
 * Receive one record's worth of plaintext with recvmsg(), reporting its content type. One call
 * never mixes record types; a record longer than @p len is returned over several calls, nothing
 * lost. @p flags are recvmsg() flags (MSG_DONTWAIT, MSG_PEEK, MSG_WAITALL). On a socket without
 * kTLS RX every byte is reported as application data.
 *
 * @return bytes received (> 0); 0 with the record's type: an empty record (since 1.2; TLS 1.3
 * allows empty application data); 0 with *record_type 0: TCP end of stream; -EFAULT (NULL
 * pointer); -EINVAL (@p len is 0); otherwise the negative errno of recvmsg(): -EAGAIN, -EINTR
 * (nothing consumed), -EBADMSG (a record failed authentication: the connection is dead),
 * -EMSGSIZE (a record longer than TLS allows: the connection is dead),
 * -EKEYEXPIRED (Linux 6.14+: the peer's KeyUpdate was received and no new RX key is installed
 * yet). @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR ssize_t ktls_recv_record(int fd, void *buf, size_t len, uint8_t *record_type,
						 int flags);

/**
 * Send @p len bytes as records of @p record_type (the kernel cuts them into records of at most
 * KTLS_RECORD_MAX bytes). @p flags are sendmsg() flags; MSG_MORE is refused for non-data types.
 *
 * @return bytes sent: all of them on a blocking socket, possibly fewer on a non-blocking one;
 * -EAGAIN when none could be sent; -EFAULT; -EINVAL (MSG_MORE with a control record type, or
 * @p len 0); -ENOKEY: the socket has no kTLS TX keys (the kernel would send the bytes in clear,
 * so nothing is sent); -EBADF, -ENOTSOCK; otherwise sendmsg()'s negative errno (-EPIPE,
 * -ECONNRESET, -EINTR, ...).
 * @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR ssize_t ktls_send_record(int fd, uint8_t record_type, const void *buf,
						 size_t len, int flags);

/**
 * The record type carried in the ancillary data of a recvmsg() on a kTLS socket (the SOL_TLS
 * TLS_GET_RECORD_TYPE control message), for callers that do their own recvmsg(), e.g. Erlang's
 * socket module. @p control and @p control_len are the msghdr's msg_control and msg_controllen.
 *
 * Every header is checked against @p control_len; nothing past it is read.
 *
 * @return 1 and *record_type; 0: no such control message (the bytes are application data of a
 * socket without kTLS RX, or end of stream); -EINVAL: a header whose length does not fit in
 * @p control_len came before one; -EFAULT. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_cmsg_record_type(const void *control, size_t control_len,
						  uint8_t *record_type);

/**
 * Send one alert record. @return 0, or as ktls_send_record(). @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_send_alert(int fd, uint8_t level, uint8_t description);

/**
 * Orderly close of the sending side: send a close_notify alert, then shutdown(SHUT_WR). The
 * socket can still receive until the peer's own close_notify.
 * @return 0, or as ktls_send_record(), or shutdown()'s negative errno. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_shutdown(int fd);

/**
 * Send one handshake message (e.g. a KeyUpdate): the 4-byte header (type, 24-bit length) and
 * @p body, as handshake records. @p body may be NULL when @p body_len is 0.
 * @return 0 once all of it was sent; -EMSGSIZE (@p body_len ≥ 2^24); -EAGAIN when nothing could
 * be sent on a non-blocking socket; otherwise as ktls_send_record(). A non-blocking socket that
 * accepted only part of the message gives -EIO (the stream can no longer be resumed). @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_send_handshake(int fd, uint8_t type, const void *body, size_t body_len,
						int flags);

/** Name of an alert description ("close_notify", "bad_record_mac", ...); "unknown" for others;
 * never NULL. @since 1.0 */
LIBKTLS_API const char *ktls_alert_name(uint8_t description);

/**
 * The body of a KeyUpdate handshake message (RFC 8446 §4.6.3): one byte, 0 update_not_requested or
 * 1 update_requested.
 * @return 0 and *update_requested (0 or 1); -EPROTO (malformed: answer with a decode_error or
 * illegal_parameter alert); -EFAULT. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_key_update_parse(const uint8_t *body, size_t body_len,
						  int *update_requested);

/* ---------------------------------------------------------------------------------------------
 * 5. Socket options after the hand-off: zero-copy receive, record size limit
 * ------------------------------------------------------------------------------------------- */

/**
 * Turn zero-copy receive (TLS_RX_EXPECT_NO_PAD, Linux 6.0) on or off on a socket with TLS 1.3 RX
 * keys. With it on, the kernel decrypts each record straight into the receiving buffer, expecting
 * no padding: a record that turns out to be padded, or a control record, is decrypted a second
 * time into a kernel buffer (counted in TlsDecryptRetry) — always correct, only slower. Leave it
 * off for a peer that pads its records (RFC 8446 §5.4). ktls_conn_open() turns it on by default.
 * Kernels before the fix of August 2026 (mainline 1c8629651cb5) could, on such a retry, write
 * past the returned length into later buffers of one recvmsg(): receive into one buffer at a
 * time (recv(), or recvmsg() with one iovec) while it is on.
 * @return 0; -ENOKEY: no kTLS RX keys on @p fd; -EOPNOTSUPP: the RX keys are TLS 1.2, or the
 * kernel lacks the option (before 6.0); -EBADF, -ENOTSOCK; another setsockopt() errno.
 * @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_set_rx_expect_no_pad(int fd, int on);

/**
 * The TLS_TX_MAX_PAYLOAD_LEN value for a record_size_limit (RFC 8449) the peer announced:
 * for TLS 1.3 the limit counts the inner content-type byte, so @p record_size_limit − 1; for
 * TLS 1.2 the limit itself; capped at KTLS_RECORD_MAX (a peer may announce more than the
 * protocol allows). Pure: for runtimes that call setsockopt() themselves.
 * @return 0 and *@p payload; -EINVAL: @p tls_version is neither KTLS_TLS_1_2 nor KTLS_TLS_1_3,
 * or @p record_size_limit is below 64 (the peer broke RFC 8449: answer illegal_parameter);
 * -EFAULT. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_record_payload_limit(uint16_t tls_version, uint32_t record_size_limit,
						      uint16_t *payload);

/**
 * Honour the peer's record_size_limit (RFC 8449): make the kernel send records of at most that
 * size from now on (TLS_TX_MAX_PAYLOAD_LEN, Linux 6.19), with the value of
 * ktls_record_payload_limit(). Call it after ktls_install() of TX (or after the ULP is attached
 * and before the keys: the kernel keeps it).
 * @return 0; -EINVAL as ktls_record_payload_limit(); -EOPNOTSUPP: the kernel lacks the option
 * (Linux before 6.19: records stay up to 16384 bytes, which a constrained peer rejects);
 * -ENOKEY: the tls ULP is not attached to @p fd; -EBUSY: a record is open (data sent with
 * MSG_MORE): send the rest, then call again; -EBADF, -ENOTSOCK; another setsockopt() errno.
 * @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_set_record_size_limit(int fd, uint16_t tls_version, uint32_t record_size_limit);

/* ---------------------------------------------------------------------------------------------
 * 6. The reader: what arrives after the handshake, without I/O
 *
 * A struct ktls_reader turns the plaintext of received records into events: application data,
 * complete handshake messages (reassembled across records, split when several share one),
 * alerts, an orderly end. ktls_reader_feed() is pure (for runtimes that receive records
 * themselves); ktls_reader_read() wraps recv() and recvmsg() around it. Application data never
 * allocates; a handshake message is reassembled in a buffer that exists only until it is taken.
 * ------------------------------------------------------------------------------------------- */

/** Opaque reader state. @since 1.0 */
struct ktls_reader;

/**
 * A reader for a connection of @p tls_version (KTLS_TLS_1_2 or KTLS_TLS_1_3) that accepts
 * handshake messages of up to @p max_handshake_len body bytes (0: 16384).
 * @return 0 and *@p reader; -EINVAL: a bad version or a limit above 2^24 - 1; -ENOMEM; -EFAULT.
 * @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_reader_new(uint16_t tls_version, size_t max_handshake_len,
					    struct ktls_reader **reader);

/** Free a reader, wiping what it buffered. NULL is fine. @since 1.0 */
LIBKTLS_API void ktls_reader_free(struct ktls_reader *reader);

/**
 * Process the plaintext of one received record of @p record_type: for a control record at most
 * KTLS_RECORD_MAX bytes per call, and only once every message announced by -ENOMSG has been taken
 * with ktls_reader_next_message(). Application data (any length; the kernel returns several
 * records' worth at once) is only checked against a partial control message. TLS 1.2 control
 * records may also be fed in pieces; TLS 1.3 ones must be fed whole, one call per record, as
 * RFC 8446 §5.1 is checked per record: alert and handshake records are never empty (else
 * -EPROTO, alert to send unexpected_message, as OpenSSL answers) and an alert record holds
 * exactly one alert (decode_error). Pure: the caller sends the alert to send.
 *
 * @return
 * - 0: consumed; nothing to report yet (application data, or part of a message or alert)
 * - -ENOMSG: a complete handshake message is ready: ktls_reader_next_message()
 * - 1: the peer's close_notify: orderly end of its stream
 * - -ECONNABORTED: the peer sent a fatal alert: ktls_reader_alert()
 * - -EPROTO: the peer broke the protocol (a record type or handshake message not allowed after the
 *   handshake, data or an alert interleaved with a partial handshake message, a malformed alert,
 *   in TLS 1.3 a fragmented or coalesced alert or an empty handshake record):
 *   ktls_reader_alert_to_send() gives the alert to answer with
 * - -EMSGSIZE: a handshake message longer than the reader's limit (alert to send: decode_error)
 * - -ENOBUFS: messages announced by -ENOMSG were not taken, or a control record over
 *   KTLS_RECORD_MAX bytes
 * - -ENOMEM: no memory for the reassembly buffer: nothing was taken, feed the record again
 * - -EFAULT
 * Once it has returned 1 or an error, the reader returns the same for every later call.
 * Warning alerts that do not end the connection (TLS 1.2 warnings, user_canceled) are recorded
 * (ktls_reader_alert()) and reading goes on. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_reader_feed(struct ktls_reader *reader, uint8_t record_type,
					     const void *data, size_t len);

/**
 * Take the next complete handshake message: its type and body. @p *body points into the reader and
 * stays valid until the next call on it. Messages allowed after the handshake are delivered:
 * TLS 1.3 NewSessionTicket and KeyUpdate, TLS 1.2 HelloRequest and ClientHello (answer a
 * renegotiation with a no_renegotiation warning alert, or end the connection); anything else made
 * ktls_reader_feed() fail with -EPROTO instead.
 * @return 1 and the message; 0 when none is waiting; -EFAULT. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_reader_next_message(struct ktls_reader *reader, uint8_t *type,
						     const uint8_t **body, size_t *body_len);

/** The last alert received. @return 1 and *alert; 0 when none was; -EFAULT. @since 1.0 */
LIBKTLS_API LIBKTLS_WUR int ktls_reader_alert(const struct ktls_reader *reader, struct ktls_alert *alert);

/** The fatal alert a failure calls for: after ktls_reader_feed() returned -EPROTO or -EMSGSIZE,
 * the one to send (ktls_send_alert()) before closing; after ktls_reader_read() or ktls_conn_read()
 * failed (also -EBADMSG: bad_record_mac), the one libktls has sent (since 1.2).
 * @return 1 and *alert; 0 when there is none; -EFAULT. @since 1.0 */
LIBKTLS_API LIBKTLS_WUR int ktls_reader_alert_to_send(const struct ktls_reader *reader,
						      struct ktls_alert *alert);

/**
 * Read application data from a kTLS socket, in place of read(): control records are processed by
 * @p reader instead of failing with EIO. Application data is received into @p buf alone (one
 * buffer, as TLS_RX_EXPECT_NO_PAD needs); a control record is received whole into the reader's
 * own buffer, so that RFC 8446 §5.1 is checked on whole records whatever @p len is.
 *
 * A failure that calls for a fatal alert sends it on @p fd, once (since 1.2; before, the caller
 * had to): bad_record_mac for -EBADMSG (after reading the socket error the failed decryption set,
 * which refuses every send until read), record_overflow for a record too long (-EMSGSIZE), and
 * the alert ktls_reader_alert_to_send() names for -EPROTO and -EMSGSIZE. It is sent without
 * waiting (a full send buffer: retried by the next call) and only where @p fd has kTLS TX keys.
 * Then shut the write side (shutdown(SHUT_WR)) and give the peer a moment before close(): a close
 * with records still unread sends an RST, which can overtake the alert.
 *
 * @return
 * - > 0: application data bytes in @p buf
 * - 0: orderly end: the peer sent close_notify
 * - -ENOMSG: a handshake message is ready: take it (and every other) with
 *   ktls_reader_next_message(), then call again
 * - -EPIPE: the peer closed TCP without close_notify (the stream may be truncated)
 * - -ECONNABORTED, -EPROTO, -EMSGSIZE: as ktls_reader_feed()
 * - -EAGAIN, -EINTR, -ENOMEM (no memory to reassemble a handshake message: the record stays
 *   queued in the kernel): nothing lost; call again
 * - -EBADMSG, -EMSGSIZE (a record longer than TLS allows), -EKEYEXPIRED, -ECONNRESET, ...: as
 *   ktls_recv_record()
 * - -EFAULT, -EINVAL (@p len is 0)
 * With MSG_PEEK, application data is peeked; a control record met on the way is consumed and
 * processed as without it. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR ssize_t ktls_reader_read(struct ktls_reader *reader, int fd, void *buf, size_t len,
					  int flags);

/* ---------------------------------------------------------------------------------------------
 * 7. What the kernel, a socket and a NIC can do
 * ------------------------------------------------------------------------------------------- */

/** One kTLS counter of /proc/net/tls_stat. @since 1.0 */
struct ktls_stat {
	char name[48];
	uint64_t value;
};

/**
 * Parse the text of /proc/net/tls_stat ("Name value" lines), by name, so that counters added by
 * newer kernels (the rekey counters of 6.14) appear without a code change. Writes at most
 * @p capacity counters (@p stats may be NULL when @p capacity is 0); lines that do not parse are
 * skipped. @return the number of counters in @p text, or -EFAULT. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR ssize_t ktls_stat_parse(const char *text, size_t len, struct ktls_stat *stats,
						size_t capacity);

/**
 * Read this network namespace's /proc/net/tls_stat. @return as ktls_stat_parse(), or -ENOENT
 * when it does not exist (the tls module is not loaded), or another negative errno of reading.
 * @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR ssize_t ktls_stat_read(struct ktls_stat *stats, size_t capacity);

/**
 * What a counter of /proc/net/tls_stat counts, for the names this version of libktls knows
 * (those of Linux 7.3, the rekey counters of 6.14 included).
 * @return static text, or NULL for NULL or a name it does not know (a newer kernel's: show
 * that by its name). @since 1.0
 */
LIBKTLS_API const char *ktls_stat_description(const char *name);

/**
 * Whether the running kernel installs keys of @p cipher_type (TLS_CIPHER_* of <linux/tls.h>) for
 * @p tls_version in direction @p dir, probed with dummy keys on a fresh loopback socket (loopback
 * never offloads: this is software support).
 * @return 1; -EOPNOTSUPP: the kernel does not know this version/cipher combination;
 * -ENOPKG: it knows the cipher but lacks its crypto; -ENOENT: no kTLS at all; -EINVAL: a version
 * or cipher libktls does not know; another negative errno of the loopback sockets. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_probe_cipher(uint16_t tls_version, uint16_t cipher_type, enum ktls_dir dir);

/** Kernel features, each 1 (present) or 0 (absent). Set @c sz to sizeof(struct ktls_kernel_caps).
 * @since 1.0 */
struct ktls_kernel_caps {
	size_t sz;
	/** the tls ULP attaches */
	int32_t tls;
	/** TLS 1.3 keys can be installed for TX and for RX (AES-128-GCM) */
	int32_t tls13_tx, tls13_rx;
	/** TLS 1.3 keys can be replaced (Linux 6.14) */
	int32_t rekey;
	/** TLS_TX_ZEROCOPY_RO: zero-copy sendfile with device offload (5.19) */
	int32_t tx_zerocopy_sendfile;
	/** TLS_RX_EXPECT_NO_PAD: zero-copy TLS 1.3 receive (6.0) */
	int32_t rx_expect_no_pad;
	/** TLS_TX_MAX_PAYLOAD_LEN: ktls_set_record_size_limit() (6.19) */
	int32_t tx_max_payload_len;
	/** NIC full record offload (TOE, TLS_HW_RECORD): 1 where this kernel has it (the
	 * tls-hw-record netdev feature exists; it was removed in 7.2), 0 where it does not — then no
	 * NIC can offer it and no socket can use it — and -1 when the netdev query failed */
	int32_t hw_record;
};

/**
 * Probe the running kernel, with loopback sockets only.
 * @return 0; -EFAULT; -EINVAL (@c caps->sz too small); another negative errno of the sockets.
 * A kernel without kTLS is not an error: @c caps->tls is 0 and so is everything else. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_probe_kernel(struct ktls_kernel_caps *caps);

/** How a direction of a kTLS socket is carried (TLS_CONF_* of <linux/tls.h>). @since 1.0 */
enum ktls_mode {
	KTLS_MODE_NONE = 1,      /* no keys in this direction */
	KTLS_MODE_SW = 2,        /* kernel software crypto */
	KTLS_MODE_HW = 3,        /* NIC crypto offload */
	KTLS_MODE_HW_RECORD = 4, /* NIC full record offload (TOE; kernels before 7.2) */
	KTLS_MODE_UNKNOWN = 255  /* keys installed; the mode could not be seen (see below) */
};

/** Where ktls_socket_info() got its answer. @since 1.0 */
enum ktls_socket_source {
	KTLS_SOCKET_SOURCE_SOCK_DIAG = 1, /* sock_diag INET_DIAG_ULP_INFO: everything */
	KTLS_SOCKET_SOURCE_SOCKOPT = 2    /* getsockopt: version and cipher only, modes KTLS_MODE_UNKNOWN */
};

/** What a socket uses. Set @c sz to sizeof(struct ktls_socket_info). @since 1.0 */
struct ktls_socket_info {
	size_t sz;
	/** upper-layer protocol: 1 when it is tls, 0 when none is attached, -1 for another one */
	int32_t ulp;
	/** enum ktls_socket_source */
	int32_t source;
	/** TLS version and TLS_CIPHER_* (0 while no keys are installed) */
	uint16_t tls_version, cipher_type;
	/** enum ktls_mode of each direction */
	uint8_t tx_mode, rx_mode;
	/** TLS_TX_ZEROCOPY_RO is on for a device-offloaded TX (the kernel reports it only then), and
	 * TLS_RX_EXPECT_NO_PAD is on (sock_diag only) */
	uint8_t tx_zerocopy, rx_no_pad;
	/** largest plaintext per record sent (TLS_TX_MAX_PAYLOAD_LEN: 16384 unless
	 * ktls_set_record_size_limit() lowered it); 0 where the kernel does not have it (before 6.19) */
	uint16_t tx_max_payload_len;
};

/**
 * What a connected TCP socket uses: through sock_diag (an exact lookup by addresses, ports and
 * SO_COOKIE, over libmnl), else through getsockopt. Kernels before about 6.15 show the ULP part of
 * sock_diag only to CAP_NET_ADMIN: then the answer comes from getsockopt, with
 * @c source KTLS_SOCKET_SOURCE_SOCKOPT and modes KTLS_MODE_UNKNOWN — never "not kTLS".
 * @return 0; -EFAULT; -EINVAL (@c info->sz); -EBADF, -ENOTSOCK, -ESOCKTNOSUPPORT, -ENOTCONN.
 * @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_socket_info(int fd, struct ktls_socket_info *info);

/** A kTLS socket of the network namespace, as ktls_socket_foreach() reports it. @since 1.0 */
struct ktls_socket_entry {
	size_t sz;
	/** AF_INET or AF_INET6; addresses and ports in network byte order as in struct sockaddr_in(6) */
	int32_t family;
	uint8_t local_addr[16], remote_addr[16];
	uint16_t local_port, remote_port;
	uint64_t inode;
	/** what the socket uses: the library's, valid during the call of @p fn only (it grows as
	 * struct ktls_socket_info does, apart from this struct) */
	const struct ktls_socket_info *info;
};

/**
 * Call @p fn for every TCP socket of the network namespace with the tls ULP attached (a sock_diag
 * dump); stop early when @p fn returns non-zero.
 * @return 0, @p fn's non-zero return, or a negative errno (-EPERM or -EACCES where sock_diag
 * hides the ULP from this caller). @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_socket_foreach(int (*fn)(const struct ktls_socket_entry *entry, void *user),
						void *user);

/** Bits of a NIC's TLS offload feature. @since 1.0 */
enum ktls_feature_flag {
	KTLS_FEATURE_KNOWN = 1,   /* the kernel has this feature bit; without it the feature is not in
				     this kernel at all (tls-hw-record: TOE, removed in 7.2) */
	KTLS_FEATURE_HW = 2,      /* the device can do it (may be enabled) */
	KTLS_FEATURE_WANTED = 4,  /* requested by the administrator */
	KTLS_FEATURE_ACTIVE = 8,  /* in use */
	KTLS_FEATURE_FIXED = 16   /* cannot be changed */
};

/** Where ktls_netdev_info() got its answer. @since 1.0 */
enum ktls_netdev_source {
	KTLS_NETDEV_SOURCE_NETLINK = 1, /* generic netlink "ethtool" */
	KTLS_NETDEV_SOURCE_IOCTL = 2    /* SIOCETHTOOL */
};

/** A NIC's TLS offload features. Set @c sz to sizeof(struct ktls_netdev_info). @since 1.0 */
struct ktls_netdev_info {
	size_t sz;
	int32_t ifindex;
	/** enum ktls_netdev_source */
	int32_t source;
	/** the interface's name */
	char ifname[16];
	/** enum ktls_feature_flag bits of tls-hw-tx-offload, tls-hw-rx-offload, tls-hw-record */
	uint8_t tls_tx, tls_rx, tls_record;
};

/**
 * TLS offload features of the interface @p ifname, found by feature name (their bit numbers differ
 * between kernels): through ethtool netlink, else the SIOCETHTOOL ioctl.
 * @return 0; -EFAULT; -EINVAL; -ENODEV (no such interface); another negative errno. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_netdev_info(const char *ifname, struct ktls_netdev_info *info);

/** As ktls_netdev_info(), through the SIOCETHTOOL ioctl only. @since 1.0 */
LIBKTLS_API LIBKTLS_WUR int ktls_netdev_info_ioctl(const char *ifname, struct ktls_netdev_info *info);

/**
 * The interface a connected socket's traffic leaves through (a route lookup towards its peer).
 * @return the interface index (> 0), or a negative errno. @since 1.0
 */
LIBKTLS_API LIBKTLS_WUR int ktls_socket_ifindex(int fd);

/* ---------------------------------------------------------------------------------------------
 * 8. Errors and versions
 * ------------------------------------------------------------------------------------------- */

/** KTLS_CRYPTO_INFO_MAX, at run time. @since 1.0 */
LIBKTLS_API size_t ktls_crypto_info_max(void);

/**
 * Human-readable text for any negative return of this library, saying what to do where that is
 * known (e.g. "modprobe tls" for -ENOENT). Accepts positive errno values too. Never NULL; static
 * storage. @since 1.0
 */
LIBKTLS_API const char *ktls_strerror(int err);

/** The library's version, "MAJOR.MINOR.MICRO", at run time (LIBKTLS_VERSION_STRING at compile
 * time). @since 1.0 */
LIBKTLS_API const char *ktls_version(void);

#ifdef __cplusplus
}
#endif

#endif
