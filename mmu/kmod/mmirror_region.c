// SPDX-License-Identifier: GPL-2.0
/*
 * Regions and their shadow tables. Each region has an interval notifier on the file's mm; its
 * invalidate callback clears the entries inside the callback, under mf->lock, and bumps the
 * sequence there too, so POPULATE (which checks the sequence under the same lock before it
 * installs anything) can never make an entry present that an invalidation has just taken away.
 */
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/hmm.h>
#include <linux/jiffies.h>
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/sched/clock.h>
#include <linux/sched/mm.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vmalloc.h>

#include "mmirror.h"

/* Guest-physical addresses the EPT format can hold. */
#define MMIRROR_GPA_LIMIT (1ULL << 52)
/* Table mmap offsets: region slot + 1, in units of 64 GiB, far beyond any ring. */
#define MMIRROR_TABLE_SHIFT 36
#define MMIRROR_POPULATE_CHUNK 512UL
#define HUGE_ENTRIES MMIRROR_HUGE_ENTRIES
/* entries per bit of mmirror_shadow.filled: 2 MiB of guest RAM */
#define MMIRROR_CHUNK 512UL
/* compare-and-swap tries against userspace's A/D updates before the entry is just written */
#ifdef MMIRROR_BUG_INSTALL_UNBOUNDED
#define MMIRROR_INSTALL_TRIES UINT_MAX
#else
#define MMIRROR_INSTALL_TRIES 4
#endif

#ifdef MMIRROR_TEST_HOOKS
/* Test builds only: populate sleeps this long between the fault and the sequence check. */
static unsigned int mmirror_test_populate_delay_ms;
module_param_named(test_populate_delay_ms, mmirror_test_populate_delay_ms, uint, 0644);
MODULE_PARM_DESC(test_populate_delay_ms, "Test hook: populate pauses before its retry check");
/* Test builds only: how many more table words change under install's or downgrade's cmpxchg. */
static unsigned int mmirror_test_hostile_writes;
module_param_named(test_hostile_writes, mmirror_test_hostile_writes, uint, 0644);
MODULE_PARM_DESC(test_hostile_writes,
		 "Test hook: rewrites of a table word between the module's read and its cmpxchg");
#endif

static void mmirror_test_populate_pause(void)
{
#ifdef MMIRROR_TEST_HOOKS
	unsigned int ms = READ_ONCE(mmirror_test_populate_delay_ms);

	if (ms)
		msleep_interruptible(ms);
#endif
}

/*
 * Test hook, called with mf->lock held between the read of a table word and the compare-and-swap
 * on it: a userspace write to the word, landed in the worst place every time, which a thread
 * rewriting the table in a loop only manages now and then. Each write spends one of the budget,
 * so a loop with no bound shows as a spent budget in the test instead of spinning for ever.
 */
static void mmirror_test_hostile_write(u64 *entry)
{
#ifdef MMIRROR_TEST_HOOKS
	unsigned int n = READ_ONCE(mmirror_test_hostile_writes);

	if (n) {
		WRITE_ONCE(mmirror_test_hostile_writes, n - 1);
		WRITE_ONCE(*entry, READ_ONCE(*entry) ^ MMIRROR_PTE_ACCESSED);
	}
#endif
}

static void mmirror_region_free(struct kref *ref)
{
	struct mmirror_shadow *r = container_of(ref, struct mmirror_shadow, ref);

	vfree(r->table);
	bitmap_free(r->filled);
	/* mmirror_locate may still be reading hva, size, gpa and id under rcu_read_lock() */
	kfree_rcu(r, rcu);
	atomic_dec(&mmirror_live_regions);
}

void mmirror_region_put(struct mmirror_shadow *r)
{
	kref_put(&r->ref, mmirror_region_free);
}

/*
 * Invalidations that only take write permission away from the same page downgrade the entry:
 * it stays present with its PFN and A/D bits, loses WRITE, and gets DOWNGRADED and the cause.
 * PROTECTION_PAGE (fork's COW write-protect, writeback's folio_mkclean) and SOFT_DIRTY
 * (clear_refs) never change the page. PROTECTION_VMA does when the VMA keeps VM_READ (mprotect
 * to read-only, userfaultfd write-protect), which only 6.1-6.2 can tell (range->vma is gone in
 * 6.3): later kernels clear. NUMA hinting is PROTECTION_VMA with VM_READ kept, so it downgrades
 * too although the host PTE becomes PROT_NONE: safe, because the PTE still holds the same frame
 * and NUMA migration of it comes as MIGRATE, which clears; the table only loses the hinting
 * fault's view of our accesses, which it never had. UNMAP, CLEAR, MIGRATE and anything unknown
 * clear.
 */
static bool mmirror_downgrades(const struct mmu_notifier_range *range)
{
#ifdef MMIRROR_BUG_NO_DOWNGRADE
	/* Not a bug: API version 2's clear on every event, built to measure what downgrading saves. */
	return false;
#endif
	switch (range->event) {
	case MMU_NOTIFY_PROTECTION_PAGE:
	case MMU_NOTIFY_SOFT_DIRTY:
		return true;
	case MMU_NOTIFY_PROTECTION_VMA:
		return mmirror_range_to_read_only(range);
#ifdef MMIRROR_BUG_DOWNGRADE_CLEAR
	case MMU_NOTIFY_CLEAR:
		return true;
#endif
	default:
		return false;
	}
}

/* Returns 1 if the entry was present. Bounded against userspace's A/D writes like install. */
static u32 mmirror_downgrade_entry(u64 *entry, u64 cause)
{
	unsigned int tries;
	u64 old, new;

	for (tries = 0; tries < MMIRROR_INSTALL_TRIES; tries++) {
		old = READ_ONCE(*entry);
		if (!(old & MMIRROR_PTE_PRESENT))
			return 0;
		new = (old & ~(MMIRROR_PTE_WRITE | MMIRROR_PTE_CAUSE_MASK)) |
		      MMIRROR_PTE_DOWNGRADED | cause;
		mmirror_test_hostile_write(entry);
		if (cmpxchg(entry, old, new) == old)
			return 1;
	}
	/* Clearing is always safe. */
	return !!(xchg(entry, cause) & MMIRROR_PTE_PRESENT);
}

/*
 * The longest stretch with mf->lock held (preemption off) in an invalidation, for the stats.
 * local_clock(): one CPU throughout, and no clocksource read (the HPET in the box, an emulated MMIO
 * access each, twice per invalidation).
 */
static void mmirror_note_locked(struct mmirror_file *mf, u64 since)
{
	u64 ns = local_clock() - since;

	if (ns > atomic64_read(&mf->max_locked_ns))
		atomic64_set(&mf->max_locked_ns, ns);
}

/*
 * Between chunks of a blockable invalidation: lets a waiter or the scheduler in, as KVM does. A
 * populate that takes the lock meanwhile sees the new sequence and retries.
 */
static void mmirror_clear_yield(struct mmirror_file *mf, u64 *locked_since)
{
	if (!need_resched() && !spin_needbreak(&mf->lock))
		return;
	mmirror_note_locked(mf, *locked_since);
	spin_unlock(&mf->lock);
	cond_resched();
	spin_lock(&mf->lock);
	*locked_since = local_clock();
}

/*
 * Clears the entries for hva [start, end) (inside the region), widened to whole huge pages where
 * the edge entries are huge. Called with mf->lock held. Fills ev's gpa range and page count.
 * Chunks that populate never filled since they were last cleared whole are skipped, so the cost
 * follows what is present, not the size of the range. With locked_since, the stretch under
 * the lock is timed from the first filled chunk on (*locked_since 0: not started; a clear that
 * finds no chunk filled is a few bit tests, and two clock reads were most of its cost), and with
 * yield (blockable callers only) the lock may be dropped between chunks.
 */
static void __mmirror_region_clear(struct mmirror_shadow *r, unsigned long start, unsigned long end,
				   struct mmirror_event *ev, u64 *locked_since, bool yield,
				   bool downgrade)
{
	unsigned long i0 = (start - r->hva) >> PAGE_SHIFT;
	unsigned long i1 = (end - r->hva + PAGE_SIZE - 1) >> PAGE_SHIFT;
	u64 cause = mmirror_cause(ev->event);
	unsigned long i, next, c;
	u32 pages = 0;

#ifndef MMIRROR_BUG_HUGE_PARTIAL
	if (READ_ONCE(r->table[i0]) & MMIRROR_PTE_HUGE) {
		i0 = mmirror_huge_start(r, i0);
		ev->flags |= MMIRROR_EVF_HUGE;
	}
	if (i1 > i0 && (READ_ONCE(r->table[i1 - 1]) & MMIRROR_PTE_HUGE)) {
		i1 = min(mmirror_huge_start(r, i1 - 1) + HUGE_ENTRIES, r->size >> PAGE_SHIFT);
		ev->flags |= MMIRROR_EVF_HUGE;
	}
#endif
#ifdef MMIRROR_BUG_LAST_PAGE
	if (i1 > i0 + 1)
		i1--;
#endif
	for (i = i0; i < i1; i = next) {
		c = i / MMIRROR_CHUNK;
		next = min((c + 1) * MMIRROR_CHUNK, i1);
#ifdef MMIRROR_BUG_PARTIAL_CLEAR
		if (i >= i0 + MMIRROR_CHUNK)
			break;
#endif
		if (!test_bit(c, r->filled))
			continue;
		if (locked_since && !*locked_since)
			*locked_since = local_clock();
		/* Only a clear of the whole chunk proves it empty. */
		if (!downgrade && i == c * MMIRROR_CHUNK &&
		    (next == (c + 1) * MMIRROR_CHUNK || next == r->size >> PAGE_SHIFT))
			__clear_bit(c, r->filled);
		for (; downgrade && i < next; i++)
			pages += mmirror_downgrade_entry(&r->table[i], cause);
		for (; i < next; i++) {
#ifdef MMIRROR_BUG_HUGE_PARTIAL
			if (i != i0 && (READ_ONCE(r->table[i]) & MMIRROR_PTE_HUGE))
				continue;
#endif
			if (xchg(&r->table[i], cause) & MMIRROR_PTE_PRESENT)
				pages++;
		}
		if (yield && next < i1)
			mmirror_clear_yield(r->mf, locked_since);
	}
	ev->gpa_start = r->gpa + ((u64)i0 << PAGE_SHIFT);
	ev->gpa_end = r->gpa + ((u64)i1 << PAGE_SHIFT);
	ev->pages = pages;
	ev->region = r->id;
}

void mmirror_region_clear(struct mmirror_shadow *r, unsigned long start, unsigned long end,
			  struct mmirror_event *ev)
{
	__mmirror_region_clear(r, start, end, ev, NULL, false, false);
}

static bool mmirror_invalidate(struct mmu_interval_notifier *ni,
			       const struct mmu_notifier_range *range, unsigned long cur_seq)
{
	struct mmirror_shadow *r = container_of(ni, struct mmirror_shadow, notifier);
	struct mmirror_file *mf = r->mf;
	unsigned long start = max(range->start, r->hva);
	unsigned long end = min(range->end, r->hva + r->size);
	struct mmirror_event ev = {
		.hva_start = range->start,
		.hva_end = range->end,
		.callback = MMIRROR_CB_INVALIDATE,
		.event = range->event,
	};
	bool blockable = mmu_notifier_range_blockable(range);
	bool downgrade = mmirror_downgrades(range);
	u64 since = 0;

#ifdef MMIRROR_BUG_EVENTS_SKIPPED
	if (range->event == MMU_NOTIFY_PROTECTION_VMA ||
	    range->event == MMU_NOTIFY_PROTECTION_PAGE || range->event == MMU_NOTIFY_SOFT_DIRTY)
		return true;
#endif
	if (blockable)
		ev.flags |= MMIRROR_EVF_BLOCKABLE;
	else
		atomic64_inc(&mf->nonblockable);
#ifdef MMIRROR_BUG_MUTEX_IN_INVALIDATE
	/*
	 * Planted: the ioctls hold mf->mutex around GFP_KERNEL allocations, and reclaim runs
	 * invalidations, so this can deadlock; only lockdep on the debug kernel sees it.
	 */
	if (blockable) {
		mutex_lock(&mf->mutex);
		mutex_unlock(&mf->mutex);
	}
#endif
	/* Only a spinlock, dropped only when blockable: the OOM reaper may not block. */
	spin_lock(&mf->lock);
#ifdef MMIRROR_BUG_ALLOC_UNDER_LOCK
	/* Planted: an allocation that may sleep, under a spinlock (might_sleep's report). */
	kfree(kmalloc(64, GFP_KERNEL));
#endif
	mmu_interval_set_seq(ni, cur_seq);
	if (start < end)
		__mmirror_region_clear(r, start, end, &ev, &since, blockable, downgrade);
	if (since)
		mmirror_note_locked(mf, since);
	spin_unlock(&mf->lock);

	atomic64_inc(&mf->callbacks[MMIRROR_CB_INVALIDATE]);
	if ((unsigned int)range->event < MMIRROR_EV_MAX)
		atomic64_inc(&mf->events[range->event]);
	if (downgrade) {
		ev.flags |= MMIRROR_EVF_DOWNGRADE;
		atomic64_add(ev.pages, &mf->pages_downgraded);
	} else {
		atomic64_add(ev.pages, &mf->pages_invalidated);
	}
	mmirror_ring_log(mf, &ev);
	return true;
}

/* The UAPI copies the kernel's event numbers. */
static_assert((int)MMIRROR_EV_UNMAP == (int)MMU_NOTIFY_UNMAP);
static_assert((int)MMIRROR_EV_RELEASE == (int)MMU_NOTIFY_RELEASE);
static_assert((int)MMIRROR_EV_EXCLUSIVE == (int)MMU_NOTIFY_EXCLUSIVE);

static const struct mmu_interval_notifier_ops mmirror_interval_ops = {
	.invalidate = mmirror_invalidate,
};

static int mmirror_region_check(struct mmirror_file *mf, const struct mmirror_region *req)
{
	unsigned int i;

	if (req->flags || req->reserved || !req->size)
		return -EINVAL;
	if (!PAGE_ALIGNED(req->hva) || !PAGE_ALIGNED(req->size) || !PAGE_ALIGNED(req->gpa))
		return -EINVAL;
	if (req->hva + req->size < req->hva || req->hva + req->size > TASK_SIZE)
		return -EINVAL;
	if (req->gpa + req->size < req->gpa || req->gpa + req->size > MMIRROR_GPA_LIMIT)
		return -EINVAL;
	for (i = 0; i < MMIRROR_MAX_REGIONS; i++) {
		struct mmirror_shadow *r = mf->regions[i];

		if (!r)
			continue;
		if (req->hva < r->hva + r->size && r->hva < req->hva + req->size)
			return -EINVAL;
		if (req->gpa < r->gpa + r->size && r->gpa < req->gpa + req->size)
			return -EINVAL;
	}
	if (mf->nregions >= MMIRROR_MAX_REGIONS || req->size > mmirror_max_total ||
	    mf->total_size + req->size > mmirror_max_total)
		return -ENOSPC;
	return 0;
}

static struct mmirror_shadow *mmirror_region_alloc(struct mmirror_file *mf,
						   const struct mmirror_region *req)
{
	struct mmirror_shadow *r = kzalloc(sizeof(*r), GFP_KERNEL_ACCOUNT);

	if (!r)
		return NULL;
	r->table_bytes = PAGE_ALIGN((req->size >> PAGE_SHIFT) * sizeof(u64));
	r->table = mmirror_alloc_user(r->table_bytes);
	r->filled = bitmap_zalloc(DIV_ROUND_UP(req->size >> PAGE_SHIFT, MMIRROR_CHUNK),
				  GFP_KERNEL_ACCOUNT);
	if (!r->table || !r->filled) {
		vfree(r->table);
		bitmap_free(r->filled);
		kfree(r);
		return NULL;
	}
	r->mf = mf;
	kref_init(&r->ref);
	r->hva = req->hva;
	r->size = req->size;
	r->gpa = req->gpa;
	atomic_inc(&mmirror_live_regions);
	return r;
}

/* After a change to the region set, under mf->lock: what mmirror_locate reads without it. */
static void mmirror_regions_changed(struct mmirror_file *mf)
{
	unsigned long lo = ULONG_MAX, hi = 0;
	unsigned int i, end = 0;

	lockdep_assert_held(&mf->lock);
	for (i = 0; i < MMIRROR_MAX_REGIONS; i++) {
		struct mmirror_shadow *r = mf->regions[i];

		if (!r)
			continue;
		lo = min(lo, r->hva);
		hi = max(hi, r->hva + r->size);
		end = i + 1;
	}
	WRITE_ONCE(mf->span_start, lo);
	WRITE_ONCE(mf->span_end, hi);
	WRITE_ONCE(mf->slots_end, end);
}

static void mmirror_region_unlink(struct mmirror_file *mf, struct mmirror_shadow *r)
{
	unsigned long i, n = r->size >> PAGE_SHIFT;
	u64 cause = mmirror_cause(MMIRROR_EV_UNMAP);

	spin_lock(&mf->lock);
	WRITE_ONCE(mf->regions[r->id], NULL);
	mf->nregions--;
	mf->total_size -= r->size;
	mmirror_regions_changed(mf);
	spin_unlock(&mf->lock);
	/* Waits for a running invalidate of this region; none comes after. */
	mmu_interval_notifier_remove(&r->notifier);
	/*
	 * A mapping may keep the table: with no notifier left nothing would ever clear it, so it
	 * holds no present entry from here on.
	 */
	for (i = 0; i < n; i++) {
		WRITE_ONCE(r->table[i], cause);
		if (!(i % MMIRROR_POPULATE_CHUNK))
			cond_resched();
	}
	mmirror_region_put(r);
}

long mmirror_add_region(struct mmirror_file *mf, struct mmirror_region __user *arg)
{
	struct mmirror_region req;
	struct mmirror_shadow *r;
	unsigned int slot;
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	mutex_lock(&mf->mutex);
	ret = mmirror_region_check(mf, &req);
	if (ret)
		goto out;
	for (slot = 0; mf->regions[slot]; slot++)
		;
	ret = -ENOMEM;
	r = mmirror_region_alloc(mf, &req);
	if (!r)
		goto out;
	r->id = slot;
	ret = mmu_interval_notifier_insert(&r->notifier, mf->mm, r->hva, r->size,
					   &mmirror_interval_ops);
	if (ret) {
		mmirror_region_put(r);
		goto out;
	}
	spin_lock(&mf->lock);
	/* Lock-free readers (mmirror_locate) see the fields set above once they see r. */
	smp_store_release(&mf->regions[slot], r);
	mmirror_regions_changed(mf);
	mf->nregions++;
	mf->total_size += r->size;
	spin_unlock(&mf->lock);

	req.id = slot;
	req.table_offset = ((u64)slot + 1) << MMIRROR_TABLE_SHIFT;
	req.table_size = r->table_bytes;
	if (copy_to_user(arg, &req, sizeof(req))) {
		mmirror_region_unlink(mf, r);
		ret = -EFAULT;
	}
out:
	mutex_unlock(&mf->mutex);
	return ret;
}

long mmirror_del_region(struct mmirror_file *mf, u64 gpa)
{
	unsigned int i;
	long ret = -ENOENT;

	mutex_lock(&mf->mutex);
	for (i = 0; i < MMIRROR_MAX_REGIONS; i++) {
		if (mf->regions[i] && mf->regions[i]->gpa == gpa) {
			mmirror_region_unlink(mf, mf->regions[i]);
			ret = 0;
			break;
		}
	}
	mutex_unlock(&mf->mutex);
	return ret;
}

void mmirror_del_all_regions(struct mmirror_file *mf)
{
	unsigned int i;

	mutex_lock(&mf->mutex);
	for (i = 0; i < MMIRROR_MAX_REGIONS; i++)
		if (mf->regions[i])
			mmirror_region_unlink(mf, mf->regions[i]);
	mutex_unlock(&mf->mutex);
}

/* For mmap, which runs under the mmap lock and so must not take mf->mutex. */
struct mmirror_shadow *mmirror_region_by_offset(struct mmirror_file *mf, unsigned long pgoff)
{
	u64 off = (u64)pgoff << PAGE_SHIFT;
	struct mmirror_shadow *r = NULL;
	u64 slot = (off >> MMIRROR_TABLE_SHIFT) - 1;

	if (off & ((1ULL << MMIRROR_TABLE_SHIFT) - 1) || !off || slot >= MMIRROR_MAX_REGIONS)
		return NULL;
	spin_lock(&mf->lock);
	r = mf->regions[slot];
	if (r)
		kref_get(&r->ref);
	spin_unlock(&mf->lock);
	return r;
}

static u64 mmirror_entry_from_hmm(struct mmirror_file *mf, unsigned long p, u64 old)
{
	u64 e = MMIRROR_PTE_PRESENT | (old & MMIRROR_PTE_CAUSE_MASK);

	if (p & HMM_PFN_WRITE)
		e |= MMIRROR_PTE_WRITE;
	if (hmm_pfn_to_map_order(p) >= PMD_SHIFT - PAGE_SHIFT)
		e |= MMIRROR_PTE_HUGE;
	if (mf->show_pfn)
		e |= ((u64)(p & ~HMM_PFN_FLAGS) << MMIRROR_PTE_PFN_SHIFT) & MMIRROR_PTE_PFN_MASK;
	/* Still present means no invalidation came between: same page, keep what userspace set. */
	if (old & MMIRROR_PTE_PRESENT)
		e |= old & (MMIRROR_PTE_ACCESSED | MMIRROR_PTE_DIRTY);
	return e;
}

/* Called with mf->lock held and the sequence checked: installs what hmm found at idx. */
static unsigned long mmirror_install(struct mmirror_shadow *r, unsigned long idx,
				     unsigned long *pfns, unsigned long n)
{
	struct mmirror_file *mf = r->mf;
	u64 *table = r->table + idx;
	unsigned long i, pages = 0;

	for (i = 0; i < n; i++) {
		unsigned int tries;
		u64 old, e;

		if (!(pfns[i] & HMM_PFN_VALID) || (pfns[i] & HMM_PFN_ERROR))
			continue;
		/*
		 * Userspace may write the word at any time: a few tries to keep its A/D bits,
		 * then the entry is written anyway, so the time under mf->lock stays bounded.
		 */
		for (tries = 0; tries < MMIRROR_INSTALL_TRIES; tries++) {
			old = READ_ONCE(table[i]);
			e = mmirror_entry_from_hmm(mf, pfns[i], old);
			mmirror_test_hostile_write(&table[i]);
			if (cmpxchg(&table[i], old, e) == old)
				break;
		}
		if (tries == MMIRROR_INSTALL_TRIES)
			WRITE_ONCE(table[i], mmirror_entry_from_hmm(mf, pfns[i], 0));
		__set_bit((idx + i) / MMIRROR_CHUNK, r->filled);
		pages++;
	}
	return pages;
}

static long mmirror_populate_chunk(struct mmirror_shadow *r, unsigned long idx, unsigned long n,
				   u32 flags, unsigned long *pfns, u64 *retries)
{
	struct mmirror_file *mf = r->mf;
	struct hmm_range range = {
		.notifier = &r->notifier,
		.start = r->hva + (idx << PAGE_SHIFT),
		.end = r->hva + ((idx + n) << PAGE_SHIFT),
		.hmm_pfns = pfns,
	};
	unsigned long timeout = jiffies + msecs_to_jiffies(HMM_RANGE_DEFAULT_TIMEOUT);
	long ret;

	if (flags & MMIRROR_POPULATE_FAULT)
		range.default_flags = HMM_PFN_REQ_FAULT;
	if (flags & MMIRROR_POPULATE_WRITE)
		range.default_flags |= HMM_PFN_REQ_FAULT | HMM_PFN_REQ_WRITE;
	/* An invalidation storm may collide forever: any signal or the timeout ends it. */
	for (;; cond_resched()) {
		if (signal_pending(current))
			return -EINTR;
		if (time_after(jiffies, timeout))
			return -EBUSY;
		range.notifier_seq = mmu_interval_read_begin(&r->notifier);
		if (mmap_read_lock_killable(mf->mm))
			return -EINTR;
		ret = hmm_range_fault(&range);
		mmap_read_unlock(mf->mm);
		if (ret == -EBUSY) {
			(*retries)++;
			continue;
		}
		if (ret)
			return ret;
		mmirror_test_populate_pause();
		spin_lock(&mf->lock);
#ifndef MMIRROR_BUG_POPULATE_NO_RETRY
		if (mmu_interval_read_retry(&r->notifier, range.notifier_seq)) {
			spin_unlock(&mf->lock);
			(*retries)++;
			continue;
		}
#endif
		ret = mmirror_install(r, idx, pfns, n);
		spin_unlock(&mf->lock);
		return ret;
	}
}

static struct mmirror_shadow *mmirror_region_covering(struct mmirror_file *mf, u64 gpa, u64 len)
{
	unsigned int i;

	for (i = 0; i < MMIRROR_MAX_REGIONS; i++) {
		struct mmirror_shadow *r = mf->regions[i];

		if (r && gpa >= r->gpa && gpa - r->gpa < r->size && len <= r->size - (gpa - r->gpa))
			return r;
	}
	return NULL;
}

static long mmirror_populate_region(struct mmirror_shadow *r, struct mmirror_populate *req)
{
	unsigned long idx = (req->gpa - r->gpa) >> PAGE_SHIFT;
	unsigned long end = idx + (req->len >> PAGE_SHIFT);
	unsigned long *pfns;
	long ret = 0;

	pfns = kvmalloc_array(MMIRROR_POPULATE_CHUNK, sizeof(*pfns), GFP_KERNEL);
	if (!pfns)
		return -ENOMEM;
	while (idx < end) {
		unsigned long n = min(end - idx, MMIRROR_POPULATE_CHUNK);

		ret = mmirror_populate_chunk(r, idx, n, req->flags, pfns, &req->retries);
		if (ret < 0)
			break;
		req->pages += ret;
		idx += n;
		ret = 0;
		cond_resched();
	}
	kvfree(pfns);
	return ret;
}

long mmirror_populate(struct mmirror_file *mf, struct mmirror_populate __user *arg)
{
	struct mmirror_populate req;
	struct mmirror_shadow *r;
	long ret;

	if (copy_from_user(&req, arg, sizeof(req)))
		return -EFAULT;
	if ((req.flags & ~MMIRROR_POPULATE_FLAGS) || req.reserved || !req.len ||
	    !PAGE_ALIGNED(req.gpa) || !PAGE_ALIGNED(req.len))
		return -EINVAL;
	req.pages = 0;
	req.retries = 0;
	if (!mmget_not_zero(mf->mm))
		return -ESRCH;
	mutex_lock(&mf->mutex);
	r = mmirror_region_covering(mf, req.gpa, req.len);
	ret = r ? mmirror_populate_region(r, &req) : -EINVAL;
	mutex_unlock(&mf->mutex);
	mmput(mf->mm);

	atomic64_inc(&mf->populates);
	atomic64_add(req.pages, &mf->populate_pages);
	atomic64_add(req.retries, &mf->populate_retries);
	if (copy_to_user(arg, &req, sizeof(req)) && !ret)
		ret = -EFAULT;
	return ret;
}
