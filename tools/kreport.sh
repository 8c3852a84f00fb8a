# SPDX-License-Identifier: GPL-2.0
# Sourced by the box's init and the box tests: the kernel log lines that open a report. WARN
# and lockdep print WARNING:, KASAN, KFENCE and might_sleep BUG:.
KREPORT_RE='WARNING:|BUG:|Oops|Call Trace|general protection|kernel BUG|Kernel panic'
# The same without Call Trace, for a log where an expected report brings its own trace (an OOM
# kill, QEMU's NUMA layout warning at boot): the caller accounts for those traces itself.
KREPORT_RE_NO_TRACE='WARNING:|BUG:|Oops|general protection|kernel BUG|Kernel panic'
