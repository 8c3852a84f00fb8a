// SPDX-License-Identifier: GPL-2.0
/* The recording VM of fake_vm.h. */
#include "fake_vm.h"

struct fake_vm fvm;

int vm_pio_register(struct vm *vm, uint16_t base, uint16_t count, pio_fn fn, void *opaque)
{
	fvm.pio_regs++;
	return 0;
}

int vm_mmio_register(struct vm *vm, gpa_t base, uint64_t size, mmio_fn fn, void *opaque)
{
	fvm.mmio_regs++;
	fvm.mmio_base = base;
	fvm.mmio_size = size;
	return 0;
}

int vm_mmio_update(struct vm *vm, void *opaque, gpa_t old_base, gpa_t new_base, uint64_t size)
{
	fvm.mmio_updates++;
	fvm.mmio_base = new_base;
	fvm.mmio_size = size;
	return 0;
}

struct guest_mem *vm_gmem(struct vm *vm)
{
	return fvm.gm;
}

int vm_irq_line(struct vm *vm, unsigned int gsi, int level)
{
	if (gsi < 32)
		fvm.irq_level[gsi] = level;
	return 0;
}

int vm_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	fvm.msis++;
	fvm.msi_addr = addr;
	fvm.msi_data = data;
	return 0;
}

int vm_loop_watch(struct vm *vm, int fd, vm_fd_fn fn, void *opaque)
{
	return 0;
}

void vm_stop(struct vm *vm, int status)
{
	fvm.stops++;
	fvm.stop_status = status;
}
