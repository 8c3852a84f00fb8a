// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror-harden MODE: the module's edges (issue 14).
 *   map-dofork     MADV_DOFORK on the table and the ring fails, or a fork child gets neither
 *   map-exec       mprotect(PROT_EXEC) on the table and the ring fails
 *   map-uffd       userfaultfd refuses to register the ring and the table (Debian's 6.1.0-57
 *                  refused the ring with EINVAL even before it had vm_ops)
 *   map-procmem    /proc/self/mem cannot read the table (no get_user_pages on it)
 *   map-shared-ro  a read-only fd maps MAP_SHARED (VM_MAYSHARE), MAP_PRIVATE is refused
 *   del-region     a table still mapped after DEL_REGION holds no present entry
 *   populate-race  an invalidation between populate's fault and its retry check (the module's
 *                  test hook holds populate there) leaves no stale entry
 *   populate-sigint  under an endless invalidation storm populate stops with EINTR on SIGINT,
 *                  and with EBUSY after its timeout
 *   memcg-table    inside a memory cgroup of 16M, a 16 GiB region (a 32 MiB table) is refused
 *                  (ENOMEM) or OOM-killed, never charged to nobody
 *   clear-large    over 8 MiB of 4 KiB pages, each kind of invalidation reaches the range's end:
 *                  after mprotect(PROT_READ), clear_refs and fork's COW no entry is writable
 *                  (and after the last two every entry is kept, downgraded), after
 *                  MADV_DONTNEED and munmap none is present
 *   coherence-ro   the coherence check alone (no look at records or bits) finds entries left
 *                  writable after mprotect(PROT_READ) and while fork's child shares the pages
 *   munmap-4g      munmap of a 4 GiB region with 32 MiB present: the longest stretch the
 *                  invalidation held the file's spinlock (preemption off) stays short
 *   install-hostile  the table words change under the module's compare-and-swap: a thread
 *                  rewriting them in a loop while populate, MADV_DONTNEED and clear_refs run
 *                  leaves nothing hung or stale; then the module's test hook rewrites the word
 *                  before every try, and populate and the downgrade give up on each entry
 *                  within 4 tries (hole 5: the cmpxchg under the spinlock had no bound)
 *   age-huge       ageing a PMD-mapped THP (DAMON drives test_young and clear_young at
 *                  unaligned addresses): test_young answers for the whole huge mapping, and
 *                  clear_young clears all of its A bits (hole 8); a skip where DAMON is absent
 */
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

#include "mt.h"

struct hd_maps {
	struct mt t;
	volatile uint64_t *table;
	size_t table_bytes;
	struct mmirror_ring *ring;
};

/* A mirrored 16-page region, its table as libmmu maps it, and a ring mapping of our own. */
static void hd_maps(struct hd_maps *h)
{
	const struct mmu_region *r;

	mt_open(&h->t);
	mt_setup(&h->t, 16 * MT_PAGE, MT_SMALL);
	r = mmu_region_of(h->t.m, h->t.gpa);
	mt_assert(r, "no region");
	h->table = (volatile uint64_t *)r->table;
	h->table_bytes = r->table_bytes;
	h->ring = mmap(NULL, MT_PAGE, PROT_READ | PROT_WRITE, MAP_SHARED, mmu_fd(h->t.m), 0);
	mt_assert(h->ring != MAP_FAILED, "mmap ring: %s", strerror(errno));
	mt_assert(mmu_pte_present(h->table[0]), "entry 0 not present after populate");
}

static int hd_dofork(void)
{
	struct hd_maps h;
	int tret, rret, st;
	pid_t pid;

	hd_maps(&h);
	tret = madvise((void *)h.table, h.table_bytes, MADV_DOFORK) ? errno : 0;
	rret = madvise(h.ring, MT_PAGE, MADV_DOFORK) ? errno : 0;
	printf("MADV_DOFORK: table %s, ring %s\n", tret ? strerror(tret) : "accepted",
	       rret ? strerror(rret) : "accepted");
	if (tret && rret)
		return 0;
	pid = fork();
	mt_assert(pid >= 0, "fork: %s", strerror(errno));
	if (pid == 0) {
		/*
		 * Either mapping, if inherited, shows the parent's live state (fork's COW
		 * write-protect has just invalidated the entry: its cause bits are set).
		 */
		if (!tret && h.table[0])
			_exit(1);
		if (!rret && h.ring->version == MMIRROR_API_VERSION)
			_exit(2);
		_exit(0);
	}
	mt_assert(waitpid(pid, &st, 0) == pid, "waitpid");
	if (WIFSIGNALED(st)) {
		printf("the child faulted (signal %d): it has no mapping\n", WTERMSIG(st));
		return 0;
	}
	mt_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "the fork child read the parent's live %s",
		  WEXITSTATUS(st) == 1 ? "table" : "ring");
	return 0;
}

static int hd_exec(void)
{
	struct hd_maps h;
	int tret, rret;

	hd_maps(&h);
	tret = mprotect((void *)h.table, h.table_bytes, PROT_READ | PROT_EXEC) ? errno : 0;
	rret = mprotect(h.ring, MT_PAGE, PROT_READ | PROT_EXEC) ? errno : 0;
	printf("mprotect(PROT_EXEC): table %s, ring %s\n", tret ? strerror(tret) : "accepted",
	       rret ? strerror(rret) : "accepted");
	mt_assert(tret && rret, "mprotect(PROT_EXEC) succeeded on a mirror mapping");
	return 0;
}

static int hd_uffd_register(int uffd, void *p, size_t len)
{
	struct uffdio_register reg = {
		.range = { .start = (uintptr_t)p, .len = len },
		.mode = UFFDIO_REGISTER_MODE_MISSING,
	};

	return ioctl(uffd, UFFDIO_REGISTER, &reg) ? errno : 0;
}

static int hd_uffd(void)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct hd_maps h;
	int uffd, tret, rret;

	hd_maps(&h);
	uffd = syscall(SYS_userfaultfd, O_CLOEXEC | O_NONBLOCK);
	if (uffd < 0)
		mt_skip("userfaultfd: %s", strerror(errno));
	mt_assert(!ioctl(uffd, UFFDIO_API, &api), "UFFDIO_API: %s", strerror(errno));
	rret = hd_uffd_register(uffd, h.ring, MT_PAGE);
	tret = hd_uffd_register(uffd, (void *)h.table, h.table_bytes);
	printf("UFFDIO_REGISTER: ring %s, table %s\n", rret ? strerror(rret) : "accepted",
	       tret ? strerror(tret) : "accepted");
	mt_assert(rret && tret, "userfaultfd registered a mirror mapping");
	close(uffd);
	return 0;
}

static int hd_procmem(void)
{
	struct hd_maps h;
	uint64_t v;
	ssize_t n;
	int fd;

	hd_maps(&h);
	fd = open("/proc/self/mem", O_RDONLY);
	mt_assert(fd >= 0, "open /proc/self/mem: %s", strerror(errno));
	n = pread(fd, &v, sizeof(v), (off_t)(uintptr_t)h.table);
	printf("/proc/self/mem read of the table: %s\n", n < 0 ? strerror(errno) : "succeeded");
	mt_assert(n < 0, "/proc/self/mem read the table (0x%llx)", (unsigned long long)v);
	n = pread(fd, &v, sizeof(v), (off_t)(uintptr_t)h.ring);
	mt_assert(n < 0, "/proc/self/mem read the ring");
	close(fd);
	return 0;
}

static int hd_shared_ro(void)
{
	struct mmirror_ring *ring;
	void *p;
	int fd;

	fd = open(MMIRROR_DEVICE, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		mt_skip("no " MMIRROR_DEVICE);
	mt_assert(fd >= 0, "open: %s", strerror(errno));
	/* MAP_SHARED of a read-only fd has VM_MAYSHARE but not VM_SHARED. */
	ring = mmap(NULL, MT_PAGE, PROT_READ, MAP_SHARED, fd, 0);
	mt_assert(ring != MAP_FAILED, "MAP_SHARED of a read-only fd: %s", strerror(errno));
	mt_assert(ring->version == MMIRROR_API_VERSION, "ring version %u", ring->version);
	mt_assert(mprotect(ring, MT_PAGE, PROT_READ | PROT_WRITE) && errno == EACCES,
		  "a read-only fd's mapping became writable");
	p = mmap(NULL, MT_PAGE, PROT_READ, MAP_PRIVATE, fd, 0);
	mt_assert(p == MAP_FAILED && errno == EINVAL, "MAP_PRIVATE accepted");
	printf("read-only fd: MAP_SHARED read-only mapping works, MAP_PRIVATE refused\n");
	close(fd);
	return 0;
}

static int hd_del_region(void)
{
	const struct mmu_region *r;
	volatile uint64_t *table;
	size_t bytes, i;
	int present = 0;
	struct mt t;

	mt_open(&t);
	mt_setup(&t, 64 * MT_PAGE, MT_SMALL);
	r = mmu_region_of(t.m, t.gpa);
	bytes = r->table_bytes;
	/* A mapping of our own: libmmu unmaps its copy on DEL_REGION. */
	table = mmap(NULL, bytes, PROT_READ, MAP_SHARED, mmu_fd(t.m),
		     (off_t)((uint64_t)r->id + 1) << 36);
	mt_assert(table != MAP_FAILED, "mmap table: %s", strerror(errno));
	mt_assert(mmu_pte_present(table[0]), "not populated");
	mt_assert(!mmu_del_region(t.m, t.gpa), "DEL_REGION");
	for (i = 0; i < 64; i++)
		present += mmu_pte_present(table[i]);
	printf("after DEL_REGION: %d of 64 entries present in the still-mapped table\n", present);
	mt_assert(!present, "DEL_REGION left %d present entries", present);
	/* The pages go; nothing may come back. */
	mt_assert(!madvise(t.ram, 64 * MT_PAGE, MADV_DONTNEED), "madvise");
	for (i = 0; i < 64; i++)
		mt_assert(!mmu_pte_present(table[i]), "entry %zu present again", i);
	return 0;
}

#define HD_DELAY_PARAM "/sys/module/mmirror/parameters/test_populate_delay_ms"

static void hd_delay_off(void)
{
	FILE *f = fopen(HD_DELAY_PARAM, "w");

	if (f) {
		fputs("0", f);
		fclose(f);
	}
}

/* The populate pause hook (test builds of the module only). */
static void hd_set_delay(const char *ms)
{
	if (access(HD_DELAY_PARAM, W_OK))
		mt_skip("mmirror.ko has no test hooks (" HD_DELAY_PARAM ")");
	atexit(hd_delay_off);
	mt_write_file(HD_DELAY_PARAM, ms);
}

static double hd_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

struct hd_storm {
	struct mt *t;
	pthread_t thread;
	useconds_t start_us, period_us;
	double seconds;
	atomic_long rounds;
};

/* After start_us, MADV_DONTNEED the whole region every period_us (once when period_us is 0). */
static void *hd_storm_fn(void *arg)
{
	struct hd_storm *s = arg;
	double end;

	usleep(s->start_us);
	end = hd_now() + s->seconds;
	do {
		madvise(s->t->ram, s->t->size, MADV_DONTNEED);
		s->t->ram[0] = 1; /* keeps a page for the next snapshot to find */
		atomic_fetch_add(&s->rounds, 1);
		if (!s->period_us)
			break;
		usleep(s->period_us);
	} while (hd_now() < end);
	return NULL;
}

static int hd_populate_race(void)
{
	struct hd_storm s = { .start_us = 100000 };
	uint64_t pages = 0, retries = 0;
	struct mt t;
	int ret;

	mt_open(&t);
	mt_setup(&t, 64 * MT_PAGE, MT_SMALL);
	hd_set_delay("400");
	s.t = &t;
	pthread_create(&s.thread, NULL, hd_storm_fn, &s);
	/* A snapshot finds 64 pages, then waits in the hook while they are discarded. */
	ret = mmu_populate_ex(t.m, t.gpa, t.size, 0, &pages, &retries);
	pthread_join(s.thread, NULL);
	hd_delay_off();
	printf("populate: %s, %llu pages installed, %llu retries\n", ret ? strerror(-ret) : "ok",
	       (unsigned long long)pages, (unsigned long long)retries);
	mt_assert(!ret, "populate");
	mt_coherent(&t, "after a populate raced by MADV_DONTNEED");
	mt_assert(retries >= 1, "the invalidation did not collide with the populate");
	mt_assert(mt_count_present(&t, t.ram + MT_PAGE, t.size - MT_PAGE) == 0,
		  "discarded pages present in the mirror");
	return 0;
}

static void hd_on_sigint(int sig)
{
	(void)sig;
}

struct hd_kill {
	pthread_t target;
	useconds_t after_us;
};

static void *hd_kill_fn(void *arg)
{
	struct hd_kill *k = arg;

	usleep(k->after_us);
	pthread_kill(k->target, SIGINT);
	return NULL;
}

static int hd_populate_sigint(void)
{
	struct sigaction sa = { .sa_handler = hd_on_sigint }; /* no SA_RESTART */
	struct hd_storm s = { .start_us = 0, .period_us = 2000, .seconds = 6 };
	struct hd_kill k = { .after_us = 300000 };
	uint64_t pages = 0, retries = 0;
	pthread_t killer;
	double t0, dt;
	struct mt t;
	int ret;

	mt_open(&t);
	mt_setup(&t, 64 * MT_PAGE, MT_SMALL);
	hd_set_delay("20");
	mt_assert(!sigaction(SIGINT, &sa, NULL), "sigaction");
	s.t = &t;
	pthread_create(&s.thread, NULL, hd_storm_fn, &s);
	k.target = pthread_self();
	pthread_create(&killer, NULL, hd_kill_fn, &k);
	t0 = hd_now();
	ret = mmu_populate_ex(t.m, t.gpa, t.size, 0, &pages, &retries);
	dt = hd_now() - t0;
	pthread_join(killer, NULL);
	printf("SIGINT after 0.3 s: populate %s after %.2f s, %llu retries\n",
	       ret ? strerror(-ret) : "ok", dt, (unsigned long long)retries);
	mt_assert(ret == -EINTR, "want EINTR from populate on SIGINT");
	mt_assert(dt < 0.9, "populate took %.2f s to see the signal", dt);
	/* No signal: the timeout (HMM_RANGE_DEFAULT_TIMEOUT, 1 s) ends it. */
	t0 = hd_now();
	ret = mmu_populate_ex(t.m, t.gpa, t.size, 0, &pages, &retries);
	dt = hd_now() - t0;
	printf("no signal: populate %s after %.2f s, %llu retries\n", ret ? strerror(-ret) : "ok",
	       dt, (unsigned long long)retries);
	pthread_join(s.thread, NULL);
	mt_assert(ret == -EBUSY, "want EBUSY from populate under an endless storm");
	mt_assert(dt < 3, "populate took %.2f s to time out", dt);
	mt_coherent(&t, "after the storm");
	return 0;
}

/* In the cgroup: 0 the big region was refused, 3 it was accepted. */
static int hd_memcg_child(const char *cg)
{
	struct mmirror_region big = { .hva = 0x100000000000ULL,
				      .size = 16ULL << 30,
				      .gpa = 0x100000000ULL };
	struct mmirror_region small = { .hva = 0x200000000000ULL,
					.size = 64ULL << 20,
					.gpa = 0x800000000ULL };
	char path[256];
	int fd, ret;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	mt_write_file(path, "0");
	fd = open(MMIRROR_DEVICE, O_RDWR | O_CLOEXEC);
	mt_assert(fd >= 0, "open in the cgroup: %s", strerror(errno));
	ret = ioctl(fd, MMIRROR_IOC_ADD_REGION, &big) ? errno : 0;
	printf("memory.max 16M: ADD_REGION of 16 GiB (a 32 MiB table): %s\n",
	       ret ? strerror(ret) : "accepted");
	if (!ret)
		return 3;
	mt_assert(ret == ENOMEM, "want ENOMEM, got %s", strerror(ret));
	mt_assert(!ioctl(fd, MMIRROR_IOC_ADD_REGION, &small), "a 64 MiB region (128 KiB table): %s",
		  strerror(errno));
	printf("a 64 MiB region (128 KiB table) still fits\n");
	return 0;
}

static int hd_memcg_table(void)
{
	char cg[128], path[192];
	struct stat sb;
	pid_t pid;
	int st;

	if (stat(MMIRROR_DEVICE, &sb))
		mt_skip("no " MMIRROR_DEVICE);
	snprintf(cg, sizeof(cg), "/sys/fs/cgroup/mt-account-%d", getpid());
	if (mkdir(cg, 0755) && errno != EEXIST)
		mt_skip("no cgroup v2 here: mkdir %s: %s", cg, strerror(errno));
	snprintf(path, sizeof(path), "%s/memory.max", cg);
	mt_write_file(path, "16M");
	snprintf(path, sizeof(path), "%s/memory.swap.max", cg);
	mt_write_file(path, "0");
	pid = fork();
	mt_assert(pid >= 0, "fork");
	if (pid == 0)
		exit(hd_memcg_child(cg));
	mt_assert(waitpid(pid, &st, 0) == pid, "waitpid");
	rmdir(cg);
	if (WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL) {
		printf("the child was OOM-killed in its cgroup\n");
		return 0;
	}
	mt_assert(!(WIFEXITED(st) && WEXITSTATUS(st) == 3),
		  "a 32 MiB table was allocated inside a 16M memory cgroup");
	mt_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed (status 0x%x)", st);
	return 0;
}

/* Entries in the whole region that are present, and present and writable. */
static void hd_count(struct mt *t, int *present, int *writable)
{
	size_t off;

	*present = *writable = 0;
	for (off = 0; off < t->size; off += MT_PAGE) {
		uint64_t e = mt_entry(t, t->ram + off);

		*present += mmu_pte_present(e);
		*writable += mmu_pte_present(e) && (e & MMIRROR_PTE_WRITE);
	}
}

static void hd_refill(struct mt *t)
{
	int present, writable;

	mt_assert(!mprotect(t->ram, t->size, PROT_READ | PROT_WRITE), "mprotect rw");
	mt_fill(t->ram, t->size, 3);
	mt_populate(t, MMIRROR_POPULATE_FAULT | MMIRROR_POPULATE_WRITE);
	hd_count(t, &present, &writable);
	mt_assert(writable == (int)(t->size / MT_PAGE), "only %d of %zu entries writable", writable,
		  t->size / MT_PAGE);
}

enum hd_want { HD_NONE_PRESENT, HD_KEPT };

static void hd_after(struct mt *t, const char *op, enum hd_want want)
{
	int present, writable;

	hd_count(t, &present, &writable);
	printf("  after %s over %zu MiB: %d present, %d writable of %zu\n", op, t->size >> 20,
	       present, writable, t->size / MT_PAGE);
	mt_assert(!writable, "%s: %d entries still writable (the host PTEs are not)", op, writable);
	mt_assert(want != HD_NONE_PRESENT || !present, "%s: %d entries still present", op, present);
	/* Write-protect only: the entries are downgraded, not cleared (API version 3). */
	mt_assert(want != HD_KEPT || present == (int)(t->size / MT_PAGE),
		  "%s: only %d entries kept (downgraded)", op, present);
	mt_coherent(t, op);
}

static int hd_clear_large(void)
{
	struct mt t;
	pid_t pid;
	int st;

	mt_open(&t);
	mt_setup(&t, 8UL << 20, MT_SMALL);
	mt_assert(!mprotect(t.ram, t.size, PROT_READ), "mprotect ro");
	/* Where the kernel cannot tell mprotect(PROT_READ) from PROT_NONE (6.3 on), it clears. */
	hd_after(&t, "mprotect(PROT_READ)",
		 mt_kernel_tells_read_only() ? HD_KEPT : HD_NONE_PRESENT);
	hd_refill(&t);
	mt_write_file("/proc/self/clear_refs", "4");
	hd_after(&t, "clear_refs 4 (soft-dirty)", HD_KEPT);
	hd_refill(&t);
	pid = fork();
	mt_assert(pid >= 0, "fork");
	if (pid == 0)
		_exit(0);
	mt_assert(waitpid(pid, &st, 0) == pid, "waitpid");
	hd_after(&t, "fork (COW write-protect)", HD_KEPT);
	hd_refill(&t);
	mt_assert(!madvise(t.ram, t.size, MADV_DONTNEED), "madvise");
	hd_after(&t, "MADV_DONTNEED", HD_NONE_PRESENT);
	hd_refill(&t);
	mt_assert(!munmap(t.ram, t.size), "munmap");
	mt_assert(mmap(t.ram, t.size, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) ==
			  t.ram,
		  "mmap");
	hd_after(&t, "munmap", HD_NONE_PRESENT);
	return 0;
}

static int hd_coherence_ro(void)
{
	int fds[2];
	struct mt t;
	pid_t pid;
	char c;

	mt_open(&t);
	mt_setup(&t, 1UL << 20, MT_SMALL);
	mt_assert(!mprotect(t.ram, t.size, PROT_READ), "mprotect");
	mt_coherent(&t, "after mprotect(PROT_READ)");
	mt_assert(!mprotect(t.ram, t.size, PROT_READ | PROT_WRITE), "mprotect rw");
	mt_populate(&t, MMIRROR_POPULATE_FAULT | MMIRROR_POPULATE_WRITE);
	mt_assert(!pipe(fds), "pipe");
	pid = fork();
	mt_assert(pid >= 0, "fork");
	if (pid == 0) {
		close(fds[1]);
		/* Keeps the pages COW-shared until the parent has checked. */
		_exit(read(fds[0], &c, 1) < 0);
	}
	close(fds[0]);
	mt_coherent(&t, "while fork's child shares the pages");
	close(fds[1]);
	waitpid(pid, NULL, 0);
	return 0;
}

static uint64_t hd_max_locked_ns(struct mt *t)
{
	struct mmirror_stats st;

	mt_assert(!mmu_get_stats(t->m, &st), "stats");
	return st.max_locked_ns;
}

static int hd_munmap_4g(void)
{
	size_t size = 4UL << 30, touched = 16UL << 20, off;
	uint64_t pages = 0, retries = 0, before, after;
	double t0, dt;
	struct mt t;
	int ret;

	mt_open(&t);
	t.size = size;
	t.ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	mt_assert(t.ram != MAP_FAILED, "mmap 4 GiB: %s", strerror(errno));
	mt_assert(!madvise(t.ram, size, MADV_NOHUGEPAGE), "madvise");
	/* 16 MiB at each end, 4 KiB pages: 8192 present entries in 16 of 2048 chunks. */
	for (off = 0; off < touched; off += MT_PAGE) {
		t.ram[off] = 1;
		t.ram[size - touched + off] = 1;
	}
	t.gpa = GPA(MT_GPA);
	mt_assert(!mmu_add_region(t.m, ptr_to_hva(t.ram), size, t.gpa), "add_region");
	mt_assert(!mmu_set_flags(t.m, MMIRROR_F_NO_TRACE), "set_flags");
	ret = mmu_populate_ex(t.m, t.gpa, size, 0, &pages, &retries);
	mt_assert(!ret, "populate: %s", strerror(-ret));
	before = hd_max_locked_ns(&t);
	t0 = hd_now();
	mt_assert(!munmap(t.ram, size), "munmap");
	dt = hd_now() - t0;
	after = hd_max_locked_ns(&t);
	printf("4 GiB munmap, %llu entries present: longest locked stretch %.1f us "
	       "(%.1f us before the munmap), munmap took %.1f ms\n",
	       (unsigned long long)pages, after / 1e3, before / 1e3, dt * 1e3);
	mt_assert(pages == 2 * touched / MT_PAGE, "populate found %llu pages",
		  (unsigned long long)pages);
	/* Clearing all 1 M entries takes tens of ms in the box; 16 chunks take well under 5. */
	mt_assert(after < 5000000, "the lock was held %.1f ms in one stretch", after / 1e6);
	return 0;
}

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

static int hd_install_hostile(void)
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

static char hd_read_char(const char *path)
{
	char v[8] = "";
	FILE *f = fopen(path, "re");

	if (!f)
		return 0;
	if (!fgets(v, sizeof(v), f))
		v[0] = 0;
	fclose(f);
	return v[0];
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

static int hd_age_huge(void)
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

static const struct {
	const char *name;
	int (*fn)(void);
} hd_modes[] = {
	{ "map-dofork", hd_dofork },
	{ "map-exec", hd_exec },
	{ "map-uffd", hd_uffd },
	{ "map-procmem", hd_procmem },
	{ "map-shared-ro", hd_shared_ro },
	{ "del-region", hd_del_region },
	{ "populate-race", hd_populate_race },
	{ "populate-sigint", hd_populate_sigint },
	{ "memcg-table", hd_memcg_table },
	{ "clear-large", hd_clear_large },
	{ "coherence-ro", hd_coherence_ro },
	{ "munmap-4g", hd_munmap_4g },
	{ "install-hostile", hd_install_hostile },
	{ "age-huge", hd_age_huge },
};

int main(int argc, char **argv)
{
	size_t i;

	for (i = 0; argc >= 2 && i < sizeof(hd_modes) / sizeof(hd_modes[0]); i++)
		if (!strcmp(argv[1], hd_modes[i].name))
			return hd_modes[i].fn();
	fprintf(stderr, "usage: mmirror-harden MODE (see the source)\n");
	return 2;
}
