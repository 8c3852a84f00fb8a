/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest RAM and the one checked accessor for it. Every read or write of guest memory by the VMM
 * or a device goes through gmem_access() (or the copy helpers built on it): the guest supplies
 * addresses and lengths, so each is checked against the RAM regions, and the access is reported
 * to the mirror (accessed, and dirty for writes) so host reclaim sees the VMM's use of a page the
 * way it sees KVM's.
 */
#ifndef MIRRORVM_GUEST_MEM_H
#define MIRRORVM_GUEST_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mirrorvm/addr.h>

#define GMEM_MAX_REGIONS 8

struct gmem_region {
	gpa_t gpa;
	uint64_t size;
	hva_t hva;
};

/* Called for every successful access; set by the VMM when the mirror is attached. */
typedef void (*gmem_touch_fn)(void *opaque, gpa_t gpa, uint64_t len, bool write);

struct guest_mem {
	struct gmem_region region[GMEM_MAX_REGIONS];
	unsigned int nr_regions;
	gmem_touch_fn touch;
	void *touch_opaque;
};

/*
 * A host pointer to [gpa, gpa + len) when that range lies wholly inside one RAM region (len may
 * be 0), else NULL. Overflowing ranges are refused.
 */
void *gmem_access(struct guest_mem *gm, gpa_t gpa, uint64_t len, bool write);

/* Copy helpers: 0, or -EFAULT when the range is not wholly guest RAM. */
int gmem_read(struct guest_mem *gm, gpa_t gpa, void *buf, size_t len);
int gmem_write(struct guest_mem *gm, gpa_t gpa, const void *buf, size_t len);

/* The host address of a guest-physical address, without marking an access; -EFAULT if none. */
int gmem_gpa_to_hva(const struct guest_mem *gm, gpa_t gpa, hva_t *hva);

/* The guest-physical address backing a host address inside guest RAM; -EFAULT if none. */
int gmem_hva_to_gpa(const struct guest_mem *gm, hva_t hva, gpa_t *gpa);

/*
 * Lays out size bytes of host memory at base as guest RAM: from GPA 0 up to the MMIO hole, the
 * rest above 4 GiB (guest/include/guest_abi.h). Used by gmem_alloc() and by tests.
 */
int gmem_layout(struct guest_mem *gm, hva_t base, uint64_t size);

/*
 * Maps guest RAM: one anonymous private MAP_NORESERVE mapping, MADV_HUGEPAGE (or NOHUGEPAGE)
 * and MADV_DONTFORK, laid out by gmem_layout(). 0 or -errno.
 */
int gmem_alloc(struct guest_mem *gm, uint64_t size, bool thp);
void gmem_free(struct guest_mem *gm);

#endif
