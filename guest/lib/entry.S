/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Every vCPU starts here in 64-bit mode (guest_abi.h): RDI = vCPU index, RSI = FDT address,
 * RDX = vCPU count, RSP = this vCPU's stack top. guest_start() never returns; if it did, halt.
 */
#include "guest_abi.h"

	.section .text.entry, "ax"
	.globl _start
_start:
	cld
	xorl %ebp, %ebp
	andq $-16, %rsp
	call guest_start
1:	cli
	hlt
	jmp 1b
	.section .note.GNU-stack, "", @progbits
