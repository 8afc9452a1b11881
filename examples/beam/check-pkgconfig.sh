#!/bin/bash
# Build the NIF with the Makefile against the libktls that check-install.sh installed
# (PKG_CONFIG_PATH and LD_LIBRARY_PATH point there), load it and use it.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
make -s -f "$here/Makefile" BUILD="$out"
erl -noshell -pa "$out/ebin" -eval '
    {ok, Info} = libktls:crypto_info(16#1303, #{secret => binary:copy(<<7>>, 32)}, 1),
    56 = byte_size(Info),
    io:format("NIF built with pkg-config, libktls ~s: crypto_info gave ~b bytes~n",
              [libktls:version(), byte_size(Info)]),
    halt().'
