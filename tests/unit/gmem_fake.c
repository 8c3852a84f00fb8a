// SPDX-License-Identifier: GPL-2.0
/*
 * The guest memory accessor for unit tests and the fuzzer, written to the contract in
 * vmm/guest_mem.h over whatever regions a test sets up, so device code can be driven without a VM.
 */
#include <errno.h>
#include <string.h>

#include "../../vmm/guest_mem.h"

static struct gmem_region *find(const struct guest_mem *gm, gpa_t gpa, uint64_t len)
{
	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gmem_region *r = &gm->region[i];
		uint64_t off = gpa.v - r->gpa.v;

		if (gpa.v < r->gpa.v || off >= r->size)
			continue;
		if (len > r->size - off)
			return NULL;
		return (struct gmem_region *)r;
	}
	return NULL;
}

void *gmem_access(struct guest_mem *gm, gpa_t gpa, uint64_t len, bool write)
{
	struct gmem_region *r = find(gm, gpa, len);

	if (!r)
		return NULL;
	if (gm->touch)
		gm->touch(gm->touch_opaque, gpa, len, write);
	return (char *)hva_to_ptr(r->hva) + (gpa.v - r->gpa.v);
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
	struct gmem_region *r = find(gm, gpa, 1);

	if (!r)
		return -EFAULT;
	*hva = hva_add(r->hva, gpa.v - r->gpa.v);
	return 0;
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
