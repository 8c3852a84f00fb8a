# SPDX-License-Identifier: GPL-2.0
# Sourced by the benchmarks (tests/box/linux/bench.sh, tests/bench/guest-exits.sh), in the box:
# exits by reason and by port for any VMM, counted by hist triggers on KVM's own tracepoints
# (kvm:kvm_exit, kvm:kvm_pio) over a whole run, so every VMM is counted by the same code.
#   hist_start; COMMAND; hist_stop NAME   the table in $work/NAME.hist, all exits in
#                                         $work/NAME.hist-total (the caller sets work)
# HIST_TOP (default 8): rows kept per table.
T=/sys/kernel/tracing
mountpoint -q $T || mount -t tracefs tracefs $T 2>/dev/null
HIST_EXIT='hist:keys=exit_reason:sort=hitcount.descending:size=256'
HIST_PIO='hist:keys=port,rw:sort=hitcount.descending:size=4096'
hist_start() {
	echo "$HIST_EXIT" >$T/events/kvm/kvm_exit/trigger 2>/dev/null
	echo "$HIST_PIO" >$T/events/kvm/kvm_pio/trigger 2>/dev/null
}
# AMD SVM exit codes by name (the box's CPU is AMD); others print as numbers.
SVM_EXITS="0:read_cr0 4:read_cr4 16:write_cr0 20:write_cr4 78:#PF 96:intr 97:nmi 100:vintr
101:cr0_sel_write 110:rdtsc 114:cpuid 120:hlt 123:ioio 124:msr 127:shutdown 129:vmmcall
1024:npf 1025:avic_ipi 1026:avic_access"
hist_stop() { # NAME: the top HIST_TOP of each table into NAME.hist, the triggers removed
	local top=${HIST_TOP:-8}

	{
		grep -h '^{' $T/events/kvm/kvm_exit/hist 2>/dev/null | head -n "$top"
		grep -h '^{' $T/events/kvm/kvm_pio/hist 2>/dev/null | head -n "$top"
	} | tr -d '{},' | awk -v names="$SVM_EXITS" '
		BEGIN { n = split(names, a, /[ \n]+/); for (i = 1; i <= n; i++) {
			split(a[i], kv, ":"); nm[kv[1]] = kv[2] } }
		$1 == "exit_reason:" { printf "    exit %-16s %8d\n", ($2 in nm) ? nm[$2] : $2, $4 }
		$1 == "port:" { printf "    port 0x%-4x %-3s     %8d\n", $2, $4 ? "out" : "in", $6 }
	' >"$work/$1.hist"
	sed -n 's/^ *Hits: *\([0-9]*\).*/\1/p' $T/events/kvm/kvm_exit/hist 2>/dev/null | head -n 1 \
		>"$work/$1.hist-total"
	echo "!$HIST_EXIT" >$T/events/kvm/kvm_exit/trigger 2>/dev/null
	echo "!$HIST_PIO" >$T/events/kvm/kvm_pio/trigger 2>/dev/null
}
