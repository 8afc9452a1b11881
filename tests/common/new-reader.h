/* SPDX-License-Identifier: MIT */
/* A reader that must be created: for tests whose subject is what it does, not its creation.
 * Include after <cmocka.h>. */
#ifndef KTLS_TEST_NEW_READER_H
#define KTLS_TEST_NEW_READER_H

#include <ktls.h>

static inline struct ktls_reader *new_reader(uint16_t tls_version, size_t max_handshake_len)
{
	struct ktls_reader *r = NULL;

	assert_int_equal(ktls_reader_new(tls_version, max_handshake_len, &r), 0);
	assert_non_null(r);
	return r;
}

#endif
