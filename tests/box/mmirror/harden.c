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
 *   ring-fold      an invalidation's range_start and range_end fold into its record, and with
 *                  two threads' callbacks interleaved no fact moves between pages (harden_fold.c)
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

#include "harden.h"

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

double hd_now(void)
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
void hd_count(struct mt *t, int *present, int *writable)
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
	{ "ring-fold", hd_ring_fold },
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
