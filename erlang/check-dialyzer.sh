#!/bin/bash
# Dialyzer over the application's modules: zero warnings. The PLT of the OTP applications they
# use is built once per OTP release and kept in the cache.
# usage: check-dialyzer.sh BEAM_DIR MODULE...
set -euo pipefail
dir=$1
shift
release=$(erl -noshell -eval 'io:put_chars(erlang:system_info(otp_release)), halt().')
cache=${XDG_CACHE_HOME:-$HOME/.cache}/libktls-beam
plt=$cache/otp-$release.plt
mkdir -p "$cache"
if ! dialyzer --plt "$plt" --check_plt >/dev/null 2>&1; then
	echo "building the PLT of OTP $release: $plt"
	dialyzer --build_plt --output_plt "$plt.tmp" --apps erts kernel stdlib crypto ssl public_key >/dev/null ||
		[ $? = 2 ] || exit 1
	mv "$plt.tmp" "$plt"
fi
beams=()
for m in "$@"; do beams+=("$dir/$m.beam"); done
dialyzer --plt "$plt" -Wunmatched_returns -Werror_handling "${beams[@]}"
