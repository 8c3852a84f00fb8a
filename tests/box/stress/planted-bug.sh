#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# With mmirror.ko built with -Dmodule_bug=LAST_PAGE (the last 4 KiB of every invalidated range
# stays present), the stress oracle must fail the run: munmap-race's mirror check must name
# stale entries; migrate's must name PFN mismatches, and its check right after move_pages a
# moved page whose old frame the mirror kept.
# usage: planted-bug.sh MIRRORVM DURATION [SCENARIO]
set -u
mvm=$1 duration=$2 scenario=${3:-munmap-race}
[ -e /dev/mmirror ] || { echo "no /dev/mmirror (the module was not built)"; exit 77; }
out=$("$mvm" stress "$scenario" --duration "$duration" 2>&1)
rc=$?
echo "$out" | grep -v '^check: ok' | grep -v '^stress: .*: *[0-9]*s round' | tail -25
[ "$rc" = 1 ] || { echo "FAIL: want exit 1 with the planted bug, got $rc"; exit 1; }
if [ "$scenario" = migrate ]; then
	echo "$out" | grep -Eq 'FAILED: mirror check .*: [0-9]+ stale entries, [1-9][0-9]* PFN mismatches' ||
		{ echo "FAIL: the mirror check named no PFN mismatches"; exit 1; }
	echo "$out" | grep -q 'FAILED: mirror kept old frame 0x[0-9a-f]* of a page moved to node' ||
		{ echo "FAIL: no moved page kept its old frame"; exit 1; }
else
	echo "$out" | grep -Eq 'FAILED: mirror check .*: [1-9][0-9]* stale entries' ||
		{ echo "FAIL: the mirror check named no stale entries"; exit 1; }
fi
echo "$out" | grep -q '^stress: FAILED' || { echo "FAIL: no failing summary"; exit 1; }
exit 0
