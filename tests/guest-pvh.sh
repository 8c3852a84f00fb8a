#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The test guests' PVH entry (guest/lib/pvh.S), without KVM: QEMU's TCG boots GUEST.elf under
# -M pc and -M microvm, and the guest must print LINE and exit 0 through isa-debug-exit, which
# QEMU reports as 1. Skipped (77) without qemu-system-x86_64.
# usage: guest-pvh.sh GUEST.elf LINE
set -u
elf=$1 line=$2
command -v qemu-system-x86_64 >/dev/null || { echo "no qemu-system-x86_64: skipped"; exit 77; }
fail=0
for m in pc microvm; do
	out=$(timeout 120 qemu-system-x86_64 -M "$m" -accel tcg -m 128M -nodefaults -no-user-config \
		-nographic -no-reboot -serial stdio -kernel "$elf" \
		-device isa-debug-exit,iobase=0x500,iosize=4 2>&1)
	rc=$?
	if [ "$rc" = 1 ] && grep -qF "$line" <<<"$out"; then
		echo "ok: -M $m"
	else
		echo "FAIL: -M $m exited $rc; output:"
		tail -n 5 <<<"$out"
		fail=1
	fi
done
exit $fail
