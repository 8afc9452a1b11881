/* SPDX-License-Identifier: MIT */
/*
 * ktls-bench: what libktls gains against userspace TLS. Not a test: it reports medians of
 * interleaved runs and ratios; run it through bench/run-bench.sh.
 *
 * usage: ktls-bench throughput [--mib N] [--runs N]
 *        ktls-bench transfer VARIANT METHOD MIB   (one untimed transfer)
 *        ktls-bench handoff [--conns N]
 *        ktls-bench heap [--conns N]
 *        ktls-bench callgrind-target NAME   (under valgrind --tool=callgrind; see run-bench.sh)
 */
#include <stdio.h>
#include <string.h>

#include "bench.h"

int main(int argc, char **argv)
{
	if (argc >= 2 && strcmp(argv[1], "throughput") == 0)
		return bench_throughput(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "transfer") == 0)
		return bench_transfer(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "handoff") == 0)
		return bench_handoff(argc - 1, argv + 1);
	if (argc >= 2 && strcmp(argv[1], "heap") == 0)
		return bench_heap(argc - 1, argv + 1);
	if (argc >= 3 && strcmp(argv[1], "callgrind-target") == 0)
		return bench_callgrind_target(argc - 1, argv + 1);
	fprintf(stderr, "usage: ktls-bench throughput [--mib N] [--runs N] | handoff [--conns N] | "
			"heap [--conns N] | callgrind-target NAME\n");
	return 2;
}
