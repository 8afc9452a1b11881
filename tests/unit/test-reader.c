/* SPDX-License-Identifier: MIT */
/* The reader on crafted input: handshake reassembly at every split, several messages per record,
 * oversize and truncated messages, alert rules for TLS 1.2 and 1.3; the record-type cmsg parser;
 * and the fuzz entry point replayed on its seed corpus and on pseudo-random input. */
#include <dirent.h>
#include <errno.h>
#include <linux/tls.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <cmocka.h>

#include <ktls.h>
#include "../common/new-reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

/* Two NewSessionTickets (200 and 5 body bytes) and a KeyUpdate, back to back. */
static size_t build_stream(uint8_t *out)
{
	size_t n = 0;
	const size_t lens[] = { 200, 5, 1 };
	const uint8_t types[] = { 4, 4, 24 };

	for (int m = 0; m < 3; m++) {
		out[n++] = types[m];
		out[n++] = 0, out[n++] = (uint8_t)(lens[m] >> 8), out[n++] = (uint8_t)lens[m];
		for (size_t i = 0; i < lens[m]; i++)
			out[n++] = types[m] == 24 ? 1 : (uint8_t)(m * 50 + i);
	}
	return n;
}

static void expect_stream_messages(struct ktls_reader *r, int *seen)
{
	uint8_t type;
	const uint8_t *body;
	size_t len;

	while (ktls_reader_next_message(r, &type, &body, &len) == 1) {
		switch (*seen) {
		case 0:
		case 1:
			assert_int_equal(type, KTLS_HANDSHAKE_NEW_SESSION_TICKET);
			assert_int_equal(len, *seen == 0 ? 200 : 5);
			for (size_t i = 0; i < len; i++)
				assert_int_equal(body[i], (uint8_t)(*seen * 50 + i));
			break;
		case 2: {
			int requested;
			assert_int_equal(type, KTLS_HANDSHAKE_KEY_UPDATE);
			assert_int_equal(ktls_key_update_parse(body, len, &requested), 0);
			assert_int_equal(requested, 1);
			break;
		}
		default:
			fail_msg("more messages than were sent");
		}
		(*seen)++;
	}
}

/* One handshake record of n bytes; TLS 1.3 has no empty ones, so none is fed. */
static void feed_expect(struct ktls_reader *r, const uint8_t *p, size_t n, int *seen)
{
	if (n == 0)
		return;
	int ret = ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, p, n);
	assert_true(ret == 0 || ret == -ENOMSG);
	if (ret == -ENOMSG)
		expect_stream_messages(r, seen);
}

static void test_every_split_point(void **state)
{
	uint8_t stream[512];
	size_t n = build_stream(stream);

	(void)state;
	for (size_t a = 0; a <= n; a++) {
		for (size_t b = a; b <= n; b += 7) {
			struct ktls_reader *r = new_reader(KTLS_TLS_1_3, 0);
			int seen = 0;
			assert_non_null(r);
			feed_expect(r, stream, a, &seen);
			feed_expect(r, stream + a, b - a, &seen);
			feed_expect(r, stream + b, n - b, &seen);
			assert_int_equal(seen, 3);
			/* application data after whole messages is fine */
			assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_APPLICATION_DATA, "x", 1), 0);
			ktls_reader_free(r);
		}
	}
}

static void test_one_byte_records(void **state)
{
	uint8_t stream[512];
	size_t n = build_stream(stream);
	struct ktls_reader *r = new_reader(KTLS_TLS_1_3, 0);
	int seen = 0;

	(void)state;
	for (size_t i = 0; i < n; i++)
		feed_expect(r, stream + i, 1, &seen);
	assert_int_equal(seen, 3);
	ktls_reader_free(r);
}

static void test_many_messages_in_one_record(void **state)
{
	uint8_t rec[KTLS_RECORD_MAX];
	size_t n = 0;
	struct ktls_reader *r = new_reader(KTLS_TLS_1_3, 0);
	uint8_t type;
	const uint8_t *body;
	size_t len;
	int count = 0;

	(void)state;
	while (n + 5 <= sizeof(rec)) {
		rec[n++] = 24, rec[n++] = 0, rec[n++] = 0, rec[n++] = 1, rec[n++] = (uint8_t)(count++ & 1);
	}
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, rec, n), -ENOMSG);
	/* not drained: the next record is refused, nothing is lost */
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, rec, 5), -ENOBUFS);
	for (int i = 0; i < count; i++) {
		int requested;
		assert_int_equal(ktls_reader_next_message(r, &type, &body, &len), 1);
		assert_int_equal(type, 24);
		assert_int_equal(ktls_key_update_parse(body, len, &requested), 0);
		assert_int_equal(requested, i & 1);
	}
	assert_int_equal(ktls_reader_next_message(r, &type, &body, &len), 0);
	ktls_reader_free(r);
}

static void test_message_at_the_limit_and_over(void **state)
{
	static uint8_t rec[KTLS_RECORD_MAX];
	struct ktls_reader *r = new_reader(KTLS_TLS_1_3, 20000);
	struct ktls_alert a;
	uint8_t type;
	const uint8_t *body;
	size_t len;

	(void)state;
	/* a 20000-byte ticket over two records */
	rec[0] = 4, rec[1] = 0, rec[2] = 20000 >> 8, rec[3] = 20000 & 0xFF;
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, rec, sizeof(rec)), 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, rec, 20004 - sizeof(rec)), -ENOMSG);
	assert_int_equal(ktls_reader_next_message(r, &type, &body, &len), 1);
	assert_int_equal(len, 20000);
	/* one byte over the limit, known from the header alone */
	rec[1] = 0, rec[2] = 20001 >> 8, rec[3] = 20001 & 0xFF;
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, rec, 4), -EMSGSIZE);
	assert_int_equal(ktls_reader_alert_to_send(r, &a), 1);
	assert_int_equal(a.level, KTLS_ALERT_LEVEL_FATAL);
	assert_int_equal(a.description, KTLS_ALERT_DECODE_ERROR);
	/* sticky */
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_APPLICATION_DATA, "x", 1), -EMSGSIZE);
	ktls_reader_free(r);

	r = new_reader(KTLS_TLS_1_3, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, rec, KTLS_RECORD_MAX + 1), -ENOBUFS);
	/* application data comes several records at a time: no bound */
	static uint8_t data[4 * KTLS_RECORD_MAX];
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_APPLICATION_DATA, data, sizeof(data)), 0);
	rec[0] = 4, rec[1] = 0xFF, rec[2] = 0xFF, rec[3] = 0xFF; /* 2^24 - 1 */
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, rec, 4), -EMSGSIZE);
	ktls_reader_free(r);
}

static void test_interleaving_and_truncation(void **state)
{
	const uint8_t nst_head[3] = { 4, 0, 0 };
	struct ktls_alert a;

	(void)state;
	/* a header cut short, then application data: unexpected_message */
	struct ktls_reader *r = new_reader(KTLS_TLS_1_3, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, nst_head, 3), 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_APPLICATION_DATA, "x", 1), -EPROTO);
	assert_int_equal(ktls_reader_alert_to_send(r, &a), 1);
	assert_int_equal(a.description, KTLS_ALERT_UNEXPECTED_MESSAGE);
	ktls_reader_free(r);

	/* an alert inside a partial handshake message */
	r = new_reader(KTLS_TLS_1_3, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, nst_head, 3), 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_ALERT, "\x01\x00", 2), -EPROTO);
	ktls_reader_free(r);

	/* change_cipher_spec and unknown types after the handshake */
	static const uint8_t bad_types[] = { 20, 0, 24, 255 };
	for (size_t i = 0; i < sizeof(bad_types); i++) {
		r = new_reader(i & 1 ? KTLS_TLS_1_2 : KTLS_TLS_1_3, 0);
		assert_int_equal(ktls_reader_feed(r, bad_types[i], "\x01", 1), -EPROTO);
		assert_int_equal(ktls_reader_alert_to_send(r, &a), 1);
		assert_int_equal(a.description, KTLS_ALERT_UNEXPECTED_MESSAGE);
		ktls_reader_free(r);
	}
}

static void test_which_messages_are_allowed(void **state)
{
	const uint8_t cert_req[] = { 13, 0, 0, 1, 0 }, nst[] = { 4, 0, 0, 1, 7 }, hello_req[] = { 0, 0, 0, 0 };
	struct ktls_alert a;
	uint8_t type;
	const uint8_t *body;
	size_t len;

	(void)state;
	struct ktls_reader *r = new_reader(KTLS_TLS_1_3, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, cert_req, sizeof(cert_req)), -EPROTO);
	assert_int_equal(ktls_reader_alert_to_send(r, &a), 1);
	assert_int_equal(a.description, KTLS_ALERT_UNEXPECTED_MESSAGE);
	ktls_reader_free(r);

	r = new_reader(KTLS_TLS_1_2, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, nst, sizeof(nst)), -EPROTO);
	ktls_reader_free(r);

	r = new_reader(KTLS_TLS_1_2, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_HANDSHAKE, hello_req, sizeof(hello_req)), -ENOMSG);
	assert_int_equal(ktls_reader_next_message(r, &type, &body, &len), 1);
	assert_int_equal(type, KTLS_HANDSHAKE_HELLO_REQUEST);
	assert_int_equal(len, 0);
	assert_int_equal(ktls_reader_alert_to_send(r, &a), 0);
	ktls_reader_free(r);
}

static void test_alerts(void **state)
{
	struct ktls_alert a;

	(void)state;
	/* close_notify, split over two records (TLS 1.2 allows it): orderly end, sticky */
	struct ktls_reader *r = new_reader(KTLS_TLS_1_2, 0);
	assert_int_equal(ktls_reader_alert(r, &a), 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_ALERT, "\x01", 1), 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_ALERT, "\x00", 1), 1);
	assert_int_equal(ktls_reader_alert(r, &a), 1);
	assert_int_equal(a.description, KTLS_ALERT_CLOSE_NOTIFY);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_APPLICATION_DATA, "x", 1), 1);
	assert_int_equal(ktls_reader_alert_to_send(r, &a), 0);
	ktls_reader_free(r);

	/* a fatal alert */
	r = new_reader(KTLS_TLS_1_3, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_ALERT, "\x02\x28", 2), -ECONNABORTED);
	assert_int_equal(ktls_reader_alert(r, &a), 1);
	assert_int_equal(a.level, KTLS_ALERT_LEVEL_FATAL);
	assert_string_equal(ktls_alert_name(a.description), "handshake_failure");
	assert_int_equal(ktls_reader_alert_to_send(r, &a), 0); /* never answer an alert */
	ktls_reader_free(r);

	/* user_canceled goes on, then close_notify ends */
	r = new_reader(KTLS_TLS_1_3, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_ALERT, "\x01\x5a", 2), 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_APPLICATION_DATA, "x", 1), 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_ALERT, "\x01\x00", 2), 1);
	ktls_reader_free(r);

	/* a warning: TLS 1.2 goes on, TLS 1.3 ends (RFC 8446 §6) */
	r = new_reader(KTLS_TLS_1_2, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_ALERT, "\x01\x64", 2), 0);
	assert_int_equal(ktls_reader_alert(r, &a), 1);
	assert_string_equal(ktls_alert_name(a.description), "no_renegotiation");
	ktls_reader_free(r);
	r = new_reader(KTLS_TLS_1_3, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_ALERT, "\x01\x64", 2), -ECONNABORTED);
	ktls_reader_free(r);

	/* malformed: level 3; bytes after close_notify in the same record */
	r = new_reader(KTLS_TLS_1_3, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_ALERT, "\x03\x28", 2), -EPROTO);
	assert_int_equal(ktls_reader_alert_to_send(r, &a), 1);
	assert_int_equal(a.description, KTLS_ALERT_ILLEGAL_PARAMETER);
	ktls_reader_free(r);
	r = new_reader(KTLS_TLS_1_3, 0);
	assert_int_equal(ktls_reader_feed(r, KTLS_RECORD_ALERT, "\x01\x00\x01", 3), -EPROTO);
	ktls_reader_free(r);
}

/* RFC 8446 §5.1, TLS 1.3 only: one alert per alert record, no empty handshake records. */
static void test_tls13_record_rules(void **state)
{
	static const struct {
		uint8_t type;
		const char *bytes;
		size_t len;
		uint8_t alert;
	} bad[] = {
		{ KTLS_RECORD_ALERT, "\x01", 1, KTLS_ALERT_DECODE_ERROR },                  /* fragmented */
		{ KTLS_RECORD_ALERT, "\x01\x5a\x01\x00", 4, KTLS_ALERT_DECODE_ERROR },     /* coalesced */
		{ KTLS_RECORD_ALERT, "", 0, KTLS_ALERT_UNEXPECTED_MESSAGE },                /* empty: as OpenSSL */
		{ KTLS_RECORD_HANDSHAKE, "", 0, KTLS_ALERT_UNEXPECTED_MESSAGE },            /* empty */
	};
	struct ktls_alert a;

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		struct ktls_reader *r = new_reader(KTLS_TLS_1_3, 0);
		assert_int_equal(ktls_reader_feed(r, bad[i].type, bad[i].bytes, bad[i].len), -EPROTO);
		assert_int_equal(ktls_reader_alert_to_send(r, &a), 1);
		assert_int_equal(a.level, KTLS_ALERT_LEVEL_FATAL);
		assert_int_equal(a.description, bad[i].alert);
		assert_int_equal(ktls_reader_alert(r, &a), 0); /* nothing was taken as the peer's alert */
		ktls_reader_free(r);

		/* TLS 1.2 keeps its rules: fragments and empty records are no error */
		r = new_reader(KTLS_TLS_1_2, 0);
		int ret = ktls_reader_feed(r, bad[i].type, bad[i].bytes, bad[i].len);
		if (bad[i].len == 4)
			assert_int_equal(ret, 1); /* user_canceled is a warning, then close_notify */
		else
			assert_int_equal(ret, 0);
		ktls_reader_free(r);
	}
}

static void test_api_errors_and_names(void **state)
{
	int requested = 7;
	uint8_t t;

	(void)state;
	struct ktls_reader *none = NULL;
	assert_int_equal(ktls_reader_new(0x0302, 0, &none), -EINVAL);
	assert_null(none);
	assert_int_equal(ktls_reader_new(KTLS_TLS_1_3, 1u << 24, &none), -EINVAL);
	assert_int_equal(ktls_reader_new(KTLS_TLS_1_3, 0, NULL), -EFAULT);
	struct ktls_reader *r = new_reader(KTLS_TLS_1_3, 0);
	assert_int_equal(ktls_reader_feed(NULL, 22, "x", 1), -EFAULT);
	assert_int_equal(ktls_reader_feed(r, 22, NULL, 1), -EFAULT);
	assert_int_equal(ktls_reader_next_message(r, NULL, NULL, NULL), -EFAULT);
	assert_int_equal(ktls_reader_alert(NULL, NULL), -EFAULT);
	ktls_reader_free(r);
	ktls_reader_free(NULL);

	assert_int_equal(ktls_key_update_parse((const uint8_t *)"\x02", 1, &requested), -EPROTO);
	assert_int_equal(ktls_key_update_parse((const uint8_t *)"\x00\x00", 2, &requested), -EPROTO);
	assert_int_equal(ktls_key_update_parse((const uint8_t *)"", 0, &requested), -EPROTO);
	assert_int_equal(requested, 7);
	assert_int_equal(ktls_key_update_parse((const uint8_t *)"\x00", 1, &requested), 0);
	assert_int_equal(requested, 0);

	assert_string_equal(ktls_alert_name(KTLS_ALERT_CLOSE_NOTIFY), "close_notify");
	assert_string_equal(ktls_alert_name(KTLS_ALERT_BAD_RECORD_MAC), "bad_record_mac");
	assert_string_equal(ktls_alert_name(KTLS_ALERT_NO_APPLICATION_PROTOCOL), "no_application_protocol");
	assert_string_equal(ktls_alert_name(3), "unknown");

	/* the record-type cmsg, among others */
	union {
		char buf[CMSG_SPACE(sizeof(int)) + CMSG_SPACE(1)];
		struct cmsghdr align;
	} u;
	memset(&u, 0, sizeof(u));
	struct msghdr msg = { .msg_control = u.buf, .msg_controllen = sizeof(u.buf) };
	struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
	c->cmsg_level = SOL_SOCKET, c->cmsg_type = SCM_RIGHTS, c->cmsg_len = CMSG_LEN(sizeof(int));
	assert_int_equal(ktls_cmsg_record_type(u.buf, CMSG_SPACE(sizeof(int)), &t), 0);
	c = CMSG_NXTHDR(&msg, c);
	c->cmsg_level = SOL_TLS, c->cmsg_type = TLS_GET_RECORD_TYPE, c->cmsg_len = CMSG_LEN(1);
	*CMSG_DATA(c) = 21;
	assert_int_equal(ktls_cmsg_record_type(u.buf, sizeof(u.buf), &t), 1);
	assert_int_equal(t, 21);
	assert_int_equal(ktls_cmsg_record_type(NULL, 0, &t), 0);
	assert_int_equal(ktls_cmsg_record_type(NULL, 4, &t), -EFAULT);

	/* Headers are checked against the buffer's length, not trusted: a buffer of exactly one
	 * header whose cmsg_len claims a data byte (a 1-byte heap over-read before), a length past
	 * the end, a length shorter than a header, and a valid one after a truncated one. */
	struct cmsghdr h = { .cmsg_len = CMSG_LEN(1), .cmsg_level = SOL_TLS, .cmsg_type = TLS_GET_RECORD_TYPE };
	uint8_t *exact = malloc(sizeof(h));
	assert_non_null(exact);
	memcpy(exact, &h, sizeof(h));
	assert_int_equal(ktls_cmsg_record_type(exact, sizeof(h), &t), -EINVAL);
	free(exact);
	c = CMSG_FIRSTHDR(&msg);
	c->cmsg_len = sizeof(u.buf) + 1;
	assert_int_equal(ktls_cmsg_record_type(u.buf, sizeof(u.buf), &t), -EINVAL);
	c->cmsg_len = sizeof(struct cmsghdr) - 1;
	assert_int_equal(ktls_cmsg_record_type(u.buf, sizeof(u.buf), &t), -EINVAL);
	c->cmsg_len = CMSG_LEN(sizeof(int));
	t = 0;
	assert_int_equal(ktls_cmsg_record_type(u.buf, sizeof(u.buf), &t), 1);
	assert_int_equal(t, 21);
	assert_int_equal(ktls_cmsg_record_type(u.buf, CMSG_SPACE(sizeof(int)) + CMSG_LEN(0), &t), -EINVAL);
}

static void test_fuzz_entry_replay(void **state)
{
	const char *dir = getenv("KTLS_FUZZ_CORPUS");
	uint8_t buf[4096];
	int files = 0;

	(void)state;
	assert_non_null(dir);
	DIR *d = opendir(dir);
	assert_non_null(d);
	for (struct dirent *e; (e = readdir(d));) {
		char path[1024];
		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		FILE *f = fopen(path, "rb");
		assert_non_null(f);
		size_t n = fread(buf, 1, sizeof(buf), f);
		fclose(f);
		assert_int_equal(LLVMFuzzerTestOneInput(buf, n), 0);
		files++;
	}
	closedir(d);
	assert_true(files >= 4);

	/* deterministic pseudo-random inputs, biased towards valid record types */
	uint64_t x = 0x1234567;
	for (int i = 0; i < 20000; i++) {
		size_t n = 1 + (size_t)(x % 200);
		for (size_t j = 0; j < n; j++) {
			x ^= x << 13, x ^= x >> 7, x ^= x << 17;
			buf[j] = (uint8_t)x;
			if (j % 7 == 1)
				buf[j] = (uint8_t)(20 + x % 4);
			if (j % 7 == 2)
				buf[j] = 0;
		}
		assert_int_equal(LLVMFuzzerTestOneInput(buf, n), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_split_point),
		cmocka_unit_test(test_one_byte_records),
		cmocka_unit_test(test_many_messages_in_one_record),
		cmocka_unit_test(test_message_at_the_limit_and_over),
		cmocka_unit_test(test_interleaving_and_truncation),
		cmocka_unit_test(test_which_messages_are_allowed),
		cmocka_unit_test(test_alerts),
		cmocka_unit_test(test_tls13_record_rules),
		cmocka_unit_test(test_api_errors_and_names),
		cmocka_unit_test(test_fuzz_entry_replay),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
