/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/ethtool.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/rtnetlink.h>
#include <linux/sockios.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "netlink.h"

const char *const ktls_feature_names[KTLS_FEAT_COUNT] = {
	"tls-hw-tx-offload", "tls-hw-rx-offload", "tls-hw-record",
};

static int feature_index(const char *name)
{
	for (int i = 0; i < KTLS_FEAT_COUNT; i++)
		if (strcmp(name, ktls_feature_names[i]) == 0)
			return i;
	return -1;
}

/* ---- generic netlink "ethtool" ---- */

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr))
		if (mnl_attr_get_type(a) == CTRL_ATTR_FAMILY_ID && mnl_attr_validate(a, MNL_TYPE_U16) == 0)
			*(uint16_t *)data = mnl_attr_get_u16(a);
	return MNL_CB_OK;
}

int ktls_ethtool_family(uint16_t *id)
{
	char buf[256] = { 0 };
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);

	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = CTRL_CMD_GETFAMILY;
	g->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, ETHTOOL_GENL_NAME);
	*id = 0;
	int r = ktls_nl_query(NETLINK_GENERIC, nlh, family_cb, id);
	return r < 0 ? r : *id ? 0 : -ENOENT;
}

/* The verbose bitset's bits: ORs `flag` into flags[i] for each feature of ours (by name) listed
 * as set. 0, or -EIO for a malformed name. */
static int walk_bitset(const struct nlattr *bitset, uint8_t flags[KTLS_FEAT_COUNT], uint8_t flag)
{
	const struct nlattr *a, *bits = NULL;
	int nomask = 0;

	mnl_attr_for_each_nested(a, bitset) {
		if (mnl_attr_get_type(a) == ETHTOOL_A_BITSET_BITS)
			bits = a;
		else if (mnl_attr_get_type(a) == ETHTOOL_A_BITSET_NOMASK)
			nomask = 1;
	}
	if (!bits)
		return 0;
	mnl_attr_for_each_nested(a, bits) {
		const struct nlattr *f;
		const char *name = NULL;
		int value = nomask;
		if (mnl_attr_get_type(a) != ETHTOOL_A_BITSET_BITS_BIT)
			continue;
		mnl_attr_for_each_nested(f, a) {
			if (mnl_attr_get_type(f) == ETHTOOL_A_BITSET_BIT_NAME) {
				if (mnl_attr_validate(f, MNL_TYPE_NUL_STRING) < 0)
					return -EIO;
				name = mnl_attr_get_str(f);
			} else if (mnl_attr_get_type(f) == ETHTOOL_A_BITSET_BIT_VALUE) {
				value = 1;
			}
		}
		int i = name ? feature_index(name) : -1;
		if (i >= 0 && value)
			flags[i] |= flag;
	}
	return 0;
}

int ktls_ethtool_parse_features(const struct nlmsghdr *nlh, uint8_t flags[KTLS_FEAT_COUNT])
{
	const struct nlattr *a;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct genlmsghdr)))
		return -EIO;
	mnl_attr_for_each(a, nlh, sizeof(struct genlmsghdr)) {
		int r = 0;
		switch (mnl_attr_get_type(a)) {
		case ETHTOOL_A_FEATURES_HW: r = walk_bitset(a, flags, KTLS_FEATURE_HW); break;
		case ETHTOOL_A_FEATURES_WANTED: r = walk_bitset(a, flags, KTLS_FEATURE_WANTED); break;
		case ETHTOOL_A_FEATURES_ACTIVE: r = walk_bitset(a, flags, KTLS_FEATURE_ACTIVE); break;
		case ETHTOOL_A_FEATURES_NOCHANGE: r = walk_bitset(a, flags, KTLS_FEATURE_FIXED); break;
		}
		if (r < 0)
			return r;
	}
	return 0;
}

/* STRSET reply: stringsets > stringset > strings > string { index, value }. */
int ktls_ethtool_parse_strset(const struct nlmsghdr *nlh, uint8_t flags[KTLS_FEAT_COUNT])
{
	const struct nlattr *sets, *set, *strings, *str, *f;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(struct genlmsghdr)))
		return -EIO;
	mnl_attr_for_each(sets, nlh, sizeof(struct genlmsghdr)) {
		if (mnl_attr_get_type(sets) != ETHTOOL_A_STRSET_STRINGSETS)
			continue;
		mnl_attr_for_each_nested(set, sets) {
			mnl_attr_for_each_nested(strings, set) {
				if (mnl_attr_get_type(strings) != ETHTOOL_A_STRINGSET_STRINGS)
					continue;
				mnl_attr_for_each_nested(str, strings) {
					mnl_attr_for_each_nested(f, str) {
						if (mnl_attr_get_type(f) != ETHTOOL_A_STRING_VALUE)
							continue;
						if (mnl_attr_validate(f, MNL_TYPE_NUL_STRING) < 0)
							return -EIO;
						int i = feature_index(mnl_attr_get_str(f));
						if (i >= 0)
							flags[i] |= KTLS_FEATURE_KNOWN;
					}
				}
			}
		}
	}
	return 0;
}

struct parse_job {
	int (*parse)(const struct nlmsghdr *, uint8_t *);
	uint8_t *flags;
	uint16_t family;
	int error;
};

static int ethtool_cb(const struct nlmsghdr *nlh, void *data)
{
	struct parse_job *j = data;

	if (nlh->nlmsg_type == j->family && j->parse(nlh, j->flags) < 0)
		j->error = -EIO;
	return MNL_CB_OK;
}

/* FEATURES_GET, or STRSET_GET of the feature names, for one interface. */
struct nlmsghdr *ktls_ethtool_request(char *buf, uint16_t family, uint8_t cmd, const char *ifname)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = cmd;
	g->version = ETHTOOL_GENL_VERSION;
	int strset = cmd == ETHTOOL_MSG_STRSET_GET;
	struct nlattr *hdr = mnl_attr_nest_start(nlh, strset ? ETHTOOL_A_STRSET_HEADER : ETHTOOL_A_FEATURES_HEADER);
	mnl_attr_put_strz(nlh, ETHTOOL_A_HEADER_DEV_NAME, ifname);
	mnl_attr_nest_end(nlh, hdr);
	if (strset) {
		struct nlattr *sets = mnl_attr_nest_start(nlh, ETHTOOL_A_STRSET_STRINGSETS);
		struct nlattr *set = mnl_attr_nest_start(nlh, ETHTOOL_A_STRINGSETS_STRINGSET);
		mnl_attr_put_u32(nlh, ETHTOOL_A_STRINGSET_ID, ETH_SS_FEATURES);
		mnl_attr_nest_end(nlh, set);
		mnl_attr_nest_end(nlh, sets);
	}
	return nlh;
}

static int netlink_info(const char *ifname, uint8_t flags[KTLS_FEAT_COUNT])
{
	char buf[512] = { 0 }; /* libmnl leaves attribute padding as it finds it */
	uint16_t family;
	int r = ktls_ethtool_family(&family);

	if (r < 0)
		return r;
	struct nlmsghdr *nlh = ktls_ethtool_request(buf, family, ETHTOOL_MSG_STRSET_GET, ifname);
	struct parse_job j = { ktls_ethtool_parse_strset, flags, family, 0 };
	if ((r = ktls_nl_query(NETLINK_GENERIC, nlh, ethtool_cb, &j)) < 0 || j.error)
		return r < 0 ? r : j.error;

	nlh = ktls_ethtool_request(buf, family, ETHTOOL_MSG_FEATURES_GET, ifname);
	j = (struct parse_job){ ktls_ethtool_parse_features, flags, family, 0 };
	if ((r = ktls_nl_query(NETLINK_GENERIC, nlh, ethtool_cb, &j)) < 0)
		return r;
	return j.error;
}

/* ---- SIOCETHTOOL ---- */

static int ethtool_ioctl(int fd, const char *ifname, void *cmd)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	strncpy(ifr.ifr_name, ifname, IFNAMSIZ - 1);
	ifr.ifr_data = cmd;
	return ioctl(fd, SIOCETHTOOL, &ifr) < 0 ? -errno : 0;
}

static int ioctl_info(const char *ifname, uint8_t flags[KTLS_FEAT_COUNT])
{
	struct {
		struct ethtool_sset_info hdr;
		uint32_t count;
	} sset = { .hdr = { .cmd = ETHTOOL_GSSET_INFO, .sset_mask = 1ULL << ETH_SS_FEATURES } };
	struct ethtool_gstrings *strings = NULL;
	struct ethtool_gfeatures *features = NULL;
	int r, fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);

	if (fd < 0)
		return -errno;
	if ((r = ethtool_ioctl(fd, ifname, &sset)) < 0)
		goto out;
	uint32_t n = sset.hdr.sset_mask ? sset.count : 0, blocks = (n + 31) / 32;
	strings = calloc(1, sizeof(*strings) + (size_t)n * ETH_GSTRING_LEN);
	features = calloc(1, sizeof(*features) + blocks * sizeof(features->features[0]));
	if (!strings || !features) {
		r = -ENOMEM;
		goto out;
	}
	strings->cmd = ETHTOOL_GSTRINGS;
	strings->string_set = ETH_SS_FEATURES;
	strings->len = n;
	features->cmd = ETHTOOL_GFEATURES;
	features->size = blocks;
	if ((r = ethtool_ioctl(fd, ifname, strings)) < 0 || (r = ethtool_ioctl(fd, ifname, features)) < 0)
		goto out;
	for (uint32_t bit = 0; bit < n && bit < strings->len; bit++) {
		char name[ETH_GSTRING_LEN + 1] = "";
		memcpy(name, strings->data + (size_t)bit * ETH_GSTRING_LEN, ETH_GSTRING_LEN);
		int i = feature_index(name);
		if (i < 0)
			continue;
		const struct ethtool_get_features_block *b = &features->features[bit / 32];
		uint32_t m = 1u << (bit % 32);
		flags[i] |= KTLS_FEATURE_KNOWN | (b->available & m ? KTLS_FEATURE_HW : 0) |
			    (b->requested & m ? KTLS_FEATURE_WANTED : 0) | (b->active & m ? KTLS_FEATURE_ACTIVE : 0) |
			    (b->never_changed & m ? KTLS_FEATURE_FIXED : 0);
	}
out:
	free(strings);
	free(features);
	close(fd);
	return r;
}

static int netdev_info(const char *ifname, struct ktls_netdev_info *info, int allow_netlink)
{
	uint8_t flags[KTLS_FEAT_COUNT] = { 0 };
	struct ktls_netdev_info out = { 0 };

	if (!ifname || !info)
		return -EFAULT;
	if (info->sz < KTLS_SIZE_UPTO(struct ktls_netdev_info, tls_record) || strlen(ifname) >= IFNAMSIZ)
		return -EINVAL;
	unsigned index = if_nametoindex(ifname);
	if (!index)
		return -ENODEV;
	int r = -ENOENT;
	out.source = KTLS_NETDEV_SOURCE_NETLINK;
	if (allow_netlink)
		r = netlink_info(ifname, flags);
	if (r < 0) {
		memset(flags, 0, sizeof(flags));
		out.source = KTLS_NETDEV_SOURCE_IOCTL;
		if ((r = ioctl_info(ifname, flags)) < 0)
			return r;
	}
	out.ifindex = (int32_t)index;
	strncpy(out.ifname, ifname, sizeof(out.ifname) - 1);
	out.tls_tx = flags[KTLS_FEAT_TX];
	out.tls_rx = flags[KTLS_FEAT_RX];
	out.tls_record = flags[KTLS_FEAT_RECORD];
	ktls_sized_copy_out(info, &out, sizeof(out));
	return 0;
}

LIBKTLS_API int ktls_netdev_info(const char *ifname, struct ktls_netdev_info *info)
{
	return netdev_info(ifname, info, 1);
}

LIBKTLS_API int ktls_netdev_info_ioctl(const char *ifname, struct ktls_netdev_info *info)
{
	return netdev_info(ifname, info, 0);
}

/* ---- route lookup ---- */

static int route_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *a;

	if (nlh->nlmsg_type != RTM_NEWROUTE)
		return MNL_CB_OK;
	mnl_attr_for_each(a, nlh, sizeof(struct rtmsg))
		if (mnl_attr_get_type(a) == RTA_OIF && mnl_attr_validate(a, MNL_TYPE_U32) == 0)
			*(int *)data = (int)mnl_attr_get_u32(a);
	return MNL_CB_OK;
}

LIBKTLS_API int ktls_socket_ifindex(int fd)
{
	struct sockaddr_storage peer;
	socklen_t len = sizeof(peer);
	char buf[256] = { 0 };
	int oif = 0;

	int r = ktls_check_tcp_socket(fd);
	if (r < 0)
		return r;
	if (getpeername(fd, (struct sockaddr *)&peer, &len) < 0)
		return -ENOTCONN;
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_GETROUTE;
	nlh->nlmsg_flags = NLM_F_REQUEST;
	struct rtmsg *rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = (unsigned char)peer.ss_family;
	if (peer.ss_family == AF_INET) {
		rtm->rtm_dst_len = 32;
		mnl_attr_put(nlh, RTA_DST, 4, &((struct sockaddr_in *)&peer)->sin_addr);
	} else {
		rtm->rtm_dst_len = 128;
		mnl_attr_put(nlh, RTA_DST, 16, &((struct sockaddr_in6 *)&peer)->sin6_addr);
	}
	if ((r = ktls_nl_query(NETLINK_ROUTE, nlh, route_cb, &oif)) < 0)
		return r;
	return oif > 0 ? oif : -ENETUNREACH;
}
