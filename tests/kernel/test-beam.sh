#!/bin/bash
# The BEAM application's kernel EUnit suite on a kTLS kernel (erlang/).
# usage: test-beam.sh   (KTLS_BEAM: its build directory; KTLS_TOOL, KTLS_EXAMPLES as for the suite)
set -u
beam=${KTLS_BEAM:?KTLS_BEAM must name the build directory of the BEAM application}
command -v erl >/dev/null || { echo "skip: Erlang/OTP is not installed"; exit 77; }
if ! "${KTLS_TOOL:?}" probe >/dev/null; then # exit 3: no kTLS (ktls(1))
	[ -n "${KTLS_IN_VM:-}" ] && { echo "FAIL: inside the test VM but the kernel has no kTLS"; exit 1; }
	echo "skip: the running kernel has no kTLS"
	exit 77
fi
export HOME=${TMPDIR:-/tmp}
# In another userland (ktls-vm --userland) the OTP release differs from the build's: compile the
# modules with its own erlc, as its users would; the NIF is the build's.
release=$(erl -noshell -eval 'io:put_chars(erlang:system_info(otp_release)), halt().')
echo "# Erlang/OTP $release"
modules=$beam
if [ "$release" != "$(cat "$beam/otp-release")" ]; then
	src=$(cd "$(dirname "$0")/../../erlang" && pwd)
	modules=$(mktemp -d)
	trap 'rm -rf "$modules"' EXIT
	erlc -o "$modules" "$src"/src/*.erl "$src"/test/*.erl || { echo "FAIL: erlc of OTP $release"; exit 1; }
	export LIBKTLS_NIF_DIR=$beam
fi
erl -noshell -pa "$modules" -eval \
	'halt(case eunit:test(libktls_kernel_tests, [verbose]) of ok -> 0; _ -> 1 end).'
