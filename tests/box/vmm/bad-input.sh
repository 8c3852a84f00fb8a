#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Bad input gets a clear message and a non-zero exit below 128 (never a crash or a signal), and
# guest misbehaviour ends as documented in guest_abi.h.
# usage: bad-input.sh MIRRORVM
set -u
mvm=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
failed=0
hello=$("$mvm" guests >/dev/null && dirname "$(readlink -f "$mvm")")/guest/hello.elf
printf 'just text\n' >"$tmp/text"
head -c 300 "$hello" >"$tmp/trunc.elf"

# expect STATUS MESSAGE-REGEX -- ARGS...
expect() {
	local want=$1 msg=$2 rc
	shift 3
	timeout 60 "$mvm" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ "$rc" != "$want" ] || ! grep -Eq -- "$msg" "$tmp/err"; then
		echo "not ok: mirrorvm $* -> $rc (want $want, /$msg/)"
		sed 's/^/  /' "$tmp/err" | head -n 12
		failed=1
	else
		echo "ok: mirrorvm $* -> $rc: $(head -n 1 "$tmp/err")"
	fi
}

expect 65 "/no/such/guest.elf: No such file" -- run /no/such/guest.elf
expect 65 "neither a file nor a bundled guest" -- run nosuchguest
expect 65 "not an ELF file" -- run "$tmp/text"
expect 65 "truncated ELF" -- run "$tmp/trunc.elf"
expect 65 "not a regular file" -- run /dev/null
expect 64 "too small" -- run --mem 0 hello
expect 71 "more than this host's memory" -- run --mem 1T hello
expect 64 "--cpus" -- run --cpus 0 hello
expect 64 "from 1 to" -- run --cpus 10000 hello
expect 64 "unknown option '--frobnicate'" -- run --frobnicate hello
expect 64 "unknown command" -- frobnicate
expect 76 "triple fault.*" -- run crash
# The guests' IDT names the exception before the triple fault.
if grep -Eq "^guest: exception 6 #UD rip=0x[0-9a-f]+" "$tmp/out"; then
	echo "ok: $(grep -m1 '^guest: exception' "$tmp/out")"
else
	echo "not ok: the crash guest did not report its #UD"
	failed=1
fi
expect 76 "rip [0-9a-f]{16}" -- run --cpus 2 crash
expect 0 "echo request" -- run --param mode=wild crash

# SIGTERM and SIGINT stop a spinning guest cleanly with 128 + the signal.
for sig in TERM INT; do
	"$mvm" run --cpus 2 --param mode=hang crash >"$tmp/out" 2>"$tmp/err" &
	pid=$!
	for _ in $(seq 100); do
		grep -q hanging "$tmp/out" && break
		sleep 0.1
	done
	kill -"$sig" "$pid"
	wait "$pid"
	rc=$?
	want=$((128 + $(kill -l "$sig")))
	if [ "$rc" = "$want" ] && grep -q 'stopping the VM' "$tmp/err"; then
		echo "ok: SIG$sig stops the VM -> $rc"
	else
		echo "not ok: SIG$sig -> $rc (want $want)"
		cat "$tmp/err"
		failed=1
	fi
done
exit $failed
