#!/bin/bash
# check-abidiff.sh without abidiff on PATH: a skip (77) on a user's machine, a failure in CI.
# usage: check-abidiff-required.sh CHECK_ABIDIFF
set -uo pipefail
script=$1
empty=$(mktemp -d)
trap 'rmdir "$empty"' EXIT
out=$(PATH=$empty KTLS_CI=1 /bin/bash "$script" base lib headers version 2>&1)
status=$?
[ $status = 1 ] && grep -q "FAIL: abidiff/abidw not found" <<< "$out" ||
	{ echo "FAIL: in CI without abidiff: exit $status: $out"; exit 1; }
out=$(PATH=$empty KTLS_CI= /bin/bash "$script" base lib headers version 2>&1)
status=$?
[ $status = 77 ] || { echo "FAIL: on a user's machine without abidiff: exit $status: $out"; exit 1; }
echo "ok: without abidiff, CI fails (exit 1) and a user's machine skips (exit 77)"
