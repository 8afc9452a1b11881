#!/bin/bash
# Erlang distribution over libktls against OTP's own carriers, two nodes in one VM: whole-VM guest
# instructions per MiB of distribution messages (a qemu TCG plugin, insn-count.c), and Erlang
# processes and memory per idle connection. Not a test: a measurement, with the OTP release and
# kernel it ran on.
#
# Modes: tcp (inet_tcp_dist, no TLS: the floor), tls (inet_tls_dist), otp_ktls (inet_tls_dist
# with OTP's own {ktls, true}, OTP 26 and later), libktls (-proto_dist libktls). TLS modes use
# TLS 1.3 with TLS_AES_256_GCM_SHA384, the one suite {ktls, true} takes.
#
# usage: bench/dist-bench.sh [BUILDDIR]
# environment: KTLS_BENCH_MIB (32), KTLS_BENCH_CONNS (4: client nodes connected to the hub),
#              KTLS_BENCH_KERNEL (7.x), KTLS_BENCH_USERLAND (sid: OTP 29),
#              KTLS_BENCH_MODES ("tcp tls otp_ktls libktls")
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

if [ "${1:-}" = --inner ]; then # in the VM: one mode, one run
	build=$2 mode=$3 mib=$4 conns=$5
	export HOME=${TMPDIR:-/tmp}
	ebin=$(mktemp -d)
	erlc -o "$ebin" "$root"/examples/beam/src/*.erl "$here/dist_bench.erl" || exit 1
	export LIBKTLS_NIF_DIR=$build/examples/beam
	exec erl -noshell -pa "$ebin" -eval "dist_bench:run($mode, $mib, $conns), halt()."
fi

build=$(cd "${1:-$root/build}" && pwd) || exit 1
meson compile -C "$build" >/dev/null || { echo "dist-bench: the build failed" >&2; exit 1; }
plugin=$build/bench/insn-count.so
[ -e "$plugin" ] && [ -e "$build/examples/beam/libktls_nif.so" ] ||
	{ echo "dist-bench: $build lacks the plugin or the NIF (-Dexamples=true, Erlang installed)" >&2; exit 1; }
mib=${KTLS_BENCH_MIB:-32} conns=${KTLS_BENCH_CONNS:-4}
kernel=${KTLS_BENCH_KERNEL:-7.x} userland=${KTLS_BENCH_USERLAND:-sid}
vm=("$root/tests/vm/ktls-vm" --kernel "$kernel" --userland "$userland" --cpus 1 --mem 3072 --timeout 7200)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One counted VM: prints "INSTRUCTIONS RESULT-LINE", or fails.
count() {
	local mode=$1 n=$2
	rm -f "$work/count"
	"${vm[@]}" --plugin "$plugin,out=$work/count" -- "$0" --inner "$build" "$mode" "$n" "$conns" \
		>"$work/$mode-$n.log" 2>&1
	local result
	result=$(grep '^result ' "$work/$mode-$n.log")
	if [ -z "$result" ] || [ ! -s "$work/count" ]; then
		echo "dist-bench: $mode with $n MiB failed:" >&2
		tail -n 20 "$work/$mode-$n.log" >&2
		return 1
	fi
	echo "$(cat "$work/count") $result"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

echo "Erlang distribution, kernel series $kernel, userland $userland, $(date -u +%Y-%m-%d)"
echo "whole-VM guest instructions per MiB of distribution messages (each MiB: 8 terms of 64 KiB and"
echo "4096 of 128 bytes, client to hub, a round trip per MiB): the run with $mib MiB minus the same"
echo "run with 0 MiB (boots, handshakes, compiles cancel out); 1 vCPU, qemu TCG plugin."
echo "Per idle connection: on the hub, after $conns client nodes connected (garbage collected)."
echo
printf '%-10s %14s %9s %9s %11s %11s %10s\n' mode "insn/MiB" "x tcp" "x tls" "procs/conn" "bytes/conn" "emul. s"
declare -A per_mib
for mode in ${KTLS_BENCH_MODES:-tcp tls otp_ktls libktls}; do
	full=$(count "$mode" "$mib") && zero=$(count "$mode" 0) || { printf '%-10s failed\n' "$mode"; continue; }
	per_mib[$mode]=$(( (${full%% *} - ${zero%% *}) / mib ))
	echo "# $mode: ${full%% *} and ${zero%% *} instructions; $mib MiB: ${full#* }" >&2
	[ -n "${otp:-}" ] || { otp=$(field otp "$full"); kern=$(field kernel "$full"); }
	awk -v m="$mode" -v i="${per_mib[$mode]}" -v t="${per_mib[tcp]:-0}" -v s="${per_mib[tls]:-0}" \
		-v p="$(field procs_per_conn "$zero")" -v b="$(field bytes_per_conn "$zero")" -v e="$(field seconds "$full")" \
		'BEGIN { printf "%-10s %14d %9s %9s %11s %11s %10s\n", m, i,
		         (t > 0 ? sprintf("%.2f", i / t) : "-"), (s > 0 ? sprintf("%.2f", i / s) : "-"), p, b, e }'
done
echo
echo "Erlang/OTP ${otp:-?}, kernel ${kern:-?}."
