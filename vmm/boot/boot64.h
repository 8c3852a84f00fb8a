/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Entering a test guest directly in 64-bit mode: the GDT and identity page tables the VMM builds
 * in guest RAM, and the registers each vCPU starts with (guest/include/guest_abi.h).
 */
#ifndef MIRRORVM_BOOT64_H
#define MIRRORVM_BOOT64_H

#include <linux/kvm.h>
#include <stdint.h>

#include "../guest_mem.h"

/* How far the identity map reaches: max(4 GiB, end of RAM) rounded up to a GiB; 0 if too far. */
uint64_t boot64_map_end(const struct guest_mem *gm);

/* Writes the GDT and the page tables into guest RAM. 0, -E2BIG or -EFAULT. */
int boot64_build(struct guest_mem *gm);

/* Fills a vCPU's special and general registers for entry at entry (guest ABI). */
void boot64_sregs(struct kvm_sregs *sregs);
void boot64_regs(struct kvm_regs *regs, uint64_t entry, unsigned int cpu, unsigned int nr_cpus);

#endif
