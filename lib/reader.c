/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "ktls-internal.h"
#include "reader.h"

#define DEFAULT_HANDSHAKE_MAX 16384
#define HANDSHAKE_LEN_MAX ((1u << 24) - 1)

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

void ktls_reader_release(struct ktls_reader *r)
{
	if (r->buf && r->end == r->start)
		drop_buffer(r);
}

/* The most the buffer holds: a partial message of the largest size, plus one more record. */
static size_t buffer_limit(const struct ktls_reader *r)
{
	return KTLS_HANDSHAKE_HDR + r->max_message + KTLS_RECORD_MAX;
}

int ktls_reader_reserve(struct ktls_reader *r, size_t incoming)
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
	if (alert_to_send != 0xFF) {
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

static int feed_handshake(struct ktls_reader *r, const uint8_t *data, size_t len)
{
	if (r->ready > r->start)
		return -ENOBUFS; /* announced messages not taken yet */
	int ret = ktls_reader_reserve(r, len);
	if (ret < 0)
		return ret;
	if (len)
		memcpy(r->buf + r->end, data, len);
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
	return fail(r, -ECONNABORTED, 0xFF);
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

/* RFC 8446 §5.1: a TLS 1.3 alert record holds exactly one alert (neither fragmented nor
 * coalesced), and handshake records are never empty. `whole`: data is the entire record, not a
 * piece that a short receive buffer cut from it. */
static int tls13_record_rules(const struct ktls_reader *r, uint8_t record_type, size_t len, int whole)
{
	if (r->version != KTLS_TLS_1_3)
		return 0;
	if (record_type == KTLS_RECORD_ALERT && (r->partial_alert_len + len > 2 || (whole && len != 2)))
		return KTLS_ALERT_DECODE_ERROR;
	if (record_type == KTLS_RECORD_HANDSHAKE && len == 0)
		return KTLS_ALERT_UNEXPECTED_MESSAGE;
	return 0;
}

LIBKTLS_API int ktls_reader_feed(struct ktls_reader *r, uint8_t record_type, const void *data, size_t len)
{
	return ktls_reader_feed_part(r, record_type, data, len, 1);
}

int ktls_reader_feed_part(struct ktls_reader *r, uint8_t record_type, const void *data, size_t len, int whole)
{
	if (!r || (!data && len))
		return -EFAULT;
	if (r->state == CLOSED)
		return 1;
	if (r->state == FAILED)
		return r->error;
	if (record_type != KTLS_RECORD_HANDSHAKE) /* a handshake record may use the room reserved for it */
		ktls_reader_release(r);
	if (len > KTLS_RECORD_MAX && record_type != KTLS_RECORD_APPLICATION_DATA)
		return -ENOBUFS;
	uint8_t alert = (uint8_t)tls13_record_rules(r, record_type, len, whole);
	if (alert)
		return fail(r, -EPROTO, alert);

	switch (record_type) {
	case KTLS_RECORD_APPLICATION_DATA:
		/* Handshake messages and alerts may not be interleaved with other records. */
		return partial_pending(r) ? fail(r, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE) : 0;
	case KTLS_RECORD_HANDSHAKE:
		if (r->partial_alert_len)
			return fail(r, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE);
		return feed_handshake(r, data, len);
	case KTLS_RECORD_ALERT:
		if (r->end > r->ready)
			return fail(r, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE);
		return feed_alert(r, data, len);
	default:
		/* change_cipher_spec after the handshake, or a type TLS does not define */
		return fail(r, -EPROTO, KTLS_ALERT_UNEXPECTED_MESSAGE);
	}
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

int ktls_reader_fail(struct ktls_reader *r, int error, uint8_t alert_to_send)
{
	return fail(r, error, alert_to_send);
}

int ktls_reader_peek_type(const struct ktls_reader *r)
{
	return r->ready > r->start ? r->buf[r->start] : -1;
}

int ktls_reader_has_more(const struct ktls_reader *r)
{
	return r->end > r->start || r->partial_alert_len;
}

LIBKTLS_API ssize_t ktls_reader_read(struct ktls_reader *r, int fd, void *buf, size_t len, int flags)
{
	return ktls_reader_read_sys(&ktls_sys_kernel, r, fd, buf, len, flags);
}

ssize_t ktls_reader_take(const struct ktls_sys *sys, struct ktls_reader *r, int fd, void *buf, size_t len,
			 int flags, uint8_t type, ssize_t n, int *again)
{
	*again = 0;
	if (n < 0)
		return n;
	if (n == 0)
		return fail(r, partial_pending(r) ? -EPROTO : -EPIPE, 0xFF);
	if (type == KTLS_RECORD_APPLICATION_DATA) {
		int ret = ktls_reader_feed(r, type, buf, (size_t)n);
		return ret < 0 ? ret : n;
	}
	/* A control record that filled the buffer may go on in the next receive. */
	int whole = (size_t)n < len;
	if (flags & MSG_PEEK) {
		/* Control records are consumed even when peeking: take what was peeked. */
		n = sys->recv_record(sys->ctx, fd, buf, (size_t)n, &type, flags & ~MSG_PEEK);
		if (n <= 0)
			return n < 0 ? n : fail(r, -EPIPE, 0xFF);
	}
	int ret = ktls_reader_feed_part(r, type, buf, (size_t)n, whole);
	if (ret == 1)
		return 0;
	if (ret < 0)
		return ret;
	*again = 1;
	return 0;
}

ssize_t ktls_reader_read_control(const struct ktls_sys *sys, struct ktls_reader *r, int fd, void *buf, size_t len,
				 int flags, int *again)
{
	uint8_t type;

	*again = 0;
	/* Room first: a control record received is gone from the kernel, so it must fit. */
	int ret = ktls_reader_reserve(r, len < KTLS_RECORD_MAX ? len : KTLS_RECORD_MAX);
	if (ret < 0)
		return ret;
	ssize_t n = sys->recv_record(sys->ctx, fd, buf, len, &type, flags);
	return ktls_reader_take(sys, r, fd, buf, len, flags, type, n, again);
}

ssize_t ktls_reader_read_sys(const struct ktls_sys *sys, struct ktls_reader *r, int fd, void *buf, size_t len,
		      int flags)
{
	if (!r || !buf)
		return -EFAULT;
	if (len == 0)
		return -EINVAL;

	for (;;) {
		if (r->state == CLOSED)
			return 0;
		if (r->state == FAILED)
			return r->error;
		if (r->ready > r->start)
			return -ENOMSG;
		ktls_reader_release(r);

		int again;
		ssize_t n = -EIO;
		if (ktls_reader_idle(r)) /* data may come; a control record stays queued (-EIO) */
			n = sys->recv_data(sys->ctx, fd, buf, len, flags);
		if (n == -EIO)
			n = ktls_reader_read_control(sys, r, fd, buf, len, flags, &again);
		else
			n = ktls_reader_take(sys, r, fd, buf, len, flags, KTLS_RECORD_APPLICATION_DATA, n, &again);
		if (!again)
			return n;
	}
}
