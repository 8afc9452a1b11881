#!/bin/bash
# Run one libFuzzer target for a bounded time from its seed corpus; a crash input is copied into
# the seed corpus (commit it: it stays a regression test) and fails the run.
# usage: run-fuzzer.sh FUZZER SEED_CORPUS WORK_CORPUS SECONDS
set -uo pipefail
fuzzer=$(realpath "$1") seeds=$(realpath "$2") work=$3 seconds=$4
mkdir -p "$work"
cd "$work" || exit 1
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work" "$seeds" 2>&1 | tail -n 25
status=${PIPESTATUS[0]}
for crash in crash-* leak-* timeout-* oom-*; do
	[ -e "$crash" ] || continue
	cp "$crash" "$seeds/regression-$(basename "$crash")"
	echo "FAIL: $(basename "$fuzzer") found $crash; saved to $seeds/regression-$(basename "$crash")"
	status=1
done
exit "$status"
