#!/bin/bash
# Fetch and unpack the newest Debian kernel of a series into the cache, once; print its directory.
# usage: fetch-kernel.sh SERIES   (SERIES: 6.1, 6.12 or 7.x)
#
# 6.1 and 6.12 come from the host's own apt lists (Debian 12). 7.x comes from trixie-backports
# through a private apt configuration under the cache (its own sources.list, lists and archive
# directories): the machine's apt sources are never read for it nor changed. Its lists are
# refreshed when older than KTLS_VM_APT_MAX_AGE seconds (default 6 hours); when the archive
# cannot be reached, the newest kernel already in the cache is used.
# Nothing is installed on the host: the .debs are unpacked with dpkg -x and depmod runs on that
# tree, which always ends up with lib/modules/RELEASE and boot/vmlinuz-RELEASE.
set -euo pipefail

series=${1:?usage: fetch-kernel.sh SERIES}
cache=${KTLS_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libktls-vm}

die() { echo "fetch-kernel: $*" >&2; exit 1; }

for tool in apt-cache apt-get dpkg depmod; do
	command -v "$tool" >/dev/null || die "'$tool' not found: this needs a Debian-based host (apt-get install apt dpkg kmod)"
done
mkdir -p "$cache" || die "cannot create the cache directory $cache"

apt_opts=()
case "$series" in
6.1) pattern='^linux-image-6\.1\.0-[0-9]+-amd64-unsigned$' ;;
7.x)
	# Split packages since 7.x: the kernel image, its modules, and the base both depend on.
	pattern='^linux-binary-7\.[0-9]+\.[0-9]+\+deb[0-9]+-amd64$'
	apt_dir=$cache/apt/trixie-backports
	mkdir -p "$apt_dir/lists/partial" "$apt_dir/archives/partial"
	echo "deb [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian trixie-backports main" \
		> "$apt_dir/sources.list"
	apt_opts=(-o "Dir::Etc::sourcelist=$apt_dir/sources.list" -o Dir::Etc::sourceparts=-
		  -o "Dir::State::Lists=$apt_dir/lists" -o "Dir::Cache=$apt_dir" -o "Dir::Cache::archives=$apt_dir/archives"
		  -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache= -o APT::Get::List-Cleanup=false)
	stamp=$apt_dir/updated
	max_age=${KTLS_VM_APT_MAX_AGE:-21600}
	if [ ! -e "$stamp" ] || [ $(($(date +%s) - $(stat -c %Y "$stamp"))) -ge "$max_age" ]; then
		exec 7>"$apt_dir/.update.lock"
		flock 7
		if apt-get "${apt_opts[@]}" -q update >"$apt_dir/update.log" 2>&1; then
			touch "$stamp"
		else
			echo "fetch-kernel: note: trixie-backports unreachable (apt-get update: $(grep -E '^(E|Err):' "$apt_dir/update.log" | head -n 1)); using the cache" >&2
		fi
		flock -u 7
	fi
	;;
*) pattern="^linux-image-${series//./\\.}\\.[0-9]+\\+deb[0-9]+-amd64-unsigned\$" ;;
esac

# The newest matching package: by version order, never by listing order.
pkg=$(apt-cache "${apt_opts[@]}" pkgnames linux- 2>/dev/null | grep -E "$pattern" | sort -V | tail -n 1 || true)
if [ -z "$pkg" ]; then
	# Offline or no package lists: fall back to what is cached already.
	case "$series" in
	7.x) glob='linux-binary-7\.' ;;
	*) glob="linux-image-${series//./\\.}[.-]" ;;
	esac
	dir=$(ls -d "$cache"/kernels/*/ 2>/dev/null | grep -E "/$glob" | sort -V | tail -n 1 || true)
	[ -n "$dir" ] && [ -e "$dir/.complete" ] && { echo "${dir%/}"; exit 0; }
	[ "$series" = 7.x ] && die "no linux-binary-7.x package in trixie-backports' lists (see $cache/apt/trixie-backports/update.log)"
	die "no Debian package matching $pattern in the apt lists; run 'apt-get update' (as root) first"
fi
pkgs=("$pkg")
if [ "$series" = 7.x ]; then
	flavour=${pkg#linux-binary-}
	pkgs+=("linux-modules-$flavour" "linux-base-$flavour")
fi

dir=$cache/kernels/$pkg
exec 9>"$cache/.fetch.lock"
flock 9 # one fetch at a time: concurrent tests share the cache
if [ ! -e "$dir/.complete" ]; then
	debs=$(mktemp -d "$cache/debs.XXXXXX")
	(cd "$debs" && apt-get "${apt_opts[@]}" download -q "${pkgs[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' >&2; exit "${PIPESTATUS[0]}") ||
		{ rm -rf "$debs"; die "apt-get download ${pkgs[*]} failed (is the Debian archive reachable?)"; }
	rm -rf "$dir.tmp" && mkdir -p "$dir.tmp"
	for deb in "$debs"/*.deb; do
		dpkg -x "$deb" "$dir.tmp"
	done
	rm -rf "$debs"
	if [ ! -e "$dir.tmp/lib/modules" ] && [ -d "$dir.tmp/usr/lib/modules" ]; then
		ln -s usr/lib "$dir.tmp/lib" # merged /usr: 7.x ships only usr/lib/modules
	fi
	release=$(ls "$dir.tmp/lib/modules/")
	[ "$(echo "$release" | wc -l)" = 1 ] || die "expected one kernel release in ${pkgs[*]}, found: $release"
	mkdir -p "$dir.tmp/boot"
	if [ ! -e "$dir.tmp/boot/vmlinuz-$release" ]; then
		[ -e "$dir.tmp/lib/modules/$release/vmlinuz" ] || die "no vmlinuz in ${pkgs[*]}"
		ln -s "../lib/modules/$release/vmlinuz" "$dir.tmp/boot/vmlinuz-$release"
	fi
	depmod -b "$dir.tmp" "$release"
	rm -rf "$dir" && mv "$dir.tmp" "$dir" && touch "$dir/.complete"
fi
echo "$dir"
