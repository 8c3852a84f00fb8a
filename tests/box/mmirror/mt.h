/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Helpers for the mmirror box tests: a test process maps anonymous memory as its "guest RAM",
 * mirrors it, and checks the events and the table after each host operation.
 */
#ifndef MT_H
#define MT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "mirrorvm/madvise.h"
#include "mmu.h"

#define MT_PAGE 4096UL
#define MT_HUGE (2UL << 20)
#define MT_GPA 0x40000000ULL
#define MT_EVENTS_MAX 65536

#define mt_fail(...)                                                                               \
	do {                                                                                       \
		fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__);                               \
		fprintf(stderr, __VA_ARGS__);                                                      \
		fprintf(stderr, "\n");                                                             \
		exit(1);                                                                           \
	} while (0)

#define mt_assert(cond, ...)                                                                       \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "(%s) ", #cond);                                           \
			mt_fail(__VA_ARGS__);                                                      \
		}                                                                                  \
	} while (0)

/* Exit status 77: the box cannot show this, with the reason printed last. */
#define mt_skip(...)                                                                               \
	do {                                                                                       \
		printf(__VA_ARGS__);                                                               \
		printf("\n");                                                                      \
		exit(77);                                                                          \
	} while (0)

enum mt_backing {
	MT_SMALL, /* MADV_NOHUGEPAGE: 4 KiB pages */
	MT_THP, /* MADV_HUGEPAGE, 2 MiB aligned */
};

struct mt {
	struct mmu_mirror *m;
	uint8_t *ram;
	size_t size;
	gpa_t gpa;
	struct mmirror_event *events;
	size_t nevents;
	bool verbose;
};

/* Opens the mirror (exit 77 without the module). */
void mt_open(struct mt *t);
/* Maps size bytes, writes every page, mirrors it at MT_GPA and populates it. */
void mt_setup(struct mt *t, size_t size, enum mt_backing backing);
void *mt_map(size_t size, enum mt_backing backing);
void mt_fill(uint8_t *p, size_t size, uint8_t seed);
void mt_populate(struct mt *t, unsigned int flags);
/* Drains the ring into t->events (appending). */
void mt_drain(struct mt *t);
void mt_clear_events(struct mt *t);
void mt_print_events(struct mt *t);
/* The first record of callback cb (and event ev, unless ev < 0) whose gpa range covers
 * [start, end); NULL when none. */
const struct mmirror_event *mt_find(struct mt *t, int cb, int ev, uint64_t start, uint64_t end);
/* Exits with a message unless such a record arrived; prints it. */
const struct mmirror_event *mt_expect(struct mt *t, int cb, int ev, uint64_t start, uint64_t end);
/* Whether this kernel calls callback cb at all (GET_STATS' callbacks_offered). */
bool mt_offers(struct mt *t, int cb);
/* mt_expect where the kernel offers cb; where it does not, that no such record came. */
void mt_expect_offered(struct mt *t, int cb, int ev, uint64_t start, uint64_t end);
/* Exits unless the table agrees with pagemap; returns the check result. */
struct mmu_check_result mt_coherent(struct mt *t, const char *when);
uint64_t mt_gpa_of(struct mt *t, const void *p);
uint64_t mt_entry(struct mt *t, const void *p);
int mt_count_present(struct mt *t, const void *p, size_t len);
bool mt_privileged(void);
/*
 * Whether the running kernel can tell a write-protecting mprotect from others: it exports
 * mmu_notifier_range_update_to_read_only() (6.1-6.2; the module's Kbuild asks the same), so
 * the module downgrades PROTECTION_VMA; elsewhere it clears. From /proc/kallsyms' __ksymtab_.
 */
bool mt_kernel_tells_read_only(void);
int mt_read_int(const char *path);
void mt_write_file(const char *path, const char *s);

#endif
