#!/bin/bash
# Real TLS clients against the example file server, which hands each connection to the kernel
# with libktls-openssl (or serves it in userspace where kTLS cannot take it): openssl s_client
# (TLS 1.3 with KeyUpdates k/K, TLS 1.2, renegotiation R), curl (TLS 1.3 and 1.2, AES-256-GCM
# and ChaCha20, session resumption), gnutls-cli (TLS 1.3 and 1.2), and a cipher the kernel lacks.
# The clients are whatever the userland has: run in ktls-vm --userland, they are trixie's or sid's.
# usage: test-peers.sh   (KTLS_EXAMPLES: the build's examples directory; KTLS_TOOL: the ktls tool)
set -u
trap '' PIPE
ex=${KTLS_EXAMPLES:?KTLS_EXAMPLES must name the examples directory of a build}
if ! "${KTLS_TOOL:?}" probe >/dev/null; then # exit 3: no kTLS (ktls(1))
	[ -n "${KTLS_IN_VM:-}" ] && { echo "FAIL: inside the test VM but the kernel has no kTLS"; exit 1; }
	echo "skip: the running kernel has no kTLS"
	exit 77
fi
for tool in openssl curl gnutls-cli; do
	command -v $tool >/dev/null || { echo "FAIL: $tool is not installed (see tests/install-deps.sh)"; exit 1; }
done
echo "# $(openssl version | cut -d' ' -f1-2), $(gnutls-cli --version | head -n 1), $(curl --version | head -n 1 | cut -d' ' -f1-2)"
can_rekey=0
"$KTLS_TOOL" --json probe | grep -q '"rekey":true' && can_rekey=1

tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1
head -c 1048583 /dev/urandom > data.bin
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# start_server COUNT: a file server for COUNT connections; sets $port and $server.
start_server() {
	"$ex/openssl/file-server" --count "$1" . > server.out 2>&1 &
	server=$!
	for _ in $(seq 100); do
		port=$(sed -n 's/^listening on 127.0.0.1:\([0-9]*\).*/\1/p' server.out)
		[ -n "$port" ] && return 0
		sleep 0.1
	done
	fail "file-server did not start: $(cat server.out)"
	return 1
}

# end_server STATUS: wait for the server, show its log, check its exit status.
end_server() {
	wait "$server"
	local status=$?
	sed 's/^/  server: /' server.out
	[ $status = "$1" ] || fail "file-server exited $status, expected $1"
}

# wait_for FILE PATTERN [COUNT]: until COUNT lines of FILE (default 1) match PATTERN (30 s at most).
wait_for() {
	for _ in $(seq 300); do
		[ "$(grep -c -- "$2" "$1" 2>/dev/null)" -ge "${3:-1}" ] && return 0
		sleep 0.1
	done
	fail "not ${3:-1} \"$2\" in $1 after 30 s"
	return 1
}

# s_client OPTIONS...: start openssl s_client on the server, its input the FIFO on descriptor 5.
# s_client takes a command letter (k, K, R) only as the first byte of what one read returns, so
# each goes separately, once the server has handed the connection to the kernel.
s_client() {
	rm -f in && mkfifo in
	openssl s_client -connect "127.0.0.1:$port" -quiet -no_ign_eof "$@" < in > sc.out 2> sc.err &
	sclient=$!
	exec 5> in
	wait_for server.out "^kTLS installed\|^kTLS not used"
}
s_client_end() {
	# s_client ends when the server's close_notify arrives; an EOF on its input would end it at once
	for _ in $(seq 600); do
		kill -0 "$sclient" 2>/dev/null || break
		sleep 0.1
	done
	exec 5>&-
	wait "$sclient"
	local status=$?
	grep -v -e '^depth=' -e '^verify' -e 'SSL_get_servername' sc.err | sed 's/^/  s_client: /'
	return $status
}

# expect_file FILE LABEL: FILE holds data.bin exactly.
expect_file() {
	cmp -s data.bin "$1" || fail "$2: the file arrived damaged ($(stat -c %s "$1" 2>/dev/null || echo no) bytes)"
}

echo "== s_client, TLS 1.3"
start_server 1 && {
	s_client -tls1_3
	echo "GET data.bin" >&5
	s_client_end || fail "s_client failed"
	expect_file sc.out "s_client TLS 1.3"
	end_server 0
	grep -q "served data.bin: 1048583 bytes with sendfile over kTLS" server.out || fail "not served over kTLS"
}

echo "== s_client, TLS 1.3, KeyUpdate (k) and KeyUpdate with update_requested (K)"
start_server 1 && {
	s_client -tls1_3
	echo k >&5
	wait_for sc.err KEYUPDATE
	if [ $can_rekey = 1 ]; then
		echo K >&5
		wait_for sc.err KEYUPDATE 2
		echo "GET data.bin" >&5
		s_client_end || fail "s_client failed after its KeyUpdates"
		expect_file sc.out "after KeyUpdates"
		end_server 0
	else
		echo "GET data.bin" >&5
		s_client_end && fail "s_client succeeded although this kernel cannot follow its KeyUpdate"
		end_server 1
		grep -q "cannot install new ones (Linux < 6.14)" server.out || fail "the server did not explain the refusal"
	fi
}

echo "== s_client, TLS 1.2"
start_server 1 && {
	s_client -tls1_2
	echo "GET data.bin" >&5
	s_client_end || fail "s_client failed"
	expect_file sc.out "s_client TLS 1.2"
	end_server 0
}

echo "== s_client, TLS 1.2, renegotiation (R)"
start_server 1 && {
	s_client -tls1_2 -msg
	echo R >&5
	wait_for sc.err RENEGOTIATING
	s_client_end
	# The server refuses with a warning (RFC 5246 §7.2.2); OpenSSL, having asked, then gives up
	# with a fatal handshake_failure of its own (rec_layer_s3.c: "no renegotiation").
	grep -q "<<< TLS 1.2, Alert \[length 0002\], warning no_renegotiation" sc.out ||
		fail "no no_renegotiation warning reached s_client"
	grep -q "unexpected_message" sc.out && fail "the server answered with unexpected_message"
	end_server 1
	grep -q "the client sent the alert handshake_failure" server.out ||
		fail "the connection did not end by the client's choice"
}

# curl_get LABEL OPTIONS...: fetch data.bin twice in one curl run (the second connection resumes
# the first one's session) and check both copies and the resumption.
curl_get() {
	local label=$1
	shift
	echo "== curl, $label"
	start_server 2 || return
	curl -sSk "$@" "https://127.0.0.1:$port/data.bin" -o c1 "https://127.0.0.1:$port/data.bin" -o c2 2> curl.err ||
		fail "curl $label: $(cat curl.err)"
	expect_file c1 "curl $label"
	expect_file c2 "curl $label, second connection"
	end_server 0
	[ "$(grep -c "with sendfile over kTLS" server.out)" = 2 ] || fail "curl $label: not both over kTLS"
	grep -q "handshake: .*, resumed" server.out || fail "curl $label: the second connection did not resume"
}
curl_get "TLS 1.3" --tlsv1.3
curl_get "TLS 1.3 ChaCha20-Poly1305" --tlsv1.3 --tls13-ciphers TLS_CHACHA20_POLY1305_SHA256
curl_get "TLS 1.2 AES-256-GCM" --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-AES256-GCM-SHA384
curl_get "TLS 1.2 ChaCha20-Poly1305" --tlsv1.2 --tls-max 1.2 --ciphers ECDHE-ECDSA-CHACHA20-POLY1305
grep -q "TLSv1.2, ECDHE-ECDSA-CHACHA20-POLY1305" server.out || fail "curl did not get ChaCha20 over TLS 1.2"

# gnutls_get LABEL PRIORITY: gnutls-cli sends the request once the server handed off.
gnutls_get() {
	echo "== gnutls-cli, $1"
	start_server 1 || return
	rm -f in && mkfifo in
	gnutls-cli --insecure --logfile=gc.log --priority "$2" -p "$port" 127.0.0.1 < in > gc.out 2> gc.err &
	local client=$!
	exec 5> in
	wait_for server.out "^kTLS installed" && echo "GET data.bin" >&5
	exec 5>&-
	wait $client
	expect_file gc.out "gnutls-cli $1"
	end_server 0
}
gnutls_get "TLS 1.3" "NORMAL:-VERS-ALL:+VERS-TLS1.3"
gnutls_get "TLS 1.2" "NORMAL:-VERS-ALL:+VERS-TLS1.2"

echo "== s_client, TLS 1.2 ARIA-128-GCM: a cipher Debian's kernels lack, served in userspace"
start_server 1 && {
	s_client -tls1_2 -cipher ECDHE-ECDSA-ARIA128-GCM-SHA256
	echo "GET data.bin" >&5
	s_client_end || fail "s_client failed"
	expect_file sc.out "ARIA, userspace fallback"
	end_server 0
	grep -q "served data.bin: 1048583 bytes through SSL_write" server.out ||
		grep -q "served data.bin: 1048583 bytes with sendfile over kTLS" server.out ||
		fail "ARIA: not served"
}

[ $failures = 0 ] && echo "peers: all cases passed" || echo "peers: $failures failures"
exit $((failures > 0))
