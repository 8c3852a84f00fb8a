// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror-bench [MiB]: what the module costs. munmap, MADV_DONTNEED and MADV_PAGEOUT of a region
 * (1 GiB by default) with and without a mirror attached, side by side in one run; ring records
 * per second; populate GiB/s; shadow bytes per 4 KiB. Prints figures, asserts nothing on speed.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include "mmu.h"

#define PAGE 4096UL
#define BENCH_GPA 0x100000000ULL

static double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint8_t *bench_map(size_t size)
{
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	size_t i;

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	madvise(p, size, MADV_NOHUGEPAGE);
	for (i = 0; i < size; i += PAGE)
		p[i] = 1;
	return p;
}

enum bench_op { OP_MUNMAP, OP_DONTNEED, OP_PAGEOUT };
static const char *const bench_names[] = { "munmap", "MADV_DONTNEED", "MADV_PAGEOUT" };

static double bench_op(struct mmu_mirror *m, enum bench_op op, size_t size)
{
	uint8_t *p = bench_map(size);
	double t0, t;

	if (m) {
		if (mmu_add_region(m, ptr_to_hva(p), size, GPA(BENCH_GPA)) ||
		    mmu_populate(m, GPA(BENCH_GPA), size, 0)) {
			fprintf(stderr, "mirror setup failed\n");
			exit(1);
		}
		mmu_drain(m, NULL, NULL);
	}
	t0 = bench_now();
	if (op == OP_MUNMAP)
		munmap(p, size);
	else
		madvise(p, size, op == OP_DONTNEED ? MADV_DONTNEED : MADV_PAGEOUT);
	t = bench_now() - t0;
	if (op != OP_MUNMAP)
		munmap(p, size);
	if (m) {
		mmu_drain(m, NULL, NULL);
		mmu_del_region(m, GPA(BENCH_GPA));
	}
	return t;
}

static void bench_ring(struct mmu_mirror *m)
{
	uint8_t *p = bench_map(64 * PAGE);
	long n = 20000, i, got = 0;
	uint64_t lost0 = mmu_ring_lost(m);
	double t0, t;

	mmu_add_region(m, ptr_to_hva(p), 64 * PAGE, GPA(BENCH_GPA));
	mmu_set_flags(m, 0);
	mmu_drain(m, NULL, NULL);
	t0 = bench_now();
	for (i = 0; i < n; i++) {
		madvise(p + (i % 64) * PAGE, PAGE, MADV_DONTNEED);
		if (i % 256 == 0)
			got += mmu_drain(m, NULL, NULL);
	}
	got += mmu_drain(m, NULL, NULL);
	t = bench_now() - t0;
	printf("ring: %ld records drained in %.3f s: %.0f records/s (3 per DONTNEED: start, "
	       "invalidate, end), lost %llu\n",
	       got, t, got / t, (unsigned long long)(mmu_ring_lost(m) - lost0));
	mmu_del_region(m, GPA(BENCH_GPA));
	munmap(p, 64 * PAGE);
}

static void bench_populate(struct mmu_mirror *m, size_t size)
{
	uint8_t *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t pages, retries;
	double t0, tf, ts;

	madvise(p, size, MADV_NOHUGEPAGE);
	mmu_add_region(m, ptr_to_hva(p), size, GPA(BENCH_GPA));
	mmu_set_flags(m, MMIRROR_F_NO_TRACE);
	t0 = bench_now();
	mmu_populate_ex(m, GPA(BENCH_GPA), size, MMIRROR_POPULATE_FAULT | MMIRROR_POPULATE_WRITE,
			&pages, &retries);
	tf = bench_now() - t0;
	t0 = bench_now();
	mmu_populate_ex(m, GPA(BENCH_GPA), size, 0, &pages, &retries);
	ts = bench_now() - t0;
	printf("populate %zu MiB: faulting in %.2f GiB/s (%.3f s), of present pages %.2f GiB/s "
	       "(%.3f s), %llu entries, %llu retries\n",
	       size >> 20, size / tf / (1 << 30), tf, size / ts / (1 << 30), ts,
	       (unsigned long long)pages, (unsigned long long)retries);
	printf("shadow: %zu bytes of table per 4 KiB of guest RAM (%.3f%%), plus one ring of "
	       "%zu KiB per file\n",
	       mmu_region_of(m, GPA(BENCH_GPA))->table_bytes / (size / PAGE),
	       100.0 * mmu_region_of(m, GPA(BENCH_GPA))->table_bytes / size,
	       (4096 + 4096 * sizeof(struct mmirror_event)) >> 10);
	mmu_del_region(m, GPA(BENCH_GPA));
	munmap(p, size);
}

int main(int argc, char **argv)
{
	size_t size = (size_t)(argc > 1 ? atol(argv[1]) : 1024) << 20;
	struct mmu_mirror *m;
	int ret = mmu_open(&m), op;

	if (ret) {
		printf("mmirror not available: %s\n", strerror(-ret));
		return ret == -ENOENT ? 77 : 1;
	}
	mmu_set_flags(m, MMIRROR_F_NO_TRACE);
	printf("%-14s %12s %12s %8s   (%zu MiB of 4 KiB pages, mirror fully populated)\n", "op",
	       "no module", "mirrored", "ratio", size >> 20);
	for (op = OP_MUNMAP; op <= OP_PAGEOUT; op++) {
		double base = bench_op(NULL, op, size), with = bench_op(m, op, size);

		printf("%-14s %10.3f s %10.3f s %7.2fx\n", bench_names[op], base, with, with / base);
	}
	bench_ring(m);
	bench_populate(m, size);
	mmu_close(m);
	return 0;
}
