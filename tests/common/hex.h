/* SPDX-License-Identifier: MIT */
#ifndef KTLS_TEST_HEX_H
#define KTLS_TEST_HEX_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* Decode a hex string (spaces allowed) into out; returns the number of bytes. */
static inline size_t hex_decode(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;
	int hi = -1;

	for (; *hex && n < cap; hex++) {
		int v;
		if (*hex >= '0' && *hex <= '9')
			v = *hex - '0';
		else if (*hex >= 'a' && *hex <= 'f')
			v = *hex - 'a' + 10;
		else if (*hex >= 'A' && *hex <= 'F')
			v = *hex - 'A' + 10;
		else
			continue;
		if (hi < 0) {
			hi = v;
		} else {
			out[n++] = (uint8_t)(hi << 4 | v);
			hi = -1;
		}
	}
	return n;
}

#endif
