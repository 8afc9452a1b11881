#!/bin/bash
# The harness itself: a command's output and exit status come back out of the VM, a failing
# command fails, and what the guest writes to /tmp stays in the guest.
# usage: check-propagation.sh KTLS_VM SERIES WORKDIR
set -uo pipefail
vm=$1 series=$2 workdir=$3
marker="ktls-vm-marker-$$-$RANDOM"

out=$("$vm" --kernel "$series" --workdir "$workdir" -- \
	sh -c "echo $marker; uname -r; touch /tmp/$marker; test -e /proc/net/tls_stat || exit 9; exit 3" 2>&1)
status=$?
printf '%s\n' "$out" | sed 's/^/# /'
if [ $status = 77 ]; then
	echo "skip: no VM here (see above)"
	exit 77
fi
fail=0
[ $status = 3 ] || { echo "FAIL: expected the guest command's status 3, got $status"; fail=1; }
grep -qx "$marker" <<< "$out" || { echo "FAIL: the guest command's output did not come back"; fail=1; }
[ -e "/tmp/$marker" ] && { echo "FAIL: the guest wrote to the host's /tmp"; rm -f "/tmp/$marker"; fail=1; }
[ $fail = 0 ] && echo "ok: status 3 and output came back from kernel $(sed -n 2p <<< "$out")"
exit $fail
