#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Runs one bundled guest and checks its exit status, its serial output (exactly, where it is
# fixed) and that no check failed.
# usage: check-guest.sh MIRRORVM GUEST CPUS thp|no-thp
set -u
mvm=$1 guest=$2 cpus=$3 thp=$4
out=$(mktemp) err=$(mktemp)
trap 'rm -f "$out" "$err"' EXIT
s=s
[ "$cpus" = 1 ] && s=
args=(--cpus "$cpus" "--$thp")
# 16M guests: repeated launches of 48M-256M guests with THP have frozen the whole box now and
# then (after 5-15 launches); 30 launches of 16M ones never did. See DEVELOPERS.md.
args+=(--mem 16M)
case $guest in
fdt) args+=(--param expect-mem=16M --param "expect-cpus=$cpus" --param 'greeting=hi there') ;;
esac
"$mvm" run "${args[@]}" "$guest" >"$out" 2>"$err"
rc=$?
sed 's/^/stdout: /' "$out"
sed 's/^/stderr: /' "$err"
fail() {
	echo "FAIL: $*"
	exit 1
}
[ "$rc" = 0 ] || fail "exit status $rc, want 0"
! grep -q '^check: FAILED' "$err" || fail "a check failed"
case $guest in
hello)
	printf 'Hello from a mirrorvm guest on %s vCPU%s.\n' "$cpus" "$s" | cmp -s - "$out" ||
		fail "serial output is not byte-exact"
	;;
smp)
	printf 'smp: %s vCPUs, counter %s (want %s)\n' "$cpus" "$((cpus * 1000))" \
		"$((cpus * 1000))" | cmp -s - "$out" || fail "serial output differs"
	grep -q "^check: ok all $cpus vCPUs ran" "$err" || fail "no report that every vCPU ran"
	;;
memcheck)
	tail -n 1 "$out" | grep -qx 'memcheck: ok' || fail "memcheck did not end with ok"
	grep -q "on $cpus vCPU" "$out" || fail "memcheck did not use $cpus vCPUs"
	;;
fdt)
	grep -qx 'param greeting = hi there' "$out" || fail "param greeting not seen by the guest"
	grep -qx 'param expect-cpus = '"$cpus" "$out" || fail "param expect-cpus not seen"
	[ "$(grep -c '^check: ok' "$err")" = 6 ] || fail "want 6 passed checks"
	;;
esac
exit 0
