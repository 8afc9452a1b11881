#!/bin/bash
# The harness on a cold cache, as on a fresh machine: the kernel is there (linked from the warm
# cache, so nothing is downloaded) but no initramfs is, so ktls-vm builds one and says so. In --tap
# mode its stdout must be exactly the command's TAP: a note before the plan once broke meson's TAP
# parser on every fresh machine. The notes, the guest's console and the command's stderr go to stderr.
# usage: check-cold-cache.sh KTLS_VM SERIES
set -uo pipefail
vm=$1 series=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
warm=${KTLS_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libktls-vm}

if ! "$here/fetch-kernel.sh" "$series" >/dev/null; then
	[ "${KTLS_VM_REQUIRED:-0}" = 1 ] && { echo "FAIL: kernel $series cannot be fetched"; exit 1; }
	echo "skip: kernel $series cannot be fetched here"
	exit 77
fi
# Inside the warm cache, so that hard links work; apt/ keeps 7.x's private package lists.
cold=$(mktemp -d "$warm/cold.XXXXXX")
trap 'rm -rf "$cold"' EXIT
mkdir "$cold/kernels"
cp -al "$warm/kernels/." "$cold/kernels/" || exit 1
[ -d "$warm/apt" ] && { cp -al "$warm/apt" "$cold/apt" || exit 1; }

expected=$(printf 'TAP version 13\n1..2\nok 1 - first\nok 2 - second')
KTLS_VM_CACHE=$cold "$vm" --tap --kernel "$series" -- sh -c \
	"echo 'TAP version 13'; echo 1..2; echo 'ok 1 - first'; echo cold-cache-stderr >&2; echo 'ok 2 - second'; exit 3" \
	>"$cold/stdout" 2>"$cold/stderr"
status=$?
sed 's/^/# stderr: /' "$cold/stderr"
sed 's/^/# stdout: /' "$cold/stdout"
fail=0
ls "$cold"/initramfs/*.cpio.gz >/dev/null 2>&1 || { echo "FAIL: no initramfs was built: the cold path did not run"; fail=1; }
[ $status = 3 ] || { echo "FAIL: expected the command's status 3, got $status"; fail=1; }
[ "$(cat "$cold/stdout")" = "$expected" ] || { echo "FAIL: stdout is not exactly the command's TAP"; fail=1; }
grep -qx cold-cache-stderr "$cold/stderr" || { echo "FAIL: the command's stderr did not come back on stderr"; fail=1; }
[ $fail = 0 ] && echo "ok: kernel $series from a cold cache: stdout is the command's TAP alone"
exit $fail
