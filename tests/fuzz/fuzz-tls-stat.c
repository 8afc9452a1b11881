/* SPDX-License-Identifier: MIT */
/* Fuzz target for the /proc/net/tls_stat parser and the record-type cmsg parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <ktls.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ktls_stat stats[4];
	uint8_t type;
	char *text = malloc(size ? size : 1);

	if (!text)
		return 0;
	memcpy(text, data, size);
	ssize_t n = ktls_stat_parse(text, size, stats, 4);
	for (ssize_t i = 0; i < n && i < 4; i++)
		if (strlen(stats[i].name) >= sizeof(stats[i].name))
			abort();
	free(text);
	/* the same bytes as a control-message buffer of exactly their length (malloc aligns as
	 * msg_control is), so that a read past control_len is a sanitizer report */
	void *control = malloc(size ? size : 1);
	if (control) {
		memcpy(control, data, size);
		volatile int r = ktls_cmsg_record_type(control, size, &type);
		(void)r;
		free(control);
	}
	return 0;
}
