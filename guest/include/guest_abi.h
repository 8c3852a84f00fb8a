/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The ABI between the VMM and its test guests: ports, memory layout, entry registers. Shared by
 * vmm/, devices/ and guest/; every guest layout constant lives here and nowhere else. Written so
 * that both the hosted VMM and the freestanding guests (and the guests' assembly) can include it.
 *
 * Guest-physical layout (RAM starts at 0):
 *
 *   0x0000_0000  unused (a null page)
 *   0x0000_1000  GDT built by the VMM
 *   0x0000_2000  PML4, then the PDPT, then one page directory per GiB mapped (2 MiB pages)
 *   0x0008_0000  the flattened device tree (at most GUEST_FDT_MAX bytes)
 *   0x0010_0000  vCPU stacks, GUEST_STACK_SIZE each; vCPU n's stack ends at GUEST_STACK_TOP(n)
 *   0x0020_0000  the lowest address an ELF segment may use (GUEST_IMAGE_MIN)
 *   ...          RAM up to min(size, GUEST_HOLE_START)
 *   0xc000_0000  the MMIO hole (never RAM; devices live here), up to 4 GiB
 *   0x1_0000_0000  the rest of RAM when there is more than GUEST_HOLE_START of it
 *
 * Paging: the VMM identity-maps [0, max(4 GiB, end of RAM)) with 2 MiB pages, writable,
 * executable, cached except the hole (uncached). Long mode, CR0.PG|PE|WP, CR4.PAE, EFER.LME|LMA|
 * SCE|NXE. CS is a 64-bit code segment (selector 0x08), data segments 0x10. Interrupts are off.
 *
 * Entry: every vCPU starts at the ELF entry point at once, with
 *   RDI = the vCPU's index (0 is the boot vCPU), RSI = the FDT's guest-physical address,
 *   RDX = the number of vCPUs, RSP = GUEST_STACK_TOP(index), RFLAGS = 0x2.
 */
#ifndef MIRRORVM_GUEST_ABI_H
#define MIRRORVM_GUEST_ABI_H

#define GUEST_ABI_VERSION 1

#ifdef __ASSEMBLER__
#define GUEST_UL(x) x
#else
#define GUEST_UL(x) x##UL
#endif

#define GUEST_PAGE_SIZE GUEST_UL(0x1000)
#define GUEST_HUGE_SIZE GUEST_UL(0x200000)

#define GUEST_GDT_GPA GUEST_UL(0x1000)
#define GUEST_PML4_GPA GUEST_UL(0x2000)
#define GUEST_PDPT_GPA GUEST_UL(0x3000)
#define GUEST_PD_GPA GUEST_UL(0x4000)
/* Page directories: one per GiB mapped, so at most this many GiB of identity map. */
#define GUEST_MAX_MAP_GIB 64
#define GUEST_PT_END (GUEST_PD_GPA + GUEST_MAX_MAP_GIB * GUEST_PAGE_SIZE)

#define GUEST_FDT_GPA GUEST_UL(0x80000)
#define GUEST_FDT_MAX GUEST_UL(0x10000)

#define GUEST_STACKS_GPA GUEST_UL(0x100000)
#define GUEST_STACK_SIZE GUEST_UL(0x4000)
#define GUEST_MAX_CPUS 64
#define GUEST_STACK_TOP(cpu) (GUEST_STACKS_GPA + ((cpu) + 1) * GUEST_STACK_SIZE)

#define GUEST_IMAGE_MIN GUEST_UL(0x200000)
#define GUEST_HOLE_START GUEST_UL(0xc0000000)
#define GUEST_HOLE_END GUEST_UL(0x100000000)
/* The smallest RAM a guest may have: the fixed areas above plus room for an image. */
#define GUEST_MIN_RAM GUEST_UL(0x400000)

#define GUEST_SEL_CODE 0x08
#define GUEST_SEL_DATA 0x10

/* The 8250 UART (COM1). It is always ready to send: guests may skip polling LSR. */
#define GUEST_COM1_PORT 0x3f8
#define GUEST_COM1_IRQ 4

/*
 * The test device: 16 ports from GUEST_TESTDEV_PORT, 32-bit writes.
 *
 * EXIT:    out32 the status; the VM stops and mirrorvm exits with it (0..GUEST_EXIT_MAX;
 *          larger values become GUEST_EXIT_MAX).
 * REPORT:  out32 the guest-physical address of a struct guest_report; the VMM prints
 *          "check: ok NAME" or "check: FAILED NAME" and counts failures (a failed check makes
 *          a later EXIT 0 exit with GUEST_EXIT_CHECKS_FAILED instead).
 * REQUEST: out32 the guest-physical address of a struct guest_request (below 4 GiB); the host
 *          performs it before the OUT instruction completes and fills status and ret[].
 */
#define GUEST_TESTDEV_PORT 0x500
#define GUEST_TESTDEV_PORTS 16
#define GUEST_TESTDEV_EXIT (GUEST_TESTDEV_PORT + 0)
#define GUEST_TESTDEV_REPORT (GUEST_TESTDEV_PORT + 4)
#define GUEST_TESTDEV_REQUEST (GUEST_TESTDEV_PORT + 8)

#define GUEST_EXIT_MAX 63
#define GUEST_EXIT_CHECKS_FAILED 63

/*
 * mirrorvm's own exit statuses, above any guest status: bad command line, bad image, the host
 * (KVM, memory) failed, the guest crashed (unhandled exit, triple fault, KVM internal error).
 * SIGINT/SIGTERM stop the VM and exit with 128 + the signal, as a shell would report.
 */
#define MIRRORVM_EXIT_USAGE 64
#define MIRRORVM_EXIT_IMAGE 65
#define MIRRORVM_EXIT_HOST 71
#define MIRRORVM_EXIT_CRASH 76

#define GUEST_REPORT_NAME_MAX 64

/* Request opcodes. Unknown opcodes complete with status GUEST_REQ_ENOSYS. */
#define GUEST_REQ_NOP 0
#define GUEST_REQ_ECHO 1 /* ret[i] = args[i] for every i */
#define GUEST_REQ_HOST_TIME 2 /* ret[0] = host CLOCK_MONOTONIC in ns */
/*
 * mirrorvm stress (vmm/stress/): STRESS_INFO: ret[0] = first gpa of the perturbed area, ret[1] =
 * its pages, ret[2] = words written per page, ret[3] = GUEST_STRESS_* flags. HOLD: write once,
 * then hold still, rewriting (after verifying) only when the host asks for a new generation,
 * and verify at the end. SAME: every page of a class (page number modulo 8) gets the same
 * content, so KSM can merge them. STRESS_DISCARDS: args[0] = first page (area index), args[1] =
 * pages, args[2] = gpa of a bitmap (one bit per page) the host fills with the pages it discarded
 * since token args[3] or is discarding now, args[4] = the generation the asking vCPU has
 * written; ret[0] = the next token, ret[1] = 1 when the run is over, ret[2] = pages set, ret[3] =
 * the generation the host wants written (HOLD).
 */
#define GUEST_REQ_STRESS_INFO 16
#define GUEST_REQ_STRESS_DISCARDS 17
#define GUEST_STRESS_HOLD (1U << 0)
#define GUEST_STRESS_SAME (1U << 1)
#define GUEST_REQ_MAX 64 /* opcodes below this may be registered by the host */

#define GUEST_REQ_OK 0
#define GUEST_REQ_ENOSYS 38
#define GUEST_REQ_EINVAL 22

#ifndef __ASSEMBLER__
#include <stdint.h>

struct guest_report {
	uint32_t passed;
	char name[GUEST_REPORT_NAME_MAX]; /* NUL-terminated; longer names are cut */
};

#define GUEST_REQ_ARGS 6
#define GUEST_REQ_RETS 4

struct guest_request {
	uint32_t opcode;
	int32_t status; /* GUEST_REQ_OK or a positive errno, written by the host */
	uint64_t args[GUEST_REQ_ARGS];
	uint64_t ret[GUEST_REQ_RETS];
};
#endif

#endif
