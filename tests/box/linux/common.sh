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

# Runs a VMM command with its console in LOG; prints milliseconds from launch to 'MVT init'.
# The guest's serial console is in LOG as it comes, for tap-run to show if the test hangs.
run_timed() {
	local log=$1
	shift
	local t0 t1
	t0=$(date +%s%N)
	"$@" 2>&1 | while IFS= read -r line; do
		line=${line%$'\r'}
		case $line in
		*"MVT init"*) echo "$(( ($(date +%s%N) - t0) / 1000000 ))" >"$log.init-ms" ;;
		esac
		printf '%s\n' "$line"
	done >"$log"
	t1=$(date +%s%N)
	echo "$(( (t1 - t0) / 1000000 ))" >"$log.total-ms"
}

# A progress line with the seconds since the test started, shown by tap-run as it comes.
say() { echo "[${SECONDS}s] $*"; }

mvt() { sed -n "s/.*MVT $1 //p" "$2" | head -n 1; }
