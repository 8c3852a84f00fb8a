// SPDX-License-Identifier: GPL-2.0
/* mmirror-security bad-args and fuzz: bad ioctl arguments and a random ioctl/mmap fuzzer. */
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "mt.h"

int sec_bad_args(struct mt *t);
int sec_fuzz(struct mt *t, long n);

struct sec_case {
	const char *what;
	unsigned long cmd;
	struct mmirror_region reg;
	struct mmirror_populate pop;
	uint64_t val;
	int bad_ptr;
	int want;
};

#define R(h, s, g) { .hva = (h), .size = (s), .gpa = (g) }

static int sec_run(struct mt *t, const struct sec_case *c)
{
	struct mmirror_region reg = c->reg;
	struct mmirror_populate pop = c->pop;
	uint64_t val = c->val;
	void *arg = c->bad_ptr ? (void *)8 : NULL;

	if (!arg && c->cmd == MMIRROR_IOC_ADD_REGION)
		arg = &reg;
	else if (!arg && c->cmd == MMIRROR_IOC_POPULATE)
		arg = &pop;
	else if (!arg)
		arg = &val;
	return ioctl(mmu_fd(t->m), c->cmd, arg) < 0 ? errno : 0;
}

int sec_bad_args(struct mt *t)
{
	uint64_t h, big = 17ULL << 30, g = MT_GPA;
	struct mmirror_stats before, after;
	unsigned int i, failed = 0;

	mt_setup(t, 16 * MT_PAGE, MT_SMALL);
	h = (uint64_t)(uintptr_t)t->ram;
	const struct sec_case cases[] = {
		{ "hva unaligned", MMIRROR_IOC_ADD_REGION, R(h + 1, 0x10000, 0), {}, 0, 0, EINVAL },
		{ "size unaligned", MMIRROR_IOC_ADD_REGION, R(0x10000000, 100, 0), {}, 0, 0, EINVAL },
		{ "size zero", MMIRROR_IOC_ADD_REGION, R(0x10000000, 0, 0), {}, 0, 0, EINVAL },
		{ "gpa unaligned", MMIRROR_IOC_ADD_REGION, R(0x10000000, 4096, 12), {}, 0, 0, EINVAL },
		{ "hva wraps", MMIRROR_IOC_ADD_REGION, R(~0xfffULL, 8192, 0), {}, 0, 0, EINVAL },
		{ "hva past TASK_SIZE", MMIRROR_IOC_ADD_REGION, R(1ULL << 62, 4096, 0), {}, 0, 0,
		  EINVAL },
		{ "gpa past 52 bits", MMIRROR_IOC_ADD_REGION, R(0x10000000, 4096, 1ULL << 52), {}, 0,
		  0, EINVAL },
		{ "hva overlaps", MMIRROR_IOC_ADD_REGION, R(h + 4096, 4096, 0), {}, 0, 0, EINVAL },
		{ "gpa overlaps", MMIRROR_IOC_ADD_REGION, R(0x10000000, 4096, g + 4096), {}, 0, 0,
		  EINVAL },
		{ "total over max_total_mb", MMIRROR_IOC_ADD_REGION, R(0x100000000ULL, big, 1ULL << 40),
		  {}, 0, 0, ENOSPC },
		{ "add: bad pointer", MMIRROR_IOC_ADD_REGION, {}, {}, 0, 1, EFAULT },
		{ "del: no region there", MMIRROR_IOC_DEL_REGION, {}, {}, g + 4096, 0, ENOENT },
		{ "del: bad pointer", MMIRROR_IOC_DEL_REGION, {}, {}, 0, 1, EFAULT },
		{ "populate: bad flags", MMIRROR_IOC_POPULATE, {}, { g, 4096, 0x80, 0, 0, 0 }, 0, 0,
		  EINVAL },
		{ "populate: len zero", MMIRROR_IOC_POPULATE, {}, { g, 0, 0, 0, 0, 0 }, 0, 0, EINVAL },
		{ "populate: unaligned", MMIRROR_IOC_POPULATE, {}, { g + 5, 4096, 0, 0, 0, 0 }, 0, 0,
		  EINVAL },
		{ "populate: past the region", MMIRROR_IOC_POPULATE, {}, { g, 17 * 4096, 0, 0, 0, 0 },
		  0, 0, EINVAL },
		{ "populate: no region", MMIRROR_IOC_POPULATE, {}, { 0, 4096, 0, 0, 0, 0 }, 0, 0,
		  EINVAL },
		{ "populate: bad pointer", MMIRROR_IOC_POPULATE, {}, {}, 0, 1, EFAULT },
		{ "set_flags: unknown bit", MMIRROR_IOC_SET_FLAGS, {}, {}, 1ULL << 40, 0, EINVAL },
		{ "stats: bad pointer", MMIRROR_IOC_GET_STATS, {}, {}, 0, 1, EFAULT },
		{ "unknown ioctl", _IO(MMIRROR_IOC_MAGIC, 0x3f), {}, {}, 0, 0, ENOTTY },
	};

	mt_assert(!mmu_get_stats(t->m, &before), "stats");
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int got = sec_run(t, &cases[i]);

		printf("%-28s -> %-8s (want %s)%s\n", cases[i].what, got ? strerrorname_np(got) : "0",
		       strerrorname_np(cases[i].want), got == cases[i].want ? "" : "  WRONG");
		failed += got != cases[i].want;
	}
	mt_assert(mmap(NULL, 4096, PROT_READ, MAP_PRIVATE, mmu_fd(t->m), 0) == MAP_FAILED &&
			  errno == EINVAL,
		  "private mmap");
	mt_assert(mmap(NULL, 4096, PROT_READ, MAP_SHARED, mmu_fd(t->m), 5ULL << 36) == MAP_FAILED &&
			  errno == EINVAL,
		  "mmap of a table that does not exist");
	mt_assert(mmap(NULL, 1 << 20, PROT_READ, MAP_SHARED, mmu_fd(t->m), 1ULL << 36) ==
				  MAP_FAILED && errno == EINVAL,
		  "mmap larger than the table");
	printf("mmap: MAP_PRIVATE, no such table, larger than the table -> EINVAL\n");
	mt_assert(!mmu_get_stats(t->m, &after), "stats");
	mt_assert(after.regions == before.regions && after.regions == 1, "region count changed");
	mt_assert(failed == 0, "%u cases got the wrong error", failed);
	mt_coherent(t, "after the bad arguments");
	return 0;
}

static uint64_t sec_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* Mostly plausible values near the mapped buffer, sometimes anything. */
static uint64_t sec_value(uint64_t *s, uint64_t base)
{
	switch (sec_rand(s) % 6) {
	case 0:
		return sec_rand(s);
	case 1:
		return base + (sec_rand(s) % 64) * 4096;
	case 2:
		return MT_GPA + (sec_rand(s) % 64) * 4096;
	case 3:
		return (sec_rand(s) % 64) * 4096;
	case 4:
		return sec_rand(s) % 8;
	default:
		return 0;
	}
}

int sec_fuzz(struct mt *t, long n)
{
	static const unsigned long cmds[] = { MMIRROR_IOC_ADD_REGION, MMIRROR_IOC_DEL_REGION,
					      MMIRROR_IOC_POPULATE, MMIRROR_IOC_GET_STATS,
					      MMIRROR_IOC_SET_FLAGS, MMIRROR_IOC_VERSION };
	uint64_t s = 0x123456789abcdefULL, buf[128], base;
	uint8_t *ram = mt_map(64 * MT_PAGE, MT_SMALL);
	long i, ok = 0;

	mt_fill(ram, 64 * MT_PAGE, 0);
	base = (uint64_t)(uintptr_t)ram;
	for (i = 0; i < n; i++) {
		unsigned long cmd = cmds[sec_rand(&s) % 6];
		unsigned int k;

		if (sec_rand(&s) % 16 == 0)
			cmd = _IOC(sec_rand(&s) % 4, MMIRROR_IOC_MAGIC, sec_rand(&s) % 16,
				   sec_rand(&s) % 256);
		for (k = 0; k < 128; k++)
			buf[k] = sec_value(&s, base);
		ok += ioctl(mmu_fd(t->m), cmd, sec_rand(&s) % 32 ? (void *)buf : (void *)8) >= 0;
		if (i % 1000 == 0) {
			void *p = mmap(NULL, (sec_rand(&s) % 4 + 1) * 4096, PROT_READ | PROT_WRITE,
				       MAP_SHARED, mmu_fd(t->m),
				       (off_t)((sec_rand(&s) % 4) << 36));

			if (p != MAP_FAILED)
				munmap(p, 4096);
			madvise(ram, 64 * MT_PAGE, MADV_DONTNEED);
			mmu_drain(t->m, NULL, NULL);
		}
	}
	printf("%ld random ioctls (%ld succeeded), %ld mmaps\n", n, ok, n / 1000);
	return 0;
}
