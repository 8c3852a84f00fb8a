// SPDX-License-Identifier: GPL-2.0
/*
 * The page-table builder: a software walk of the tables it writes must give the identity for
 * RAM on both sides of the MMIO hole, with the hole uncached; the registers match the guest ABI;
 * and the checked accessor refuses what lies outside RAM.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../../vmm/boot/boot64.h"
#include "guest_abi.h"
#include "tap.h"

#define GIB (1ULL << 30)

/* Walks 4-level tables with 2 MiB leaves; ~0 when not mapped. */
static uint64_t walk(struct guest_mem *gm, uint64_t va, uint64_t *flags)
{
	uint64_t e;

	if (gmem_read(gm, GPA(GUEST_PML4_GPA + ((va >> 39) & 511) * 8), &e, 8) || !(e & 1))
		return ~0ULL;
	if (gmem_read(gm, GPA((e & ~0xfffULL) + ((va >> 30) & 511) * 8), &e, 8) || !(e & 1))
		return ~0ULL;
	if (gmem_read(gm, GPA((e & ~0xfffULL) + ((va >> 21) & 511) * 8), &e, 8) || !(e & 1) ||
	    !(e & 0x80))
		return ~0ULL;
	*flags = e & 0xfff;
	return (e & ~0x1fffffULL) | (va & 0x1fffff);
}

static int touches;

static void count_touch(void *opaque, gpa_t gpa, uint64_t len, bool write)
{
	touches++;
}

static void test_tables(uint64_t size, uint64_t want_end)
{
	uint8_t *ram = mmap(NULL, size, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	uint64_t probes[] = { 0,
			      0x1234567,
			      GUEST_HOLE_START - 1,
			      GUEST_HOLE_START + 0x5000,
			      GUEST_HOLE_END + 0x300000,
			      want_end - 1 };
	struct guest_mem gm;
	uint64_t flags = 0;
	bool ident = true;

	gmem_layout(&gm, ptr_to_hva(ram), size);
	is_int(boot64_map_end(&gm), want_end, "%llu MiB of RAM: map ends at %llu GiB",
	       (unsigned long long)(size >> 20), (unsigned long long)(want_end / GIB));
	is_int(boot64_build(&gm), 0, "tables built");
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (probes[i] < want_end)
			ident &= walk(&gm, probes[i], &flags) == probes[i];
	ok(ident, "identity map at RAM, hole and top addresses");
	walk(&gm, GUEST_HOLE_START + 0x5000, &flags);
	ok((flags & 0x18) == 0x18, "the MMIO hole is mapped uncached");
	walk(&gm, 0x1234567, &flags);
	ok((flags & 0x1b) == 0x03, "RAM is mapped present, writable, cached");
	ok(walk(&gm, want_end, &flags) == ~0ULL, "nothing mapped past the end");
	ok(!memcmp(ram + GUEST_GDT_GPA + 8, "\xff\xff\x00\x00\x00\x9b\xaf\x00", 8),
	   "GDT holds a 64-bit code segment at selector 0x08");
	munmap(ram, size);
}

static void test_too_big(void)
{
	struct guest_mem gm;

	gmem_layout(&gm, HVA(0x10000000), (uint64_t)GUEST_MAX_MAP_GIB * GIB);
	is_int(boot64_map_end(&gm), 0, "RAM past the mappable range is refused");
	is_int(boot64_build(&gm), -E2BIG, "and the builder says -E2BIG");
}

static void test_regs(void)
{
	struct kvm_sregs s;
	struct kvm_regs r;

	memset(&s, 0, sizeof(s));
	boot64_sregs(&s);
	ok((s.cr0 & 0x80000001) == 0x80000001 && (s.cr4 & 0x20) && (s.efer & 0x500) == 0x500,
	   "long mode: CR0.PG|PE, CR4.PAE, EFER.LME|LMA");
	ok(s.cs.l && !s.cs.db && s.cs.selector == GUEST_SEL_CODE && s.cr3 == GUEST_PML4_GPA,
	   "64-bit CS, CR3 at the PML4");
	boot64_regs(&r, 0x200123, 3, 4);
	ok(r.rip == 0x200123 && r.rdi == 3 && r.rsi == GUEST_FDT_GPA && r.rdx == 4 &&
		   r.rsp == GUEST_STACK_TOP(3) && r.rflags == 2,
	   "vCPU 3's entry registers");
	ok(GUEST_STACK_TOP(GUEST_MAX_CPUS - 1) <= GUEST_IMAGE_MIN &&
		   GUEST_PT_END <= GUEST_FDT_GPA &&
		   GUEST_FDT_GPA + GUEST_FDT_MAX <= GUEST_STACKS_GPA,
	   "the fixed areas of the layout do not overlap");
}

static void test_access(void)
{
	static uint8_t ram[GUEST_MIN_RAM];
	struct guest_mem gm;
	hva_t hva;
	gpa_t gpa;

	gmem_layout(&gm, ptr_to_hva(ram), sizeof(ram));
	gm.touch = count_touch;
	ok(gmem_access(&gm, GPA(sizeof(ram) - 8), 8, true) == ram + sizeof(ram) - 8,
	   "last 8 bytes accessible");
	ok(!gmem_access(&gm, GPA(sizeof(ram) - 8), 9, true), "one byte past RAM refused");
	ok(!gmem_access(&gm, GPA(8), ~0ULL - 4, false), "overflowing length refused");
	ok(!gmem_access(&gm, GPA(~0ULL), 2, false), "wrapping address refused");
	ok(gmem_access(&gm, GPA(sizeof(ram)), 0, false) != NULL, "empty access at the end is fine");
	is_int(touches, 1, "the mirror hears of each non-empty access");
	is_int(gmem_write(&gm, GPA(sizeof(ram)), "x", 1), -EFAULT, "write past RAM: -EFAULT");
	ok(!gmem_gpa_to_hva(&gm, GPA(0x1000), &hva) && hva.v == (uintptr_t)ram + 0x1000 &&
		   !gmem_hva_to_gpa(&gm, hva, &gpa) && gpa.v == 0x1000,
	   "gpa <-> hva round trip");
}

int main(void)
{
	test_tables(256ULL << 20, 4 * GIB);
	test_tables(5 * GIB, 6 * GIB);
	test_too_big();
	test_regs();
	test_access();
	return tap_done();
}
