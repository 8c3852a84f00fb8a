#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0
# Where the mirror's cost goes, in the box: ftrace's function_graph tracer on the module's
# callbacks, its ring and KVM's own notifier callbacks while mmirror-bench runs one operation;
# the calls inside the timed stretch of each setup (mmirror-bench writes trace markers) are summed
# per function (a caller's time includes its traced callees'). Durations include the tracer's own
# overhead (larger for short functions), so the shares are estimates; the counts are exact unless
# the buffer overran (said).
# usage: mmirror-profile.sh MMIRROR-BENCH MiB OP   (OP: munmap, dontneed, pageout)
set -eu
bench=$1 mib=$2 op=$3
t=/sys/kernel/tracing
[ -e $t/trace ] || mount -t tracefs nodev $t
echo 0 >$t/tracing_on
echo nop >$t/current_tracer
echo 131072 >$t/buffer_size_kb
# mn_itree_*: the kernel's own work for interval notifiers (the mirror's regions), which a mm
# with only KVM's plain notifier does not do.
funcs=(mmirror_invalidate mmirror_ring_log mmirror_range_start mmirror_range_end
	mmirror_clear_flush_young mmirror_clear_young mmirror_test_young
	kvm_mmu_notifier_invalidate_range_start kvm_mmu_notifier_invalidate_range_end
	kvm_mmu_notifier_clear_flush_young kvm_mmu_notifier_clear_young ktime_get
	mn_itree_invalidate mn_itree_inv_end)
: >$t/set_ftrace_filter
for f in "${funcs[@]}"; do
	echo "$f" >>$t/set_ftrace_filter 2>/dev/null || echo "note: $f cannot be traced here"
done
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo function_graph >$t/current_tracer
echo nofuncgraph-irqs >$t/trace_options 2>/dev/null || true
echo >$t/trace
echo 1 >$t/tracing_on
"$bench" "$mib" 1 "$op"
echo 0 >$t/tracing_on
overrun=$(awk '/^overrun:/ { n += $2 } END { print n + 0 }' $t/per_cpu/cpu*/stats)
awk -v overrun="$overrun" '
/mmirror-bench: start/ { match($0, /start [a-z-]+/); setup = substr($0, RSTART + 6, RLENGTH - 6); next }
/mmirror-bench: end/ { setup = ""; next }
setup == "" { next }
{
	# Per CPU ("0)"), a stack of open functions: "name() {" opens, "}" closes with the time,
	# "name();" is a leaf with its time.
	cpu = $1
	if ($0 ~ /\(\) \{ *$/) {
		name = $0; sub(/\(\) \{ *$/, "", name); sub(/.*[|] */, "", name)
		stack[cpu, ++depth[cpu]] = name
		next
	}
	if ($0 !~ / us +\|/)
		next
	d = $0; sub(/ us +\|.*/, "", d); sub(/.*[ !+#*@$]/, "", d)
	if ($0 ~ /\| *\}/) {
		if (depth[cpu] < 1)
			next
		name = stack[cpu, depth[cpu]--]
	} else {
		name = $0; sub(/.*[|] */, "", name); sub(/\(\).*/, "", name)
	}
	n[setup, name]++; us[setup, name] += d; names[name] = 1; setups[setup] = 1
}
END {
	for (s in setups) {
		printf "%s:\n  %-42s %9s %12s %9s\n", s, "function", "calls", "total us", "avg us"
		for (f in names)
			if (n[s, f])
				printf "  %-42s %9d %12.0f %9.3f\n", f, n[s, f], us[s, f], us[s, f] / n[s, f]
	}
	if (overrun) print "note: the trace buffer overran (" overrun " events): counts are low"
}' $t/trace
echo nop >$t/current_tracer
: >$t/set_ftrace_filter
