/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ktls-internal.h"
#include "reader.h"

#define DEFAULT_HANDSHAKE_MAX 16384
#define HANDSHAKE_LEN_MAX ((1u << 24) - 1)
#define NO_ALERT 0xFF

LIBKTLS_API int ktls_reader_new(uint16_t tls_version, size_t max_handshake_len, struct ktls_reader **reader)
{
	if (!reader)
		return -EFAULT;
	if ((tls_version != KTLS_TLS_1_2 && tls_version != KTLS_TLS_1_3) || max_handshake_len > HANDSHAKE_LEN_MAX)
		return -EINVAL;
	struct ktls_reader *r = calloc(1, sizeof(*r));
	if (!r)
		return -ENOMEM;
	r->version = tls_version;
	r->max_message = max_handshake_len ? max_handshake_len : DEFAULT_HANDSHAKE_MAX;
	*reader = r;
	return 0;
}

static void drop_buffer(struct ktls_reader *r)
{
	if (r->buf) {
		ktls_memzero(r->buf, r->cap);
		free(r->buf);
	}
	r->buf = NULL;
	r->cap = r->start = r->ready = r->end = 0;
}

LIBKTLS_API void ktls_reader_free(struct ktls_reader *r)
{
	if (!r)
		return;
	drop_buffer(r);
	ktls_memzero(r, sizeof(*r));
	free(r);
}

/* Free the reassembly buffer once everything in it was handed out. */
static void release(struct ktls_reader *r)
{
	if (r->buf && r->end == r->start)
		drop_buffer(r);
}

/* The most the buffer holds: a partial message of the largest size, plus one more record. */
static size_t buffer_limit(const struct ktls_reader *r)
{
	return KTLS_HANDSHAKE_HDR + r->max_message + KTLS_RECORD_MAX;
}

/* Room for `incoming` more bytes after the buffered ones: 0, -ENOMEM (nothing changed), -ENOBUFS. */
static int reserve(struct ktls_reader *r, size_t incoming)
{
	const size_t held = r->end - r->start;

	if (incoming > buffer_limit(r) - held)
		return -ENOBUFS;
	if (incoming <= r->cap - r->end)
		return 0;
	if (incoming <= r->cap - held) { /* room enough once handed-out messages are dropped */
		memmove(r->buf, r->buf + r->start, held);
		ktls_memzero(r->buf + held, r->cap - held);
		r->ready -= r->start;
		r->end = held;
		r->start = 0;
		return 0;
	}
	size_t cap = held + incoming;
	if (cap < 2 * r->cap) /* a message over many records: copy it O(log n) times */
		cap = 2 * r->cap;
	if (cap > buffer_limit(r))
		cap = buffer_limit(r);
	uint8_t *buf = malloc(cap); /* not realloc(): the old block is wiped before it is freed */
	if (!buf)
		return -ENOMEM;
	if (held)
		memcpy(buf, r->buf + r->start, held);
	const size_t ready = r->ready - r->start;
	drop_buffer(r);
	r->buf = buf;
	r->cap = cap;
	r->ready = ready;
	r->end = held;
	return 0;
}

static int fail(struct ktls_reader *r, int error, uint8_t alert_to_send)
{
	r->state = FAILED;
	r->error = error;
	if (alert_to_send != NO_ALERT) {
		r->alert_to_send = (struct ktls_alert){ KTLS_ALERT_LEVEL_FATAL, alert_to_send };
		r->have_alert_to_send = 1;
	}
	return error;
}

static uint32_t message_len(const uint8_t *hdr)
{
	return (uint32_t)hdr[1] << 16 | (uint32_t)hdr[2] << 8 | hdr[3];
}

static int allowed_after_handshake(const struct ktls_reader *r, uint8_t type)
{
	if (r->version == KTLS_TLS_1_3)
		return type == KTLS_HANDSHAKE_NEW_SESSION_TICKET || type == KTLS_HANDSHAKE_KEY_UPDATE;
	return type == KTLS_HANDSHAKE_HELLO_REQUEST || type == KTLS_HANDSHAKE_CLIENT_HELLO;
}

/* Check the buffered messages; 1 when at least one whole message is ready. */
static int scan_messages(struct ktls_reader *r)
{
	size_t pos = r->ready;

	while (r->end - pos >= KTLS_HANDSHAKE_HDR) {
		const uint8_t *hdr = r->buf + pos;
		uint32_t len = message_len(hdr);
		if (!allowed_after_handshake(r, hdr[0]))
			return fail(r, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE);
		if (len > r->max_message)
			return fail(r, -EMSGSIZE, KTLS_ALERT_DECODE_ERROR);
		if (r->end - pos - KTLS_HANDSHAKE_HDR < len)
			break;
		pos += KTLS_HANDSHAKE_HDR + len;
	}
	r->ready = pos;
	return r->ready > r->start;
}

/* `in_place`: the bytes were received straight into the buffer, at its end. */
static int feed_handshake(struct ktls_reader *r, const uint8_t *data, size_t len, int in_place)
{
	if (r->ready > r->start)
		return -ENOBUFS; /* announced messages not taken yet */
	if (!in_place) {
		int ret = reserve(r, len);
		if (ret < 0)
			return ret;
		if (len)
			memcpy(r->buf + r->end, data, len);
	}
	r->end += len;
	int ready = scan_messages(r);
	if (ready < 0)
		return ready;
	return ready ? -ENOMSG : 0;
}

/* TLS 1.3 ends on every alert but user_canceled and close_notify (RFC 8446 §6); TLS 1.2 on
 * close_notify and fatal ones. */
static int handle_alert(struct ktls_reader *r, struct ktls_alert a)
{
	r->alert = a;
	r->have_alert = 1;
	if (a.description == KTLS_ALERT_CLOSE_NOTIFY) {
		r->state = CLOSED;
		return 1;
	}
	if (a.level != KTLS_ALERT_LEVEL_WARNING && a.level != KTLS_ALERT_LEVEL_FATAL)
		return fail(r, -EPROTO, KTLS_ALERT_ILLEGAL_PARAMETER);
	if (a.description == KTLS_ALERT_USER_CANCELED ||
	    (r->version == KTLS_TLS_1_2 && a.level == KTLS_ALERT_LEVEL_WARNING))
		return 0;
	return fail(r, -ECONNABORTED, NO_ALERT);
}

static int feed_alert(struct ktls_reader *r, const uint8_t *data, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		r->partial_alert[r->partial_alert_len++] = data[i];
		if (r->partial_alert_len < 2)
			continue;
		r->partial_alert_len = 0;
		int ret = handle_alert(r, (struct ktls_alert){ r->partial_alert[0], r->partial_alert[1] });
		if (ret != 0) {
			if (ret == 1 && i + 1 < len) /* nothing may follow close_notify */
				return fail(r, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE);
			return ret;
		}
	}
	return 0;
}

static int partial_pending(const struct ktls_reader *r)
{
	return r->end > r->ready || r->partial_alert_len;
}

/* RFC 8446 §5.1 per record: alert and handshake records are never empty (unexpected_message, as
 * OpenSSL answers), and an alert record holds exactly one alert (decode_error). */
static uint8_t tls13_record_rules(const struct ktls_reader *r, uint8_t record_type, size_t len)
{
	if (r->version != KTLS_TLS_1_3)
		return 0;
	if ((record_type == KTLS_RECORD_ALERT || record_type == KTLS_RECORD_HANDSHAKE) && len == 0)
		return KTLS_ALERT_UNEXPECTED_MESSAGE;
	if (record_type == KTLS_RECORD_ALERT && len != 2)
		return KTLS_ALERT_DECODE_ERROR;
	return 0;
}

/* One whole record's plaintext; `in_place` as for feed_handshake(). */
static int feed_record(struct ktls_reader *r, uint8_t record_type, const uint8_t *data, size_t len, int in_place)
{
	int ret;

	if (r->state == CLOSED)
		return 1;
	if (r->state == FAILED)
		return r->error;
	if (len > KTLS_RECORD_MAX && record_type != KTLS_RECORD_APPLICATION_DATA)
		return -ENOBUFS;
	uint8_t alert = tls13_record_rules(r, record_type, len);
	if (alert)
		return fail(r, -EPROTO, alert);

	switch (record_type) {
	case KTLS_RECORD_APPLICATION_DATA:
		/* Handshake messages and alerts may not be interleaved with other records. */
		ret = partial_pending(r) ? fail(r, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE) : 0;
		break;
	case KTLS_RECORD_HANDSHAKE:
		if (r->partial_alert_len)
			return fail(r, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE);
		return feed_handshake(r, data, len, in_place);
	case KTLS_RECORD_ALERT:
		ret = r->end > r->ready ? fail(r, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE) : feed_alert(r, data, len);
		break;
	default:
		/* change_cipher_spec after the handshake, or a type TLS does not define */
		ret = fail(r, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE);
		break;
	}
	release(r);
	return ret;
}

LIBKTLS_API int ktls_reader_feed(struct ktls_reader *r, uint8_t record_type, const void *data, size_t len)
{
	if (!r || (!data && len))
		return -EFAULT;
	return feed_record(r, record_type, data, len, 0);
}

LIBKTLS_API int ktls_reader_next_message(struct ktls_reader *r, uint8_t *type, const uint8_t **body,
					 size_t *body_len)
{
	if (!r || !type || !body || !body_len)
		return -EFAULT;
	if (r->ready == r->start)
		return 0;
	const uint8_t *hdr = r->buf + r->start;
	*type = hdr[0];
	*body_len = message_len(hdr);
	*body = hdr + KTLS_HANDSHAKE_HDR;
	r->start += KTLS_HANDSHAKE_HDR + *body_len;
	return 1;
}

LIBKTLS_API int ktls_reader_alert(const struct ktls_reader *r, struct ktls_alert *alert)
{
	if (!r || !alert)
		return -EFAULT;
	if (!r->have_alert)
		return 0;
	*alert = r->alert;
	return 1;
}

LIBKTLS_API int ktls_reader_alert_to_send(const struct ktls_reader *r, struct ktls_alert *alert)
{
	if (!r || !alert)
		return -EFAULT;
	if (!r->have_alert_to_send)
		return 0;
	*alert = r->alert_to_send;
	return 1;
}

int ktls_reader_peek_type(const struct ktls_reader *r)
{
	return r->ready > r->start ? r->buf[r->start] : -1;
}

int ktls_reader_has_more(const struct ktls_reader *r)
{
	return r->end > r->start || r->partial_alert_len;
}

/* The failed reader's error, after its fatal alert went out: once, without waiting (a full send
 * buffer leaves it for the next call). Without kTLS TX keys nothing is sent. */
int ktls_reader_failed(const struct ktls_sys *sys, struct ktls_reader *r, int fd)
{
	if (r->have_alert_to_send && !r->alert_sent) {
		const uint8_t a[2] = { r->alert_to_send.level, r->alert_to_send.description };
		ssize_t n = sys->send_record(sys->ctx, fd, KTLS_RECORD_ALERT, a, sizeof(a), MSG_DONTWAIT);
		r->alert_sent = n != -EAGAIN && n != -EINTR && n != -ENOBUFS && n != -ENOMEM;
	}
	return r->error;
}

int ktls_reader_abort(const struct ktls_sys *sys, struct ktls_reader *r, int fd, int error, uint8_t alert)
{
	fail(r, error, alert);
	return ktls_reader_failed(sys, r, fd);
}

/* The kernel's receive failed. A record that failed authentication (EBADMSG; it also sets the
 * socket's error, which refuses every send until it is read) or was too long (EMSGSIZE) ends the
 * connection with the alert RFC 8446 §5.2 and RFC 5246 §7.2.2 name; anything else changes
 * nothing (EAGAIN, EINTR, EKEYEXPIRED, ECONNRESET, ...). */
static ssize_t receive_failed(const struct ktls_sys *sys, struct ktls_reader *r, int fd, ssize_t n)
{
	release(r);
	if (n == -EBADMSG) {
		sys->clear_error(sys->ctx, fd);
		return ktls_reader_abort(sys, r, fd, -EBADMSG, KTLS_ALERT_BAD_RECORD_MAC);
	}
	if (n == -EMSGSIZE)
		return ktls_reader_abort(sys, r, fd, -EMSGSIZE, KTLS_ALERT_RECORD_OVERFLOW);
	return n;
}

/* The next record is a control record (or, behind a partial control message, any record): receive
 * it whole into the reader's buffer, so that RFC 8446 §5.1 is checked on whole records whatever
 * the caller's buffer. 0: consumed, read on; 1: close_notify; else the error. */
static ssize_t receive_control(const struct ktls_sys *sys, struct ktls_reader *r, int fd, int flags)
{
	uint8_t type;

	int ret = reserve(r, KTLS_RECORD_MAX); /* the record is gone from the kernel once received */
	if (ret < 0)
		return ret;
	/* Control records are consumed even when peeking, and one is all a receive waits for. */
	ssize_t n = sys->recv_record(sys->ctx, fd, r->buf + r->end, KTLS_RECORD_MAX, &type,
				     flags & ~(MSG_PEEK | MSG_WAITALL));
	if (n < 0)
		return receive_failed(sys, r, fd, n);
	if (n == 0 && type == 0) { /* the end of the stream (an empty record has its type) */
		int truncated = partial_pending(r);
		release(r);
		return fail(r, truncated ? -EPROTO : -EPIPE, NO_ALERT);
	}
	ret = feed_record(r, type, r->buf + r->end, (size_t)n, 1);
	if (ret < 0 && ret != -ENOMSG)
		return r->state == FAILED ? ktls_reader_failed(sys, r, fd) : ret;
	return ret == 1;
}

ssize_t ktls_reader_receive(const struct ktls_sys *sys, struct ktls_reader *r, int fd, void *buf, size_t len,
			    int flags, ssize_t received)
{
	for (;;) {
		if (r->state == CLOSED)
			return 0;
		if (r->state == FAILED)
			return ktls_reader_failed(sys, r, fd);
		if (r->ready > r->start)
			return -ENOMSG;
		release(r); /* every message was taken: an empty buffer must not take data */

		ssize_t n = received;
		received = KTLS_NOT_RECEIVED;
		if (n == KTLS_NOT_RECEIVED) { /* data may come; a control record stays queued (-EIO) */
			struct iovec v = { .iov_base = buf, .iov_len = len };
			n = ktls_reader_idle(r) ? sys->recv_data(sys->ctx, fd, &v, 1, flags) : -EIO;
		}
		if (n > 0)
			return n;
		if (n == 0)
			return fail(r, -EPIPE, NO_ALERT);
		if (n != -EIO)
			return receive_failed(sys, r, fd, n);
		if ((n = receive_control(sys, r, fd, flags)) != 0)
			return n == 1 ? 0 : n;
	}
}

LIBKTLS_API ssize_t ktls_reader_read(struct ktls_reader *r, int fd, void *buf, size_t len, int flags)
{
	if (!r || !buf)
		return -EFAULT;
	if (len == 0)
		return -EINVAL;
	return ktls_reader_receive(&ktls_sys_kernel, r, fd, buf, len, flags, KTLS_NOT_RECEIVED);
}
