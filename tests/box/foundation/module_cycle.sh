#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# mmirror.ko is loaded by the box, /dev/mmirror opens (mode 0600), and the module unloads
# cleanly and loads again.
set -eu
smoke=$1
if ! grep -q '^mmirror ' /proc/modules; then
	echo "mmirror.ko was not built (no kernel tree), so it cannot be loaded"
	exit 77
fi
mode=$(stat -c %a /dev/mmirror)
[ "$mode" = 600 ] || { echo "/dev/mmirror has mode $mode, want 600"; exit 1; }
"$smoke"
rmmod mmirror
[ ! -e /dev/mmirror ] || { echo "/dev/mmirror still there after rmmod"; exit 1; }
! grep -q '^mmirror ' /proc/modules || { echo "mmirror still listed after rmmod"; exit 1; }
echo "unloaded"
insmod "$BOX_MODULE"
"$smoke"
echo "loaded again"
