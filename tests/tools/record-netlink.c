/* SPDX-License-Identifier: MIT */
/* Records the raw netlink replies libktls parses, from the running kernel, as test data: sock_diag
 * for a kTLS socket (TX and RX software, zero-copy receive on, on 6.19+ a record size limit of 1000
 * bytes) and for a plain one, ethtool STRSET and FEATURES for an
 * interface, each asked with the library's own request. usage: record-netlink OUTDIR IFNAME */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <linux/ethtool_netlink.h>

#include "netlink.h"
#include "../common/net.h"

static FILE *out;

static int dump_cb(const struct nlmsghdr *nlh, void *data)
{
	(void)data;
	if (nlh->nlmsg_type == NLMSG_ERROR || nlh->nlmsg_type == NLMSG_DONE)
		return MNL_CB_OK;
	for (uint32_t i = 0; i < nlh->nlmsg_len; i++)
		fprintf(out, "%02x%s", ((const uint8_t *)nlh)[i], i % 32 == 31 ? "\n" : "");
	fprintf(out, "\n");
	return MNL_CB_OK;
}

static int record(const char *dir, const char *name, int bus, struct nlmsghdr *req)
{
	char path[512];

	if (!req)
		return -1;
	snprintf(path, sizeof(path), "%s/%s.hex", dir, name);
	out = fopen(path, "w");
	int r = ktls_nl_query(bus, req, dump_cb, NULL);
	fclose(out);
	printf("%s: %s\n", path, r < 0 ? strerror(-r) : "ok");
	return r;
}

int main(int argc, char **argv)
{
	static const uint8_t secret[32];
	const struct ktls_secrets s = { .secret = secret, .secret_len = 32 };
	char buf[512];
	uint16_t family;
	int c, p;

	if (argc != 3 || tcp_pair(&c, &p, 0) < 0)
		return 2;
	if (record(argv[1], "diag-plain", NETLINK_SOCK_DIAG, ktls_diag_lookup_request(buf, c)) < 0 ||
	    ktls_install(c, KTLS_DIR_TX, 0x1301, &s, 0) < 0 || ktls_install(c, KTLS_DIR_RX, 0x1301, &s, 0) < 0 ||
	    ktls_set_rx_expect_no_pad(c, 1) < 0 ||
	    /* TLS_TX_MAX_PAYLOAD_LEN 1000 where the kernel has it (6.19) */
	    (ktls_set_record_size_limit(c, KTLS_TLS_1_3, 1001) < 0 && kernel_version() >= 6019) ||
	    record(argv[1], "diag-tls13-aes128gcm-sw-sw", NETLINK_SOCK_DIAG, ktls_diag_lookup_request(buf, c)) < 0 ||
	    ktls_ethtool_family(&family) < 0 ||
	    record(argv[1], "ethtool-strset-features", NETLINK_GENERIC,
		   ktls_ethtool_request(buf, family, ETHTOOL_MSG_STRSET_GET, argv[2])) < 0 ||
	    record(argv[1], "ethtool-features", NETLINK_GENERIC,
		   ktls_ethtool_request(buf, family, ETHTOOL_MSG_FEATURES_GET, argv[2])) < 0)
		return 1;
	close(c);
	close(p);
	return 0;
}
