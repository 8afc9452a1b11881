/* SPDX-License-Identifier: MIT */
#ifndef LIBKTLS_INTERNAL_H
#define LIBKTLS_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "ktls.h"

/* UAPI constants older or distribution headers may lack. */
#ifndef SOL_TLS
#define SOL_TLS 282
#endif
#ifndef TCP_ULP
#define TCP_ULP 31
#endif
#ifndef TLS_TX_MAX_PAYLOAD_LEN
#define TLS_TX_MAX_PAYLOAD_LEN 5
#endif

/* The record cipher of a suite, as the kernel lays out its crypto-info:
 * struct tls_crypto_info (4 bytes), iv, key, salt, rec_seq (8 bytes), packed. */
struct ktls_cipher {
	uint16_t type;
	uint8_t key_len;
	uint8_t iv_len;
	uint8_t salt_len;
};

struct ktls_suite {
	uint16_t id;
	uint16_t version;
	uint8_t hash;
	const struct ktls_cipher *cipher;
	const char *name;
};

/* Sized structs, as libbpf's OPTS: the caller's sz covers at least the fields of 1.0 (up to
 * and including `last`); a caller built against a newer header passes a larger sz. */
#define KTLS_SIZE_UPTO(type, last) (offsetof(type, last) + sizeof(((type *)0)->last))
/* Give the caller (dst, whose first member sz says its size) what both sides know of src; fields
 * only the caller knows stay as the caller set them. */
void ktls_sized_copy_out(void *dst, const void *src, size_t src_size);

#define KTLS_CRYPTO_INFO_HDR 4
#define KTLS_REC_SEQ_LEN 8

const struct ktls_suite *ktls_suite_find(uint16_t id);
const struct ktls_cipher *ktls_cipher_find(uint16_t type);
size_t ktls_hash_len(uint8_t hash);
const char *ktls_hash_name(uint8_t hash);
size_t ktls_cipher_info_len(const struct ktls_cipher *c);
/* Length the caller's ktls_secrets::iv must have. */
size_t ktls_suite_iv_len(const struct ktls_suite *s);

/* Fill buf (at least ktls_cipher_info_len bytes) with the crypto-info; validates the secrets. */
int ktls_build_crypto_info(const struct ktls_suite *s, const struct ktls_secrets *secrets,
			   uint64_t seq, uint8_t *buf);

void ktls_memzero(void *p, size_t n);
void ktls_stackzero(void);

#define KTLS_HANDSHAKE_HDR 4

struct tls_crypto_info;
/* 0 when fd has kTLS keys in direction dir (TLS_TX, TLS_RX), and their header in *hdr unless it is
 * NULL; -ENOKEY when not (sending without TX keys would leak plaintext); -EBADF, -ENOTSOCK. */
int ktls_keys_installed(int fd, int dir, struct tls_crypto_info *hdr);
/* The upper-layer protocol of a TCP socket: 1 "tls", 0 none, -EEXIST another, or -errno. */
int ktls_ulp_state(int fd);

/* ktls_recv_record() for callers that checked buf and record_type already. */
ssize_t ktls_recv_record_unchecked(int fd, void *buf, size_t len, uint8_t *record_type, int flags);

struct iovec;
/* sendmsg() of iov as records of record_type, until all is sent or an error; advances iov. */
ssize_t ktls_send_iov(int fd, uint8_t record_type, struct iovec *iov, size_t iovcnt, int flags);

/* Everything libktls does to a socket after the hand-off, so that tests can put a double of the
 * kernel in its place. Each returns a value or a negative errno. */
struct ktls_sys {
	/* readv() of application data alone: -EIO when a control record is next (it stays queued) */
	ssize_t (*recv_data)(void *ctx, int fd, const struct iovec *iov, int iovcnt, int flags);
	ssize_t (*recv_record)(void *ctx, int fd, void *buf, size_t len, uint8_t *type, int flags);
	ssize_t (*send_record)(void *ctx, int fd, uint8_t type, const void *buf, size_t len, int flags);
	/* setsockopt(SOL_TLS, dir) of a crypto-info, attaching the ULP first if needed */
	int (*set_crypto)(void *ctx, int fd, int dir, const void *info, size_t len);
	/* getsockopt(SOL_TLS, dir) of the live crypto-info */
	int (*get_crypto)(void *ctx, int fd, int dir, void *info, size_t len);
	/* setsockopt(SOL_TLS, dir) alone, on a socket that has keys in that direction: 0, or the
	 * kernel's -errno as it gave it (-EBUSY: this kernel cannot replace keys) */
	int (*replace_crypto)(void *ctx, int fd, int dir, const void *info, size_t len);
	/* TLS_RX_EXPECT_NO_PAD on or off: 0 or a negative errno */
	int (*set_rx_no_pad)(void *ctx, int fd, int on);
	/* getsockopt(SO_ERROR): read and clear the socket's pending error (a record that failed
	 * authentication sets one, and every send fails with it until it is read) */
	void (*clear_error)(void *ctx, int fd);
	void *ctx;
};

extern const struct ktls_sys ktls_sys_kernel;

/* setsockopt(TLS_RX_EXPECT_NO_PAD) without checks; -EOPNOTSUPP where the kernel lacks it. */
int ktls_set_no_pad(int fd, int on);
/* getsockopt(TLS_TX_MAX_PAYLOAD_LEN): 0 and *payload, or a negative errno. */
int ktls_get_tx_max_payload(int fd, uint16_t *payload);

int ktls_install_info(int fd, int dir, const uint8_t *info, size_t len);
/* What ktls_reader_receive() is told when its caller has not received anything yet. */
#define KTLS_NOT_RECEIVED (-(ssize_t)0x7fffffff)
/* ktls_reader_read() over sys: receive until application data, the end, a handshake message to
 * take (-ENOMSG) or an error; control records are received whole into the reader's own buffer.
 * `received` is the result of a receive of application data into buf that the caller made
 * already (<= 0: the end, or an error, -EIO being a control record next), or KTLS_NOT_RECEIVED.
 * A failure that calls for a fatal alert sends it (once). */
ssize_t ktls_reader_receive(const struct ktls_sys *sys, struct ktls_reader *r, int fd, void *buf, size_t len,
			    int flags, ssize_t received);
/* Put the reader in its failed state and send the fatal alert `alert` to the peer. Returns error. */
int ktls_reader_abort(const struct ktls_sys *sys, struct ktls_reader *r, int fd, int error, uint8_t alert);
/* A failed reader's error; its fatal alert is sent if it has not gone out yet. */
int ktls_reader_failed(const struct ktls_sys *sys, struct ktls_reader *r, int fd);
/* The type of the next message the reader would hand out, or -1. */
int ktls_reader_peek_type(const struct ktls_reader *r);
/* 1 when bytes beyond the messages already handed out are buffered. */
int ktls_reader_has_more(const struct ktls_reader *r);
int ktls_conn_open_sys(const struct ktls_sys *sys, int fd, uint16_t suite, const struct ktls_secrets *tx,
		       uint64_t tx_seq, const struct ktls_secrets *rx, uint64_t rx_seq,
		       const struct ktls_conn_opts *opts, struct ktls_conn **conn);

#endif
