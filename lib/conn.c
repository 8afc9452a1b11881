/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <linux/tls.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>

#include "ktls-internal.h"
#include "reader.h"

#define DEFAULT_MAX_PEER_UPDATES 32
#define DEFAULT_PEER_UPDATE_WINDOW_MS 1000

struct ktls_conn {
	struct ktls_sys sys;
	int fd;
	const struct ktls_suite *suite;
	uint8_t tx_secret[KTLS_SECRET_MAX], rx_secret[KTLS_SECRET_MAX];
	size_t secret_len;
	uint32_t tx_generation, rx_generation;
	int can_rekey;            /* -1 until the kernel's answer on this socket showed it */
	int tx_key_pending;       /* our KeyUpdate went out; the next TX key is not installed yet */
	int rx_key_pending;       /* the peer's KeyUpdate arrived; the next RX key is not installed yet */
	int answer_pending;       /* the peer asked us to update: send our KeyUpdate, then rekey TX */
	uint32_t refusals_pending; /* TLS 1.2 renegotiations to answer with no_renegotiation */
	int send_failed;          /* sending what is pending failed: reads leave it to writes */
	uint32_t role;            /* KTLS_CONN_SERVER, KTLS_CONN_CLIENT, or 0: unknown */
	int error;                /* non-zero once the connection cannot go on */
	uint32_t max_peer_updates, window_ms;
	uint64_t auto_update_records;
	uint64_t window_start_ms;
	uint32_t window_updates;
	struct ktls_reader *reader;
};

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* Install the next generation of one direction's traffic secret at sequence 0. The secret
 * advances only once the kernel took the key, so a failure can be retried. The kernel's -EBUSY
 * says it cannot replace keys at all (before Linux 6.14). */
static int install_next(struct ktls_conn *c, int dir)
{
	uint8_t next[KTLS_SECRET_MAX], info[KTLS_CRYPTO_INFO_MAX];
	uint8_t *cur = dir == KTLS_DIR_TX ? c->tx_secret : c->rx_secret;

	int r = ktls_update_secret(c->suite->id, cur, c->secret_len, next);
	if (r == 0) {
		const struct ktls_secrets s = { .secret = next, .secret_len = c->secret_len };
		r = ktls_build_crypto_info(c->suite, &s, 0, info);
	}
	if (r == 0)
		r = c->sys.replace_crypto(c->sys.ctx, c->fd, dir, info, ktls_cipher_info_len(c->suite->cipher));
	if (r == 0) {
		c->can_rekey = 1;
		memcpy(cur, next, c->secret_len);
		if (dir == KTLS_DIR_TX)
			c->tx_generation++;
		else
			c->rx_generation++;
	} else if (r == -EBUSY) {
		c->can_rekey = 0;
	}
	ktls_memzero(info, sizeof(info));
	ktls_memzero(next, sizeof(next));
	return r;
}

/* Whether this socket's kernel can replace keys, asked on the socket itself before anything
 * is sent: a replacement header naming another cipher is refused with EINVAL by a kernel that
 * can rekey (the cipher may not change) and with EBUSY by one that cannot, and changes nothing.
 * No descriptor is opened: this works at RLIMIT_NOFILE. */
static int rekey_possible(struct ktls_conn *c)
{
	if (c->can_rekey < 0) {
		const uint16_t other = c->suite->cipher->type == TLS_CIPHER_AES_GCM_128 ? TLS_CIPHER_AES_GCM_256
											: TLS_CIPHER_AES_GCM_128;
		const struct tls_crypto_info hdr = { .version = c->suite->version, .cipher_type = other };
		int r = c->sys.replace_crypto(c->sys.ctx, c->fd, KTLS_DIR_TX, &hdr, sizeof(hdr));
		if (r == 0) /* the kernel took a key it cannot have parsed: nothing sent is safe */
			return c->error = -EIO;
		if (r != -EINVAL && r != -EBUSY)
			return r;
		c->can_rekey = r == -EINVAL;
	}
	return c->can_rekey;
}

static int send_key_update(struct ktls_conn *c, int request, int flags)
{
	const uint8_t msg[KTLS_HANDSHAKE_HDR + 1] = { KTLS_HANDSHAKE_KEY_UPDATE, 0, 0, 1, (uint8_t)(request != 0) };
	ssize_t n = c->sys.send_record(c->sys.ctx, c->fd, KTLS_RECORD_HANDSHAKE, msg, sizeof(msg), flags);

	if (n < 0)
		return (int)n;
	if ((size_t)n != sizeof(msg))
		return c->error = -EIO; /* half a KeyUpdate on the wire: nothing can fix the stream */
	return 0;
}

/* The next TX key of a KeyUpdate of ours that went out; nothing when none did. */
static int install_pending_tx(struct ktls_conn *c)
{
	if (!c->tx_key_pending)
		return 0;
	int r = install_next(c, KTLS_DIR_TX);
	if (r == 0)
		c->tx_key_pending = 0;
	return r;
}

static int update_tx(struct ktls_conn *c, int request, int flags)
{
	if (!c->tx_key_pending) {
		int r = send_key_update(c, request, flags);
		if (r < 0)
			return r;
		c->tx_key_pending = 1;
	}
	return install_pending_tx(c);
}

static int send_refusals(struct ktls_conn *c, int flags)
{
	static const uint8_t alert[2] = { KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_NO_RENEGOTIATION };

	while (c->refusals_pending) {
		ssize_t n = c->sys.send_record(c->sys.ctx, c->fd, KTLS_RECORD_ALERT, alert, sizeof(alert), flags);
		if (n < 0)
			return (int)n;
		if (n != sizeof(alert))
			return c->error = -EIO;
		c->refusals_pending--;
	}
	return 0;
}

static int flush_tx_once(struct ktls_conn *c, int flags)
{
	int r = send_refusals(c, flags);
	if (r < 0)
		return r;
	for (;;) {
		if ((r = install_pending_tx(c)) < 0)
			return r;
		if (!c->answer_pending)
			return 0;
		if ((r = send_key_update(c, 0, flags)) < 0)
			return r;
		c->answer_pending = 0; /* on the wire: only its key is left to install */
		c->tx_key_pending = 1;
	}
}

/* What the peer's control messages left to send, before any data: refusals of renegotiation;
 * the next TX key of a KeyUpdate that went out, then the answer the peer asked for (RFC 8446
 * §4.6.3 order). Control records never take MSG_MORE. -EAGAIN: the send buffer is full. */
static int flush_tx(struct ktls_conn *c, int flags)
{
	int r = flush_tx_once(c, flags & ~MSG_MORE);

	c->send_failed = r < 0 && r != -EAGAIN && r != -EINTR;
	return r;
}

static int fail_with_alert(struct ktls_conn *c, int error, uint8_t alert)
{
	return c->error = ktls_reader_abort(&c->sys, c->reader, c->fd, error, alert);
}

/* The peer changed its key and this kernel cannot follow (before Linux 6.14): RFC 8446 has no
 * alert for it; internal_error says the fault is ours. */
static int cannot_follow(struct ktls_conn *c)
{
	return fail_with_alert(c, -EKEYEXPIRED, KTLS_ALERT_INTERNAL_ERROR);
}

/* Finish what the peer's KeyUpdate started: its new RX key, then our answer if that can go out
 * without blocking. A reader never waits for a writer, nor returns a writer's error: a full send
 * buffer or a failed send leaves the answer pending for ktls_conn_write() or ktls_conn_flush(). */
static int finish_pending(struct ktls_conn *c)
{
	if (c->rx_key_pending) {
		/* Anything but the kernel's refusal leaves the update pending for the next call. */
		int r = install_next(c, KTLS_DIR_RX);
		if (r == -EBUSY)
			return cannot_follow(c);
		if (r < 0)
			return r;
		c->rx_key_pending = 0;
	}
	if (!c->send_failed)
		(void)flush_tx(c, MSG_DONTWAIT);
	return c->error;
}

/* The kernel paused decryption on a handshake record that starts with a KeyUpdate but does not
 * complete one (a KeyUpdate fragmented over records, legal in RFC 8446): the rest is still under
 * the current key. Installing that key again, at its live sequence number, resumes reading. */
static int resume_rx(struct ktls_conn *c)
{
	uint8_t info[KTLS_CRYPTO_INFO_MAX];
	size_t len = ktls_cipher_info_len(c->suite->cipher);

	int r = c->sys.get_crypto(c->sys.ctx, c->fd, KTLS_DIR_RX, info, len);
	if (r == 0)
		r = c->sys.replace_crypto(c->sys.ctx, c->fd, KTLS_DIR_RX, info, len);
	ktls_memzero(info, sizeof(info)); /* the kernel hands back the key too */
	return r;
}

/* Key updates and renegotiation attempts share one budget per time window. */
static int count_peer_request(struct ktls_conn *c)
{
	uint64_t now = now_ms();
	if (now - c->window_start_ms >= c->window_ms) {
		c->window_start_ms = now;
		c->window_updates = 0;
	}
	if (++c->window_updates > c->max_peer_updates)
		return c->error = -EXFULL;
	return 0;
}

static int peer_key_update(struct ktls_conn *c, const uint8_t *body, size_t len)
{
	int requested;

	if (ktls_key_update_parse(body, len, &requested) < 0)
		return fail_with_alert(c, -EPROTO, len == 1 ? KTLS_ALERT_ILLEGAL_PARAMETER : KTLS_ALERT_DECODE_ERROR);
	if (ktls_reader_has_more(c->reader)) /* a key change must end its record (RFC 8446 §5.1) */
		return fail_with_alert(c, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE);
	if (count_peer_request(c) < 0)
		return c->error;
	if (c->can_rekey == 0) /* the kernel refused a replacement key on this socket already */
		return cannot_follow(c);
	c->rx_key_pending = 1;
	c->answer_pending |= requested;
	return 0;
}

static int is_renegotiation(const struct ktls_conn *c, int type)
{
	return c->suite->version == KTLS_TLS_1_2 &&
	       (type == KTLS_HANDSHAKE_HELLO_REQUEST || type == KTLS_HANDSHAKE_CLIENT_HELLO);
}

/* A message only the other role sends: HelloRequest and NewSessionTicket come from servers,
 * ClientHello from clients. */
static int from_wrong_role(const struct ktls_conn *c, int type)
{
	if (c->role == KTLS_CONN_SERVER)
		return type == KTLS_HANDSHAKE_HELLO_REQUEST ||
		       (type == KTLS_HANDSHAKE_NEW_SESSION_TICKET && c->suite->version == KTLS_TLS_1_3);
	return c->role == KTLS_CONN_CLIENT && type == KTLS_HANDSHAKE_CLIENT_HELLO;
}

/* Handle the KeyUpdates and renegotiation attempts at the head of the reader's queue; 1 when
 * another message is waiting. */
static int take_protocol_messages(struct ktls_conn *c)
{
	for (;;) {
		int type = ktls_reader_peek_type(c->reader);
		if (type < 0)
			return 0;
		if (from_wrong_role(c, type))
			return fail_with_alert(c, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE);
		if (type != KTLS_HANDSHAKE_KEY_UPDATE && !is_renegotiation(c, type))
			return 1;
		uint8_t t;
		const uint8_t *body;
		size_t len;
		if (ktls_reader_next_message(c->reader, &t, &body, &len) != 1)
			return -EIO;
		int r = type == KTLS_HANDSHAKE_KEY_UPDATE ? peer_key_update(c, body, len) : count_peer_request(c);
		if (r < 0)
			return r;
		if (type != KTLS_HANDSHAKE_KEY_UPDATE)
			c->refusals_pending++;
	}
}

/* Everything but the data path: KeyUpdates pending or arriving, handshake messages buffered, and
 * whatever the data path's receive brought instead of data (`received`). */
__attribute__((noinline)) static ssize_t conn_read_slow(struct ktls_conn *c, void *buf, size_t len, int flags,
							ssize_t received)
{
	for (;;) {
		if (c->error) { /* the fatal alert a full send buffer held back goes out now */
			if (c->reader->state == FAILED)
				(void)ktls_reader_failed(&c->sys, c->reader, c->fd);
			return c->error;
		}
		int r = take_protocol_messages(c);
		if (r < 0)
			return r;
		if ((r = finish_pending(c)) < 0)
			return r;
		if (ktls_reader_peek_type(c->reader) >= 0)
			return -ENOMSG;
		ssize_t n = ktls_reader_receive(&c->sys, c->reader, c->fd, buf, len, flags, received);
		received = KTLS_NOT_RECEIVED;
		if (n == -EKEYEXPIRED && ktls_reader_has_more(c->reader)) {
			if ((r = resume_rx(c)) < 0)
				return r == -EBUSY ? cannot_follow(c) : r;
			continue;
		}
		if (n != -ENOMSG)
			return n;
	}
}

/* The data path: one receive into the buffers; data goes straight back. Everything else takes the
 * slow path, which reads into the first buffer. iov[0] has room. */
static ssize_t conn_readv(struct ktls_conn *c, const struct iovec *iov, int iovcnt, int flags)
{
	if (c->error || c->rx_key_pending || c->answer_pending || c->tx_key_pending || c->refusals_pending ||
	    !ktls_reader_idle(c->reader))
		return conn_read_slow(c, iov->iov_base, iov->iov_len, flags, KTLS_NOT_RECEIVED);
	ssize_t n = c->sys.recv_data(c->sys.ctx, c->fd, iov, iovcnt, flags);
	if (n > 0)
		return n;
	return conn_read_slow(c, iov->iov_base, iov->iov_len, flags, n);
}

LIBKTLS_API ssize_t ktls_conn_read(struct ktls_conn *c, void *buf, size_t len, int flags)
{
	if (!c || !buf)
		return -EFAULT;
	if (len == 0)
		return -EINVAL;
	struct iovec v = { .iov_base = buf, .iov_len = len };
	return conn_readv(c, &v, 1, flags);
}

LIBKTLS_API ssize_t ktls_conn_readv(struct ktls_conn *c, const struct iovec *iov, int iovcnt, int flags)
{
	if (!c || !iov)
		return -EFAULT;
	if (iovcnt <= 0 || iovcnt > UIO_MAXIOV)
		return -EINVAL;
	for (int i = 0; i < iovcnt; i++)
		if (iov[i].iov_len && !iov[i].iov_base)
			return -EFAULT;
	while (iovcnt > 0 && iov->iov_len == 0) /* the slow path reads into the first buffer */
		iov++, iovcnt--;
	if (iovcnt == 0)
		return -EINVAL;
	return conn_readv(c, iov, iovcnt, flags);
}

LIBKTLS_API int ktls_conn_next_message(struct ktls_conn *c, uint8_t *type, const uint8_t **body,
				       size_t *body_len)
{
	if (!c || !type || !body || !body_len)
		return -EFAULT;
	int r = take_protocol_messages(c);
	if (r < 0)
		return r;
	if ((r = finish_pending(c)) < 0)
		return r;
	return ktls_reader_next_message(c->reader, type, body, body_len);
}

LIBKTLS_API int ktls_conn_flush(struct ktls_conn *c, int flags)
{
	if (!c)
		return -EFAULT;
	if (c->error)
		return c->error;
	return flush_tx(c, flags);
}

LIBKTLS_API int ktls_conn_send_pending(const struct ktls_conn *c)
{
	if (!c)
		return -EFAULT;
	return c->answer_pending || c->tx_key_pending || c->refusals_pending;
}

LIBKTLS_API ssize_t ktls_conn_write(struct ktls_conn *c, const void *buf, size_t len, int flags)
{
	if (!c || (!buf && len))
		return -EFAULT;
	if (c->error)
		return c->error;
	int r = flush_tx(c, flags);
	if (r < 0)
		return r;
	if (len == 0)
		return 0;
	return c->sys.send_record(c->sys.ctx, c->fd, KTLS_RECORD_APPLICATION_DATA, buf, len, flags);
}

LIBKTLS_API const struct ktls_reader *ktls_conn_reader(const struct ktls_conn *c)
{
	return c ? c->reader : NULL;
}

LIBKTLS_API int ktls_conn_update_keys(struct ktls_conn *c, int request_peer_update)
{
	if (!c)
		return -EFAULT;
	if (c->error)
		return c->error;
	if (c->suite->version != KTLS_TLS_1_3)
		return -EOPNOTSUPP;
	int possible = rekey_possible(c);
	if (possible <= 0)
		return possible < 0 ? possible : -EBUSY;
	if (c->tx_key_pending) /* the retry of a call whose KeyUpdate went out: only its key */
		return install_pending_tx(c);
	if (c->answer_pending) { /* the answer the peer asked for is an update of ours too */
		int r = flush_tx(c, 0);
		if (r < 0 || !request_peer_update)
			return r;
	}
	return update_tx(c, request_peer_update, 0);
}

static uint64_t record_limit(const struct ktls_suite *s)
{
	switch (s->cipher->type) {
	case TLS_CIPHER_CHACHA20_POLY1305:
		return UINT64_C(1) << 62;
	case TLS_CIPHER_AES_CCM_128:
	case TLS_CIPHER_SM4_CCM:
		return UINT64_C(11863283); /* 2^23.5 */
	default:
		return UINT64_C(23726566); /* 2^24.5 */
	}
}

static int live_seq(struct ktls_conn *c, int dir, uint64_t *seq)
{
	uint8_t info[KTLS_CRYPTO_INFO_MAX];
	size_t len = ktls_cipher_info_len(c->suite->cipher);

	int r = c->sys.get_crypto(c->sys.ctx, c->fd, dir, info, len);
	if (r == 0) {
		const uint8_t *p = info + len - KTLS_REC_SEQ_LEN;
		*seq = 0;
		for (int i = 0; i < KTLS_REC_SEQ_LEN; i++)
			*seq = *seq << 8 | p[i];
	}
	ktls_memzero(info, sizeof(info)); /* the kernel hands back the key too */
	return r;
}

LIBKTLS_API int ktls_conn_key_usage(struct ktls_conn *c, struct ktls_key_usage *usage)
{
	struct ktls_key_usage u = { 0 };

	if (!c || !usage)
		return -EFAULT;
	if (usage->sz < KTLS_SIZE_UPTO(struct ktls_key_usage, rx_generation))
		return -EINVAL;
	int r = live_seq(c, KTLS_DIR_TX, &u.tx_records);
	if (r == 0)
		r = live_seq(c, KTLS_DIR_RX, &u.rx_records);
	if (r < 0)
		return r;
	u.record_limit = record_limit(c->suite);
	u.tx_generation = c->tx_generation;
	u.rx_generation = c->rx_generation;
	ktls_sized_copy_out(usage, &u, sizeof(u));
	return 0;
}

LIBKTLS_API int ktls_conn_check_limits(struct ktls_conn *c)
{
	struct ktls_key_usage u = { .sz = sizeof(u) };

	if (!c)
		return -EFAULT;
	if (c->suite->version != KTLS_TLS_1_3 || c->auto_update_records == UINT64_MAX)
		return 0;
	int r = ktls_conn_key_usage(c, &u);
	if (r < 0)
		return r;
	if (u.tx_records < c->auto_update_records)
		return 0;
	r = ktls_conn_update_keys(c, 0);
	return r < 0 ? r : 1;
}

LIBKTLS_API int ktls_suite_confidentiality_limit(uint16_t suite, uint64_t *records)
{
	if (!records)
		return -EFAULT;
	const struct ktls_suite *s = ktls_suite_find(suite);
	if (!s)
		return -EPROTONOSUPPORT;
	*records = record_limit(s);
	return 0;
}

/* Whether the caller's options reach field: a caller built against 1.0 passes a shorter struct. */
#define OPTS_HAS(o, field) ((o) && (o)->sz >= offsetof(struct ktls_conn_opts, field) + sizeof((o)->field))
#define OPTS_GET(o, field, fallback) (OPTS_HAS(o, field) && (o)->field ? (o)->field : (fallback))

static int opts_valid(const struct ktls_conn_opts *o)
{
	if (!o)
		return 1;
	if (!OPTS_HAS(o, reserved)) /* smaller than the 1.0 struct, the first shipped */
		return 0;
	for (size_t i = sizeof(*o); i < o->sz; i++)
		if (((const uint8_t *)o)[i])
			return 0;
	const uint32_t flags = OPTS_GET(o, flags, 0), roles = KTLS_CONN_SERVER | KTLS_CONN_CLIENT;
	return (flags & ~(uint32_t)(KTLS_CONN_PEER_PADS | roles)) == 0 && (flags & roles) != roles &&
	       OPTS_GET(o, reserved, 0) == 0;
}

int ktls_conn_open_sys(const struct ktls_sys *sys, int fd, uint16_t suite, const struct ktls_secrets *tx,
		       uint64_t tx_seq, const struct ktls_secrets *rx, uint64_t rx_seq,
		       const struct ktls_conn_opts *opts, struct ktls_conn **out)
{
	if (!tx || !rx || !out)
		return -EFAULT;
	const struct ktls_suite *s = ktls_suite_find(suite);
	if (!s)
		return -EPROTONOSUPPORT;
	if (!opts_valid(opts))
		return -EINVAL;
	size_t hash_len = ktls_hash_len(s->hash);
	if (s->version == KTLS_TLS_1_3 &&
	    (!tx->secret || !rx->secret || tx->secret_len != hash_len || rx->secret_len != hash_len))
		return -EINVAL;

	struct ktls_conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->sys = *sys;
	c->fd = fd;
	c->suite = s;
	c->can_rekey = -1;
	c->role = OPTS_GET(opts, flags, 0) & (KTLS_CONN_SERVER | KTLS_CONN_CLIENT);
	int r = ktls_reader_new(s->version, OPTS_GET(opts, max_handshake_len, 0), &c->reader);
	c->max_peer_updates = OPTS_GET(opts, max_peer_updates, DEFAULT_MAX_PEER_UPDATES);
	c->window_ms = OPTS_GET(opts, peer_update_window_ms, DEFAULT_PEER_UPDATE_WINDOW_MS);
	c->auto_update_records = OPTS_GET(opts, auto_update_records, record_limit(s) / 2);
	if (s->version == KTLS_TLS_1_3) {
		c->secret_len = hash_len;
		memcpy(c->tx_secret, tx->secret, hash_len);
		memcpy(c->rx_secret, rx->secret, hash_len);
	}

	/* Both directions are validated and derived before anything reaches the kernel. */
	uint8_t txi[KTLS_CRYPTO_INFO_MAX], rxi[KTLS_CRYPTO_INFO_MAX];
	const size_t info_len = ktls_cipher_info_len(s->cipher);
	if (r == 0)
		r = ktls_build_crypto_info(s, tx, tx_seq, txi);
	if (r == 0)
		r = ktls_build_crypto_info(s, rx, rx_seq, rxi);
	if (r == 0)
		r = c->sys.set_crypto(c->sys.ctx, fd, KTLS_DIR_TX, txi, info_len);
	if (r == 0 && c->sys.set_crypto(c->sys.ctx, fd, KTLS_DIR_RX, rxi, info_len) < 0)
		r = -ENOTRECOVERABLE; /* TX keys are in the kernel: say so, whatever RX's reason */
	/* Zero-copy receive where the kernel has it (6.0); without, reading works as before. */
	if (r == 0 && s->version == KTLS_TLS_1_3 && !(OPTS_GET(opts, flags, 0) & KTLS_CONN_PEER_PADS))
		(void)c->sys.set_rx_no_pad(c->sys.ctx, fd, 1);
	ktls_memzero(txi, sizeof(txi));
	ktls_memzero(rxi, sizeof(rxi));
	if (r < 0) {
		ktls_conn_free(c);
		return r;
	}
	*out = c;
	return 0;
}

LIBKTLS_API int ktls_conn_open(int fd, uint16_t suite, const struct ktls_secrets *tx, uint64_t tx_seq,
			       const struct ktls_secrets *rx, uint64_t rx_seq, const struct ktls_conn_opts *opts,
			       struct ktls_conn **conn)
{
	return ktls_conn_open_sys(&ktls_sys_kernel, fd, suite, tx, tx_seq, rx, rx_seq, opts, conn);
}

LIBKTLS_API void ktls_conn_free(struct ktls_conn *c)
{
	if (!c)
		return;
	ktls_reader_free(c->reader);
	ktls_memzero(c, sizeof(*c));
	free(c);
}
