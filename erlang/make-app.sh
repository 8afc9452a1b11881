#!/bin/bash
# The application resource file from src/libktls.app.src: the modules filled in, and its version
# checked against the C library's (they are released together).
# usage: make-app.sh APP_SRC OUTPUT VERSION MODULE...
set -euo pipefail
src=$1 out=$2 version=$3
shift 3
grep -q "{vsn, \"$version\"}" "$src" ||
	{ echo "$src: vsn is not \"$version\", the C library's version (meson.build)" >&2; exit 1; }
modules=$(IFS=,; echo "$*")
sed "s/{modules, \[\]}/{modules, [$modules]}/" "$src" > "$out"
