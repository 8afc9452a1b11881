/* SPDX-License-Identifier: MIT */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "netlink.h"

/* An enum member in <linux/tls.h> since 6.19: not testable with #ifdef. */
#define INFO_TX_MAX_PAYLOAD_LEN 7


static uint8_t mode_of(uint16_t conf)
{
	return conf >= TLS_CONF_BASE && conf <= TLS_CONF_HW_RECORD ? (uint8_t)conf : KTLS_MODE_UNKNOWN;
}

static int parse_tls(const struct nlattr *nest, struct ktls_socket_info *info)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest) {
		switch (mnl_attr_get_type(a)) {
		case TLS_INFO_VERSION:
		case TLS_INFO_CIPHER:
		case TLS_INFO_TXCONF:
		case TLS_INFO_RXCONF:
		case INFO_TX_MAX_PAYLOAD_LEN:
			if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
				return -EIO;
			break;
		}
		switch (mnl_attr_get_type(a)) {
		case TLS_INFO_VERSION: info->tls_version = mnl_attr_get_u16(a); break;
		case TLS_INFO_CIPHER: info->cipher_type = mnl_attr_get_u16(a); break;
		case TLS_INFO_TXCONF: info->tx_mode = mode_of(mnl_attr_get_u16(a)); break;
		case TLS_INFO_RXCONF: info->rx_mode = mode_of(mnl_attr_get_u16(a)); break;
		case TLS_INFO_ZC_RO_TX: info->tx_zerocopy = 1; break;
		case TLS_INFO_RX_NO_PAD: info->rx_no_pad = 1; break;
		case INFO_TX_MAX_PAYLOAD_LEN: info->tx_max_payload_len = mnl_attr_get_u16(a); break;
		}
	}
	return 0;
}

static int parse_ulp(const struct nlattr *nest, struct ktls_socket_info *info)
{
	const struct nlattr *a, *tls = NULL;
	const char *name = NULL;

	mnl_attr_for_each_nested(a, nest) {
		if (mnl_attr_get_type(a) == INET_ULP_INFO_NAME) {
			if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
				return -EIO;
			name = mnl_attr_get_str(a);
		} else if (mnl_attr_get_type(a) == INET_ULP_INFO_TLS) {
			tls = a;
		}
	}
	if (!name || strcmp(name, "tls") != 0) {
		info->ulp = name ? -1 : 0;
		return 0;
	}
	info->ulp = 1;
	info->tx_mode = info->rx_mode = KTLS_MODE_NONE;
	return tls ? parse_tls(tls, info) : 0;
}

int ktls_diag_parse(const struct nlmsghdr *nlh, struct ktls_diag_socket *s)
{
	const struct inet_diag_msg *m;
	const struct nlattr *a;
	int ulp = 0;

	if (nlh->nlmsg_len < NLMSG_LENGTH(sizeof(*m)))
		return -EIO;
	m = mnl_nlmsg_get_payload(nlh);
	memset(s, 0, sizeof(*s));
	struct ktls_socket_entry *e = &s->entry;
	e->sz = sizeof(*e);
	e->info = &s->info;
	e->family = m->idiag_family;
	memcpy(e->local_addr, m->id.idiag_src, 16);
	memcpy(e->remote_addr, m->id.idiag_dst, 16);
	e->local_port = m->id.idiag_sport;
	e->remote_port = m->id.idiag_dport;
	e->inode = m->idiag_inode;
	s->info.sz = sizeof(s->info);
	s->info.source = KTLS_SOCKET_SOURCE_SOCK_DIAG;
	s->info.tx_mode = s->info.rx_mode = KTLS_MODE_NONE;
	mnl_attr_for_each(a, nlh, sizeof(*m)) {
		if (mnl_attr_get_type(a) == INET_DIAG_ULP_INFO) {
			if (parse_ulp(a, &s->info) < 0)
				return -EIO;
			ulp = 1;
		}
	}
	return ulp;
}

struct lookup {
	struct ktls_diag_socket sock;
	int found, ulp;
	int (*fn)(const struct ktls_socket_entry *, void *);
	void *user;
	int stop, saw_ulp;
};

static int lookup_cb(const struct nlmsghdr *nlh, void *data)
{
	struct lookup *l = data;

	if (nlh->nlmsg_type != SOCK_DIAG_BY_FAMILY)
		return MNL_CB_OK;
	int r = ktls_diag_parse(nlh, &l->sock);
	if (r < 0)
		return MNL_CB_OK;
	l->found = 1;
	l->ulp = r;
	if (!l->fn)
		return MNL_CB_OK;
	l->saw_ulp |= r;
	if (l->sock.info.ulp == 1 && (l->stop = l->fn(&l->sock.entry, l->user)) != 0)
		return MNL_CB_STOP;
	return MNL_CB_OK;
}

static struct nlmsghdr *diag_request(char *buf, uint8_t family, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	nlh->nlmsg_flags = NLM_F_REQUEST | flags;
	struct inet_diag_req_v2 *req = mnl_nlmsg_put_extra_header(nlh, sizeof(*req));
	req->sdiag_family = family;
	req->sdiag_protocol = IPPROTO_TCP;
	req->idiag_ext = 1 << (INET_DIAG_INFO - 1);
	req->idiag_states = ~0u;
	return nlh;
}

static void copy_addr(const struct sockaddr_storage *ss, __be32 out[4], __be16 *port)
{
	memset(out, 0, 16);
	if (ss->ss_family == AF_INET) {
		const struct sockaddr_in *a = (const struct sockaddr_in *)ss;
		memcpy(out, &a->sin_addr, 4);
		*port = a->sin_port;
	} else {
		const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)ss;
		memcpy(out, &a->sin6_addr, 16);
		*port = a->sin6_port;
	}
}

/* An exact lookup: addresses, ports and SO_COOKIE. NULL with errno set when fd has none. */
struct nlmsghdr *ktls_diag_lookup_request(char *buf, int fd)
{
	struct sockaddr_storage local, remote;
	socklen_t llen = sizeof(local), rlen = sizeof(remote);
	uint64_t cookie;
	socklen_t clen = sizeof(cookie);

	if (getsockname(fd, (struct sockaddr *)&local, &llen) < 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_COOKIE, &cookie, &clen) < 0)
		return NULL;
	if (getpeername(fd, (struct sockaddr *)&remote, &rlen) < 0) {
		errno = ENOTCONN;
		return NULL;
	}
	struct nlmsghdr *nlh = diag_request(buf, (uint8_t)local.ss_family, 0);
	struct inet_diag_req_v2 *req = mnl_nlmsg_get_payload(nlh);
	copy_addr(&local, req->id.idiag_src, &req->id.idiag_sport);
	copy_addr(&remote, req->id.idiag_dst, &req->id.idiag_dport);
	req->id.idiag_cookie[0] = (uint32_t)cookie;
	req->id.idiag_cookie[1] = (uint32_t)(cookie >> 32);
	return nlh;
}

static int diag_lookup(int fd, struct ktls_socket_info *info)
{
	char buf[512];
	struct lookup l = { .found = 0 };
	struct nlmsghdr *nlh = ktls_diag_lookup_request(buf, fd);

	if (!nlh)
		return -errno;
	int r = ktls_nl_query(NETLINK_SOCK_DIAG, nlh, lookup_cb, &l);
	if (r < 0)
		return r;
	if (!l.found)
		return -ENOENT;
	*info = l.sock.info;
	return l.ulp;
}

/* The tls ULP attached or not, with getsockopt alone: what an unprivileged caller can see. */
static int sockopt_info(int fd, struct ktls_socket_info *info)
{
	memset(info, 0, sizeof(*info));
	info->source = KTLS_SOCKET_SOURCE_SOCKOPT;
	info->tx_mode = info->rx_mode = KTLS_MODE_NONE;
	int ulp = ktls_ulp_state(fd);
	if (ulp < 0 && ulp != -EEXIST)
		return ulp;
	info->ulp = ulp == -EEXIST ? -1 : ulp;
	if (info->ulp != 1)
		return 0;
	for (int dir = TLS_TX; dir <= TLS_RX; dir++) {
		struct tls_crypto_info hdr;
		if (ktls_keys_installed(fd, dir, &hdr) < 0)
			continue; /* no keys this way */
		info->tls_version = hdr.version;
		info->cipher_type = hdr.cipher_type;
		*(dir == TLS_TX ? &info->tx_mode : &info->rx_mode) = KTLS_MODE_UNKNOWN;
	}
	return 0;
}

LIBKTLS_API int ktls_socket_info(int fd, struct ktls_socket_info *info)
{
	struct ktls_socket_info out, by_opt;

	if (!info)
		return -EFAULT;
	if (info->sz < KTLS_SIZE_UPTO(struct ktls_socket_info, tx_max_payload_len))
		return -EINVAL;
	int r = ktls_check_tcp_socket(fd);
	if (r < 0)
		return r;
	int diag = diag_lookup(fd, &out);
	if (diag == -ENOTCONN)
		return diag;
	if (diag != 1) {
		/* sock_diag failed, or showed no ULP: getsockopt tells whether it hides one from us */
		if ((r = sockopt_info(fd, &by_opt)) < 0)
			return r;
		if (diag < 0 || by_opt.ulp != 0)
			out = by_opt;
	}
	if (out.ulp == 1 && out.tx_max_payload_len == 0)
		(void)ktls_get_tx_max_payload(fd, &out.tx_max_payload_len); /* 0 stays where unknown */
	ktls_sized_copy_out(info, &out, sizeof(out));
	return 0;
}

static long long tls_sockets_in_netns(void)
{
	struct ktls_stat s[64];
	ssize_t n = ktls_stat_read(s, 64);
	long long total = 0;

	for (ssize_t i = 0; i < n && i < 64; i++)
		if (strncmp(s[i].name, "TlsCurr", 7) == 0)
			total += (long long)s[i].value;
	return total;
}

LIBKTLS_API int ktls_socket_foreach(int (*fn)(const struct ktls_socket_entry *entry, void *user), void *user)
{
	static const uint8_t families[] = { AF_INET, AF_INET6 };
	char buf[256];
	struct lookup l = { .fn = fn, .user = user };

	if (!fn)
		return -EFAULT;
	for (size_t i = 0; i < sizeof(families) && !l.stop; i++) {
		int r = ktls_nl_query(NETLINK_SOCK_DIAG, diag_request(buf, families[i], NLM_F_DUMP), lookup_cb, &l);
		if (r < 0)
			return r;
	}
	if (l.stop)
		return l.stop;
	/* Nothing carried a ULP attribute while kTLS sockets exist: they are hidden from us. */
	if (!l.saw_ulp && tls_sockets_in_netns() > 0)
		return -EPERM;
	return 0;
}
