#!/bin/bash
# An Elixir project that depends on the libktls application by path (tests/beam/mix_handoff,
# built on the host by mix) hands both ends of an ssl connection to the kernel.
# usage: test-elixir.sh   (KTLS_MIX_HANDOFF: the built project; KTLS_TOOL as for the suite)
set -u
built=${KTLS_MIX_HANDOFF:?KTLS_MIX_HANDOFF must name the built mix project}
command -v elixir >/dev/null || { echo "skip: Elixir is not installed in this userland"; exit 77; }
if ! "${KTLS_TOOL:?}" probe >/dev/null; then # exit 3: no kTLS (ktls(1))
	[ -n "${KTLS_IN_VM:-}" ] && { echo "FAIL: inside the test VM but the kernel has no kTLS"; exit 1; }
	echo "skip: the running kernel has no kTLS"
	exit 77
fi
release=$(erl -noshell -eval 'io:put_chars(erlang:system_info(otp_release)), halt().')
[ "$release" = "$(cat "${KTLS_BEAM:?}/otp-release" 2>/dev/null)" ] ||
	{ echo "skip: the project was built with another OTP release than this userland's ($release)"; exit 77; }
export HOME=${TMPDIR:-/tmp}
paths=()
for ebin in "$built"/project/_build/dev/lib/*/ebin; do paths+=(-pa "$ebin"); done
elixir "${paths[@]}" -e 'MixHandoff.run(); IO.puts("ssl connection handed to the kernel from Elixir")'
