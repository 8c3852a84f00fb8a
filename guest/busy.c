// SPDX-License-Identifier: GPL-2.0
/*
 * Keeps every vCPU busy writing one word per page over a span of RAM, round after round, so a
 * debugger has a live VM to look at: its RIPs move, its pages fault back in after the host
 * discards them. --param span=SIZE (default 8M, from 8 MiB up), rounds=N (default 0: forever).
 */
#include "guest.h"

#define BUSY_START (8ULL << 20)

static uint64_t span = 8ULL << 20, rounds;

static void busy_work(unsigned int cpu, unsigned int nr_cpus)
{
	for (uint64_t round = 1; !rounds || round <= rounds; round++) {
		for (uint64_t off = cpu * GUEST_PAGE_SIZE; off < span;
		     off += nr_cpus * GUEST_PAGE_SIZE)
			*(volatile uint64_t *)(BUSY_START + off) = round;
	}
}

void guest_ap_main(const struct guest_info *gi)
{
	busy_work(gi->cpu, gi->nr_cpus);
}

int guest_main(const struct guest_info *gi)
{
	int params = fdt_node(gi->fdt, "/params");
	const char *s = fdt_prop(gi->fdt, params, "span", NULL);
	const char *r = fdt_prop(gi->fdt, params, "rounds", NULL);

	if (s)
		span = parse_size(s);
	if (r)
		rounds = parse_size(r);
	printf("busy: %u vCPUs writing %lu KiB from 0x%lx\n", gi->nr_cpus,
	       (unsigned long)(span >> 10), (unsigned long)BUSY_START);
	busy_work(gi->cpu, gi->nr_cpus);
	return 0;
}
