#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Inside the box: a VM with a control socket and a trace, driven through every control command,
# each output checked against state the test arranged; misbehaving clients that must not disturb
# it; then the trace drawn as a report. TAP.
# usage: ctl_commands.sh MIRRORVM CTL_POKE
set -u
. "$(dirname "$0")/../../../tools/kreport.sh"
mvm=$1 poke=$2
n=0 fails=0
work=$(mktemp -d)
sock=$work/ctl.sock
check() { # check NAME COMMAND...: a passing command is ok
	local name=$1
	shift
	n=$((n + 1))
	if "$@" >"$work/last" 2>&1; then
		echo "ok $n - $name"
	else
		echo "not ok $n - $name"
		sed 's/^/#   /' "$work/last"
		fails=$((fails + 1))
	fi
}
ctl() { "$mvm" ctl "$@"; }
has() { grep -qE "$1" "$work/out"; }
run_ctl() { ctl "$@" >"$work/out" 2>&1; }

"$mvm" run --cpus 2 --mem 64M --control "$sock" --trace "$work/run.trace" busy \
	>"$work/vm.out" 2>"$work/vm.err" &
vm=$!
for _ in $(seq 100); do [ -S "$sock" ] && break; sleep 0.1; done
check "the VM prints its control socket" grep -q "^control: $sock" "$work/vm.err"
check "the mirror is on" grep -q '^mirror: on' "$work/vm.err"

check "status says running with 2 vCPUs" \
	bash -c "out=\$($mvm ctl $sock status) && grep -q 'state: *running' <<<\"\$out\" &&
		 grep -q 'vcpus: *2' <<<\"\$out\""
check "status --json is one JSON object" \
	bash -c "$mvm ctl --json $sock status | grep -qx '{\"state\":\"running\",\"vcpus\":2,.*}'"

# busy's loop keeps its round in rax: a running vCPU changes rip or rax between two looks.
cpu_state() { ctl "$sock" regs "${1:-0}" | sed -n '2,3p'; }
check "pause" bash -c "$mvm ctl $sock pause | grep -qx paused"
check "a paused VM's vCPU does not move" \
	bash -c "a=\$($mvm ctl $sock regs 1 | sed -n 2,3p); sleep 0.5; b=\$($mvm ctl $sock regs 1 | sed -n 2,3p); [ \"\$a\" = \"\$b\" ]"
check "status says paused" bash -c "$mvm ctl $sock status | grep -q 'state: *paused'"
check "a second pause is refused" \
	bash -c "$mvm ctl $sock pause 2>&1 | grep -q 'already paused'; [ \${PIPESTATUS[0]} = 1 ]"
check "resume" bash -c "$mvm ctl $sock resume | grep -qx running"
moved() {
	local first
	first=$(cpu_state 1)
	for _ in $(seq 20); do
		[ "$(cpu_state 1)" != "$first" ] && return 0
		sleep 0.2
	done
	return 1
}
check "a resumed VM's vCPU moves" moved

# The guest's own tables: an identity map with 2 MiB pages (guest/include/guest_abi.h).
check "walk agrees with the guest's identity map (2 MiB page)" \
	bash -c "out=\$($mvm ctl $sock walk 0x901234) && grep -q 'gva 0x901234 -> gpa 0x901234' <<<\"\$out\" &&
		 grep -q '^pde .* P W PS' <<<\"\$out\" && [ \$(grep -c '^p' <<<\"\$out\") = 3 ]"
check "walk --json names the levels" \
	bash -c "$mvm ctl --json $sock walk 0x901234 1 | grep -q '\"gpa\":9441844,\"levels\":\[{\"level\":\"pml4e\"'"
check "walk of an unmapped address is a range error" \
	bash -c "! $mvm ctl $sock walk 0x7f0000000000 2>&1 | grep -q gpa"
# read goes through the same tables: the device tree's magic (0xd00dfeed, big-endian) at its
# fixed address (guest_abi.h), a read that runs off the end of RAM (64M) stops there and says so.
check "read shows the device tree's magic through the guest's tables" \
	bash -c "$mvm ctl $sock read 0x80000 | grep -q '^0000000000080000: [0-9a-f]\{8\}edfe0dd0 '"
check "read --json gives the words" \
	bash -c "$mvm ctl --json $sock read 0x80000 2 1 | grep -qE '^\{\"gva\":524288,\"words\":\[[0-9]+,[0-9]+\]\}\$'"
check "a read past the end of RAM stops there" \
	bash -c "out=\$($mvm ctl $sock read 0x3fffff0 4) && [ \$(grep -c '^0000000003fffff0: [0-9a-f]* [0-9a-f]*\$' <<<\"\$out\") = 1 ] &&
		 grep -q 'stopped at 0x4000000: not mapped' <<<\"\$out\""
check "a misaligned, unmapped or oversized read is refused" \
	bash -c "! $mvm ctl $sock read 0x80001 && ! $mvm ctl $sock read 0x7f0000000000 &&
		 ! $mvm ctl $sock read 0x80000 513 && ! $mvm ctl $sock read 0x80000 1 9"

check "populate fills the shadow from the host's tables" \
	bash -c "$mvm ctl $sock populate 0x800000-0x1000000 | grep -qE '^[1-9][0-9]* entries present'"
check "shadow shows a page the guest writes as present" \
	bash -c "$mvm ctl $sock shadow 0x810000 | grep -qE '^0x000000810000 [0-9a-f]{16} P'"
check "mem counts present pages" \
	bash -c "$mvm ctl $sock mem | awk 'NR == 2 && \$3 > 0 { ok = 1 } END { exit !ok }'"

# A follower started before the host acts must see the invalidation it causes.
ctl "$sock" events --follow --type CLEAR >"$work/follow" 2>&1 &
follower=$!
sleep 2 # the follower sees only what happens after it has connected
check "pause for dontneed" bash -c "$mvm ctl $sock pause >/dev/null"
# A whole 2 MiB of busy's span, while paused: no vCPU can fault it back before the checks and
# the trace's snapshots see it gone.
check "dontneed 2 MiB" bash -c "$mvm ctl $sock dontneed 0xa00000-0xc00000 | grep -q done"
check "its pages show as evicted with cause CLEAR" \
	bash -c "$mvm ctl $sock shadow 0xa10000 | grep -qE '^0x000000a10000 [0-9a-f]{16} -.* cause CLEAR'"
sleep 1 # a few trace snapshots of the evicted range
check "mem counts it as evicted" \
	bash -c "$mvm ctl $sock mem | awk 'NR == 2 && \$7 > 0 { ok = 1 } END { exit !ok }'"
check "verify says coherent" bash -c "$mvm ctl $sock verify | grep -q '^coherent'"
check "resume after dontneed" bash -c "$mvm ctl $sock resume >/dev/null"
sleep 1
kill "$follower" 2>/dev/null
wait "$follower" 2>/dev/null
check "events --follow showed the dontneed as it happened" \
	bash -c "grep -qE 'invalidate CLEAR gpa \[0xa00000, 0xc00000\)' $work/follow || ! head $work/follow"
check "events lists recent records of a type" \
	bash -c "$mvm ctl $sock events --type CLEAR | grep -q 'invalidate CLEAR'"
check "events --json is JSON lines" \
	bash -c "$mvm ctl --json $sock events | head -1 | grep -q '^{\"seq\":'"
check "stats counts callbacks" bash -c "$mvm ctl $sock stats | grep -q '^callbacks:.*invalidate='"
check "pageout of a range" bash -c "$mvm ctl $sock pageout 0xa00000-0xa40000 | grep -q done"
check "split of a 2 MiB range" bash -c "$mvm ctl $sock split 0xc00000 | grep -q done"
check "collapse of a 2 MiB range" bash -c "$mvm ctl $sock collapse 0xc00000 | grep -q done"
check "dtb writes the device tree" \
	bash -c "$mvm ctl $sock dtb $work/vm.dtb >/dev/null && [ \"\$(head -c4 $work/vm.dtb | od -An -tx1 | tr -d ' ')\" = d00dfeed ]"

# Errors name what was wrong, with a non-zero status.
check "unknown command" bash -c "$mvm ctl $sock frobnicate 2>&1 | grep -q 'unknown command'; [ \${PIPESTATUS[0]} = 1 ]"
check "range outside RAM" bash -c "$mvm ctl $sock shadow 0xf0000000 2>&1 | grep -q 'not inside'"
check "bad vCPU" bash -c "$mvm ctl $sock regs 7 2>&1 | grep -q 'does not exist'"
check "balloon without a balloon device" \
	bash -c "$mvm ctl $sock balloon 16M 2>&1 | grep -q 'no balloon'"

# A person at a terminal: events --follow in tmux shows an invalidation as it happens.
tmux_live() {
	local pane
	tmux -S "$work/tmux" new-session -d -x 200 -y 50 "$mvm ctl $sock events --follow --type CLEAR" ||
		return 1
	sleep 2
	"$mvm" ctl "$sock" dontneed 0xe00000-0xe01000 >/dev/null || return 1
	for _ in $(seq 50); do
		pane=$(tmux -S "$work/tmux" capture-pane -p -t 0)
		grep -q 'invalidate CLEAR gpa \[0xe00000' <<<"$pane" && break
		sleep 0.2
	done
	tmux -S "$work/tmux" kill-server
	echo "$pane" | grep -v '^$'
	grep -q 'invalidate CLEAR gpa \[0xe00000' <<<"$pane"
}
check "events --follow in tmux shows a dontneed live" tmux_live

for mode in garbage half hangup cut flood; do
	check "a client that sends $mode" "$poke" "$sock" "$mode"
done
check "the VM answers as before" bash -c "$mvm ctl $sock status | grep -q 'state: *running'"
check "the VM is still running" kill -0 "$vm"

kill -TERM "$vm"
wait "$vm"
check "SIGTERM ends the VM with 143" test $? = 143
check "the socket is gone" test ! -e "$sock"
check "the trace was written" grep -q '^trace: written' "$work/vm.err"
check "the report renders as HTML" "$mvm" report "$work/run.trace" -o "$work/r.html"
check "the report renders as SVG" "$mvm" report "$work/run.trace" -o "$work/r.svg"
check "the report shows evicted pages" grep -q 'data-state="evicted"' "$work/r.svg"
check "the report names the invalidate callback" grep -q '>invalidate<' "$work/r.html"
[ -z "${BOX_OUT:-}" ] || cp "$work/r.html" "$work/r.svg" "$BOX_OUT/" 2>/dev/null

n=$((n + 1))
if dmesg | grep -qE "$KREPORT_RE"; then
	echo "not ok $n - kernel log has no WARNING, BUG or Oops"
	fails=$((fails + 1))
else
	echo "ok $n - kernel log has no WARNING, BUG or Oops"
fi
echo "1..$n"
rm -rf "$work"
[ "$fails" = 0 ]
