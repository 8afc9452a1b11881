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

#include "json.h"

/* One rule: 0 everything asked for was reported; 1 something could not be (the rest was);
 * 2 usage; 3 the command needs kernel TLS and this kernel has none; 4 not permitted. */
enum { EXIT_OK = 0, EXIT_ERROR = 1, EXIT_USAGE = 2, EXIT_NO_KTLS = 3, EXIT_DENIED = 4 };

static struct json *json; /* NULL: tables for people */

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

static const char *yes_no(int v)
{
	return v ? "yes" : "no";
}

static const char *toe_text(const struct ktls_kernel_caps *caps)
{
	if (!caps->tls || caps->hw_record < 0)
		return "unknown";
	return caps->hw_record ? "in this kernel" : "not in this kernel (removed in 7.2)";
}

static int cmd_probe(void)
{
	KTLS_OPTS(ktls_kernel_caps, caps);
	static const uint16_t versions[] = { KTLS_TLS_1_2, KTLS_TLS_1_3 };
	int r = ktls_probe_kernel(&caps);

	if (r < 0) {
		fprintf(stderr, "ktls: probe: %s\n", ktls_strerror(r));
		return EXIT_ERROR;
	}
	if (json) {
		json_object_begin(json, NULL);
		json_bool(json, "tls", caps.tls);
		json_bool(json, "tls13_tx", caps.tls13_tx);
		json_bool(json, "tls13_rx", caps.tls13_rx);
		json_bool(json, "rekey", caps.rekey);
		json_bool(json, "tx_zerocopy_sendfile", caps.tx_zerocopy_sendfile);
		json_bool(json, "rx_expect_no_pad", caps.rx_expect_no_pad);
		json_bool(json, "tx_max_payload_len", caps.tx_max_payload_len);
		if (caps.tls && caps.hw_record >= 0)
			json_bool(json, "hw_record", caps.hw_record);
		else
			json_null(json, "hw_record");
		json_array_begin(json, "ciphers");
	} else {
		printf("kernel TLS (tls ULP)      %s\nTLS 1.3 TX / RX           %s / %s\nrekey (TLS 1.3 KeyUpdate) %s\n"
		       "TX zero-copy sendfile     %s\nRX expect no padding      %s\nTX max payload length     %s\n"
		       "NIC record offload (TOE)  %s\n\n%-18s %-8s %-18s %-18s\n",
		       caps.tls ? "yes" : "no (modprobe tls)", yes_no(caps.tls13_tx), yes_no(caps.tls13_rx),
		       yes_no(caps.rekey), yes_no(caps.tx_zerocopy_sendfile), yes_no(caps.rx_expect_no_pad),
		       caps.tx_max_payload_len ? "yes (record_size_limit)" : "no", toe_text(&caps), "CIPHER", "TLS", "TX",
		       "RX");
	}
	for (uint16_t c = TLS_CIPHER_AES_GCM_128; c <= TLS_CIPHER_ARIA_GCM_256; c++)
		for (size_t v = 0; v < 2; v++) {
			int tx = caps.tls ? ktls_probe_cipher(versions[v], c, KTLS_DIR_TX) : -ENOENT;
			int rx = caps.tls ? ktls_probe_cipher(versions[v], c, KTLS_DIR_RX) : -ENOENT;
			if (!json) {
				printf("%-18s %-8s %-18s %-18s\n", cipher_name(c), version_name(versions[v]),
				       support_name(tx), support_name(rx));
				continue;
			}
			json_object_begin(json, NULL);
			json_string(json, "cipher", cipher_name(c));
			json_string(json, "tls_version", version_name(versions[v]));
			json_string(json, "tx", support_name(tx));
			json_string(json, "rx", support_name(rx));
			json_object_end(json);
		}
	if (json) {
		json_array_end(json);
		json_object_end(json);
	}
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
		return EXIT_ERROR;
	}
	if (json)
		json_object_begin(json, NULL);
	for (ssize_t i = 0; i < n && i < 128; i++) {
		const char *what = ktls_stat_description(s[i].name);
		if (json)
			json_uint(json, s[i].name, (unsigned long long)s[i].value);
		else
			printf("%-24s %20llu  %s\n", s[i].name, (unsigned long long)s[i].value, what ? what : "");
	}
	if (json)
		json_object_end(json);
	return EXIT_OK;
}

static void print_features(const char *what, uint8_t f)
{
	if (json) {
		json_object_begin(json, what);
		json_bool(json, "known", f & KTLS_FEATURE_KNOWN);
		json_bool(json, "hw", f & KTLS_FEATURE_HW);
		json_bool(json, "wanted", f & KTLS_FEATURE_WANTED);
		json_bool(json, "active", f & KTLS_FEATURE_ACTIVE);
		json_bool(json, "fixed", f & KTLS_FEATURE_FIXED);
		json_object_end(json);
		return;
	}
	printf("  %-20s %s%s%s\n", what,
	       !(f & KTLS_FEATURE_KNOWN) ? "not in this kernel" :
	       f & KTLS_FEATURE_ACTIVE ? "active" : f & KTLS_FEATURE_HW ? "available (off)" : "not offered by the device",
	       f & KTLS_FEATURE_WANTED ? ", requested" : "", f & KTLS_FEATURE_FIXED ? ", fixed" : "");
}

static int show_netdev(const char *name)
{
	KTLS_OPTS(ktls_netdev_info, info);
	int r = ktls_netdev_info(name, &info);

	if (r < 0) {
		fprintf(stderr, "ktls: %s: %s\n", name, ktls_strerror(r));
		if (json) { /* the interface stays in the list, with why it could not be read */
			json_object_begin(json, NULL);
			json_string(json, "ifname", name);
			json_string(json, "error", ktls_strerror(r));
			json_object_end(json);
		}
		return r;
	}
	const char *source = info.source == KTLS_NETDEV_SOURCE_NETLINK ? "netlink" : "ioctl";
	if (json) {
		json_object_begin(json, NULL);
		json_string(json, "ifname", info.ifname);
		json_int(json, "ifindex", info.ifindex);
		json_string(json, "source", source);
	} else {
		printf("%s (index %d, via %s)\n", info.ifname, info.ifindex,
		       info.source == KTLS_NETDEV_SOURCE_NETLINK ? "ethtool netlink" : "SIOCETHTOOL");
	}
	print_features("tls-hw-tx-offload", info.tls_tx);
	print_features("tls-hw-rx-offload", info.tls_rx);
	print_features("tls-hw-record", info.tls_record);
	if (json)
		json_object_end(json);
	return 0;
}

static int cmd_netdev(char **names, int count)
{
	int status = EXIT_OK;

	if (json)
		json_array_begin(json, NULL);
	if (count) {
		for (int i = 0; i < count; i++)
			if (show_netdev(names[i]) < 0)
				status = EXIT_ERROR;
	} else {
		struct if_nameindex *all = if_nameindex();
		if (!all) {
			fprintf(stderr, "ktls: listing the interfaces: %s\n", ktls_strerror(-errno));
			status = EXIT_ERROR;
		}
		for (struct if_nameindex *i = all; i && i->if_index; i++)
			if (show_netdev(i->if_name) < 0)
				status = EXIT_ERROR;
		if_freenameindex(all);
	}
	if (json)
		json_array_end(json);
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
	const struct ktls_socket_info *info = e->info;
	char local[64], remote[64], max_payload[8] = "-";

	(void)user;
	format_addr(e, e->local_addr, e->local_port, local, sizeof(local));
	format_addr(e, e->remote_addr, e->remote_port, remote, sizeof(remote));
	if (info->tx_max_payload_len)
		snprintf(max_payload, sizeof(max_payload), "%u", info->tx_max_payload_len);
	if (!json) {
		printf("%-28s %-28s %-5s %-18s %-9s %-9s %-6s%s%s\n", local, remote, version_name(info->tls_version),
		       cipher_name(info->cipher_type), mode_name(info->tx_mode), mode_name(info->rx_mode), max_payload,
		       info->tx_zerocopy ? " zc" : "", info->rx_no_pad ? " no-pad" : "");
		return 0;
	}
	json_object_begin(json, NULL);
	json_string(json, "local", local);
	json_string(json, "remote", remote);
	json_uint(json, "inode", (unsigned long long)e->inode);
	json_string(json, "tls_version", version_name(info->tls_version));
	json_string(json, "cipher", cipher_name(info->cipher_type));
	json_string(json, "tx", mode_name(info->tx_mode));
	json_string(json, "rx", mode_name(info->rx_mode));
	json_bool(json, "tx_zerocopy", info->tx_zerocopy);
	json_bool(json, "rx_no_pad", info->rx_no_pad);
	if (info->tx_max_payload_len)
		json_int(json, "tx_max_payload_len", info->tx_max_payload_len);
	else
		json_null(json, "tx_max_payload_len");
	json_object_end(json);
	return 0;
}

static int cmd_sockets(void)
{
	if (json)
		json_array_begin(json, NULL);
	else
		printf("%-28s %-28s %-5s %-18s %-9s %-9s %-6s\n", "LOCAL", "REMOTE", "TLS", "CIPHER", "TX", "RX", "TXMAX");
	int r = ktls_socket_foreach(print_socket, NULL);
	if (json)
		json_array_end(json);
	if (r == -EPERM || r == -EACCES) {
		fprintf(stderr, "ktls: this kernel shows kTLS socket details only to CAP_NET_ADMIN (run as root)\n");
		return EXIT_DENIED;
	}
	if (r < 0) {
		fprintf(stderr, "ktls: sockets: %s\n", ktls_strerror(r));
		return EXIT_ERROR;
	}
	struct ktls_stat st;
	if (ktls_stat_read(&st, 1) == -ENOENT) { /* no tls module: no kTLS socket can exist */
		fprintf(stderr, "ktls: kernel TLS is not loaded here (modprobe tls)\n");
		return EXIT_NO_KTLS;
	}
	return EXIT_OK;
}

static int cmd_version(void)
{
	if (!json) {
		printf("libktls %s\n", ktls_version());
		return EXIT_OK;
	}
	json_object_begin(json, NULL);
	json_string(json, "version", ktls_version());
	json_object_end(json);
	return EXIT_OK;
}

static int usage(FILE *f, int status)
{
	fprintf(f, "usage: ktls [-j|--json] probe | netdev [IFACE...] | stat | sockets | version\n"
		   "       ktls -h|--help | -V|--version\n"
		   "  probe    what the running kernel supports: kTLS, TLS 1.3, rekey, ciphers per direction\n"
		   "  netdev   TLS offload features of every interface, or of each IFACE\n"
		   "  stat     the kernel's kTLS counters (/proc/net/tls_stat)\n"
		   "  sockets  every kTLS socket of this network namespace, with version, cipher, TX/RX mode\n"
		   "exit status: 0 all reported, 1 something could not be, 2 usage, 3 the command needs\n"
		   "kernel TLS and this kernel has none, 4 not permitted (see ktls(1))\n");
	return status;
}

int main(int argc, char **argv)
{
	struct json out = { .out = stdout };
	const char *cmd = NULL;
	char *args[64];
	int nargs = 0;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if (strcmp(a, "-j") == 0 || strcmp(a, "--json") == 0)
			json = &out;
		else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0)
			return usage(stdout, EXIT_OK);
		else if (strcmp(a, "-V") == 0 || strcmp(a, "--version") == 0)
			cmd = "version";
		else if (a[0] == '-')
			return usage(stderr, EXIT_USAGE);
		else if (!cmd)
			cmd = a;
		else if (nargs < (int)(sizeof(args) / sizeof(args[0])))
			args[nargs++] = argv[i];
		else
			return usage(stderr, EXIT_USAGE);
	}
	if (!cmd)
		return usage(stderr, EXIT_USAGE);
	if (strcmp(cmd, "netdev") == 0)
		return cmd_netdev(args, nargs);
	if (nargs)
		return usage(stderr, EXIT_USAGE);
	if (strcmp(cmd, "probe") == 0)
		return cmd_probe();
	if (strcmp(cmd, "stat") == 0)
		return cmd_stat();
	if (strcmp(cmd, "sockets") == 0)
		return cmd_sockets();
	if (strcmp(cmd, "version") == 0)
		return cmd_version();
	if (strcmp(cmd, "help") == 0)
		return usage(stdout, EXIT_OK);
	return usage(stderr, EXIT_USAGE);
}
