// SPDX-License-Identifier: GPL-2.0
/*
 * The file's plain mmu_notifier: page ageing against the shadow tables' accessed bits, release,
 * change_pte, and tracing of invalidate_range_start/end pairs. Callbacks take spinlocks only.
 */
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/slab.h>

#include "mmirror.h"

static bool mmirror_no_young;
module_param_named(no_young, mmirror_no_young, bool, 0644);
MODULE_PARM_DESC(no_young, "Ageing callbacks always answer 'not young' (comparison runs)");

static void mmirror_locate_fill(struct mmirror_shadow *r, unsigned long start, unsigned long end,
				struct mmirror_event *ev)
{
	unsigned long s = max(start, r->hva), e = min(end, r->hva + r->size);

	ev->gpa_start = r->gpa + (s - r->hva);
	ev->gpa_end = r->gpa + (e - r->hva);
	ev->region = r->id;
}

/*
 * Finds the first region (in slot order) that hva [start, end) touches and fills ev's gpa range
 * from it. Runs with or without mf->lock: see mmirror.h for how regions are read lock-free. Most
 * callbacks of a VMM are outside every region (its own heap and stacks) and are turned away by
 * the span of all regions; a range inside the region of the last hit is answered without a scan
 * (regions never overlap, so it touches no other); only the slots in use are scanned. A callback
 * racing with ADD_REGION or DEL_REGION may or may not see that region, as with the lock.
 */
static bool mmirror_locate(struct mmirror_file *mf, unsigned long start, unsigned long end,
			   struct mmirror_event *ev)
{
	struct mmirror_shadow *r;
	unsigned int i, n;
	bool hit = false;

	if (end <= READ_ONCE(mf->span_start) || start >= READ_ONCE(mf->span_end))
		return false;
	rcu_read_lock();
	/* Dependency-ordered after the publisher's smp_store_release (READ_ONCE suffices). */
	r = READ_ONCE(mf->regions[READ_ONCE(mf->hint) % MMIRROR_MAX_REGIONS]);
	if (r && start >= r->hva && end <= r->hva + r->size) {
		mmirror_locate_fill(r, start, end, ev);
		hit = true;
		goto out;
	}
	n = min_t(unsigned int, READ_ONCE(mf->slots_end), MMIRROR_MAX_REGIONS);
	for (i = 0; i < n; i++) {
		r = READ_ONCE(mf->regions[i]);
		if (!r || max(start, r->hva) >= min(end, r->hva + r->size))
			continue;
		mmirror_locate_fill(r, start, end, ev);
		WRITE_ONCE(mf->hint, i);
		hit = true;
		break;
	}
out:
	rcu_read_unlock();
	return hit;
}

/* Whether ageing answers for whole huge mappings; the planted bugs (issue 14) do not, or half. */
static bool mmirror_age_widens(bool clear)
{
#if defined(MMIRROR_BUG_AGE_4K)
	return false; /* one 4 KiB entry, as before the fix */
#elif defined(MMIRROR_BUG_AGE_CLEAR_4K)
	return !clear; /* test_young widened, clear_young and clear_flush_young not */
#else
	return true;
#endif
}

/*
 * Tests (and with clear, clears) the accessed bits of present entries; counts them in *pages.
 * The host has one accessed bit for a huge (PMD) mapping, and asks about it with any address
 * inside: DAMON's test_young gives its unaligned sampled address, its clear_young
 * [addr, addr + PMD_SIZE) from there. So where an edge entry is huge the range is widened to the
 * whole huge mapping, as invalidations are (the shape of "kvm: Fix page ageing bugs": a host
 * PMD that the secondary MMU holds as 4 KiB entries): young if any of its entries is, and
 * clearing clears all of them. At most 2 * 511 more entries, under the spinlock: still cheap,
 * never sleeping.
 */
static bool mmirror_age_region(struct mmirror_shadow *r, unsigned long start, unsigned long end,
			       bool clear, u32 *pages, u8 *flags)
{
	unsigned long s = max(start, r->hva), e = min(end, r->hva + r->size);
	unsigned long i, i0, i1;
	bool young = false;

	if (s >= e)
		return false;
	i0 = (s - r->hva) >> PAGE_SHIFT;
	i1 = (e - r->hva + PAGE_SIZE - 1) >> PAGE_SHIFT;
	if (mmirror_age_widens(clear) && (READ_ONCE(r->table[i0]) & MMIRROR_PTE_HUGE)) {
		i0 = mmirror_huge_start(r, i0);
		*flags |= MMIRROR_EVF_HUGE;
	}
	if (mmirror_age_widens(clear) && (READ_ONCE(r->table[i1 - 1]) & MMIRROR_PTE_HUGE)) {
		i1 = min(mmirror_huge_start(r, i1 - 1) + MMIRROR_HUGE_ENTRIES,
			 r->size >> PAGE_SHIFT);
		*flags |= MMIRROR_EVF_HUGE;
	}
	for (i = i0; i < i1; i++) {
		u64 *entry = &r->table[i];

		if (!(READ_ONCE(*entry) & MMIRROR_PTE_PRESENT))
			continue;
		(*pages)++;
		/* Userspace sets the bit with atomic ops on the same word. */
		if (clear)
			young |= test_and_clear_bit(8, (unsigned long *)entry);
		else
			young |= !!(READ_ONCE(*entry) & MMIRROR_PTE_ACCESSED);
	}
	return young;
}

static mmirror_young_t mmirror_age(struct mmu_notifier *mn, unsigned long start, unsigned long end,
		       enum mmirror_callback cb, bool clear)
{
	struct mmirror_file *mf = container_of(mn, struct mmirror_file, mn);
	struct mmirror_event ev = {
		.hva_start = start,
		.hva_end = end,
		.callback = cb,
		.event = MMIRROR_EV_NONE,
		.flags = MMIRROR_EVF_BLOCKABLE,
	};
	bool young = false;
	unsigned int i;
	u8 huge = 0;

	BUILD_BUG_ON(MMIRROR_PTE_ACCESSED != 1ULL << 8);
	atomic64_inc(&mf->callbacks[cb]);
	/* Lock-free: a range outside every region (the VMM's own memory) takes no lock. */
	if (!mmirror_locate(mf, start, end, &ev))
		return 0;
	spin_lock(&mf->lock);
	for (i = 0; i < mf->slots_end; i++) /* stable under mf->lock */
		if (mf->regions[i])
			young |= mmirror_age_region(mf->regions[i], start, end, clear, &ev.pages,
						    &huge);
	spin_unlock(&mf->lock);
	/* ageing callbacks run under the PT lock or RCU: never blockable */
	ev.flags = huge;
	ev.young = young;
	if (young)
		atomic64_inc(&mf->young_answers);
	mmirror_ring_log(mf, &ev);
	if (mmirror_no_young || (READ_ONCE(mf->flags) & MMIRROR_F_NO_YOUNG))
		return 0;
	return young;
}

static mmirror_young_t mmirror_clear_flush_young(struct mmu_notifier *mn, struct mm_struct *mm,
				     unsigned long start, unsigned long end)
{
	return mmirror_age(mn, start, end, MMIRROR_CB_CLEAR_FLUSH_YOUNG, true);
}

static mmirror_young_t mmirror_clear_young(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long start,
			       unsigned long end)
{
	return mmirror_age(mn, start, end, MMIRROR_CB_CLEAR_YOUNG, true);
}

static mmirror_young_t mmirror_test_young(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long address)
{
	return mmirror_age(mn, address, address + PAGE_SIZE, MMIRROR_CB_TEST_YOUNG, false);
}

/*
 * Logs a callback that changes no state here, if it touches a region. No mf->lock: the region
 * lookup is lock-free (mmirror_locate), so a callback outside every region costs a counter and
 * two loads.
 */
static void mmirror_trace(struct mmirror_file *mf, unsigned long start, unsigned long end,
			  enum mmirror_callback cb, u8 event, bool blockable)
{
	struct mmirror_event ev = {
		.hva_start = start,
		.hva_end = end,
		.callback = cb,
		.event = event,
		.flags = blockable ? MMIRROR_EVF_BLOCKABLE : 0,
	};
	u64 flags = READ_ONCE(mf->flags);

	atomic64_inc(&mf->callbacks[cb]);
	if (flags & MMIRROR_F_NO_RING)
		return;
	if ((cb == MMIRROR_CB_RANGE_START || cb == MMIRROR_CB_RANGE_END) &&
	    (flags & MMIRROR_F_NO_TRACE))
		return;
	if (mmirror_locate(mf, start, end, &ev))
		mmirror_ring_log(mf, &ev);
}

static int mmirror_range_start(struct mmu_notifier *mn, const struct mmu_notifier_range *range)
{
	mmirror_trace(container_of(mn, struct mmirror_file, mn), range->start, range->end,
		      MMIRROR_CB_RANGE_START, range->event, mmu_notifier_range_blockable(range));
	return 0;
}

static void mmirror_range_end(struct mmu_notifier *mn, const struct mmu_notifier_range *range)
{
	mmirror_trace(container_of(mn, struct mmirror_file, mn), range->start, range->end,
		      MMIRROR_CB_RANGE_END, range->event, mmu_notifier_range_blockable(range));
}

/*
 * KSM and COW replace a PTE inside an invalidate_range_start/end pair that already cleared the
 * entry, so there is nothing to install; the callback is logged (on kernels that still call it).
 */
static void __maybe_unused mmirror_change_pte(struct mmu_notifier *mn, struct mm_struct *mm, unsigned long address,
			       pte_t pte)
{
	mmirror_trace(container_of(mn, struct mmirror_file, mn), address, address + PAGE_SIZE,
		      MMIRROR_CB_CHANGE_PTE, MMIRROR_EV_NONE, false);
}

/*
 * The mm is going away (exit, or OOM kill) while the file may stay open. Everything becomes
 * non-present; the file itself is freed later through mmu_notifier_put, never from here.
 */
static void mmirror_release(struct mmu_notifier *mn, struct mm_struct *mm)
{
	struct mmirror_file *mf = container_of(mn, struct mmirror_file, mn);
	struct mmirror_event ev = {
		.callback = MMIRROR_CB_RELEASE,
		.event = MMIRROR_EV_RELEASE,
		.flags = MMIRROR_EVF_BLOCKABLE,
		.region = ~0U,
	};
	unsigned int i;
	u32 pages = 0;

	atomic64_inc(&mf->callbacks[MMIRROR_CB_RELEASE]);
	atomic_inc(&mmirror_releases);
	spin_lock(&mf->lock);
	WRITE_ONCE(mf->released, true);
	for (i = 0; i < MMIRROR_MAX_REGIONS; i++) {
		struct mmirror_shadow *r = mf->regions[i];
		struct mmirror_event rev = { .event = MMIRROR_EV_RELEASE };

		if (!r)
			continue;
		mmirror_region_clear(r, r->hva, r->hva + r->size, &rev);
		pages += rev.pages;
	}
	spin_unlock(&mf->lock);
	ev.pages = pages;
	atomic64_add(pages, &mf->pages_invalidated);
	mmirror_ring_log(mf, &ev);
}

static void mmirror_free_notifier(struct mmu_notifier *mn)
{
	struct mmirror_file *mf = container_of(mn, struct mmirror_file, mn);

	mmirror_ring_free(&mf->ring);
	mmdrop(mf->mm);
	kfree(mf);
	atomic_dec(&mmirror_live_files);
}

const struct mmu_notifier_ops mmirror_mn_ops = {
	.release = mmirror_release,
	.clear_flush_young = mmirror_clear_flush_young,
	.clear_young = mmirror_clear_young,
	.test_young = mmirror_test_young,
	MMIRROR_OP_CHANGE_PTE(mmirror_change_pte)
	.invalidate_range_start = mmirror_range_start,
	.invalidate_range_end = mmirror_range_end,
	.free_notifier = mmirror_free_notifier,
};
