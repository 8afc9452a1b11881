#!/bin/bash
# Where the instructions of one distribution mode's workload go: dist-bench.sh's run, counted by
# guest address (insn-count.c with blocks=1), minus the same run with no workload, per MiB (or
# per round trip), by file and by symbol (insn-profile.py). The guest runs with ASLR off and
# leaves its kallsyms and its processes' maps for naming the addresses. Not a test: for finding
# costs.
#
# usage: bench/dist-profile.sh BUILDDIR MODE WORKLOAD [N]
#   MODE: tcp, tls, otp_ktls or libktls; WORKLOAD: bulk, mix (N MiB, default 32) or rtt (N round
#   trips); KTLS_BENCH_KERNEL as for dist-bench.sh; KTLS_PROFILE_TOP (40): how many symbols.
# The host's own userland only (its OTP), since the host reads the symbols of the guest's files.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")

if [ "${1:-}" = --inner ]; then # in the VM, as root: the run, its addresses named afterwards
	shift
	echo 0 >/proc/sys/kernel/randomize_va_space
	echo 0 >/proc/sys/kernel/kptr_restrict
	cp /proc/kallsyms /tmp/ktls-vm/kallsyms
	(while :; do
		for pid in $(pgrep beam); do cp "/proc/$pid/maps" "/tmp/ktls-vm/maps.$pid" 2>/dev/null; done
		sleep 2
	done) &
	"$here/dist-bench.sh" --inner "$@"
	status=$?
	kill $!
	exit $status
fi

[ $# -ge 3 ] || { sed -n '8,11p' "$0" >&2; exit 2; }
build=$(cd "$1" && pwd) || exit 1
mode=$2 workload=$3 n=${4:-32}
[ "$workload" = rtt ] && n=${4:-2000}
meson compile -C "$build" >/dev/null || { echo "dist-profile: the build failed" >&2; exit 1; }
plugin=$build/bench/insn-count.so
[ -e "$plugin" ] || { echo "dist-profile: $build lacks $plugin" >&2; exit 1; }
kernel=${KTLS_BENCH_KERNEL:-7.x}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
"$here/dist-certs.sh" "$work/certs" || exit 1
export KTLS_BENCH_CERTS=$work/certs

for count in "$n" 0; do
	run=$work/run-$count
	mkdir -p "$run"
	vm=("$root/tests/vm/ktls-vm" --kernel "$kernel" --mem 3072 --timeout 7200 --cpus 1 --workdir "$run"
	    --plugin "$plugin,out=$run/counts,blocks=1")
	"${vm[@]}" -- "$0" --inner "$build" "$workload" "$count" 0 "$mode" >"$run/log" 2>&1 &&
		grep -q '^result ' "$run/log" && [ -s "$run/counts" ] ||
		{ echo "dist-profile: the run of $count failed:" >&2; tail -n 20 "$run/log" >&2; exit 1; }
done
echo "$mode, $workload, $(grep -h '^result ' "$work/run-$n/log" | sed 's/^result //')"
echo "instructions per $([ "$workload" = rtt ] && echo 'round trip' || echo MiB), the run minus the same run with no workload:"
python3 "$here/insn-profile.py" "$work/run-$n" "$work/run-0" --per "$n" --top "${KTLS_PROFILE_TOP:-40}"
