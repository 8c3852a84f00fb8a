/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The device model: what a device may ask of the VM, and how it registers itself. A device is one
 * file with one DEVICE_TYPE() line; the VMM walks the section at start-up and lets each type
 * create its instances from the configuration.
 */
#ifndef MIRRORVM_DEVICE_H
#define MIRRORVM_DEVICE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <mirrorvm/addr.h>

struct vm;
struct vm_config;
struct guest_mem;

/*
 * Port I/O and MMIO handlers. data holds len bytes (1, 2, 4 or 8), little-endian; a read handler
 * fills it (it arrives zeroed). Handlers run on the vCPU thread that exited and never fail: a bad
 * access is the guest's problem (ignore the write, read as all-ones or zero).
 */
typedef void (*pio_fn)(void *opaque, uint16_t port, bool write, uint8_t *data, unsigned int len);
typedef void (*mmio_fn)(void *opaque, gpa_t addr, bool write, uint8_t *data, unsigned int len);

/* 0, -EBUSY if the range overlaps one already registered, -ENOSPC when the table is full. */
int vm_pio_register(struct vm *vm, uint16_t base, uint16_t count, pio_fn fn, void *opaque);
int vm_mmio_register(struct vm *vm, gpa_t base, uint64_t size, mmio_fn fn, void *opaque);
/* Moves (PCI BAR programming) or removes (size 0) an MMIO range registered with this opaque. */
int vm_mmio_update(struct vm *vm, void *opaque, gpa_t old_base, gpa_t new_base, uint64_t size);

/*
 * Names a port range in the test guests' device tree (/ioports/NAME@BASE, guest_abi.h); name and
 * compatible must outlive the VM (string literals). 0 or -ENOSPC.
 */
int vm_ioport_describe(struct vm *vm, const char *name, const char *compatible, uint16_t base,
		       uint16_t count);

/* Ends the run: mirrorvm exits with status (the first caller wins; any thread). */
void vm_stop(struct vm *vm, int status);

/* Guest RAM, through its checked accessor (vmm/guest_mem.h). */
struct guest_mem *vm_gmem(struct vm *vm);

/* Interrupts: a level on a GSI of the in-kernel irqchip, or an MSI message. */
int vm_irq_line(struct vm *vm, unsigned int gsi, int level);
int vm_msi(struct vm *vm, uint64_t addr, uint32_t data);

/*
 * The event loop (io_uring): fn runs on the loop thread when fd is readable. A device with its
 * own io_uring registers an eventfd for its completions here.
 */
typedef void (*vm_fd_fn)(void *opaque, int fd);
int vm_loop_watch(struct vm *vm, int fd, vm_fd_fn fn, void *opaque);
/* Stops watching fd (from the loop thread, e.g. inside its own fn at end of file). */
void vm_loop_unwatch(struct vm *vm, int fd);
/*
 * Reads what a watched input fd has, for its callback: the bytes read, or 0 when there is
 * nothing to hand on; at end of file or on a hard error it also stops watching fd.
 */
ssize_t vm_loop_read(struct vm *vm, int fd, void *buf, size_t len);

struct device_type {
	const char *name;
	/* Creates this type's instances that cfg asks for (none is fine); -errno on failure. */
	int (*create)(struct vm *vm, const struct vm_config *cfg);
};

#define DEVICE_TYPE(type)                                                                   \
	static const struct device_type *const device_type_ptr_##type                       \
		__attribute__((used, section("mirrorvm_devices"), aligned(sizeof(void *)))) = &type

#endif
