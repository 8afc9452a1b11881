#!/bin/bash
# Build tests/beam/mix_handoff, an Elixir project depending on the libktls application by path,
# the way a user does (mix, rebar3, c_src/Makefile, pkg-config), with nothing downloaded.
# usage: build-mix.sh ERLANG_APP_DIR MIX_PROJECT_DIR OUT [STAMP]
# OUT/libktls is the application's copy the project depends on; OUT/project the built project.
set -euo pipefail
app=$1 project=$2 out=$3 stamp=${4:+$(realpath -m "$4")}
command -v mix >/dev/null || { echo "skip: Elixir (mix) is not installed"; exit 77; }
command -v rebar3 >/dev/null || { echo "skip: rebar3 is not installed"; exit 77; }
rm -rf "$out"
mkdir -p "$out/home"
cp -r "$app" "$out/libktls"
rm -rf "$out/libktls/priv/"*.so "$out/libktls/_build"
cp -r "$project" "$out/project"
export HOME=$out/home MIX_HOME=$out/home/.mix HEX_OFFLINE=1 MIX_REBAR3=$(command -v rebar3)
export LIBKTLS_ERLANG=$out/libktls
cd "$out/project"
mix compile
[ -z "$stamp" ] || touch "$stamp"
