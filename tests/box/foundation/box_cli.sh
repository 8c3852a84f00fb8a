#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# tools/box from the outside: exit statuses pass through, output comes back byte-exact and
# unmixed, --numa gives two nodes, --tcg=single works, --timeout ends a stuck box with 124. TAP.
set -u
box=$1
n=0 fails=0
check() {
	n=$((n + 1))
	if [ "$1" = "$2" ]; then
		echo "ok $n - $3"
	else
		echo "not ok $n - $3 (got '$1', want '$2')"
		fails=$((fails + 1))
	fi
}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# Bytes 1..255 (no NUL: shells cannot carry it), CR and LF included, must come back unchanged.
"$box" --no-module --timeout 120 -- bash -c \
	'for i in $(seq 1 255); do printf "\\$(printf %o $i)"; done; echo to-stderr >&2; exit 7' \
	>"$tmp/out" 2>"$tmp/err"
check $? 7 "exit status 7 comes back"
check "$(for i in $(seq 1 255); do printf "\\$(printf %o $i)"; done | md5sum)" \
	"$(md5sum <"$tmp/out")" "stdout is byte-exact"
check "$(grep -c to-stderr "$tmp/err")" 1 "stderr comes back on stderr"
check "$(grep -c to-stderr "$tmp/out")" 0 "stderr is not mixed into stdout"

"$box" --no-module --numa --timeout 120 -- ls /sys/devices/system/node >"$tmp/nodes"
check $? 0 "--numa box runs"
check "$(grep -cE '^node[01]$' "$tmp/nodes")" 2 "--numa shows node0 and node1"

# --tcg=single: one host thread runs both box vCPUs; the box still has two.
check "$("$box" --no-module --tcg=single --timeout 120 -- nproc)" 2 "--tcg=single box has 2 CPUs"
"$box" --tcg=bogus -- true 2>"$tmp/err"
check "$?:$(grep -c 'takes single or multi' "$tmp/err")" 125:1 "--tcg=bogus is refused (125)"

"$box" --no-module --timeout 3 -- sleep 100 2>/dev/null
check $? 124 "--timeout ends the box with 124"

"$box" --no-module --timeout 120 -- false
check $? 1 "false exits 1"

# After a box with a timeout, nothing of it is left: no sleep holding our descriptors (a flock
# on fd 8 here stays locked while anything holds it).
exec 8>"$tmp/lock"
flock 8
"$box" --no-module --timeout 300 -- true
exec 8>&-
check "$(flock -n "$tmp/lock" echo free)" free "no process of the box holds the caller's descriptors"

# Kernels: unknown names are refused with the list, and a module is loaded only into the kernel
# it was built for.
"$box" --kernel bogus -- true 2>"$tmp/err"
check "$?:$(grep -c 'valid names are bookworm, trixie, sid' "$tmp/err")" 125:1 \
	"--kernel bogus is refused with the valid names (125)"
MIRRORVM_KERNEL=bogus "$box" -- true 2>"$tmp/err"
check "$?:$(grep -c "unknown kernel 'bogus'" "$tmp/err")" 125:1 "MIRRORVM_KERNEL=bogus is refused"
check "$("$box" --kernels | grep -c '^bookworm  *[0-9][^ ]*-amd64 *cached')" 1 \
	"--kernels lists the cached bookworm kernel with its version"
"$box" --qemu bogus -- true 2>"$tmp/err"
check "$?:$(grep -c 'valid names are host, trixie, sid' "$tmp/err")" 125:1 "--qemu bogus is refused"
ko=$(dirname "$box")/../build/mmu/kmod/mmirror.ko
if [ -f "$ko" ] && "$box" --kernels | grep -q '^sid .*cached'; then
	"$box" --kernel sid --module "$ko" --timeout 120 -- true 2>"$tmp/err"
	check "$?:$(grep -c "was built for '6" "$tmp/err")" 125:1 \
		"bookworm's module is refused by the sid box (125)"
else
	echo "ok $((n += 1)) # SKIP no bookworm module or no sid kernel to cross"
fi

echo "1..$n"
[ "$fails" = 0 ]
