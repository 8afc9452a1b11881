#!/bin/bash
# `meson install` into a scratch prefix gives a working pkg-config consumer of libktls.
# usage: check-install.sh BUILDDIR CONSUMER_SOURCE [-- COMMAND...]
# COMMAND then runs with PKG_CONFIG_PATH and LD_LIBRARY_PATH set to the installed library.
set -euo pipefail
build=$1
src=$2
shift 2
[ "${1:-}" = -- ] && shift
tmp=$(mktemp -d "$build/install-check.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

meson install -C "$build" --no-rebuild --quiet --destdir "$tmp/root" >/dev/null
prefix=$(meson introspect "$build" --buildoptions | python3 -c 'import json,sys; print(next(o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"))')
pcdir=$(dirname "$(find "$tmp/root" -name libktls.pc | head -n 1)")
[ -n "$pcdir" ] || { echo "FAIL: libktls.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH=$pcdir PKG_CONFIG_SYSROOT_DIR=$tmp/root
pkg-config --exists libktls || { echo "FAIL: pkg-config cannot use the installed libktls.pc"; exit 1; }
echo "pkg-config libktls $(pkg-config --modversion libktls): $(pkg-config --cflags --libs libktls)"
# shellcheck disable=SC2046
${CC:-cc} -std=c99 -pedantic -Werror -o "$tmp/consumer" "$src" $(pkg-config --cflags --libs libktls)
libdir=$(dirname "$(find "$tmp/root" -name 'libktls.so.1' | head -n 1)")
soname=$(readelf -d "$libdir/libktls.so.1" | sed -n 's/.*SONAME.*\[\(.*\)\]/\1/p')
[ "$soname" = libktls.so.1 ] || { echo "FAIL: SONAME is '$soname', not libktls.so.1"; exit 1; }
LD_LIBRARY_PATH=$libdir "$tmp/consumer"
# the static library links too, with its private requirements
${CC:-cc} -std=c99 -o "$tmp/consumer-static" "$src" $(pkg-config --cflags libktls) \
	"$libdir/libktls.a" $(pkg-config --libs-only-l --static libktls | sed 's/-lktls//')
"$tmp/consumer-static"
license=$(find "$tmp/root" -path '*/doc/libktls/LICENSE' | head -n 1)
[ -n "$license" ] && grep -q "MIT License" "$license" || { echo "FAIL: the MIT LICENSE was not installed"; exit 1; }
git -C "$(dirname "$0")" ls-files --error-unmatch ../../LICENSE >/dev/null 2>&1 ||
	[ ! -d "$(dirname "$0")/../../.git" ] || { echo "FAIL: LICENSE is not tracked: meson dist would leave it out"; exit 1; }
echo "installed under prefix $prefix: consumer built and ran (shared and static), LICENSE installed"
if [ $# -gt 0 ]; then
	LD_LIBRARY_PATH=$libdir "$@"
fi
