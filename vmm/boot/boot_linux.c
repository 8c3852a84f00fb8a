// SPDX-License-Identifier: GPL-2.0
/*
 * The x86 Linux boot protocol, 64-bit entry: the protected-mode kernel goes to its preferred
 * address, boot_params carries the image's own setup header plus what a boot loader fills in
 * (command line, initrd, e820), and the VMM enters startup_64 at load address + 0x200.
 */
#include <errno.h>
#include <string.h>

#include "../guest_mem.h"
#include "boot_linux.h"

#define HDR_START 0x1f1
#define HDR_MIN_END 0x268 /* through init_size: boot protocol 2.10 */
#define XLF_KERNEL_64 1
#define LOADED_HIGH 1
#define CAN_USE_HEAP 0x80
#define LOW_RAM_TOP 0x9fc00ull
#define BIOS_START 0xf0000ull
#define HIGH_START 0x100000ull

static uint64_t le(const uint8_t *p, unsigned int n)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < n; i++)
		v |= (uint64_t)p[i] << (8 * i);
	return v;
}

static void put(uint8_t *p, unsigned int n, uint64_t v)
{
	for (unsigned int i = 0; i < n; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static int bad(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -ENOEXEC;
}

int bzimage_parse(const void *img, size_t size, struct bzimage_hdr *h, const char **why)
{
	const uint8_t *p = img;

	memset(h, 0, sizeof(*h));
	if (size < HDR_MIN_END)
		return bad(why, "image shorter than a setup header");
	if (le(p + 0x1fe, 2) != 0xaa55 || memcmp(p + 0x202, "HdrS", 4))
		return bad(why, "no Linux setup header (not a bzImage)");
	h->version = (uint16_t)le(p + 0x206, 2);
	if (h->version < 0x20c)
		return bad(why, "boot protocol older than 2.12 (no 64-bit entry)");
	h->setup_sects = p[0x1f1] ? p[0x1f1] : 4;
	h->setup_size = (h->setup_sects + 1u) * 512u;
	h->hdr_end = 0x202 + p[0x201];
	h->loadflags = p[0x211];
	h->xloadflags = (uint16_t)le(p + 0x236, 2);
	h->initrd_addr_max = (uint32_t)le(p + 0x22c, 4);
	h->kernel_alignment = (uint32_t)le(p + 0x230, 4);
	h->relocatable = p[0x234];
	h->cmdline_size = (uint32_t)le(p + 0x238, 4);
	h->payload_offset = (uint32_t)le(p + 0x248, 4);
	h->payload_length = (uint32_t)le(p + 0x24c, 4);
	h->pref_address = le(p + 0x258, 8);
	h->init_size = (uint32_t)le(p + 0x260, 4);
	if (h->setup_size >= size)
		return bad(why, "setup sectors run past the end of the image");
	if (h->hdr_end < HDR_MIN_END || h->hdr_end > h->setup_size)
		return bad(why, "setup header length out of range");
	if (!(h->xloadflags & XLF_KERNEL_64) || !(h->loadflags & LOADED_HIGH))
		return bad(why, "kernel has no 64-bit entry point");
	if ((uint64_t)h->payload_offset + h->payload_length > size - h->setup_size)
		return bad(why, "compressed payload runs past the end of the image");
	if (h->init_size < size - h->setup_size)
		return bad(why, "init_size smaller than the kernel");
	if (h->pref_address < HIGH_START || h->pref_address > 0x80000000ull)
		return bad(why, "preferred load address out of range");
	return 0;
}

/* The top of the RAM region that starts at 0 (all of it below the MMIO hole). */
static uint64_t low_ram_end(const struct guest_mem *gm)
{
	for (unsigned int i = 0; i < gm->nr_regions; i++)
		if (gm->region[i].gpa.v == 0)
			return gm->region[i].size;
	return 0;
}

unsigned int linux_e820(const struct guest_mem *gm, struct e820_entry *e, unsigned int max)
{
	unsigned int n = 0;

#define ADD(a, s, t)                                                                               \
	do {                                                                                       \
		if (n < max)                                                                       \
			e[n++] = (struct e820_entry){ (a), (s), (t) };                             \
	} while (0)
	for (unsigned int i = 0; i < gm->nr_regions; i++) {
		const struct gmem_region *r = &gm->region[i];

		if (r->gpa.v != 0 || r->size <= HIGH_START) {
			ADD(r->gpa.v, r->size, E820_RAM);
			continue;
		}
		/* The EBDA, the VGA hole and the BIOS area, where the MP table lives. */
		ADD(0, LOW_RAM_TOP, E820_RAM);
		ADD(LOW_RAM_TOP, 0xa0000 - LOW_RAM_TOP, E820_RESERVED);
		ADD(BIOS_START, HIGH_START - BIOS_START, E820_RESERVED);
		ADD(HIGH_START, r->size - HIGH_START, E820_RAM);
	}
#undef ADD
	return n;
}

/* The initrd as high as allowed, page aligned, above the kernel: 0 or -ENOMEM. */
static int place_initrd(struct guest_mem *gm, const struct linux_args *a, uint64_t max_end,
			struct linux_boot *b)
{
	uint64_t at;

	if (!a->initrd_size)
		return 0;
	if (a->initrd_size > max_end || max_end - a->initrd_size < b->kernel_end.v)
		return -ENOMEM;
	at = (max_end - a->initrd_size) & ~0xfffull;
	if (at < b->kernel_end.v || gmem_write(gm, GPA(at), a->initrd, a->initrd_size))
		return -ENOMEM;
	b->initrd = GPA(at);
	b->initrd_size = a->initrd_size;
	return 0;
}

int linux_write_cmdline(struct guest_mem *gm, const char *cmdline, uint32_t max)
{
	size_t len = cmdline ? strlen(cmdline) : 0;

	if (len > max || len >= LINUX_CMDLINE_MAX)
		return -E2BIG;
	if (gmem_write(gm, GPA(LINUX_CMDLINE), cmdline ? cmdline : "", len) ||
	    gmem_write(gm, GPA(LINUX_CMDLINE + len), "", 1))
		return -EFAULT;
	return 0;
}

static void fill_boot_params(uint8_t *bp, const uint8_t *img, const struct bzimage_hdr *h,
			     const struct linux_boot *b, struct guest_mem *gm)
{
	struct e820_entry e820[E820_MAX];
	unsigned int n = linux_e820(gm, e820, E820_MAX);

	memset(bp, 0, 4096);
	memcpy(bp + HDR_START, img + HDR_START, h->hdr_end - HDR_START);
	put(bp + 0x1fa, 2, 0xffff); /* vid_mode: normal */
	bp[0x210] = 0xff; /* type_of_loader: undefined */
	bp[0x211] |= CAN_USE_HEAP;
	put(bp + 0x214, 4, b->kernel_start.v); /* code32_start */
	put(bp + 0x218, 4, b->initrd.v);
	put(bp + 0x21c, 4, b->initrd_size);
	put(bp + 0x0c0, 4, b->initrd.v >> 32);
	put(bp + 0x0c4, 4, b->initrd_size >> 32);
	put(bp + 0x224, 2, 0xfe00); /* heap_end_ptr */
	put(bp + 0x228, 4, LINUX_CMDLINE);
	bp[0x1e8] = (uint8_t)n;
	memcpy(bp + 0x2d0, e820, n * sizeof(e820[0]));
}

int linux_load_bzimage(struct guest_mem *gm, const struct linux_args *a, struct linux_boot *b,
		       const char **why)
{
	const uint8_t *img = a->kernel;
	uint64_t ram_end = low_ram_end(gm), max_end;
	struct bzimage_hdr h;
	uint8_t bp[4096];
	int ret;

	memset(b, 0, sizeof(*b));
	ret = bzimage_parse(img, a->kernel_size, &h, why);
	if (ret)
		return ret;
	b->mode = LINUX_ENTRY_64;
	b->kernel_start = GPA(h.pref_address);
	b->kernel_end = GPA(h.pref_address + h.init_size);
	b->entry = GPA(h.pref_address + 0x200);
	b->params = GPA(LINUX_BOOT_PARAMS);
	if (b->kernel_end.v > ram_end) {
		*why = "guest RAM too small for the kernel's init_size";
		return -ENOMEM;
	}
	if (gmem_write(gm, b->kernel_start, img + h.setup_size, a->kernel_size - h.setup_size))
		return -EFAULT;
	max_end = ram_end < (uint64_t)h.initrd_addr_max + 1 ? ram_end : h.initrd_addr_max + 1ull;
	if (place_initrd(gm, a, max_end, b)) {
		*why = "initrd does not fit in guest RAM below initrd_addr_max";
		return -ENOMEM;
	}
	if (linux_write_cmdline(gm, a->cmdline, h.cmdline_size)) {
		*why = "command line longer than the kernel accepts";
		return -E2BIG;
	}
	fill_boot_params(bp, img, &h, b, gm);
	return gmem_write(gm, b->params, bp, sizeof(bp));
}
