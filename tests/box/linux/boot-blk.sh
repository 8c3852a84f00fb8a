#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Box test: Debian's kernel boots in mirrorvm (bzImage, or PVH with 'pvh'), loads the virtio
# modules from the test initramfs, writes a file with a checksum on a virtio-blk ext2 disk, reads
# it back after dropping caches, and reboots; the host then finds the file's bytes in the image.
# A second, read-only disk must refuse a write and stay unchanged. The bzImage run also has
# virtio-console: the guest writes a line to hvc0 and reads back one given on the VMM's stdin.
# usage: boot-blk.sh MIRRORVM INITRAMFS [pvh]
set -uo pipefail
mirrorvm=$1 initrd=$2 mode=${3:-bz}
. "$(dirname "$0")/common.sh"
nonce=$RANDOM$RANDOM
mkdisk "$work/rw.img" 64
mkdisk "$work/ro.img" 16 "hello-from-ro"
ro_sum=$(sha256sum <"$work/ro.img")
extra=() cmdline_extra=
[ "$mode" = pvh ] && extra=(--pvh)
# The bzImage boot also has hvc0 (--console virtio), fed a line through the VMM's stdin.
if [ "$mode" = bz ]; then
	extra=(--console virtio) cmdline_extra=mvhvc=1
fi
mkfifo "$work/stdin"
exec 3<>"$work/stdin"
echo "hvc-input-$nonce" >&3
log=$work/console.log
t0=$(date +%s)
say "booting $(basename "$KERNEL") ($mode)"
run_timed "$log" timeout -k 5 170 "$mirrorvm" run --mem 512M --kernel "$KERNEL" "${extra[@]}" \
	--initrd "$initrd" --cmdline "$CMDLINE_BASE mvtest=blk mvnonce=$nonce $cmdline_extra" \
	--disk "$work/rw.img" --disk "$work/ro.img,ro" --control "$work/ctl.sock" <"$work/stdin"
rc=${PIPESTATUS[0]}
fail() { echo "FAIL: $*"; tail -n 30 "$log"; exit 1; }
grep -q 'MVT init' "$log" || fail "the guest's init never ran"
check_guest_date "$log" "$t0" || fail "the guest's clock is not the host's"
written=$(mvt blk-written "$log")
back=$(mvt blk-readback "$log")
[ -n "$written" ] && [ "$written" = "$back" ] || fail "guest checksums: '$written' vs '$back'"
host=$(debugfs -R 'cat /data' "$work/rw.img" 2>/dev/null | sha256sum | cut -d' ' -f1)
[ "$host" = "$written" ] || fail "host reads $host from the image, guest wrote $written"
lines=$(grep -a -c "MVT-DATA-$nonce-line-" "$work/rw.img")
[ "$lines" = 2000 ] || fail "$lines of 2000 lines found in the raw image"
[ "$(mvt ro-flag "$log")" = 1 ] || fail "the guest does not see the disk read-only"
grep -q 'MVT ro-write-refused' "$log" || fail "a write to the read-only disk succeeded"
[ "$(mvt ro-mounted "$log")" = hello-from-ro ] || fail "read-only disk unreadable"
[ "$ro_sum" = "$(sha256sum <"$work/ro.img")" ] || fail "the read-only image changed"
if [ "$mode" = bz ]; then
	grep -q "MVT hvc-out $nonce" "$log" || fail "no line from the guest through hvc0"
	[ "$(mvt hvc-in "$log")" = "hvc-input-$nonce" ] || fail "the guest did not read stdin from hvc0"
fi
grep -q 'MVT done' "$log" || fail "the guest did not finish"
[ "$rc" = 0 ] || fail "mirrorvm exited $rc (reboot should end the run with 0)"
echo "ok: $mode boot to init in $(cat "$log.init-ms") ms, run $(cat "$log.total-ms") ms" \
	"${cmdline_extra:+(hvc0 out and in)}"
