// SPDX-License-Identifier: GPL-2.0
/*
 * The migrate scenario: move_pages(2) moves ranges of guest RAM to the other of two NUMA nodes
 * while the vCPUs write. Nothing is discarded, so every page must keep the guest's pattern. The
 * pages moved are counted from their node before and after the call (a THP moves whole, so
 * move_pages' status for its other pages is not the count). Right after a move, with no
 * populate since, the mirror may not hold a moved page's old frame: the invalidation must have
 * cleared it; the check points then see the new frames after populate.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "mmu.h"
#include "stress_priv.h"

#define PAGE 4096ULL
#define HUGE_PAGES 512ULL
#define MOVE_MAX 512
#define MPOL_MF_MOVE_FLAG (1 << 1) /* <numaif.h>'s MPOL_MF_MOVE, without libnuma */

static long sys_move_pages(unsigned long n, void **pages, const int *nodes, int *status)
{
	return syscall(SYS_move_pages, 0, n, pages, nodes, status, MPOL_MF_MOVE_FLAG);
}

int stress_migrate_setup(struct stress_ctx *c)
{
	int status = -1;
	void *page = (void *)((uintptr_t)&status & ~(PAGE - 1));

	if (access("/sys/devices/system/node/node1", F_OK)) {
		snprintf(c->res->fail_text, sizeof(c->res->fail_text),
			 "needs NUMA nodes 0 and 1 online (tools/box --numa)");
		return -ENODEV;
	}
	/* Query only (nodes NULL), on our stack's page: does move_pages work here? */
	if (sys_move_pages(1, &page, NULL, &status) < 0 || status < 0) {
		snprintf(c->res->fail_text, sizeof(c->res->fail_text), "move_pages: %s",
			 strerror(errno));
		return -errno;
	}
	c->res->migrate = true;
	return 0;
}

/* The mirror's frame for area page p, 0 when the entry is not present. */
static uint64_t mirror_pfn(struct stress_ctx *c, uint64_t p)
{
	uint64_t e;

	if (!c->mmu)
		return 0;
	e = mmu_entry(c->mmu, GPA(STRESS_AREA_GPA + p * PAGE));
	return mmu_pte_present(e) ? mmu_pte_hpfn(e).v : 0;
}

/* Nodes of n pages from page, into node[] (-errno for pages not present). */
static int query_nodes(struct stress_ctx *c, uint64_t page, uint64_t n, void **pages, int *node)
{
	for (uint64_t i = 0; i < n; i++)
		pages[i] = c->area + (page + i) * PAGE;
	return sys_move_pages(n, pages, NULL, node) < 0 ? -errno : 0;
}

static void migrate_range(struct stress_ctx *c, uint64_t page, uint64_t n)
{
	static void *pages[MOVE_MAX];
	static int before[MOVE_MAX], after[MOVE_MAX], target[MOVE_MAX];
	static uint64_t old_pfn[MOVE_MAX];
	int to = -1, ret;

	ret = query_nodes(c, page, n, pages, before);
	if (ret) {
		stress_fail(c, "move_pages query: %s", strerror(-ret));
		return;
	}
	for (uint64_t i = 0; i < n && to < 0; i++)
		if (before[i] == 0 || before[i] == 1)
			to = !before[i];
	if (to < 0)
		return; /* nothing present yet */
	for (uint64_t i = 0; i < n; i++) {
		target[i] = to;
		old_pfn[i] = mirror_pfn(c, page + i);
	}
	c->last_op = "move_pages";
	if (sys_move_pages(n, pages, target, after) < 0) {
		stress_fail(c, "move_pages of %llu pages to node %d: %s", (unsigned long long)n, to,
			    strerror(errno));
		return;
	}
	c->res->move_calls++;
	c->res->ops++;
	ret = query_nodes(c, page, n, pages, after);
	if (ret) {
		stress_fail(c, "move_pages query: %s", strerror(-ret));
		return;
	}
	for (uint64_t i = 0; i < n; i++) {
		if (before[i] < 0 || before[i] == to)
			continue;
		if (after[i] != to) {
			c->res->move_stayed++;
			continue;
		}
		c->res->moved[to]++;
		c->res->checks++;
		if (old_pfn[i] && mirror_pfn(c, page + i) == old_pfn[i])
			stress_fail(c, "mirror kept old frame 0x%llx of a page moved to node %d",
				    (unsigned long long)old_pfn[i], to);
	}
}

void stress_migrate_evaluate(struct stress_ctx *c)
{
	c->res->checks++;
	if (!c->res->moved[0] + !c->res->moved[1])
		stress_fail(c, "no page moved (to node 0: %llu, to node 1: %llu)",
			    (unsigned long long)c->res->moved[0],
			    (unsigned long long)c->res->moved[1]);
}

/* A whole 2 MiB block (a THP moves as one) or a range of up to MOVE_MAX pages anywhere. */
void stress_migrate_op(struct stress_ctx *c)
{
	uint64_t page, n;

	if (stress_rand(c) % 2) {
		page = stress_rand(c) % (c->area_pages / HUGE_PAGES) * HUGE_PAGES;
		n = HUGE_PAGES;
	} else {
		n = 1 + stress_rand(c) % MOVE_MAX;
		page = stress_rand(c) % (c->area_pages - n + 1);
	}
	migrate_range(c, page, n);
}
