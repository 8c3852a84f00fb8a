// SPDX-License-Identifier: GPL-2.0
/*
 * The ELF loader on a valid image and on a table of malformed ones: each is refused with the
 * message that names its fault, and nothing reaches guest RAM.
 */
#include <elf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "../../vmm/boot/elf_load.h"
#include "guest_abi.h"
#include "tap.h"

#define RAM_SIZE (8ULL << 20)
#define TEXT_GPA 0x200000UL
#define DATA_GPA 0x300000UL

struct image {
	Elf64_Ehdr eh;
	Elf64_Phdr ph[3];
	uint8_t text[16];
	uint8_t data[8];
};

static void make_image(struct image *im)
{
	memset(im, 0, sizeof(*im));
	memcpy(im->eh.e_ident, ELFMAG, SELFMAG);
	im->eh.e_ident[EI_CLASS] = ELFCLASS64;
	im->eh.e_ident[EI_DATA] = ELFDATA2LSB;
	im->eh.e_ident[EI_VERSION] = EV_CURRENT;
	im->eh.e_type = ET_EXEC;
	im->eh.e_machine = EM_X86_64;
	im->eh.e_version = EV_CURRENT;
	im->eh.e_entry = TEXT_GPA + 4;
	im->eh.e_phoff = offsetof(struct image, ph);
	im->eh.e_ehsize = sizeof(Elf64_Ehdr);
	im->eh.e_phentsize = sizeof(Elf64_Phdr);
	im->eh.e_phnum = 3;
	im->ph[0] = (Elf64_Phdr){ .p_type = PT_LOAD,
				  .p_flags = PF_R | PF_X,
				  .p_offset = offsetof(struct image, text),
				  .p_paddr = TEXT_GPA,
				  .p_vaddr = TEXT_GPA,
				  .p_filesz = 16,
				  .p_memsz = 16 };
	im->ph[1] = (Elf64_Phdr){ .p_type = PT_LOAD,
				  .p_flags = PF_R | PF_W,
				  .p_offset = offsetof(struct image, data),
				  .p_paddr = DATA_GPA,
				  .p_vaddr = DATA_GPA,
				  .p_filesz = 8,
				  .p_memsz = 0x2000 };
	im->ph[2] = (Elf64_Phdr){ .p_type = PT_NOTE };
	memset(im->text, 0x90, sizeof(im->text));
	memset(im->data, 0xab, sizeof(im->data));
}

static void set_class(struct image *im, size_t *len)
{
	im->eh.e_ident[EI_CLASS] = ELFCLASS32;
}
static void set_endian(struct image *im, size_t *len)
{
	im->eh.e_ident[EI_DATA] = ELFDATA2MSB;
}
static void set_machine(struct image *im, size_t *len)
{
	im->eh.e_machine = EM_AARCH64;
}
static void set_dyn(struct image *im, size_t *len)
{
	im->eh.e_type = ET_DYN;
}
static void set_magic(struct image *im, size_t *len)
{
	memcpy(im, "#!/bin/sh\n", 10);
}
static void trunc_hdr(struct image *im, size_t *len)
{
	*len = 40;
}
static void trunc_ph(struct image *im, size_t *len)
{
	*len = offsetof(struct image, ph) + 60;
}
static void trunc_data(struct image *im, size_t *len)
{
	*len = offsetof(struct image, data) + 4;
}
static void no_ph(struct image *im, size_t *len)
{
	im->eh.e_phnum = 0;
}
static void ph_size(struct image *im, size_t *len)
{
	im->eh.e_phentsize = 32;
}
static void ph_off(struct image *im, size_t *len)
{
	im->eh.e_phoff = ~0ULL - 8;
}
static void no_entry(struct image *im, size_t *len)
{
	im->eh.e_entry = 0;
}
static void entry_data(struct image *im, size_t *len)
{
	im->eh.e_entry = DATA_GPA;
}
static void entry_out(struct image *im, size_t *len)
{
	im->eh.e_entry = 0x500000;
}
static void overlap(struct image *im, size_t *len)
{
	im->ph[1].p_paddr = TEXT_GPA + 8;
}
static void low(struct image *im, size_t *len)
{
	im->ph[1].p_paddr = 0x1000;
}
static void past_ram(struct image *im, size_t *len)
{
	im->ph[1].p_paddr = RAM_SIZE - 0x1000;
}
static void in_hole(struct image *im, size_t *len)
{
	im->ph[1].p_paddr = GUEST_HOLE_START;
}
static void wraps(struct image *im, size_t *len)
{
	im->ph[1].p_paddr = ~0ULL - 0x10;
}
static void filesz(struct image *im, size_t *len)
{
	im->ph[0].p_filesz = 32;
}
static void off_far(struct image *im, size_t *len)
{
	im->ph[1].p_offset = ~0ULL - 2;
}
static void none(struct image *im, size_t *len)
{
	im->ph[0].p_type = PT_NULL;
	im->ph[1].p_memsz = 0;
}

static const struct {
	const char *name;
	void (*mutate)(struct image *im, size_t *len);
	const char *msg;
} bad[] = {
	{ "not ELF", set_magic, "not an ELF" },
	{ "32-bit class", set_class, "64-bit" },
	{ "big-endian", set_endian, "little-endian" },
	{ "wrong machine", set_machine, "x86-64" },
	{ "shared object", set_dyn, "executable" },
	{ "truncated header", trunc_hdr, "truncated ELF header" },
	{ "truncated program headers", trunc_ph, "program headers end past" },
	{ "truncated segment data", trunc_data, "data ends past the file" },
	{ "no program headers", no_ph, "no program headers" },
	{ "odd phentsize", ph_size, "no program headers" },
	{ "phoff past the end", ph_off, "program headers end past" },
	{ "no entry point", no_entry, "no entry point" },
	{ "entry in a data segment", entry_data, "not in an executable segment" },
	{ "entry outside the image", entry_out, "not in an executable segment" },
	{ "overlapping segments", overlap, "overlap" },
	{ "segment over the page tables", low, "reserved" },
	{ "segment past RAM", past_ram, "outside guest RAM" },
	{ "segment in the MMIO hole", in_hole, "outside guest RAM" },
	{ "segment wraps around", wraps, "wraps" },
	{ "file size above memory size", filesz, "exceeds memory size" },
	{ "offset past the file", off_far, "ends past the file" },
	{ "no loadable segment", none, "no loadable segment" },
};

static bool all_zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

int main(void)
{
	struct guest_mem gm;
	uint8_t *ram = mmap(NULL, RAM_SIZE, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	struct image im;
	uint64_t entry = 0;
	char err[256] = "";

	if (ram == MAP_FAILED)
		return 1;
	gmem_layout(&gm, ptr_to_hva(ram), RAM_SIZE);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t len = sizeof(im);
		int ret;

		make_image(&im);
		bad[i].mutate(&im, &len);
		err[0] = '\0';
		ret = elf_load(&gm, &im, len, &entry, err, sizeof(err));
		ok(ret == -ENOEXEC && strstr(err, bad[i].msg), "refused: %s (%s)", bad[i].name,
		   err);
	}
	ok(all_zero(ram, RAM_SIZE), "refused images wrote nothing to guest RAM");

	make_image(&im);
	memset(ram + DATA_GPA, 0xee, 0x3000);
	is_int(elf_load(&gm, &im, sizeof(im), &entry, err, sizeof(err)), 0, "valid image loads");
	is_int(entry, TEXT_GPA + 4, "entry point returned");
	ok(!memcmp(ram + TEXT_GPA, im.text, sizeof(im.text)), "text copied to its address");
	ok(!memcmp(ram + DATA_GPA, im.data, sizeof(im.data)), "data copied to its address");
	ok(all_zero(ram + DATA_GPA + 8, 0x2000 - 8), "bss zero-filled up to p_memsz");
	ok(ram[DATA_GPA + 0x2000] == 0xee, "nothing written past p_memsz");
	munmap(ram, RAM_SIZE);
	return tap_done();
}
