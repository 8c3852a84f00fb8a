/* SPDX-License-Identifier: GPL-2.0 */
/*
 * libmmu: the userspace side of the mirror. Opens /dev/mmirror, registers guest RAM regions, maps
 * their shadow tables and the event ring, and checks the tables against /proc/self/pagemap.
 *
 * This is the contract the VMM codes against; the functions below keep these signatures.
 */
#ifndef MIRRORVM_MMU_H
#define MIRRORVM_MMU_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <mirrorvm/addr.h>

#include "mmirror_uapi.h"

struct mmu_mirror;

/* Opens the mirror for this process's mm. -ENOENT: the module is not loaded. */
int mmu_open(struct mmu_mirror **out);
void mmu_close(struct mmu_mirror *m);

/* Mirrors guest RAM [hva, hva + size) at gpa and maps its shadow table. */
int mmu_add_region(struct mmu_mirror *m, hva_t hva, uint64_t size, gpa_t gpa);
int mmu_del_region(struct mmu_mirror *m, gpa_t gpa);

/* An fd for poll()/io_uring: readable while the event ring holds records. */
int mmu_fd(const struct mmu_mirror *m);

/* Consumes the ring: fn for each record in order; returns how many, or -errno. */
typedef void (*mmu_event_fn)(void *opaque, const struct mmirror_event *ev);
int mmu_drain(struct mmu_mirror *m, mmu_event_fn fn, void *opaque);

/* Marks guest pages accessed (and dirty when write) as the VMM's devices touch them. */
void mmu_touch(struct mmu_mirror *m, gpa_t gpa, uint64_t len, bool write);

/* Fills shadow entries for [gpa, gpa + len) from the primary MMU (hmm_range_fault). */
int mmu_populate(struct mmu_mirror *m, gpa_t gpa, uint64_t len, unsigned int flags);

/* The module's counters, and a human-readable rendering of them. */
int mmu_get_stats(struct mmu_mirror *m, struct mmirror_stats *st);
void mmu_print_stats(FILE *f, const struct mmirror_stats *st);

/* One line describing a ring record (no newline); returns the snprintf length. */
int mmu_format_event(char *buf, size_t size, const struct mmirror_event *ev);

/*
 * Beyond the VMM's contract: the table view, flags, a populate that reports its retries, event
 * names, and the coherence check against /proc/self/pagemap.
 */

/* One region as the library sees it: the table is shared with the module. */
struct mmu_region {
	hva_t hva;
	gpa_t gpa;
	uint64_t size;
	uint32_t id;
	uint64_t *table; /* size / 4096 entries; read with mmu_entry_at(), never written directly */
	size_t table_bytes;
};

/* The region holding gpa, or NULL. */
const struct mmu_region *mmu_region_of(const struct mmu_mirror *m, gpa_t gpa);
/* Iterates the regions: index 0, 1, ... until NULL. */
const struct mmu_region *mmu_region_at(const struct mmu_mirror *m, unsigned int index);

/* The shadow entry for gpa (0 when no region holds it). */
uint64_t mmu_entry(const struct mmu_mirror *m, gpa_t gpa);
uint64_t mmu_entry_at(const struct mmu_region *r, uint64_t index);

static inline bool mmu_pte_present(uint64_t e)
{
	return e & MMIRROR_PTE_PRESENT;
}

static inline hpfn_t mmu_pte_hpfn(uint64_t e)
{
	return HPFN((e & MMIRROR_PTE_PFN_MASK) >> MMIRROR_PTE_PFN_SHIFT);
}

/* Present, made read-only by an invalidation that kept the page (the cause says which). */
static inline bool mmu_pte_downgraded(uint64_t e)
{
	return (e & MMIRROR_PTE_PRESENT) && (e & MMIRROR_PTE_DOWNGRADED);
}

/* The last invalidation cause (enum mmirror_event_type), or -1 when never invalidated. */
static inline int mmu_pte_cause(uint64_t e)
{
	return (int)((e & MMIRROR_PTE_CAUSE_MASK) >> MMIRROR_PTE_CAUSE_SHIFT) - 1;
}

static inline hva_t mmu_region_hva(const struct mmu_region *r, gpa_t gpa)
{
	return hva_add(r->hva, gpa.v - r->gpa.v);
}

/* MMIRROR_F_* for this file. */
int mmu_set_flags(struct mmu_mirror *m, uint64_t flags);

/* mmu_populate that also reports entries made present and sequence collisions retried. */
int mmu_populate_ex(struct mmu_mirror *m, gpa_t gpa, uint64_t len, unsigned int flags,
		    uint64_t *pages, uint64_t *retries);

/* Records missing from the ring as counted by sequence gaps while draining, and by the module. */
uint64_t mmu_seq_gaps(const struct mmu_mirror *m);
uint64_t mmu_ring_lost(const struct mmu_mirror *m);

const char *mmu_event_type_name(unsigned int event);
const char *mmu_callback_name(unsigned int callback);

/* The outcome of comparing every present shadow entry with /proc/self/pagemap. */
struct mmu_check_result {
	uint64_t entries; /* entries looked at */
	uint64_t present; /* present in the shadow table */
	uint64_t stale; /* present in the table, not in pagemap */
	uint64_t pfn_mismatch; /* both give a PFN and they differ */
	uint64_t huge_mismatch; /* marked huge, but /proc/kpageflags says not a THP */
	uint64_t writable_ro; /* WRITE in the table where the host cannot write: a VMA without
			       * write permission, or an anonymous page mapped more than once (COW) */
	bool pfn_checked; /* PFNs were visible on both sides */
	bool huge_checked; /* /proc/kpageflags was readable */
	gpa_t first_bad;
};

/* Returns the number of bad entries (0: coherent) or -errno. Call with the mirror quiescent. */
int mmu_check(struct mmu_mirror *m, struct mmu_check_result *res);

#endif
