#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The default stress suite passes with the mirror on: exit 0, every scenario ran (none skipped)
# with the mirror, the coverage table shows the event types and callbacks the box kernel produces
# for these operations (change_pte where it still exists; clear_young and test_young where DAMON
# can be driven),
# ageing evicts fewer hot pages with the mirror's young answer than without, ksmd merged pages
# that the guest then unmerged by writing, move_pages moved pages both ways, VMMs killed,
# OOM-killed or exiting mid-storm leave the module nothing (rmmod works), and --json agrees.
# Needs the box's two NUMA nodes (tools/box --numa) for migrate.
# usage: suite.sh MIRRORVM DURATION
set -u
. "$(dirname "$0")/../../../tools/kreport.sh"
mvm=$1 duration=$2
if [ ! -e /dev/mmirror ]; then
	echo "no /dev/mmirror (the module was not built)"
	exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
"$mvm" stress --duration "$duration" --json "$dir/r.json" >"$dir/out" 2>"$dir/err"
rc=$?
grep -v '^check: ok' "$dir/err" | grep -v '^stress: .*: *[0-9]*s round' | tail -40
cat "$dir/out"
fail() { echo "FAIL: $*"; exit 1; }
[ "$rc" = 0 ] || fail "exit $rc"
[ "$(grep -c '^mirror: on' "$dir/err")" = 7 ] || fail "want the mirror on in 7 scenarios"
grep -Eq '^[a-z-]+ +skipped:' "$dir/out" && fail "a scenario was skipped"
grep -Eq '^ksm: [1-9][0-9]* cycles, pages_sharing up to [1-9][0-9]*, [1-9][0-9]* area pages merged, [1-9][0-9]* unmerged' \
	"$dir/out" || fail "no ksm figures"
grep -Eq '^migrate: [1-9][0-9]* move_pages calls, [1-9][0-9]* pages moved to node 0, [1-9][0-9]* to node 1' \
	"$dir/out" || fail "no migrate figures"
grep -q '^stress: passed (0 failures)' "$dir/out" || fail "no passing summary"
# Write-protect invalidations downgrade (API version 3): clear_refs keeps the entries.
grep -Eq '^softdirty: [1-9][0-9]* entries kept read-only \(downgraded\), [0-9]+ made present again' \
	"$dir/out" || fail "softdirty kept no entry (downgrade)"
grep -q '^coverage (callbacks by callback x event type, from the ring):' "$dir/out" || fail "no coverage table"
grep -q 'MIGRATE .*move_pages invalidates with CLEAR' "$dir/out" || fail "no note on MIGRATE"
for on in on off; do
	grep -Eq "^ageing: young answer $on *: hot evicted [0-9]+/[1-9][0-9]*, cold evicted [0-9]+/[1-9]" \
		"$dir/out" || fail "no ageing figures with the young answer $on"
done
python3 - "$dir/r.json" <<'PY' || fail "JSON"
import json, os, sys
r = json.load(open(sys.argv[1]))
assert r["passed"] is True and r["failures"] == 0, r["failures"]
names = [s["name"] for s in r["scenarios"]]
assert names == ["munmap-race", "thp", "swap", "ageing", "softdirty", "ksm", "migrate",
                 "teardown"], names
sc = {s["name"]: s for s in r["scenarios"]}
for s in r["scenarios"]:
    assert s["status"] == "passed" and s["mirror"] and s["rounds"] > 0, s
    assert s["guest_rounds"] > 0 or s["name"] == "teardown", s
    assert s["stale"] == 0 and s["huge_partial"] == 0, s
assert sc["thp"]["huge_events"] > 0
cov = r["coverage"]
kern = r["kernel"]
offered = kern["callbacks_offered"]
print("# kernel", kern["release"], "offers", ", ".join(offered), "; DAMON", kern["damon"])
# What every kernel from 6.1 on produces for these operations on private anonymous memory must
# all be seen; change_pte only where the kernel still has it (gone in 6.9); clear_young and
# test_young where the ageing scenario can drive DAMON.
want = [("invalidate", "UNMAP"), ("invalidate", "CLEAR"), ("invalidate", "PROTECTION_VMA"),
        ("invalidate", "SOFT_DIRTY"),
        ("range_start", "CLEAR"), ("range_end", "CLEAR"), ("clear_flush_young", "none")]
if "change_pte" in offered:
    want.append(("change_pte", "none"))
else:
    assert sum(cov["change_pte"].values()) == 0, cov["change_pte"]
if kern["damon"]:
    want += [("clear_young", "none"), ("test_young", "none")]
    d = sc["ageing"]["damon"]
    assert d["clear_young"] > 0 and d["test_young"] > 0, d
for cb, ev in want:
    assert cov[cb][ev] > 0, (cb, ev, cov[cb][ev])
a = sc["ageing"]["ageing"]
assert a["hot_pages"] > 0 and a["cold_pages"] > 0, a
# The mirror's young answer is what protects the hot set.
if a["young_on"]["hot_evicted"] >= a["young_off"]["hot_evicted"] and \
        os.environ.get("BOX_KCHECK") == "1":
    # On the debug kernel (lockdep, KASAN) the comparison came out even in 1 of 3 runs: said,
    # not required there; every other kernel must show it.
    print("# NOTE: ageing: the young answer protected no more hot pages than without it here", a)
else:
    assert a["young_on"]["hot_evicted"] < a["young_off"]["hot_evicted"], a
assert sc["teardown"]["rounds"] == 3, sc["teardown"]
k = sc["ksm"]["ksm"]
# Merged (pages_sharing > 0, area pages sharing frames), then unmerged by the guest's writes,
# each COW break a change_pte where the kernel has it; KSM's write_protect_page/replace_page and
# the COW invalidate with CLEAR.
assert k["cycles"] > 0 and k["pages_sharing"] > 0 and k["merged"] > 0 and k["unmerged"] > 0, k
ke = sc["ksm"]["events"]
assert ke["invalidate"]["CLEAR"] > 0, ke
assert ke["change_pte"]["none"] > 0 or "change_pte" not in offered, ke
m = sc["migrate"]["migrate"]
assert m["calls"] > 0 and m["to_node0"] > 0 and m["to_node1"] > 0, m
# move_pages invalidates with CLEAR (try_to_migrate_one), never MIGRATE, on 6.1 to 7.2.
me = sc["migrate"]["events"]["invalidate"]
assert me["CLEAR"] > 0 and me["MIGRATE"] == 0, me
PY
for how in SIGKILL 'OOM kill' 'exit mid-storm'; do
	grep -q "^stress: teardown: child ended by $how" "$dir/err" || fail "teardown: $how"
done
# The OOM case prints the OOM killer's report, call trace included: each trace must belong to
# one, and nothing else may be in the log; then the log is cleared for tap-run's last check.
log=$(dmesg)
if echo "$log" | grep -Eq "$KREPORT_RE_NO_TRACE"; then
	echo "$log" | grep -E -A20 "$KREPORT_RE_NO_TRACE" | head -40
	fail "the kernel log has a WARNING, BUG or Oops"
fi
traces=$(echo "$log" | grep -c 'Call Trace') ooms=$(echo "$log" | grep -c 'invoked oom-killer')
[ "$traces" -le "$ooms" ] || fail "$traces call traces for $ooms OOM reports"
[ "$ooms" -ge 1 ] || fail "no OOM report from the teardown's OOM case"
dmesg -C
# From outside: nothing holds the module once every VMM is gone.
rmmod mmirror || fail "rmmod mmirror"
exit 0
