/* SPDX-License-Identifier: MIT */
/* Fuzz target for the /proc/net/tls_stat parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ktls.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ktls_stat stats[4];
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	ssize_t n = ktls_stat_parse(text, size, stats, 4);
	for (ssize_t i = 0; i < n && i < 4; i++)
		if (strlen(stats[i].name) >= sizeof(stats[i].name))
			abort();
	free(text);
	return 0;
}
