// SPDX-License-Identifier: GPL-2.0
/* Host operations on 4 KiB pages and whole THPs: munmap, DONTNEED, PAGEOUT, mprotect, clear_refs. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "events.h"

int ev_munmap(struct mt *t)
{
	uint8_t *half;
	const struct mmirror_event *e;

	mt_setup(t, 2 * MT_HUGE, MT_THP);
	half = t->ram + MT_HUGE;
	mt_assert(mt_entry(t, half) & MMIRROR_PTE_HUGE, "second 2 MiB is not PMD-mapped");
	mt_assert(!munmap(half, MT_HUGE), "munmap");
	e = mt_expect(t, MMIRROR_CB_INVALIDATE, MMIRROR_EV_UNMAP, mt_gpa_of(t, half),
		      mt_gpa_of(t, half) + MT_HUGE);
	mt_assert(e->pages == MT_HUGE / MT_PAGE, "%u pages cleared, want 512", e->pages);
	mt_assert(mt_count_present(t, half, MT_HUGE) == 0, "entries left present after munmap");
	mt_assert(mt_count_present(t, t->ram, MT_HUGE) == MT_HUGE / MT_PAGE,
		  "the first 2 MiB lost entries");
	mt_coherent(t, "after munmap");
	return 0;
}

int ev_dontneed(struct mt *t)
{
	uint8_t *p;

	mt_setup(t, 1 << 20, MT_SMALL);
	p = t->ram + 64 * 1024;
	mt_assert(!madvise(p, 16 * MT_PAGE, MADV_DONTNEED), "madvise");
	mt_expect(t, MMIRROR_CB_INVALIDATE, MMIRROR_EV_CLEAR, mt_gpa_of(t, p),
		  mt_gpa_of(t, p) + 16 * MT_PAGE);
	mt_assert(mt_count_present(t, p, 16 * MT_PAGE) == 0, "entries left present");
	mt_assert(mmu_pte_cause(mt_entry(t, p)) == MMIRROR_EV_CLEAR, "cause bits not CLEAR");
	mt_assert(mt_count_present(t, t->ram, 64 * 1024) == 16, "neighbours lost entries");
	mt_coherent(t, "after MADV_DONTNEED");
	return 0;
}

static bool ev_swapped(const void *p)
{
	uint64_t pm = 0;
	FILE *f = fopen("/proc/self/pagemap", "r");

	if (!f)
		return false;
	if (fseek(f, (long)((uintptr_t)p / MT_PAGE * 8), SEEK_SET) || fread(&pm, 8, 1, f) != 1)
		pm = 0;
	fclose(f);
	return pm & (1ULL << 62);
}

int ev_pageout(struct mt *t)
{
	size_t i, n = 64, swapped = 0;

	mt_setup(t, 1 << 20, MT_SMALL);
	if (madvise(t->ram, n * MT_PAGE, MADV_PAGEOUT))
		mt_skip("MADV_PAGEOUT: %s", strerror(errno));
	mt_drain(t);
	for (i = 0; i < n; i++) {
		uint8_t *p = t->ram + i * MT_PAGE;

		if (!ev_swapped(p))
			continue;
		swapped++;
		mt_assert(!mmu_pte_present(mt_entry(t, p)), "swapped page %zu still present", i);
		mt_assert(mt_find(t, MMIRROR_CB_INVALIDATE, MMIRROR_EV_CLEAR, mt_gpa_of(t, p),
				  mt_gpa_of(t, p) + MT_PAGE),
			  "no CLEAR record for swapped page %zu", i);
	}
	printf("  %zu of %zu pages went to zram swap, each with a CLEAR record\n", swapped, n);
	mt_assert(swapped > 0, "nothing was paged out (is zram swap on?)");
	mt_coherent(t, "after MADV_PAGEOUT");
	return 0;
}

/*
 * An invalidation that only took WRITE away: every entry in [p, p + len) stays present, read-only,
 * downgraded with the cause, with its PFN and A bit; with may_clear (PROTECTION_VMA on 6.3 and
 * later, where the module cannot tell) they may be cleared instead, but never stay writable.
 */
static void ev_want_downgraded(struct mt *t, uint8_t *p, size_t len, int cause, const uint64_t *old,
			       bool may_clear)
{
	size_t i;
	int kept = 0;

	for (i = 0; i < len / MT_PAGE; i++) {
		uint64_t e = mt_entry(t, p + i * MT_PAGE);

		if (!mmu_pte_present(e)) {
			mt_assert(may_clear, "entry %zu cleared, want downgraded", i);
			continue;
		}
		kept++;
		mt_assert(!(e & MMIRROR_PTE_WRITE) && mmu_pte_downgraded(e) &&
				  mmu_pte_cause(e) == cause,
			  "entry %zu: 0x%llx, want read-only, downgraded, cause %d", i,
			  (unsigned long long)e, cause);
		mt_assert((e & ~(MMIRROR_PTE_WRITE | MMIRROR_PTE_DOWNGRADED |
				 MMIRROR_PTE_CAUSE_MASK)) ==
				  (old[i] & ~(MMIRROR_PTE_WRITE | MMIRROR_PTE_CAUSE_MASK)),
			  "entry %zu: 0x%llx lost PFN or A/D bits (was 0x%llx)", i,
			  (unsigned long long)e, (unsigned long long)old[i]);
	}
	printf("  %d of %zu entries kept read-only (downgraded), PFN and A/D bits unchanged\n",
	       kept, len / MT_PAGE);
}

int ev_mprotect(struct mt *t)
{
	uint64_t old[16];
	uint8_t *p;
	int i;

	mt_setup(t, 1 << 20, MT_SMALL);
	p = t->ram + 128 * 1024;
	mmu_touch(t->m, GPA(mt_gpa_of(t, p)), 16 * MT_PAGE, false);
	for (i = 0; i < 16; i++)
		old[i] = mt_entry(t, p + i * MT_PAGE);
	mt_assert(old[0] & MMIRROR_PTE_ACCESSED, "mmu_touch set no A bit");
	mt_assert(!mprotect(p, 16 * MT_PAGE, PROT_READ), "mprotect");
	mt_expect(t, MMIRROR_CB_INVALIDATE, MMIRROR_EV_PROTECTION_VMA, mt_gpa_of(t, p),
		  mt_gpa_of(t, p) + 16 * MT_PAGE);
	/* The coherence check first: its rule that no entry is writable in a read-only VMA. */
	mt_coherent(t, "after mprotect");
	/* Where the kernel cannot say that mprotect only took WRITE, the module clears. */
	ev_want_downgraded(t, p, 16 * MT_PAGE, MMIRROR_EV_PROTECTION_VMA, old,
			   !mt_kernel_tells_read_only());
	mt_populate(t, 0);
	mt_assert(mmu_pte_present(mt_entry(t, p)) && !(mt_entry(t, p) & MMIRROR_PTE_WRITE),
		  "repopulated read-only page should be present without WRITE");
	mt_assert(mt_entry(t, t->ram) & MMIRROR_PTE_WRITE, "untouched page lost WRITE");
	mt_coherent(t, "after repopulate");
	return 0;
}

int ev_softdirty(struct mt *t)
{
	uint64_t *old = calloc(256, sizeof(*old));
	size_t i;

	mt_setup(t, 1 << 20, MT_SMALL);
	mt_assert(old, "calloc");
	for (i = 0; i < 256; i++)
		old[i] = mt_entry(t, t->ram + i * MT_PAGE);
	mt_write_file("/proc/self/clear_refs", "4");
	mt_expect(t, MMIRROR_CB_INVALIDATE, MMIRROR_EV_SOFT_DIRTY, t->gpa.v, t->gpa.v + t->size);
	printf("  clear_refs 4 invalidates [0, -1): the whole region, entries downgraded\n");
	ev_want_downgraded(t, t->ram, t->size, MMIRROR_EV_SOFT_DIRTY, old, false);
	mt_coherent(t, "after clear_refs");
	free(old);
	return 0;
}
