#!/bin/bash
# The Erlang NIF example's EUnit suite on a kTLS kernel (examples/beam).
# usage: test-beam.sh   (KTLS_BEAM: the built example; KTLS_TOOL, KTLS_EXAMPLES as for the suite)
set -u
beam=${KTLS_BEAM:?KTLS_BEAM must name the directory of the built BEAM example}
command -v erl >/dev/null || { echo "skip: Erlang/OTP is not installed"; exit 77; }
if ! "${KTLS_TOOL:?}" probe >/dev/null; then # exit 3: no kTLS (ktls(1))
	[ -n "${KTLS_IN_VM:-}" ] && { echo "FAIL: inside the test VM but the kernel has no kTLS"; exit 1; }
	echo "skip: the running kernel has no kTLS"
	exit 77
fi
export HOME=${TMPDIR:-/tmp}
exec erl -noshell -pa "$beam" -eval \
	'halt(case eunit:test(libktls_kernel_tests, [verbose]) of ok -> 0; _ -> 1 end).'
