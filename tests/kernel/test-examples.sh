#!/bin/bash
# The C server examples on a kTLS kernel: the OpenSSL file server (kTLS with sendfile, and
# userspace) against the OpenSSL and GnuTLS clients, with NewSessionTickets, KeyUpdate,
# close_notify and an alert on the way.
# usage: test-examples.sh   (KTLS_EXAMPLES: the build's examples directory; KTLS_TOOL: the ktls tool)
set -u
ex=${KTLS_EXAMPLES:?KTLS_EXAMPLES must name the examples directory of a build}
if ! "${KTLS_TOOL:?}" probe >/dev/null; then # exit 3: no kTLS (ktls(1))
	[ -n "${KTLS_IN_VM:-}" ] && { echo "FAIL: inside the test VM but the kernel has no kTLS"; exit 1; }
	echo "skip: the running kernel has no kTLS"
	exit 77
fi
can_rekey=0
"$KTLS_TOOL" --json probe | grep -q '"rekey":true' && can_rekey=1

tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
head -c 3145739 /dev/urandom > "$tmp/data.bin"
: > "$tmp/empty.bin"
failures=0

fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# start_server COUNT [OPTIONS]: a file server for COUNT connections; sets $port.
start_server() {
	"$ex/openssl/file-server" --count "$@" "$tmp" > "$tmp/server.out" 2>&1 &
	server=$!
	for _ in $(seq 100); do
		port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/server.out")
		[ -n "$port" ] && return 0
		sleep 0.1
	done
	fail "file-server did not start: $(cat "$tmp/server.out")"
	return 1
}

# expect_server STATUS: wait for the server and check its exit status.
expect_server() {
	wait "$server"
	local status=$?
	sed 's/^/  server: /' "$tmp/server.out"
	[ $status = "$1" ] || fail "file-server exited $status, expected $1"
}

# fetch LABEL CLIENT [OPTIONS] NAME: fetch NAME and compare it with the original.
fetch() {
	local label=$1 client=$2
	shift 2
	local name=${*: -1}
	rm -f "$tmp/out"
	echo "== $label"
	"$client" "${@:1:$#-1}" 127.0.0.1 "$port" "$name" "$tmp/out" > "$tmp/client.out" 2>&1
	status=$?
	sed 's/^/  client: /' "$tmp/client.out"
	return $status
}

# 1. kTLS server (sendfile, two tickets) -> OpenSSL client handed to kTLS
start_server 2 --tickets 2 && {
	fetch "OpenSSL client, kTLS both ends" "$ex/openssl/file-client" data.bin || fail "client failed"
	cmp -s "$tmp/data.bin" "$tmp/out" || fail "the file arrived damaged"
	grep -q "received 3145739 bytes over kTLS, 2 session tickets, then close_notify" "$tmp/client.out" ||
		fail "the client did not take both tickets and the close_notify"
	fetch "empty file" "$ex/openssl/file-client" empty.bin || fail "client failed on an empty file"
	[ -f "$tmp/out" ] && [ ! -s "$tmp/out" ] || fail "the empty file was not empty"
	expect_server 0
	grep -q "kTLS installed: tx sw, rx sw" "$tmp/server.out" || fail "the server did not report kTLS"
	grep -q "served data.bin: 3145739 bytes with sendfile over kTLS" "$tmp/server.out" || fail "no sendfile"
}

# 2. kTLS server -> GnuTLS client handed to kTLS with gnutls_record_get_state
if [ -x "$ex/gnutls/file-client-gnutls" ]; then
	start_server 1 --tickets 1 && {
		fetch "GnuTLS client, kTLS both ends" "$ex/gnutls/file-client-gnutls" data.bin || fail "GnuTLS client failed"
		cmp -s "$tmp/data.bin" "$tmp/out" || fail "the file arrived damaged (GnuTLS)"
		grep -q "received 3145739 bytes over kTLS, 1 session tickets, then close_notify" "$tmp/client.out" ||
			fail "the GnuTLS client did not take the ticket and the close_notify"
		expect_server 0
	}
	start_server 1 && {
		fetch "GnuTLS client, TLS 1.2, kTLS both ends" "$ex/gnutls/file-client-gnutls" --tls12 data.bin ||
			fail "GnuTLS client failed (TLS 1.2)"
		cmp -s "$tmp/data.bin" "$tmp/out" || fail "the file arrived damaged (GnuTLS, TLS 1.2)"
		expect_server 0
		grep -q "handshake: TLSv1.2" "$tmp/server.out" || fail "not TLS 1.2"
	}
	# GnuTLS updates both directions' keys before the hand-off: the secrets must be carried over.
	if [ $can_rekey = 1 ]; then
		start_server 1 && {
			fetch "GnuTLS client, KeyUpdates in GnuTLS first" "$ex/gnutls/file-client-gnutls" --key-update-first data.bin ||
				fail "GnuTLS client failed after its KeyUpdate"
			cmp -s "$tmp/data.bin" "$tmp/out" || fail "the file arrived damaged (GnuTLS KeyUpdate first)"
			expect_server 0
		}
	fi
else
	fail "the GnuTLS example was not built (libgnutls28-dev missing)"
fi

# 3. userspace OpenSSL server -> kTLS client: the kernel's records are plain TLS to OpenSSL
start_server 1 --userspace && {
	fetch "userspace server, kTLS client" "$ex/openssl/file-client" data.bin || fail "client failed"
	cmp -s "$tmp/data.bin" "$tmp/out" || fail "the file arrived damaged (userspace server)"
	expect_server 0
}

# 4. a missing file: the server's fatal alert reaches the client through the reader
start_server 1 && {
	fetch "missing file" "$ex/openssl/file-client" no-such-file && fail "the client succeeded on a missing file"
	grep -q "the server sent the alert access_denied" "$tmp/client.out" || fail "the alert was not reported"
	expect_server 1
}

# 5. the client asks for a KeyUpdate after the hand-off
start_server 1 && {
	fetch "kTLS client KeyUpdate" "$ex/openssl/file-client" --key-update data.bin || fail "client failed after KeyUpdate"
	cmp -s "$tmp/data.bin" "$tmp/out" || fail "the file arrived damaged after KeyUpdate"
	if [ $can_rekey = 1 ]; then
		grep -q "KeyUpdate sent" "$tmp/client.out" || fail "no KeyUpdate on a kernel that can rekey"
	else
		grep -q "this kernel cannot replace kTLS keys (Linux < 6.14)" "$tmp/client.out" ||
			fail "the client did not explain why it kept its keys"
	fi
	expect_server 0
}

# 6. a userspace client sends KeyUpdate to the kTLS server
start_server 1 && {
	if [ $can_rekey = 1 ]; then
		fetch "userspace KeyUpdate to kTLS server" "$ex/openssl/file-client" --userspace-key-update data.bin ||
			fail "the transfer failed after the KeyUpdate"
		cmp -s "$tmp/data.bin" "$tmp/out" || fail "damaged after KeyUpdate"
		expect_server 0
	else
		fetch "userspace KeyUpdate to kTLS server" "$ex/openssl/file-client" --userspace-key-update data.bin &&
			fail "the transfer succeeded although this kernel cannot rekey"
		expect_server 1
		grep -q "cannot install new ones (Linux < 6.14)" "$tmp/server.out" ||
			fail "the server did not explain the KeyUpdate refusal"
	fi
}

[ $failures = 0 ] && echo "examples: all cases passed" || echo "examples: $failures failures"
exit $((failures > 0))
