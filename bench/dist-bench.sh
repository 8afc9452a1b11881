#!/bin/bash
# Erlang distribution over libktls against OTP's own carriers, two nodes in one VM: whole-VM guest
# instructions (a qemu TCG plugin, insn-count.c) per MiB of bulk terms (64 KiB), per MiB of a
# small-message mix, and per round trip of a 100-byte message; Erlang processes and memory per
# idle connection. Not a test: a measurement, with the OTP release and kernel it ran on.
#
# Modes: tcp (inet_tcp_dist, no TLS: the floor), tls (inet_tls_dist), otp_ktls (inet_tls_dist
# with OTP's own {ktls, true}, OTP 26 and later), libktls (-proto_dist libktls). TLS modes use
# TLS 1.3 with TLS_AES_256_GCM_SHA384, the one suite {ktls, true} takes.
#
# usage: bench/dist-bench.sh [BUILDDIR]
# environment: KTLS_BENCH_MIB (128), KTLS_BENCH_RTTS (4000: round trips),
#              KTLS_BENCH_CONNS (8: idle client nodes connected to the hub),
#              KTLS_BENCH_KERNEL (7.x), KTLS_BENCH_USERLAND (sid: OTP 29; empty: the host's),
#              KTLS_BENCH_MODES ("tcp tls otp_ktls libktls")
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

if [ "${1:-}" = --inner ]; then # in the VM: dist_bench:run(Mode, Workload, N, Conns) for each MODE
	build=$2 workload=$3 n=$4 conns=$5
	shift 5
	export HOME=${TMPDIR:-/tmp}
	ebin=$(mktemp -d)
	erlc -o "$ebin" "$root"/erlang/src/*.erl "$here/dist_bench.erl" || exit 1
	export LIBKTLS_NIF_DIR=$build/erlang
	for mode in "$@"; do
		erl -noshell -pa "$ebin" -eval "dist_bench:run($mode, $workload, $n, $conns), halt()." || exit 1
	done
	exit 0
fi

build=$(cd "${1:-$root/build}" && pwd) || exit 1
meson compile -C "$build" >/dev/null || { echo "dist-bench: the build failed" >&2; exit 1; }
plugin=$build/bench/insn-count.so
[ -e "$plugin" ] && [ -e "$build/erlang/libktls_nif.so" ] ||
	{ echo "dist-bench: $build lacks the plugin or the NIF (-Dexamples=true, Erlang installed)" >&2; exit 1; }
mib=${KTLS_BENCH_MIB:-128} rtts=${KTLS_BENCH_RTTS:-4000} conns=${KTLS_BENCH_CONNS:-8}
modes=${KTLS_BENCH_MODES:-tcp tls otp_ktls libktls}
kernel=${KTLS_BENCH_KERNEL:-7.x} userland=${KTLS_BENCH_USERLAND-sid}
vm=("$root/tests/vm/ktls-vm" --kernel "$kernel" --mem 3072 --timeout 7200)
[ -n "$userland" ] && vm+=(--userland "$userland") # empty: the host's own (Debian 12, OTP 25)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# One certificate chain for every run, made here: keys generated inside a counted run add a cost
# that varies from run to run (about 1 M instructions per MiB at 128 MiB).
certs=$work/certs
"$here/dist-certs.sh" "$certs" || exit 1
export KTLS_BENCH_CERTS=$certs

# One counted VM (1 vCPU), the sender and the hub only: prints "INSTRUCTIONS RESULT-LINE".
count() {
	local mode=$1 workload=$2 n=$3
	rm -f "$work/count"
	"${vm[@]}" --cpus 1 --plugin "$plugin,out=$work/count" -- "$0" --inner "$build" "$workload" "$n" 0 "$mode" \
		>"$work/$mode-$workload-$n.log" 2>&1
	local result
	result=$(grep '^result ' "$work/$mode-$workload-$n.log")
	if [ -z "$result" ] || [ ! -s "$work/count" ]; then
		echo "dist-bench: $mode, $workload $n failed:" >&2
		tail -n 20 "$work/$mode-$workload-$n.log" >&2
		return 1
	fi
	echo "$(cat "$work/count") $result"
}
field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; }

echo "Erlang distribution over TLS 1.3 (TLS_AES_256_GCM_SHA384), $(date -u +%Y-%m-%d), userland ${userland:-host}"
echo
echo "Idle connections: a hub node, then $conns client nodes connect (one VM, 1 vCPU); on the hub,"
echo "after garbage collection, per connection: Erlang processes, erlang:memory(total) bytes, and"
echo "the bytes of the processes and ports the connections added (process_info/port_info memory)"
"${vm[@]}" --cpus 1 -- "$0" --inner "$build" mix 0 "$conns" $modes >"$work/idle.log" 2>&1 ||
	{ echo "dist-bench: the idle-connection run failed:" >&2; tail -n 20 "$work/idle.log" >&2; exit 1; }
printf '  %-10s %11s %12s %12s\n' mode "processes" "bytes" "owned bytes"
for mode in $modes; do
	line=$(grep "^result mode=$mode " "$work/idle.log")
	printf '  %-10s %11s %12s %12s\n' "$mode" "$(field procs_per_conn "$line")" "$(field bytes_per_conn "$line")" \
		"$(field owned_bytes_per_conn "$line")"
	otp=$(field otp "$line") kern=$(field kernel "$line")
done
echo
echo "Transfer: whole-VM guest instructions, kernel included, client to hub: the run with the workload"
echo "minus the same run with none (boots and handshakes cancel out); 1 vCPU, qemu TCG plugin"
echo "(insn-count.c). bulk: per MiB of 64 KiB terms ($mib MiB); mix: per MiB of 8 terms of 64 KiB and"
echo "4096 of 128 bytes ($mib MiB); rtt: per round trip of a 100-byte binary ($rtts round trips)."
printf '  %-10s %-5s %14s %9s %9s\n' mode load "insn each" "x tcp" "x tls"
declare -A each
for mode in $modes; do
	zero=$(count "$mode" mix 0) || { printf '  %-10s failed\n' "$mode"; continue; }
	for workload in bulk mix rtt; do
		n=$mib
		[ $workload = rtt ] && n=$rtts
		full=$(count "$mode" "$workload" "$n") || { printf '  %-10s %-5s failed\n' "$mode" "$workload"; continue; }
		each[$mode.$workload]=$(( (${full%% *} - ${zero%% *}) / n ))
		echo "# $mode $workload: ${full%% *} and ${zero%% *} instructions" >&2
		awk -v m="$mode" -v w="$workload" -v i="${each[$mode.$workload]}" \
			-v t="${each[tcp.$workload]:-0}" -v s="${each[tls.$workload]:-0}" \
			'BEGIN { printf "  %-10s %-5s %14d %9s %9s\n", m, w, i,
			         (t > 0 ? sprintf("%.2f", i / t) : "-"), (s > 0 ? sprintf("%.2f", i / s) : "-") }'
	done
done
echo
echo "Erlang/OTP ${otp:-?}, kernel ${kern:-?}."
