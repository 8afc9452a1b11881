/* SPDX-License-Identifier: MIT */
#include "ktls-internal.h"

LIBKTLS_API const char *ktls_version(void)
{
	return LIBKTLS_VERSION_STRING;
}
