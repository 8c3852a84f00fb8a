#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The mirror's state is said once: "mirror: on" with /dev/mmirror (and --stats prints the
# module's counts), "mirror: off (reason)" without it; the guest runs either way.
# usage: mirror.sh MIRRORVM on|off
set -u
mvm=$1 want=$2
err=$(mktemp)
trap 'rm -f "$err"' EXIT
if [ "$want" = on ] && [ ! -e /dev/mmirror ]; then
	echo "no /dev/mmirror (the module was not built)"
	exit 77
fi
"$mvm" run --stats hello 2>"$err"
rc=$?
cat "$err"
[ "$rc" = 0 ] || { echo "FAIL: exit $rc"; exit 1; }
[ "$(grep -c '^mirror: o[nf]' "$err")" = 1 ] || { echo "FAIL: want one mirror: line"; exit 1; }
if [ "$want" = on ]; then
	grep -q '^mirror: on' "$err" || { echo "FAIL: mirror not on"; exit 1; }
	grep -q 'ring_records=' "$err" || { echo "FAIL: --stats printed no counts"; exit 1; }
else
	grep -qx 'mirror: off (no /dev/mmirror: install mmirror-dkms)' "$err" || { echo "FAIL: no reason given"; exit 1; }
	grep -q 'no statistics' "$err" || { echo "FAIL: --stats said nothing"; exit 1; }
fi
"$mvm" run --no-mirror hello 2>"$err" >/dev/null && grep -q '^mirror: off (--no-mirror)' "$err" ||
	{ echo "FAIL: --no-mirror"; cat "$err"; exit 1; }
exit 0
