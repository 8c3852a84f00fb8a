#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The VMM's figures (printed, never asserted): launch of the hello guest to its first serial byte
# and to exit, and the port-I/O exit round trip through mirrorvm against a bare KVM_RUN loop,
# both in the same run so the ratio compares like with like.
# usage: vmm-bench.sh MIRRORVM LAUNCH-TIMER KVM-PIO-LOOP [RUNS] [EXITS]
set -eu
# --no-thp: in the box, repeated MADV_HUGEPAGE launches of a 256M guest can stall the whole box
# for minutes (THP compaction under TCG), which would measure the box, not mirrorvm.
mvm=$1 timer=$2 loop=$3 runs=${4:-9} exits=${5:-20000}
first() { sed -n 's/^launch to first serial byte: median \([0-9]*\) .*/\1/p'; }
# The floor: a process that creates a VM with the irqchip and one vCPU and prints after one
# exit. In the box KVM_CREATE_VM alone takes tens of ms (debugfs, the NX recovery thread).
echo "== launch floor (kvm-pio-loop --irqchip 1: KVM_CREATE_VM, a vCPU, one exit, $runs runs)"
out=$("$timer" "$runs" "$loop" --irqchip 1)
echo "$out"
floor=$(echo "$out" | first)
echo "== launch (mirrorvm run --no-thp --no-mirror hello, $runs runs)"
out=$("$timer" "$runs" "$mvm" run --no-thp --no-mirror hello 2>/dev/null)
echo "$out"
launch=$(echo "$out" | first)
awk -v f="$floor" -v l="$launch" 'BEGIN {
	if (f)
		printf "first byte: mirrorvm %d us, bare KVM %d us: %.2fx, %d us above the floor\n",
			l, f, l / f, l - f
}'
echo "== launch with the mirror when present (mirrorvm run --no-thp hello)"
"$timer" "$runs" "$mvm" run --no-thp hello 2>/dev/null
# The three loops take turns, rounds times, so that a busy host (the box is shared) slows all of
# them alike; the medians are compared. Same port (0x80), same exit count, one OUT per iteration.
rounds=5
echo "== port-I/O exit round trip, $exits exits, $rounds interleaved rounds (ns per exit)"
ns() { sed -n 's/.* \([0-9]*\) ns per exit/\1/p'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
bare=() irq=() vmm=()
for _ in $(seq "$rounds"); do
	bare+=("$("$loop" "$exits" | ns)")
	irq+=("$("$loop" --irqchip "$exits" | ns)")
	vmm+=("$("$mvm" run --no-thp --no-mirror --param "n=$exits" bench-pio 2>/dev/null | ns)")
done
echo "bare KVM_RUN loop:             ${bare[*]}"
echo "bare, in-kernel irqchip+CPUID: ${irq[*]}"
echo "mirrorvm bench-pio:            ${vmm[*]}"
b=$(printf '%s\n' "${bare[@]}" | median)
i=$(printf '%s\n' "${irq[@]}" | median)
v=$(printf '%s\n' "${vmm[@]}" | median)
awk -v b="$b" -v i="$i" -v v="$v" 'BEGIN {
	printf "medians: bare %d, bare+irqchip %d, mirrorvm %d ns\n", b, i, v
	printf "mirrorvm / bare KVM_RUN: %.2f\n", v / b
	printf "mirrorvm / bare KVM_RUN with the same irqchip and CPUID: %.2f\n", v / i
	printf "(the irqchip and CPUID alone: %.2f)\n", i / b
}'
