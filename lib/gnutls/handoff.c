/* SPDX-License-Identifier: MIT */
/* ktls_gnutls_handoff(): from an established GnuTLS session to a struct ktls_conn. */
#include <errno.h>
#include <string.h>

#include <gnutls/socket.h>
#include <sys/socket.h>
#include <unistd.h>

#include "../companion-opts.h"
#include "ktls-gnutls-internal.h"

#define MAX_CARRIED_UPDATES 64

/* Key material of both directions, as ktls_conn_open() takes it; wiped after use. */
struct keys {
	struct gtls_secrets recorded;
	uint8_t tx_secret[KTLS_SECRET_MAX], rx_secret[KTLS_SECRET_MAX];
	uint8_t tx_key[KTLS_KEY_MAX], rx_key[KTLS_KEY_MAX], tx_iv[KTLS_IV_LEN], rx_iv[KTLS_IV_LEN];
	struct ktls_secrets tx, rx;
	uint64_t tx_seq, rx_seq;
	int server; /* this end's role, which GnuTLS does not say: found from the keys */
};

static uint16_t suite_of(gnutls_session_t session)
{
	const char *name = gnutls_ciphersuite_get(session);
	uint16_t suites[256];
	size_t n = ktls_suite_list(suites, 256);

	for (size_t i = 0; name && i < n && i < 256; i++) {
		struct ktls_suite_info info = { .sz = sizeof(info) };

		if (ktls_suite_info(suites[i], &info) == 0 && strcmp(info.name, name) == 0)
			return suites[i];
	}
	return 0;
}

/* GnuTLS's key, IV and sequence number of one direction (read: RX). */
static int record_state(gnutls_session_t session, int read, uint8_t *key, size_t *key_len, uint8_t *iv,
			size_t *iv_len, uint64_t *seq)
{
	gnutls_datum_t k, v;
	unsigned char seq_be[8];

	if (gnutls_record_get_state(session, (unsigned)read, NULL, &v, &k, seq_be) < 0 ||
	    k.size > KTLS_KEY_MAX || v.size > KTLS_IV_LEN)
		return -EPROTONOSUPPORT;
	memcpy(key, k.data, k.size);
	memcpy(iv, v.data, v.size);
	*key_len = k.size;
	*iv_len = v.size;
	*seq = 0;
	for (int i = 0; i < 8; i++)
		*seq = *seq << 8 | seq_be[i];
	return 0;
}

/* The traffic secret whose key and IV GnuTLS uses now: the recorded one, carried over the
 * KeyUpdates that happened in GnuTLS. */
static int current_secret(uint16_t suite, uint8_t *secret, size_t len, const uint8_t *key, size_t key_len,
			  const uint8_t *iv)
{
	uint8_t k[KTLS_KEY_MAX], v[KTLS_IV_LEN];
	int r = 0;

	for (int i = 0; r == 0 && i <= MAX_CARRIED_UPDATES; i++) {
		size_t kl = sizeof(k), vl = sizeof(v);

		if ((r = ktls_derive_keys(suite, secret, len, k, &kl, v, &vl)) < 0)
			break;
		if (kl == key_len && memcmp(k, key, kl) == 0 && memcmp(v, iv, vl) == 0)
			break;
		r = i == MAX_CARRIED_UPDATES ? -ENODATA : ktls_update_secret(suite, secret, len, secret);
	}
	gnutls_memset(k, 0, sizeof(k));
	gnutls_memset(v, 0, sizeof(v));
	return r;
}

/* TLS 1.3: which recorded secret is the writer's follows from GnuTLS's write key; each one is
 * carried to the generation GnuTLS uses. */
static int tls13_secrets(gnutls_session_t session, uint16_t suite, struct keys *k, size_t tx_key_len,
			 size_t rx_key_len)
{
	const struct gtls_secrets *g = &k->recorded;
	int r = gtls_secrets_get(session, &k->recorded, 0);
	size_t len = g->secret_len[0];

	for (int side = 0; r == 0 && side < 2; side++) {
		memcpy(k->tx_secret, g->secret[side], len);
		memcpy(k->rx_secret, g->secret[!side], len);
		r = current_secret(suite, k->tx_secret, len, k->tx_key, tx_key_len, k->tx_iv);
		if (r == -ENODATA && side == 0) {
			r = 0; /* not this side's secret: the other one */
			continue;
		}
		k->server = side == 1; /* secret[1] is the server's traffic secret */
		if (r == 0)
			r = current_secret(suite, k->rx_secret, len, k->rx_key, rx_key_len, k->rx_iv);
		break;
	}
	k->tx = (struct ktls_secrets){ .secret = k->tx_secret, .secret_len = len };
	k->rx = (struct ktls_secrets){ .secret = k->rx_secret, .secret_len = len };
	return r;
}

/* TLS 1.2: the key block (RFC 5246 §6.3; AEAD suites have no MAC keys) starts with the client's
 * write key, so GnuTLS's write key says which end this is. */
static int tls12_role(gnutls_session_t session, const struct keys *k, size_t key_len, size_t iv_len)
{
	uint8_t block[2 * (KTLS_KEY_MAX + KTLS_IV_LEN)];
	static const char label[] = "key expansion";

	if (gnutls_prf(session, sizeof(label) - 1, label, 1, 0, NULL, 2 * (key_len + iv_len), (char *)block) < 0)
		return -EIO;
	int client = memcmp(block, k->tx_key, key_len) == 0, server = memcmp(block + key_len, k->tx_key, key_len) == 0;
	gnutls_memset(block, 0, sizeof(block));
	return client == server ? -EIO : server;
}

static int session_keys(gnutls_session_t session, uint16_t suite, struct keys *k)
{
	size_t tx_key_len, rx_key_len, tx_iv_len, rx_iv_len;
	int r;

	if ((r = record_state(session, 0, k->tx_key, &tx_key_len, k->tx_iv, &tx_iv_len, &k->tx_seq)) < 0 ||
	    (r = record_state(session, 1, k->rx_key, &rx_key_len, k->rx_iv, &rx_iv_len, &k->rx_seq)) < 0)
		return r;
	if (gnutls_protocol_get_version(session) == GNUTLS_TLS1_3)
		return tls13_secrets(session, suite, k, tx_key_len, rx_key_len);
	k->tx = (struct ktls_secrets){ .key = k->tx_key, .key_len = tx_key_len, .iv = k->tx_iv, .iv_len = tx_iv_len };
	k->rx = (struct ktls_secrets){ .key = k->rx_key, .key_len = rx_key_len, .iv = k->rx_iv, .iv_len = rx_iv_len };
	if ((r = tls12_role(session, k, tx_key_len, tx_iv_len)) < 0)
		return r;
	k->server = r;
	return 0;
}

/* A socket that takes no byte: a non-blocking socket pair end whose buffer is full. */
static int full_socket(int sp[2])
{
	static const char fill[4096];
	int small = 1;

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sp) < 0)
		return -errno;
	(void)setsockopt(sp[0], SOL_SOCKET, SO_SNDBUF, &small, sizeof(small));
	(void)setsockopt(sp[1], SOL_SOCKET, SO_RCVBUF, &small, sizeof(small));
	for (size_t chunk = sizeof(fill); chunk > 0; chunk /= 2)
		while (send(sp[0], fill, chunk, MSG_NOSIGNAL) > 0)
			;
	return 0;
}

/* GnuTLS holds the unsent tail of a record (a non-blocking send that stopped short). Its
 * documented way to finish one, gnutls_record_send(session, NULL, 0), answers
 * GNUTLS_E_INVALID_REQUEST when there is none; pushed to a socket that takes no byte, it answers
 * GNUTLS_E_AGAIN for a tail and leaves it as it was. gnutls_record_get_direction() alone does not
 * tell: a later gnutls_record_recv() clears it. */
static int gnutls_holds_unsent(gnutls_session_t session)
{
	gnutls_transport_ptr_t recv_ptr, send_ptr; /* an application's may be pointers: kept whole */
	int sp[2];

	gnutls_transport_get_ptr2(session, &recv_ptr, &send_ptr);
	int r = full_socket(sp);
	if (r < 0)
		return r;
	gnutls_transport_set_ptr2(session, recv_ptr, (gnutls_transport_ptr_t)(intptr_t)sp[0]);
	ssize_t n = gnutls_record_send(session, NULL, 0);
	gnutls_transport_set_ptr2(session, recv_ptr, send_ptr);
	close(sp[0]);
	close(sp[1]);
	return n == GNUTLS_E_INVALID_REQUEST ? 0 : -EAGAIN;
}

LIBKTLS_API int ktls_gnutls_handoff(gnutls_session_t session, int fd, const struct ktls_conn_opts *opts,
				    struct ktls_conn **conn)
{
	struct ktls_conn_opts o;
	struct keys k;
	uint16_t suite;
	int r;

	if (!session || !conn)
		return -EFAULT;
	if (gnutls_transport_is_ktls_enabled(session))
		return -EALREADY;
	if (gnutls_record_check_pending(session) > 0)
		return -ENOTEMPTY;
	if ((r = gnutls_holds_unsent(session)) < 0)
		return r;
	if (fd < 0 && (fd = gnutls_transport_get_int(session)) < 0)
		return -EBADF;
	if (!(suite = suite_of(session)))
		return -EPROTONOSUPPORT;
	memset(&k, 0, sizeof(k));
	r = session_keys(session, suite, &k);
	if (r == 0)
		r = ktls_opts_with_role(opts, k.server, &o);
	if (r == 0)
		r = ktls_conn_open(fd, suite, &k.tx, k.tx_seq, &k.rx, k.rx_seq, &o, conn);
	gnutls_memset(&k, 0, sizeof(k));
	if (r == 0 || r == -ENOTRECOVERABLE)
		ktls_gnutls_discard(session);
	return r;
}
