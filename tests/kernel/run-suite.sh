#!/bin/bash
# Run kernel-suite test programs and report them as TAP, with the kernel they ran on.
# usage: run-suite.sh [--native] TEST...
# --native: the host's own kernel; when it lacks kTLS the whole suite is one TAP skip.
set -u

native=0
[ "${1:-}" = --native ] && { native=1; shift; }
where="inside the test VM"
[ -z "${KTLS_IN_VM:-}" ] && where="natively"

echo "TAP version 13"
echo "# kernel $(uname -r), $where"
if [ $native = 1 ] && ! grep -q . /proc/net/tls_stat 2>/dev/null && ! modprobe -n tls 2>/dev/null; then
	"$1" >/dev/null 2>&1
	if [ $? = 77 ]; then
		echo "1..0 # SKIP the host kernel $(uname -r) has no kTLS; see the kernel-vm-* tests"
		exit 0
	fi
fi

echo "1..$#"
i=0
for t in "$@"; do
	i=$((i + 1))
	name=$(basename "$t")
	out=$(timeout -k 5 1200 "$t" 2>&1)
	status=$?
	printf '%s\n' "$out" | sed 's/^/# /'
	case $status in
	0) echo "ok $i - $name" ;;
	77) echo "ok $i - $name # SKIP $(printf '%s\n' "$out" | grep -m1 '^skip:' | cut -c7-)" ;;
	124) echo "not ok $i - $name (timed out)" ;;
	*) echo "not ok $i - $name (exit $status)" ;;
	esac
done
