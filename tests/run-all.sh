#!/bin/bash
# Build libktls and run every test suite: unit, abi, harness, examples, and kernel — natively
# where this kernel has kTLS and inside VMs booting Debian's 6.12 and 6.1 kernels.
# usage: tests/run-all.sh [BUILDDIR] [extra meson test arguments]
# KTLS_VM_REQUIRED=1 (as in CI) turns a VM that cannot run into a failure instead of a skip.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-$root/build}
shift || true

if [ -e "$build/build.ninja" ]; then
	meson setup --reconfigure "$build" "$root" >/dev/null || exit 1
else
	meson setup "$build" "$root" || exit 1
fi
meson compile -C "$build" || exit 1
meson test -C "$build" --print-errorlogs --num-processes "$(nproc)" "$@"
status=$?

options=$(meson introspect "$build" --buildoptions)
vm_option() {
	python3 -c 'import json,sys; print(" ".join(next(o["value"] for o in json.load(sys.stdin) if o["name"]==sys.argv[1])))' "$1" <<< "$options"
}
python3 - "$build/meson-logs/testlog.json" "${KTLS_VM_REQUIRED:-0}" "$(vm_option vm_kernels)" "$(vm_option vm_userlands)" <<'PY' || status=1
import json, re, sys
results = [json.loads(l) for l in open(sys.argv[1])]
for r in results:
    r['name'] = r['name'].split(' / ')[-1]
counts = {'OK': 0, 'FAIL': 0, 'SKIP': 0}
for r in results:
    key = {'OK': 'OK', 'SKIP': 'SKIP'}.get(r['result'], 'FAIL')
    counts[key] += 1
bad = 0
by_name = {r['name']: r for r in results}
for series in sys.argv[3].split():
    r = by_name.get('kernel-vm-' + series)
    kernel = re.search(r'# kernel (\S+), inside the test VM', r.get('stdout', '')) if r else None
    print(f"kernel-vm-{series}: {r['result'] if r else 'not run'} on {kernel.group(1) if kernel else 'no kernel'}")
    if sys.argv[2] == '1' and (not r or r['result'] != 'OK' or not kernel):
        print(f"FAIL: the kernel suite did not run in the {series} VM: a skipped kernel suite is a failure here")
        bad = 1
# Current userlands: trixie is required like the kernels; sid is reported (the archive cannot
# always build it), but once it ran it must pass.
for pair in sys.argv[4].split():
    userland, series = pair.split(':')
    name = f'kernel-vm-{series}-{userland}'
    r = by_name.get(name)
    out = r.get('stdout', '') if r else ''
    kernel = re.search(r'# kernel (\S+), inside the test VM', out)
    versions = re.search(r'# (OpenSSL [^,]+, gnutls-cli [^,]+, curl \S+)', out)
    skip = re.search(r'SKIP (.*)', out) if r and r['result'] == 'SKIP' else None
    print(f"{name}: {r['result'] if r else 'not run'}"
          + (f" on {kernel.group(1)}" if kernel else '') + (f" with {versions.group(1)}" if versions else '')
          + (f" ({skip.group(1).strip()})" if skip else ''))
    if sys.argv[2] == '1' and userland != 'sid' and (not r or r['result'] != 'OK' or not kernel):
        print(f"FAIL: the kernel suite did not run in the {userland} userland on {series}")
        bad = 1
print(f"tests: {counts['OK']} passed, {counts['FAIL']} failed, {counts['SKIP']} skipped")
sys.exit(bad or counts['FAIL'] > 0)
PY
exit $status
