#!/bin/bash
# Run one libFuzzer target for a bounded time from its seed corpus. A crash input is copied into
# the seed corpus (commit it: it stays a regression test) and fails the run. Inputs that reached
# new coverage are merged into the seed corpus (commit them: the corpus grows in the repository).
# The run fails when it reached fewer than MIN_EDGES edges: the library is not instrumented.
# usage: run-fuzzer.sh FUZZER SEED_CORPUS WORK_CORPUS SECONDS MIN_EDGES
set -uo pipefail
fuzzer=$(realpath "$1") seeds=$(realpath "$2") work=$3 seconds=$4 min_edges=$5
name=$(basename "$fuzzer")
mkdir -p "$work" "$seeds"
cd "$work" || exit 1
log=$(mktemp)
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 "$work" "$seeds" >"$log" 2>&1
status=$?
tail -n 25 "$log"
edges=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1 | cut -d' ' -f2)
rm -f "$log"
for crash in crash-* leak-* timeout-* oom-*; do
	[ -e "$crash" ] || continue
	cp "$crash" "$seeds/regression-$(basename "$crash")"
	echo "FAIL: $name found $crash; saved to $seeds/regression-$(basename "$crash")"
	status=1
done
before=$(ls "$seeds" | wc -l)
"$fuzzer" -merge=1 "$seeds" "$work" >/dev/null 2>&1
echo "$name: ${edges:-0} edges reached; seed corpus $before -> $(ls "$seeds" | wc -l) inputs"
if [ "${edges:-0}" -lt "$min_edges" ]; then
	echo "FAIL: $name reached ${edges:-0} edges, fewer than $min_edges: is the library built with -fsanitize=fuzzer-no-link?"
	status=1
fi
exit "$status"
