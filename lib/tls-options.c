/* SPDX-License-Identifier: MIT */
/* The kernel's per-socket TLS options beyond the keys: zero-copy receive, record size limit. */
#include <errno.h>
#include <linux/tls.h>
#include <sys/socket.h>

#include "ktls-internal.h"

#define RECORD_SIZE_LIMIT_MIN 64 /* RFC 8449 §4 */

/* SOL_TLS options give ENOPROTOOPT both without the tls ULP and on a kernel that lacks them. */
static int unknown_option_reason(int fd)
{
	int ulp = ktls_ulp_state(fd);

	return ulp == 1 ? -EOPNOTSUPP : ulp == 0 || ulp == -EEXIST ? -ENOKEY : ulp;
}

static int set_tls_option(int fd, int opt, const void *val, socklen_t len)
{
	if (setsockopt(fd, SOL_TLS, opt, val, len) == 0)
		return 0;
	return errno == ENOPROTOOPT ? unknown_option_reason(fd) : -errno;
}

int ktls_set_no_pad(int fd, int on)
{
	const uint32_t v = on != 0;

	return set_tls_option(fd, TLS_RX_EXPECT_NO_PAD, &v, sizeof(v));
}

LIBKTLS_API int ktls_set_rx_expect_no_pad(int fd, int on)
{
	struct tls_crypto_info rx;

	int r = ktls_keys_installed(fd, KTLS_DIR_RX, &rx);
	if (r < 0)
		return r;
	if (rx.version != KTLS_TLS_1_3)
		return -EOPNOTSUPP;
	return ktls_set_no_pad(fd, on);
}

LIBKTLS_API int ktls_record_payload_limit(uint16_t tls_version, uint32_t record_size_limit, uint16_t *payload)
{
	if (!payload)
		return -EFAULT;
	if ((tls_version != KTLS_TLS_1_2 && tls_version != KTLS_TLS_1_3) || record_size_limit < RECORD_SIZE_LIMIT_MIN)
		return -EINVAL;
	/* TLS 1.3's limit counts the inner content-type byte, which the kernel's does not. A peer may
	 * announce more than the protocol allows: the protocol's maximum applies. */
	uint32_t max = KTLS_RECORD_MAX;
	uint32_t v = record_size_limit;
	if (tls_version == KTLS_TLS_1_3)
		v--;
	*payload = (uint16_t)(v < max ? v : max);
	return 0;
}

LIBKTLS_API int ktls_set_record_size_limit(int fd, uint16_t tls_version, uint32_t record_size_limit)
{
	uint16_t v;

	int r = ktls_record_payload_limit(tls_version, record_size_limit, &v);
	if (r < 0)
		return r;
	return set_tls_option(fd, TLS_TX_MAX_PAYLOAD_LEN, &v, sizeof(v));
}

int ktls_get_tx_max_payload(int fd, uint16_t *payload)
{
	uint16_t v = 0;
	socklen_t len = sizeof(v);

	if (getsockopt(fd, SOL_TLS, TLS_TX_MAX_PAYLOAD_LEN, &v, &len) < 0)
		return -errno;
	if (len != sizeof(v))
		return -EIO;
	*payload = v;
	return 0;
}
