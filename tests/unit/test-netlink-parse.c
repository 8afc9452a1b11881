/* SPDX-License-Identifier: MIT */
/* The netlink reply parsers on replies recorded from Debian's 7.3, 6.12 and 6.1 kernels
 * (tests/data/netlink, made with tests/tools/record-netlink in the VM), on hand-made replies for
 * what no hardware here shows (device offload, full record offload, offload active), on every
 * truncation of them; and the tls_stat parser. */
#include <errno.h>
#include <linux/ethtool_netlink.h>
#include <linux/genetlink.h>
#include <linux/inet_diag.h>
#include <linux/sock_diag.h>
#include <linux/tls.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "netlink.h"
#include "../common/hex.h"

static size_t load(const char *kernel, const char *name, uint8_t *buf, size_t cap)
{
	char path[1024], text[65536];
	const char *dir = getenv("KTLS_NETLINK_DATA");

	assert_non_null(dir);
	snprintf(path, sizeof(path), "%s/%s/%s.hex", dir, kernel, name);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	size_t n = fread(text, 1, sizeof(text) - 1, f);
	fclose(f);
	text[n] = '\0';
	return hex_decode(text, buf, cap);
}

static const char *const kernels[] = { "7.3", "6.12", "6.1" };
#define KERNELS (sizeof(kernels) / sizeof(kernels[0]))

static void test_recorded_sock_diag(void **state)
{
	uint8_t buf[4096];
	struct ktls_diag_socket e;

	(void)state;
	for (size_t k = 0; k < KERNELS; k++) {
		size_t n = load(kernels[k], "diag-tls13-aes128gcm-sw-sw", buf, sizeof(buf));
		const struct nlmsghdr *nlh = (const struct nlmsghdr *)buf;
		assert_true(n >= nlh->nlmsg_len);
		assert_int_equal(nlh->nlmsg_type, SOCK_DIAG_BY_FAMILY);
		assert_int_equal(ktls_diag_parse(nlh, &e), 1);
		assert_int_equal(e.entry.family, AF_INET);
		assert_int_equal(e.info.ulp, 1);
		assert_int_equal(e.info.source, KTLS_SOCKET_SOURCE_SOCK_DIAG);
		assert_int_equal(e.info.tls_version, TLS_1_3_VERSION);
		assert_int_equal(e.info.cipher_type, TLS_CIPHER_AES_GCM_128);
		assert_int_equal(e.info.tx_mode, KTLS_MODE_SW);
		assert_int_equal(e.info.rx_mode, KTLS_MODE_SW);
		assert_int_equal(e.info.tx_zerocopy, 0);
		/* 7.3's was recorded with zero-copy receive on and a record size limit of 1000 bytes */
		const int v73 = strcmp(kernels[k], "7.3") == 0;
		assert_int_equal(e.info.rx_no_pad, v73);
		assert_int_equal(e.info.tx_max_payload_len, v73 ? 1000 : 0);
		assert_int_equal(e.entry.local_addr[0], 127);

		n = load(kernels[k], "diag-plain", buf, sizeof(buf));
		assert_int_equal(ktls_diag_parse(nlh, &e), 0);
		assert_int_equal(e.info.ulp, 0);
	}
}

static void test_recorded_ethtool(void **state)
{
	uint8_t buf[8192];

	(void)state;
	for (size_t k = 0; k < KERNELS; k++) {
		uint8_t flags[KTLS_FEAT_COUNT] = { 0 };
		load(kernels[k], "ethtool-strset-features", buf, sizeof(buf));
		assert_int_equal(ktls_ethtool_parse_strset((const struct nlmsghdr *)buf, flags), 0);
		load(kernels[k], "ethtool-features", buf, sizeof(buf));
		assert_int_equal(ktls_ethtool_parse_features((const struct nlmsghdr *)buf, flags), 0);
		/* virtio-net: the kernel knows the features, the device offers none; 7.2 retired
		 * tls-hw-record (TOE) */
		assert_int_equal(flags[KTLS_FEAT_TX], KTLS_FEATURE_KNOWN);
		assert_int_equal(flags[KTLS_FEAT_RX], KTLS_FEATURE_KNOWN);
		assert_int_equal(flags[KTLS_FEAT_RECORD], strcmp(kernels[k], "7.3") == 0 ? 0 : KTLS_FEATURE_KNOWN);
	}
}

/* A sock_diag reply for a TLS 1.2 AES-256-GCM socket with TX on the NIC and RX fully offloaded. */
static size_t hand_made_diag(uint8_t *buf, uint16_t txconf, uint16_t rxconf, const char *ulp_name)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = SOCK_DIAG_BY_FAMILY;
	struct inet_diag_msg *m = mnl_nlmsg_put_extra_header(nlh, sizeof(*m));
	m->idiag_family = AF_INET6;
	m->idiag_inode = 4242;
	m->id.idiag_sport = htons(443);
	mnl_attr_put_u8(nlh, INET_DIAG_SHUTDOWN, 0);
	struct nlattr *ulp = mnl_attr_nest_start(nlh, INET_DIAG_ULP_INFO);
	mnl_attr_put_strz(nlh, INET_ULP_INFO_NAME, ulp_name);
	struct nlattr *tls = mnl_attr_nest_start(nlh, INET_ULP_INFO_TLS);
	mnl_attr_put_u16(nlh, TLS_INFO_VERSION, TLS_1_2_VERSION);
	mnl_attr_put_u16(nlh, TLS_INFO_CIPHER, TLS_CIPHER_AES_GCM_256);
	mnl_attr_put_u16(nlh, TLS_INFO_TXCONF, txconf);
	mnl_attr_put_u16(nlh, TLS_INFO_RXCONF, rxconf);
	mnl_attr_put(nlh, TLS_INFO_ZC_RO_TX, 0, NULL);
	mnl_attr_put(nlh, TLS_INFO_RX_NO_PAD, 0, NULL);
	/* the kernel's nests carry no NLA_F_NESTED */
	mnl_attr_nest_end(nlh, tls);
	mnl_attr_nest_end(nlh, ulp);
	tls->nla_type &= NLA_TYPE_MASK;
	ulp->nla_type &= NLA_TYPE_MASK;
	return nlh->nlmsg_len;
}

static void test_hand_made_offloaded_socket(void **state)
{
	uint8_t buf[1024];
	struct ktls_diag_socket e;

	(void)state;
	hand_made_diag(buf, TLS_CONF_HW, TLS_CONF_HW_RECORD, "tls");
	assert_int_equal(ktls_diag_parse((struct nlmsghdr *)buf, &e), 1);
	assert_int_equal(e.entry.family, AF_INET6);
	assert_int_equal(e.entry.inode, 4242);
	assert_int_equal(e.entry.local_port, htons(443));
	assert_int_equal(e.info.tls_version, TLS_1_2_VERSION);
	assert_int_equal(e.info.cipher_type, TLS_CIPHER_AES_GCM_256);
	assert_int_equal(e.info.tx_mode, KTLS_MODE_HW);
	assert_int_equal(e.info.rx_mode, KTLS_MODE_HW_RECORD);
	assert_int_equal(e.info.tx_zerocopy, 1);
	assert_int_equal(e.info.rx_no_pad, 1);

	hand_made_diag(buf, TLS_CONF_BASE, 77, "tls");
	assert_int_equal(ktls_diag_parse((struct nlmsghdr *)buf, &e), 1);
	assert_int_equal(e.info.tx_mode, KTLS_MODE_NONE);
	assert_int_equal(e.info.rx_mode, KTLS_MODE_UNKNOWN); /* a mode from a future kernel */

	hand_made_diag(buf, TLS_CONF_SW, TLS_CONF_SW, "mptcp");
	assert_int_equal(ktls_diag_parse((struct nlmsghdr *)buf, &e), 1);
	assert_int_equal(e.info.ulp, -1);
}

static void put_bitset(struct nlmsghdr *nlh, uint16_t type, int nomask, const char *const *names,
		       const int *values, int n)
{
	struct nlattr *set = mnl_attr_nest_start(nlh, type);
	if (nomask)
		mnl_attr_put(nlh, ETHTOOL_A_BITSET_NOMASK, 0, NULL);
	mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_SIZE, 64);
	struct nlattr *bits = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS);
	for (int i = 0; i < n; i++) {
		struct nlattr *bit = mnl_attr_nest_start(nlh, ETHTOOL_A_BITSET_BITS_BIT);
		mnl_attr_put_u32(nlh, ETHTOOL_A_BITSET_BIT_INDEX, (uint32_t)(50 + i));
		mnl_attr_put_strz(nlh, ETHTOOL_A_BITSET_BIT_NAME, names[i]);
		if (values[i])
			mnl_attr_put(nlh, ETHTOOL_A_BITSET_BIT_VALUE, 0, NULL);
		mnl_attr_nest_end(nlh, bit);
	}
	mnl_attr_nest_end(nlh, bits);
	mnl_attr_nest_end(nlh, set);
}

/* A NIC that can offload TLS TX and RX, with TX on; and full record offload requested. */
static size_t hand_made_features(uint8_t *buf)
{
	static const char *const hw[] = { "rx-checksum", "tls-hw-tx-offload", "tls-hw-rx-offload" };
	static const char *const active[] = { "tls-hw-tx-offload" };
	static const char *const masked[] = { "tls-hw-record", "tls-hw-rx-offload" };
	static const int ones[] = { 1, 1, 1 }, mixed[] = { 1, 0 };

	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = 30;
	struct genlmsghdr *g = mnl_nlmsg_put_extra_header(nlh, sizeof(*g));
	g->cmd = ETHTOOL_MSG_FEATURES_GET_REPLY;
	put_bitset(nlh, ETHTOOL_A_FEATURES_HW, 1, hw, ones, 3);
	put_bitset(nlh, ETHTOOL_A_FEATURES_ACTIVE, 1, active, ones, 1);
	put_bitset(nlh, ETHTOOL_A_FEATURES_WANTED, 0, masked, mixed, 2); /* verbose with mask */
	return nlh->nlmsg_len;
}

static void test_hand_made_offload_active(void **state)
{
	uint8_t buf[2048], flags[KTLS_FEAT_COUNT] = { 0 };

	(void)state;
	hand_made_features(buf);
	assert_int_equal(ktls_ethtool_parse_features((struct nlmsghdr *)buf, flags), 0);
	assert_int_equal(flags[KTLS_FEAT_TX], KTLS_FEATURE_HW | KTLS_FEATURE_ACTIVE);
	assert_int_equal(flags[KTLS_FEAT_RX], KTLS_FEATURE_HW);
	assert_int_equal(flags[KTLS_FEAT_RECORD], KTLS_FEATURE_WANTED);
}

/* Every truncation of every reply: no read past its end (the message is copied to an allocation of
 * exactly its aligned size, as netlink lays it out, so valgrind or ASan would see one), and never a
 * crash. */
static void truncations(const uint8_t *msg, size_t len)
{
	for (size_t cut = 0; cut <= len; cut++) {
		size_t n = cut < sizeof(struct nlmsghdr) ? sizeof(struct nlmsghdr) : cut;
		uint8_t *copy = calloc(1, MNL_ALIGN(n));
		struct ktls_diag_socket e;
		uint8_t flags[KTLS_FEAT_COUNT] = { 0 };
		memcpy(copy, msg, cut);
		((struct nlmsghdr *)copy)->nlmsg_len = (uint32_t)n;
		int r = ktls_diag_parse((struct nlmsghdr *)copy, &e);
		assert_true(r == 0 || r == 1 || r == -EIO);
		r = ktls_ethtool_parse_features((struct nlmsghdr *)copy, flags);
		assert_true(r == 0 || r == -EIO);
		r = ktls_ethtool_parse_strset((struct nlmsghdr *)copy, flags);
		assert_true(r == 0 || r == -EIO);
		free(copy);
	}
}

static void test_truncated_replies(void **state)
{
	uint8_t buf[8192];
	static const char *const names[] = { "diag-tls13-aes128gcm-sw-sw", "ethtool-features", "ethtool-strset-features" };

	(void)state;
	truncations(buf, hand_made_diag(buf, TLS_CONF_HW, TLS_CONF_SW, "tls"));
	truncations(buf, hand_made_features(buf));
	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < 3; i++) {
			load(kernels[k], names[i], buf, sizeof(buf));
			truncations(buf, ((struct nlmsghdr *)buf)->nlmsg_len);
		}
}

static void test_tls_stat_parser(void **state)
{
	static const char linux61[] = "TlsCurrTxSw                     \t0\nTlsCurrRxSw                     \t2\n"
				      "TlsCurrTxDevice                 \t0\nTlsTxSw                         \t17\n"
				      "TlsDecryptError                 \t0\nTlsRxNoPadViolation             \t1\n";
	static const char linux614[] = "TlsTxSw\t5\nTlsTxRekeyOk\t3\nTlsRxRekeyReceived\t18446744073709551615\n";
	static const char junk[] = "\n  \nNoValue\nBad 12x\nOverflow 18446744073709551616\nGood 7\n"
				   "AVeryLongCounterNameThatCannotFitInFortySevenBytesAtAll 1\nLast 9";
	struct ktls_stat s[8];

	(void)state;
	assert_int_equal(ktls_stat_parse(linux61, sizeof(linux61) - 1, s, 8), 6);
	assert_string_equal(s[1].name, "TlsCurrRxSw");
	assert_int_equal(s[1].value, 2);
	assert_string_equal(s[5].name, "TlsRxNoPadViolation");
	/* counters a newer kernel added appear without a code change */
	assert_int_equal(ktls_stat_parse(linux614, sizeof(linux614) - 1, s, 8), 3);
	assert_string_equal(s[1].name, "TlsTxRekeyOk");
	assert_int_equal(s[2].value, UINT64_MAX);
	assert_int_equal(ktls_stat_parse(junk, sizeof(junk) - 1, s, 8), 2);
	assert_string_equal(s[0].name, "Good");
	assert_string_equal(s[1].name, "Last");
	/* capacity: counts all, writes what fits */
	memset(s, 0xAB, sizeof(s));
	assert_int_equal(ktls_stat_parse(linux61, sizeof(linux61) - 1, s, 2), 6);
	assert_int_equal(s[2].name[0], (char)0xAB);
	assert_int_equal(ktls_stat_parse(linux61, sizeof(linux61) - 1, NULL, 0), 6);
	assert_int_equal(ktls_stat_parse(NULL, 0, NULL, 0), 0);
	assert_int_equal(ktls_stat_parse(NULL, 5, NULL, 0), -EFAULT);
}

static void test_tls_stat_descriptions(void **state)
{
	static const char *const rekey[] = { "TlsRxRekeyOk", "TlsRxRekeyError", "TlsTxRekeyOk", "TlsTxRekeyError",
					     "TlsRxRekeyReceived" };

	(void)state;
	for (size_t i = 0; i < 5; i++) {
		const char *d = ktls_stat_description(rekey[i]);
		assert_non_null(d);
		assert_non_null(strstr(d, "6.14"));
	}
	assert_non_null(strstr(ktls_stat_description("TlsDecryptRetry"), "TLS_RX_EXPECT_NO_PAD"));
	assert_non_null(ktls_stat_description("TlsCurrTxSw"));
	assert_null(ktls_stat_description("TlsSomethingNew"));
	assert_null(ktls_stat_description("tlstxsw")); /* names are exact */
	assert_null(ktls_stat_description(NULL));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_recorded_sock_diag),
		cmocka_unit_test(test_recorded_ethtool),
		cmocka_unit_test(test_hand_made_offloaded_socket),
		cmocka_unit_test(test_hand_made_offload_active),
		cmocka_unit_test(test_truncated_replies),
		cmocka_unit_test(test_tls_stat_parser),
		cmocka_unit_test(test_tls_stat_descriptions),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
