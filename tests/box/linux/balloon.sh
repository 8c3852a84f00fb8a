#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Box test: the guest fills 96 MiB and frees it. The host then populates the mirror over all
# guest RAM (faulting in for writing what the guest never touched), inflates the balloon by
# 64 MiB through the control socket and requires, once the guest's balloon holds 64 MiB, that
# the mirror invalidated at least 64 MiB of pages and that the VMM's resident memory dropped by
# at least 56 MiB; then deflates to 0 and requires every page back in the guest. On the way,
# ctl walk and ctl read of the guest's IDT through its own (5-level) tables.
# usage: balloon.sh MIRRORVM INITRAMFS
set -uo pipefail
mirrorvm=$1 initrd=$2
. "$(dirname "$0")/common.sh"
mib=64
pages=$((mib * 256))
sock=$work/ctl.sock
log=$work/console.log
# --no-thp: a 4 KiB DONTNEED inside a THP invalidates the whole 2 MiB, which would let a few
# balloon pages count for many; with 4 KiB pages each invalidated page is one balloon page.
say "booting $(basename "$KERNEL") with a balloon"
"$mirrorvm" run --mem 256M --no-thp --kernel "$KERNEL" --initrd "$initrd" \
	--cmdline "$CMDLINE_BASE mvtest=balloon mvfill=96 mvsecs=150" \
	--balloon --control "$sock" --stats >"$log" 2>&1 &
vm=$!
ctl() { "$mirrorvm" ctl "$@"; }
fail() {
	echo "FAIL: $*"
	tail -n 25 "$log"
	kill "$vm" 2>/dev/null
	exit 1
}
json() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" | head -n 1; }
rss_kib() { sed -n "s/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p" "/proc/$vm/status"; }
# wait_for SECONDS COMMAND...: polls until COMMAND succeeds.
wait_for() {
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		if [ $SECONDS -ge $end ] || ! kill -0 "$vm" 2>/dev/null; then
			"$@" # once more: the VM may have done it just before it ended
			return
		fi
		sleep 0.5
	done
}
actual_is() { [ "$(ctl --json "$sock" balloon | json actual)" = "$1" ]; }
invalidated() { ctl --json "$sock" stats | json pages_invalidated; }
clears() { ctl --json "$sock" stats | json CLEAR; } # MADV_DONTNEED's event type

wait_for 100 grep -q 'MVT balloon-filled' "$log" || fail "the guest never filled its memory"
say "the guest filled its memory"
grep -q '^mirror: on' "$log" || fail "the mirror is off: $(grep -m1 '^mirror:' "$log")"
# The host reads the guest through the guest's own tables (what hang-dump.sh relies on). Linux
# maps its IDT read-only at a fixed address whatever KASLR does (the CPU entry area,
# 0xfffffe0000000000); the walk starts at the PML5 when CR4.LA57 is on (the bzImage's
# decompressor turns it on where the box CPU has it); vector 0's gate has selector 0x10 and type
# 0x8e (present interrupt gate); and ctl read gives the bytes that the walk's guest-physical
# address holds in the VMM's guest RAM, its largest anonymous mapping, read through /proc/PID/mem.
idt=0xfffffe0000000000
cr4=$(ctl "$sock" regs | sed -n 's/.* cr4 \([0-9a-f]*\).*/\1/p')
walk=$(ctl "$sock" walk $idt) || fail "ctl walk of the IDT: $walk"
if (((0x$cr4 >> 12) & 1)); then levels=pml5e; else levels=pml4e; fi
[ "$(head -n 1 <<<"$walk" | cut -c1-5)" = $levels ] || fail "cr4 $cr4 but the walk: $walk"
gpa=$(sed -n "s/^gva $idt -> gpa \(0x[0-9a-f]*\)$/\1/p" <<<"$walk")
[ -n "$gpa" ] || fail "IDT walk: $walk"
base= best=0
while read -r range perm _ _ _ path; do
	[ -z "$path" ] && [ "$perm" = rw-p ] || continue
	size=$((0x${range#*-} - 0x${range%-*}))
	[ $size -gt $best ] && best=$size base=$((0x${range%-*}))
done <"/proc/$vm/maps"
want=$(dd if="/proc/$vm/mem" bs=8 skip=$(((base + gpa) / 8)) count=4 2>/dev/null | od -A n -t x8 |
	xargs)
got=$(ctl "$sock" read $idt 4 | sed -n "s/^${idt#0x}: //p")
[ -n "$want" ] && [ "$got" = "$want" ] || fail "ctl read of the IDT: '$got', RAM has '$want'"
gate0=${got%% *}
[ "${gate0:4:2}" = 8e ] && [ "${gate0:8:4}" = 0010 ] || fail "IDT vector 0 reads $gate0"
say "walk and read of the IDT through the guest's tables ($levels first, cr4 $cr4, gpa $gpa)"
# Populate for writing: the guest touched most of its RAM, the rest is faulted in here, so every
# page the balloon can take is resident and known to the mirror whichever free pages the guest's
# allocator hands it. Done before the counters are read, so the RSS drop below is the balloon's.
ctl --json "$sock" mem >"$work/regions" || fail "ctl mem"
present=0
while read -r line; do
	gpa=$(json gpa <<<"$line") size=$(json size <<<"$line")
	n=$(ctl --json "$sock" populate "$gpa-$((gpa + size))" --write | json pages)
	[ -n "$n" ] || fail "populate of region $gpa+$size failed"
	present=$((present + n))
done <"$work/regions"
inv0=$(invalidated) clr0=$(clears) rss0=$(rss_kib)
[ -n "$inv0" ] && [ -n "$rss0" ] ||
	fail "no counters: '$(ctl --json "$sock" stats 2>&1)', RSS '$rss0'"
say "mirror populated: $present pages present of $((size >> 12));" \
	"pages_invalidated=$inv0, VMM RSS ${rss0} KiB"

ctl "$sock" balloon ${mib}M >/dev/null || fail "ctl balloon ${mib}M refused"
say "balloon target $mib MiB"
wait_for 30 actual_is $((mib << 20)) ||
	fail "the guest's balloon never reached $mib MiB: $(ctl "$sock" balloon)"
sleep 1 # the loop drains the last invalidations from the ring
inv1=$(invalidated) clr1=$(clears) rss1=$(rss_kib)
infl=$(ctl --json "$sock" balloon | json inflated)
inv=$((inv1 - inv0)) drop=$((rss0 - rss1))
say "inflate to $mib MiB: $infl pages inflated, pages_invalidated +$inv (need $pages)," \
	"in $((${clr1:-0} - ${clr0:-0})) CLEAR events, VMM RSS -$drop KiB (need $((mib * 1024 * 7 / 8)))"
[ "$infl" -ge $pages ] || fail "only $infl pages inflated"
[ "$inv" -ge $pages ] || fail "the mirror invalidated $inv pages for a $mib MiB inflate"
[ "$((${clr1:-0} - ${clr0:-0}))" -gt 0 ] || fail "no CLEAR (MADV_DONTNEED) invalidation events"
[ "$drop" -ge $((mib * 1024 * 7 / 8)) ] || fail "RSS dropped by only $drop KiB for $mib MiB"

ctl "$sock" balloon 0 >/dev/null || fail "ctl balloon 0 refused"
wait_for 30 actual_is 0 || fail "deflate left $(ctl "$sock" balloon) in the balloon"
defl=$(ctl --json "$sock" balloon | json deflated)
say "deflate to 0: $defl pages given back"
[ "$defl" -ge "$infl" ] || fail "deflated $defl pages of $infl inflated"

# A last small inflate tells the guest to end (see guest-init).
ctl "$sock" balloon 4K >/dev/null || fail "ctl balloon 4K refused"
wait_for 20 grep -q 'MVT done' "$log" || fail "the guest did not finish"
wait "$vm"
rc=$?
[ "$rc" = 0 ] || fail "mirrorvm exited $rc"
grep 'MVT balloon-' "$log"
echo "ok: $mib MiB inflate: $inv pages invalidated in the mirror, RSS -$drop KiB;" \
	"deflate gave back $defl pages"
