/* SPDX-License-Identifier: MIT */
/* The reader's state, for the library's own files: the connection's data path asks whether the
 * reader is idle without a call. */
#ifndef LIBKTLS_READER_H
#define LIBKTLS_READER_H

#include <stddef.h>
#include <stdint.h>

#include "ktls.h"

enum state { OPEN, CLOSED, FAILED };

struct ktls_reader {
	uint16_t version;
	enum state state;
	int error;               /* what every call returns once FAILED */
	int have_alert, have_alert_to_send;
	int alert_sent;          /* the alert to send went out, or never can */
	struct ktls_alert alert, alert_to_send;
	uint8_t partial_alert[2];
	size_t partial_alert_len;
	size_t max_message;
	/* Handshake bytes: [start, end) of buf (cap bytes, allocated only while it holds some);
	 * whole messages up to `ready` were announced. */
	size_t start, ready, end, cap;
	uint8_t *buf;
};

/* 1 when the reader is open and holds nothing: no buffer, no part of an alert. */
static inline int ktls_reader_idle(const struct ktls_reader *r)
{
	return r->state == OPEN && !r->buf && !r->partial_alert_len;
}

#endif
