/* SPDX-License-Identifier: MIT */
/**
 * @file ktls.h
 * libktls: hand the TLS record layer of a connected TCP socket to Linux kernel TLS.
 *
 * A program finishes the TLS handshake by any means, then calls ktls_install() once per direction;
 * from then on the kernel encrypts and decrypts that socket's records.
 *
 * Conventions for every function below:
 * - Failures are returned as a negative errno value; ktls_strerror() turns any of them into text.
 *   Each function documents the values it can return and what they mean.
 * - Out-parameters are left untouched when a function fails.
 * - No function keeps a pointer it was given, allocates memory of its own, prints, or uses global
 *   mutable state: all are thread-safe. (The key-schedule functions call libcrypto's KDFs, which
 *   allocate and free a context internally.)
 * - Every copy of secret material the library makes is wiped before the function returns.
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

/**
 * Attach the "tls" upper-layer protocol to a connected TCP socket if it is not attached yet, and
 * install the record keys of one direction.
 *
 * @param fd      a connected TCP socket (IPv4 or IPv6) whose handshake is complete and whose kernel
 *                receive queue holds no record that was already decrypted in userspace
 * @param dir     KTLS_DIR_TX or KTLS_DIR_RX
 * @param suite   IANA cipher-suite number (0x1301, 0xC02F, ...): fixes TLS version, AEAD and hash
 * @param secrets key material, see struct ktls_secrets
 * @param seq     sequence number of the next record in that direction (0 after a TLS 1.3
 *                handshake; 1 after a TLS 1.2 one, whose Finished used 0)
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
 * - -EINVAL: the other direction (or, when rekeying, this one) already has keys of another TLS
 *   version or cipher: the kernel requires one version and cipher for both directions
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
