// SPDX-License-Identifier: GPL-2.0
/*
 * Guest RAM: one anonymous mapping split around the MMIO hole, and the one checked accessor
 * every guest-memory access goes through.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "guest_abi.h"
#include "guest_mem.h"

void *gmem_access(struct guest_mem *gm, gpa_t gpa, uint64_t len, bool write)
{
	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gmem_region *r = &gm->region[i];
		uint64_t off = gpa.v - r->gpa.v;

		if (gpa.v < r->gpa.v || off > r->size || len > r->size - off)
			continue;
		if (gm->touch && len)
			gm->touch(gm->touch_opaque, gpa, len, write);
		return hva_to_ptr(hva_add(r->hva, off));
	}
	return NULL;
}

int gmem_read(struct guest_mem *gm, gpa_t gpa, void *buf, size_t len)
{
	void *p = gmem_access(gm, gpa, len, false);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

int gmem_write(struct guest_mem *gm, gpa_t gpa, const void *buf, size_t len)
{
	void *p = gmem_access(gm, gpa, len, true);

	if (!p)
		return -EFAULT;
	memcpy(p, buf, len);
	return 0;
}

int gmem_gpa_to_hva(const struct guest_mem *gm, gpa_t gpa, hva_t *hva)
{
	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gmem_region *r = &gm->region[i];

		if (gpa.v >= r->gpa.v && gpa.v - r->gpa.v < r->size) {
			*hva = hva_add(r->hva, gpa.v - r->gpa.v);
			return 0;
		}
	}
	return -EFAULT;
}

int gmem_hva_to_gpa(const struct guest_mem *gm, hva_t hva, gpa_t *gpa)
{
	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gmem_region *r = &gm->region[i];

		if (hva.v >= r->hva.v && hva.v - r->hva.v < r->size) {
			*gpa = gpa_add(r->gpa, hva.v - r->hva.v);
			return 0;
		}
	}
	return -EFAULT;
}

int gmem_layout(struct guest_mem *gm, hva_t base, uint64_t size)
{
	uint64_t low = size < GUEST_HOLE_START ? size : GUEST_HOLE_START;

	memset(gm->region, 0, sizeof(gm->region));
	gm->region[0] = (struct gmem_region){ .gpa = GPA(0), .size = low, .hva = base };
	gm->nr_regions = 1;
	if (size > low) {
		gm->region[1] = (struct gmem_region){
			.gpa = GPA(GUEST_HOLE_END),
			.size = size - low,
			.hva = hva_add(base, low),
		};
		gm->nr_regions = 2;
	}
	return 0;
}

/* Aligned to 2 MiB so that THP can back guest RAM from its first byte. */
static void *gmem_map_aligned(uint64_t size)
{
	uint64_t extra = GUEST_HUGE_SIZE, head, tail;
	uint8_t *p, *a;

	if (size > UINT64_MAX - extra) {
		errno = ENOMEM;
		return NULL;
	}
	p = mmap(NULL, size + extra, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + extra - 1) & ~(uintptr_t)(extra - 1));
	head = a - p;
	tail = extra - head;
	if (head)
		munmap(p, head);
	if (tail)
		munmap(a + size, tail);
	return a;
}

int gmem_alloc(struct guest_mem *gm, uint64_t size, bool thp)
{
	void *p;

	if (!size || size % GUEST_PAGE_SIZE)
		return -EINVAL;
	p = gmem_map_aligned(size);
	if (!p)
		return -errno;
	/* Not fatal: a kernel without THP still runs the guest, only slower. */
	madvise(p, size, thp ? MADV_HUGEPAGE : MADV_NOHUGEPAGE);
	if (madvise(p, size, MADV_DONTFORK)) {
		int ret = -errno;

		munmap(p, size);
		return ret;
	}
	memset(gm, 0, sizeof(*gm));
	return gmem_layout(gm, ptr_to_hva(p), size);
}

void gmem_free(struct guest_mem *gm)
{
	uint64_t size = 0;

	for (unsigned int i = 0; i < gm->nr_regions; i++)
		size += gm->region[i].size;
	if (gm->nr_regions)
		munmap(hva_to_ptr(gm->region[0].hva), size);
	gm->nr_regions = 0;
}
