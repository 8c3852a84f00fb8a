// SPDX-License-Identifier: GPL-2.0
/* mmirror-harden: age-huge, ageing on huge mappings (hole 8) (modes listed in harden.c). */
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

/*
 * age-huge: ageing callbacks on a PMD-mapped THP answer for the whole huge mapping (hole 8).
 * DAMON's vaddr monitoring is the only thing in the box that asks test_young of a huge mapping:
 * its check calls mmu_notifier_test_young(mm, addr) at the unaligned sampled address when the
 * PMD is old and the folio idle, and damon_pmdp_mkold calls mmu_notifier_clear_young(mm, addr,
 * addr + PMD_SIZE) from there (6.12: pmdp_clear_young_notify; 7.2 the same, open-coded). 6.1
 * has no DAMON in Debian, and there only khugepaged asks test_young, of 4 KiB pages: a skip.
 */
#define HD_DAMON "/sys/kernel/mm/damon/admin/kdamonds"
#define HD_DAMON_STAT "/sys/module/damon_stat/parameters/enabled"
#define HD_AGE_RECORDS (1U << 18)
#define HD_AGE_MIN_A 20 /* test_young calls phase A must see, or the test skips */
#define HD_AGE_MIN_B 5 /* test_young calls after phase B's clears */
#define HD_AGE_ROUNDS 5

static struct {
	struct mt t;
	uintptr_t hva;
	struct mmirror_event *rec;
	size_t n;
	uint64_t last_seq;
	atomic_bool stop;
	bool damon_on, stat_paused;
} hd_age;

static int hd_write_path(const char *path, const char *val)
{
	int fd, ret = 0;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, val, strlen(val)) < 0)
		ret = -errno;
	close(fd);
	return ret;
}

static int hd_damon_write(const char *rel, const char *val)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", HD_DAMON, rel);
	return hd_write_path(path, val);
}

/* The first byte of a sysfs file, or 0. */
static char hd_read_char(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	char v = 0;

	if (fd >= 0 && read(fd, &v, 1) != 1)
		v = 0;
	if (fd >= 0)
		close(fd);
	return v;
}

static void hd_damon_off(void)
{
	if (hd_age.damon_on) {
		hd_damon_write("0/state", "off");
		hd_damon_write("nr_kdamonds", "0");
		hd_age.damon_on = false;
	}
	if (hd_age.stat_paused) {
		hd_write_path(HD_DAMON_STAT, "Y");
		hd_age.stat_paused = false;
	}
}

/*
 * One kdamond, one vaddr context, this process as the target with one initial region: the THP.
 * update_us is long, so that DAMON never replaces that region by its three-region view of the
 * address space during the test, and 3 regions at most, so that few clears per sample land.
 */
static int hd_damon_on(uintptr_t start, uintptr_t end)
{
	char pid[24], s[32], e[32];
	int ret;

	snprintf(pid, sizeof(pid), "%d", (int)getpid());
	snprintf(s, sizeof(s), "%lu", (unsigned long)start);
	snprintf(e, sizeof(e), "%lu", (unsigned long)end);
	ret = hd_damon_write("nr_kdamonds", "1");
	hd_age.damon_on = !ret;
	ret = ret ?: hd_damon_write("0/contexts/nr_contexts", "1");
	ret = ret ?: hd_damon_write("0/contexts/0/operations", "vaddr");
	ret = ret ?: hd_damon_write("0/contexts/0/monitoring_attrs/intervals/sample_us", "1000");
	ret = ret ?: hd_damon_write("0/contexts/0/monitoring_attrs/intervals/aggr_us", "100000");
	ret = ret
		      ?: hd_damon_write("0/contexts/0/monitoring_attrs/intervals/update_us",
					"60000000");
	ret = ret ?: hd_damon_write("0/contexts/0/monitoring_attrs/nr_regions/max", "3");
	ret = ret ?: hd_damon_write("0/contexts/0/monitoring_attrs/nr_regions/min", "3");
	ret = ret ?: hd_damon_write("0/contexts/0/targets/nr_targets", "1");
	ret = ret ?: hd_damon_write("0/contexts/0/targets/0/pid_target", pid);
	ret = ret ?: hd_damon_write("0/contexts/0/targets/0/regions/nr_regions", "1");
	ret = ret ?: hd_damon_write("0/contexts/0/targets/0/regions/0/start", s);
	ret = ret ?: hd_damon_write("0/contexts/0/targets/0/regions/0/end", e);
	return ret ?: hd_damon_write("0/state", "on");
}

static void hd_age_collect(void *opaque, const struct mmirror_event *ev)
{
	if (hd_age.n < HD_AGE_RECORDS)
		hd_age.rec[hd_age.n++] = *ev;
	hd_age.last_seq = ev->seq;
}

static void hd_age_drain(void)
{
	int n = mmu_drain(hd_age.t.m, hd_age_collect, NULL);

	mt_assert(n >= 0, "drain: %s", strerror(-n));
}

/* Drains the ring every 2 ms for ms milliseconds. */
static void hd_age_collect_for(unsigned int ms)
{
	double end = hd_now() + ms / 1e3;

	do {
		usleep(2000);
		hd_age_drain();
	} while (hd_now() < end);
}

/* The guest's access to the THP's first 4 KiB, every ~100 us, as the VMM's devices would. */
static void *hd_age_toucher(void *arg)
{
	while (!atomic_load(&hd_age.stop)) {
		mmu_touch(hd_age.t.m, hd_age.t.gpa, MT_PAGE, false);
		usleep(100);
	}
	return NULL;
}

static bool hd_age_in_thp(const struct mmirror_event *e, uintptr_t from)
{
	return e->hva_start >= from && e->hva_start < hd_age.hva + MT_HUGE;
}

static bool hd_age_is_clear(const struct mmirror_event *e)
{
	return (e->callback == MMIRROR_CB_CLEAR_YOUNG ||
		e->callback == MMIRROR_CB_CLEAR_FLUSH_YOUNG) &&
	       e->hva_start < hd_age.hva + MT_HUGE && e->hva_end > hd_age.hva;
}

int hd_age_huge(void)
{
	unsigned long a_tests = 0, a_young = 0, a_clears = 0, b_tests = 0, b_young = 0;
	unsigned long b_before = 0, b_before_young = 0;
	unsigned long b_cleared = 0, b_rounds = 0, b_young_rounds = 0;
	bool b_young_round = false;
	uint64_t a_end, b_start[HD_AGE_ROUNDS + 1];
	unsigned int r;
	uint8_t *res, *thp;
	pthread_t thread;
	size_t i;
	int ret;

	if (access(MMIRROR_DEVICE, F_OK))
		mt_skip("mmirror.ko is not loaded");
	if (access(HD_DAMON "/nr_kdamonds", W_OK))
		mt_skip("no DAMON sysfs on this kernel: nothing in the box asks test_young of a "
			"huge "
			"mapping (6.1: only khugepaged asks it, of 4 KiB pages)");
	if (hd_read_char(HD_DAMON "/nr_kdamonds") != '0')
		mt_skip("DAMON is in use on this host (nr_kdamonds is not 0)");

	/*
	 * The THP with 2 MiB of PROT_NONE on either side: no other PMD's clear_young [addr,
	 * addr + 2 MiB), and no 4 KiB page's at an unaligned addr, can reach its first entry.
	 */
	res = mmap(NULL, 6 * MT_HUGE, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1,
		   0);
	mt_assert(res != MAP_FAILED, "mmap: %s", strerror(errno));
	thp = (uint8_t *)(((uintptr_t)res + 2 * MT_HUGE) & ~(MT_HUGE - 1));
	mt_assert(mmap(thp, MT_HUGE, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == thp,
		  "mmap THP: %s", strerror(errno));
	mt_assert(!madvise(thp, MT_HUGE, MADV_HUGEPAGE), "madvise: %s", strerror(errno));
	mt_fill(thp, MT_HUGE, 3);

	mt_open(&hd_age.t);
	hd_age.t.ram = thp;
	hd_age.t.size = MT_HUGE;
	hd_age.t.gpa = GPA(MT_GPA);
	hd_age.hva = (uintptr_t)thp;
	ret = mmu_add_region(hd_age.t.m, ptr_to_hva(thp), MT_HUGE, hd_age.t.gpa);
	mt_assert(!ret, "add_region: %s", strerror(-ret));
	mt_assert(!mmu_set_flags(hd_age.t.m, MMIRROR_F_NO_TRACE), "flags");
	mt_populate(&hd_age.t, MMIRROR_POPULATE_FAULT | MMIRROR_POPULATE_WRITE);
	for (i = 0; i < MT_HUGE / MT_PAGE; i++) {
		uint64_t e = mt_entry(&hd_age.t, thp + i * MT_PAGE);

		mt_assert(mmu_pte_present(e) && (e & MMIRROR_PTE_HUGE),
			  "entry %zu is 0x%llx: the THP is not PMD-mapped", i,
			  (unsigned long long)e);
		mt_assert(!(e & MMIRROR_PTE_ACCESSED), "entry %zu accessed before the test", i);
	}
	hd_age.rec = calloc(HD_AGE_RECORDS, sizeof(*hd_age.rec));
	mt_assert(hd_age.rec, "out of memory");
	hd_age_drain();
	hd_age.n = 0;

	/* No CPU access to the THP from here on: its PMD stays old once DAMON aged it. */
	atexit(hd_damon_off);
	if (hd_read_char(HD_DAMON_STAT) == 'Y') {
		mt_write_file(HD_DAMON_STAT, "N");
		hd_age.stat_paused = true;
	}
	pthread_create(&thread, NULL, hd_age_toucher, NULL);
	ret = hd_damon_on(hd_age.hva, hd_age.hva + MT_HUGE);
	mt_assert(!ret, "starting DAMON on this process: %s", strerror(-ret));
	/* Phase A: the first entry's A bit set again and again. */
	hd_age_collect_for(1000);
	a_end = hd_age.last_seq;
	atomic_store(&hd_age.stop, true);
	pthread_join(thread, NULL);
	/*
	 * Phase B, in rounds: set once more, then left alone. A record after the touch was drained
	 * may still have been computed before it (at most one: kdamond is one thread), so a round
	 * is judged from its second clear on. A module that clears only [addr, end of the THP)
	 * leaves the first entry's bit set unless a clear's addr falls in it; with a few rounds one
	 * where none did is all but certain.
	 */
	for (r = 0; r < HD_AGE_ROUNDS; r++) {
		mmu_touch(hd_age.t.m, hd_age.t.gpa, MT_PAGE, false);
		hd_age_drain();
		b_start[r] = hd_age.last_seq;
		hd_age_collect_for(150);
	}
	hd_damon_off();
	hd_age_drain();
	b_start[HD_AGE_ROUNDS] = UINT64_MAX;

	for (i = 0, r = 0; i < hd_age.n; i++) {
		const struct mmirror_event *e = &hd_age.rec[i];

		if (e->seq <= a_end) {
			a_clears += hd_age_is_clear(e) ? e->calls : 0;
			if (e->callback == MMIRROR_CB_TEST_YOUNG &&
			    hd_age_in_thp(e, hd_age.hva + MT_PAGE)) {
				a_tests += e->calls;
				a_young += e->young ? e->calls : 0;
			}
			continue;
		}
		if (e->seq <= b_start[0])
			continue;
		while (e->seq > b_start[r + 1]) {
			r++;
			b_cleared = 0;
			b_young_round = false;
		}
		if (hd_age_is_clear(e)) {
			b_cleared += e->calls;
			b_rounds += b_cleared >= 2 && b_cleared - e->calls < 2;
			continue;
		}
		if (e->callback != MMIRROR_CB_TEST_YOUNG || !hd_age_in_thp(e, hd_age.hva))
			continue;
		if (b_cleared >= 2) {
			b_tests += e->calls;
			b_young += e->young ? e->calls : 0;
			b_young_rounds += e->young && !b_young_round;
			b_young_round |= e->young;
		} else {
			b_before += e->calls;
			b_before_young += e->young ? e->calls : 0;
		}
	}
	printf("records: %zu (lost %llu)\n", hd_age.n,
	       (unsigned long long)mmu_seq_gaps(hd_age.t.m));
	printf("phase A (first 4 KiB's A bit set every ~100 us, 1 s): clear_young %lu, test_young "
	       "beyond the first 4 KiB %lu, young %lu\n",
	       a_clears, a_tests, a_young);
	printf("phase B (%d rounds of 150 ms: set once, then left): test_young before a round's "
	       "second clear %lu (young %lu), after it %lu in %lu rounds, young %lu in %lu "
	       "rounds\n",
	       HD_AGE_ROUNDS, b_before, b_before_young, b_tests, b_rounds, b_young, b_young_rounds);
	if (a_tests < HD_AGE_MIN_A)
		mt_skip("DAMON asked test_young beyond the first 4 KiB only %lu times in phase A "
			"(want %d)",
			a_tests, HD_AGE_MIN_A);
	mt_assert(2 * a_young >= a_tests,
		  "test_young inside a huge mapping whose first 4 KiB is accessed answered young "
		  "%lu of %lu times: it looks at one 4 KiB entry, not the whole mapping",
		  a_young, a_tests);
	if (b_tests < HD_AGE_MIN_B)
		mt_skip("DAMON asked too little in phase B (%lu test_young after a round's second "
			"clear, want %d)",
			b_tests, HD_AGE_MIN_B);
	mt_assert(!b_young,
		  "%lu of %lu test_young answered young after clear_young of the huge mapping "
		  "with nothing set since: the clear left A bits of the mapping set",
		  b_young, b_tests);
	return 0;
}
