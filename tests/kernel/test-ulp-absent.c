/* SPDX-License-Identifier: MIT */
/* On a kernel without kTLS (this project's build hosts), install reports the missing tls module
 * as -ENOENT with its own advice, and leaves the socket a working TCP socket. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include <ktls.h>

#include "../common/kernel-suite.h"

static void test_enoent_when_tls_module_missing(void **state)
{
	static const uint8_t secret[32] = { 1 };
	const struct ktls_secrets s13 = { .secret = secret, .secret_len = 32 };
	int c, s;
	char buf[4];

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	int r = ktls_install(c, KTLS_DIR_TX, 0x1301, &s13, 0);
	assert_int_equal(r, -ENOENT);
	assert_non_null(strstr(ktls_strerror(r), "modprobe tls"));
	assert_int_equal(write_all(c, "data", 4), 0);
	assert_int_equal(read_all(s, buf, 4), 0);
	assert_memory_equal(buf, "data", 4);
	close(c);
	close(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_enoent_when_tls_module_missing),
	};
	if (kernel_has_ktls()) {
		printf("skip: this kernel has kTLS; the missing-module error needs one without it\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
