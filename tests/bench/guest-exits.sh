#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Per-boot table for a test guest (printed, never asserted), in the box: exits by reason and by
# port, counted by KVM's tracepoints (tests/box/kvm-hist.sh), for mirrorvm and for QEMU -M pc and
# -M microvm running the same ELF to its exit. QEMU boots it through its PVH note
# (guest/lib/pvh.S) and ends it through isa-debug-exit on the test device's EXIT port, which
# exits with (status << 1) | 1. QEMU pc's figure includes its firmware (SeaBIOS), microvm's
# qboot: what each takes to run the guest.
# usage: guest-exits.sh MIRRORVM GUEST-DIR [GUEST...]   (default guest: hello)
set -uo pipefail
mirrorvm=$1 gdir=$2
shift 2
[ $# -gt 0 ] || set -- hello
work=$(mktemp -d /tmp/guest-exits.XXXXXX)
trap 'rm -rf "$work"' EXIT
HIST_TOP=${HIST_TOP:-12}
. "$(dirname "$0")/../box/kvm-hist.sh"
q=(qemu-system-x86_64 -nodefaults -no-user-config -nographic -no-reboot -accel kvm -cpu host
	-m 256M -serial stdio -device isa-debug-exit,iobase=0x500,iosize=4)

run() { # NAME WANT-STATUS COMMAND...: one run under the hist triggers
	local name=$1 want=$2 rc
	shift 2
	hist_start
	timeout 120 "$@" >"$work/$name.out" 2>&1
	rc=$?
	hist_stop "$name"
	[ "$rc" = "$want" ] || { echo "$name: exit status $rc, not $want:"; tail -n 5 "$work/$name.out"; }
}
total() { cat "$work/$1.hist-total" 2>/dev/null; }

for g in "$@"; do
	elf=$gdir/$g.elf
	echo "== $g: exits from launch to the guest's exit (status 0)"
	run mirrorvm 0 "$mirrorvm" run --no-thp --no-mirror --mem 256M --stats "$elf"
	run qemu-pc 1 "${q[@]}" -M pc -kernel "$elf"
	run qemu-microvm 1 "${q[@]}" -M microvm -kernel "$elf"
	for vmm in mirrorvm qemu-pc qemu-microvm; do
		printf '%-14s %8s exits\n' "$vmm" "$(total $vmm)"
		cat "$work/$vmm.hist"
	done
	awk -v m="$(total mirrorvm)" -v p="$(total qemu-pc)" -v u="$(total qemu-microvm)" 'BEGIN {
		if (m > 0 && p > 0 && u > 0)
			printf "exits, mirrorvm / qemu-pc %.3f, mirrorvm / qemu-microvm %.3f\n",
				m / p, m / u
	}'
	echo "mirrorvm's own table (run --stats):"
	grep '^exits:' "$work/mirrorvm.out"
done
