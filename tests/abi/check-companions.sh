#!/bin/bash
# Run by check-install.sh with PKG_CONFIG_PATH and LD_LIBRARY_PATH set to an installed libktls:
# each companion library that was built has its pkg-config file, and a consumer of its header
# builds as strict C99 and as C++ and runs.
# usage: check-companions.sh SOURCEDIR NAME...   (NAME: openssl, gnutls)
set -euo pipefail
src=$1
shift
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for name in "$@"; do
	pc=libktls-$name
	pkg-config --exists "$pc" || { echo "FAIL: $pc.pc was not installed"; exit 1; }
	echo "pkg-config $pc $(pkg-config --modversion "$pc"): $(pkg-config --cflags --libs "$pc")"
	# shellcheck disable=SC2046
	${CC:-cc} -std=c99 -pedantic -Werror -Wall -o "$tmp/$name-c" "$src/consumer-$name.c" $(pkg-config --cflags --libs "$pc")
	# shellcheck disable=SC2046
	${CXX:-c++} -x c++ -pedantic -Werror -Wall -o "$tmp/$name-cxx" "$src/consumer-$name.c" $(pkg-config --cflags --libs "$pc")
	"$tmp/$name-c"
	"$tmp/$name-cxx"
done
