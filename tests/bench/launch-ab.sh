#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Launch of the hello guest to its first serial byte, for several mirrorvm binaries and the floor
# (kvm-pio-loop --irqchip 1) taking turns, so that the box's load, which moves more between runs
# than most changes do, falls on all of them alike. Each round times RUNS launches of each (the
# order turns by one every round); the median of the rounds' medians is printed, with the page
# faults, which do not move with the load. A binary must sit next to guest/ (build/mirrorvm-old).
# usage: launch-ab.sh LAUNCH-TIMER KVM-PIO-LOOP ROUNDS RUNS MIRRORVM...
set -eu
timer=$1 loop=$2 rounds=$3 runs=$4
shift 4
cands=(floor "$@")
declare -A firsts faults
first() { sed -n 's/^launch to first serial byte: median \([0-9]*\) .*/\1/p'; }
flt() { sed -n 's/^page faults, context switches (medians): \([0-9]*\),.*/\1/p'; }
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
for r in $(seq "$rounds"); do
	for i in $(seq 0 $((${#cands[@]} - 1))); do
		c=${cands[$(((i + r) % ${#cands[@]}))]}
		if [ "$c" = floor ]; then
			out=$("$timer" "$runs" "$loop" --irqchip 1)
		else
			out=$("$timer" "$runs" "$c" run --no-thp --no-mirror hello 2>/dev/null)
		fi
		firsts[$c]+="$(echo "$out" | first) "
		faults[$c]=$(echo "$out" | flt)
	done
done
echo "first serial byte, $rounds rounds of $runs launches (ms: each round's median):"
for c in "${cands[@]}"; do
	m=$(echo "${firsts[$c]}" | tr " " "\n" | grep . | median)
	ms=$(echo "${firsts[$c]}" | tr " " "\n" | grep . | awk '{ printf "%.0f ", $1 / 1000 }')
	printf '%-28s median %5.1f ms  faults %3d  rounds: %s\n' "$c" \
		"$(awk -v m="$m" 'BEGIN { print m / 1000 }')" "${faults[$c]}" "$ms"
done
