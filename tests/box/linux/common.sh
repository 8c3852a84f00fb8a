# SPDX-License-Identifier: GPL-2.0
# Shared by the Linux-guest box tests and the benchmark: paths, disk images, and a runner that
# stamps the time the guest's init first spoke.
# The guests boot the box's own kernel (tools/box says which), or MIRRORVM_GUEST_KERNEL.
KERNEL=${MIRRORVM_GUEST_KERNEL:-${BOX_KIMAGE:-}}
[ -n "$KERNEL" ] && [ -f "$KERNEL" ] || { echo "no guest kernel image: run in tools/box" >&2; exit 77; }
# tap-run's directory for this test: on a timeout it shows the *.log files and runs on-timeout.
work=${TAP_TEST_DIR:-/tmp/linux-$$}
mkdir -p "$work"
# Where the guest is when a test hangs: what hang-dump.sh finds through each control socket.
cat >"$work/on-timeout" <<EOF
for s in "$work"/*.sock; do
	[ -S "\$s" ] && "$(dirname "${BASH_SOURCE[0]}")/hang-dump.sh" "${mirrorvm:-mirrorvm}" "\$s"
done
EOF
CMDLINE_BASE="console=ttyS0 reboot=k panic=-1 acpi=off quiet"
# In a box on Debian 12's QEMU 7.2, TCG runs the guest's XSETBV without the exit KVM intercepts
# it with, so KVM's XCR0 and CPUID 0xD stay at their reset values: every Linux guest found "XSAVE
# consistency problem" and turned XSAVE off (6.1, 6.12), and 7.2 crashes doing so. sid's QEMU
# 11.1 does it right. Every VMM compared gets the same line (DEVELOPERS.md, "Every kernel").
[ "${BOX_QEMU:-}" != host ] || CMDLINE_BASE="$CMDLINE_BASE noxsave"

# An ext2 disk of SIZE MiB (optionally with one file 'hello'), made on the host side.
mkdisk() {
	local img=$1 size=$2 hello=${3:-}
	rm -f "$img"
	truncate -s "${size}M" "$img"
	if [ -n "$hello" ]; then
		mkdir -p "$work/fs" && echo "$hello" >"$work/fs/hello"
		mke2fs -q -t ext2 -F -d "$work/fs" "$img"
	else
		mke2fs -q -t ext2 -F "$img"
	fi
}

# KVM's exit counters summed over every VM alive in the box (debugfs; the benchmark runs one VM at
# a time, so they are that VM's): "NAME VALUE" lines, nothing when debugfs is not mounted.
KVM_EXIT_COUNTERS="exits io_exits mmio_exits irq_window_exits halt_exits insn_emulation hypercalls"
kvm_exits_snapshot() {
	local c
	for c in $KVM_EXIT_COUNTERS; do
		[ -r "/sys/kernel/debug/kvm/$c" ] && echo "$c $(cat "/sys/kernel/debug/kvm/$c")"
	done
}

# Runs a VMM command with its console in LOG; writes milliseconds from launch to 'MVT init' in
# LOG.init-ms, and KVM's exit counters at that moment in LOG.init-exits.
# The guest's serial console is in LOG as it comes, for tap-run to show if the test hangs.
run_timed() {
	local log=$1
	shift
	local t0 t1
	t0=$(date +%s%N)
	"$@" 2>&1 | while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		*"MVT init"*)
			echo "$(( ($(date +%s%N) - t0) / 1000000 ))" >"$log.init-ms"
			kvm_exits_snapshot >"$log.init-exits"
			;;
		esac
		printf '%s\n' "$line"
	done >"$log"
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000000 ))" >"$log.total-ms"
}

# A progress line with the seconds since the test started, shown by tap-run as it comes.
say() { echo "[${SECONDS}s] $*"; }

mvt() { sed -n "s/.*MVT $1 //p" "$2" | head -n 1; }

# The guest's date and RTC (MVT date/rtc, from guest-init) against the host's clock: both must lie
# between the launch (T0) and now, give or take 2 s. Says what is wrong; 1 then.
check_guest_date() {
	local log=$1 t0=$2 now d r
	now=$(date +%s)
	d=$(mvt date "$log") r=$(mvt rtc "$log")
	[ -n "$d" ] && [ "$d" -ge $((t0 - 2)) ] && [ "$d" -le $((now + 2)) ] ||
		{ echo "guest date '$d', host $t0..$now"; return 1; }
	[ -n "$r" ] && [ "$r" -ge $((t0 - 2)) ] && [ "$r" -le $((now + 2)) ] ||
		{ echo "guest RTC '$r', host $t0..$now"; return 1; }
}
