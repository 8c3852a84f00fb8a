// SPDX-License-Identifier: GPL-2.0
/* mmirror-harden: install-hostile, the bound on the compare-and-swap (hole 5) (modes listed in harden.c). */
#include <errno.h>
#include <fcntl.h>
#include <linux/userfaultfd.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <time.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harden.h"

#define HD_HOSTILE_PARAM "/sys/module/mmirror/parameters/test_hostile_writes"
/* mmu/kmod/mmirror_region.c's MMIRROR_INSTALL_TRIES */
#define HD_INSTALL_TRIES 4
/* The hook's budget: far more than a bounded loop can spend on a few hundred entries. */
#define HD_HOSTILE_BUDGET 1000000

static void hd_hostile_off(void)
{
	FILE *f = fopen(HD_HOSTILE_PARAM, "w");

	if (f) {
		fputs("0", f);
		fclose(f);
	}
}

/* What the hook spent of its budget during fn(t). */
static long hd_hostile_spent(struct mt *t, void (*fn)(struct mt *t))
{
	char buf[16];

	snprintf(buf, sizeof(buf), "%d", HD_HOSTILE_BUDGET);
	mt_write_file(HD_HOSTILE_PARAM, buf);
	fn(t);
	return HD_HOSTILE_BUDGET - mt_read_int(HD_HOSTILE_PARAM);
}

struct hd_hostile {
	volatile uint64_t *table;
	size_t n;
	atomic_bool stop;
	atomic_long sweeps;
};

/* Rewrites every word of the table, over and over: the A bit flipped, atomically. */
static void *hd_hostile_fn(void *arg)
{
	struct hd_hostile *h = arg;
	size_t i;

	while (!atomic_load(&h->stop)) {
		for (i = 0; i < h->n; i++)
			__atomic_fetch_xor(&h->table[i], MMIRROR_PTE_ACCESSED, __ATOMIC_RELAXED);
		atomic_fetch_add(&h->sweeps, 1);
	}
	return NULL;
}

static void hd_populate_all(struct mt *t)
{
	uint64_t pages = 0, retries = 0;
	int ret = mmu_populate_ex(t->m, t->gpa, t->size, MMIRROR_POPULATE_FAULT, &pages, &retries);

	mt_assert(!ret, "populate: %s", strerror(-ret));
	mt_assert(pages == t->size / MT_PAGE, "populate installed %llu of %zu pages",
		  (unsigned long long)pages, t->size / MT_PAGE);
}

static void hd_clear_refs(struct mt *t)
{
	(void)t;
	mt_write_file("/proc/self/clear_refs", "4");
}

int hd_install_hostile(void)
{
	struct hd_hostile h = { 0 };
	double end, t0, dt, worst = 0;
	int present, writable, rounds = 0;
	const struct mmu_region *r;
	pthread_t thread;
	long spent;
	struct mt t;

	mt_open(&t);
	mt_setup(&t, 2UL << 20, MT_SMALL);
	r = mmu_region_of(t.m, t.gpa);
	mt_assert(r, "no region");
	h.table = (volatile uint64_t *)r->table;
	h.n = t.size / MT_PAGE;
	/* A real thread: it wins the race only now and then, but nothing may hang or go stale. */
	pthread_create(&thread, NULL, hd_hostile_fn, &h);
	end = hd_now() + 2;
	do {
		mt_assert(!madvise(t.ram, t.size / 2, MADV_DONTNEED), "madvise");
		t0 = hd_now();
		hd_populate_all(&t);
		dt = hd_now() - t0;
		worst = dt > worst ? dt : worst;
		hd_clear_refs(&t);
		rounds++;
	} while (hd_now() < end);
	atomic_store(&h.stop, true);
	pthread_join(thread, NULL);
	printf("hostile thread: %ld sweeps over %zu words, %d rounds of DONTNEED, populate and "
	       "clear_refs, slowest populate %.1f ms\n",
	       atomic_load(&h.sweeps), h.n, rounds, worst * 1e3);
	hd_populate_all(&t);
	mt_coherent(&t, "after the hostile thread");

	/* The hook: every compare-and-swap of the module finds its word rewritten. */
	if (access(HD_HOSTILE_PARAM, W_OK))
		mt_skip("mmirror.ko has no test hooks (" HD_HOSTILE_PARAM ")");
	atexit(hd_hostile_off);
	t0 = hd_now();
	spent = hd_hostile_spent(&t, hd_populate_all);
	dt = hd_now() - t0;
	printf("populate of %zu entries, every cmpxchg raced: %ld rewrites, %.1f ms\n", h.n, spent,
	       dt * 1e3);
	mt_assert(spent <= (long)(HD_INSTALL_TRIES * h.n),
		  "install tried %ld times for %zu entries under the lock (bound: %d each)", spent,
		  h.n, HD_INSTALL_TRIES);
	mt_assert(spent >= (long)h.n, "the hook rewrote only %ld words (not in install?)", spent);
	hd_count(&t, &present, &writable);
	mt_assert(present == (int)h.n, "only %d of %zu entries installed", present, h.n);
	mt_coherent(&t, "after a populate whose every cmpxchg was raced");

	spent = hd_hostile_spent(&t, hd_clear_refs);
	hd_count(&t, &present, &writable);
	printf("clear_refs over %zu entries, every cmpxchg raced: %ld rewrites, %d entries left "
	       "present, %d writable\n",
	       h.n, spent, present, writable);
	mt_assert(spent <= (long)(HD_INSTALL_TRIES * h.n),
		  "downgrade tried %ld times for %zu entries under the lock (bound: %d each)",
		  spent, h.n, HD_INSTALL_TRIES);
	/* Giving up on a downgrade clears the entry: never left writable. */
	mt_assert(!writable, "%d entries still writable after clear_refs", writable);
	mt_coherent(&t, "after a clear_refs whose every cmpxchg was raced");
	hd_hostile_off();
	return 0;
}
