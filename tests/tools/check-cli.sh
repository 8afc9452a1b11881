#!/bin/bash
# The ktls tool on this machine's kernel: the exit-code rule of ktls(1), and every subcommand's
# JSON through a JSON parser with its fields checked; on a kernel without kTLS, exit 3 and what to
# do. The kernel suite runs it too, in each VM, where the kernel has kTLS.
# usage: check-cli.sh [KTLS] (default: $KTLS_TOOL)
set -uo pipefail
ktls=${1:-${KTLS_TOOL:?usage: check-cli.sh KTLS}}
fail=0
check() { # expected-status description command...
	local want=$1 what=$2
	shift 2
	local errf got
	errf=$(mktemp)
	out=$("$@" 2>"$errf")
	got=$?
	err=$(cat "$errf")
	rm -f "$errf"
	if [ "$got" != "$want" ]; then
		echo "FAIL: $what: exit $got, expected $want"; printf '%s\n%s\n' "$out" "$err" | sed 's/^/  /'; fail=1
	else
		echo "ok: $what (exit $got)"
	fi
}
# json DESCRIPTION PYTHON-ASSERTIONS: stdout parses as one JSON document, and the assertions on
# `d` (the parsed document) hold.
json() {
	python3 -c '
import json, sys
d = json.loads(sys.stdin.read())
exec(sys.argv[1])
' "$2" <<< "$out" || { echo "FAIL: $1: not the JSON expected"; printf '%s\n' "$out" | sed 's/^/  /'; fail=1; }
}

check 0 "version" "$ktls" version
grep -q "^libktls " <<< "$out" || { echo "FAIL: version text"; fail=1; }
check 0 "-V" "$ktls" -V
check 0 "--version, JSON" "$ktls" --version -j
json "version" 'assert isinstance(d["version"], str) and d["version"].count(".") == 2'
check 2 "unknown command" "$ktls" frobnicate
check 2 "unknown option" "$ktls" --frobnicate probe
check 2 "no command" "$ktls"
check 2 "probe takes no argument" "$ktls" probe lo
check 0 "help" "$ktls" --help
grep -q "exit status" <<< "$out" || { echo "FAIL: help does not give the exit status"; fail=1; }
check 0 "-h" "$ktls" -h

features='
for f in ("tls-hw-tx-offload", "tls-hw-rx-offload", "tls-hw-record"):
    assert set(i[f]) == {"known", "hw", "wanted", "active", "fixed"}, f
    assert all(isinstance(v, bool) for v in i[f].values()), f
assert i["tls-hw-tx-offload"]["known"] is True
assert i["source"] in ("netlink", "ioctl") and isinstance(i["ifindex"], int)'
check 0 "netdev lo, JSON" "$ktls" --json netdev lo
json "netdev lo" "assert len(d) == 1; i = d[0]; assert i['ifname'] == 'lo'$features"
check 0 "netdev, every interface, JSON" "$ktls" -j netdev
json "netdev" "assert len(d) >= 1
for i in d:
    assert 'error' not in i$features"
check 1 "netdev of a missing interface" "$ktls" netdev no-such-if0
# the first interface fails, the next is reported: one valid document, the failure in it
check 1 "netdev, first interface missing, JSON" "$ktls" -j netdev 'no"such\if' lo
json "netdev, first missing" "assert [i['ifname'] for i in d] == ['no\"such\\\\if', 'lo']
assert 'error' in d[0] and 'ifindex' not in d[0]
i = d[1]$features"

if grep -q . /proc/net/tls_stat 2>/dev/null; then
	check 0 "probe, JSON" "$ktls" --json probe
	json "probe" 'assert d["tls"] is True
assert all(isinstance(d[k], bool) for k in ("tls13_tx", "tls13_rx", "rekey", "rx_expect_no_pad", "tx_max_payload_len"))
assert len(d["ciphers"]) == 16 and {c["tls_version"] for c in d["ciphers"]} == {"1.2", "1.3"}'
	check 0 "stat, JSON" "$ktls" -j stat
	json "stat" 'assert d["TlsTxSw"] >= 0'
	check 0 "sockets, JSON" "$ktls" -j sockets
	json "sockets" 'assert isinstance(d, list)'
	check 0 "netdev, every interface, text" "$ktls" netdev
	if [ "$(uname -r | cut -d. -f1)" -ge 8 ] || uname -r | grep -Eq '^7\.([2-9]|[1-9][0-9])\.'; then
		# TOE left the kernel in 7.2
		grep -q "tls-hw-record *not in this kernel" <<< "$out" || { echo "FAIL: TOE not reported absent"; fail=1; }
		check 0 "probe" "$ktls" probe
		grep -q "NIC record offload (TOE)  not in this kernel" <<< "$out" || { echo "FAIL: probe TOE"; fail=1; }
	fi
else
	check 3 "probe without kTLS" "$ktls" probe
	grep -q "modprobe tls" <<< "$out" || { echo "FAIL: probe does not say what to do"; fail=1; }
	check 3 "probe without kTLS, JSON" "$ktls" --json probe
	json "probe" 'assert d["tls"] is False and d["hw_record"] is None
assert all(c["tx"] == "no-ktls" for c in d["ciphers"])'
	check 3 "stat without kTLS" "$ktls" stat
	grep -q "modprobe tls" <<< "$err" || { echo "FAIL: stat does not say what to do"; fail=1; }
	check 3 "stat without kTLS, JSON" "$ktls" -j stat
	[ -z "$out" ] || { echo "FAIL: stat without kTLS printed: $out"; fail=1; }
	check 3 "sockets without kTLS, JSON" "$ktls" --json sockets
	json "sockets" 'assert d == []'
fi
exit $fail
