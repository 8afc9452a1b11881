/* SPDX-License-Identifier: MIT */
#include <openssl/crypto.h>

#include "ktls-internal.h"

void ktls_memzero(void *p, size_t n)
{
	if (n)
		OPENSSL_cleanse(p, n);
}
