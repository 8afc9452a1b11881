#!/bin/bash
# The harness on a machine that never ran it: HOME is an empty directory, XDG_CACHE_HOME and
# KTLS_VM_CACHE are unset. The harness must create its cache itself (it once wrote into
# ~/.cache before anything created it, and exited 77). The kernel is pre-seeded into the empty
# cache with a link to the one already fetched, so this costs no download.
# usage: check-fresh-home.sh KTLS_VM SERIES
set -uo pipefail
vm=$1 series=$2
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

kdir=$("$here/fetch-kernel.sh" "$series") || { echo "skip: kernel $series cannot be fetched here"; exit 77; }
home=$(mktemp -d)
trap 'rm -rf "$home"' EXIT
fresh=(env -u KTLS_VM_CACHE -u XDG_CACHE_HOME HOME="$home")
fail=0

# A kernel no archive has: the reason must be the archive's answer, with nothing cached yet.
out=$("${fresh[@]}" KTLS_VM_REQUIRED=0 "$vm" --kernel 0.0 -- true 2>&1)
status=$?
printf '%s\n' "$out" | sed 's/^/# /'
[ $status = 77 ] || { echo "FAIL: an unknown kernel series should be a skip (77), got $status"; fail=1; }
grep -q 'no Debian package matching' <<< "$out" || { echo "FAIL: the skip does not give the archive's reason"; fail=1; }
grep -qi 'no such file' <<< "$out" && { echo "FAIL: the harness wrote where nothing was created"; fail=1; }
[ -d "$home/.cache/libktls-vm" ] || { echo "FAIL: the cache directory was not created"; fail=1; }

# The seeded kernel boots from the empty home: initramfs and locks are made in the new cache.
mkdir -p "$home/.cache/libktls-vm/kernels"
ln -s "$kdir" "$home/.cache/libktls-vm/kernels/$(basename "$kdir")"
out=$("${fresh[@]}" "$vm" --kernel "$series" -- sh -c 'uname -r; test -e /proc/net/tls_stat' 2>&1)
status=$?
printf '%s\n' "$out" | sed 's/^/# /'
[ $status = 0 ] || { echo "FAIL: the VM from an empty home exited $status"; fail=1; }
ls "$home"/.cache/libktls-vm/initramfs/*.cpio.gz >/dev/null 2>&1 || { echo "FAIL: no initramfs in the new cache"; fail=1; }
[ $fail = 0 ] && echo "ok: from an empty HOME the harness made its cache and booted $(tail -n 1 <<< "$out")"
exit $fail
