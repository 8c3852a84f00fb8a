/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The VM: KVM handles, guest RAM, the port and MMIO tables devices register in, the vCPU threads
 * and the event loop. Devices see only devices/device.h; this is the VMM's own view.
 */
#ifndef MIRRORVM_VM_H
#define MIRRORVM_VM_H

#include <linux/kvm.h>
#include <liburing.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "../devices/device.h"
#include "boot/fdt_build.h"
#include "guest_mem.h"
#include "pio_table.h"
#include "cli/vm_config.h"

#define VM_MAX_PIO 64
#define VM_MAX_MMIO 64
#define VM_MAX_WATCH 16

struct vm_mmio {
	gpa_t base;
	uint64_t size;
	mmio_fn fn;
	void *opaque;
};

struct vcpu {
	struct vm *vm;
	unsigned int index;
	int fd;
	struct kvm_run *run;
	pthread_t thread;
	bool started;
	struct exit_stats *stats; /* --stats: this vCPU's exits (vmm/exit_stats.h) */
	struct pio_cache pio_cache;
};

struct vm_watch {
	int fd;
	vm_fd_fn fn;
	void *opaque;
	bool active;
};

struct mirror;
struct exit_stats;

/*
 * Pausing: pausers nest (vmm/vm_pause.c, which kicks the vCPUs); vCPU threads park while
 * requested (vmm/vcpu.c).
 */
struct vm_pause_state {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	atomic_bool requested;
	unsigned int depth; /* pausers not yet resumed */
	unsigned int active; /* vCPU threads in their run loop */
	unsigned int parked; /* of those, parked */
};

struct vm {
	const struct vm_config *cfg;
	int kvm_fd, fd;
	int run_size;
	bool irqchip;
	struct guest_mem gm;

	pthread_rwlock_t io_lock; /* the MMIO table, and PIO writers against each other */
	struct vm_pio pio[VM_MAX_PIO];
	atomic_uint nr_pio; /* read without the lock: vmm/pio_table.h */
	struct vm_mmio mmio[VM_MAX_MMIO];
	unsigned int nr_mmio;
	struct fdt_ioport ioport[VM_MAX_PIO];
	unsigned int nr_ioports;

	struct vcpu *vcpu;
	unsigned int nr_vcpus;

	/* Stopping: the first vm_stop() sets the status; the loop and the vCPUs then wind down. */
	atomic_bool stopping;
	int exit_status;
	int stop_fd; /* eventfd the loop watches */

	struct io_uring ring;
	bool ring_ok;
	struct vm_watch watch[VM_MAX_WATCH];
	unsigned int nr_watches;

	atomic_uint checks_failed;
	uint64_t entry;
	struct mirror *mirror;
	struct vm_pause_state pause;
};

/* Creates the VM from cfg (RAM, memslots, irqchip, vCPUs, devices). 0, or -errno + message. */
int vm_create(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen);
/* Loads the ELF image, builds page tables and the FDT, sets every vCPU's registers. */
int vm_boot_elf(struct vm *vm, const void *image, size_t len, char *err, size_t errlen);
/* Boots cfg->kernel (vmm/boot/boot_linux_vm.c): image, initrd, PIT, MP table, CPUID, registers. */
int vm_boot_linux(struct vm *vm, char *err, size_t errlen);
/* Starts the vCPU threads and runs the event loop until the VM stops; returns the exit status. */
int vm_run(struct vm *vm);
void vm_destroy(struct vm *vm);

/* Ends the run with status (the first caller wins); safe from any thread. */
void vm_stop(struct vm *vm, int status);
/* Prints why a vCPU cannot go on, with its registers, and stops with MIRRORVM_EXIT_CRASH. */
void vcpu_crash(struct vcpu *vcpu, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The exit dispatcher, one KVM_RUN at a time (vmm/vcpu.c). */
void *vcpu_thread(void *arg);
void vcpu_kick_all(struct vm *vm);
/* Installs the handler of the signal that kicks vCPUs out of KVM_RUN. */
int vcpu_signals_init(void);

/*
 * Pausing: vm_pause() returns once every running vCPU is parked outside KVM_RUN (0), or
 * -ESHUTDOWN when the VM is stopping; each vm_pause() needs one vm_resume(). Not for vCPU threads.
 */
void vm_pause_init(struct vm *vm);
int vm_pause(struct vm *vm);
void vm_resume(struct vm *vm);
bool vm_paused(struct vm *vm);

/* The event loop (vmm/loop.c). */
int vm_loop_init(struct vm *vm);
int vm_loop_run(struct vm *vm);
void vm_loop_exit(struct vm *vm);

/* The mirror (vmm/mirror.c): attach says once why it is off; detach prints --stats. */
void vm_mirror_attach(struct vm *vm);
void vm_mirror_detach(struct vm *vm);
struct mmirror_event;
/* The mirror's library handle and event hub, or NULL when the mirror is off. */
struct mmu_mirror *vm_mirror_mmu(struct vm *vm);
struct evhub *vm_mirror_hub(struct vm *vm);
void vm_mirror_set_hook(struct vm *vm, void (*fn)(void *, const struct mmirror_event *),
			void *opaque);

#endif
