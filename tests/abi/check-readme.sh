#!/bin/bash
# The C in README.md compiles as written: each ```c block, with warnings as errors (a return
# value the header marks warn_unused_result may not be ignored), as C99 and as the C the library
# uses. usage: check-readme.sh README.md INCLUDE_DIR GENERATED_INCLUDE_DIR
set -uo pipefail
readme=$1 inc=$2 gen=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
awk -v dir="$tmp" '/^```c$/ { n++; file = dir "/block" n ".c"; next }
	/^```$/ { file = ""; next }
	file { print > file }' "$readme"
blocks=("$tmp"/block*.c)
[ -e "${blocks[0]}" ] || { echo "FAIL: no C block in $readme"; exit 1; }
status=0
for b in "${blocks[@]}"; do
	for std in c99 gnu11; do
		if ! ${CC:-cc} -std=$std -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Werror -Wno-unused-parameter \
			-I"$inc" -I"$gen" -c "$b" -o "$tmp/out.o" 2>"$tmp/err"; then
			echo "FAIL: $(basename "$b") of $readme does not compile as -std=$std:"
			sed 's/^/  /' "$tmp/err"
			status=1
		fi
	done
done
[ $status = 0 ] && echo "ok: ${#blocks[@]} C block(s) of $(basename "$readme") compile"
exit $status
