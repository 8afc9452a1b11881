/* SPDX-License-Identifier: MIT */
/* libmnl plumbing shared by the sock_diag, rtnetlink and ethtool queries, and the reply parsers
 * (pure, so that tests can feed them recorded and hand-made replies). */
#ifndef LIBKTLS_NETLINK_H
#define LIBKTLS_NETLINK_H

#include <libmnl/libmnl.h>

#include "ktls-internal.h"

/* Send the request in buf and run cb over every reply message until done; a negative errno. */
int ktls_nl_query(int bus, struct nlmsghdr *req, mnl_cb_t cb, void *data);

/* The parsers read a message up to MNL_ALIGN(nlmsg_len), as netlink lays messages out in a
 * receive buffer (libmnl walks attributes to the aligned end). */

/* A socket of a sock_diag reply: the entry, and the info it points to. */
struct ktls_diag_socket {
	struct ktls_socket_entry entry;
	struct ktls_socket_info info;
};
/* A sock_diag reply message: 1 with the ULP attribute, 0 without, -EIO if malformed. */
int ktls_diag_parse(const struct nlmsghdr *nlh, struct ktls_diag_socket *sock);

/* Feature name lookups of an ethtool reply. */
enum { KTLS_FEAT_TX, KTLS_FEAT_RX, KTLS_FEAT_RECORD, KTLS_FEAT_COUNT };
extern const char *const ktls_feature_names[KTLS_FEAT_COUNT];
/* ETHTOOL_MSG_STRSET_GET reply: sets KTLS_FEATURE_KNOWN. ETHTOOL_MSG_FEATURES_GET reply: sets
 * HW, WANTED, ACTIVE, FIXED. Both by name; 0, or -EIO if malformed. */
int ktls_ethtool_parse_strset(const struct nlmsghdr *nlh, uint8_t flags[KTLS_FEAT_COUNT]);
int ktls_ethtool_parse_features(const struct nlmsghdr *nlh, uint8_t flags[KTLS_FEAT_COUNT]);

int ktls_check_tcp_socket(int fd);

/* Request builders, shared with tests/tools/record-netlink.c so that recorded replies answer
 * exactly the library's queries. buf holds at least 512 bytes. */
struct nlmsghdr *ktls_diag_lookup_request(char *buf, int fd);
int ktls_ethtool_family(uint16_t *id);
struct nlmsghdr *ktls_ethtool_request(char *buf, uint16_t family, uint8_t cmd, const char *ifname);

#endif
