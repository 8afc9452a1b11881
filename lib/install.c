/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>

#include "ktls-internal.h"
#include "netlink.h"


static int sockopt_int(int fd, int level, int name, int *value)
{
	socklen_t len = sizeof(*value);

	return getsockopt(fd, level, name, value, &len) < 0 ? -errno : 0;
}

int ktls_check_tcp_socket(int fd)
{
	int domain, type, protocol;

	if (fd < 0)
		return -EBADF;
	int r = sockopt_int(fd, SOL_SOCKET, SO_DOMAIN, &domain);
	if (r < 0)
		return r;
	if ((r = sockopt_int(fd, SOL_SOCKET, SO_TYPE, &type)) < 0 ||
	    (r = sockopt_int(fd, SOL_SOCKET, SO_PROTOCOL, &protocol)) < 0)
		return r;
	if ((domain != AF_INET && domain != AF_INET6) || type != SOCK_STREAM || protocol != IPPROTO_TCP)
		return -ESOCKTNOSUPPORT;
	return 0;
}

int ktls_ulp_state(int fd)
{
	char name[32] = "";
	socklen_t len = sizeof(name) - 1;

	if (getsockopt(fd, IPPROTO_TCP, TCP_ULP, name, &len) < 0)
		return errno == ENOPROTOOPT ? 0 : -errno;
	if (len == 0 || name[0] == '\0')
		return 0;
	return strcmp(name, "tls") == 0 ? 1 : -EEXIST;
}

static int attach_ulp(int fd)
{
	struct tcp_info ti;
	socklen_t len = sizeof(ti);

	int r = ktls_ulp_state(fd);
	if (r != 0)
		return r < 0 ? r : 0;

	/* Kernels before 5.5 report an unconnected socket with an internal errno: check first. */
	memset(&ti, 0, sizeof(ti));
	if (getsockopt(fd, IPPROTO_TCP, TCP_INFO, &ti, &len) < 0)
		return -errno;
	if (ti.tcpi_state != TCP_ESTABLISHED)
		return -ENOTCONN;

	if (setsockopt(fd, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) == 0)
		return 0;
	switch (errno) {
	case ENOENT:
	case ENOPROTOOPT: /* kernel older than 4.13: no ULP at all */
		return -ENOENT;
	case EEXIST: /* attached meanwhile, by another thread or another ULP */
		r = ktls_ulp_state(fd);
		return r == 1 ? 0 : -EEXIST;
	default:
		return -errno;
	}
}

/* 1 when a direction already has keys of another version or cipher than hdr. */
static int conflicts_with(int fd, int dir, const struct tls_crypto_info *hdr)
{
	struct tls_crypto_info cur;

	return ktls_keys_installed(fd, dir, &cur) == 0 &&
	       (cur.version != hdr->version || cur.cipher_type != hdr->cipher_type);
}

static int set_keys(int fd, enum ktls_dir dir, const uint8_t *info, size_t len)
{
	if (setsockopt(fd, SOL_TLS, (int)dir, info, (socklen_t)len) == 0)
		return 0;
	switch (errno) {
	case ENOENT:
		return -ENOPKG;
	case EINVAL: {
		/* Our crypto-info is well formed: either the kernel does not know this version or
		 * cipher, or it differs from the keys of the other direction (or, when rekeying on
		 * 6.14+, of this one), which the kernel forbids. */
		struct tls_crypto_info hdr;
		memcpy(&hdr, info, sizeof(hdr));
		if (conflicts_with(fd, TLS_TX, &hdr) || conflicts_with(fd, TLS_RX, &hdr))
			return -EPROTOTYPE;
		return -EOPNOTSUPP;
	}
	default:
		return -errno;
	}
}

int ktls_install_info(int fd, int dir, const uint8_t *info, size_t len)
{
	int r = ktls_check_tcp_socket(fd);

	if (r == 0)
		r = attach_ulp(fd);
	if (r == 0)
		r = set_keys(fd, (enum ktls_dir)dir, info, len);
	return r;
}

LIBKTLS_API int ktls_install(int fd, enum ktls_dir dir, uint16_t suite, const struct ktls_secrets *secrets,
			     uint64_t seq)
{
	uint8_t info[KTLS_CRYPTO_INFO_MAX];

	if (!secrets)
		return -EFAULT;
	if (dir != KTLS_DIR_TX && dir != KTLS_DIR_RX)
		return -EINVAL;
	const struct ktls_suite *s = ktls_suite_find(suite);
	if (!s)
		return -EPROTONOSUPPORT;

	int r = ktls_build_crypto_info(s, secrets, seq, info);
	if (r == 0)
		r = ktls_install_info(fd, dir, info, ktls_cipher_info_len(s->cipher));
	ktls_memzero(info, sizeof(info));
	return r;
}
