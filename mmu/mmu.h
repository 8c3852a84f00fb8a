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

#endif
