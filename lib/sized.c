/* SPDX-License-Identifier: MIT */
#include <string.h>

#include "ktls-internal.h"

void ktls_sized_copy_out(void *dst, const void *src, size_t src_size)
{
	size_t dst_size;

	memcpy(&dst_size, dst, sizeof(dst_size));
	/* Nothing past what both know is written: a caller's sz is not trusted to size a write. */
	memcpy(dst, src, dst_size < src_size ? dst_size : src_size);
	memcpy(dst, &dst_size, sizeof(dst_size)); /* sz stays the caller's */
}
