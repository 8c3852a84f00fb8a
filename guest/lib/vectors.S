/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Stubs for the 32 exception vectors. Each pushes a zero where the CPU pushes no error code, then
 * its vector, so guest_exception() always sees the same frame: vector, error code, RIP, CS,
 * RFLAGS, RSP, SS.
 */
	.section .text
	.macro vector n
	.if (\n == 8) || (\n >= 10 && \n <= 14) || (\n == 17) || (\n == 21) || (\n == 29) || (\n == 30)
	.else
	pushq $0
	.endif
	pushq $\n
	jmp vector_common
	.balign 16
	.endm

	.balign 16
	.globl guest_vectors
guest_vectors:
	.irp n, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
	vector \n
	.endr

vector_common:
	movq %rsp, %rdi
	andq $-16, %rsp
	call guest_exception
1:	cli
	hlt
	jmp 1b
	.section .note.GNU-stack, "", @progbits
