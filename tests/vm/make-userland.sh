#!/bin/bash
# Build a current Debian userland (trixie or sid) into the cache, once; print its directory.
# usage: make-userland.sh NAME   (NAME: trixie or sid)
#
# The test VM can run the kernel suite chrooted into such a tree (ktls-vm --userland NAME), so the
# peers it tests against are that release's: OpenSSL, GnuTLS, curl and Erlang/OTP. Programs built
# on the host run there unchanged (libcrypto's soname and the NIF interface are forward compatible).
#
# mmdebstrap fetches from the Debian archive with its own apt configuration: the machine's sources
# are never read nor changed. Release files are accepted past their Valid-Until date (a frozen
# mirror serves expired ones; the signatures are still checked). A tree is rebuilt when older than
# KTLS_VM_USERLAND_MAX_AGE seconds (default 7 days; sid changes daily); when that fails the old tree
# is used and a note says so. Exit status 1 with the reason when no tree can be had: sid is at times
# uninstallable, and a caller decides whether that is an error.
set -euo pipefail

name=${1:?usage: make-userland.sh trixie|sid}
cache=${KTLS_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/libktls-vm}
mirror=${KTLS_VM_MIRROR:-http://deb.debian.org/debian}
max_age=${KTLS_VM_USERLAND_MAX_AGE:-604800}
packages=openssl,gnutls-bin,curl,libcmocka0,libmnl0,python3-minimal,erlang-nox,erlang-dev,erlang-eunit,procps,iproute2

die() { echo "make-userland: $*" >&2; exit 1; }

case "$name" in
trixie | sid) ;;
*) die "unknown userland '$name' (trixie or sid)" ;;
esac
command -v mmdebstrap >/dev/null || die "'mmdebstrap' not found (apt-get install mmdebstrap)"
[ "$(id -u)" = 0 ] || command -v unshare >/dev/null || die "building a root filesystem needs root or unshare"

# The tree's name changes with what goes into it, so an edited package list builds a new one.
key=$(printf '%s %s %s' "$name" "$packages" "$mirror" | sha256sum | cut -c1-12)
dir=$cache/userland/$name-$key
mkdir -p "$cache/userland" || die "cannot create $cache/userland"
exec 9>"$cache/userland/.$name.lock"
flock 9

fresh() { [ -e "$dir/.complete" ] && [ $(($(date +%s) - $(stat -c %Y "$dir/.complete"))) -lt "$max_age" ]; }
if ! fresh; then
	log=$cache/userland/$name.log
	mode=root
	[ "$(id -u)" = 0 ] || mode=unshare
	rm -rf "$dir.tmp"
	if mmdebstrap --variant=minbase --mode=$mode --include="$packages" \
		--aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Retries "3"' \
		"$name" "$dir.tmp" "$mirror" >"$log" 2>&1; then
		chroot "$dir.tmp" sh -c 'printf "openssl %s\ngnutls %s\notp %s\ncurl %s\n" \
			"$(openssl version | cut -d" " -f2)" "$(gnutls-cli --version | sed -n "1s/.* //p")" \
			"$(erl -noshell -eval "io:put_chars(erlang:system_info(otp_release)), halt().")" \
			"$(curl --version | sed -n "1s/^curl \([^ ]*\).*/\1/p")"' > "$dir.tmp/.versions" ||
			die "the $name tree was built but its tools do not run (see $dir.tmp)"
		printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' > "$dir.tmp/etc/hosts"
		rm -rf "$dir"
		mv "$dir.tmp" "$dir"
		touch "$dir/.complete"
		# Trees of an older package list are never used again.
		for old in "$cache/userland/$name"-*; do
			[ "$old" = "$dir" ] || [ ! -d "$old" ] || rm -rf "$old"
		done
	else
		reason=$(grep -E '^E: ' "$log" | grep -v 'mmdebstrap failed' | head -n 2 | tr '\n' ' ')
		rm -rf "$dir.tmp"
		[ -e "$dir/.complete" ] ||
			die "Debian $name cannot be built from $mirror today: ${reason:-see $log}"
		echo "make-userland: note: rebuilding $name failed (${reason:-see $log}); using the tree of $(date -r "$dir/.complete" +%F)" >&2
	fi
fi
echo "$dir"
