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
echo "== launch (mirrorvm run --no-thp --no-mirror hello, $runs runs)"
"$timer" "$runs" "$mvm" run --no-thp --no-mirror hello 2>/dev/null
echo "== launch with the mirror when present (mirrorvm run --no-thp hello)"
"$timer" "$runs" "$mvm" run --no-thp hello 2>/dev/null
echo "== port-I/O exit round trip, $exits exits"
bare=$("$loop" "$exits")
vmm=$("$mvm" run --no-thp --no-mirror --param "n=$exits" bench-pio 2>/dev/null)
echo "$bare"
echo "$vmm"
b=$(echo "$bare" | sed -n 's/.* \([0-9]*\) ns per exit/\1/p')
v=$(echo "$vmm" | sed -n 's/.* \([0-9]*\) ns per exit/\1/p')
awk -v b="$b" -v v="$v" 'BEGIN { printf "mirrorvm / bare KVM_RUN: %.2f\n", v / b }'
