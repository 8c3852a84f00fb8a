#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The default stress suite passes with the mirror on: exit 0, every scenario ran with the mirror,
# the coverage table shows the event types 6.1 produces for these operations, and --json agrees.
# usage: suite.sh MIRRORVM DURATION
set -u
mvm=$1 duration=$2
if [ ! -e /dev/mmirror ]; then
	echo "no /dev/mmirror (the module was not built)"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$mvm" stress --duration "$duration" --json "$dir/r.json" >"$dir/out" 2>"$dir/err"
rc=$?
grep -v '^check: ok' "$dir/err" | grep -v '^stress: .*: *[0-9]*s round' | tail -30
cat "$dir/out"
fail() { echo "FAIL: $*"; exit 1; }
[ "$rc" = 0 ] || fail "exit $rc"
[ "$(grep -c '^mirror: on' "$dir/err")" = 3 ] || fail "want the mirror on in 3 scenarios"
grep -q '^stress: passed (0 failures)' "$dir/out" || fail "no passing summary"
# The coverage table: these cells must be non-zero after munmap-race, thp and swap.
cell() { awk -v row="$1" -v col="$2" 'NR == 1 { next } $1 == "" { next }
	/^ +UNMAP/ { for (i = 1; i <= NF; i++) c[$i] = i + 1; next }
	$1 == row && c[col] { print $(c[col]); exit }' "$dir/out"; }
for want in invalidate:UNMAP invalidate:CLEAR invalidate:PROTECTION_VMA \
	clear_flush_young:none change_pte:none; do
	n=$(cell "${want%%:*}" "${want#*:}")
	[ -n "$n" ] && [ "$n" -gt 0 ] || fail "coverage ${want%%:*} x ${want#*:} is '${n}'"
done
grep -q 'MIGRATE .*move_pages invalidates with CLEAR' "$dir/out" || fail "no note on MIGRATE"
python3 - "$dir/r.json" <<'PY' || fail "JSON"
import json, sys
r = json.load(open(sys.argv[1]))
assert r["passed"] is True and r["failures"] == 0, r["failures"]
names = [s["name"] for s in r["scenarios"]]
assert names == ["munmap-race", "thp", "swap"], names
for s in r["scenarios"]:
    assert s["status"] == "passed" and s["mirror"] and s["rounds"] > 0 and s["guest_rounds"] > 0, s
    assert s["stale"] == 0 and s["huge_partial"] == 0, s
assert r["scenarios"][1]["huge_events"] > 0
assert r["coverage"]["invalidate"]["CLEAR"] > 0
PY
exit 0
