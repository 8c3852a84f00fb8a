// SPDX-License-Identifier: GPL-2.0
/*
 * Measures the port-I/O exit round trip through mirrorvm: n (--param n=, default 20000) OUTs to
 * a port no device owns, timed with the host's clock, so the figure is KVM_RUN + the VMM's
 * dispatch and nothing else.
 */
#include "guest.h"

#define BENCH_PORT 0x80

int guest_main(const struct guest_info *gi)
{
	const char *ns = fdt_prop(gi->fdt, fdt_node(gi->fdt, "/params"), "n", NULL);
	uint64_t n = ns ? parse_size(ns) : 20000, t0, t1;

	if (!n)
		n = 1;
	t0 = host_time_ns();
	for (uint64_t i = 0; i < n; i++)
		outb(BENCH_PORT, i);
	t1 = host_time_ns();
	printf("bench-pio: %lu exits in %lu us, %lu ns per exit\n", n, (t1 - t0) / 1000,
	       (t1 - t0) / n);
	return 0;
}
