// SPDX-License-Identifier: GPL-2.0
/*
 * libmmu: the coherence check. Every present shadow entry must be backed by a present (not
 * swapped) page in /proc/self/pagemap, with the same PFN where both sides show one, and an entry
 * marked huge must be a THP according to /proc/kpageflags. No entry may be writable where the
 * host PTE is not, as far as userspace can tell: the VMA lacks write permission
 * (/proc/self/maps), or the page is anonymous and not exclusively mapped (a COW-shared page).
 *
 * The table is read before and after pagemap; only an entry present and unchanged across both
 * reads is judged, so a page the kernel changes during the check is not reported.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "mmu_priv.h"

#define PM_PRESENT (1ULL << 63)
#define PM_FILE (1ULL << 61)
#define PM_EXCLUSIVE (1ULL << 56)
#define MMU_CHECK_VMAS 512
#define PM_PFN_MASK ((1ULL << 55) - 1)
#define KPF_THP 22
#define MMU_CHECK_CHUNK 512

struct mmu_check_vma {
	uint64_t start, end;
	bool writable;
};

struct mmu_check_ctx {
	int pagemap;
	int kpageflags;
	struct mmu_check_result *res;
	struct mmu_check_vma *vmas;
	unsigned int nvmas;
};

/* The VMAs of /proc/self/maps; with none read, every VMA counts as writable. */
static void mmu_check_read_maps(struct mmu_check_ctx *c)
{
	FILE *f = fopen("/proc/self/maps", "re");
	unsigned long long s, e;
	char perms[8], line[512];

	c->nvmas = 0;
	c->vmas = f ? calloc(MMU_CHECK_VMAS, sizeof(*c->vmas)) : NULL;
	if (!c->vmas) {
		if (f)
			fclose(f);
		return;
	}
	while (c->nvmas < MMU_CHECK_VMAS && fgets(line, sizeof(line), f)) {
		if (sscanf(line, "%llx-%llx %7s", &s, &e, perms) != 3)
			continue;
		c->vmas[c->nvmas++] = (struct mmu_check_vma){ s, e, perms[1] == 'w' };
	}
	fclose(f);
}

static bool mmu_check_vma_writable(const struct mmu_check_ctx *c, uint64_t hva)
{
	unsigned int i;

	for (i = 0; i < c->nvmas; i++)
		if (hva >= c->vmas[i].start && hva < c->vmas[i].end)
			return c->vmas[i].writable;
	return c->nvmas == 0;
}

static int mmu_pread_all(int fd, void *buf, size_t len, off_t off)
{
	ssize_t n = pread(fd, buf, len, off);

	if (n < 0)
		return -errno;
	return (size_t)n == len ? 0 : -EIO;
}

static bool mmu_check_huge(struct mmu_check_ctx *c, uint64_t pfn)
{
	uint64_t flags;

	if (c->kpageflags < 0 || !pfn)
		return true;
	if (mmu_pread_all(c->kpageflags, &flags, sizeof(flags), (off_t)(pfn * 8)))
		return true;
	c->res->huge_checked = true;
	return flags & (1ULL << KPF_THP);
}

/* Judges one entry; returns true when it is bad. */
static bool mmu_check_entry(struct mmu_check_ctx *c, uint64_t e, uint64_t pm, uint64_t hva)
{
	struct mmu_check_result *res = c->res;
	uint64_t epfn = mmu_pte_hpfn(e).v, ppfn = pm & PM_PFN_MASK;

	res->present++;
	if (!(pm & PM_PRESENT)) {
		res->stale++;
		return true;
	}
	if (epfn && ppfn) {
		res->pfn_checked = true;
		if (epfn != ppfn) {
			res->pfn_mismatch++;
			return true;
		}
	}
	if ((e & MMIRROR_PTE_HUGE) && !mmu_check_huge(c, ppfn)) {
		res->huge_mismatch++;
		return true;
	}
	if ((e & MMIRROR_PTE_WRITE) &&
	    (!mmu_check_vma_writable(c, hva) || !(pm & (PM_FILE | PM_EXCLUSIVE)))) {
		res->writable_ro++;
		return true;
	}
	return false;
}

static int mmu_check_chunk(struct mmu_check_ctx *c, const struct mmu_region *r, uint64_t idx,
			   uint64_t n, int *bad)
{
	uint64_t before[MMU_CHECK_CHUNK], pm[MMU_CHECK_CHUNK], i;
	hva_t hva = hva_add(r->hva, idx * 4096);
	int ret;

	for (i = 0; i < n; i++)
		before[i] = mmu_entry_at(r, idx + i);
	ret = mmu_pread_all(c->pagemap, pm, n * 8, (off_t)(hva.v / 4096 * 8));
	if (ret)
		return ret;
	for (i = 0; i < n; i++) {
		uint64_t e = mmu_entry_at(r, idx + i);

		c->res->entries++;
		if (!mmu_pte_present(e) || e != before[i])
			continue;
		if (mmu_check_entry(c, e, pm[i], hva.v + i * 4096) && !(*bad)++)
			c->res->first_bad = GPA(r->gpa.v + (idx + i) * 4096);
	}
	return 0;
}

int mmu_check(struct mmu_mirror *m, struct mmu_check_result *res)
{
	struct mmu_check_ctx c = { .res = res };
	unsigned int ri;
	int bad = 0, ret = 0;

	memset(res, 0, sizeof(*res));
	c.pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
	if (c.pagemap < 0)
		return -errno;
	c.kpageflags = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
	mmu_check_read_maps(&c);
	for (ri = 0; ri < m->nregions && !ret; ri++) {
		const struct mmu_region *r = &m->regions[ri];
		uint64_t n = r->size / 4096, idx;

		for (idx = 0; idx < n && !ret; idx += MMU_CHECK_CHUNK) {
			uint64_t k = n - idx < MMU_CHECK_CHUNK ? n - idx : MMU_CHECK_CHUNK;

			ret = mmu_check_chunk(&c, r, idx, k, &bad);
		}
	}
	free(c.vmas);
	if (c.kpageflags >= 0)
		close(c.kpageflags);
	close(c.pagemap);
	return ret ? ret : bad;
}
