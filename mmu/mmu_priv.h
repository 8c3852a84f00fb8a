/* SPDX-License-Identifier: GPL-2.0 */
/* libmmu internals shared by its source files. */
#ifndef MIRRORVM_MMU_PRIV_H
#define MIRRORVM_MMU_PRIV_H

#include "mmu.h"

struct mmu_mirror {
	int fd;
	struct mmirror_ring *ring;
	const struct mmirror_event *records;
	size_t ring_bytes;
	uint64_t last_seq;
	uint64_t seq_gaps;
	struct mmu_region regions[MMIRROR_MAX_REGIONS];
	unsigned int nregions;
};

#endif
