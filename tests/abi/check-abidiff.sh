#!/bin/bash
# The built library against the committed ABI baseline (tests/abi/libktls.abi, made with abidw):
# any change to a released function or type fails; additions pass here (the symbols test makes
# them take a new version node). After a deliberate release, refresh the baseline with --update.
# usage: check-abidiff.sh BASELINE LIBRARY HEADERS_DIR VERSION_HEADER [--update]
set -uo pipefail
baseline=$1 lib=$2 headers=$3 version_h=$4
if ! command -v abidiff >/dev/null || ! command -v abidw >/dev/null; then
	# CI (.ci/run sets KTLS_CI=1) must check the ABI: a missing tool fails there
	if [ "${KTLS_CI:-0}" = 1 ]; then
		echo "FAIL: abidiff/abidw not found: CI checks the ABI (tests/install-deps.sh installs abigail-tools)"
		exit 1
	fi
	echo "skip: abidiff not found (apt-get install abigail-tools)"
	exit 77
fi
if [ "${5:-}" = --update ]; then
	abidw --headers-dir "$headers" --header-file "$version_h" --no-corpus-path --out-file "$baseline" "$lib"
	exit $?
fi
# The version script already limits the exports to the public API: compare them all, but for
# the members of opaque handles (opaque.suppr).
abidiff --no-added-syms --suppressions "$(dirname "$0")/opaque.suppr" "$baseline" "$lib"
status=$?
# abidiff: bit 1 error, bit 2 usage, bit 4 ABI change, bit 8 incompatible change
if [ $status -ne 0 ]; then
	echo "FAIL: abidiff exit $status: the released ABI of libktls.so.1 changed (or abidiff failed)"
	exit 1
fi
echo "ok: the released ABI is unchanged against $(basename "$baseline")"
