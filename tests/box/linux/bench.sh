#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (prints figures, asserts nothing about speed), all in one box run: wall time from
# launch to the guest's init for mirrorvm (bzImage, PVH) and QEMU (-M pc, -M microvm) on the same
# kernel and initramfs; then 4 KiB random-read IOPS from the guest, queue depth 1, for mirrorvm's
# virtio-blk and QEMU's virtio-blk with aio=io_uring, on the same raw image in the box's tmpfs.
# The PVH figure boots a vmlinux extracted beforehand (untimed), as a user would keep one.
# usage: bench.sh MIRRORVM INITRAMFS EXTRACT_VMLINUX
set -uo pipefail
mirrorvm=$1 initrd=$2 extract=$3
. "$(dirname "$0")/common.sh"
q=(qemu-system-x86_64 -nodefaults -no-user-config -nographic -no-reboot -accel kvm -cpu host
	-m 512M -serial stdio -kernel "$KERNEL" -initrd "$initrd")
secs=${MIRRORVM_BENCH_SECS:-10}

boot() { # NAME COMMAND...
	local name=$1
	shift
	run_timed "$work/$name" timeout 240 "$@"
	printf '%-22s %8s ms to init   %8s ms in all\n' "$name" \
		"$(cat "$work/$name.init-ms" 2>/dev/null || echo '?')" "$(cat "$work/$name.total-ms")"
}

echo "== launch to init ($(basename "$KERNEL"), same initramfs)"
"$extract" "$KERNEL" "$work/vmlinux" || exit 1
boot mirrorvm-bzimage "$mirrorvm" run --mem 512M --kernel "$KERNEL" --initrd "$initrd" \
	--cmdline "$CMDLINE_BASE mvtest=none"
boot mirrorvm-pvh "$mirrorvm" run --mem 512M --kernel "$work/vmlinux" --initrd "$initrd" \
	--cmdline "$CMDLINE_BASE mvtest=none"
boot qemu-pc "${q[@]}" -M pc -append "$CMDLINE_BASE mvtest=none"
# microvm has no i8042: the guest ends the run by triple fault (QEMU exits with -no-reboot).
boot qemu-microvm "${q[@]}" -M microvm -append "${CMDLINE_BASE/reboot=k/reboot=t} mvtest=none"
ratio() { awk -v a="$(cat "$work/$1.init-ms" 2>/dev/null)" -v b="$(cat "$work/$2.init-ms" 2>/dev/null)" \
	'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else printf "?" }'; }
echo "ratios (other / mirrorvm-bzimage): pvh $(ratio mirrorvm-bzimage mirrorvm-pvh)," \
	"qemu-pc $(ratio mirrorvm-bzimage qemu-pc), qemu-microvm $(ratio mirrorvm-bzimage qemu-microvm)"

echo "== 4 KiB random reads, QD1, ${secs} s, 256 MiB raw image in tmpfs"
dd if=/dev/urandom of="$work/disk.raw" bs=1M count=256 status=none
run_timed "$work/iops-mirrorvm" timeout 240 "$mirrorvm" run --mem 512M --kernel "$work/vmlinux" \
	--initrd "$initrd" --cmdline "$CMDLINE_BASE mvtest=iops mvsecs=$secs" --disk "$work/disk.raw"
run_timed "$work/iops-qemu" timeout 240 "${q[@]}" -M pc \
	-append "$CMDLINE_BASE mvtest=iops mvsecs=$secs" \
	-drive "file=$work/disk.raw,if=virtio,format=raw,aio=io_uring"
a=$(mvt iops "$work/iops-mirrorvm") b=$(mvt iops "$work/iops-qemu")
printf '%-22s %8s IOPS\n' mirrorvm-virtio-blk "${a:-?}" qemu-aio=io_uring "${b:-?}"
awk -v a="${a:-0}" -v b="${b:-0}" 'BEGIN { if (a > 0 && b > 0) printf "ratio mirrorvm/qemu %.2f\n", a / b }'
rm -rf "$work"
