/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mmirror internals. Locking: mf->mutex serialises ioctls that change the region set; mf->lock (a
 * spinlock, taken in notifier callbacks) protects the region array and every table update made
 * by the kernel; mf->ring.lock protects the ring producer. Callbacks never sleep.
 *
 * The region array is also read without mf->lock (mmirror_locate, for the trace records): a
 * region is published with smp_store_release after its fields are set, unpublished under mf->lock,
 * and its struct freed after an RCU grace period, so a lock-free reader under rcu_read_lock()
 * may read the immutable hva, size, gpa and id of a region it found; never its table.
 */
#ifndef MMIRROR_H
#define MMIRROR_H

#include <linux/atomic.h>
#include <linux/kref.h>
#include <linux/mmu_notifier.h>
#include <linux/mutex.h>
#include <linux/rcupdate.h>
#include <linux/spinlock.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

#include "mmirror_compat.h"
#include "mmirror_uapi.h"

struct mmirror_file;

struct mmirror_shadow {
	struct mmu_interval_notifier notifier;
	struct rcu_head rcu; /* the struct is freed after a grace period: see mmirror_locate */
	struct mmirror_file *mf;
	struct kref ref; /* the region set's, plus one per mapping of the table */
	unsigned long hva;
	unsigned long size;
	u64 gpa;
	u32 id;
	u64 *table; /* mmirror_alloc_user, size / PAGE_SIZE entries */
	unsigned long table_bytes;
	/* one bit per 512 entries: set by populate, cleared by a clear of the whole chunk */
	unsigned long *filled;
};

struct mmirror_ring_state {
	spinlock_t lock;
	struct mmirror_ring *shared; /* mmirror_alloc_user: header page, then records */
	unsigned long bytes;
	struct mmirror_event *records;
	u32 nrec;
	u64 head; /* the module's own copy: userspace may scribble on the shared one */
	u64 seq;
	s64 clock_off; /* CLOCK_MONOTONIC - local_clock(), refreshed by readers */
	u64 last_ns; /* the last record's time: times never go backwards */
	bool pending; /* pend holds a record not stored yet (mmirror_ring.c) */
	struct mmirror_event pend;
	wait_queue_head_t wait;
	struct delayed_work wake_work; /* a sleeping reader's wake, deferred (mmirror_ring.c) */
	bool closing; /* under lock: the file is being released, nothing wakes any more */
	/* under lock (no atomics on the path of every callback), read without it by GET_STATS */
	u64 stored, lost, merged, folded;
};

struct mmirror_file {
	struct mmu_notifier mn; /* freed through mmu_notifier_put -> free_notifier */
	struct mm_struct *mm; /* mmgrab'ed */
	struct mutex mutex;
	spinlock_t lock;
	struct mmirror_shadow *regions[MMIRROR_MAX_REGIONS];
	unsigned int nregions;
	/* under mf->lock, read without it: slots in use are below slots_end */
	unsigned int slots_end;
	/* under mf->lock, read without it: every region lies in hva [span_start, span_end) */
	unsigned long span_start, span_end;
	unsigned int hint; /* the slot of mmirror_locate's last hit, written racily */
	u64 total_size;
	bool show_pfn;
	bool released;
	u64 flags;
	struct mmirror_ring_state ring;
	atomic64_t callbacks[MMIRROR_CB_MAX];
	atomic64_t events[MMIRROR_EV_MAX];
	atomic64_t nonblockable, pages_invalidated, young_answers;
	atomic64_t populates, populate_pages, populate_retries;
	atomic64_t max_locked_ns, pages_downgraded;
};

extern atomic_t mmirror_live_files;
extern atomic_t mmirror_live_regions;
extern atomic_t mmirror_releases;
extern unsigned int mmirror_ring_records;
extern u64 mmirror_max_total;

/* memory mapped into the VMM, charged to the opener's memory cgroup */
void *mmirror_alloc_user(unsigned long bytes);

/* ring */
int mmirror_ring_init(struct mmirror_ring_state *ring, u32 nrec);
void mmirror_ring_free(struct mmirror_ring_state *ring);
void mmirror_ring_close(struct mmirror_ring_state *ring);
void mmirror_ring_log(struct mmirror_file *mf, struct mmirror_event *ev);
bool mmirror_ring_readable(struct mmirror_file *mf);

/* regions */
long mmirror_add_region(struct mmirror_file *mf, struct mmirror_region __user *arg);
long mmirror_del_region(struct mmirror_file *mf, u64 gpa);
void mmirror_del_all_regions(struct mmirror_file *mf);
long mmirror_populate(struct mmirror_file *mf, struct mmirror_populate __user *arg);
void mmirror_region_put(struct mmirror_shadow *r);
struct mmirror_shadow *mmirror_region_by_offset(struct mmirror_file *mf, unsigned long pgoff);
void mmirror_region_clear(struct mmirror_shadow *r, unsigned long start, unsigned long end,
			  struct mmirror_event *ev);

/* the plain notifier */
extern const struct mmu_notifier_ops mmirror_mn_ops;

/* Entries of one host huge mapping (PMD): all of them carry MMIRROR_PTE_HUGE. */
#define MMIRROR_HUGE_ENTRIES (PMD_SIZE >> PAGE_SHIFT)

/* The first entry of the huge mapping entry i belongs to (0 if it starts before the region). */
static inline unsigned long mmirror_huge_start(const struct mmirror_shadow *r, unsigned long i)
{
	unsigned long hva = ALIGN_DOWN(r->hva + (i << PAGE_SHIFT), PMD_SIZE);

	return hva < r->hva ? 0 : (hva - r->hva) >> PAGE_SHIFT;
}

static inline u64 mmirror_cause(int event)
{
	return ((u64)event + 1) << MMIRROR_PTE_CAUSE_SHIFT & MMIRROR_PTE_CAUSE_MASK;
}

#endif
