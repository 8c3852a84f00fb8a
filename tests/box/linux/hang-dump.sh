#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run by tap-run when a Linux-guest test hangs (through the test's on-timeout): the VMM's status,
# vCPU 0's registers twice a second apart (a spinning guest keeps its RIP in one function), the
# top of vCPU 0's kernel stack, and the interrupted context of any interrupt frame found there or
# on the stack it came from (its RFLAGS say whether interrupts were on when it was taken). Return
# addresses can be matched against /proc/kallsyms of the same kernel (a PVH boot has no KASLR).
# usage: hang-dump.sh MIRRORVM SOCKET
mirrorvm=$1 sock=$2
ctl() { timeout -k 2 10 "$mirrorvm" ctl "$@"; }
ctl "$sock" status
ctl "$sock" regs 0
sleep 1
ctl "$sock" regs 0 | head -n 3
rsp=$(ctl "$sock" regs 0 | sed -n 's/.* rsp \([0-9a-f]*\) .*/\1/p')
[ -n "$rsp" ] || exit 0

# The words of `ctl read`, one per line.
words() { ctl "$sock" read "$@" | sed -n 's/^[0-9a-f]*://p' | tr ' ' '\n' | sed '/^$/d'; }

# Interrupt frames (RIP in kernel text, CS 0x10, RFLAGS, RSP, SS 0x18) among the words on stdin.
frames() {
	awk -v where="$1" '{ w[NR] = $1 } END {
		for (i = 1; i + 4 <= NR; i++)
			if (w[i] ~ /^ffffffff/ && w[i + 1] == "0000000000000010" &&
			    w[i + 4] == "0000000000000018") {
				fl = w[i + 2]
				if_on = index("2367abef", substr(fl, 14, 1)) ? "on" : "off"
				printf "interrupt frame %s: rip %s rflags %s (interrupts %s) rsp %s\n",
					where, w[i], fl, if_on, w[i + 3]
			}
	}'
}

stack=$(words "0x$rsp" 256)
echo "stack at $rsp, 32 words:"
head -n 32 <<<"$stack" | paste -d' ' - - - -
frames "on this stack" <<<"$stack"
# On an interrupt stack the top word holds the stack it came from: any kernel data address (not
# text: ffffffff...) far from this stack is a candidate; look for frames just above it. The
# last words first: the interrupt stack's top is where a read of it stops.
for p in $(grep -E '^ff' <<<"$stack" | grep -v '^ffffffff' | tac | awk '!seen[$0]++' | head -n 8); do
	d=$((0x$p - 0x$rsp))
	[ "${d#-}" -gt 16384 ] || continue
	words "0x$(printf %x $((0x$p & ~7)))" 48 | frames "above $p"
done
