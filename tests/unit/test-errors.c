/* SPDX-License-Identifier: MIT */
/* One meaning per error code. The table in ktls.h is read as written: every errno in it appears
 * once and has a text of its own from ktls_strerror(). Then a table of calls, each made to fail
 * in the way the header names, must return exactly that errno (the ones only a kTLS kernel can
 * give are the kernel suite's: test-install-errors, test-tls-options, test-key-update). */
#include <errno.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "ktls-internal.h"
#include "../common/kernel-double.h"
#include "../common/net.h"

#define ERRNO(e) { #e, e }
static const struct {
	const char *name;
	int value;
} errnos[] = {
	ERRNO(EFAULT), ERRNO(EINVAL), ERRNO(EPROTONOSUPPORT), ERRNO(ENOSPC), ERRNO(EBADF), ERRNO(ENOTSOCK),
	ERRNO(ESOCKTNOSUPPORT), ERRNO(ENOTCONN), ERRNO(ENOENT), ERRNO(EEXIST), ERRNO(EOPNOTSUPP),
	ERRNO(ENOPKG), ERRNO(EPROTOTYPE), ERRNO(EBUSY), ERRNO(ENOKEY), ERRNO(ENOTRECOVERABLE),
	ERRNO(EKEYEXPIRED), ERRNO(EXFULL), ERRNO(ENOMSG), ERRNO(ENOBUFS), ERRNO(EMSGSIZE),
	ERRNO(ECONNABORTED), ERRNO(EPROTO), ERRNO(EPIPE), ERRNO(EBADMSG), ERRNO(ENOSYS), ERRNO(ENOMEM),
	ERRNO(EIO), ERRNO(EAGAIN), ERRNO(EINTR), ERRNO(ECONNRESET), ERRNO(EMFILE), ERRNO(EPERM),
	ERRNO(EINPROGRESS), ERRNO(ENODATA), ERRNO(ENOTEMPTY), ERRNO(EBADFD), ERRNO(EALREADY),
};

static int errno_value(const char *name)
{
	for (size_t i = 0; i < sizeof(errnos) / sizeof(errnos[0]); i++)
		if (strcmp(errnos[i].name, name) == 0)
			return errnos[i].value;
	fail_msg("the error table of ktls.h names %s, which this test does not know", name);
	return 0;
}

#define TABLE_MAX 64
static int table[TABLE_MAX], table_len;

/* The rows " * | -EA, -EB | meaning |" of ktls.h's error table. */
static void read_header_table(void)
{
	const char *path = getenv("KTLS_HEADER");
	char line[512];
	int in_table = 0;

	assert_non_null(path);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		if (strstr(line, " * Errors (negative errno values), one meaning each:"))
			in_table = 1;
		else if (in_table && strncmp(line, " * | -", 6) != 0)
			break;
		if (!in_table || strncmp(line, " * | -", 6) != 0)
			continue;
		char *cell = line + 4, *end = strchr(cell, '|');
		assert_non_null(end);
		*end = '\0';
		for (char *tok = strtok(cell, ", "); tok; tok = strtok(NULL, ", ")) {
			if (strcmp(tok, "...") == 0)
				continue;
			assert_true(tok[0] == '-' && table_len < TABLE_MAX);
			table[table_len++] = errno_value(tok + 1);
		}
	}
	fclose(f);
}

static void test_header_table_one_meaning_each(void **state)
{
	const char *unknown = ktls_strerror(-99999);

	(void)state;
	read_header_table();
	assert_true(table_len >= 28);
	for (int i = 0; i < table_len; i++) {
		const char *text = ktls_strerror(-table[i]);
		assert_non_null(text);
		assert_string_not_equal(text, unknown); /* the library has a text for it */
		assert_string_equal(text, ktls_strerror(table[i]));
		for (int j = 0; j < i; j++) {
			assert_int_not_equal(table[i], table[j]); /* listed once */
			assert_string_not_equal(text, ktls_strerror(-table[j]));
		}
	}
	assert_string_equal(ktls_strerror(0), "success");
	assert_non_null(strstr(ktls_strerror(-ENOENT), "modprobe tls"));
	assert_non_null(strstr(ktls_strerror(-EOPNOTSUPP), "6.19"));
}

/* ---- each error, made to happen ---- */

static const uint8_t secret[48] = { 1 };
static const struct ktls_secrets s13 = { .secret = secret, .secret_len = 32 };

static int call_efault(void) { return ktls_install(0, KTLS_DIR_TX, 0x1301, NULL, 0); }
static int call_einval(void) { return ktls_install(0, (enum ktls_dir)3, 0x1301, &s13, 0); }
static int call_eprotonosupport(void)
{
	struct ktls_suite_info si = { .sz = sizeof(si) };
	return ktls_suite_info(0x0005, &si); /* RC4 */
}
static int call_enospc(void)
{
	uint8_t buf[8];
	return (int)ktls_crypto_info(0x1301, &s13, 0, buf, sizeof(buf));
}
static int call_ebadf(void) { return ktls_install(-1, KTLS_DIR_TX, 0x1301, &s13, 0); }

static int on_socket(int fd, int (*fn)(int))
{
	assert_true(fd >= 0);
	int r = fn(fd);
	close(fd);
	return r;
}
static int install_tx(int fd) { return ktls_install(fd, KTLS_DIR_TX, 0x1301, &s13, 0); }
static int call_enotsock(void)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	close(p[1]);
	return on_socket(p[0], install_tx);
}
static int call_esocktnosupport(void) { return on_socket(socket(AF_INET, SOCK_DGRAM, 0), install_tx); }
static int call_enotconn(void) { return on_socket(socket(AF_INET, SOCK_STREAM, 0), install_tx); }

static int send_alert(int fd) { return ktls_send_alert(fd, KTLS_ALERT_LEVEL_WARNING, KTLS_ALERT_CLOSE_NOTIFY); }
static int call_enokey(void)
{
	int c, s;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	close(s);
	return on_socket(c, send_alert);
}

static int call_epipe(void)
{
	struct ktls_reader *r;
	uint8_t buf[16];
	int c, s;
	assert_int_equal(ktls_reader_new(KTLS_TLS_1_3, 0, &r), 0);
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	close(s);
	int ret = (int)ktls_reader_read(r, c, buf, sizeof(buf), 0);
	close(c);
	ktls_reader_free(r);
	return ret;
}

/* What the reader returns for records fed to a fresh TLS 1.3 reader of max_handshake_len. */
static int feed(size_t max_handshake_len, const uint8_t *types, const char *const *records, size_t n)
{
	struct ktls_reader *r;
	int ret = 0;

	assert_int_equal(ktls_reader_new(KTLS_TLS_1_3, max_handshake_len, &r), 0);
	for (size_t i = 0; i < n; i++)
		ret = ktls_reader_feed(r, types[i], records[i] + 1, (size_t)records[i][0]);
	ktls_reader_free(r);
	return ret;
}
/* records as "<length byte><bytes>" */
static const char nst[] = "\x0c\x04\x00\x00\x08\x00\x00\x00\x3c\x01\x02\x03\x04";
static int call_enomsg(void) { return feed(0, (const uint8_t[]){ 22 }, (const char *const[]){ nst }, 1); }
static int call_enobufs(void) { return feed(0, (const uint8_t[]){ 22, 22 }, (const char *const[]){ nst, nst }, 2); }
static int call_emsgsize(void) { return feed(4, (const uint8_t[]){ 22 }, (const char *const[]){ nst }, 1); }
static int call_econnaborted(void)
{
	return feed(0, (const uint8_t[]){ 21 }, (const char *const[]){ "\x02\x02\x28" }, 1);
}
static int call_eproto(void) { return feed(0, (const uint8_t[]){ 20 }, (const char *const[]){ "\x01\x01" }, 1); }

/* A connection pair over the kernel double: what end 1 sees after `prepare`. */
static int on_double(uint16_t suite, int rekey, const struct ktls_conn_opts *opts,
		     int (*prepare)(struct kernel_double *, const struct ktls_sys *, struct ktls_conn *[2]))
{
	static const uint8_t key[32], iv[12];
	struct ktls_suite_info si = { .sz = sizeof(si) };
	struct kernel_double *d = kernel_double_new(rekey);
	struct ktls_sys sys = kernel_double_sys(d);
	struct ktls_conn *c[2] = { NULL, NULL };

	assert_int_equal(ktls_suite_info(suite, &si), 0);
	const struct ktls_secrets k = si.tls_version == KTLS_TLS_1_3
		? (struct ktls_secrets){ .secret = secret, .secret_len = si.hash_len }
		: (struct ktls_secrets){ .key = key, .key_len = si.key_len, .iv = iv, .iv_len = si.iv_len };
	assert_int_equal(ktls_conn_open_sys(&sys, 0, suite, &k, 0, &k, 0, opts, &c[0]), 0);
	int r = ktls_conn_open_sys(&sys, 1, suite, &k, 0, &k, 0, opts, &c[1]);
	if (r == 0)
		r = prepare(d, &sys, c);
	ktls_conn_free(c[0]);
	ktls_conn_free(c[1]);
	kernel_double_free(d);
	return r;
}
static int update_keys(struct kernel_double *d, const struct ktls_sys *sys, struct ktls_conn *c[2])
{
	(void)d, (void)sys;
	return ktls_conn_update_keys(c[1], 0);
}
static int read_after_updates(struct kernel_double *d, const struct ktls_sys *sys, struct ktls_conn *c[2])
{
	uint8_t buf[64];
	int r;
	(void)d, (void)sys;
	for (int i = 0; i < 3; i++)
		if ((r = ktls_conn_update_keys(c[0], 0)) < 0)
			return r;
	while ((r = (int)ktls_conn_read(c[1], buf, sizeof(buf), 0)) > 0)
		;
	return r;
}
static int read_peer_update_unsupported(struct kernel_double *d, const struct ktls_sys *sys, struct ktls_conn *c[2])
{
	static const uint8_t ku[] = { KTLS_HANDSHAKE_KEY_UPDATE, 0, 0, 1, 0 };
	uint8_t buf[64];
	(void)d;
	assert_int_equal(sys->send_record(sys->ctx, 0, KTLS_RECORD_HANDSHAKE, ku, sizeof(ku), 0), 5);
	(void)c;
	return (int)ktls_conn_read(c[1], buf, sizeof(buf), 0);
}
static int read_under_other_keys(struct kernel_double *d, const struct ktls_sys *sys, struct ktls_conn *c[2])
{
	static const uint8_t other[32] = { 9 };
	uint8_t info[KTLS_CRYPTO_INFO_MAX], buf[64];
	const struct ktls_secrets k = { .secret = other, .secret_len = 32 };
	(void)d;
	ssize_t len = ktls_crypto_info(0x1301, &k, 0, info, sizeof(info));
	assert_true(len > 0);
	assert_int_equal(sys->replace_crypto(sys->ctx, 0, KTLS_DIR_TX, info, (size_t)len), 0);
	assert_int_equal(sys->send_record(sys->ctx, 0, KTLS_RECORD_APPLICATION_DATA, "x", 1, 0), 1);
	return (int)ktls_conn_read(c[1], buf, sizeof(buf), 0);
}
static int fail_rx_install(struct kernel_double *d, const struct ktls_sys *sys, struct ktls_conn *c[2])
{
	struct ktls_conn *third = NULL;
	(void)c;
	kernel_double_fail_next_set(d, 1, KTLS_DIR_RX, EINVAL);
	int r = ktls_conn_open_sys(sys, 1, 0x1301, &s13, 0, &s13, 0, NULL, &third);
	ktls_conn_free(third);
	return r;
}

static int call_eopnotsupp(void) { return on_double(0xC02F, 1, NULL, update_keys); }
static int call_ebusy(void) { return on_double(0x1301, 0, NULL, update_keys); }
static int call_ekeyexpired(void) { return on_double(0x1301, 0, NULL, read_peer_update_unsupported); }
static int call_exfull(void)
{
	const struct ktls_conn_opts o = { .sz = sizeof(o), .max_peer_updates = 2, .peer_update_window_ms = 60000 };
	return on_double(0x1301, 1, &o, read_after_updates);
}
static int call_ebadmsg(void) { return on_double(0x1301, 1, NULL, read_under_other_keys); }
static int call_enotrecoverable(void) { return on_double(0x1301, 1, NULL, fail_rx_install); }
static int call_einval_unknown_option(void)
{
	const struct ktls_conn_opts o = { .sz = sizeof(o), .reserved = 1 };
	struct kernel_double *d = kernel_double_new(1);
	struct ktls_sys sys = kernel_double_sys(d);
	struct ktls_conn *c = NULL;
	int r = ktls_conn_open_sys(&sys, 0, 0x1301, &s13, 0, &s13, 0, &o, &c);
	ktls_conn_free(c);
	kernel_double_free(d);
	return r;
}

static void test_each_error_as_documented(void **state)
{
	static const struct {
		int err;
		int (*call)(void);
		const char *what;
	} cases[] = {
		{ EFAULT, call_efault, "ktls_install() without secrets" },
		{ EINVAL, call_einval, "ktls_install() with direction 3" },
		{ EINVAL, call_einval_unknown_option, "ktls_conn_open() with a reserved field set" },
		{ EPROTONOSUPPORT, call_eprotonosupport, "ktls_suite_info() of an RC4 suite" },
		{ ENOSPC, call_enospc, "ktls_crypto_info() into 8 bytes" },
		{ EBADF, call_ebadf, "ktls_install() on -1" },
		{ ENOTSOCK, call_enotsock, "ktls_install() on a pipe" },
		{ ESOCKTNOSUPPORT, call_esocktnosupport, "ktls_install() on UDP" },
		{ ENOTCONN, call_enotconn, "ktls_install() on an unconnected TCP socket" },
		{ ENOKEY, call_enokey, "ktls_send_alert() on a socket without kTLS" },
		{ EPIPE, call_epipe, "ktls_reader_read() when TCP closed without close_notify" },
		{ ENOMSG, call_enomsg, "a NewSessionTicket fed to a reader" },
		{ ENOBUFS, call_enobufs, "a second one before the first was taken" },
		{ EMSGSIZE, call_emsgsize, "a ticket longer than the reader's limit" },
		{ ECONNABORTED, call_econnaborted, "a fatal alert" },
		{ EPROTO, call_eproto, "change_cipher_spec after the handshake" },
		{ EOPNOTSUPP, call_eopnotsupp, "KeyUpdate on TLS 1.2" },
		{ EBUSY, call_ebusy, "KeyUpdate where the kernel cannot rekey" },
		{ EKEYEXPIRED, call_ekeyexpired, "the peer's KeyUpdate where the kernel cannot rekey" },
		{ EXFULL, call_exfull, "three peer KeyUpdates where two are allowed" },
		{ EBADMSG, call_ebadmsg, "a record under other keys" },
		{ ENOTRECOVERABLE, call_enotrecoverable, "RX refused after TX went in" },
	};

	(void)state;
	if (!table_len)
		read_header_table();
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int in_table = 0;
		for (int j = 0; j < table_len; j++)
			in_table |= table[j] == cases[i].err;
		assert_true(in_table);
		int r = cases[i].call();
		if (r != -cases[i].err)
			fail_msg("%s: %d (%s), expected -%d (%s)", cases[i].what, r, ktls_strerror(r), cases[i].err,
				 ktls_strerror(-cases[i].err));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_header_table_one_meaning_each),
		cmocka_unit_test(test_each_error_as_documented),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
