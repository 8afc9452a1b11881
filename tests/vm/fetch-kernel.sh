#!/bin/bash
# Fetch and unpack the newest Debian kernel of a series into the cache, once; print its directory.
# usage: fetch-kernel.sh SERIES   (SERIES: 6.12 or 6.1)
# Nothing is installed on the host: the .deb is unpacked with dpkg -x and depmod runs on that tree.
set -euo pipefail

series=${1:?usage: fetch-kernel.sh SERIES}
cache=${KTLS_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libktls-vm}

die() { echo "fetch-kernel: $*" >&2; exit 1; }

case "$series" in
6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
*) pattern="^linux-image-${series//./\\.}\\.[0-9]+\\+deb[0-9]+-amd64-unsigned\$" ;;
esac

for tool in apt-cache apt-get dpkg depmod; do
	command -v "$tool" >/dev/null || die "'$tool' not found: this needs a Debian-based host (apt-get install apt dpkg kmod)"
done

pkg=$(apt-cache pkgnames linux-image- 2>/dev/null | grep -E "$pattern" | sort -V | tail -n 1 || true)
if [ -z "$pkg" ]; then
	# Offline or no package lists: fall back to what is cached already.
	dir=$(ls -d "$cache"/kernels/*/ 2>/dev/null | grep -E "/linux-image-${series//./\\.}[.-]" | sort -V | tail -n 1 || true)
	[ -n "$dir" ] && { echo "${dir%/}"; exit 0; }
	die "no Debian package matching $pattern in the apt lists; run 'apt-get update' (as root) first"
fi

dir=$cache/kernels/$pkg
mkdir -p "$cache"
exec 9>"$cache/.fetch.lock"
flock 9 # one fetch at a time: concurrent tests share the cache
if [ ! -e "$dir/.complete" ]; then
	mkdir -p "$cache/debs"
	(cd "$cache/debs" && apt-get download -q "$pkg" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2; exit "${PIPESTATUS[0]}") || die "apt-get download $pkg failed (is the Debian archive reachable?)"
	deb=$(ls -t "$cache"/debs/"${pkg}"_*.deb | head -n 1)
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	dpkg -x "$deb" "$dir.tmp"
	release=$(ls "$dir.tmp/lib/modules")
	depmod -b "$dir.tmp" "$release"
	rm -rf "$dir" && mv "$dir.tmp" "$dir" && touch "$dir/.complete"
	rm -f "$deb"
fi
echo "$dir"
