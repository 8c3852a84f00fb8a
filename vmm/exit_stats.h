/* SPDX-License-Identifier: GPL-2.0 */
/*
 * `mirrorvm run --stats`: the exits each vCPU took to mirrorvm, by reason and by port or MMIO
 * page, and KVM's own exit counters (its binary stats, every exit including those KVM handled
 * itself), printed once the run is over. The counting and printing need no KVM: unit tested.
 */
#ifndef MIRRORVM_EXIT_STATS_H
#define MIRRORVM_EXIT_STATS_H

#include <linux/kvm.h>
#include <stdint.h>
#include <stdio.h>

#define EXIT_STATS_REASONS 64
#define EXIT_STATS_PAGES 32

struct exit_stats {
	uint64_t reason[EXIT_STATS_REASONS]; /* KVM_EXIT_*; the last slot takes any larger */
	uint32_t pio[2][65536]; /* [write][port] */
	struct {
		uint64_t page; /* guest-physical, 4 KiB aligned */
		uint64_t n[2]; /* reads, writes */
	} mmio[EXIT_STATS_PAGES];
	unsigned int nr_pages;
	uint64_t mmio_other; /* beyond EXIT_STATS_PAGES distinct pages */
};

/* Counts the exit run describes (call before handling it, on the vCPU's own stats). */
void exit_stats_count(struct exit_stats *s, const struct kvm_run *run);
/* Adds src into dst. */
void exit_stats_merge(struct exit_stats *dst, const struct exit_stats *src);
/*
 * Prints "exits: ..." lines: the userspace exits by reason, the busiest ports and MMIO pages
 * (at most top of each), then KVM's counters summed over vcpu_fds (nr of them; -1 entries and
 * kernels without KVM_GET_STATS_FD are skipped, with a line that says so).
 */
void exit_stats_print(FILE *f, const struct exit_stats *s, unsigned int top, const int *vcpu_fds,
		      unsigned int nr);

struct vm;
/* The vCPU threads' stats, merged, printed on stderr and freed (after vm_run). */
void vm_exit_stats_print(struct vm *vm);

#endif
