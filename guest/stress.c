// SPDX-License-Identifier: GPL-2.0
/*
 * The guest half of `mirrorvm stress`: every vCPU owns a slice of the perturbed area and, round
 * after round, writes a pattern into each page, reads it back, and asks the host which pages it
 * discarded meanwhile. A page must hold the pattern; a discarded one may hold zeros (or, when the
 * discard raced the write, a mix of zeros and the pattern) and nothing else. Holding vCPUs write
 * once and then only read, until the host asks for a new generation (ksm: the rewrite breaks
 * the merged pages' sharing) or the end.
 */
#include "guest.h"

#define STRESS_MAX_PAGES (1UL << 18) /* 1 GiB of area */
#define STRESS_WAIT_NS (120ULL * 1000000000ULL)
#define STRESS_PRINT_BAD 4

struct stress_cpu {
	uint64_t suspect[STRESS_MAX_PAGES / 64];
	uint64_t discarded[STRESS_MAX_PAGES / 64];
	uint64_t rounds, pages, seen_discarded, failures;
};

static uint64_t area_gpa, area_pages, words, hold, same;
static struct stress_cpu cpus[8];
static unsigned int arrived, nr_slices;

/* SAME: the page number only picks one of 8 classes, so many pages hold identical content. */
static uint64_t pattern(uint64_t gen, uint64_t addr)
{
	if (same)
		addr = (addr & (GUEST_PAGE_SIZE - 1)) | (addr / GUEST_PAGE_SIZE % 8) << 12;
	return (gen << 44) ^ addr ^ 0x5a5a000000000001ULL;
}

/* The word offsets written in each page: spread over it, always the first and the last. */
static uint64_t *word_at(uint64_t page, uint64_t i)
{
	uint64_t off = words == 1 ? 0 : i * 511 / (words - 1);

	return (uint64_t *)(uintptr_t)(area_gpa + page * GUEST_PAGE_SIZE + off * 8);
}

static void slice_write(uint64_t first, uint64_t n, uint64_t gen)
{
	for (uint64_t p = first; p < first + n; p++)
		for (uint64_t i = 0; i < words; i++) {
			volatile uint64_t *w = word_at(p, i);

			*w = pattern(gen, (uint64_t)(uintptr_t)w);
		}
}

/* 0: all pattern; 1: some words zero, the rest pattern; 2: something else. */
static int page_state(uint64_t p, uint64_t gen)
{
	bool zero = false;

	for (uint64_t i = 0; i < words; i++) {
		volatile uint64_t *w = word_at(p, i);
		uint64_t v = *w;

		if (v == 0)
			zero = true;
		else if (v != pattern(gen, (uint64_t)(uintptr_t)w))
			return 2;
	}
	return zero ? 1 : 0;
}

static bool bit(const uint64_t *map, uint64_t i)
{
	return map[i / 64] >> (i % 64) & 1;
}

/* The generation the host wants written, from the last answer. */
static uint64_t host_gen[8];

static uint64_t ask(uint64_t first, uint64_t n, uint64_t *map, uint64_t *token, bool *stop,
		    unsigned int cpu, uint64_t gen)
{
	struct guest_request req = { .opcode = GUEST_REQ_STRESS_DISCARDS,
				     .args = { first, n, (uint64_t)(uintptr_t)map, *token, gen } };

	if (guest_request(&req) != GUEST_REQ_OK) {
		*stop = true;
		return 0;
	}
	*token = req.ret[0];
	*stop = req.ret[1];
	host_gen[cpu] = req.ret[3];
	return req.ret[2];
}

static void judge(struct stress_cpu *c, unsigned int cpu, uint64_t first, uint64_t n, uint64_t gen)
{
	for (uint64_t i = 0; i < n; i++) {
		int st;

		if (!bit(c->suspect, i))
			continue;
		st = page_state(first + i, gen);
		/* Discarded: zeros allowed where the host said so; garbage never is. */
		if (bit(c->discarded, i) && st != 2)
			continue;
		if (c->failures++ < STRESS_PRINT_BAD)
			printf("stress: cpu %u: page 0x%lx (round %lu) holds %s\n", cpu,
			       area_gpa + (first + i) * GUEST_PAGE_SIZE, gen,
			       st == 2 ? "foreign data" : "zeros the host did not discard");
	}
}

/* One round: write (unless holding still), read back, ask what was discarded, judge. */
static void stress_round(struct stress_cpu *c, unsigned int cpu, uint64_t first, uint64_t n,
			 uint64_t gen, bool write, uint64_t *token, bool *stop)
{
	memset(c->suspect, 0, (n + 63) / 64 * 8);
	if (write)
		slice_write(first, n, gen);
	for (uint64_t i = 0; i < n; i++)
		if (page_state(first + i, gen))
			c->suspect[i / 64] |= 1ULL << (i % 64);
	c->seen_discarded += ask(first, n, c->discarded, token, stop, cpu, gen);
	judge(c, cpu, first, n, gen);
	c->rounds++;
	c->pages += n;
}

static void stress_cpu_run(unsigned int cpu)
{
	struct stress_cpu *c = &cpus[cpu];
	uint64_t first = area_pages * cpu / nr_slices;
	uint64_t n = area_pages * (cpu + 1) / nr_slices - first;
	uint64_t token = 0, gen = 0;
	bool stop = false;

	ask(first, n, c->discarded, &token, &stop, cpu, gen);
	while (!stop) {
		gen++;
		stress_round(c, cpu, first, n, gen, true, &token, &stop);
		if (!hold)
			continue;
		/* Holding still: the host reclaims or merges; the data must survive it. */
		while (!stop && host_gen[cpu] <= gen) {
			uint64_t until = host_time_ns() + 100000000ULL, t = token;

			while (host_time_ns() < until)
				for (int i = 0; i < 1000; i++)
					cpu_relax();
			ask(first, n, c->discarded, &t, &stop, cpu, gen);
		}
		/* Verified before anything is rewritten: what the host did kept the content. */
		stop = false;
		stress_round(c, cpu, first, n, gen, false, &token, &stop);
		if (stop)
			break;
		gen = host_gen[cpu] - 1;
	}
}

void guest_ap_main(const struct guest_info *gi)
{
	while (!atomic_read(&nr_slices))
		cpu_relax();
	if (gi->cpu < nr_slices)
		stress_cpu_run(gi->cpu);
	atomic_add(&arrived, 1);
}

static bool stress_info(const struct guest_info *gi)
{
	struct guest_request req = { .opcode = GUEST_REQ_STRESS_INFO };

	if (guest_request(&req) != GUEST_REQ_OK || !req.ret[1] || req.ret[1] > STRESS_MAX_PAGES ||
	    !req.ret[2] || req.ret[2] > 512 || req.ret[0] < (uint64_t)(uintptr_t)_end)
		return false;
	words = req.ret[2];
	hold = req.ret[3] & GUEST_STRESS_HOLD;
	same = !!(req.ret[3] & GUEST_STRESS_SAME);
	area_pages = req.ret[1];
	atomic_set(&area_gpa, req.ret[0]);
	return true;
}

int guest_main(const struct guest_info *gi)
{
	uint64_t deadline, fails = 0, rounds = 0;

	/* The APs wait for the layout: nr_slices is set last. */
	if (!report(stress_info(gi), "stress area from the host"))
		return 1;
	atomic_set(&nr_slices, gi->nr_cpus < 8 ? gi->nr_cpus : 8);
	stress_cpu_run(0);
	deadline = host_time_ns() + STRESS_WAIT_NS;
	while (atomic_read(&arrived) < gi->nr_cpus - 1 && host_time_ns() < deadline)
		for (int i = 0; i < 1000; i++)
			cpu_relax();
	report(atomic_read(&arrived) == gi->nr_cpus - 1, "every vCPU finished");
	for (unsigned int i = 0; i < nr_slices; i++) {
		printf("stress: cpu %u: %lu rounds, %lu pages verified, %lu discards seen, %lu "
		       "bad\n",
		       i, cpus[i].rounds, cpus[i].pages, cpus[i].seen_discarded, cpus[i].failures);
		fails += cpus[i].failures;
		rounds += cpus[i].rounds;
	}
	report(fails == 0, "every page holds its pattern or zeros the host discarded");
	return fails ? 1 : 0;
}
