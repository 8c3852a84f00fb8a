// SPDX-License-Identifier: GPL-2.0
/*
 * Writes a pattern derived from each page's address over all free RAM (everything the device
 * tree lists as memory, above the image), then reads it back. The pages are shared out among the
 * vCPUs by index, so several vCPUs fault in RAM at once.
 */
#include "guest.h"

#define MEMCHECK_SALT 0x9e3779b97f4a7c15ULL

struct range {
	uint64_t start, end;
};

static struct range ranges[GUEST_MAX_CPUS];
static unsigned int nr_ranges, go, done;
static unsigned long bad_words;
static uint64_t first_bad = ~0ULL;

static uint64_t pattern(uint64_t addr)
{
	return (addr * MEMCHECK_SALT) ^ (addr >> 12);
}

static void memcheck_pages(unsigned int cpu, unsigned int nr_cpus, bool verify)
{
	for (unsigned int r = 0; r < nr_ranges; r++) {
		uint64_t first = ranges[r].start / GUEST_PAGE_SIZE + cpu;

		for (uint64_t pg = first; pg < ranges[r].end / GUEST_PAGE_SIZE; pg += nr_cpus) {
			volatile uint64_t *p = (uint64_t *)(pg * GUEST_PAGE_SIZE);

			for (unsigned int i = 0; i < GUEST_PAGE_SIZE / 8; i++) {
				uint64_t a = (uint64_t)(uintptr_t)&p[i];

				if (!verify) {
					p[i] = pattern(a);
				} else if (p[i] != pattern(a)) {
					if (!atomic_add(&bad_words, 1))
						atomic_set(&first_bad, a);
				}
			}
		}
	}
}

static void memcheck_run(unsigned int cpu, unsigned int nr_cpus)
{
	memcheck_pages(cpu, nr_cpus, false);
	atomic_add(&done, 1);
	while (atomic_read(&done) < nr_cpus)
		cpu_relax();
	/* Verify the pages another vCPU wrote, so the check crosses vCPUs. */
	memcheck_pages((cpu + 1) % nr_cpus, nr_cpus, true);
	atomic_add(&done, 1);
}

void guest_ap_main(const struct guest_info *gi)
{
	while (!atomic_read(&go))
		cpu_relax();
	memcheck_run(gi->cpu, gi->nr_cpus);
}

static uint64_t memcheck_ranges(const void *fdt)
{
	int node = fdt_node(fdt, "/memory");
	uint64_t image_end = (uintptr_t)_end, total = 0;
	const uint8_t *reg;
	uint32_t len;

	reg = fdt_prop(fdt, node, "reg", &len);
	for (uint32_t i = 0; reg && i + 16 <= len && nr_ranges < GUEST_MAX_CPUS; i += 16) {
		uint64_t base = fdt64(reg + i), size = fdt64(reg + i + 8);

		if (base < image_end)
			base = size > image_end - base ? image_end : base + size;
		else if (!size)
			continue;
		ranges[nr_ranges++] = (struct range){ base, fdt64(reg + i) + size };
		total += fdt64(reg + i) + size - base;
	}
	return total;
}

int guest_main(const struct guest_info *gi)
{
	uint64_t total = memcheck_ranges(gi->fdt);

	if (!report(total > 0, "the device tree lists free RAM"))
		return 1;
	printf("memcheck: %lu KiB in %u range%s on %u vCPU%s\n", total >> 10, nr_ranges,
	       nr_ranges == 1 ? "" : "s", gi->nr_cpus, gi->nr_cpus == 1 ? "" : "s");
	atomic_set(&go, 1);
	memcheck_run(0, gi->nr_cpus);
	while (atomic_read(&done) < 2 * gi->nr_cpus)
		cpu_relax();
	if (!report(!bad_words, "every word reads back its pattern")) {
		printf("memcheck: %lu bad words, the first at %p\n", bad_words,
		       (void *)first_bad);
		return 1;
	}
	printf("memcheck: ok\n");
	return 0;
}
