// SPDX-License-Identifier: GPL-2.0
/*
 * Linux boot without firmware, against the box's own Debian kernel when it is in the cache (its
 * tests are skipped, saying so, when not): the bzImage header, boot_params and e820, vmlinux out
 * of the xz payload, its PVH note and hvm_start_info, the MP table; and crafted bad images.
 */
#include <elf.h>
#include <errno.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <zstd.h>

#include "tap.h"
#include "../../vmm/guest_mem.h"
#include "../../vmm/boot/boot_linux.h"

#define RAM (128ull << 20)

static struct guest_mem gm;
static uint8_t *ram;

static void skip(const char *why, int n)
{
	for (int i = 0; i < n; i++)
		printf("ok %d # SKIP %s\n", ++tap_n, why);
}

static void *slurp(const char *path, size_t *size)
{
	FILE *f = fopen(path, "rb");
	void *buf = NULL;
	long n;

	if (!f)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	buf = malloc(n);
	if (buf && fread(buf, 1, n, f) != (size_t)n) {
		free(buf);
		buf = NULL;
	}
	fclose(f);
	*size = n;
	return buf;
}

static void *box_kernel(size_t *size)
{
	char pat[512];
	glob_t g;
	void *img = NULL;

	snprintf(pat, sizeof(pat), "%s/.cache/mirrorvm/kernel/*/root/boot/vmlinuz-*",
		 getenv("HOME") ? getenv("HOME") : "/root");
	if (!glob(pat, 0, NULL, &g) && g.gl_pathc)
		img = slurp(g.gl_pathv[0], size);
	globfree(&g);
	return img;
}

static uint64_t rd(uint64_t gpa, unsigned int n)
{
	uint64_t v = 0;

	memcpy(&v, ram + gpa, n);
	return v;
}

static void test_bzimage(const uint8_t *img, size_t size)
{
	static uint8_t initrd[1 << 20];
	struct linux_args a = { img, size, initrd, sizeof(initrd), "console=ttyS0 quiet" };
	struct bzimage_hdr h;
	struct linux_boot b;
	const char *why = "-";
	struct e820_entry e[4];
	uint64_t rd_at, rd_max;

	is_int(bzimage_parse(img, size, &h, &why), 0, "Debian's bzImage parses (%s)", why);
	ok(h.version >= 0x20c && (h.xloadflags & 1), "boot protocol %#x with a 64-bit entry",
	   h.version);
	for (size_t i = 0; i < sizeof(initrd); i++)
		initrd[i] = (uint8_t)(i * 13);
	is_int(linux_load_bzimage(&gm, &a, &b, &why), 0, "load bzImage into 128 MiB");
	is_int(b.entry.v, h.pref_address + 0x200, "entry is startup_64 at load address + 0x200");
	ok(!memcmp(ram + h.pref_address, img + h.setup_size, size - h.setup_size),
	   "protected-mode kernel at its preferred address");
	ok(!memcmp(ram + LINUX_BOOT_PARAMS + 0x202, "HdrS", 4), "boot_params carries the header");
	is_int(ram[LINUX_BOOT_PARAMS + 0x210], 0xff, "type_of_loader set");
	is_int(rd(LINUX_BOOT_PARAMS + 0x228, 4), LINUX_CMDLINE, "cmd_line_ptr");
	ok(!strcmp((char *)ram + LINUX_CMDLINE, "console=ttyS0 quiet"), "command line in RAM");
	rd_at = rd(LINUX_BOOT_PARAMS + 0x218, 4);
	rd_max = h.initrd_addr_max + 1ull < RAM ? h.initrd_addr_max + 1ull : RAM;
	ok(!(rd_at & 0xfff) && rd_at >= b.kernel_end.v && rd_at + sizeof(initrd) <= rd_max,
	   "initrd at %#llx: page aligned, above init_size, below initrd_addr_max and RAM",
	   (unsigned long long)rd_at);
	is_int(rd(LINUX_BOOT_PARAMS + 0x21c, 4), sizeof(initrd), "ramdisk_size");
	ok(!memcmp(ram + rd_at, initrd, sizeof(initrd)), "initrd bytes in RAM");
	is_int(ram[LINUX_BOOT_PARAMS + 0x1e8], 4, "four e820 entries");
	memcpy(e, ram + LINUX_BOOT_PARAMS + 0x2d0, sizeof(e));
	ok(e[0].addr == 0 && e[0].type == E820_RAM && e[2].addr == 0xf0000 &&
		   e[2].type == E820_RESERVED && e[3].addr == 0x100000 &&
		   e[3].addr + e[3].size == RAM,
	   "e820: low RAM, holes reserved, RAM from 1 MiB to the end");

	a.cmdline = NULL;
	a.initrd_size = RAM;
	is_int(linux_load_bzimage(&gm, &a, &b, &why), -ENOMEM, "initrd bigger than RAM refused");
	a.initrd_size = 0;
	gm.region[0].size = 32 << 20;
	is_int(linux_load_bzimage(&gm, &a, &b, &why), -ENOMEM, "32 MiB is below init_size (%s)",
	       why);
	gm.region[0].size = RAM;
	char *longline = malloc(h.cmdline_size + 2);
	memset(longline, 'x', h.cmdline_size + 1);
	longline[h.cmdline_size + 1] = 0;
	a.cmdline = longline;
	is_int(linux_load_bzimage(&gm, &a, &b, &why), -E2BIG, "command line over cmdline_size");
	free(longline);
}

static void test_bad_headers(const uint8_t *img, size_t size)
{
	uint8_t *c = malloc(size);
	struct bzimage_hdr h;
	const char *why = NULL;

	is_int(bzimage_parse(img, 0x200, &h, &why), -ENOEXEC, "truncated image (%s)", why);
	memcpy(c, img, size);
	c[0x202] = 'X';
	is_int(bzimage_parse(c, size, &h, &why), -ENOEXEC, "no HdrS (%s)", why);
	memcpy(c, img, size);
	c[0x1f1] = 0xff;
	is_int(bzimage_parse(c, 0x1000, &h, &why), -ENOEXEC, "setup_sects past the end (%s)", why);
	memcpy(c, img, size);
	memset(c + 0x24c, 0xff, 4);
	is_int(bzimage_parse(c, size, &h, &why), -ENOEXEC, "payload_length past the end (%s)", why);
	memcpy(c, img, size);
	c[0x236] &= ~1;
	is_int(bzimage_parse(c, size, &h, &why), -ENOEXEC, "no XLF_KERNEL_64 (%s)", why);
	memcpy(c, img, size);
	c[0x201] = 0x10;
	is_int(bzimage_parse(c, size, &h, &why), -ENOEXEC, "setup header too short (%s)", why);
	free(c);
}

/* sid's 7.x kernels: the same vmlinux, recompressed with zstd into the same setup. */
static void zstd_payload(const uint8_t *img, const struct bzimage_hdr *h)
{
	size_t head = h->setup_size + h->payload_offset, vlen = 0, n, cap;
	void *vmlinux = NULL, *back = NULL;
	const char *why = "";
	uint32_t plen, vlen32;
	uint8_t *c;

	if (bzimage_extract_vmlinux(img, head + h->payload_length, &vmlinux, &vlen, &why))
		return;
	cap = ZSTD_compressBound(vlen);
	c = malloc(head + cap + 4);
	memcpy(c, img, head);
	n = ZSTD_compress(c + head, cap, vmlinux, vlen, 1);
	vlen32 = (uint32_t)vlen;
	memcpy(c + head + n, &vlen32, 4);
	plen = (uint32_t)n + 4;
	memcpy(c + 0x24c, &plen, 4);
	is_int(bzimage_extract_vmlinux(c, head + plen, &back, &vlen, &why), 0,
	       "vmlinux extracted from a zstd payload (%s)", why);
	ok(back && !memcmp(back, vmlinux, vlen), "the zstd payload gives the same vmlinux");
	free(back);
	free(vmlinux);
	free(c);
}

static void test_vmlinux(const uint8_t *img, size_t size)
{
	struct linux_args a = { 0 };
	struct linux_boot b;
	struct bzimage_hdr h;
	const char *why = "-";
	void *elf = NULL;
	size_t elf_size = 0;
	uint32_t entry = 0, si[14];
	uint8_t *c;

	is_int(bzimage_extract_vmlinux(img, size, &elf, &elf_size, &why), 0,
	       "vmlinux extracted from the xz payload (%s)", why);
	if (!elf)
		return;
	ok(elf_size > (8 << 20) && !memcmp(elf, ELFMAG, SELFMAG), "an ELF of %zu MiB",
	   elf_size >> 20);
	is_int(pvh_find_entry(elf, elf_size, &entry), 0, "PVH note found");
	ok(entry >= 0x1000000 && entry < 0x8000000, "PVH entry %#x is physical", entry);
	a.kernel = elf;
	a.kernel_size = elf_size;
	a.initrd = "INITRD!";
	a.initrd_size = 8;
	a.cmdline = "console=hvc0";
	is_int(linux_load_pvh(&gm, &a, &b, &why), 0, "vmlinux loaded for PVH (%s)", why);
	ok(b.mode == LINUX_ENTRY_PVH32 && b.entry.v == entry, "32-bit entry at the note's address");
	memcpy(si, ram + PVH_START_INFO, sizeof(si));
	ok(si[0] == 0x336ec578 && si[1] == 1 && si[3] == 1, "hvm_start_info v1 with one module");
	ok(!strcmp((char *)ram + rd(PVH_START_INFO + 0x18, 8), "console=hvc0"), "PVH cmdline");
	ok(!memcmp(ram + rd(rd(PVH_START_INFO + 0x10, 8), 8), "INITRD!", 8), "module 0 is initrd");
	is_int(si[12], 4, "PVH memory map has 4 entries");

	bzimage_parse(img, size, &h, &why);
	c = malloc(size);
	memcpy(c, img, size);
	c[h.setup_size + h.payload_offset + h.payload_length / 2] ^= 0x55;
	free(elf);
	elf = NULL;
	is_int(bzimage_extract_vmlinux(c, size, &elf, &elf_size, &why), -ENOEXEC,
	       "a flipped byte in the payload is caught (%s)", why);
	memcpy(c, img, size);
	memcpy(c + h.setup_size + h.payload_offset, "\x02\x21\x4c\x18", 4);
	is_int(bzimage_extract_vmlinux(c, size, &elf, &elf_size, &why), -ENOTSUP,
	       "another compressor is named (%s)", why);
	memcpy(c + h.setup_size + h.payload_offset, "\x28\xb5\x2f\xfd", 4);
	is_int(bzimage_extract_vmlinux(c, size, &elf, &elf_size, &why), -EBADMSG,
	       "a broken zstd payload is caught (%s)", why);
	free(c);
	zstd_payload(img, &h);
}


/* A minimal ELF64 with one PT_NOTE holding note, to probe the note parser. */
static size_t mini_elf(uint8_t *buf, const void *note, uint32_t note_len, uint16_t phnum)
{
	Elf64_Ehdr *eh = (Elf64_Ehdr *)buf;
	Elf64_Phdr *ph = (Elf64_Phdr *)(buf + sizeof(*eh));

	memset(buf, 0, 512);
	memcpy(eh->e_ident, ELFMAG, SELFMAG);
	eh->e_ident[EI_CLASS] = ELFCLASS64;
	eh->e_ident[EI_DATA] = ELFDATA2LSB;
	eh->e_machine = EM_X86_64;
	eh->e_phoff = sizeof(*eh);
	eh->e_phentsize = sizeof(*ph);
	eh->e_phnum = phnum;
	ph->p_type = PT_NOTE;
	ph->p_offset = 256;
	ph->p_filesz = note_len;
	memcpy(buf + 256, note, note_len);
	return 512;
}

static void test_notes(void)
{
	uint8_t buf[512];
	uint32_t entry = 0;
	uint32_t good[] = { 4, 8, 18, 0x006e6558, 0x1234567, 0 };
	uint32_t other[] = { 4, 4, 17, 0x006e6558, 1 };
	uint32_t huge[] = { 4, 0xfffffff0u, 18, 0x006e6558 };

	is_int(pvh_find_entry(buf, mini_elf(buf, good, sizeof(good), 1), &entry), 0,
	       "crafted PVH note parsed");
	is_int(entry, 0x1234567, "its entry");
	is_int(pvh_find_entry(buf, mini_elf(buf, other, sizeof(other), 1), &entry), -ENOENT,
	       "other Xen notes only: -ENOENT");
	is_int(pvh_find_entry(buf, mini_elf(buf, huge, sizeof(huge), 1), &entry), -ENOEXEC,
	       "descsz past the segment: -ENOEXEC");
	is_int(pvh_find_entry(buf, mini_elf(buf, good, sizeof(good), 100), &entry), -ENOEXEC,
	       "program headers past the file: -ENOEXEC");
	is_int(pvh_find_entry(buf, 40, &entry), -ENOEXEC, "truncated ELF header: -ENOEXEC");
}

static void test_mptable(void)
{
	uint32_t phys;
	uint16_t len, count;
	uint8_t sum = 0;

	memset(ram + 0xf0000, 0, 0x10000);
	is_int(mptable_write(&gm, 2, 1u << 1 | 1u << 2), 0, "MP table for 2 CPUs, 2 PCI slots");
	ok(!memcmp(ram + MPTABLE_BASE, "_MP_", 4), "floating pointer at 0xf0000");
	for (int i = 0; i < 16; i++)
		sum += ram[MPTABLE_BASE + i];
	is_int(sum, 0, "floating pointer checksum");
	phys = (uint32_t)rd(MPTABLE_BASE + 4, 4);
	ok(!memcmp(ram + phys, "PCMP", 4), "configuration table at %#x", phys);
	len = (uint16_t)rd(phys + 4, 2);
	count = (uint16_t)rd(phys + 34, 2);
	sum = 0;
	for (int i = 0; i < len; i++)
		sum += ram[phys + i];
	is_int(sum, 0, "configuration table checksum over %u bytes", len);
	is_int(count, 2 + 2 + 1 + 16 + 2 + 2, "CPUs, buses, IOAPIC, ISA, PCI and LINT entries");
	ok(ram[phys + 44] == 0 && ram[phys + 44 + 3] == 3 && ram[phys + 64 + 3] == 1,
	   "CPU 0 enabled and bootstrap, CPU 1 enabled");
	is_int(len, 44 + 2 * 20 + (count - 2) * 8, "entry sizes add up");
	is_int(mptable_write(&gm, 0, 0), -EINVAL, "zero CPUs refused");
}

int main(void)
{
	size_t size = 0;
	uint8_t *img;

	ram = mmap(NULL, RAM, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE,
		   -1, 0);
	gm.region[0] = (struct gmem_region){ GPA(0), RAM, ptr_to_hva(ram) };
	gm.nr_regions = 1;
	img = box_kernel(&size);
	if (img) {
		test_bzimage(img, size);
		test_bad_headers(img, size);
		test_vmlinux(img, size);
	} else {
		skip("no box kernel in ~/.cache/mirrorvm (tools/box --fetch)", 1);
	}
	test_notes();
	test_mptable();
	free(img);
	munmap(ram, RAM);
	return tap_done();
}
