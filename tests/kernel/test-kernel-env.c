/* SPDX-License-Identifier: MIT */
/* The harness really runs the kernel suite under a kTLS kernel: a silently native or silently
 * skipped run cannot pass this. */
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <cmocka.h>

#include "../common/kernel-suite.h"

static void test_tls_ulp_attaches(void **state)
{
	int c, s;
	char name[16] = "";
	socklen_t len = sizeof(name);

	(void)state;
	assert_int_equal(tcp_pair(&c, &s, 0), 0);
	assert_int_equal(setsockopt(c, IPPROTO_TCP, TCP_ULP, "tls", 3), 0);
	assert_int_equal(getsockopt(c, IPPROTO_TCP, TCP_ULP, name, &len), 0);
	assert_string_equal(name, "tls");
	close(c);
	close(s);
}

static void test_tls_stat_present(void **state)
{
	(void)state;
	assert_true(access("/proc/net/tls_stat", R_OK) == 0);
	assert_true(tls_stat("TlsCurrTxSw") >= 0);
	assert_true(tls_stat("TlsCurrRxSw") >= 0);
}

static void test_reports_where_it_runs(void **state)
{
	struct utsname u;

	(void)state;
	assert_int_equal(uname(&u), 0);
	print_message("kernel %s, %s\n", u.release, getenv("KTLS_IN_VM") ? "inside the test VM" : "native");
	if (getenv("KTLS_IN_VM")) {
		/* the harness boots Debian kernels; the host's build tree is mounted read-only */
		assert_non_null(strstr(u.release, "amd64"));
		assert_int_equal(access("/proc/self/cwd", F_OK), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tls_ulp_attaches),
		cmocka_unit_test(test_tls_stat_present),
		cmocka_unit_test(test_reports_where_it_runs),
	};
	require_ktls_kernel();
	return cmocka_run_group_tests(tests, fd_leak_setup, fd_leak_teardown);
}
