#!/bin/bash
# The ktls tool on this machine's kernel: documented exit codes, valid JSON, and sensible output
# where the kernel has no kTLS (exit 3, "modprobe tls"). usage: check-cli.sh KTLS
set -uo pipefail
ktls=$1
fail=0
check() { # expected-status description command...
	local want=$1 what=$2
	shift 2
	out=$("$@" 2>&1)
	local got=$?
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, expected $want"; printf '%s\n' "$out" | sed 's/^/  /'; fail=1
	else
		echo "ok: $what (exit $got)"
	fi
}
json() { python3 -c 'import json,sys; json.load(sys.stdin)' <<< "$out" || { echo "FAIL: $1: not JSON"; fail=1; }; }

check 0 "version" "$ktls" version
grep -q "^libktls " <<< "$out" || { echo "FAIL: version text"; fail=1; }
check 2 "unknown command" "$ktls" frobnicate
check 2 "no command" "$ktls"
check 0 "help" "$ktls" --help
check 0 "netdev lo, JSON" "$ktls" --json netdev lo
json "netdev"
grep -q '"tls-hw-tx-offload":{"known":true' <<< "$out" || { echo "FAIL: netdev lo: feature not known"; fail=1; }
check 1 "netdev of a missing interface" "$ktls" netdev no-such-if0

if grep -q . /proc/net/tls_stat 2>/dev/null; then
	check 0 "probe, JSON" "$ktls" --json probe
	json "probe"
	check 0 "stat" "$ktls" stat
else
	check 3 "probe without kTLS" "$ktls" probe
	grep -q "modprobe tls" <<< "$out" || { echo "FAIL: probe does not say what to do"; fail=1; }
	check 3 "probe without kTLS, JSON" "$ktls" --json probe
	json "probe"
	check 3 "stat without kTLS" "$ktls" stat
	grep -q "modprobe tls" <<< "$out" || { echo "FAIL: stat does not say what to do"; fail=1; }
	check 0 "sockets without kTLS" "$ktls" --json sockets
	json "sockets"
fi
exit $fail
