/* SPDX-License-Identifier: MIT */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

#include "ktls-internal.h"

#define STAT_FILE_MAX 16384

static int parse_line(const char *p, const char *end, struct ktls_stat *out)
{
	size_t n = 0;
	uint64_t v = 0;
	int digits = 0;

	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (p < end && *p != ' ' && *p != '\t') {
		if (n + 1 >= sizeof(out->name))
			return 0;
		out->name[n++] = *p++;
	}
	out->name[n] = '\0';
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	for (; p < end && *p >= '0' && *p <= '9'; p++, digits++) {
		if (v > (UINT64_MAX - (uint64_t)(*p - '0')) / 10)
			return 0;
		v = v * 10 + (uint64_t)(*p - '0');
	}
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
		p++;
	if (n == 0 || digits == 0 || p != end)
		return 0;
	out->value = v;
	return 1;
}

/* The counters of net/tls/tls_proc.c, with the release that added each. */
static const struct {
	const char *name, *text;
} descriptions[] = {
	{ "TlsCurrTxSw", "TX contexts in software now" },
	{ "TlsCurrRxSw", "RX contexts in software now" },
	{ "TlsCurrTxDevice", "TX contexts offloaded to a NIC now" },
	{ "TlsCurrRxDevice", "RX contexts offloaded to a NIC now" },
	{ "TlsTxSw", "TX contexts installed in software" },
	{ "TlsRxSw", "RX contexts installed in software" },
	{ "TlsTxDevice", "TX contexts offloaded to a NIC" },
	{ "TlsRxDevice", "RX contexts offloaded to a NIC" },
	{ "TlsDecryptError", "records that failed authentication" },
	{ "TlsRxDeviceResync", "NIC RX resynchronisations" },
	{ "TlsDecryptRetry", "records decrypted twice: padded or control records under TLS_RX_EXPECT_NO_PAD (6.0)" },
	{ "TlsRxNoPadViolation", "padded records met while TLS_RX_EXPECT_NO_PAD was on (6.0)" },
	{ "TlsRxRekeyOk", "RX keys replaced after a KeyUpdate (6.14)" },
	{ "TlsRxRekeyError", "RX key replacements that failed (6.14)" },
	{ "TlsTxRekeyOk", "TX keys replaced (6.14)" },
	{ "TlsTxRekeyError", "TX key replacements that failed (6.14)" },
	{ "TlsRxRekeyReceived", "KeyUpdate messages received (6.14)" },
};

LIBKTLS_API const char *ktls_stat_description(const char *name)
{
	if (!name)
		return NULL;
	for (size_t i = 0; i < sizeof(descriptions) / sizeof(descriptions[0]); i++)
		if (strcmp(descriptions[i].name, name) == 0)
			return descriptions[i].text;
	return NULL;
}

LIBKTLS_API ssize_t ktls_stat_parse(const char *text, size_t len, struct ktls_stat *stats, size_t capacity)
{
	size_t count = 0;

	if ((!text && len) || (!stats && capacity))
		return -EFAULT;
	if (len == 0)
		return 0;
	for (const char *p = text, *end = text + len; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *line_end = nl ? nl : end;
		struct ktls_stat s;
		if (parse_line(p, line_end, &s)) {
			if (count < capacity)
				stats[count] = s;
			count++;
		}
		p = nl ? nl + 1 : end;
	}
	return (ssize_t)count;
}

LIBKTLS_API ssize_t ktls_stat_read(struct ktls_stat *stats, size_t capacity)
{
	char buf[STAT_FILE_MAX];
	size_t len = 0;

	if (!stats && capacity)
		return -EFAULT;
	int fd = open("/proc/net/tls_stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	for (;;) {
		ssize_t n = read(fd, buf + len, sizeof(buf) - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int err = -errno;
			close(fd);
			return err;
		}
		if (n == 0 || (len += (size_t)n) == sizeof(buf))
			break;
	}
	close(fd);
	return ktls_stat_parse(buf, len, stats, capacity);
}
