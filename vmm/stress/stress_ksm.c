// SPDX-License-Identifier: GPL-2.0
/*
 * The ksm scenario: the guest fills its pages with content drawn from 8 values (GUEST_STRESS_SAME)
 * and holds still; the host marks part of the area MADV_MERGEABLE and runs ksmd flat out until
 * half of that shares frames (or a third of the run has passed), stops it, and asks for a new
 * generation. The guest first verifies the merged pages (they kept the content), then rewrites
 * every page: each write to a merged page is a COW break. With ksmd stopped, no page of the area
 * may share a frame after that. Then ksmd runs again, for as many cycles as the run allows.
 * ksmd's settings are restored at the end.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "mmu.h"
#include "stress_priv.h"

#define PAGE 4096ULL
#define KSM_DIR "/sys/kernel/mm/ksm/"
#define PM_PRESENT (1ULL << 63)
#define PM_PFN_MASK ((1ULL << 55) - 1)
/*
 * Mergeable pages at the start of each vCPU's slice. In the TCG box a vCPU's first touch of a
 * merged page costs milliseconds (read and COW break alike), so not the whole area.
 */
#define KSM_SLICE_PAGES 128ULL

enum ksm_phase { KSM_WAIT, KSM_MERGING, KSM_BREAKING };

static const char *const ksm_knobs[] = { "run", "pages_to_scan", "sleep_millisecs" };

struct ksm_state {
	char old[3][32]; /* ksm_knobs' values before the run */
	enum ksm_phase phase;
	uint64_t t0, last_count, merged, mergeable;
	uint64_t *pfn; /* scratch: the area's PFNs */
};

static struct ksm_state ksm_state; /* one scenario runs at a time */

static uint64_t ksm_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

static int read_line(const char *path, char *buf, size_t size)
{
	int fd, ret = 0;
	ssize_t n;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	n = read(fd, buf, size - 1);
	if (n < 0) {
		ret = -errno;
	} else {
		buf[n] = 0;
		buf[strcspn(buf, "\n")] = 0;
	}
	close(fd);
	return ret;
}

static int ksm_read(const char *knob, char *buf, size_t size)
{
	char path[96];

	snprintf(path, sizeof(path), KSM_DIR "%s", knob);
	return read_line(path, buf, size);
}

static int ksm_write(const char *knob, const char *value)
{
	char path[96];

	snprintf(path, sizeof(path), KSM_DIR "%s", knob);
	return stress_write_file(path, value);
}

static uint64_t ksm_sharing(void)
{
	char buf[32] = "";

	return ksm_read("pages_sharing", buf, sizeof(buf)) ? 0 : strtoull(buf, NULL, 10);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* Present pages of the area whose frame another page of the area maps too, or -errno. */
static int64_t ksm_shared_pages(struct stress_ctx *c)
{
	struct ksm_state *k = c->priv;
	size_t len = c->area_pages * sizeof(uint64_t);
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t n = 0, shared = 0;

	if (fd < 0)
		return -errno;
	if (pread(fd, k->pfn, len, (off_t)((uintptr_t)c->area / PAGE * 8)) != (ssize_t)len) {
		close(fd);
		return -EIO;
	}
	close(fd);
	for (uint64_t p = 0; p < c->area_pages; p++)
		if ((k->pfn[p] & PM_PRESENT) && (k->pfn[p] & PM_PFN_MASK))
			k->pfn[n++] = k->pfn[p] & PM_PFN_MASK;
	qsort(k->pfn, n, sizeof(uint64_t), cmp_u64);
	for (uint64_t i = 0; i < n; i++)
		shared += (i && k->pfn[i] == k->pfn[i - 1]) ||
			  (i + 1 < n && k->pfn[i] == k->pfn[i + 1]);
	return (int64_t)shared;
}

/* The frame of a page of ours (ksm_state, just written), 0 when hidden, or -errno. */
static int64_t pagemap_pfn(const void *p)
{
	int fd = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	uint64_t e = 0;
	int64_t ret;

	if (fd < 0)
		return -errno;
	ret = pread(fd, &e, 8, (off_t)((uintptr_t)p / PAGE * 8)) == 8 ? 0 : -EIO;
	close(fd);
	return ret ? ret : (int64_t)(e & PM_PFN_MASK);
}

static int ksm_skip(struct stress_ctx *c, int ret, const char *why)
{
	snprintf(c->res->fail_text, sizeof(c->res->fail_text), "%s", why);
	return ret;
}

/* The first KSM_SLICE_PAGES of each slice (the guest's split of the area) become mergeable. */
static int ksm_mark(struct stress_ctx *c)
{
	struct ksm_state *k = c->priv;
	unsigned int slices = c->vm->nr_vcpus < 8 ? c->vm->nr_vcpus : 8;

	for (unsigned int s = 0; s < slices; s++) {
		uint64_t first = c->area_pages * s / slices;
		uint64_t n = c->area_pages * (s + 1) / slices - first;

		n = n < KSM_SLICE_PAGES ? n : KSM_SLICE_PAGES;
		if (madvise(c->area + first * PAGE, n * PAGE, MADV_MERGEABLE))
			return -errno;
		k->mergeable += n;
	}
	return 0;
}

int stress_ksm_setup(struct stress_ctx *c)
{
	struct ksm_state *k = &ksm_state;
	char buf[32];
	int ret;

	memset(k, 0, sizeof(*k));
	if (access(KSM_DIR "run", W_OK))
		return ksm_skip(c, -ENOENT, "no writable " KSM_DIR "run (no KSM, or not root)");
	for (unsigned int i = 0; i < 3; i++)
		if (ksm_read(ksm_knobs[i], k->old[i], sizeof(k->old[i])))
			return ksm_skip(c, -EIO, "cannot read " KSM_DIR "'s settings");
	k->pfn = malloc(c->area_pages * sizeof(uint64_t));
	if (!k->pfn)
		return ksm_skip(c, -ENOMEM, "out of memory");
	c->priv = k;
	/* Counting merged pages needs their frames, which pagemap shows only to root. */
	if (pagemap_pfn(k) <= 0) {
		ret = ksm_skip(c, -EPERM, "/proc/self/pagemap shows no frame numbers (not root)");
		goto fail;
	}
	ret = ksm_mark(c);
	if (ret) {
		snprintf(c->res->fail_text, sizeof(c->res->fail_text), "MADV_MERGEABLE: %s",
			 strerror(-ret));
		goto fail;
	}
	/*
	 * One batch is one pass over the mergeable pages: writing run 0 waits for the batch in
	 * progress, and a batch of the whole area went over those pages ~50 times (seconds here).
	 */
	snprintf(buf, sizeof(buf), "%llu", (unsigned long long)k->mergeable);
	ret = ksm_write("run", "0");
	if (!ret)
		ret = ksm_write("pages_to_scan", buf);
	if (!ret)
		ret = ksm_write("sleep_millisecs", "0");
	/*
	 * In the two-node box, once NUMA balancing's hinting scan had been over the area (which
	 * the holding guest does not touch), ksmd merged nothing more (every page counted in
	 * pages_volatile, cycle after cycle); with it off every cycle merged them all.
	 */
	stress_numa_balancing_off(c);
	if (ret) {
		snprintf(c->res->fail_text, sizeof(c->res->fail_text), "setting up ksmd: %s",
			 strerror(-ret));
		stress_ksm_teardown(c);
		return ret;
	}
	c->res->ksm = true;
	return 0;
fail:
	free(k->pfn);
	k->pfn = NULL;
	c->priv = NULL;
	return ret;
}

/* Ends a merge phase: ksmd stopped, what it merged counted, the guest asked to rewrite. */
static void ksm_stop_merging(struct stress_ctx *c)
{
	struct ksm_state *k = c->priv;
	uint64_t sharing;
	int64_t shared;
	int ret;

	/* Returns once ksmd's batch in progress is over: the counts below hold still. */
	c->last_op = "ksmd stopped";
	ret = ksm_write("run", "0");
	sharing = ksm_sharing();
	if (ret) {
		stress_fail(c, "stopping ksmd: %s", strerror(-ret));
		return;
	}
	shared = ksm_shared_pages(c);
	if (shared < 0) {
		stress_fail(c, "reading pagemap: %s", strerror((int)-shared));
		return;
	}
	if (sharing > c->res->ksm_sharing)
		c->res->ksm_sharing = sharing;
	k->merged = (uint64_t)shared;
	c->res->ksm_merged += k->merged;
	fprintf(stderr, "stress: ksm: cycle %llu: pages_sharing %llu, %llu area pages merged\n",
		(unsigned long long)c->res->ksm_cycles + 1, (unsigned long long)sharing,
		(unsigned long long)k->merged);
	atomic_fetch_add(&c->want_gen, 1);
	k->phase = KSM_BREAKING;
	c->res->ops++;
}

/* Every page was rewritten with ksmd stopped: none may still share a frame. */
static void ksm_check_broken(struct stress_ctx *c)
{
	struct ksm_state *k = c->priv;
	int64_t left = ksm_shared_pages(c);

	c->res->checks++;
	if (left < 0) {
		stress_fail(c, "reading pagemap: %s", strerror((int)-left));
	} else if (left) {
		stress_fail(c, "%lld area pages still share a frame after the guest rewrote them",
			    (long long)left);
	} else {
		c->res->ksm_broken += k->merged;
		c->res->ksm_cycles++;
	}
	k->phase = KSM_WAIT;
}

void stress_ksm_op(struct stress_ctx *c)
{
	struct ksm_state *k = c->priv;
	uint64_t gen = atomic_load(&c->want_gen), limit = c->duration_ns / 3000000;
	int64_t shared;
	int ret;

	usleep(20000);
	if (!k || !stress_guest_at(c, gen))
		return;
	switch (k->phase) {
	case KSM_WAIT:
		c->last_op = "ksmd started";
		ret = ksm_write("run", "1");
		if (ret) {
			stress_fail(c, "starting ksmd: %s", strerror(-ret));
			return;
		}
		k->t0 = k->last_count = ksm_now_ms();
		k->phase = KSM_MERGING;
		c->res->ops++;
		break;
	case KSM_MERGING:
		/* Counting reads all of the area's pagemap: a few times a second is enough. */
		if (ksm_now_ms() - k->last_count < 250)
			return;
		k->last_count = ksm_now_ms();
		shared = ksm_shared_pages(c);
		if (shared >= (int64_t)(k->mergeable / 2) ||
		    ksm_now_ms() - k->t0 > (limit > 2000 ? limit : 2000))
			ksm_stop_merging(c);
		break;
	case KSM_BREAKING:
		ksm_check_broken(c);
		break;
	}
}

/*
 * Each COW break of a merged page replaces its PTE with set_pte_at_notify (wp_page_copy), so
 * change_pte arrives at least once per page unmerged, unless ring records were lost, on kernels
 * that still have change_pte.
 */
void stress_ksm_evaluate(struct stress_ctx *c)
{
	struct stress_result *r = c->res;
	uint64_t change_pte = 0;

	for (unsigned int ev = 0; ev < STRESS_NR_EV; ev++)
		change_pte += r->events[MMIRROR_CB_CHANGE_PTE][ev];
	r->checks += 3;
	if (!r->ksm_cycles)
		stress_fail(c, "no cycle of merging and rewriting completed");
	if (!r->ksm_merged)
		stress_fail(c, "ksmd merged no page of the area");
	/* Since 6.9 the kernel has no change_pte: the COW's CLEAR invalidation is all there is. */
	if (!(r->cb_offered & (1U << MMIRROR_CB_CHANGE_PTE)))
		return;
	if (c->mmu && !mmu_seq_gaps(c->mmu) && !mmu_ring_lost(c->mmu) && change_pte < r->ksm_broken)
		stress_fail(c, "%llu change_pte records for %llu pages unmerged by COW",
			    (unsigned long long)change_pte, (unsigned long long)r->ksm_broken);
}

/*
 * A loaded machine may not finish a cycle (the guest's first write, a merge, its verify and
 * rewrite) within the duration: the run goes on until one has completed.
 */
bool stress_ksm_more(struct stress_ctx *c)
{
	return !c->res->ksm_cycles;
}

void stress_ksm_teardown(struct stress_ctx *c)
{
	struct ksm_state *k = c->priv;

	if (!k)
		return;
	/* ksmd stops first; its old state comes back last, at its old pace. */
	ksm_write("run", "0");
	for (unsigned int i = 3; i-- > 0;)
		if (ksm_write(ksm_knobs[i], k->old[i]))
			fprintf(stderr, "stress: ksm: cannot restore %s%s to %s\n", KSM_DIR,
				ksm_knobs[i], k->old[i]);
	stress_numa_balancing_restore(c);
	free(k->pfn);
	k->pfn = NULL;
	c->priv = NULL;
}
