// SPDX-License-Identifier: GPL-2.0
/* The VM: KVM set-up, guest RAM and memslots, the device tables, boot of a test guest. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sysinfo.h>
#include <unistd.h>

#include "boot/boot64.h"
#include "boot/boot_linux.h"
#include "boot/elf_load.h"
#include "guest_abi.h"
#include "vm.h"

extern const struct device_type *const __start_mirrorvm_devices[];
extern const struct device_type *const __stop_mirrorvm_devices[];

static int vm_err(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;
	size_t n;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	n = strlen(err);
	if (ret < 0 && n < errlen)
		snprintf(err + n, errlen - n, ": %s", strerror(-ret));
	return ret;
}

int vm_pio_register(struct vm *vm, uint16_t base, uint16_t count, pio_fn fn, void *opaque)
{
	int ret = 0;

	/* Every entry has a handler: the exit path calls it without asking. */
	if (!count || base + count > 0x10000 || !fn)
		return -EINVAL;
	pthread_rwlock_wrlock(&vm->io_lock);
	for (unsigned int i = 0; i < vm->nr_pio; i++)
		if (base < vm->pio[i].base + vm->pio[i].count && vm->pio[i].base < base + count)
			ret = -EBUSY;
	if (!ret && vm->nr_pio == VM_MAX_PIO)
		ret = -ENOSPC;
	if (!ret) {
		/* The entry first, then the count: vCPUs read the table without the lock. */
		vm->pio[vm->nr_pio] = (struct vm_pio){ base, count, fn, opaque };
		atomic_store_explicit(&vm->nr_pio, vm->nr_pio + 1, memory_order_release);
	}
	pthread_rwlock_unlock(&vm->io_lock);
	return ret;
}

static bool vm_mmio_overlaps(struct vm *vm, gpa_t base, uint64_t size, void *skip)
{
	for (unsigned int i = 0; i < vm->nr_mmio; i++) {
		struct vm_mmio *m = &vm->mmio[i];

		if (m->opaque == skip && skip)
			continue;
		if (base.v < m->base.v + m->size && m->base.v < base.v + size)
			return true;
	}
	return false;
}

int vm_mmio_register(struct vm *vm, gpa_t base, uint64_t size, mmio_fn fn, void *opaque)
{
	int ret = 0;

	if (!size || base.v + size < base.v)
		return -EINVAL;
	pthread_rwlock_wrlock(&vm->io_lock);
	if (vm_mmio_overlaps(vm, base, size, NULL))
		ret = -EBUSY;
	else if (vm->nr_mmio == VM_MAX_MMIO)
		ret = -ENOSPC;
	else
		vm->mmio[vm->nr_mmio++] = (struct vm_mmio){ base, size, fn, opaque };
	pthread_rwlock_unlock(&vm->io_lock);
	return ret;
}

int vm_mmio_update(struct vm *vm, void *opaque, gpa_t old_base, gpa_t new_base, uint64_t size)
{
	int ret = -ENOENT;

	pthread_rwlock_wrlock(&vm->io_lock);
	for (unsigned int i = 0; i < vm->nr_mmio; i++) {
		struct vm_mmio *m = &vm->mmio[i];

		if (m->opaque != opaque || m->base.v != old_base.v)
			continue;
		if (!size) {
			*m = vm->mmio[--vm->nr_mmio];
			ret = 0;
		} else if (new_base.v + size < new_base.v ||
			   vm_mmio_overlaps(vm, new_base, size, opaque)) {
			ret = -EBUSY;
		} else {
			m->base = new_base;
			m->size = size;
			ret = 0;
		}
		break;
	}
	pthread_rwlock_unlock(&vm->io_lock);
	return ret;
}

int vm_ioport_describe(struct vm *vm, const char *name, const char *compatible, uint16_t base,
		       uint16_t count)
{
	if (vm->nr_ioports == VM_MAX_PIO)
		return -ENOSPC;
	vm->ioport[vm->nr_ioports++] = (struct fdt_ioport){ name, compatible, base, count };
	return 0;
}

struct guest_mem *vm_gmem(struct vm *vm)
{
	return &vm->gm;
}

int vm_irq_line(struct vm *vm, unsigned int gsi, int level)
{
	struct kvm_irq_level irq = { .irq = gsi, .level = level };

	if (!vm->irqchip)
		return -ENODEV;
	return ioctl(vm->fd, KVM_IRQ_LINE, &irq) ? -errno : 0;
}

int vm_msi(struct vm *vm, uint64_t addr, uint32_t data)
{
	struct kvm_msi msi = { .address_lo = addr, .address_hi = addr >> 32, .data = data };

	if (!vm->irqchip)
		return -ENODEV;
	return ioctl(vm->fd, KVM_SIGNAL_MSI, &msi) < 0 ? -errno : 0;
}

/* Refuses guest RAM the host could never provide: more than its memory and swap together. */
static int vm_check_host_mem(uint64_t size, char *err, size_t errlen)
{
	unsigned long long total;
	struct sysinfo si;

	/* sysinfo(), not /proc/meminfo: one syscall at launch instead of six and a text parse. */
	if (sysinfo(&si))
		return 0;
	total = ((unsigned long long)si.totalram + si.totalswap) * si.mem_unit;
	if (total && size > total)
		return vm_err(err, errlen, -ENOMEM,
			      "--mem %lluM is more than this host's memory and "
			      "swap (%lluM)",
			      (unsigned long long)(size >> 20), total >> 20);
	return 0;
}

static int vm_memslots(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->gm.nr_regions; i++) {
		struct kvm_userspace_memory_region slot = {
			.slot = i,
			.guest_phys_addr = vm->gm.region[i].gpa.v,
			.memory_size = vm->gm.region[i].size,
			.userspace_addr = vm->gm.region[i].hva.v,
		};

		if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &slot))
			return -errno;
	}
	return 0;
}

static int vm_open_kvm(struct vm *vm, char *err, size_t errlen)
{
	vm->kvm_fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
	if (vm->kvm_fd < 0)
		return vm_err(err, errlen, -errno, "cannot open /dev/kvm");
	if (ioctl(vm->kvm_fd, KVM_GET_API_VERSION, 0) != KVM_API_VERSION)
		return vm_err(err, errlen, -EINVAL, "/dev/kvm speaks an unknown API version");
	vm->run_size = ioctl(vm->kvm_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size <= 0)
		return vm_err(err, errlen, -errno, "KVM_GET_VCPU_MMAP_SIZE");
	/*
	 * KVM_CREATE_VM registers KVM's mmu_notifier, which gives up with EINTR on a pending signal
	 * (mm_take_all_locks); the signal is handled on the way out, so try again.
	 */
	for (int tries = 0; tries < 100; tries++) {
		vm->fd = ioctl(vm->kvm_fd, KVM_CREATE_VM, 0);
		if (vm->fd >= 0 || errno != EINTR)
			break;
	}
	if (vm->fd < 0)
		return vm_err(err, errlen, -errno, "KVM_CREATE_VM");
	/* Intel needs these three pages below 4 GiB; they sit at the top of the MMIO hole. */
	ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000UL);
	if (!ioctl(vm->fd, KVM_CREATE_IRQCHIP, 0))
		vm->irqchip = true;
	return 0;
}

static int vm_create_vcpus(struct vm *vm, char *err, size_t errlen)
{
	int max = ioctl(vm->kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_MAX_VCPUS);

	if (max > 0 && vm->cfg->nr_cpus > (unsigned int)max)
		return vm_err(err, errlen, -EINVAL, "--cpus %u is more than KVM allows (%d)",
			      vm->cfg->nr_cpus, max);
	vm->vcpu = calloc(vm->cfg->nr_cpus, sizeof(*vm->vcpu));
	if (!vm->vcpu)
		return vm_err(err, errlen, -ENOMEM, "vCPUs");
	for (unsigned int i = 0; i < vm->cfg->nr_cpus; i++) {
		struct vcpu *v = &vm->vcpu[i];

		v->vm = vm;
		v->index = i;
		v->fd = ioctl(vm->fd, KVM_CREATE_VCPU, i);
		if (v->fd < 0)
			return vm_err(err, errlen, -errno, "KVM_CREATE_VCPU %u", i);
		vm->nr_vcpus++;
		v->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED, v->fd, 0);
		if (v->run == MAP_FAILED) {
			v->run = NULL;
			return vm_err(err, errlen, -errno, "mmap of vCPU %u", i);
		}
	}
	return 0;
}

static int vm_create_devices(struct vm *vm, char *err, size_t errlen)
{
	for (const struct device_type *const *t = __start_mirrorvm_devices;
	     t < __stop_mirrorvm_devices; t++) {
		int ret = (*t)->create(vm, vm->cfg);

		if (ret)
			return vm_err(err, errlen, ret, "device %s", (*t)->name);
	}
	return 0;
}

int vm_create(struct vm *vm, const struct vm_config *cfg, char *err, size_t errlen)
{
	int ret;

	memset(vm, 0, sizeof(*vm));
	vm->cfg = cfg;
	vm->kvm_fd = vm->fd = vm->stop_fd = -1;
	pthread_rwlock_init(&vm->io_lock, NULL);
	vm_pause_init(vm);
	ret = vm_check_host_mem(cfg->mem_size, err, errlen);
	if (ret)
		return ret;
	ret = vm_open_kvm(vm, err, errlen);
	if (ret)
		return ret;
	ret = gmem_alloc(&vm->gm, cfg->mem_size, cfg->thp);
	if (ret)
		return vm_err(err, errlen, ret, "cannot map %lluM of guest RAM",
			      (unsigned long long)(cfg->mem_size >> 20));
	if (!boot64_map_end(&vm->gm))
		return vm_err(err, errlen, -E2BIG,
			      "--mem %lluM: the guest layout maps at most "
			      "%d GiB of address space",
			      (unsigned long long)(cfg->mem_size >> 20), GUEST_MAX_MAP_GIB);
	ret = vm_memslots(vm);
	if (ret)
		return vm_err(err, errlen, ret, "KVM_SET_USER_MEMORY_REGION");
	vm->stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (vm->stop_fd < 0)
		return vm_err(err, errlen, -errno, "eventfd");
	ret = vm_loop_init(vm);
	if (ret)
		return vm_err(err, errlen, ret, "io_uring");
	ret = vm_create_vcpus(vm, err, errlen);
	if (!ret)
		ret = vm_create_devices(vm, err, errlen);
	return ret;
}

static int vm_build_fdt(struct vm *vm)
{
	struct fdt_info info = {
		.gm = &vm->gm,
		.nr_cpus = vm->nr_vcpus,
		.param = vm->cfg->param,
		.nr_params = vm->cfg->nr_params,
		.ioport = vm->ioport,
		.nr_ioports = vm->nr_ioports,
	};
	void *buf = gmem_access(&vm->gm, GPA(GUEST_FDT_GPA), GUEST_FDT_MAX, true);
	int ret;

	if (!buf)
		return -EFAULT;
	/*
	 * fdt_create() zeroes the whole buffer it is given, and so touched all 16 pages of guest
	 * RAM behind GUEST_FDT_MAX at every launch; a tree needs one page unless --param is long.
	 */
	ret = fdt_build(buf, GUEST_PAGE_SIZE, &info);
	if (ret == -ENOSPC)
		ret = fdt_build(buf, GUEST_FDT_MAX, &info);
	return ret;
}

static int vcpu_setup(struct vcpu *v, uint64_t entry)
{
	struct kvm_mp_state mp = { .mp_state = KVM_MP_STATE_RUNNABLE };
	struct kvm_sregs sregs;
	struct kvm_regs regs;
	int ret;

	/*
	 * Newer KVM (seen on 7.2) refuses long-mode EFER bits that the vCPU's CPUID does not
	 * offer, and a vCPU starts with none: give it what KVM supports first.
	 */
	ret = linux_setup_cpuid(v->vm->kvm_fd, v->fd, v->index, v->vm->cfg->cpuid_host);
	if (ret)
		return ret;
	if (ioctl(v->fd, KVM_GET_SREGS, &sregs))
		return -errno;
	boot64_sregs(&sregs);
	if (ioctl(v->fd, KVM_SET_SREGS, &sregs))
		return -errno;
	boot64_regs(&regs, entry, v->index, v->vm->nr_vcpus);
	if (ioctl(v->fd, KVM_SET_REGS, &regs))
		return -errno;
	/* With the in-kernel LAPIC, APs would otherwise wait for INIT/SIPI. */
	if (v->vm->irqchip && ioctl(v->fd, KVM_SET_MP_STATE, &mp))
		return -errno;
	return 0;
}

int vm_boot_elf(struct vm *vm, const void *image, size_t len, char *err, size_t errlen)
{
	int ret;

	ret = elf_load(&vm->gm, image, len, &vm->entry, err, errlen);
	if (ret)
		return ret;
	ret = boot64_build(&vm->gm);
	if (ret)
		return vm_err(err, errlen, ret, "page tables");
	ret = vm_build_fdt(vm);
	if (ret)
		return vm_err(err, errlen, ret, "device tree (too many --param?)");
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		ret = vcpu_setup(&vm->vcpu[i], vm->entry);
		if (ret)
			return vm_err(err, errlen, ret, "registers of vCPU %u", i);
	}
	return 0;
}

void vm_destroy(struct vm *vm)
{
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpu[i].run)
			munmap(vm->vcpu[i].run, vm->run_size);
		close(vm->vcpu[i].fd);
	}
	free(vm->vcpu);
	if (vm->ring_ok)
		io_uring_queue_exit(&vm->ring);
	if (vm->stop_fd >= 0)
		close(vm->stop_fd);
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->kvm_fd >= 0)
		close(vm->kvm_fd);
	gmem_free(&vm->gm);
	pthread_rwlock_destroy(&vm->io_lock);
}
