#!/bin/bash
# The reference generated from the sources with edoc: no error, no warning.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
erl -noshell -eval '
    [Src, Out] = init:get_plain_arguments(),
    Files = filelib:wildcard(filename:join(Src, "*.erl")),
    ok = edoc:files(Files, [{dir, Out}, {preprocess, true}, {report_missing_types, true},
                            {includes, [filename:join(code:lib_dir(kernel), "include")]}]),
    halt().' -extra "$here/src" "$out" 2>&1 | tee "$out/log"
grep -qi "warning\|error" "$out/log" && { echo "FAIL: edoc reported the above"; exit 1; }
[ -s "$out/libktls.html" ] || { echo "FAIL: no libktls.html"; exit 1; }
echo "edoc: $(ls "$out"/*.html | wc -l) pages, libktls.html $(wc -c < "$out/libktls.html") bytes"
