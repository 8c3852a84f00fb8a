// SPDX-License-Identifier: GPL-2.0
/*
 * libmmu: opening the mirror, regions and their shadow tables, populate, accessed/dirty bits and
 * the module's counters.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mmu_priv.h"

#define MMU_PAGE 4096ULL

static int mmu_map_ring(struct mmu_mirror *m)
{
	struct mmirror_ring *hdr;
	size_t bytes;

	hdr = mmap(NULL, MMU_PAGE, PROT_READ, MAP_SHARED, m->fd, 0);
	if (hdr == MAP_FAILED)
		return -errno;
	bytes = MMU_PAGE + (size_t)hdr->records * sizeof(struct mmirror_event);
	bytes = (bytes + MMU_PAGE - 1) & ~(MMU_PAGE - 1);
	if (hdr->record_size != sizeof(struct mmirror_event) || !hdr->records) {
		munmap(hdr, MMU_PAGE);
		return -EPROTO;
	}
	munmap(hdr, MMU_PAGE);
	m->ring = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd, 0);
	if (m->ring == MAP_FAILED) {
		m->ring = NULL;
		return -errno;
	}
	m->ring_bytes = bytes;
	m->records = (const struct mmirror_event *)((const char *)m->ring + MMU_PAGE);
	return 0;
}

int mmu_open(struct mmu_mirror **out)
{
	struct mmu_mirror *m = calloc(1, sizeof(*m));
	int ret;

	if (!m)
		return -ENOMEM;
	/*
	 * Opening registers an mmu_notifier, which takes every lock of the mm and gives up with
	 * EINTR when a signal is pending: the signal is handled on the way out, so try again.
	 */
	for (int tries = 0; tries < 100; tries++) {
		m->fd = open(MMIRROR_DEVICE, O_RDWR | O_CLOEXEC);
		if (m->fd >= 0 || errno != EINTR)
			break;
	}
	if (m->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	ret = ioctl(m->fd, MMIRROR_IOC_VERSION);
	if (ret != MMIRROR_API_VERSION) {
		ret = ret < 0 ? -errno : -EPROTO;
		goto err_close;
	}
	ret = mmu_map_ring(m);
	if (ret)
		goto err_close;
	*out = m;
	return 0;

err_close:
	close(m->fd);
err_free:
	free(m);
	return ret;
}

void mmu_close(struct mmu_mirror *m)
{
	unsigned int i;

	if (!m)
		return;
	for (i = 0; i < m->nregions; i++)
		munmap(m->regions[i].table, m->regions[i].table_bytes);
	if (m->ring)
		munmap(m->ring, m->ring_bytes);
	close(m->fd);
	free(m);
}

int mmu_fd(const struct mmu_mirror *m)
{
	return m->fd;
}

int mmu_add_region(struct mmu_mirror *m, hva_t hva, uint64_t size, gpa_t gpa)
{
	struct mmirror_region req = { .hva = hva.v, .size = size, .gpa = gpa.v };
	struct mmu_region *r;
	void *table;

	if (m->nregions >= MMIRROR_MAX_REGIONS)
		return -ENOSPC;
	if (ioctl(m->fd, MMIRROR_IOC_ADD_REGION, &req))
		return -errno;
	table = mmap(NULL, req.table_size, PROT_READ | PROT_WRITE, MAP_SHARED, m->fd,
		     (off_t)req.table_offset);
	if (table == MAP_FAILED) {
		int ret = -errno;

		ioctl(m->fd, MMIRROR_IOC_DEL_REGION, &req.gpa);
		return ret;
	}
	r = &m->regions[m->nregions++];
	r->hva = hva;
	r->gpa = gpa;
	r->size = size;
	r->id = req.id;
	r->table = table;
	r->table_bytes = req.table_size;
	return 0;
}

int mmu_del_region(struct mmu_mirror *m, gpa_t gpa)
{
	unsigned int i;
	uint64_t v = gpa.v;

	if (ioctl(m->fd, MMIRROR_IOC_DEL_REGION, &v))
		return -errno;
	for (i = 0; i < m->nregions; i++) {
		if (m->regions[i].gpa.v != gpa.v)
			continue;
		munmap(m->regions[i].table, m->regions[i].table_bytes);
		m->regions[i] = m->regions[--m->nregions];
		break;
	}
	return 0;
}

const struct mmu_region *mmu_region_of(const struct mmu_mirror *m, gpa_t gpa)
{
	unsigned int i;

	for (i = 0; i < m->nregions; i++) {
		const struct mmu_region *r = &m->regions[i];

		if (gpa.v >= r->gpa.v && gpa.v - r->gpa.v < r->size)
			return r;
	}
	return NULL;
}

const struct mmu_region *mmu_region_at(const struct mmu_mirror *m, unsigned int index)
{
	return index < m->nregions ? &m->regions[index] : NULL;
}

uint64_t mmu_entry_at(const struct mmu_region *r, uint64_t index)
{
	return __atomic_load_n(&r->table[index], __ATOMIC_ACQUIRE);
}

uint64_t mmu_entry(const struct mmu_mirror *m, gpa_t gpa)
{
	const struct mmu_region *r = mmu_region_of(m, gpa);

	return r ? mmu_entry_at(r, (gpa.v - r->gpa.v) / MMU_PAGE) : 0;
}

/* The module may clear an entry at any moment: set bits only while it stays present. */
static void mmu_entry_mark(uint64_t *e, uint64_t bits)
{
	uint64_t old = __atomic_load_n(e, __ATOMIC_RELAXED);

	while ((old & MMIRROR_PTE_PRESENT) && (old & bits) != bits) {
		if (__atomic_compare_exchange_n(e, &old, old | bits, false, __ATOMIC_ACQ_REL,
						__ATOMIC_RELAXED))
			break;
	}
}

void mmu_touch(struct mmu_mirror *m, gpa_t gpa, uint64_t len, bool write)
{
	uint64_t bits = MMIRROR_PTE_ACCESSED | (write ? MMIRROR_PTE_DIRTY : 0);
	uint64_t end = gpa.v + len, p;

	for (p = gpa.v & ~(MMU_PAGE - 1); p < end; p += MMU_PAGE) {
		const struct mmu_region *r = mmu_region_of(m, GPA(p));

		if (r)
			mmu_entry_mark(&r->table[(p - r->gpa.v) / MMU_PAGE], bits);
	}
}

int mmu_populate_ex(struct mmu_mirror *m, gpa_t gpa, uint64_t len, unsigned int flags,
		    uint64_t *pages, uint64_t *retries)
{
	struct mmirror_populate req = { .gpa = gpa.v, .len = len, .flags = flags };
	int ret = ioctl(m->fd, MMIRROR_IOC_POPULATE, &req) ? -errno : 0;

	if (pages)
		*pages = req.pages;
	if (retries)
		*retries = req.retries;
	return ret;
}

int mmu_populate(struct mmu_mirror *m, gpa_t gpa, uint64_t len, unsigned int flags)
{
	return mmu_populate_ex(m, gpa, len, flags, NULL, NULL);
}

int mmu_set_flags(struct mmu_mirror *m, uint64_t flags)
{
	return ioctl(m->fd, MMIRROR_IOC_SET_FLAGS, &flags) ? -errno : 0;
}

int mmu_get_stats(struct mmu_mirror *m, struct mmirror_stats *st)
{
	return ioctl(m->fd, MMIRROR_IOC_GET_STATS, st) ? -errno : 0;
}
