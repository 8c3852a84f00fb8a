// SPDX-License-Identifier: GPL-2.0
/*
 * The scenarios of mirrorvm stress: what the host does to the guest's RAM while its vCPUs write.
 * Every choice comes from the context's generator, seeded from --seed, so a seed replays the
 * same schedule (the interleaving with the vCPUs is the kernel's).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mirrorvm/madvise.h"
#include "stress_priv.h"

#define PAGE 4096ULL
#define HUGE_PAGES 512ULL

/* A page range inside the area: up to max pages, anywhere. */
static void pick(struct stress_ctx *c, uint64_t max, uint64_t *page, uint64_t *n)
{
	*n = 1 + stress_rand(c) % (max < c->area_pages ? max : c->area_pages);
	*page = stress_rand(c) % (c->area_pages - *n + 1);
}

/* A range strictly inside one 2 MiB page: it splits the huge page. */
static void pick_inside_huge(struct stress_ctx *c, uint64_t *page, uint64_t *n)
{
	uint64_t huge = stress_rand(c) % (c->area_pages / HUGE_PAGES);
	uint64_t off = 1 + stress_rand(c) % (HUGE_PAGES - 2);

	*n = 1 + stress_rand(c) % (HUGE_PAGES - off - 1);
	*page = huge * HUGE_PAGES + off;
}

static void *at(struct stress_ctx *c, uint64_t page)
{
	return c->area + page * PAGE;
}

static void advise(struct stress_ctx *c, uint64_t page, uint64_t n, int advice, bool discards)
{
	c->last_op = advice == MADV_DONTNEED   ? "MADV_DONTNEED"
		     : advice == MADV_COLLAPSE ? "MADV_COLLAPSE"
					       : "MADV_PAGEOUT";
	if (discards)
		stress_discard_begin(c, page, n);
	if (madvise(at(c, page), n * PAGE, advice) && advice != MADV_COLLAPSE)
		stress_fail(c, "madvise(%d) of %llu pages: %s", advice, (unsigned long long)n,
			    strerror(errno));
	if (discards)
		stress_discard_end(c, page, n);
	c->res->ops++;
}

/* Fresh anonymous memory where guest RAM was; KVM's memslot keeps pointing at the address. */
static void remap(struct stress_ctx *c, uint64_t page, uint64_t n, bool unmap_first)
{
	void *p;

	c->last_op = unmap_first ? "munmap + mmap(MAP_FIXED)" : "mmap(MAP_FIXED)";
	stress_discard_begin(c, page, n);
	/* Between munmap and mmap the range has no VMA: a vCPU touching it would fault KVM_RUN. */
	if (unmap_first && vm_pause(c->vm))
		goto out;
	if (unmap_first && munmap(at(c, page), n * PAGE))
		stress_fail(c, "munmap: %s", strerror(errno));
	p = mmap(at(c, page), n * PAGE, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED, -1, 0);
	if (p == MAP_FAILED)
		stress_fail(c, "mmap(MAP_FIXED) over guest RAM: %s", strerror(errno));
	/* The same advice as the rest of guest RAM, so the VMAs merge again. */
	madvise(at(c, page), n * PAGE, MADV_HUGEPAGE);
	madvise(at(c, page), n * PAGE, MADV_DONTFORK);
	if (unmap_first)
		vm_resume(c->vm);
out:
	stress_discard_end(c, page, n);
	c->res->discarded_pages += n;
	c->res->ops++;
}

static void munmap_race_op(struct stress_ctx *c)
{
	uint64_t page, n;

	switch (stress_rand(c) % 4) {
	case 0:
		pick(c, 64, &page, &n);
		advise(c, page, n, MADV_DONTNEED, true);
		c->res->discarded_pages += n;
		break;
	case 1:
		pick(c, HUGE_PAGES, &page, &n);
		page -= page % HUGE_PAGES;
		n = HUGE_PAGES < c->area_pages - page ? HUGE_PAGES : c->area_pages - page;
		advise(c, page, n, MADV_DONTNEED, true);
		c->res->discarded_pages += n;
		break;
	case 2:
		pick(c, 128, &page, &n);
		remap(c, page, n, false);
		break;
	default:
		pick(c, 128, &page, &n);
		remap(c, page, n, true);
		break;
	}
}

static void mprotect_range(struct stress_ctx *c, uint64_t page, uint64_t n, int prot)
{
	c->last_op = prot & PROT_EXEC	 ? "mprotect(RWX)"
		     : prot & PROT_WRITE ? "mprotect(RW)"
					 : "mprotect(R)";
	if (mprotect(at(c, page), n * PAGE, prot))
		stress_fail(c, "mprotect(0x%x): %s", prot, strerror(errno));
}

static void thp_op(struct stress_ctx *c)
{
	uint64_t page, n;

	switch (stress_rand(c) % 4) {
	case 0:
		pick_inside_huge(c, &page, &n);
		advise(c, page, n, MADV_DONTNEED, true);
		c->res->discarded_pages += n;
		break;
	case 1:
		/* Splits the VMA (and the huge PMD) and back, writable throughout. */
		pick_inside_huge(c, &page, &n);
		mprotect_range(c, page, n, PROT_READ | PROT_WRITE | PROT_EXEC);
		mprotect_range(c, page, n, PROT_READ | PROT_WRITE);
		c->res->ops++;
		break;
	case 2:
		page = stress_rand(c) % (c->area_pages / HUGE_PAGES) * HUGE_PAGES;
		advise(c, page, HUGE_PAGES, MADV_COLLAPSE, false);
		break;
	default:
		/* Read-only for a moment: a vCPU write then would fail KVM_RUN, so pause. */
		pick_inside_huge(c, &page, &n);
		if (vm_pause(c->vm))
			break;
		mprotect_range(c, page, n, PROT_READ);
		mprotect_range(c, page, n, PROT_READ | PROT_WRITE);
		vm_resume(c->vm);
		c->res->ops++;
		break;
	}
}

int stress_write_file(const char *path, const char *text)
{
	int fd = open(path, O_WRONLY | O_CLOEXEC);
	ssize_t len = (ssize_t)strlen(text);
	int ret = 0;

	if (fd < 0)
		return -errno;
	if (write(fd, text, len) != len)
		ret = -errno;
	close(fd);
	return ret;
}

/* A child of the root memcg with memory.max max (0: none) and, with noswap, no swap. */
static int memcg_make(struct stress_ctx *c, uint64_t max, bool noswap)
{
	char path[200], text[32];
	int ret = 0;

	snprintf(c->cgroup, sizeof(c->cgroup), "/sys/fs/cgroup/mirrorvm-stress-%d", getpid());
	if (mkdir(c->cgroup, 0755)) {
		ret = -errno;
		c->cgroup[0] = 0;
		return ret;
	}
	snprintf(text, sizeof(text), "%llu", (unsigned long long)max);
	snprintf(path, sizeof(path), "%s/memory.max", c->cgroup);
	if (max)
		ret = stress_write_file(path, text);
	snprintf(path, sizeof(path), "%s/memory.swap.max", c->cgroup);
	if (!ret && noswap)
		ret = stress_write_file(path, "0");
	if (ret)
		stress_memcg_remove(c);
	return ret;
}

int stress_memcg_enter_child(struct stress_ctx *c, uint64_t max)
{
	return memcg_make(c, max, true);
}

void stress_memcg_remove(struct stress_ctx *c)
{
	if (c->cgroup[0] && rmdir(c->cgroup))
		fprintf(stderr, "stress: rmdir %s: %s\n", c->cgroup, strerror(errno));
	c->cgroup[0] = 0;
}

/* Moves the VMM into a child memcg of its own, with memory.max max (0: none). 0 or -errno. */
int stress_memcg_enter(struct stress_ctx *c, uint64_t max)
{
	char path[200];
	FILE *f = fopen("/proc/self/cgroup", "re");
	int ret;

	c->cgroup[0] = 0;
	if (!f || !fgets(c->old_cgroup, sizeof(c->old_cgroup), f) ||
	    strncmp(c->old_cgroup, "0::", 3)) {
		if (f)
			fclose(f);
		return -ENOTSUP;
	}
	fclose(f);
	memmove(c->old_cgroup, c->old_cgroup + 3, strlen(c->old_cgroup + 3) + 1);
	c->old_cgroup[strcspn(c->old_cgroup, "\n")] = 0;
	ret = memcg_make(c, max, false);
	if (ret)
		return ret;
	snprintf(path, sizeof(path), "%s/cgroup.procs", c->cgroup);
	ret = stress_write_file(path, "0");
	if (ret)
		stress_memcg_remove(c);
	return ret;
}

void stress_memcg_leave(struct stress_ctx *c)
{
	char path[240];

	if (!c->cgroup[0])
		return;
	snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cgroup.procs", c->old_cgroup);
	if (stress_write_file(path, "0"))
		stress_write_file("/sys/fs/cgroup/cgroup.procs", "0");
	stress_memcg_remove(c);
}

#define NUMA_BALANCING "/proc/sys/kernel/numa_balancing"

void stress_numa_balancing_off(struct stress_ctx *c)
{
	char *v = c->old_numa_balancing;
	int fd = open(NUMA_BALANCING, O_RDONLY | O_CLOEXEC);
	ssize_t n = fd < 0 ? -1 : read(fd, v, sizeof(c->old_numa_balancing) - 1);

	if (fd >= 0)
		close(fd);
	v[n > 0 ? n : 0] = 0;
	v[strcspn(v, "\n")] = 0;
	if (c->keep_numa_balancing) {
		fprintf(stderr, "stress: %s: NUMA balancing left at %s\n", c->sc->name,
			v[0] ? v : "(unreadable)");
		v[0] = 0;
		return;
	}
	if (!v[0] || !strcmp(v, "0") || stress_write_file(NUMA_BALANCING, "0"))
		v[0] = 0;
}

void stress_numa_balancing_restore(struct stress_ctx *c)
{
	if (c->old_numa_balancing[0] && stress_write_file(NUMA_BALANCING, c->old_numa_balancing))
		fprintf(stderr, "stress: cannot restore %s to %s\n", NUMA_BALANCING,
			c->old_numa_balancing);
	c->old_numa_balancing[0] = 0;
}

/* A memcg whose memory.max is below the guest's size, or MADV_PAGEOUT alone without one. */
static int swap_setup(struct stress_ctx *c)
{
	uint64_t max = c->area_pages * PAGE / 2 + (16ULL << 20);
	int ret = stress_memcg_enter(c, max);

	if (ret)
		fprintf(stderr, "stress: swap: no memcg (%s); MADV_PAGEOUT only\n", strerror(-ret));
	else
		fprintf(stderr, "stress: swap: in %s, memory.max %llu\n", c->cgroup,
			(unsigned long long)max);
	return 0;
}

static void swap_op(struct stress_ctx *c)
{
	uint64_t page, n;

	pick(c, 1024, &page, &n);
	advise(c, page, n, MADV_PAGEOUT, false);
}

/* Present pages of the area whose soft-dirty bit (pagemap bit 55) is set, or -errno. */
static int64_t soft_dirty_pages(struct stress_ctx *c)
{
	size_t len = c->area_pages * sizeof(uint64_t);
	uint64_t *pm = malloc(len);
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	int64_t n = -EIO;

	if (pm && fd >= 0 &&
	    pread(fd, pm, len, (off_t)((uintptr_t)c->area / PAGE * 8)) == (ssize_t)len) {
		n = 0;
		for (uint64_t p = 0; p < c->area_pages; p++)
			n += (pm[p] >> 63 & 1) && (pm[p] >> 55 & 1);
	}
	if (fd >= 0)
		close(fd);
	free(pm);
	return n;
}

/*
 * clear_refs 4 write-protects every page of the process (an invalidation of type SOFT_DIRTY);
 * with the vCPUs parked, no page of the area may be soft-dirty right after it.
 */
static void softdirty_op(struct stress_ctx *c)
{
	int64_t dirty;
	int ret;

	c->last_op = "clear_refs 4";
	if (vm_pause(c->vm))
		return;
	ret = stress_write_file("/proc/self/clear_refs", "4");
	dirty = ret ? 0 : soft_dirty_pages(c);
	vm_resume(c->vm);
	c->res->ops++;
	c->res->checks++;
	if (ret)
		stress_fail(c, "clear_refs 4: %s", strerror(-ret));
	else if (dirty)
		stress_fail(c, "%lld pages soft-dirty right after clear_refs 4", (long long)dirty);
	usleep(20000);
}

#define EV(x) (1U << MMIRROR_EV_##x)

const struct stress_scenario stress_scenarios[] = {
	{ .name = "munmap-race",
	  .in_default = true,
	  .words = 8,
	  .expect = EV(UNMAP) | EV(CLEAR),
	  .op = munmap_race_op },
	{ .name = "thp",
	  .in_default = true,
	  .words = 8,
	  .expect = EV(CLEAR) | EV(PROTECTION_VMA),
	  .expect_huge = true,
	  .op = thp_op },
	{ .name = "swap",
	  .in_default = true,
	  .words = 8,
	  .expect = EV(CLEAR),
	  .setup = swap_setup,
	  .op = swap_op,
	  .teardown = stress_memcg_leave },
	{ .name = "ageing",
	  .in_default = true,
	  .words = 8,
	  .expect = EV(CLEAR),
	  .hold = true,
	  .setup = stress_ageing_setup,
	  .op = stress_ageing_op,
	  .teardown = stress_ageing_teardown },
	{ .name = "softdirty",
	  .in_default = true,
	  .report_kept = true,
	  .words = 8,
	  .expect = EV(SOFT_DIRTY),
	  .op = softdirty_op },
	{ .name = "ksm",
	  .in_default = true,
	  .words = 8,
	  .expect = EV(CLEAR),
	  .expect_cb = 1U << MMIRROR_CB_CHANGE_PTE,
	  .hold = true,
	  .same = true,
	  .setup = stress_ksm_setup,
	  .op = stress_ksm_op,
	  .teardown = stress_ksm_teardown,
	  .more = stress_ksm_more,
	  .evaluate = stress_ksm_evaluate },
	{ .name = "migrate",
	  .in_default = true,
	  .words = 8,
	  .expect = EV(CLEAR),
	  .setup = stress_migrate_setup,
	  .op = stress_migrate_op,
	  .evaluate = stress_migrate_evaluate },
	{ .name = "teardown", .in_default = true, .run = stress_teardown_run },
};
const unsigned int stress_nr_scenarios = sizeof(stress_scenarios) / sizeof(stress_scenarios[0]);
