#!/bin/bash
# The whole suite built with clang under ASan+UBSan (any report fails), kernel suite in the VMs
# included, plus every libFuzzer target for KTLS_FUZZ_SECONDS (default 30) each.
# usage: tests/run-sanitizers.sh [BUILDDIR]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build-sanitize}
shift || true
command -v clang >/dev/null || { echo "run-sanitizers: clang not found (apt-get install clang libclang-rt-14-dev)"; exit 1; }

# The current userlands run in the plain build only: their peers are what they test.
opts=(-Db_sanitize=address,undefined -Db_lundef=false -Dfuzzing=true -Dload_mib=64 -Dvm_userlands=[]
      -Dfuzz_seconds="${KTLS_FUZZ_SECONDS:-30}" -Dc_args=-fno-sanitize-recover=all -Dbuildtype=debug)
if [ -e "$build/build.ninja" ]; then
	meson setup --reconfigure "$build" "$root" "${opts[@]}" >/dev/null || exit 1
else
	CC=clang CXX=clang++ meson setup "$build" "$root" "${opts[@]}" || exit 1
fi
meson compile -C "$build" || exit 1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
# The install test links an uninstrumented consumer against the instrumented library: not here.
meson test -C "$build" --print-errorlogs --num-processes "$(nproc)" --no-suite abi "$@"
status=$?
python3 - "$build/meson-logs/testlog.json" <<'PY' || status=1
import json, sys
results = [json.loads(l) for l in open(sys.argv[1])]
bad = [r['name'] for r in results if r['result'] not in ('OK', 'SKIP')]
fuzz = [r for r in results if ' / fuzz-' in r['name']]
vm = [r for r in results if ' / kernel-vm-' in r['name'] and r['result'] == 'OK']
print(f"{len(fuzz)} fuzz targets; kernel suite in {len(vm)} VMs")
print(f"sanitizers: {len(results) - len(bad)} passed, {len(bad)} failed")
sys.exit(1 if bad or not fuzz else 0)
PY
exit $status
