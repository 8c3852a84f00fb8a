/* SPDX-License-Identifier: GPL-2.0 */
/*
 * mirrorvm stress: scenarios of host perturbation (vmm/stress/stress_ops.c) against the stress
 * guest, with the mirror as the witness (vmm/stress/stress.c), reported as a table and as JSON
 * (vmm/stress/stress_json.c, which needs no KVM so the unit tests link it).
 */
#ifndef MIRRORVM_STRESS_H
#define MIRRORVM_STRESS_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mmirror_uapi.h"

#define STRESS_MAX_FAIL_TEXT 160
#define STRESS_NR_CB 8 /* MMIRROR_CB_INVALIDATE .. MMIRROR_CB_RELEASE */
#define STRESS_NR_EV 9 /* MMIRROR_EV_UNMAP .. MMIRROR_EV_EXCLUSIVE, then "none" */
#define STRESS_EV_NONE (STRESS_NR_EV - 1)

/* What one scenario did and found. */
struct stress_result {
	const char *name;
	bool ran; /* false: skipped (why in fail_text) */
	uint64_t rounds; /* host rounds, each ending with a check point */
	uint64_t guest_rounds; /* pattern rounds verified by the guest, all vCPUs */
	uint64_t checks; /* mirror checks, guest verifications and event checks done */
	uint64_t ops; /* perturbations done */
	uint64_t discarded_pages;
	uint64_t failures;
	uint64_t stale; /* shadow entries found present where pagemap was not */
	uint64_t huge_events; /* invalidations the module widened to whole huge pages */
	uint64_t huge_partial; /* of those, not covering whole 2 MiB */
	uint64_t events[STRESS_NR_CB][STRESS_NR_EV];
	int vm_status;
	bool mirror_on;
	uint32_t cb_offered; /* 1 << MMIRROR_CB_* the kernel calls (all when the module says 0) */
	/* ageing: pages of each set evicted under pressure with the young answer on and off */
	bool ageing;
	uint64_t hot_evicted[2], cold_evicted[2], hot_pages, cold_pages;
	/*
	 * ksm: cycles of merging then rewriting; the most pages_sharing seen; area pages found
	 * sharing a frame when ksmd was stopped, and of those, unshared by the guest's rewrite.
	 */
	bool ksm;
	uint64_t ksm_cycles, ksm_sharing, ksm_merged, ksm_broken;
	/* migrate: move_pages calls, pages moved to node 0 and to node 1, pages that stayed */
	bool migrate;
	uint64_t move_calls, moved[2], move_stayed;
	/* ageing, where DAMON can monitor this process: what its checks asked of the mirror */
	bool damon;
	uint64_t damon_clear_young, damon_test_young;
	/*
	 * Entries the module kept read-only instead of clearing (pages_downgraded), and entries
	 * the check points' populates had to make present again; reported where kept_report or
	 * anything was kept.
	 */
	bool kept_report;
	uint64_t kept, repopulated;
	/* the mirror's ring (GET_STATS at the end): records stored, ageing callbacks merged, lost */
	bool ring;
	uint64_t ring_records, ring_merged, ring_folded, ring_lost;
	char fail_text[STRESS_MAX_FAIL_TEXT]; /* the first failure, or why it was skipped */
};

/*
 * What the host kernel offers the scenarios: the coverage notes and the checks follow it, so a
 * callback the kernel cannot produce is said to be absent for that reason, on that kernel.
 */
struct stress_kernel {
	char release[65];
	bool page_idle; /* IDLE_PAGE_TRACKING: /sys/kernel/mm/page_idle */
	bool damon; /* DAMON's sysfs interface with virtual address monitoring */
	uint32_t cb_offered; /* as the module said in the first scenario with the mirror on */
};

struct stress_run {
	struct stress_kernel kernel;
	uint64_t seed;
	uint64_t duration_ms;
	uint64_t mem_size;
	unsigned int nr_cpus;
	bool exit_mid_storm; /* hidden: the teardown scenario's child exits mid-storm */
	bool keep_numa_balancing; /* hidden: ageing and ksm leave NUMA balancing on (comparisons) */
	unsigned int nr_results;
	struct stress_result result[16];
};

/* The column name of event index i (0..STRESS_NR_EV-1) and the row name of callback i. */
const char *stress_ev_name(unsigned int i);
const char *stress_cb_name(unsigned int i);
/* Maps a ring record's event byte to a column. */
unsigned int stress_ev_index(unsigned int event);

/* Fills run->kernel from uname and sysfs (cb_offered: all, until a mirror says otherwise). */
void stress_kernel_probe(struct stress_kernel *k);

/* The summary table, the coverage table with its notes, and the JSON document. */
void stress_print_summary(FILE *f, const struct stress_run *run);
void stress_print_coverage(FILE *f, const struct stress_run *run);
int stress_write_json(FILE *f, const struct stress_run *run);
uint64_t stress_total_failures(const struct stress_run *run);

/* `mirrorvm stress ARGS...` (argv[0] is "stress"); the exit status. */
int stress_main(int argc, char **argv);

#endif
