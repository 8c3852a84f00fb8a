// SPDX-License-Identifier: GPL-2.0
/* GDT, identity page tables and the long-mode register state for the test guests. */
#include <errno.h>
#include <string.h>

#include "boot64.h"
#include "guest_abi.h"

#define GIB (1ULL << 30)

#define PTE_P (1ULL << 0)
#define PTE_RW (1ULL << 1)
#define PTE_PWT (1ULL << 3)
#define PTE_PCD (1ULL << 4)
#define PTE_PS (1ULL << 7)

#define CR0_PE (1ULL << 0)
#define CR0_MP (1ULL << 1)
#define CR0_ET (1ULL << 4)
#define CR0_NE (1ULL << 5)
#define CR0_WP (1ULL << 16)
#define CR0_PG (1ULL << 31)
#define CR4_PAE (1ULL << 5)
#define EFER_SCE (1ULL << 0)
#define EFER_LME (1ULL << 8)
#define EFER_LMA (1ULL << 10)

/* Flat descriptors: null, 64-bit code (L=1, D=0), data. */
static const uint64_t boot64_gdt[] = {
	0,
	0x00af9b000000ffffULL,
	0x00cf93000000ffffULL,
};

uint64_t boot64_map_end(const struct guest_mem *gm)
{
	uint64_t end = GUEST_HOLE_END;

	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gmem_region *r = &gm->region[i];

		if (r->gpa.v + r->size > end)
			end = r->gpa.v + r->size;
	}
	end = (end + GIB - 1) & ~(GIB - 1);
	return end / GIB > GUEST_MAX_MAP_GIB ? 0 : end;
}

int boot64_build(struct guest_mem *gm)
{
	uint64_t end = boot64_map_end(gm), *pml4, *pdpt, *pd;
	unsigned int gib;

	if (!end)
		return -E2BIG;
	gib = end / GIB;
	pml4 = gmem_access(gm, GPA(GUEST_PML4_GPA), GUEST_PAGE_SIZE, true);
	pdpt = gmem_access(gm, GPA(GUEST_PDPT_GPA), GUEST_PAGE_SIZE, true);
	pd = gmem_access(gm, GPA(GUEST_PD_GPA), gib * GUEST_PAGE_SIZE, true);
	if (!pml4 || !pdpt || !pd ||
	    gmem_write(gm, GPA(GUEST_GDT_GPA), boot64_gdt, sizeof(boot64_gdt)))
		return -EFAULT;
	memset(pml4, 0, GUEST_PAGE_SIZE);
	memset(pdpt, 0, GUEST_PAGE_SIZE);
	pml4[0] = GUEST_PDPT_GPA | PTE_P | PTE_RW;
	for (unsigned int i = 0; i < gib; i++) {
		pdpt[i] = (GUEST_PD_GPA + i * GUEST_PAGE_SIZE) | PTE_P | PTE_RW;
		for (unsigned int j = 0; j < 512; j++) {
			uint64_t addr = i * GIB + j * GUEST_HUGE_SIZE;
			uint64_t flags = PTE_P | PTE_RW | PTE_PS;

			if (addr >= GUEST_HOLE_START && addr < GUEST_HOLE_END)
				flags |= PTE_PCD | PTE_PWT;
			pd[i * 512 + j] = addr | flags;
		}
	}
	return 0;
}

static void boot64_seg(struct kvm_segment *s, uint16_t sel, uint8_t type, bool code)
{
	*s = (struct kvm_segment){
		.base = 0,
		.limit = 0xffffffff,
		.selector = sel,
		.type = type,
		.present = 1,
		.s = 1,
		.l = code,
		.db = !code,
		.g = 1,
	};
}

void boot64_sregs(struct kvm_sregs *sregs)
{
	boot64_seg(&sregs->cs, GUEST_SEL_CODE, 11, true);
	boot64_seg(&sregs->ds, GUEST_SEL_DATA, 3, false);
	sregs->es = sregs->fs = sregs->gs = sregs->ss = sregs->ds;
	/* A busy 64-bit TSS and an unusable LDT: VMX refuses entry with anything less. */
	sregs->tr = (struct kvm_segment){ .limit = 0x67, .type = 11, .present = 1 };
	sregs->ldt = (struct kvm_segment){ .type = 2, .present = 1, .unusable = 1 };
	sregs->gdt.base = GUEST_GDT_GPA;
	sregs->gdt.limit = sizeof(boot64_gdt) - 1;
	sregs->idt.base = 0;
	sregs->idt.limit = 0;
	sregs->cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
	sregs->cr3 = GUEST_PML4_GPA;
	sregs->cr4 = CR4_PAE;
	sregs->efer = EFER_LME | EFER_LMA | EFER_SCE;
}

void boot64_regs(struct kvm_regs *regs, uint64_t entry, unsigned int cpu, unsigned int nr_cpus)
{
	memset(regs, 0, sizeof(*regs));
	regs->rip = entry;
	regs->rdi = cpu;
	regs->rsi = GUEST_FDT_GPA;
	regs->rdx = nr_cpus;
	regs->rsp = GUEST_STACK_TOP(cpu);
	regs->rflags = 0x2;
}
