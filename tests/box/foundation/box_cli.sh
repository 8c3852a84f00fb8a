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

echo "1..$n"
[ "$fails" = 0 ]
