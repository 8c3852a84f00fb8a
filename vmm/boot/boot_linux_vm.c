// SPDX-License-Identifier: GPL-2.0
/*
 * `mirrorvm run --kernel`: loads a bzImage (64-bit boot protocol) or a vmlinux (PVH; also a
 * bzImage with --pvh, decompressed here first), adds the in-kernel PIT next to the irqchip, the
 * MP table for the PCI devices that were created, KVM's CPUID on every vCPU, and the boot CPU's
 * registers.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "boot_linux.h"
#include "elf_load.h"
#include "../vm.h"
#include "../../devices/pci.h"

#define LINUX_DEFAULT_CMDLINE "console=ttyS0 reboot=k panic=-1 acpi=off"

static uint32_t pci_slots(struct vm *vm)
{
	struct pci_bus *bus = pci_bus_of(vm);
	uint32_t mask = 0;

	for (unsigned int s = 1; bus && s < PCI_SLOTS; s++)
		if (bus->slot[s])
			mask |= 1u << s;
	return mask;
}

static int load(struct vm *vm, struct linux_args *a, struct linux_boot *b, char *err, size_t errlen)
{
	const char *why = "unknown";
	void *vmlinux = NULL;
	size_t len;
	int ret;

	if (a->kernel_size >= 4 && !memcmp(a->kernel, "\177ELF", 4)) {
		ret = linux_load_pvh(&vm->gm, a, b, &why);
	} else if (vm->cfg->pvh) {
		ret = bzimage_extract_vmlinux(a->kernel, a->kernel_size, &vmlinux, &len, &why);
		if (!ret) {
			a->kernel = vmlinux;
			a->kernel_size = len;
			ret = linux_load_pvh(&vm->gm, a, b, &why);
		}
	} else {
		ret = linux_load_bzimage(&vm->gm, a, b, &why);
	}
	free(vmlinux);
	if (ret)
		snprintf(err, errlen, "%s: %s", vm->cfg->kernel, why);
	return ret;
}

static int cpus(struct vm *vm, const struct linux_boot *b, char *err, size_t errlen)
{
	struct kvm_pit_config pit = { .flags = KVM_PIT_SPEAKER_DUMMY };
	int ret;

	if (!vm->irqchip) {
		snprintf(err, errlen, "Linux guests need KVM's in-kernel irqchip");
		return -ENODEV;
	}
	if (ioctl(vm->fd, KVM_CREATE_PIT2, &pit)) {
		snprintf(err, errlen, "KVM_CREATE_PIT2: %s", strerror(errno));
		return -errno;
	}
	ret = mptable_write(&vm->gm, vm->nr_vcpus, pci_slots(vm));
	if (ret) {
		snprintf(err, errlen, "MP table: %s", strerror(-ret));
		return ret;
	}
	for (unsigned int i = 0; i < vm->nr_vcpus; i++) {
		ret = linux_setup_cpuid(vm->kvm_fd, vm->vcpu[i].fd, i, vm->cfg->cpuid_host);
		if (ret) {
			snprintf(err, errlen, "CPUID of vCPU %u: %s", i, strerror(-ret));
			return ret;
		}
	}
	ret = linux_setup_bsp(vm->vcpu[0].fd, &vm->gm, b);
	if (ret)
		snprintf(err, errlen, "boot CPU registers: %s", strerror(-ret));
	return ret;
}

int vm_boot_linux(struct vm *vm, char *err, size_t errlen)
{
	const struct vm_config *cfg = vm->cfg;
	struct linux_args a = { .cmdline = cfg->cmdline ? cfg->cmdline : LINUX_DEFAULT_CMDLINE };
	void *kernel = NULL, *initrd = NULL;
	struct linux_boot b;
	int ret;

	ret = elf_read_file(cfg->kernel, &kernel, &a.kernel_size, err, errlen);
	if (!ret && cfg->initrd)
		ret = elf_read_file(cfg->initrd, &initrd, &a.initrd_size, err, errlen);
	if (ret)
		goto out;
	a.kernel = kernel;
	a.initrd = initrd;
	ret = load(vm, &a, &b, err, errlen);
	if (!ret)
		ret = cpus(vm, &b, err, errlen);
out:
	free(kernel);
	free(initrd);
	return ret;
}
