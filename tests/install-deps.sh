#!/bin/bash
# Install what building and testing libktls needs on Debian 12 (idempotent; uses sudo when not root).
set -euo pipefail
packages=(meson ninja-build pkg-config gcc g++ python3 libssl-dev libmnl-dev libcmocka-dev openssl
	  qemu-system-x86 busybox-static kmod cpio gzip xz-utils iproute2
	  clang libclang-rt-14-dev valgrind abigail-tools libgnutls28-dev
	  erlang-base erlang-dev erlang-crypto erlang-ssl erlang-public-key erlang-asn1 erlang-eunit
	  erlang-dialyzer erlang-edoc erlang-syntax-tools rebar3 elixir
	  mmdebstrap gnutls-bin curl)
sudo=
[ "$(id -u)" = 0 ] || sudo=sudo
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# The kernel suite fetches Debian kernels with apt-get download: it needs current package lists.
$sudo apt-get update -qq
if [ ${#missing[@]} -gt 0 ]; then
	echo "install-deps: installing ${missing[*]}"
	$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
echo "install-deps: all of ${#packages[@]} packages present"
