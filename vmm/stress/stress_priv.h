/* SPDX-License-Identifier: GPL-2.0 */
/* mirrorvm stress, between the driver (stress.c) and the scenarios (stress_ops.c). */
#ifndef MIRRORVM_STRESS_PRIV_H
#define MIRRORVM_STRESS_PRIV_H

#include <pthread.h>

#include "stress.h"
#include "../vm.h"

#define STRESS_AREA_GPA (8ULL << 20) /* above the stress guest's image and bitmaps */
#define STRESS_DAMON_ADMIN "/sys/kernel/mm/damon/admin"

struct stress_ctx;

struct stress_scenario {
	const char *name;
	bool in_default; /* part of the suite run when no scenario is named */
	uint64_t words; /* words the guest writes per page */
	uint32_t expect; /* MMIRROR_EV_* bits that must arrive as invalidations */
	bool expect_huge; /* invalidations widened to 2 MiB must arrive */
	bool report_kept; /* the summary says what the downgrade kept and populate restored */
	bool hold; /* the guest writes once, then holds still until the end, then verifies */
	bool same; /* pages of a class (page number modulo 8) get identical content (ksm) */
	uint32_t expect_cb; /* MMIRROR_CB_* bits: callbacks that must arrive (any type) */
	/* Before the vCPUs start (0, or -errno and the reason in res->fail_text: skipped). */
	int (*setup)(struct stress_ctx *c);
	void (*op)(struct stress_ctx *c);
	void (*teardown)(struct stress_ctx *c);
	/* After the duration: true while the scenario has not yet done what it must (overtime). */
	bool (*more)(struct stress_ctx *c);
	/* After the run and its events are in: the scenario's own requirements. */
	void (*evaluate)(struct stress_ctx *c);
	/* Instead of a VM of its own: runs the scenario whole (0, or -errno: skipped). */
	int (*run)(struct stress_ctx *c, struct stress_run *run);
};

struct stress_ctx {
	struct vm *vm;
	struct mmu_mirror *mmu; /* NULL: the mirror is off */
	const struct stress_scenario *sc;
	struct stress_result *res;
	uint64_t rng;
	uint8_t *area; /* host view of the perturbed area */
	uint64_t area_pages;
	atomic_uint_fast64_t dseq;
	atomic_uint_fast64_t *mark; /* per page: dseq when last discarded */
	atomic_uint *busy; /* per page: discards in progress */
	atomic_bool over;
	uint64_t duration_ns;
	bool exit_mid_storm; /* teardown's child: exit(3) after the first progress line */
	bool keep_numa_balancing; /* stress_numa_balancing_off() leaves it as it is */
	atomic_uint_fast64_t guest_rounds;
	pthread_mutex_t lock; /* res->fail_text */
	uint64_t slice_first[8], slice_asks[8]; /* hold: which slices asked, how often */
	uint64_t slice_gen[8]; /* hold: the generation each slice has written */
	atomic_uint_fast64_t want_gen; /* hold: the generation the host asks the guest to write */
	void *priv; /* the scenario's own state */
	const char *last_op; /* for the report of a crash */
	char cgroup[128]; /* the memcg the scenario made, or "" */
	char old_cgroup[160];
	char old_numa_balancing[16]; /* to restore, or "" */
	uint64_t downgraded_before; /* the module's pages_downgraded when the scenario began */
};

extern const struct stress_scenario stress_scenarios[];
extern const unsigned int stress_nr_scenarios;

uint64_t stress_rand(struct stress_ctx *c);
/* Counts a failure; the first one's text is kept. */
void stress_fail(struct stress_ctx *c, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Brackets an operation that may zero [page, page + n) of the area. */
void stress_discard_begin(struct stress_ctx *c, uint64_t page, uint64_t n);
void stress_discard_end(struct stress_ctx *c, uint64_t page, uint64_t n);

/* hold: every slice has written its first round. */
bool stress_guest_written(struct stress_ctx *c);
int stress_ageing_setup(struct stress_ctx *c);
void stress_ageing_op(struct stress_ctx *c);
void stress_ageing_teardown(struct stress_ctx *c);
/* DAMON on this process, where the kernel has it: clear_young and test_young must arrive. */
void stress_damon_phase(struct stress_ctx *c);

/* The scenarios' memcg: a child of the root cgroup holding the whole VMM. */
int stress_write_file(const char *path, const char *text);
int stress_memcg_enter(struct stress_ctx *c, uint64_t max);
void stress_memcg_leave(struct stress_ctx *c);
/* A memcg for a child process (no swap, memory.max max), and its removal. */
int stress_memcg_enter_child(struct stress_ctx *c, uint64_t max);
void stress_memcg_remove(struct stress_ctx *c);
int stress_teardown_run(struct stress_ctx *c, struct stress_run *run);
/* /proc/sys/kernel/numa_balancing off for the scenario (where it exists), and back. */
void stress_numa_balancing_off(struct stress_ctx *c);
void stress_numa_balancing_restore(struct stress_ctx *c);

/* hold: every slice has written generation gen. */
bool stress_guest_at(struct stress_ctx *c, uint64_t gen);
int stress_ksm_setup(struct stress_ctx *c);
void stress_ksm_op(struct stress_ctx *c);
void stress_ksm_teardown(struct stress_ctx *c);
void stress_ksm_evaluate(struct stress_ctx *c);
bool stress_ksm_more(struct stress_ctx *c);
void stress_migrate_evaluate(struct stress_ctx *c);
int stress_migrate_setup(struct stress_ctx *c);
void stress_migrate_op(struct stress_ctx *c);

#endif
