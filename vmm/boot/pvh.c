// SPDX-License-Identifier: GPL-2.0
/*
 * PVH boot of an uncompressed vmlinux: the ELF's PT_LOAD segments go to their physical
 * addresses, and the VMM enters the XEN_ELFNOTE_PHYS32_ENTRY address in 32-bit protected mode,
 * paging off, with ebx pointing at an hvm_start_info (command line, initrd as module 0, memory
 * map). This skips the bzImage's self-decompression, which dominates a boot under nested TCG.
 */
#include <elf.h>
#include <errno.h>
#include <string.h>

#include "../guest_mem.h"
#include "boot_linux.h"

#define XEN_ELFNOTE_PHYS32_ENTRY 18
#define HVM_START_MAGIC 0x336ec578u
#define PVH_MODLIST (PVH_START_INFO + 0x40)
#define PVH_MEMMAP (PVH_START_INFO + 0x80)
#define PVH_CMDLINE_MAX 2047u /* x86 COMMAND_LINE_SIZE - 1 */

struct hvm_start_info {
	uint32_t magic, version, flags, nr_modules;
	uint64_t modlist_paddr, cmdline_paddr, rsdp_paddr, memmap_paddr;
	uint32_t memmap_entries, reserved;
};

struct hvm_modlist_entry {
	uint64_t paddr, size, cmdline_paddr, reserved;
};

struct hvm_memmap_entry {
	uint64_t addr, size;
	uint32_t type, reserved;
};

/* The program headers, checked to lie inside the image; NULL if the ELF is not ours. */
static const Elf64_Phdr *elf_phdrs(const void *elf, size_t size, unsigned int *n)
{
	const Elf64_Ehdr *eh = elf;

	if (size < sizeof(*eh) || memcmp(eh->e_ident, ELFMAG, SELFMAG) ||
	    eh->e_ident[EI_CLASS] != ELFCLASS64 || eh->e_ident[EI_DATA] != ELFDATA2LSB ||
	    eh->e_machine != EM_X86_64 || eh->e_phentsize != sizeof(Elf64_Phdr))
		return NULL;
	if (eh->e_phoff > size || (size - eh->e_phoff) / sizeof(Elf64_Phdr) < eh->e_phnum ||
	    eh->e_phoff % 8)
		return NULL;
	*n = eh->e_phnum;
	return (const Elf64_Phdr *)((const uint8_t *)elf + eh->e_phoff);
}

static int note_entry(const uint8_t *p, uint64_t len, uint32_t *entry)
{
	while (len >= 12) {
		uint32_t namesz, descsz, type;
		uint64_t nsz, dsz;

		memcpy(&namesz, p, 4);
		memcpy(&descsz, p + 4, 4);
		memcpy(&type, p + 8, 4);
		nsz = (namesz + 3ull) & ~3ull;
		dsz = (descsz + 3ull) & ~3ull;
		if (nsz + dsz > len - 12)
			return -ENOEXEC;
		if (namesz == 4 && !memcmp(p + 12, "Xen", 4) && type == XEN_ELFNOTE_PHYS32_ENTRY) {
			if (descsz != 4 && descsz != 8)
				return -ENOEXEC;
			memcpy(entry, p + 12 + nsz, 4); /* a .quad on x86-64: its low half */
			return 0;
		}
		p += 12 + nsz + dsz;
		len -= 12 + nsz + dsz;
	}
	return -ENOENT;
}

int pvh_find_entry(const void *elf, size_t size, uint32_t *entry)
{
	const Elf64_Phdr *ph;
	unsigned int n;

	ph = elf_phdrs(elf, size, &n);
	if (!ph)
		return -ENOEXEC;
	for (unsigned int i = 0; i < n; i++) {
		int ret;

		if (ph[i].p_type != PT_NOTE)
			continue;
		if (ph[i].p_offset > size || ph[i].p_filesz > size - ph[i].p_offset)
			return -ENOEXEC;
		ret = note_entry((const uint8_t *)elf + ph[i].p_offset, ph[i].p_filesz, entry);
		if (ret != -ENOENT)
			return ret;
	}
	return -ENOENT;
}

static int load_segments(struct guest_mem *gm, const void *elf, size_t size, struct linux_boot *b)
{
	const Elf64_Phdr *ph;
	unsigned int n;

	ph = elf_phdrs(elf, size, &n);
	b->kernel_start = GPA(UINT64_MAX);
	for (unsigned int i = 0; i < n; i++) {
		const Elf64_Phdr *p = &ph[i];
		void *dst;

		if (p->p_type != PT_LOAD)
			continue;
		if (p->p_offset > size || p->p_filesz > size - p->p_offset ||
		    p->p_filesz > p->p_memsz)
			return -ENOEXEC;
		dst = gmem_access(gm, GPA(p->p_paddr), p->p_memsz, true);
		if (!dst)
			return -ENOMEM;
		memcpy(dst, (const uint8_t *)elf + p->p_offset, p->p_filesz);
		memset((uint8_t *)dst + p->p_filesz, 0, p->p_memsz - p->p_filesz);
		if (p->p_paddr < b->kernel_start.v)
			b->kernel_start = GPA(p->p_paddr);
		if (p->p_paddr + p->p_memsz > b->kernel_end.v)
			b->kernel_end = GPA(p->p_paddr + p->p_memsz);
	}
	return b->kernel_end.v ? 0 : -ENOEXEC;
}

static int write_start_info(struct guest_mem *gm, const struct linux_boot *b)
{
	struct e820_entry e820[E820_MAX];
	struct hvm_memmap_entry mm[E820_MAX];
	struct hvm_modlist_entry mod = { b->initrd.v, b->initrd_size, 0, 0 };
	struct hvm_start_info si = {
		.magic = HVM_START_MAGIC,
		.version = 1,
		.nr_modules = b->initrd_size ? 1 : 0,
		.modlist_paddr = b->initrd_size ? PVH_MODLIST : 0,
		.cmdline_paddr = LINUX_CMDLINE,
		.memmap_paddr = PVH_MEMMAP,
	};
	unsigned int n = linux_e820(gm, e820, E820_MAX);

	for (unsigned int i = 0; i < n; i++)
		mm[i] = (struct hvm_memmap_entry){ e820[i].addr, e820[i].size, e820[i].type, 0 };
	si.memmap_entries = n;
	if (gmem_write(gm, GPA(PVH_MEMMAP), mm, n * sizeof(mm[0])) ||
	    gmem_write(gm, GPA(PVH_MODLIST), &mod, sizeof(mod)) ||
	    gmem_write(gm, GPA(PVH_START_INFO), &si, sizeof(si)))
		return -EFAULT;
	return 0;
}

int linux_load_pvh(struct guest_mem *gm, const struct linux_args *a, struct linux_boot *b,
		   const char **why)
{
	uint64_t ram_end = 0, at;
	uint32_t entry;
	int ret;

	memset(b, 0, sizeof(*b));
	ret = pvh_find_entry(a->kernel, a->kernel_size, &entry);
	if (ret) {
		*why = ret == -ENOENT ? "no PVH entry note (XEN_ELFNOTE_PHYS32_ENTRY) in the ELF"
				      : "not an x86-64 ELF image, or a malformed one";
		return -ENOEXEC;
	}
	ret = load_segments(gm, a->kernel, a->kernel_size, b);
	if (ret) {
		*why = ret == -ENOMEM ? "kernel segments outside guest RAM" : "malformed segments";
		return ret;
	}
	if (entry < b->kernel_start.v || entry >= b->kernel_end.v) {
		*why = "PVH entry outside the loaded kernel";
		return -ENOEXEC;
	}
	b->mode = LINUX_ENTRY_PVH32;
	b->entry = GPA(entry);
	b->params = GPA(PVH_START_INFO);
	for (unsigned int i = 0; i < gm->nr_regions; i++)
		if (gm->region[i].gpa.v == 0)
			ram_end = gm->region[i].size;
	if (a->initrd_size) {
		at = (ram_end - a->initrd_size) & ~0xfffull;
		if (a->initrd_size > ram_end || at < b->kernel_end.v ||
		    gmem_write(gm, GPA(at), a->initrd, a->initrd_size)) {
			*why = "initrd does not fit in guest RAM above the kernel";
			return -ENOMEM;
		}
		b->initrd = GPA(at);
		b->initrd_size = a->initrd_size;
	}
	if (linux_write_cmdline(gm, a->cmdline, PVH_CMDLINE_MAX)) {
		*why = "command line longer than 2047 bytes";
		return -E2BIG;
	}
	return write_start_info(gm, b);
}
