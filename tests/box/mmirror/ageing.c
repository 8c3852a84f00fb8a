// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror-ageing: under memcg reclaim, the first clear_flush_young record for a page says young
 * exactly when its shadow accessed bit was set, and the bit is cleared. Then pages whose A bits a
 * thread keeps setting (as the VMM's devices would) are evicted later than pages left alone;
 * both eviction counts are printed, with the module's answer on and off.
 */
#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "mt.h"

#define AG_SIZE (16UL << 20)
#define AG_PAGES (AG_SIZE / MT_PAGE)

static struct mt ag;
static volatile int ag_stop;

static void *ag_toucher(void *arg)
{
	while (!ag_stop)
		for (size_t i = 0; i < AG_PAGES; i += 2)
			mmu_touch(ag.m, GPA(ag.gpa.v + i * MT_PAGE), MT_PAGE, false);
	return NULL;
}

/* Returns evicted counts of the even (kept young) and odd pages. */
static void ag_run(const char *cg, bool answer, unsigned int *hot, unsigned int *cold)
{
	static bool seen[AG_PAGES];
	pthread_t th;
	size_t i, exact = 0;

	/* Join first: pages are charged to the cgroup that faults them in. */
	mt_write_file(cg, "0");
	mt_open(&ag);
	mt_setup(&ag, AG_SIZE, MT_SMALL);
	mt_assert(!mmu_set_flags(ag.m, MMIRROR_F_NO_TRACE | (answer ? 0 : MMIRROR_F_NO_YOUNG)),
		  "flags");
	mmu_touch(ag.m, ag.gpa, AG_SIZE, false);
	for (i = 1; i < AG_PAGES; i += 2)
		mt_assert(!mmu_populate(ag.m, GPA(ag.gpa.v + i * MT_PAGE), MT_PAGE, 0), "populate");
	pthread_create(&th, NULL, ag_toucher, NULL);
	for (int round = 0; round < 3; round++) {
		uint8_t *p = mt_map(24 << 20, MT_SMALL);

		mt_fill(p, 24 << 20, 9);
		munmap(p, 24 << 20);
		mt_drain(&ag);
		for (i = 0; i < ag.nevents; i++) {
			const struct mmirror_event *e = &ag.events[i];
			size_t pg = (e->gpa_start - ag.gpa.v) / MT_PAGE;
			size_t end = (e->gpa_end - ag.gpa.v) / MT_PAGE;

			/* A merged record: calls of one page each, all with the same answer. */
			if (e->callback != MMIRROR_CB_CLEAR_FLUSH_YOUNG || e->pages != e->calls ||
			    end - pg != e->calls || end > AG_PAGES || round)
				continue;
			for (; pg < end; pg++)
				if (!seen[pg]) {
					seen[pg] = true;
					exact++;
				}
		}
	}
	ag_stop = 1;
	pthread_join(th, NULL);
	*hot = *cold = 0;
	for (i = 0; i < AG_PAGES; i++) {
		if (mmu_pte_present(mt_entry(&ag, ag.ram + i * MT_PAGE)))
			continue;
		if (i % 2)
			(*cold)++;
		else
			(*hot)++;
	}
	printf("  young answer %s: %zu pages aged, evicted: kept young %u of %lu, others %u of "
	       "%lu\n",
	       answer ? "on" : "off", exact, *hot, AG_PAGES / 2, *cold, AG_PAGES / 2);
}

static void ag_child(const char *cg, bool answer)
{
	unsigned int hot, cold;

	ag_run(cg, answer, &hot, &cold);
	if (answer)
		mt_assert(hot < cold, "pages kept young were not evicted later (%u vs %u)", hot,
			  cold);
	exit(0);
}

int main(void)
{
	char cg[128], procs[160];
	int st;

	if (access(MMIRROR_DEVICE, F_OK))
		mt_skip("mmirror.ko is not loaded");
	snprintf(cg, sizeof(cg), "/sys/fs/cgroup/mt-age-%d", getpid());
	mt_assert(!mkdir(cg, 0755) || errno == EEXIST, "mkdir");
	snprintf(procs, sizeof(procs), "%s/memory.max", cg);
	mt_write_file(procs, "24M");
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	for (int answer = 1; answer >= 0; answer--) {
		pid_t pid = fork();

		if (pid == 0)
			ag_child(procs, answer);
		mt_assert(waitpid(pid, &st, 0) == pid && WIFEXITED(st) && !WEXITSTATUS(st),
			  "child (young answer %d) failed", answer);
	}
	rmdir(cg);
	return 0;
}
