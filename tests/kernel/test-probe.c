/* SPDX-License-Identifier: MIT */
/* Probing against the running kernel: the capability probe matches what the kernel does; a live
 * kTLS socket is seen (sock_diag as root, getsockopt when not permitted) and found by
 * ktls_socket_foreach() and `ktls sockets`; the VM's virtio NIC, loopback and a veth pair report TLS
 * offload unavailable through both netlink and the ioctl; the counters read by name. */
#include <errno.h>
#include <linux/tls.h>
#include <net/if.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktls.h>

#include "../common/kernel-suite.h"

#ifndef SOL_TLS
#define SOL_TLS 282
#endif

static const uint8_t secret[32] = { 9 };
static const struct ktls_secrets s13 = { .secret = secret, .secret_len = 32 };

static void test_kernel_caps(void **state)
{
	struct ktls_kernel_caps caps = { .sz = sizeof(caps) };
	int v = kernel_version();

	(void)state;
	assert_int_equal(ktls_probe_kernel(&caps), 0);
	print_message("tls %d tls13 %d/%d rekey %d zc-sendfile %d no-pad %d max-payload %d\n", caps.tls,
		      caps.tls13_tx, caps.tls13_rx, caps.rekey, caps.tx_zerocopy_sendfile, caps.rx_expect_no_pad,
		      caps.tx_max_payload_len);
	assert_int_equal(caps.tls, 1);
	assert_int_equal(caps.tls13_tx, 1);
	assert_int_equal(caps.tls13_rx, 1);
	assert_int_equal(caps.rekey, v >= 6014);
	assert_int_equal(caps.tx_zerocopy_sendfile, v >= 5019);
	assert_int_equal(caps.rx_expect_no_pad, v >= 6000);
	assert_int_equal(caps.tx_max_payload_len, v >= 6019);
	caps.sz = 8;
	assert_int_equal(ktls_probe_kernel(&caps), -EINVAL);
}

/* Each answer agrees with what installing real keys of that kind does. */
static void test_cipher_matrix_matches_install(void **state)
{
	(void)state;
	uint16_t suites[128];
	size_t n = ktls_suite_list(suites, 128);
	for (size_t i = 0; i < n; i++) {
		struct ktls_suite_info si = { .sz = sizeof(si) };
		uint8_t key[32] = { 0 }, iv[12] = { 0 };
		int c, s;
		assert_int_equal(ktls_suite_info(suites[i], &si), 0);
		struct ktls_secrets k = { .key = key, .key_len = si.key_len, .iv = iv, .iv_len = si.iv_len };
		for (enum ktls_dir dir = KTLS_DIR_TX; dir <= KTLS_DIR_RX; dir++) {
			int probe = ktls_probe_cipher(si.tls_version, si.cipher_type, dir);
			assert_int_equal(tcp_pair(&c, &s, 0), 0);
			int install = ktls_install(c, dir, suites[i], &k, 1);
			assert_int_equal(probe == 1 ? 0 : probe, install);
			close(c);
			close(s);
		}
	}
	/* ARIA exists only for TLS 1.2 in the kernel */
	assert_int_equal(ktls_probe_cipher(KTLS_TLS_1_3, TLS_CIPHER_ARIA_GCM_128, KTLS_DIR_TX), -EOPNOTSUPP);
	assert_int_equal(ktls_probe_cipher(KTLS_TLS_1_3, TLS_CIPHER_AES_GCM_128, KTLS_DIR_RX), 1);
	assert_int_equal(ktls_probe_cipher(0x0302, TLS_CIPHER_AES_GCM_128, KTLS_DIR_TX), -EINVAL);
	assert_int_equal(ktls_probe_cipher(KTLS_TLS_1_3, 50, KTLS_DIR_TX), -EINVAL);
}

static void test_socket_info_through_its_life(void **state)
{
	struct ktls_socket_info info = { .sz = sizeof(info) };
	int c, s, one = 1;

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 1), 0);
	assert_int_equal(ktls_socket_info(c, &info), 0);
	assert_int_equal(info.ulp, 0);
	assert_int_equal(info.source, KTLS_SOCKET_SOURCE_SOCK_DIAG);

	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x1301, &s13, 0), 0);
	assert_int_equal(setsockopt(c, SOL_TLS, TLS_TX_ZEROCOPY_RO, &one, sizeof(one)), 0);
	assert_int_equal(ktls_socket_info(c, &info), 0);
	assert_int_equal(info.ulp, 1);
	assert_int_equal(info.source, KTLS_SOCKET_SOURCE_SOCK_DIAG);
	assert_int_equal(info.tls_version, KTLS_TLS_1_3);
	assert_int_equal(info.cipher_type, TLS_CIPHER_AES_GCM_128);
	assert_int_equal(info.tx_mode, KTLS_MODE_SW);
	assert_int_equal(info.rx_mode, KTLS_MODE_NONE);
	/* TLS_TX_ZEROCOPY_RO only matters to device offload: the kernel reports it only then */
	assert_int_equal(info.tx_zerocopy, 0);

	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0x1301, &s13, 0), 0);
	assert_int_equal(setsockopt(c, SOL_TLS, TLS_RX_EXPECT_NO_PAD, &one, sizeof(one)), 0);
	assert_int_equal(ktls_socket_info(c, &info), 0);
	assert_int_equal(info.rx_mode, KTLS_MODE_SW);
	assert_int_equal(info.rx_no_pad, 1);

	/* the loopback route */
	assert_int_equal(ktls_socket_ifindex(c), (int)if_nametoindex("lo"));

	/* not permitted to see sock_diag's ULP part (CAP_NET_ADMIN before ~6.15): still kTLS */
	pid_t pid = fork();
	if (pid == 0) {
		struct ktls_socket_info u = { .sz = sizeof(u) };
		if (setgid(65534) < 0 || setuid(65534) < 0 || ktls_socket_info(c, &u) < 0)
			_exit(10);
		int hidden = kernel_version() < 6015;
		if (u.ulp != 1 || u.tls_version != KTLS_TLS_1_3 || u.cipher_type != TLS_CIPHER_AES_GCM_128)
			_exit(11);
		if (hidden && (u.source != KTLS_SOCKET_SOURCE_SOCKOPT || u.tx_mode != KTLS_MODE_UNKNOWN))
			_exit(12);
		_exit(0);
	}
	int st;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_true(WIFEXITED(st));
	assert_int_equal(WEXITSTATUS(st), 0);

	info.sz = 4;
	assert_int_equal(ktls_socket_info(c, &info), -EINVAL);
	assert_int_equal(ktls_socket_info(-1, NULL), -EFAULT);
	close(c);
	close(s);
}

struct find {
	uint16_t port;
	int found;
	struct ktls_socket_entry e;
	struct ktls_socket_info info; /* e.info points to it once copied: e's is the library's */
};

static int find_port(const struct ktls_socket_entry *e, void *user)
{
	struct find *f = user;

	if (e->local_port == f->port) {
		f->found++;
		f->e = *e;
		f->info = *e->info;
		f->e.info = &f->info;
	}
	return 0;
}

static void test_sockets_found_by_dump_and_tool(void **state)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	int c, s;
	char cmd[512], out[8192];

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x1301, &s13, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_RX, 0x1301, &s13, 0), 0);
	assert_int_equal(getsockname(c, (struct sockaddr *)&a, &alen), 0);

	struct find f = { .port = a.sin_port };
	assert_int_equal(ktls_socket_foreach(find_port, &f), 0);
	assert_int_equal(f.found, 1);
	assert_int_equal(f.e.family, AF_INET);
	assert_int_equal(f.e.info->tx_mode, KTLS_MODE_SW);
	assert_int_equal(f.e.info->rx_mode, KTLS_MODE_SW);

	const char *tool = getenv("KTLS_TOOL");
	assert_non_null(tool);
	snprintf(cmd, sizeof(cmd), "%s --json sockets", tool);
	FILE *p = popen(cmd, "r");
	assert_non_null(p);
	size_t n = fread(out, 1, sizeof(out) - 1, p);
	out[n] = '\0';
	assert_int_equal(pclose(p), 0);
	char want[64];
	snprintf(want, sizeof(want), "\"local\":\"127.0.0.1:%u\"", ntohs(a.sin_port));
	print_message("ktls --json sockets: %s", out);
	assert_non_null(strstr(out, want));
	assert_non_null(strstr(out, "\"tx\":\"sw\",\"rx\":\"sw\""));
	close(c);
	close(s);
}

static void expect_no_offload(const char *ifname)
{
	struct ktls_netdev_info nl = { .sz = sizeof(nl) }, io = { .sz = sizeof(io) };

	assert_int_equal(ktls_netdev_info(ifname, &nl), 0);
	assert_int_equal(ktls_netdev_info_ioctl(ifname, &io), 0);
	print_message("%s: netlink tx %#x rx %#x record %#x; ioctl tx %#x rx %#x record %#x\n", ifname, nl.tls_tx,
		      nl.tls_rx, nl.tls_record, io.tls_tx, io.tls_rx, io.tls_record);
	assert_int_equal(nl.source, KTLS_NETDEV_SOURCE_NETLINK);
	assert_int_equal(io.source, KTLS_NETDEV_SOURCE_IOCTL);
	assert_int_equal(nl.ifindex, (int)if_nametoindex(ifname));
	/* the kernel knows the TX/RX offload features; no device here offers them */
	assert_true(nl.tls_tx & KTLS_FEATURE_KNOWN);
	assert_true(nl.tls_rx & KTLS_FEATURE_KNOWN);
	assert_false(nl.tls_tx & (KTLS_FEATURE_HW | KTLS_FEATURE_ACTIVE));
	assert_false(nl.tls_rx & (KTLS_FEATURE_HW | KTLS_FEATURE_ACTIVE));
	assert_false(nl.tls_record & (KTLS_FEATURE_HW | KTLS_FEATURE_ACTIVE));
	/* both paths agree on what they both see */
	assert_int_equal(nl.tls_tx & ~KTLS_FEATURE_FIXED, io.tls_tx & ~KTLS_FEATURE_FIXED);
	assert_int_equal(nl.tls_rx & ~KTLS_FEATURE_FIXED, io.tls_rx & ~KTLS_FEATURE_FIXED);
	assert_int_equal(nl.tls_record & ~KTLS_FEATURE_FIXED, io.tls_record & ~KTLS_FEATURE_FIXED);
}

static void test_nics_report_no_offload(void **state)
{
	struct ktls_netdev_info info = { .sz = sizeof(info) };

	(void)state;
	expect_no_offload("lo");
	if (getenv("KTLS_IN_VM")) {
		/* the VM's virtio NIC (wired to nothing) */
		struct if_nameindex *all = if_nameindex(), *i;
		int virtio = 0;
		for (i = all; i && i->if_index; i++)
			if (strcmp(i->if_name, "lo") != 0 && strncmp(i->if_name, "ktlsv", 5) != 0) {
				expect_no_offload(i->if_name);
				virtio++;
			}
		if_freenameindex(all);
		assert_true(virtio >= 1);
		/* a veth pair */
		assert_int_equal(system("ip link add ktlsv0 type veth peer name ktlsv1"), 0);
		expect_no_offload("ktlsv0");
		expect_no_offload("ktlsv1");
		assert_int_equal(system("ip link del ktlsv0"), 0);
	}
	assert_int_equal(ktls_netdev_info("no-such-if", &info), -ENODEV);
	assert_int_equal(ktls_netdev_info("a-name-far-too-long-for-linux", &info), -EINVAL);
}

static void test_counters_by_name(void **state)
{
	struct ktls_stat st[128];
	int c, s;

	(void)state;
	ssize_t n = ktls_stat_read(st, 128);
	assert_true(n >= 10); /* 5.5: ten counters; more on newer kernels */
	long long before = tls_stat("TlsTxSw");
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(ktls_install(c, KTLS_DIR_TX, 0x1301, &s13, 0), 0);
	n = ktls_stat_read(st, 128);
	int found = 0;
	for (ssize_t i = 0; i < n; i++)
		if (strcmp(st[i].name, "TlsTxSw") == 0) {
			assert_int_equal((long long)st[i].value, before + 1);
			found = 1;
		}
	assert_true(found);
	if (kernel_version() >= 6014) {
		int rekey = 0;
		for (ssize_t i = 0; i < n; i++)
			rekey += strcmp(st[i].name, "TlsTxRekeyOk") == 0;
		assert_int_equal(rekey, 1);
	}
	close(c);
	close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_caps),
		cmocka_unit_test(test_cipher_matrix_matches_install),
		cmocka_unit_test(test_socket_info_through_its_life),
		cmocka_unit_test(test_sockets_found_by_dump_and_tool),
		cmocka_unit_test(test_nics_report_no_offload),
		cmocka_unit_test(test_counters_by_name),
	};
	require_ktls_kernel();
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
