// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror-storm [ROUNDS]: populate threads race invalidation threads (DONTNEED, mprotect,
 * PAGEOUT, 4 KiB splits of THPs) over one region. Every 50 rounds all threads stop at a barrier
 * and the table is compared with pagemap: zero stale entries allowed. Prints checks and retries.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include "mt.h"

#define STORM_SIZE (8UL << 20)
#define STORM_POP 2
#define STORM_INV 2
#define STORM_EVERY 50

static struct mt storm_t;
static pthread_barrier_t storm_stop, storm_go;
static unsigned int storm_rounds;
static uint64_t storm_retries, storm_populates, storm_invalidations;
static pthread_mutex_t storm_lock = PTHREAD_MUTEX_INITIALIZER;

static uint64_t storm_rand(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void storm_range(uint64_t *s, size_t *off, size_t *len)
{
	*len = (1 + storm_rand(s) % 64) * MT_PAGE;
	*off = (storm_rand(s) % (STORM_SIZE / MT_PAGE)) * MT_PAGE;
	if (*off + *len > STORM_SIZE)
		*len = STORM_SIZE - *off;
}

static void storm_populate(uint64_t *s)
{
	uint64_t pages, retries;
	size_t off, len;
	int ret;

	storm_range(s, &off, &len);
	len = STORM_SIZE - off < 8 * len ? STORM_SIZE - off : 8 * len;
	ret = mmu_populate_ex(storm_t.m, GPA(storm_t.gpa.v + off), len,
			      storm_rand(s) % 4 ? MMIRROR_POPULATE_FAULT : 0, &pages, &retries);
	/* A PROT_READ range cannot be faulted for write, and a racing mprotect may say EFAULT. */
	mt_assert(!ret || ret == -EFAULT || ret == -EPERM, "populate: %s", strerror(-ret));
	pthread_mutex_lock(&storm_lock);
	storm_retries += retries;
	storm_populates++;
	pthread_mutex_unlock(&storm_lock);
}

static void storm_write(uint8_t *p, size_t len)
{
	static uint8_t junk[64] = { 1 };
	struct iovec local = { junk, sizeof(junk) };
	size_t off;

	for (off = 0; off < len; off += MT_PAGE) {
		struct iovec remote = { p + off, sizeof(junk) };

		process_vm_writev(getpid(), &local, 1, &remote, 1, 0);
	}
}

static void storm_invalidate(uint64_t *s)
{
	uint8_t *p;
	size_t off, len;

	storm_range(s, &off, &len);
	p = storm_t.ram + off;
	switch (storm_rand(s) % 5) {
	case 0:
		madvise(p, len, MADV_DONTNEED);
		break;
	case 1:
		mprotect(p, len, PROT_READ);
		mprotect(p, len, PROT_READ | PROT_WRITE);
		break;
	case 2:
		madvise(p, MT_PAGE, MADV_PAGEOUT);
		break;
	case 3:
		/* Write again (a fresh page or THP where DONTNEED left a hole), through the
		 * kernel so a racing mprotect makes it fail instead of raising SIGSEGV. */
		storm_write(p, len);
		break;
	default:
		madvise(storm_t.ram + (off & ~(MT_HUGE - 1)), MT_PAGE, MADV_DONTNEED);
		break;
	}
	__atomic_fetch_add(&storm_invalidations, 1, __ATOMIC_RELAXED);
}

static void *storm_thread(void *arg)
{
	uintptr_t id = (uintptr_t)arg;
	uint64_t s = 0x9e3779b97f4a7c15ULL * (id + 1);
	unsigned int r;

	for (r = 1; r <= storm_rounds; r++) {
		if (id < STORM_POP)
			storm_populate(&s);
		else
			storm_invalidate(&s);
		if (r % STORM_EVERY == 0) {
			pthread_barrier_wait(&storm_stop);
			pthread_barrier_wait(&storm_go);
		}
	}
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[STORM_POP + STORM_INV];
	struct mmirror_stats st;
	unsigned int checks = 0, i, stale_total = 0;
	uint64_t present = 0;

	storm_rounds = argc > 1 ? (unsigned int)atoi(argv[1]) : 2000;
	storm_rounds -= storm_rounds % STORM_EVERY;
	mt_open(&storm_t);
	mt_setup(&storm_t, STORM_SIZE, MT_THP);
	mt_assert(!mmu_set_flags(storm_t.m, MMIRROR_F_NO_TRACE), "set_flags");
	pthread_barrier_init(&storm_stop, NULL, STORM_POP + STORM_INV + 1);
	pthread_barrier_init(&storm_go, NULL, STORM_POP + STORM_INV + 1);
	for (i = 0; i < STORM_POP + STORM_INV; i++)
		pthread_create(&th[i], NULL, storm_thread, (void *)(uintptr_t)i);
	for (i = 0; i < storm_rounds / STORM_EVERY; i++) {
		struct mmu_check_result res;
		int bad;

		pthread_barrier_wait(&storm_stop);
		mt_drain(&storm_t);
		mt_clear_events(&storm_t);
		bad = mmu_check(storm_t.m, &res);
		mt_assert(bad >= 0, "mmu_check: %s", strerror(-bad));
		if (bad)
			printf("check %u: %d bad entries (stale %llu), first gpa 0x%llx\n", checks,
			       bad, (unsigned long long)res.stale,
			       (unsigned long long)res.first_bad.v);
		stale_total += bad;
		present += res.present;
		checks++;
		pthread_barrier_wait(&storm_go);
	}
	for (i = 0; i < STORM_POP + STORM_INV; i++)
		pthread_join(th[i], NULL);
	mt_assert(!mmu_get_stats(storm_t.m, &st), "stats");
	printf("rounds %u per thread (%u populate, %u invalidation threads): %llu populates, "
	       "%llu host operations\n",
	       storm_rounds, STORM_POP, STORM_INV, (unsigned long long)storm_populates,
	       (unsigned long long)storm_invalidations);
	printf("quiescent checks %u, present entries judged %llu, stale %u; populate retries %llu "
	       "(module: %llu), invalidations %llu, pages invalidated %llu\n",
	       checks, (unsigned long long)present, stale_total, (unsigned long long)storm_retries,
	       (unsigned long long)st.populate_retries,
	       (unsigned long long)st.callbacks[MMIRROR_CB_INVALIDATE],
	       (unsigned long long)st.pages_invalidated);
	mt_assert(checks > 0 && present > 0, "nothing was checked");
	mt_assert(stale_total == 0, "%u stale entries over %u checks", stale_total, checks);
	return 0;
}
