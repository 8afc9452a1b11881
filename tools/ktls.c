/* SPDX-License-Identifier: MIT */
/* ktls: what kernel TLS can do here, per kernel, NIC and socket. See ktls(1). */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/tls.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ktls.h>

enum { EXIT_OK = 0, EXIT_FAILURE_ = 1, EXIT_USAGE = 2, EXIT_NO_KTLS = 3, EXIT_DENIED = 4 };

static int json;

static const char *cipher_name(uint16_t c)
{
	switch (c) {
	case TLS_CIPHER_AES_GCM_128: return "AES-GCM-128";
	case TLS_CIPHER_AES_GCM_256: return "AES-GCM-256";
	case TLS_CIPHER_AES_CCM_128: return "AES-CCM-128";
	case TLS_CIPHER_CHACHA20_POLY1305: return "CHACHA20-POLY1305";
	case TLS_CIPHER_SM4_GCM: return "SM4-GCM";
	case TLS_CIPHER_SM4_CCM: return "SM4-CCM";
	case TLS_CIPHER_ARIA_GCM_128: return "ARIA-GCM-128";
	case TLS_CIPHER_ARIA_GCM_256: return "ARIA-GCM-256";
	}
	return "none";
}

static const char *version_name(uint16_t v)
{
	return v == KTLS_TLS_1_3 ? "1.3" : v == KTLS_TLS_1_2 ? "1.2" : "none";
}

static const char *mode_name(uint8_t m)
{
	switch (m) {
	case KTLS_MODE_NONE: return "none";
	case KTLS_MODE_SW: return "sw";
	case KTLS_MODE_HW: return "hw";
	case KTLS_MODE_HW_RECORD: return "hw-record";
	}
	return "unknown";
}

static const char *support_name(int r)
{
	switch (r) {
	case 1: return "yes";
	case -EOPNOTSUPP: return "unknown-to-kernel";
	case -ENOPKG: return "crypto-missing";
	case -ENOENT: return "no-ktls";
	}
	return "error";
}

static int cmd_probe(void)
{
	struct ktls_kernel_caps caps = { .sz = sizeof(caps) };
	static const uint16_t versions[] = { KTLS_TLS_1_2, KTLS_TLS_1_3 };
	int r = ktls_probe_kernel(&caps);

	if (r < 0) {
		fprintf(stderr, "ktls: probe: %s\n", ktls_strerror(r));
		return EXIT_FAILURE_;
	}
	if (json)
		printf("{\"tls\":%d,\"tls13_tx\":%d,\"tls13_rx\":%d,\"rekey\":%d,\"tx_zerocopy_sendfile\":%d,"
		       "\"rx_expect_no_pad\":%d,\"tx_max_payload_len\":%d,\"hw_record\":%d,\"ciphers\":[",
		       caps.tls, caps.tls13_tx, caps.tls13_rx, caps.rekey, caps.tx_zerocopy_sendfile,
		       caps.rx_expect_no_pad, caps.tx_max_payload_len, caps.hw_record);
	else
		printf("kernel TLS (tls ULP)      %s\nTLS 1.3 TX / RX           %s / %s\nrekey (TLS 1.3 KeyUpdate) %s\n"
		       "TX zero-copy sendfile     %s\nRX expect no padding      %s\nTX max payload length     %s\n"
		       "NIC record offload (TOE)  %s\n\n%-18s %-8s %-18s %-18s\n",
		       caps.tls ? "yes" : "no (modprobe tls)", caps.tls13_tx ? "yes" : "no", caps.tls13_rx ? "yes" : "no",
		       caps.rekey ? "yes" : "no", caps.tx_zerocopy_sendfile ? "yes" : "no",
		       caps.rx_expect_no_pad ? "yes" : "no", caps.tx_max_payload_len ? "yes (record_size_limit)" : "no",
		       !caps.tls ? "no" : caps.hw_record > 0 ? "in this kernel" : caps.hw_record == 0 ? "not in this kernel (removed in 7.2)" : "unknown",
		       "CIPHER", "TLS", "TX", "RX");
	int first = 1;
	for (uint16_t c = TLS_CIPHER_AES_GCM_128; c <= TLS_CIPHER_ARIA_GCM_256; c++)
		for (size_t v = 0; v < 2; v++) {
			int tx = caps.tls ? ktls_probe_cipher(versions[v], c, KTLS_DIR_TX) : -ENOENT;
			int rx = caps.tls ? ktls_probe_cipher(versions[v], c, KTLS_DIR_RX) : -ENOENT;
			if (json)
				printf("%s{\"cipher\":\"%s\",\"tls\":\"%s\",\"tx\":\"%s\",\"rx\":\"%s\"}", first ? "" : ",",
				       cipher_name(c), version_name(versions[v]), support_name(tx), support_name(rx));
			else
				printf("%-18s %-8s %-18s %-18s\n", cipher_name(c), version_name(versions[v]),
				       support_name(tx), support_name(rx));
			first = 0;
		}
	if (json)
		printf("]}\n");
	return caps.tls ? EXIT_OK : EXIT_NO_KTLS;
}

static int cmd_stat(void)
{
	struct ktls_stat s[128];
	ssize_t n = ktls_stat_read(s, 128);

	if (n == -ENOENT) {
		fprintf(stderr, "ktls: /proc/net/tls_stat does not exist: the tls module is not loaded (modprobe tls)\n");
		return EXIT_NO_KTLS;
	}
	if (n < 0) {
		fprintf(stderr, "ktls: stat: %s\n", ktls_strerror((int)n));
		return EXIT_FAILURE_;
	}
	if (json)
		printf("{");
	for (ssize_t i = 0; i < n && i < 128; i++) {
		if (json)
			printf("%s\"%s\":%llu", i ? "," : "", s[i].name, (unsigned long long)s[i].value);
		else
			printf("%-24s %20llu  %s\n", s[i].name, (unsigned long long)s[i].value,
			       ktls_stat_description(s[i].name) ? ktls_stat_description(s[i].name) : "");
	}
	if (json)
		printf("}\n");
	return EXIT_OK;
}

static void print_features(const char *what, uint8_t f, int last)
{
	if (json) {
		printf("\"%s\":{\"known\":%s,\"hw\":%s,\"wanted\":%s,\"active\":%s,\"fixed\":%s}%s", what,
		       f & KTLS_FEATURE_KNOWN ? "true" : "false", f & KTLS_FEATURE_HW ? "true" : "false",
		       f & KTLS_FEATURE_WANTED ? "true" : "false", f & KTLS_FEATURE_ACTIVE ? "true" : "false",
		       f & KTLS_FEATURE_FIXED ? "true" : "false", last ? "" : ",");
		return;
	}
	printf("  %-20s %s%s%s%s\n", what,
	       !(f & KTLS_FEATURE_KNOWN) ? "not in this kernel" :
	       f & KTLS_FEATURE_ACTIVE ? "active" : f & KTLS_FEATURE_HW ? "available (off)" : "not offered by the device",
	       f & KTLS_FEATURE_WANTED ? ", requested" : "", f & KTLS_FEATURE_FIXED ? ", fixed" : "", "");
}

static int show_netdev(const char *name, int first)
{
	struct ktls_netdev_info info = { .sz = sizeof(info) };
	int r = ktls_netdev_info(name, &info);

	if (r < 0) {
		fprintf(stderr, "ktls: %s: %s\n", name, ktls_strerror(r));
		return r;
	}
	if (json) {
		printf("%s{\"name\":\"%s\",\"ifindex\":%d,\"source\":\"%s\",", first ? "" : ",", info.name, info.ifindex,
		       info.source == KTLS_NETDEV_NETLINK ? "netlink" : "ioctl");
	} else {
		printf("%s (index %d, via %s)\n", info.name, info.ifindex,
		       info.source == KTLS_NETDEV_NETLINK ? "ethtool netlink" : "SIOCETHTOOL");
	}
	print_features("tls-hw-tx-offload", info.tls_tx, 0);
	print_features("tls-hw-rx-offload", info.tls_rx, 0);
	print_features("tls-hw-record", info.tls_record, 1);
	if (json)
		printf("}");
	return 0;
}

static int cmd_netdev(const char *ifname)
{
	int status = EXIT_OK, first = 1;

	if (json)
		printf("[");
	if (ifname) {
		status = show_netdev(ifname, 1) < 0 ? EXIT_FAILURE_ : EXIT_OK;
	} else {
		struct if_nameindex *all = if_nameindex();
		for (struct if_nameindex *i = all; i && i->if_index; i++, first = 0)
			if (show_netdev(i->if_name, first) < 0)
				status = EXIT_FAILURE_;
		if_freenameindex(all);
	}
	if (json)
		printf("]\n");
	return status;
}

static void format_addr(const struct ktls_socket_entry *e, const uint8_t *addr, uint16_t port, char *out, size_t len)
{
	char a[INET6_ADDRSTRLEN];

	inet_ntop(e->family, addr, a, sizeof(a));
	snprintf(out, len, e->family == AF_INET6 ? "[%s]:%u" : "%s:%u", a, ntohs(port));
}

static int print_socket(const struct ktls_socket_entry *e, void *user)
{
	char local[64], remote[64];
	int *count = user;

	format_addr(e, e->local_addr, e->local_port, local, sizeof(local));
	format_addr(e, e->remote_addr, e->remote_port, remote, sizeof(remote));
	char max_payload[8] = "-";
	if (e->info.tx_max_payload_len)
		snprintf(max_payload, sizeof(max_payload), "%u", e->info.tx_max_payload_len);
	if (json)
		printf("%s{\"local\":\"%s\",\"remote\":\"%s\",\"inode\":%llu,\"version\":\"%s\",\"cipher\":\"%s\","
		       "\"tx\":\"%s\",\"rx\":\"%s\",\"tx_zerocopy\":%s,\"rx_no_pad\":%s,\"tx_max_payload_len\":%u}",
		       *count ? "," : "", local, remote, (unsigned long long)e->inode, version_name(e->info.version),
		       cipher_name(e->info.cipher_type), mode_name(e->info.tx_mode), mode_name(e->info.rx_mode),
		       e->info.tx_zerocopy ? "true" : "false", e->info.rx_no_pad ? "true" : "false",
		       e->info.tx_max_payload_len);
	else
		printf("%-28s %-28s %-5s %-18s %-9s %-9s %-6s%s%s\n", local, remote, version_name(e->info.version),
		       cipher_name(e->info.cipher_type), mode_name(e->info.tx_mode), mode_name(e->info.rx_mode),
		       max_payload, e->info.tx_zerocopy ? " zc" : "", e->info.rx_no_pad ? " no-pad" : "");
	(*count)++;
	return 0;
}

static int cmd_sockets(void)
{
	int count = 0;

	if (json)
		printf("[");
	else
		printf("%-28s %-28s %-5s %-18s %-9s %-9s %-6s\n", "LOCAL", "REMOTE", "TLS", "CIPHER", "TX", "RX", "TXMAX");
	int r = ktls_socket_foreach(print_socket, &count);
	if (json)
		printf("]\n");
	if (r == -EPERM || r == -EACCES) {
		fprintf(stderr, "ktls: this kernel shows kTLS socket details only to CAP_NET_ADMIN (run as root)\n");
		return EXIT_DENIED;
	}
	if (r < 0) {
		fprintf(stderr, "ktls: sockets: %s\n", ktls_strerror(r));
		return EXIT_FAILURE_;
	}
	return EXIT_OK;
}

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: ktls [--json] probe | netdev [IFACE] | stat | sockets | version\n"
		   "  probe    what the running kernel supports: kTLS, TLS 1.3, rekey, ciphers per direction\n"
		   "  netdev   TLS offload features of every interface, or of IFACE\n"
		   "  stat     the kernel's kTLS counters (/proc/net/tls_stat)\n"
		   "  sockets  every kTLS socket of this network namespace, with version, cipher, TX/RX mode\n"
		   "exit status: 0 ok, 1 error, 2 usage, 3 no kernel TLS, 4 not permitted\n");
	return status;
}

int main(int argc, char **argv)
{
	int i = 1;

	if (i < argc && strcmp(argv[i], "--json") == 0)
		json = 1, i++;
	if (i >= argc)
		return usage(stderr, EXIT_USAGE);
	const char *cmd = argv[i++];
	if (i < argc && strcmp(argv[i], "--json") == 0)
		json = 1, i++;
	if (strcmp(cmd, "probe") == 0 && i == argc)
		return cmd_probe();
	if (strcmp(cmd, "stat") == 0 && i == argc)
		return cmd_stat();
	if (strcmp(cmd, "sockets") == 0 && i == argc)
		return cmd_sockets();
	if (strcmp(cmd, "netdev") == 0 && argc - i <= 1)
		return cmd_netdev(i < argc ? argv[i] : NULL);
	if (strcmp(cmd, "version") == 0 && i == argc) {
		printf(json ? "{\"version\":\"%s\"}\n" : "libktls %s\n", ktls_version());
		return EXIT_OK;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "help") == 0)
		return usage(stdout, EXIT_OK);
	return usage(stderr, EXIT_USAGE);
}
