/* SPDX-License-Identifier: MIT */
/* Records the raw netlink replies libktls parses, from the running kernel, as test data:
 * sock_diag for a kTLS socket (TX and RX software) and for a plain one, ethtool STRSET and
 * FEATURES for an interface. usage: record-netlink OUTDIR IFNAME */
#include <errno.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

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

static void record(const char *dir, const char *name, int bus, struct nlmsghdr *req)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%s.hex", dir, name);
	out = fopen(path, "w");
	int r = ktls_nl_query(bus, req, dump_cb, NULL);
	fclose(out);
	printf("%s: %s\n", path, r < 0 ? strerror(-r) : "ok");
}

static void diag(const char *dir, const char *name, int fd)
{
	char buf[512];
	struct sockaddr_in l, p;
	socklen_t len = sizeof(l);
	uint64_t cookie;
	socklen_t clen = sizeof(cookie);

	getsockname(fd, (struct sockaddr *)&l, &len);
	len = sizeof(p);
	getpeername(fd, (struct sockaddr *)&p, &len);
	getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &clen);
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = AF_INET;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_ext = 1 << (INET_DIAG_INFO - 1);
	req->idiag_states = ~0u;
	memcpy(req->id.idiag_src, &l.sin_addr, 4);
	memcpy(req->id.idiag_dst, &p.sin_addr, 4);
	req->id.idiag_sport = l.sin_port;
	req->id.idiag_dport = p.sin_port;
	req->id.idiag_cookie[0] = (uint32_t)cookie;
	req->id.idiag_cookie[1] = (uint32_t)(cookie >> 32);
	record(dir, name, NETLINK_SOCK_DIAG, nlh);
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID)
			*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

static struct nlmsghdr *ethtool_req(char *buf, uint16_t family, uint8_t cmd, uint16_t hdr_attr, const char *ifname)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = ETHTOOL_GENL_VERSION;
	struct nlattr *h = mnl_attr_nest_start(nlh, hdr_attr);
	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, ifname);
	mnl_attr_nest_end(nlh, h);
	return nlh;
}

int main(int argc, char **argv)
{
	static const uint8_t secret[32];
	const struct ktls_secrets s = { .secret = secret, .secret_len = 32 };
	char buf[512];
	uint16_t family = 0;
	int c, p;

	if (argc != 3)
		return 2;
	tcp_pair(&c, &p, 0);
	diag(argv[1], "diag-plain", c);
	if (ktls_install(c, KTLS_DIR_TX, 0x1301, &s, 0) < 0 || ktls_install(c, KTLS_DIR_RX, 0x1301, &s, 0) < 0)
		return 1;
	diag(argv[1], "diag-tls13-aes128gcm-sw-sw", c);

	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME);
	ktls_nl_query(NETLINK_GENERIC, nlh, family_cb, &family);

	nlh = ethtool_req(buf, family, ETHTOOL_MSG_STRSET_GET, ETHTOOL_A_STRSET_HEADER, argv[2]);
	struct nlattr *sets = mnl_attr_nest_start(nlh, ETHTOOL_A_STRSET_STRINGSETS);
	struct nlattr *set = mnl_attr_nest_start(nlh, ETHTOOL_A_STRINGSETS_STRINGSET);
	mnl_attr_put_u32(nlh, ETHTOOL_A_STRINGSET_ID, ETH_SS_FEATURES);
	mnl_attr_nest_end(nlh, set);
	mnl_attr_nest_end(nlh, sets);
	record(argv[1], "ethtool-strset-features", NETLINK_GENERIC, nlh);
	record(argv[1], "ethtool-features", NETLINK_GENERIC,
	       ethtool_req(buf, family, ETHTOOL_MSG_FEATURES_GET, ETHTOOL_A_FEATURES_HEADER, argv[2]));
	close(c);
	close(p);
	return 0;
}
