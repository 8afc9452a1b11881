#!/bin/bash
# The distribution benchmarks' certificates, made once with openssl into DIR: a P-256 CA
# (ca.pem) and a node certificate naming 127.0.0.1 (node.pem, node.key) that both nodes use.
# (OTP 25's client checks the server's name even with server_name_indication disabled.)
# usage: bench/dist-certs.sh DIR
set -uo pipefail
dir=${1:?usage: dist-certs.sh DIR}
mkdir -p "$dir" && cd "$dir" || exit 1
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ca.key -out ca.pem \
		-subj /CN=dist-bench-ca -days 2 &&
	openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout node.key -out node.csr \
		-subj /CN=127.0.0.1 &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:127.0.0.1\n' >san.ext &&
	openssl x509 -req -in node.csr -CA ca.pem -CAkey ca.key -CAcreateserial -extfile san.ext -days 2 -out node.pem
} >openssl.log 2>&1 || { echo "dist-certs: openssl could not make the certificates:" >&2; cat openssl.log >&2; exit 1; }
