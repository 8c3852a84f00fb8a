# SPDX-License-Identifier: GPL-2.0
# Shared by the Linux-guest box tests and the benchmark: paths, disk images, and a runner that
# stamps the time the guest's init first spoke.
KERNEL=${MIRRORVM_KERNEL:-$(ls /root/.cache/mirrorvm/kernel/*/root/boot/vmlinuz-* 2>/dev/null | head -n 1)}
[ -n "$KERNEL" ] || { echo "no box kernel image found" >&2; exit 77; }
work=/tmp/linux-$$
mkdir -p "$work"
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

mvt() { sed -n "s/.*MVT $1 //p" "$2" | head -n 1; }
