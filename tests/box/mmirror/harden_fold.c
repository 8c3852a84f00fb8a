// SPDX-License-Identifier: GPL-2.0
/*
 * ring-fold: a region invalidation and the plain notifier's range_start and range_end of the same
 * range arrive as one record (UAPI 5), and no fact is lost or moved when they do not.
 *
 * Part 1, one thread: 64 MADV_DONTNEED calls of one page each. Every page gets exactly one
 * invalidate, one range_start and one range_end, as records or as flags of the invalidate record;
 * most invalidations fold both (only a callback of another thread between them may stop it), and
 * GET_STATS' ring_folded counts exactly the flags the records carry.
 *
 * Part 2, two threads discard pages of their own at the same time (the box has two CPUs), in
 * bursts that fit the ring, drained between bursts. Their callbacks interleave, and each page must
 * still get as many of each fact as it had calls: a start or end folded into the other thread's
 * invalidation moves a fact from one page to another (the planted MMIRROR_BUG_FOLD_ANY_RANGE).
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>

#include "harden.h"

#define FD_PAGES 128 /* part 2: 64 per thread */
#define FD_BURST 512 /* calls per thread per burst: 3 records each at most, 2 threads < 4096 */
#define FD_BURSTS 8

struct fd_facts {
	unsigned int inv[FD_PAGES], start[FD_PAGES], end[FD_PAGES];
	unsigned int folded_flags,
		split; /* flags seen; starts and ends with records of their own */
};

static struct {
	struct mt t;
	pthread_barrier_t go, done;
} fd;

/* Counts the facts of every one-page record in the region; other records are not the test's. */
static void fd_count(struct mt *t, struct fd_facts *f)
{
	size_t i;

	memset(f, 0, sizeof(*f));
	for (i = 0; i < t->nevents; i++) {
		const struct mmirror_event *e = &t->events[i];
		uint64_t page = (e->hva_start - (uintptr_t)t->ram) / MT_PAGE;

		if (e->hva_start < (uintptr_t)t->ram || page >= FD_PAGES ||
		    e->hva_end != e->hva_start + MT_PAGE || e->event != MMIRROR_EV_CLEAR)
			continue;
		if (e->callback == MMIRROR_CB_INVALIDATE) {
			f->inv[page]++;
			f->start[page] += !!(e->flags & MMIRROR_EVF_RANGE_START);
			f->end[page] += !!(e->flags & MMIRROR_EVF_RANGE_END);
			f->folded_flags += !!(e->flags & MMIRROR_EVF_RANGE_START) +
					   !!(e->flags & MMIRROR_EVF_RANGE_END);
		} else if (e->callback == MMIRROR_CB_RANGE_START) {
			f->start[page]++;
			f->split++;
		} else if (e->callback == MMIRROR_CB_RANGE_END) {
			f->end[page]++;
			f->split++;
		}
	}
}

static void fd_check_pages(const struct fd_facts *f, unsigned int pages, unsigned int calls)
{
	unsigned int p;

	for (p = 0; p < pages; p++)
		mt_assert(f->inv[p] == calls && f->start[p] == calls && f->end[p] == calls,
			  "page %u: %u invalidates, %u range_starts, %u range_ends, want %u each",
			  p, f->inv[p], f->start[p], f->end[p], calls);
}

static uint64_t fd_folded(struct mt *t)
{
	struct mmirror_stats st;

	mt_assert(!mmu_get_stats(t->m, &st), "get_stats");
	return st.ring_folded;
}

static void fd_one_thread(struct mt *t)
{
	struct fd_facts f;
	uint64_t before;
	unsigned int p, whole = 0;
	size_t i;

	mt_drain(t);
	mt_clear_events(t);
	before = fd_folded(t);
	for (p = 0; p < 64; p++)
		mt_assert(!madvise(t->ram + p * MT_PAGE, MT_PAGE, MADV_DONTNEED), "madvise");
	mt_drain(t);
	fd_count(t, &f);
	fd_check_pages(&f, 64, 1);
	for (i = 0; i < t->nevents; i++)
		whole += t->events[i].callback == MMIRROR_CB_INVALIDATE &&
			 (t->events[i].flags & MMIRROR_EVF_RANGE_START) &&
			 (t->events[i].flags & MMIRROR_EVF_RANGE_END);
	printf("one thread: 64 calls, %u records with start and end folded, %u of their own\n",
	       whole, f.split);
	mt_assert(whole >= 48, "only %u of 64 invalidations folded their start and end", whole);
	mt_assert(fd_folded(t) - before == f.folded_flags,
		  "ring_folded grew by %llu, the records carry %u folded flags",
		  (unsigned long long)(fd_folded(t) - before), f.folded_flags);
}

static void *fd_worker(void *arg)
{
	uint8_t *base = fd.t.ram + (uintptr_t)arg * 64 * MT_PAGE;
	unsigned int b, i;

	for (b = 0; b < FD_BURSTS; b++) {
		pthread_barrier_wait(&fd.go);
		for (i = 0; i < FD_BURST; i++)
			if (madvise(base + (i % 64) * MT_PAGE, MT_PAGE, MADV_DONTNEED))
				mt_fail("madvise: %s", strerror(errno));
		pthread_barrier_wait(&fd.done);
	}
	return NULL;
}

static void fd_two_threads(struct mt *t)
{
	pthread_t th[2];
	struct fd_facts f;
	unsigned int b;
	uintptr_t i;

	mt_clear_events(t);
	mt_assert(!pthread_barrier_init(&fd.go, NULL, 3) &&
			  !pthread_barrier_init(&fd.done, NULL, 3),
		  "barriers");
	for (i = 0; i < 2; i++)
		mt_assert(!pthread_create(&th[i], NULL, fd_worker, (void *)i), "thread");
	for (b = 0; b < FD_BURSTS; b++) {
		pthread_barrier_wait(&fd.go);
		pthread_barrier_wait(&fd.done);
		mt_drain(t);
	}
	for (i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	mt_assert(!mmu_ring_lost(t->m) && !mmu_seq_gaps(t->m), "records were lost");
	fd_count(t, &f);
	printf("two threads: %u calls each, %u folded flags, %u starts and ends of their own\n",
	       FD_BURSTS * FD_BURST, f.folded_flags, f.split);
	fd_check_pages(&f, FD_PAGES, FD_BURSTS * FD_BURST / 64);
	/* Without a start or end split off, the threads never met: nothing above was tested. */
	mt_assert(f.split > 0, "the two threads' callbacks never interleaved");
}

int hd_ring_fold(void)
{
	struct mt *t = &fd.t;

	mt_open(t);
	mt_setup(t, FD_PAGES * MT_PAGE, MT_SMALL);
	fd_one_thread(t);
	fd_two_threads(t);
	return 0;
}
