#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Mutation check for the debug kernel's checkers: runs a test against a module with a planted
# locking bug and passes only if the kernel log gains the report named by PATTERN (lockdep's or
# might_sleep's) while it runs. The report is shown, then the log is cleared, since here it is
# the expected result, not a failure of the box (tap-run and tools/box check the log after).
# usage: expect-kreport.sh PATTERN COMMAND [ARGS...]
pattern=$1
shift
before=$(dmesg | wc -l)
"$@"
rc=$?
new=$(dmesg | tail -n +$((before + 1)))
if echo "$new" | grep -Eq "$pattern"; then
	echo "caught: the kernel reported the planted bug (the test itself exited $rc):"
	echo "$new" | grep -E -A 24 "$pattern" | head -n 40
	dmesg -C
	exit 0
fi
echo "NOT CAUGHT: no '$pattern' in the kernel log (the test exited $rc); new log lines:"
echo "$new" | tail -n 20
exit 1
