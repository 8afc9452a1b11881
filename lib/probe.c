/* SPDX-License-Identifier: MIT */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/tls.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ktls-internal.h"


/* A connected loopback TCP socket with the tls ULP attached (its peer closed: nothing is sent). */
static int ulp_socket(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	int l, c = -1, p = -1, r = 0;

	if ((l = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0)
		return -errno;
	if (bind(l, (struct sockaddr *)&a, sizeof(a)) < 0 || listen(l, 1) < 0 ||
	    getsockname(l, (struct sockaddr *)&a, &alen) < 0 ||
	    (c = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0)) < 0 ||
	    connect(c, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    (p = accept4(l, NULL, NULL, SOCK_CLOEXEC)) < 0)
		r = -errno;
	else if (setsockopt(c, IPPROTO_TCP, TCP_ULP, "tls", sizeof("tls")) < 0)
		r = errno == ENOPROTOOPT ? -ENOENT : -errno;
	if (p >= 0)
		close(p);
	close(l);
	if (r < 0) {
		if (c >= 0)
			close(c);
		return r;
	}
	return c;
}

static int probe_on(int fd, uint16_t version, const struct ktls_cipher *c, enum ktls_dir dir)
{
	uint8_t info[KTLS_CRYPTO_INFO_MAX] = { 0 };

	memcpy(info, &version, 2);
	memcpy(info + 2, &c->type, 2);
	if (setsockopt(fd, SOL_TLS, (int)dir, info, (socklen_t)ktls_cipher_info_len(c)) == 0)
		return 1;
	switch (errno) {
	case EINVAL:
		return -EOPNOTSUPP;
	case ENOENT:
		return -ENOPKG;
	default:
		return -errno;
	}
}

LIBKTLS_API int ktls_probe_cipher(uint16_t tls_version, uint16_t cipher_type, enum ktls_dir dir)
{
	const struct ktls_cipher *c = ktls_cipher_find(cipher_type);

	if (!c || (tls_version != KTLS_TLS_1_2 && tls_version != KTLS_TLS_1_3) ||
	    (dir != KTLS_DIR_TX && dir != KTLS_DIR_RX))
		return -EINVAL;
	int fd = ulp_socket();
	if (fd < 0)
		return fd;
	int r = probe_on(fd, tls_version, c, dir);
	close(fd);
	return r;
}

/* Set TLS 1.3 TX keys twice: the second succeeds only where the kernel can rekey (6.14+); before
 * that it gives EBUSY. */
LIBKTLS_API int ktls_probe_rekey(void)
{
	const struct ktls_cipher *gcm = ktls_cipher_find(TLS_CIPHER_AES_GCM_128);
	int fd = ulp_socket();

	if (fd < 0)
		return fd;
	int r = probe_on(fd, KTLS_TLS_1_3, gcm, KTLS_DIR_TX);
	if (r == 1) {
		r = probe_on(fd, KTLS_TLS_1_3, gcm, KTLS_DIR_TX);
		r = r == 1 ? 1 : r == -EBUSY ? 0 : r;
	}
	close(fd);
	return r;
}

/* 1 when this kernel knows the option: getsockopt(SOL_TLS, opt) succeeds or fails with
 * known_errno (the answer of a known option to a socket without keys); else 0. */
static int knows_option(int fd, int opt, int known_errno)
{
	int v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_TLS, opt, &v, &len) == 0)
		return 1;
	return errno == known_errno;
}

LIBKTLS_API int ktls_probe_kernel(struct ktls_kernel_caps *caps)
{
	struct ktls_kernel_caps k = { 0 };

	if (!caps)
		return -EFAULT;
	if (caps->sz < KTLS_SIZE_UPTO(struct ktls_kernel_caps, hw_record))
		return -EINVAL;
	int fd = ulp_socket();
	if (fd == -ENOENT) {
		ktls_sized_copy_out(caps, &k, sizeof(k));
		return 0;
	}
	if (fd < 0)
		return fd;
	k.tls = 1;
	/* without keys: TLS_TX_ZEROCOPY_RO reads 0 (5.19+); TLS_RX_EXPECT_NO_PAD wants TLS 1.3 RX
	 * keys, so EINVAL (6.0+); unknown options give ENOPROTOOPT */
	k.tx_zerocopy_sendfile = knows_option(fd, TLS_TX_ZEROCOPY_RO, EINVAL);
	k.rx_expect_no_pad = knows_option(fd, TLS_RX_EXPECT_NO_PAD, EINVAL);
	k.tx_max_payload_len = knows_option(fd, TLS_TX_MAX_PAYLOAD_LEN, EINVAL);
	const struct ktls_cipher *gcm = ktls_cipher_find(TLS_CIPHER_AES_GCM_128);
	k.tls13_tx = probe_on(fd, KTLS_TLS_1_3, gcm, KTLS_DIR_TX) == 1;
	k.tls13_rx = probe_on(fd, KTLS_TLS_1_3, gcm, KTLS_DIR_RX) == 1;
	close(fd);
	int r = ktls_probe_rekey();
	k.rekey = r == 1;
	/* TOE is a netdev feature bit: the kernel names it (in every device's list) while it has it */
	struct ktls_netdev_info lo = { .sz = sizeof(lo) };
	k.hw_record = ktls_netdev_info("lo", &lo) < 0 ? -1 : (lo.tls_record & KTLS_FEATURE_KNOWN) != 0;
	ktls_sized_copy_out(caps, &k, sizeof(k));
	return 0;
}
