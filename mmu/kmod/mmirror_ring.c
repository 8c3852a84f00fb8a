// SPDX-License-Identifier: GPL-2.0
/*
 * The event ring: a single-producer ring mmap'd into the VMM. The producer runs inside notifier
 * callbacks, so it only takes a spinlock; when the consumer lags, records are dropped and counted,
 * and the sequence number still advances so the reader sees the gap.
 *
 * Ageing comes in sweeps: MGLRU's page-table walks and reclaim's rmap walks ask about one page
 * after the next, tens of thousands of callbacks while the VMM may not get a CPU, and one record
 * each overflowed any ring of sane size. So the last ageing record is held back (ring->pend) and
 * the next ageing callback of the same kind that continues its range with the same answer is
 * merged into it (calls, pages and the range grow). Every fact stays: which callback, which pages
 * in order, what the answer was, how many calls. The held record is stored before any other
 * record (order is kept) and whenever a reader asks (poll, GET_STATS), so a reader never waits for
 * it; a merge wakes a sleeping reader as a store would.
 *
 * A region invalidation is held back the same way, so that the plain notifier's range_start and
 * range_end of the same invalidation fold into its record as flags (mmirror_ring_fold): one record
 * where there were three, with every fact of the three (the start and end records repeated the
 * invalidation's range, event and blockability, and carried no pages).
 *
 * A reader sleeping in poll() is woken at most once a jiffy (ring->wake_work), or at once when a
 * quarter of the ring is waiting. Woken for every record, the reader (the VMM's loop) drained one
 * record per wake-up, with a clock read in each poll: a CPU shared with the notifier's caller
 * switched to the reader up to four times per page of MADV_PAGEOUT, which cost more than
 * everything else the mirror does (mmirror-bench). A reader that polls with timeout 0 (libmmu's
 * mmu_drain) sees every stored record at once, as before.
 */
#include <linux/ktime.h>
#include <linux/sched/clock.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/vmalloc.h>

#include "mmirror.h"

static void mmirror_ring_wake(struct work_struct *work)
{
	struct mmirror_ring_state *ring =
		container_of(to_delayed_work(work), struct mmirror_ring_state, wake_work);

	wake_up_interruptible_poll(&ring->wait, EPOLLIN | EPOLLRDNORM);
}

int mmirror_ring_init(struct mmirror_ring_state *ring, u32 nrec)
{
	size_t bytes = PAGE_SIZE + (size_t)nrec * sizeof(struct mmirror_event);

	spin_lock_init(&ring->lock);
	init_waitqueue_head(&ring->wait);
	INIT_DELAYED_WORK(&ring->wake_work, mmirror_ring_wake);
	ring->closing = false;
	ring->bytes = PAGE_ALIGN(bytes);
	ring->shared = mmirror_alloc_user(ring->bytes);
	if (!ring->shared)
		return -ENOMEM;
	ring->records = (struct mmirror_event *)((char *)ring->shared + PAGE_SIZE);
	ring->nrec = nrec;
	ring->head = 0;
	ring->stored = 0;
	ring->lost = 0;
	ring->merged = 0;
	ring->folded = 0;
	ring->seq = 0;
	ring->pending = false;
	ring->clock_off = ktime_get_ns() - local_clock();
	ring->last_ns = 0;
	ring->shared->version = MMIRROR_API_VERSION;
	ring->shared->records = nrec;
	ring->shared->record_size = sizeof(struct mmirror_event);
	return 0;
}

/*
 * The file is being released: nobody can poll any more, and the ring (freed with the notifier,
 * later, from an SRCU callback) must have no wake-up queued by then.
 */
void mmirror_ring_close(struct mmirror_ring_state *ring)
{
	spin_lock(&ring->lock);
	ring->closing = true;
	spin_unlock(&ring->lock);
	cancel_delayed_work_sync(&ring->wake_work);
}

void mmirror_ring_free(struct mmirror_ring_state *ring)
{
	vfree(ring->shared);
	ring->shared = NULL;
}

/*
 * CLOCK_MONOTONIC for a record, from local_clock() plus an offset taken when the ring was made
 * and again whenever a reader polls. ktime_get_ns() reads the clocksource, and where that is the
 * HPET (the box: QEMU's TCG marks the TSC unstable) each read is an emulated MMIO access: one per
 * record was most of the ring's cost. local_clock() reads the TSC. Between two polls the times
 * drift from CLOCK_MONOTONIC by the clocks' rate difference (ppm); they never go backwards in
 * sequence order. Under ring->lock.
 */
static u64 mmirror_ring_time(struct mmirror_ring_state *ring)
{
	u64 t = local_clock() + READ_ONCE(ring->clock_off);

	if (t < ring->last_ns)
		t = ring->last_ns;
	ring->last_ns = t;
	return t;
}

/*
 * Stores one record (seq assigned here, in store order), or counts it lost. With stamp, the time
 * is taken here, and only for a record that is stored. Under ring->lock.
 */
static bool mmirror_ring_store(struct mmirror_file *mf, struct mmirror_event *ev, bool stamp)
{
	struct mmirror_ring_state *ring = &mf->ring;
	u64 tail;

	ev->seq = ++ring->seq;
	/* The tail is the consumer's: a nonsense value reads as a full ring, never as space. */
	/* Pairs with the reader's release store of tail: it is done with those slots. */
	tail = smp_load_acquire(&ring->shared->tail);
	if (ring->head - tail < ring->nrec) {
		if (stamp)
			ev->time_ns = mmirror_ring_time(ring);
		ring->records[ring->head % ring->nrec] = *ev;
		ring->head++;
		/* Pairs with the reader's acquire load of head: the record is visible first. */
		smp_store_release(&ring->shared->head, ring->head);
		WRITE_ONCE(ring->stored, ring->stored + 1);
		return true;
	}
	WRITE_ONCE(ring->shared->lost, READ_ONCE(ring->shared->lost) + 1);
	WRITE_ONCE(ring->lost, ring->lost + 1);
	return false;
}

static bool mmirror_ring_ages(const struct mmirror_event *ev)
{
	return ev->callback == MMIRROR_CB_CLEAR_FLUSH_YOUNG ||
	       ev->callback == MMIRROR_CB_CLEAR_YOUNG || ev->callback == MMIRROR_CB_TEST_YOUNG;
}

static bool mmirror_ring_mergeable(const struct mmirror_event *pend, const struct mmirror_event *ev)
{
	return mmirror_ring_ages(ev) && pend->callback == ev->callback &&
	       pend->event == ev->event && pend->flags == ev->flags && pend->young == ev->young &&
	       pend->region == ev->region && pend->hva_end == ev->hva_start &&
	       pend->gpa_end == ev->gpa_start && pend->calls < U32_MAX &&
	       (u64)pend->pages + ev->pages <= U32_MAX;
}

/*
 * The flag that folds ev (the plain notifier's range_start or range_end) into the held record of
 * the region invalidation it belongs to, or 0. The kernel calls interval notifiers before plain
 * ones, so an invalidation of one region arrives as invalidate, range_start, range_end, all with
 * its range, event and blockability: the start folds into an invalidate that has neither flag,
 * the end into one that has the start. Anything else between them (another thread's callback)
 * stores the held record first, and the start or end gets a record of its own.
 */
static u8 mmirror_ring_fold(const struct mmirror_event *pend, const struct mmirror_event *ev)
{
	u8 flag, want;

	if (ev->callback == MMIRROR_CB_RANGE_START) {
		flag = MMIRROR_EVF_RANGE_START;
		want = 0;
	} else if (ev->callback == MMIRROR_CB_RANGE_END) {
		flag = MMIRROR_EVF_RANGE_END;
		want = MMIRROR_EVF_RANGE_START;
	} else {
		return 0;
	}
	if (pend->callback != MMIRROR_CB_INVALIDATE ||
	    (pend->flags & (MMIRROR_EVF_RANGE_START | MMIRROR_EVF_RANGE_END)) != want)
		return 0;
#ifndef MMIRROR_BUG_FOLD_ANY_RANGE
	if (pend->hva_start != ev->hva_start || pend->hva_end != ev->hva_end)
		return 0;
#endif
	if (pend->event != ev->event || pend->region != ev->region ||
	    (pend->flags & MMIRROR_EVF_BLOCKABLE) != (ev->flags & MMIRROR_EVF_BLOCKABLE))
		return 0;
	return flag;
}

/*
 * Whether ev is held back: ageing records for merging, a region invalidation for folding its
 * range_start and range_end (unless the reader asked for no such records).
 */
static bool mmirror_ring_holds(const struct mmirror_event *ev, u64 flags)
{
	if (ev->callback == MMIRROR_CB_INVALIDATE)
		return !(flags & MMIRROR_F_NO_TRACE);
	return mmirror_ring_ages(ev);
}

/* Stores the held record, if any. Under ring->lock. */
static void mmirror_ring_commit(struct mmirror_file *mf)
{
	struct mmirror_ring_state *ring = &mf->ring;

	if (!ring->pending)
		return;
	WRITE_ONCE(ring->pending, false);
	mmirror_ring_store(mf, &ring->pend, false);
}

bool mmirror_ring_readable(struct mmirror_file *mf)
{
	struct mmirror_ring_state *ring = &mf->ring;

	/* Once per read, not per record: see mmirror_ring_time(). */
	WRITE_ONCE(ring->clock_off, ktime_get_ns() - local_clock());
	if (READ_ONCE(ring->pending)) {
		spin_lock(&ring->lock);
		mmirror_ring_commit(mf);
		spin_unlock(&ring->lock);
	}
	return READ_ONCE(ring->shared->tail) != READ_ONCE(ring->head);
}

/*
 * Fills in seq, time and calls; everything else is the caller's. Nothing with MMIRROR_F_NO_RING
 * (the benchmark's measure of what the ring costs).
 */
void mmirror_ring_log(struct mmirror_file *mf, struct mmirror_event *ev)
{
	struct mmirror_ring_state *ring = &mf->ring;
	u64 flags = READ_ONCE(mf->flags);
	bool wake_now = false;
	u8 fold;

	if (flags & MMIRROR_F_NO_RING)
		return;
	ev->calls = 1;
	/*
	 * Notifier callbacks, poll and ioctls all run in process context, never in an interrupt: no
	 * need to pay for turning interrupts off on every record.
	 */
	spin_lock(&ring->lock);
	fold = ring->pending ? mmirror_ring_fold(&ring->pend, ev) : 0;
	if (fold) {
		ring->pend.flags |= fold;
		WRITE_ONCE(ring->folded, ring->folded + 1);
		/* The invalidation is over: nothing more folds into it. */
		if (fold == MMIRROR_EVF_RANGE_END)
			mmirror_ring_commit(mf);
		spin_unlock(&ring->lock);
		/* No wake-up to arrange: holding the invalidation did, and a poll since stored it. */
		return;
	}
	if (ring->pending && mmirror_ring_mergeable(&ring->pend, ev)) {
		ring->pend.hva_end = ev->hva_end;
		ring->pend.gpa_end = ev->gpa_end;
		ring->pend.pages += ev->pages;
		ring->pend.calls++;
		WRITE_ONCE(ring->merged, ring->merged + 1);
	} else {
		mmirror_ring_commit(mf);
		/* Times are taken under the lock, so that they follow sequence numbers. */
		if (mmirror_ring_holds(ev, flags)) {
			ev->time_ns = mmirror_ring_time(ring);
			ring->pend = *ev;
			WRITE_ONCE(ring->pending, true);
		} else {
			mmirror_ring_store(mf, ev, true);
		}
	}
	/* A held record counts: the reader's poll stores it. */
	if (wq_has_sleeper(&ring->wait) && !ring->closing) {
		if (ring->head - READ_ONCE(ring->shared->tail) >= ring->nrec / 4)
			wake_now = true;
		else if (!delayed_work_pending(&ring->wake_work))
			schedule_delayed_work(&ring->wake_work, 1);
	}
	spin_unlock(&ring->lock);
	if (wake_now)
		wake_up_interruptible_poll(&ring->wait, EPOLLIN | EPOLLRDNORM);
}
