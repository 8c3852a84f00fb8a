#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# One version: the Meson project's (meson.build) is the one that counts; debian/changelog's
# entry, `mirrorvm --version`, the module's MODULE_VERSION and, when built, mmirror.ko's
# modinfo must say the same. (The changelog and the module carry copies because dpkg and DKMS
# build them without Meson.)
# usage: version.sh MESON_VERSION SOURCE_ROOT MIRRORVM [MMIRROR_KO]
set -u
want=$1 src=$2 mvm=$3 ko=${4:-}
fail=0
n=0
check() {
	n=$((n + 1))
	if [ "$2" = "$want" ]; then
		echo "ok $n - $1: $2"
	else
		echo "not ok $n - $1 says '$2', meson.build says '$want'"
		fail=1
	fi
}
echo "1..$([ -n "$ko" ] && [ -f "$ko" ] && echo 4 || echo 3)"
changelog=$(sed -n '1s/^[^ ]* (\([^)]*\)).*/\1/p' "$src/debian/changelog")
check "debian/changelog" "${changelog%-*}"
check "mirrorvm --version" "$("$mvm" --version | sed -n 's/^mirrorvm //p')"
check "MODULE_VERSION" "$(sed -n 's/^MODULE_VERSION("\(.*\)");$/\1/p' "$src/mmu/kmod/mmirror_main.c")"
if [ -n "$ko" ] && [ -f "$ko" ]; then
	check "modinfo mmirror.ko" "$(/sbin/modinfo -F version "$ko")"
fi
exit $fail
