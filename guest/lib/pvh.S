/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The PVH entry, for other VMMs only (QEMU -M pc or microvm with -kernel NAME.elf), so that the
 * benchmarks can count their exits on the same test guest. mirrorvm never comes here: it enters
 * _start in 64-bit mode with everything set up (guest_abi.h). The PVH boot protocol enters in
 * 32-bit protected mode without paging; this does what mirrorvm's boot64.c does, at the same
 * addresses (GDT, PML4, PDPT, page directories identity-mapping 4 GiB with 2 MiB pages), then
 * enters _start as vCPU 0 of 1 without a device tree (RSI = 0). Under QEMU the test device's
 * EXIT port is served by isa-debug-exit (iobase 0x500), which exits with (status << 1) | 1.
 */
#include "guest_abi.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define PTE_P_RW 0x3
#define PTE_PS 0x80
#define PVH_GIB 4

	/* QEMU reads the entry as a 64-bit word in an ELF64 note, as Linux writes it. */
	.section .note.Xen, "a"
	.balign 4
	.long 4, 8, XEN_ELFNOTE_PHYS32_ENTRY
	.asciz "Xen"
	.quad pvh_start

	.section .text.pvh, "ax"
	.code32
	.globl pvh_start
pvh_start:
	cli
	cld
	/* GDT: the same three descriptors as boot64.c, copied to GUEST_GDT_GPA. */
	movl $pvh_gdt, %esi
	movl $GUEST_GDT_GPA, %edi
	movl $6, %ecx
	rep movsl
	lgdt pvh_gdt_desc
	/* PML4 and PDPT pages zeroed, then one entry each per level. */
	xorl %eax, %eax
	movl $GUEST_PML4_GPA, %edi
	movl $2048, %ecx
	rep stosl
	movl $(GUEST_PDPT_GPA | PTE_P_RW), GUEST_PML4_GPA
	xorl %ecx, %ecx
1:	movl %ecx, %eax
	shll $12, %eax
	addl $(GUEST_PD_GPA | PTE_P_RW), %eax
	movl %eax, GUEST_PDPT_GPA(, %ecx, 8)
	incl %ecx
	cmpl $PVH_GIB, %ecx
	jne 1b
	/* 512 entries per GiB, 2 MiB each; the high halves are zero below 4 GiB. */
	xorl %ecx, %ecx
2:	movl %ecx, %eax
	shll $21, %eax
	orl $(PTE_P_RW | PTE_PS), %eax
	movl %eax, GUEST_PD_GPA(, %ecx, 8)
	movl $0, GUEST_PD_GPA + 4(, %ecx, 8)
	incl %ecx
	cmpl $(PVH_GIB * 512), %ecx
	jne 2b
	/* PAE, the tables, long mode enabled, then paging on: long mode is active. */
	movl $0x20, %eax
	movl %eax, %cr4
	movl $GUEST_PML4_GPA, %eax
	movl %eax, %cr3
	movl $0xc0000080, %ecx
	rdmsr
	orl $0x101, %eax /* LME, SCE */
	wrmsr
	movl $0x80010033, %eax /* PG, WP, NE, ET, MP, PE: boot64.c's CR0 */
	movl %eax, %cr0
	ljmp $GUEST_SEL_CODE, $pvh_64

	.code64
pvh_64:
	movl $GUEST_SEL_DATA, %eax
	movl %eax, %ds
	movl %eax, %es
	movl %eax, %ss
	movl %eax, %fs
	movl %eax, %gs
	movq $GUEST_STACK_TOP(0), %rsp
	xorl %edi, %edi
	xorl %esi, %esi
	movl $1, %edx
	jmp _start

	.section .rodata.pvh, "a"
	.balign 8
pvh_gdt:
	.quad 0, 0x00af9b000000ffff, 0x00cf93000000ffff
pvh_gdt_desc:
	.word 23
	.long GUEST_GDT_GPA

	.section .note.GNU-stack, "", @progbits
