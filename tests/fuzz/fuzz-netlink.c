/* SPDX-License-Identifier: MIT */
/* Fuzz target for the netlink reply parsers (sock_diag, ethtool FEATURES and STRSET): the input is
 * one netlink message, laid out as netlink would in a receive buffer. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "netlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < sizeof(struct nlmsghdr) || size > 1 << 20)
		return 0;
	uint8_t *msg = calloc(1, MNL_ALIGN(size));
	if (!msg)
		return 0;
	memcpy(msg, data, size);
	struct nlmsghdr *nlh = (struct nlmsghdr *)msg;
	nlh->nlmsg_len = (uint32_t)size;
	struct ktls_diag_socket e;
	uint8_t flags[KTLS_FEAT_COUNT] = { 0 };
	volatile int sink = ktls_diag_parse(nlh, &e);
	sink += ktls_ethtool_parse_features(nlh, flags);
	sink += ktls_ethtool_parse_strset(nlh, flags);
	(void)sink;
	free(msg);
	return 0;
}
