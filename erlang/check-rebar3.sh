#!/bin/bash
# What an Erlang or Elixir user does, against the libktls that check-install.sh installed
# (PKG_CONFIG_PATH and LD_LIBRARY_PATH point there): rebar3 compile and eunit in a copy of the
# application, then an Elixir project depending on it by path (mix builds it through rebar3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
command -v rebar3 >/dev/null || { echo "skip: rebar3 is not installed"; exit 77; }
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
export HOME=$out/home REBAR_CACHE_DIR=$out/home/.cache/rebar3
mkdir -p "$HOME"
cp -r "$here" "$out/libktls"
rm -rf "$out/libktls/priv/"*.so "$out/libktls/_build"
cd "$out/libktls"
rebar3 compile
lib=_build/default/lib/libktls
for so in libktls_nif.so libktls_dist_drv.so; do
	[ -f "$lib/priv/$so" ] || { echo "FAIL: rebar3 compile left no priv/$so"; exit 1; }
done
[ -f "$lib/ebin/libktls.app" ] || { echo "FAIL: rebar3 compile left no ebin/libktls.app"; exit 1; }
rebar3 eunit
erl -noshell -pa "$lib/ebin" -eval '
    {ok, Started} = application:ensure_all_started(libktls),
    true = lists:member(libktls, Started),
    {ok, Vsn} = application:get_key(libktls, vsn),
    Vsn = libktls:version(),
    ok = erl_ddll:load_driver(code:priv_dir(libktls), "libktls_dist_drv"),
    io:format("rebar3: application libktls ~s started, NIF on libktls ~s~n", [Vsn, libktls:version()]),
    halt().'
# a user's rebar3 project, the application in _checkouts
mkdir -p "$out/user/src" "$out/user/_checkouts"
ln -s "$out/libktls" "$out/user/_checkouts/libktls"
echo '{deps, [libktls]}.' > "$out/user/rebar.config"
printf '{application, user, [{description, "a user of libktls"}, {vsn, "1"}, {applications, [kernel, stdlib, libktls]}]}.\n' \
	> "$out/user/src/user.app.src"
(cd "$out/user" && rebar3 compile)
[ -f "$out/user/_build/default/checkouts/libktls/ebin/libktls_ssl.beam" ] && [ -e "$out/user/_build/default/checkouts/libktls/priv/libktls_nif.so" ] ||
	{ echo "FAIL: a project with libktls in _checkouts did not build it"; exit 1; }
"$here/../tests/beam/build-mix.sh" "$here" "$here/../tests/beam/mix_handoff" "$out/mix" || exit $?
cd "$out/mix/project"
HOME=$out/mix/home MIX_HOME=$out/mix/home/.mix MIX_REBAR3=$(command -v rebar3) \
LIBKTLS_ERLANG=$out/mix/libktls mix run --no-compile -e '
    {:ok, _} = Application.ensure_all_started(:libktls)
    {:ok, info} = :libktls.crypto_info(0x1301, %{secret: :binary.copy(<<7>>, 32)}, 0)
    IO.puts("mix: libktls #{:libktls.version()} from Elixir, crypto_info #{byte_size(info)} bytes")'
