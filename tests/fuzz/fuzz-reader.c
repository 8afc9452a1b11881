/* SPDX-License-Identifier: MIT */
/* Fuzz target for the reader (record reassembly, alert decoding). Input: a TLS version bit, then
 * chunks of [record type][length (2 bytes, at most KTLS_RECORD_MAX)][bytes]. Built as a libFuzzer
 * target with -fsanitize=fuzzer, or linked into tests that replay inputs. */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <ktls.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	struct ktls_reader *r = NULL;
	if (ktls_reader_new(data[0] & 1 ? KTLS_TLS_1_3 : KTLS_TLS_1_2, 4096, &r) < 0)
		return 0;
	size_t pos = 1;
	while (size - pos >= 3) {
		uint8_t type = data[pos];
		size_t len = ((size_t)data[pos + 1] << 8 | data[pos + 2]) % (KTLS_RECORD_MAX + 1);
		pos += 3;
		if (len > size - pos)
			len = size - pos;
		int ret = ktls_reader_feed(r, type, data + pos, len);
		pos += len;
		uint8_t t;
		const uint8_t *body;
		size_t body_len;
		struct ktls_alert a;
		volatile uint8_t sink = 0; /* touch every byte the reader hands out */
		while (ktls_reader_next_message(r, &t, &body, &body_len) == 1) {
			for (size_t i = 0; i < body_len; i++)
				sink ^= body[i];
			int requested;
			if (t == KTLS_HANDSHAKE_KEY_UPDATE && ktls_key_update_parse(body, body_len, &requested) == 0)
				sink ^= (uint8_t)requested;
		}
		if (ktls_reader_alert(r, &a) == 1 || ktls_reader_alert_to_send(r, &a) == 1)
			sink ^= a.description;
		if (ret == 1 || (ret < 0 && ret != -ENOMSG))
			break;
	}
	ktls_reader_free(r);
	return 0;
}
