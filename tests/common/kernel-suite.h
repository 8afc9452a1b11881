/* SPDX-License-Identifier: MIT */
/* Shared by every kernel-suite test: require a kTLS kernel, and check for fd leaks. */
#ifndef KTLS_TEST_KERNEL_SUITE_H
#define KTLS_TEST_KERNEL_SUITE_H

#include <stdio.h>
#include <stdlib.h>

#include "net.h"

/* Exit 77 (skip) where the kernel lacks kTLS, but fail inside the test VM, which must have it. */
static inline void require_ktls_kernel(void)
{
	if (kernel_has_ktls())
		return;
	if (getenv("KTLS_IN_VM")) {
		fprintf(stderr, "FAIL: inside the test VM but the kernel has no kTLS\n");
		exit(1);
	}
	printf("skip: the running kernel has no kTLS (tls module missing); the kernel suite runs in the VM\n");
	exit(77);
}

static int fds_at_start;

static inline int fd_leak_setup(void **state)
{
	(void)state;
	fds_at_start = open_fd_count();
	return fds_at_start < 0 ? -1 : 0;
}

static inline int fd_leak_teardown(void **state)
{
	int now = open_fd_count();

	(void)state;
	if (now != fds_at_start) {
		fprintf(stderr, "fd leak: %d descriptors open at start, %d at the end\n", fds_at_start, now);
		return -1;
	}
	return 0;
}

#endif
