/* SPDX-License-Identifier: MIT */
/* Fuzz target for ktls_cmsg_record_type() over a control buffer of exactly the input's length
 * (malloc aligns as msg_control is), so any read past control_len is a sanitizer report. When
 * it finds a record type, that type must be in a TLS_GET_RECORD_TYPE header that fits. */
#include <linux/tls.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <ktls.h>

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *control = malloc(size ? size : 1);
	uint8_t type;

	if (!control)
		return 0;
	memcpy(control, data, size);
	if (ktls_cmsg_record_type(control, size, &type) == 1) {
		/* some header in bounds carried it */
		int found = 0;
		for (size_t off = 0; !found && size - off >= sizeof(struct cmsghdr);) {
			struct cmsghdr c;
			memcpy(&c, control + off, sizeof(c));
			if (c.cmsg_len < sizeof(c) || c.cmsg_len > size - off)
				break;
			found = c.cmsg_level == SOL_TLS && c.cmsg_type == TLS_GET_RECORD_TYPE &&
				c.cmsg_len >= CMSG_LEN(1) && control[off + CMSG_LEN(0)] == type;
			if (CMSG_ALIGN(c.cmsg_len) >= size - off)
				break;
			off += CMSG_ALIGN(c.cmsg_len);
		}
		if (!found)
			abort();
	}
	free(control);
	return 0;
}
