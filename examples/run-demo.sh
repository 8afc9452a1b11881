#!/bin/bash
# Run the hand-off demo on this kernel when it has kTLS, else inside the test VM (a real Debian
# kernel under qemu; see tests/vm/ktls-vm).
# usage: examples/run-demo.sh [BUILDDIR] [SUITE-HEX]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$root/build}" && pwd)
demo=$build/examples/handoff-demo
[ -x "$demo" ] || { echo "run-demo: $demo not built (meson compile -C $build)" >&2; exit 1; }
shift || true

"$demo" "$@"
status=$?
[ $status = 77 ] || exit $status
echo
echo "This kernel ($(uname -r)) has no kTLS: running the demo again inside a VM with Debian's kernel."
exec "$root/tests/vm/ktls-vm" --kernel "${KTLS_DEMO_KERNEL:-6.12}" -- "$demo" "$@"
