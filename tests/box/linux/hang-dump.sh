#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run by tap-run when a Linux-guest test hangs (through the test's on-timeout): the VMM's status,
# vCPU 0's registers twice a second apart (a spinning guest keeps its RIP in one function), the
# top of vCPU 0's kernel stack, and the interrupted context of any interrupt frame found there or
# on the stack it came from (its RFLAGS say whether interrupts were on when it was taken), and
# names for the kernel addresses in all of it, from the box's /proc/kallsyms (the same kernel).
# usage: hang-dump.sh MIRRORVM SOCKET
mirrorvm=$1 sock=$2
ctl() { timeout -k 2 10 "$mirrorvm" ctl "$@"; }
ctl "$sock" status
regs=$(ctl "$sock" regs 0)
echo "$regs"
sleep 1
ctl "$sock" regs 0 | head -n 3
rsp=$(sed -n 's/.* rsp \([0-9a-f]*\) .*/\1/p' <<<"$regs")
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

# The stack, its interrupt frames, and those on the stack an interrupt stack came from.
stack_and_frames() {
	local stack p d
	stack=$(words "0x$rsp" 256)
	echo "stack at $rsp, 32 words:"
	head -n 32 <<<"$stack" | paste -d' ' - - - -
	frames "on this stack" <<<"$stack"
	# On an interrupt stack the top word holds the stack it came from: any kernel data address
	# (not text: ffffffff...) far from this stack is a candidate; look for frames just above
	# it. The last words first: the interrupt stack's top is where a read of it stops.
	for p in $(grep -E '^ff' <<<"$stack" | grep -v '^ffffffff' | tac | awk '!seen[$0]++' |
		head -n 8); do
		d=$((0x$p - 0x$rsp))
		[ "${d#-}" -gt 16384 ] || continue
		words "0x$(printf %x $((0x$p & ~7)))" 48 | frames "above $p"
	done
}

# Names for kernel text addresses. The guests run the box's own kernel, so the box's
# /proc/kallsyms names their code once shifted by the difference of the two KASLR offsets,
# which IDT vector 0 gives: its handler is asm_exc_divide_error, and Linux maps the IDT at a
# fixed address (the CPU entry area) whatever KASLR does.
symbols() {
	local idt
	idt=$(words 0xfffffe0000000000 2 | xargs)
	[ -n "$idt" ] && [ $# -gt 0 ] && [ -r /proc/kallsyms ] || return 0
	python3 - "$idt" "$@" <<'PY'
import bisect
import sys

w0, w1 = (int(x, 16) for x in sys.argv[1].split())
handler = (w0 & 0xFFFF) | ((w0 >> 48) & 0xFFFF) << 16 | (w1 & 0xFFFFFFFF) << 32
syms = []
for line in open("/proc/kallsyms"):
    addr, kind, name = line.split()[:3]
    if kind in "tTwW":
        syms.append((int(addr, 16), name))
syms.sort()
box = next((a for a, n in syms if n == "asm_exc_divide_error"), 0)
if not box:
    sys.exit(0)  # no kallsyms addresses (kptr_restrict)
print("symbols (the box's kallsyms, shifted by %#x):" % ((box - handler) % (1 << 64)))
addrs = [a for a, _ in syms]
for x in sys.argv[2:]:
    v = int(x, 16) + box - handler
    i = bisect.bisect_right(addrs, v) - 1
    if i >= 0 and v - addrs[i] < 0x10000:
        print("  %s %s+%#x" % (x, syms[i][1], v - addrs[i]))
PY
}

body=$(stack_and_frames)
echo "$body"
symbols $(grep -oE 'ffffffff[89ab][0-9a-f]{7}' <<<"$regs
$body" | sort -u)
