#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Box test: Debian's kernel boots to init in mirrorvm with extra command-line words (noapic,
# pci=off: the machine model must not need the IOAPIC or PCI to get there), finds the host's
# date in its clock and its RTC, and reboots through the i8042, which ends the run with 0.
# usage: boot-min.sh MIRRORVM INITRAMFS [WORD...]
set -uo pipefail
mirrorvm=$1 initrd=$2
shift 2
. "$(dirname "$0")/common.sh"
log=$work/console.log
t0=$(date +%s)
say "booting $(basename "$KERNEL") with '$*'"
run_timed "$log" timeout -k 5 170 "$mirrorvm" run --mem 256M --kernel "$KERNEL" \
	--initrd "$initrd" --cmdline "$CMDLINE_BASE mvtest=none $*" --control "$work/ctl.sock"
rc=${PIPESTATUS[0]}
fail() { echo "FAIL: $*"; tail -n 30 "$log"; exit 1; }
grep -q 'MVT init' "$log" || fail "the guest's init never ran"
check_guest_date "$log" "$t0" || fail "the guest's clock is not the host's"
grep -q 'MVT done' "$log" || fail "the guest did not finish"
[ "$rc" = 0 ] || fail "mirrorvm exited $rc (reboot should end the run with 0)"
echo "ok: '$*' boot to init in $(cat "$log.init-ms") ms, run $(cat "$log.total-ms") ms," \
	"date $(mvt date "$log") RTC $(mvt rtc "$log")"
