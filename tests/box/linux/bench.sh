#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Benchmark (prints figures, asserts nothing about speed), all in one box run: wall time from
# launch to the guest's init for mirrorvm (bzImage, PVH) and QEMU (-M pc, -M microvm) on the same
# kernel and initramfs; then 4 KiB random-read IOPS from the guest, queue depth 1, for mirrorvm's
# virtio-blk and QEMU's virtio-blk with aio=io_uring, on the same raw image in the box's tmpfs.
# The PVH figure boots a vmlinux extracted beforehand (untimed), as a user would keep one.
# Exits to init are KVM's own counts (debugfs) when the guest's init first speaks, the same for
# every VMM; mirrorvm's own table by reason and port (run --stats) follows.
# MIRRORVM_BENCH_IOPS=0 stops after the boots.
# usage: bench.sh MIRRORVM INITRAMFS EXTRACT_VMLINUX
set -uo pipefail
mirrorvm=$1 initrd=$2 extract=$3
. "$(dirname "$0")/common.sh"
q=(qemu-system-x86_64 -nodefaults -no-user-config -nographic -no-reboot -accel kvm -cpu host
	-m 512M -serial stdio -kernel "$KERNEL" -initrd "$initrd")
secs=${MIRRORVM_BENCH_SECS:-10}

# KVM's exit counters come from debugfs (tests/box/linux/common.sh), mounted here if need be.
mountpoint -q /sys/kernel/debug || mount -t debugfs debugfs /sys/kernel/debug 2>/dev/null

# Exits by reason and by port for any VMM, for the whole run (hist_start, hist_stop NAME).
. "$(dirname "$0")/../kvm-hist.sh"

exits() { # NAME [COUNTER]: that counter (default: all exits) when the guest's init spoke
	awk -v c="${2:-exits}" '$1 == c { print $2 }' "$work/$1.init-exits" 2>/dev/null
}

boot() { # NAME COMMAND...
	local name=$1
	shift
	hist_start
	run_timed "$work/$name" timeout 240 "$@"
	hist_stop "$name"
	printf '%-22s %8s ms to init %8s ms in all %8s exits to init (io %s, mmio %s, irq_window %s, halt %s)\n' \
		"$name" "$(cat "$work/$name.init-ms" 2>/dev/null || echo '?')" \
		"$(cat "$work/$name.total-ms")" "$(exits "$name")" "$(exits "$name" io_exits)" \
		"$(exits "$name" mmio_exits)" "$(exits "$name" irq_window_exits)" \
		"$(exits "$name" halt_exits)"
	[ -s "$work/$name.hist" ] && echo "  top exit reasons and ports, whole run:" &&
		cat "$work/$name.hist"
}
ratio() { # FILE-SUFFIX BASE OTHER: OTHER / BASE
	awk -v a="$(cat "$work/$2.$1" 2>/dev/null)" -v b="$(cat "$work/$3.$1" 2>/dev/null)" \
		'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else printf "?" }'
}
exit_ratio() { # BASE OTHER: exits to init, OTHER / BASE
	awk -v a="$(exits "$1")" -v b="$(exits "$2")" \
		'BEGIN { if (a > 0 && b > 0) printf "%.2f", b / a; else printf "?" }'
}

echo "== launch to init ($(basename "$KERNEL"), same initramfs and command line)"
"$extract" "$KERNEL" "$work/vmlinux" || exit 1
boot mirrorvm-bzimage "$mirrorvm" run --stats --mem 512M --kernel "$KERNEL" --initrd "$initrd" \
	--cmdline "$CMDLINE_BASE mvtest=none"
boot mirrorvm-pvh "$mirrorvm" run --mem 512M --kernel "$work/vmlinux" --initrd "$initrd" \
	--cmdline "$CMDLINE_BASE mvtest=none"
# The host's CPUID family as it is (the box's TCG CPU is AMD family 15: Linux's GART search).
boot mirrorvm-cpuid-host "$mirrorvm" run --cpuid host --mem 512M --kernel "$KERNEL" \
	--initrd "$initrd" --cmdline "$CMDLINE_BASE mvtest=none"
boot qemu-pc "${q[@]}" -M pc -append "$CMDLINE_BASE mvtest=none"
# microvm has no i8042: the guest ends the run by triple fault (QEMU exits with -no-reboot).
boot qemu-microvm "${q[@]}" -M microvm -append "${CMDLINE_BASE/reboot=k/reboot=t} mvtest=none"
echo "time to init, other / mirrorvm-bzimage: pvh $(ratio init-ms mirrorvm-bzimage mirrorvm-pvh)," \
	"qemu-pc $(ratio init-ms mirrorvm-bzimage qemu-pc)," \
	"qemu-microvm $(ratio init-ms mirrorvm-bzimage qemu-microvm)"
echo "exits to init, mirrorvm / qemu-pc: bzimage $(exit_ratio qemu-pc mirrorvm-bzimage)," \
	"pvh $(exit_ratio qemu-pc mirrorvm-pvh), cpuid-host $(exit_ratio qemu-pc mirrorvm-cpuid-host)," \
	"qemu-microvm $(exit_ratio qemu-pc qemu-microvm)"
echo "== mirrorvm-bzimage's exits for the whole run (run --stats)"
grep '^exits:' "$work/mirrorvm-bzimage"

if [ "${MIRRORVM_BENCH_IOPS:-1}" = 0 ]; then
	rm -rf "$work"
	exit 0
fi
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
