#!/bin/bash
# Benchmark libktls against userspace OpenSSL and OpenSSL's built-in kTLS. Not a test: it reports
# medians of interleaved runs and ratios. Runs natively where this kernel has kTLS, else inside the
# test VM (a Debian kernel under qemu TCG), where absolute numbers mean little: read the ratios.
#
# Under emulation it then boots one 1-vCPU VM per transfer with a qemu plugin that counts every
# guest instruction (insn-count.c): the deterministic comparison there.
#
# usage: bench/run-bench.sh [BUILDDIR]
# environment: KTLS_BENCH_MIB (64), KTLS_BENCH_RUNS (5), KTLS_BENCH_CONNS (1000),
#              KTLS_BENCH_KERNEL (6.12: the VM's kernel series), KTLS_BENCH_METHODS ("writes sendfile"),
#              KTLS_BENCH_ONLY=callgrind (only the userspace instruction counts, a few minutes)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

if [ "${1:-}" = --inner ]; then
	bench=$2
	mib=${KTLS_BENCH_MIB:-64} runs=${KTLS_BENCH_RUNS:-5} conns=${KTLS_BENCH_CONNS:-1000}
	if [ -n "${KTLS_IN_VM:-}" ]; then
		echo "environment: EMULATED: qemu TCG, kernel $(uname -r), $(nproc) vCPU, both ends on one"
		echo "  machine. Emulation is 40-60x slower than native and uneven across instruction mixes:"
		echo "  absolute times and throughputs mean little; compare the ratios and instruction counts."
	else
		echo "environment: native, kernel $(uname -r), $(nproc) CPUs, $(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -n 1)"
	fi
	if [ "${KTLS_BENCH_ONLY:-}" != callgrind ]; then
	echo
	"$bench" throughput --mib "$mib" --runs "$runs" || exit 1
	echo
	"$bench" handoff --conns 300 || exit 1
	echo
	"$bench" heap --conns "$conns" || exit 1
	fi
	echo
	if ! command -v valgrind >/dev/null; then
		echo "instruction counts: skipped (valgrind is not installed)"
		exit 0
	fi
	echo "userspace instructions per call (valgrind --tool=callgrind; the kernel's work is not counted)"
	ratio() { awk -v a="$1" -v b="$2" 'BEGIN { print a / b }'; }
	declare -A per_call
	for target in recv-raw recv-record conn-read conn-read-ticket install-raw install; do
		out=$(mktemp -d)
		fn=cg_${target//-/_}
		if ! valgrind --tool=callgrind --callgrind-out-file="$out/cg.%p" --collect-atstart=no \
			--toggle-collect="$fn" "$bench" callgrind-target "$target" >"$out/stdout" 2>"$out/stderr"; then
			cat "$out/stderr"
			exit 1
		fi
		calls=$(sed -n 's/^calls //p' "$out/stdout")
		total=$(cat "$out"/cg.* | awk '/^(totals|summary):/ { s += $2 } END { print s + 0 }')
		per_call[$target]=$((total / calls))
		rm -rf "$out"
	done
	printf '  %-58s %8d\n' "receive a 16 KiB record: recvmsg + cmsg check by hand" "${per_call[recv-raw]}"
	printf '  %-58s %8d  %5.2fx\n' "receive a 16 KiB record: ktls_recv_record()" "${per_call[recv-record]}" \
		"$(ratio "${per_call[recv-record]}" "${per_call[recv-raw]}")"
	printf '  %-58s %8d  %5.2fx  (%.2fx ktls_recv_record)\n' "receive a 16 KiB record: ktls_conn_read()" \
		"${per_call[conn-read]}" "$(ratio "${per_call[conn-read]}" "${per_call[recv-raw]}")" \
		"$(ratio "${per_call[conn-read]}" "${per_call[recv-record]}")"
	printf '  %-58s %8d\n' "a ticket record, then a 16 KiB record: ktls_conn_read() x2" "${per_call[conn-read-ticket]}"
	printf '  %-58s %8d\n' "install TX+RX: setsockopt x3, bytes precomputed" "${per_call[install-raw]}"
	printf '  %-58s %8d  %5.2fx\n' "install TX+RX: ktls_install() x2 from secrets (HKDF)" "${per_call[install]}" \
		"$(ratio "${per_call[install]}" "${per_call[install-raw]}")"
	exit 0
fi

build=$(cd "${1:-$root/build}" && pwd) || exit 1
meson compile -C "$build" >/dev/null || { echo "run-bench: the build failed" >&2; exit 1; }
bench=$build/bench/ktls-bench
[ -x "$bench" ] || { echo "run-bench: $bench was not built (-Dexamples=true)" >&2; exit 1; }
if "$build/tools/ktls" probe >/dev/null; then
	exec "$0" --inner "$bench"
fi
echo "This kernel ($(uname -r)) has no kTLS: running the benchmark inside the test VM."
vm=("$root/tests/vm/ktls-vm" --kernel "${KTLS_BENCH_KERNEL:-6.12}")
"${vm[@]}" --timeout 7200 -- "$0" --inner "$bench" || exit 1
[ "${KTLS_BENCH_ONLY:-}" = callgrind ] && exit 0

# Under emulation CPU seconds follow how well qemu emulates each instruction mix, not the work.
# A TCG plugin counts every guest instruction, kernel included: deterministic, and comparable.
mib=${KTLS_BENCH_MIB:-64}
out=$(mktemp)
trap 'rm -f "$out"' EXIT
count() {
	rm -f "$out"
	"${vm[@]}" --cpus 1 --plugin "$build/bench/insn-count.so,out=$out" -- "$bench" transfer "$@" \
		>/dev/null 2>&1 && [ -s "$out" ] || { echo "run-bench: the counted VM failed ($*)" >&2; exit 1; }
	cat "$out"
}
echo
echo "whole-VM instructions per $mib MiB, kernel included (qemu TCG plugin, 1 vCPU): the run with"
echo "$mib MiB minus the same run with 0 MiB (boot, handshake and set-up cancel out)"
echo "(libktls: ktls_conn_open + ktls_conn_read, defaults; libktls-padded: zero-copy receive off;"
echo " raw-nopad: read() + setsockopt(TLS_RX_EXPECT_NO_PAD), the hand-written data path)"
for method in ${KTLS_BENCH_METHODS:-writes sendfile}; do
	echo "  $method:"
	base= raw=
	for variant in openssl raw-nopad libktls libktls-padded openssl-ktls; do
		delta=$(( $(count "$variant" "$method" "$mib") - $(count "$variant" "$method" 0) ))
		[ -n "$base" ] || base=$delta
		[ "$variant" = raw-nopad ] && raw=$delta
		awk -v v="$variant" -v d="$delta" -v b="$base" -v r="${raw:-0}" \
			'BEGIN { printf "    %-16s %7.3f G instructions %7.3fx OpenSSL", v, d / 1e9, d / b;
			         if (r > 0) printf " %7.3fx raw-nopad", d / r; print "" }'
	done
done
