/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM side of devices/device.h for unit tests: records what devices ask of the VM (interrupt
 * lines, MSIs, MMIO and port ranges) so tests can assert on it. Link fake_vm.c.
 */
#ifndef MIRRORVM_FAKE_VM_H
#define MIRRORVM_FAKE_VM_H

#include <string.h>

#include "../../devices/device.h"

struct fake_vm {
	int irq_level[32];
	unsigned int msis;
	uint64_t msi_addr;
	uint32_t msi_data;
	unsigned int mmio_regs, mmio_updates, pio_regs;
	unsigned int stops;
	int stop_status;
	gpa_t mmio_base;
	uint64_t mmio_size;
	struct guest_mem *gm;
};

extern struct fake_vm fvm;
#define FAKE_VM ((struct vm *)&fvm)

#endif
