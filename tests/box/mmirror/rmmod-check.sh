#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# After the teardown rounds: the module-wide live counters drop to zero (freeing waits for an
# SRCU grace period), rmmod succeeds, and the module loads again for the tests after this one.
set -eu
p=/sys/module/mmirror/parameters
[ -d $p ] || { echo "mmirror.ko is not loaded"; exit 77; }
for i in $(seq 50); do
	[ "$(cat $p/live_files)" = 0 ] && [ "$(cat $p/live_regions)" = 0 ] && break
	sleep 0.1
done
echo "live_files $(cat $p/live_files) live_regions $(cat $p/live_regions)"
[ "$(cat $p/live_files)" = 0 ] && [ "$(cat $p/live_regions)" = 0 ] || exit 1
rmmod mmirror
! grep -q '^mmirror ' /proc/modules
echo "rmmod succeeded"
insmod "$BOX_MODULE"
