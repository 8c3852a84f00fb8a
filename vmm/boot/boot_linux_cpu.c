// SPDX-License-Identifier: GPL-2.0
/*
 * The boot CPU's state for Linux, and every vCPU's CPUID. 64-bit entry: long mode, identity map
 * of the first 4 GiB with 2 MiB pages, flat __BOOT_CS (0x10) and __BOOT_DS (0x18) as the boot
 * protocol asks, rsi = boot_params. PVH entry: 32-bit protected mode with paging off, flat
 * 0x08/0x10 segments, ebx = hvm_start_info. The other vCPUs wait for INIT/SIPI in the in-kernel
 * LAPIC, so only the boot CPU gets registers.
 */
#include <errno.h>
#include <linux/kvm.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>

#include "../cpuid.h"
#include "../guest_mem.h"
#include "boot_linux.h"

#define LB_GDT 0x500ull
#define LB_PML4 0x9000ull
#define LB_PDPT 0xa000ull
#define LB_PD 0xb000ull /* four pages: 4 GiB of 2 MiB mappings */

static const uint64_t lb_gdt[] = {
	0, 0x00cf9b000000ffffull, /* 0x08: 32-bit code (PVH) */
	0x00af9b000000ffffull, /* 0x10: 64-bit code, __BOOT_CS */
	0x00cf93000000ffffull, /* 0x18: data, __BOOT_DS */
};

static int page_tables(struct guest_mem *gm)
{
	uint64_t *pml4 = gmem_access(gm, GPA(LB_PML4), 0x1000, true);
	uint64_t *pdpt = gmem_access(gm, GPA(LB_PDPT), 0x1000, true);
	uint64_t *pd = gmem_access(gm, GPA(LB_PD), 0x4000, true);

	if (!pml4 || !pdpt || !pd)
		return -EFAULT;
	memset(pml4, 0, 0x1000);
	memset(pdpt, 0, 0x1000);
	pml4[0] = LB_PDPT | 3;
	for (unsigned int i = 0; i < 4; i++)
		pdpt[i] = (LB_PD + i * 0x1000ull) | 3;
	for (unsigned int i = 0; i < 4 * 512; i++)
		pd[i] = (i * 0x200000ull) | 0x83; /* present, writable, 2 MiB */
	return 0;
}

static struct kvm_segment flat(uint16_t sel, uint8_t type, bool l)
{
	return (struct kvm_segment){ .limit = 0xffffffff,
				     .selector = sel,
				     .type = type,
				     .present = 1,
				     .s = 1,
				     .l = l,
				     .db = !l,
				     .g = 1 };
}

int linux_setup_bsp(int vcpu_fd, struct guest_mem *gm, const struct linux_boot *b)
{
	struct kvm_sregs sr;
	struct kvm_regs r = { .rflags = 2, .rip = b->entry.v };
	bool lm = b->mode == LINUX_ENTRY_64;

	if (gmem_write(gm, GPA(LB_GDT), lb_gdt, sizeof(lb_gdt)) ||
	    ioctl(vcpu_fd, KVM_GET_SREGS, &sr))
		return -EFAULT;
	sr.cs = flat(lm ? 0x10 : 0x08, 11, lm);
	sr.ds = flat(lm ? 0x18 : 0x10, 3, false);
	sr.es = sr.fs = sr.gs = sr.ss = sr.ds;
	sr.tr = (struct kvm_segment){ .limit = 0x67, .type = 11, .present = 1 };
	sr.ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	sr.gdt.base = LB_GDT;
	sr.gdt.limit = sizeof(lb_gdt) - 1;
	sr.cr0 = 0x11; /* PE, ET */
	sr.cr4 = 0;
	sr.efer = 0;
	if (lm) {
		if (page_tables(gm))
			return -EFAULT;
		sr.cr0 |= 0x80000000u; /* PG */
		sr.cr3 = LB_PML4;
		sr.cr4 = 0x20; /* PAE */
		sr.efer = 0x500; /* LME, LMA */
		r.rsi = b->params.v;
	} else {
		r.rbx = b->params.v;
	}
	if (ioctl(vcpu_fd, KVM_SET_SREGS, &sr) || ioctl(vcpu_fd, KVM_SET_REGS, &r))
		return -errno;
	return 0;
}

/* KVM's supported CPUID, adjusted for this vCPU and the machine model (vmm/cpuid.c). */
int linux_setup_cpuid(int kvm_fd, int vcpu_fd, unsigned int index, bool host)
{
	struct cpuid_opts o = { .apic_id = index, .host = host };
	struct kvm_cpuid2 *c;
	int n = 128, ret;

	for (;;) {
		c = calloc(1, sizeof(*c) + n * sizeof(c->entries[0]));
		if (!c)
			return -ENOMEM;
		c->nent = n;
		if (!ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c))
			break;
		ret = -errno;
		free(c);
		if (ret != -E2BIG || n > 4096)
			return ret;
		n *= 2;
	}
	o.tsc_deadline = ioctl(kvm_fd, KVM_CHECK_EXTENSION, KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	cpuid_adjust(c, &o);
	ret = ioctl(vcpu_fd, KVM_SET_CPUID2, c) ? -errno : 0;
	free(c);
	return ret;
}
