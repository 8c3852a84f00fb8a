#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Run by tap-run when a Linux-guest test hangs (through the test's on-timeout): the VMM's status,
# vCPU 0's registers twice a second apart (a spinning guest keeps its RIP in one function), and
# the top of vCPU 0's kernel stack read from the VMM's memory, so that return addresses can be
# matched against /proc/kallsyms of the same kernel (a PVH boot has no KASLR).
# usage: hang-dump.sh MIRRORVM SOCKET
mirrorvm=$1 sock=$2
ctl() { timeout -k 2 10 "$mirrorvm" ctl "$@"; }
ctl "$sock" status
ctl "$sock" regs 0
sleep 1
ctl "$sock" regs 0 | head -n 3
pid=$(ctl --json "$sock" status | sed -n 's/.*"pid":\([0-9]*\).*/\1/p')
rsp=$(ctl "$sock" regs 0 | sed -n 's/.* rsp \([0-9a-f]*\) .*/\1/p')
[ -n "$pid" ] && [ -n "$rsp" ] || exit 0
gpa=$(ctl --json "$sock" walk "0x$rsp" | sed -n 's/.*"gpa":\([0-9]*\).*/\1/p')
# Guest RAM below 3 GiB is the VMM's largest anonymous mapping, from gpa 0.
base= best=0
while read -r range perm _ _ _ path; do
	[ -z "$path" ] && [ "$perm" = rw-p ] || continue
	size=$((0x${range#*-} - 0x${range%-*}))
	[ $size -gt $best ] && best=$size base=${range%-*}
done <"/proc/$pid/maps"
[ -n "$gpa" ] && [ -n "$base" ] || exit 0
echo "guest RAM at hva 0x$base ($((best >> 20)) MiB)"
echo "stack at gva $rsp = gpa $(printf %#x "$gpa"), 32 words:"
dd if="/proc/$pid/mem" bs=8 skip=$(((0x$base + gpa) / 8)) count=32 2>/dev/null | od -A n -t x8
