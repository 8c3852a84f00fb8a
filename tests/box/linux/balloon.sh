#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Box test: the guest touches most of its RAM and frees it; the host then asks the balloon for
# 64 MiB and later for 0. The inflate must reach the guest's balloon count, drop the VMM's
# resident memory by about that much and (with the mirror) come with as many invalidated pages;
# the deflate must give all pages back to the guest.
# usage: balloon.sh MIRRORVM INITRAMFS
set -uo pipefail
mirrorvm=$1 initrd=$2
. "$(dirname "$0")/common.sh"
mib=64
run_timed "$work/log" timeout 240 "$mirrorvm" run --mem 256M --kernel "$KERNEL" --pvh \
	--initrd "$initrd" --cmdline "$CMDLINE_BASE mvtest=balloon mvfill=160 mvsecs=34" \
	--balloon --balloon-steps "8:$mib,24:0" --stats
rc=${PIPESTATUS[0]}
fail() { echo "FAIL: $*"; grep -E 'balloon|MVT|mirror' "$work/log" | tail -n 20; exit 1; }
step() { grep -o "balloon t=$1s .*" "$work/log" | head -n 1; }
field() { sed -n "s/.* $1=\([0-9-]*\).*/\1/p"; }
grep -q 'MVT balloon-filled' "$work/log" || fail "the guest never filled its memory"
s1=$(step 8) s2=$(step 24) s3=$(step 27)
[ -n "$s1" ] && [ -n "$s2" ] && [ -n "$s3" ] || fail "balloon steps missing from the log"
infl=$(( $(field inflated <<<"$s2") - $(field inflated <<<"$s1") ))
drop=$(( $(field rss <<<"$s1") - $(field rss <<<"$s2") ))
[ "$(field actual <<<"$s2")" = "$mib" ] || fail "the guest's balloon holds $(field actual <<<"$s2") MiB, not $mib"
[ "$infl" -ge $(( mib * 256 )) ] || fail "only $infl pages inflated"
[ "$drop" -ge $(( mib * 1024 * 3 / 4 )) ] || fail "RSS dropped by only $drop KiB for $mib MiB"
[ "$(field actual <<<"$s3")" = 0 ] || fail "deflate left $(field actual <<<"$s3") MiB in the balloon"
[ "$(field deflated <<<"$s3")" -ge "$infl" ] || fail "deflated fewer pages than inflated"
echo "ok: inflate of $mib MiB: $infl pages, RSS -$drop KiB; deflate gave back $(field deflated <<<"$s3") pages"
# The mirror's --stats: events drained from its ring, and the pages it had mirrored that were
# invalidated (0 when nothing was populated: the VMM mirrors lazily).
ev=$(sed -n 's/^mirror: \([0-9][0-9]*\) events drained.*/\1/p' "$work/log" | tail -n 1)
inv=$(sed -n 's/.*pages_invalidated=\([0-9][0-9]*\).*/\1/p' "$work/log" | tail -n 1)
[ "$rc" = 0 ] || fail "mirrorvm exited $rc"
if [ -z "$ev" ]; then
	echo "mirror: $(grep -m1 '^mirror:' "$work/log"); invalidations not checked"
	exit 0
fi
[ "$ev" -gt 0 ] || fail "the mirror saw no events while the balloon discarded $infl pages"
echo "ok: the mirror drained $ev events, pages_invalidated=${inv:-?}"
