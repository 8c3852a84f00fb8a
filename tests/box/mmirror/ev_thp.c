// SPDX-License-Identifier: GPL-2.0
/* THP split and collapse, and reclaim from a memory cgroup. */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "events.h"

static void ev_want_huge(struct mt *t)
{
	mt_assert(mt_entry(t, t->ram) & MMIRROR_PTE_HUGE, "the region is not PMD-mapped");
	mt_assert(mt_entry(t, t->ram + MT_HUGE - MT_PAGE) & MMIRROR_PTE_HUGE, "last entry not huge");
}

/* A 4 KiB change inside a THP: the record must cover the whole 2 MiB, then 4 KiB entries. */
static void ev_after_split(struct mt *t, uint8_t *p, const char *what)
{
	const struct mmirror_event *e;

	e = mt_expect(t, MMIRROR_CB_INVALIDATE, -1, t->gpa.v, t->gpa.v + MT_HUGE);
	mt_assert(e->pages == MT_HUGE / MT_PAGE, "%u pages cleared, want all 512", e->pages);
	mt_assert(mt_count_present(t, t->ram, MT_HUGE) == 0, "entries of the THP left present");
	mt_coherent(t, what);
	mt_populate(t, 0);
	mt_assert(!(mt_entry(t, t->ram) & MMIRROR_PTE_HUGE), "still huge after the split");
	mt_assert(mmu_pte_present(mt_entry(t, t->ram)), "neighbour page not repopulated");
	mt_coherent(t, "after repopulating the split THP");
}

int ev_thp_mprotect(struct mt *t)
{
	uint8_t *p;

	mt_setup(t, MT_HUGE, MT_THP);
	ev_want_huge(t);
	p = t->ram + 8 * MT_PAGE;
	mt_assert(!mprotect(p, MT_PAGE, PROT_READ), "mprotect");
	ev_after_split(t, p, "after 4 KiB mprotect in a THP");
	mt_assert(!(mt_entry(t, p) & MMIRROR_PTE_WRITE), "protected page writable in the table");
	return 0;
}

int ev_thp_dontneed(struct mt *t)
{
	uint8_t *p;

	mt_setup(t, MT_HUGE, MT_THP);
	ev_want_huge(t);
	p = t->ram + MT_HUGE / 2;
	mt_assert(!madvise(p, MT_PAGE, MADV_DONTNEED), "madvise");
	ev_after_split(t, p, "after 4 KiB DONTNEED in a THP");
	mt_assert(!mmu_pte_present(mt_entry(t, p)), "discarded page present after repopulate");
	return 0;
}

int ev_collapse(struct mt *t)
{
	mt_setup(t, MT_HUGE, MT_SMALL);
	mt_assert(!(mt_entry(t, t->ram) & MMIRROR_PTE_HUGE), "4 KiB pages expected before collapse");
	mt_assert(!madvise(t->ram, MT_HUGE, MADV_HUGEPAGE), "MADV_HUGEPAGE");
	if (madvise(t->ram, MT_HUGE, MADV_COLLAPSE))
		mt_skip("MADV_COLLAPSE: %s (kernel older than 6.1?)", strerror(errno));
	mt_expect(t, MMIRROR_CB_INVALIDATE, MMIRROR_EV_CLEAR, t->gpa.v, t->gpa.v + MT_HUGE);
	mt_assert(mt_count_present(t, t->ram, MT_HUGE) == 0, "entries left present");
	mt_coherent(t, "after MADV_COLLAPSE");
	mt_populate(t, 0);
	ev_want_huge(t);
	mt_coherent(t, "after repopulating the collapsed THP");
	return 0;
}

/* In a child inside a fresh memory cgroup smaller than the region: reclaim must clear entries. */
static int ev_memcg_child(struct mt *t, const char *cg)
{
	char path[256];
	size_t size = 48 << 20, off, chunk = 2 << 20;
	uint64_t cleared = 0;
	size_t i;

	snprintf(path, sizeof(path), "%s/cgroup.procs", cg);
	mt_write_file(path, "0");
	t->size = size;
	t->ram = mt_map(size, MT_SMALL);
	t->gpa = GPA(MT_GPA);
	mt_assert(!mmu_add_region(t->m, ptr_to_hva(t->ram), size, t->gpa), "add_region");
	mt_assert(!mmu_set_flags(t->m, MMIRROR_F_NO_TRACE), "set_flags");
	for (off = 0; off < size; off += chunk) {
		mt_fill(t->ram + off, chunk, 1);
		mt_assert(!mmu_populate(t->m, GPA(t->gpa.v + off), chunk, 0), "populate");
		mt_drain(t);
	}
	for (i = 0; i < t->nevents; i++)
		if (t->events[i].callback == MMIRROR_CB_INVALIDATE &&
		    t->events[i].event == MMIRROR_EV_CLEAR)
			cleared += t->events[i].pages;
	printf("  memory.max 16M, region 48M: %llu entries cleared by CLEAR invalidations, "
	       "%d of %zu still present\n",
	       (unsigned long long)cleared, mt_count_present(t, t->ram, size), size / MT_PAGE);
	mt_assert(cleared > 0, "reclaim cleared no entries");
	mt_coherent(t, "after memcg reclaim");
	return 0;
}

int ev_memcg(struct mt *t)
{
	char cg[128];
	pid_t pid;
	int st;

	snprintf(cg, sizeof(cg), "/sys/fs/cgroup/mt-memcg-%d", getpid());
	if (mkdir(cg, 0755) && errno != EEXIST)
		mt_skip("no cgroup v2 here: mkdir %s: %s", cg, strerror(errno));
	snprintf(cg + strlen(cg), sizeof(cg) - strlen(cg), "/memory.max");
	mt_write_file(cg, "16M");
	cg[strlen(cg) - strlen("/memory.max")] = 0;
	pid = fork();
	mt_assert(pid >= 0, "fork");
	if (pid == 0) {
		/* The child's own mirror: the parent's file is bound to the parent's mm. */
		mmu_close(t->m);
		mt_assert(!mmu_open(&t->m), "mmu_open in child");
		exit(ev_memcg_child(t, cg));
	}
	mt_assert(waitpid(pid, &st, 0) == pid, "waitpid");
	rmdir(cg);
	mt_assert(WIFEXITED(st) && WEXITSTATUS(st) == 0, "child failed (status 0x%x)", st);
	return 0;
}
