/* SPDX-License-Identifier: MIT */
#include <openssl/crypto.h>

#include "ktls-internal.h"

void ktls_memzero(void *p, size_t n)
{
	if (n)
		OPENSSL_cleanse(p, n);
}

/* Zero the stack below the caller. libcrypto, and the dynamic linker's lazy binding (which saves
 * every vector register when it resolves a symbol), can leave key bytes in frames that are dead
 * once a call returns. */
__attribute__((noinline)) void ktls_stackzero(void)
{
	uint8_t area[32768];

	ktls_memzero(area, sizeof(area));
	__asm__ volatile("" : : "r"(area) : "memory");
}
