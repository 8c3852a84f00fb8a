#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# Runs the OOM-kill teardown rounds. The OOM killer prints a call trace for every kill, which is
# expected here: fail on anything else (WARNING, BUG, Oops), then clear the log so that the
# group's final kernel-log check judges the remaining tests only.
set -u
. "$(dirname "$0")/../../../tools/kreport.sh"
dmesg | grep -E "$KREPORT_RE_NO_TRACE" && { echo "kernel log dirty before"; exit 1; }
"$@" || exit 1
bad=$(dmesg | grep -E "$KREPORT_RE_NO_TRACE" | grep -v 'oom')
[ -z "$bad" ] || { echo "$bad"; exit 1; }
echo "OOM kills: $(dmesg | grep -c 'Memory cgroup out of memory: Killed process'); log cleared"
dmesg -C
