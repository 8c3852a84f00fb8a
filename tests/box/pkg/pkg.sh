#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# The Debian packages installed for real, inside the box: an overlay over the box's read-only
# root (the host's, over 9p) with its upper layer on tmpfs, chrooted into, so that dpkg, the
# maintainer scripts and DKMS run as on a user's machine and the host is never touched. The box
# runs with --no-module; one step per tap-run test, state in $PKG_ROOT:
#   install      dpkg -i both packages (the kernel headers not "installed" yet: DKMS skips)
#   no-module    mirrorvm guests / run hello from / without /dev/mmirror; man pages, completion
#   dkms-refuse  dkms build fails with the reason: no headers, a kernel without MMU_NOTIFIER
#   dkms-build   dkms build and dkms install for the box kernel's headers
#   load         modprobe the DKMS-built module: /dev/mmirror 0600 root, version
#   run-hello    mirrorvm run hello, the mirror on
#   stress       mirrorvm stress munmap-race --duration 10s
#   remove       rmmod, dpkg --purge both: nothing of them is left
# usage: pkg.sh STEP DEB_DIR VERSION
set -u
step=$1 debs=$2 ver=$3
root=${PKG_ROOT:-/tmp/pkg-root}
layer=${root}.layer
kver=${BOX_KVER:?not in the box} kdir=${BOX_KROOT:?}/usr/src/linux-headers-${BOX_KVER}
fail() { echo "FAIL: $*"; exit 1; }
in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	DEBIAN_FRONTEND=noninteractive \
	LANG=C.UTF-8 TERM=dumb "$@"; }
dkms_args=(-m mmirror -v "$ver")

[ "$step" = install ] || mountpoint -q "$root" || fail "no package root: the install step failed"

case $step in
install)
	# overlayfs is a module of the box kernel's (-d: its modules live in BOX_KROOT).
	grep -qw overlay /proc/filesystems || modprobe -d "$BOX_KROOT" overlay ||
		fail "loading overlay"
	mkdir -p "$root" "$layer/upper" "$layer/work"
	mount -t overlay overlay -o "lowerdir=/,upperdir=$layer/upper,workdir=$layer/work" "$root" ||
		fail "mounting an overlay over /"
	mount --rbind /proc "$root/proc" && mount --rbind /sys "$root/sys" &&
		mount --rbind /dev "$root/dev" && mount -t tmpfs tmpfs "$root/tmp" &&
		mount -t tmpfs tmpfs "$root/run" || fail "mounting proc, sys, dev, tmp, run in the root"
	mkdir -p "$root/run/lock"
	# The box's /dev is a bare devtmpfs: the links udev would make, which DKMS's <(...) needs.
	[ -e /dev/fd ] || ln -s /proc/self/fd /dev/fd
	for i in 0:stdin 1:stdout 2:stderr; do
		[ -e "/dev/${i#*:}" ] || ln -s "/proc/self/fd/${i%%:*}" "/dev/${i#*:}"
	done
	# Nothing of ours may be there before (the host has neither package installed).
	in_root dpkg-query -W mirrorvm mmirror-dkms 2>/dev/null && fail "already installed on the host"
	cp "$debs/mirrorvm_${ver}_amd64.deb" "$debs/mmirror-dkms_${ver}_all.deb" "$root/tmp/" ||
		fail "no .debs in $debs"
	in_root dpkg -i "/tmp/mirrorvm_${ver}_amd64.deb" "/tmp/mmirror-dkms_${ver}_all.deb" ||
		fail "dpkg -i"
	in_root dpkg-query -W -f '${Package} ${Version} ${Status}\n' mirrorvm mmirror-dkms
	[ "$(in_root dpkg-query -W -f '${Status}\n' mirrorvm mmirror-dkms | grep -c 'ok installed')" = 2 ] ||
		fail "not both installed"
	in_root dkms status mmirror | grep -q "mmirror/$ver: added" || fail "dkms does not know mmirror"
	;;
no-module)
	[ ! -e /dev/mmirror ] || fail "/dev/mmirror exists (run the box with --no-module)"
	in_root sh -c 'cd / && mirrorvm --version' | grep -qx "mirrorvm $ver" || fail "mirrorvm --version"
	guests=$(in_root sh -c 'cd / && mirrorvm guests') || fail "mirrorvm guests"
	echo "guests: $(echo $guests)"
	echo "$guests" | grep -qx hello || fail "no hello among the guests"
	in_root sh -c 'cd / && mirrorvm run hello' >"$TAP_TEST_DIR/out" 2>"$TAP_TEST_DIR/err"
	rc=$?
	cat "$TAP_TEST_DIR/out" "$TAP_TEST_DIR/err"
	[ "$rc" = 0 ] || fail "mirrorvm run hello: exit $rc"
	grep -qx 'mirror: off (no /dev/mmirror: install mmirror-dkms)' "$TAP_TEST_DIR/err" ||
		fail "want 'mirror: off (no /dev/mmirror: install mmirror-dkms)'"
	for p in mirrorvm mirrorvm-ctl; do
		in_root man -w "$p" | grep -q "/usr/share/man/man1/$p.1.gz" || fail "no man page $p(1)"
	done
	got=$(in_root bash -c '. /usr/share/bash-completion/bash_completion
		. /usr/share/bash-completion/completions/mirrorvm
		COMP_WORDS=(mirrorvm st); COMP_CWORD=1; COMP_LINE="mirrorvm st"; COMP_POINT=11
		_mirrorvm; echo "${COMPREPLY[*]}"
		COMP_WORDS=(mirrorvm run --no-m); COMP_CWORD=2; COMP_LINE="mirrorvm run --no-m"
		COMP_POINT=19; _mirrorvm; echo "${COMPREPLY[*]}"
		COMP_WORDS=(mirrorvm run he); COMP_CWORD=2; COMP_LINE="mirrorvm run he"
		COMP_POINT=15; _mirrorvm; echo "${COMPREPLY[*]}"')
	echo "completion: $(echo $got)"
	[ "$got" = $'stress\n--no-mirror\nhello' ] || fail "bash completion"
	;;
dkms-refuse)
	# No headers at all: DKMS's own reason.
	in_root dkms build "${dkms_args[@]}" -k 0.0.0-no-headers >"$TAP_TEST_DIR/out" 2>&1 &&
		fail "dkms build without headers succeeded"
	cat "$TAP_TEST_DIR/out"
	grep -q 'headers for kernel 0.0.0-no-headers cannot be found' "$TAP_TEST_DIR/out" ||
		fail "no reason for the missing headers"
	# The box kernel's headers, but a configuration without MMU_NOTIFIER: dkms-pre-build's.
	fake=/tmp/headers-no-mmu-notifier
	in_root sh -c "mkdir $fake && ln -s $kdir/* $fake/ &&
		grep -v '^CONFIG_MMU_NOTIFIER=' $kdir/.config >$fake/.config" || fail "fake headers"
	in_root dkms build "${dkms_args[@]}" -k "$kver-nomn" --kernelsourcedir "$fake" \
		>"$TAP_TEST_DIR/out" 2>&1 && fail "dkms build without MMU_NOTIFIER succeeded"
	cat "$TAP_TEST_DIR/out"
	grep -q "mmirror: cannot build for $kver-nomn: the kernel has no CONFIG_MMU_NOTIFIER" \
		"$TAP_TEST_DIR/out" || fail "no reason for the missing MMU_NOTIFIER"
	in_root dkms status mmirror | grep -q "$kver-nomn" && fail "a module was left for it"
	exit 0
	;;
dkms-build)
	# The box kernel's headers, installed where the distribution's package puts them.
	mkdir -p "$root/lib/modules/$kver"
	ln -sfn "$kdir" "$root/lib/modules/$kver/build"
	in_root dkms build "${dkms_args[@]}" -k "$kver" || fail "dkms build"
	in_root dkms install "${dkms_args[@]}" -k "$kver" || fail "dkms install"
	in_root dkms status mmirror
	in_root dkms status mmirror | grep -q "mmirror/$ver, $kver, x86_64: installed" ||
		fail "dkms status: not installed for $kver"
	ko=$(in_root modinfo -n -k "$kver" mmirror) || fail "modinfo finds no mmirror for $kver"
	echo "module: $ko"
	case $ko in */updates/dkms/mmirror.ko*) ;; *) fail "not DKMS's module: $ko" ;; esac
	[ "$(in_root modinfo -k "$kver" -F version mmirror)" = "$ver" ] || fail "MODULE_VERSION"
	;;
load)
	in_root modprobe mmirror || fail "modprobe mmirror"
	[ "$(cat /sys/module/mmirror/version)" = "$ver" ] || fail "the loaded module is not $ver"
	[ -c /dev/mmirror ] || fail "no /dev/mmirror"
	echo "/dev/mmirror: $(stat -c '%a %U:%G' /dev/mmirror)"
	[ "$(stat -c '%a %U:%G' /dev/mmirror)" = "600 root:root" ] || fail "/dev/mmirror mode"
	rule=$root/lib/udev/rules.d/60-mmirror.rules
	grep -q 'KERNEL=="mmirror".*MODE="0600"' "$rule" || fail "udev rule $rule"
	;;
run-hello)
	in_root sh -c 'cd / && mirrorvm run --stats hello' >"$TAP_TEST_DIR/out" 2>"$TAP_TEST_DIR/err"
	rc=$?
	cat "$TAP_TEST_DIR/out" "$TAP_TEST_DIR/err"
	[ "$rc" = 0 ] || fail "mirrorvm run hello: exit $rc"
	grep -q '^mirror: on' "$TAP_TEST_DIR/err" || fail "the mirror is not on"
	;;
stress)
	in_root sh -c 'cd / && mirrorvm stress munmap-race --duration 10s' \
		>"$TAP_TEST_DIR/out" 2>"$TAP_TEST_DIR/err"
	rc=$?
	grep -v '^check: ok' "$TAP_TEST_DIR/err" | tail -20
	cat "$TAP_TEST_DIR/out"
	[ "$rc" = 0 ] || fail "stress: exit $rc"
	grep -q '^stress: passed' "$TAP_TEST_DIR/out" || fail "stress did not pass"
	grep -q '^mirror: on' "$TAP_TEST_DIR/err" || fail "the mirror was not on"
	;;
remove)
	in_root rmmod mmirror || fail "rmmod mmirror"
	in_root dpkg --purge mmirror-dkms mirrorvm || fail "dpkg --purge"
	in_root dpkg-query -W mirrorvm mmirror-dkms 2>/dev/null && fail "still known to dpkg"
	left=0
	for deb in "$debs/mirrorvm_${ver}_amd64.deb" "$debs/mmirror-dkms_${ver}_all.deb"; do
		for f in $(dpkg-deb -c "$deb" | awk '{ print $6 }' | sed 's|^\./|/|'); do
			case $f in
			*/mirrorvm/ | */mirrorvm/guests/ | */mmirror-dkms/ | */mmirror-"$ver"/ | */mmirror-"$ver"/include/)
				[ -d "$root$f" ] && { echo "left: $f"; left=1; } ;;
			*/) ;;
			*)
				{ [ -e "$root$f" ] || [ -L "$root$f" ]; } && { echo "left: $f"; left=1; } ;;
			esac
		done
	done
	for f in "/lib/modules/$kver/updates/dkms/mmirror.ko" /var/lib/dkms/mmirror; do
		[ -e "$root$f" ] && { echo "left: $f"; left=1; }
	done
	in_root dkms status mmirror | grep . && { echo "left: dkms still knows mmirror"; left=1; }
	# Whatever the packages' lifetime wrote, anywhere: only dpkg's and DKMS's own records and
	# this test's own headers link may remain in the upper layer.
	(cd "$layer/upper" && find . -type f -o -type l -o -type c) | sed 's|^\.||' |
		grep -Ev -e '^/var/(lib/dpkg|log|cache)/' -e '^/var/lib/dkms/mok\.' \
			-e "^(/usr)?/lib/modules/$kver/(build\$|modules\.)" >"$TAP_TEST_DIR/new"
	if [ -s "$TAP_TEST_DIR/new" ]; then
		echo "files the install and removal left behind:"
		cat "$TAP_TEST_DIR/new"
		grep -qi -e mirrorvm -e mmirror "$TAP_TEST_DIR/new" && left=1
	fi
	[ "$left" = 0 ] || fail "something of the packages is left"
	umount -R "$root"
	;;
*)
	fail "unknown step $step"
	;;
esac
exit 0
