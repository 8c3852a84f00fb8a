/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Booting Linux without firmware: the 64-bit boot protocol for a bzImage
 * (Documentation/x86/boot.rst), the PVH entry of an uncompressed vmlinux (Xen's hvm_start_info,
 * xen/include/public/arch-x86/hvm/start_info.h), getting that vmlinux out of a bzImage, and
 * the MP table. All of it writes guest RAM only through the checked accessor; the VMM sets up
 * the registers from struct linux_boot.
 */
#ifndef MIRRORVM_BOOT_LINUX_H
#define MIRRORVM_BOOT_LINUX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <mirrorvm/addr.h>

struct guest_mem;

/* Where the VMM puts what it hands over (all below 1 MiB, in e820 RAM). */
#define LINUX_BOOT_PARAMS 0x7000ull
#define LINUX_CMDLINE 0x20000ull
#define LINUX_CMDLINE_MAX 0x10000u
#define PVH_START_INFO 0x6000ull
#define MPTABLE_BASE 0xf0000ull

/* The setup header fields this loader uses, parsed and checked. */
struct bzimage_hdr {
	uint8_t setup_sects;
	uint16_t version;
	uint8_t loadflags;
	uint16_t xloadflags;
	uint32_t setup_size; /* bytes before the protected-mode kernel */
	uint32_t initrd_addr_max;
	uint32_t kernel_alignment;
	uint8_t relocatable;
	uint32_t cmdline_size;
	uint32_t payload_offset, payload_length;
	uint64_t pref_address;
	uint32_t init_size;
	unsigned int hdr_end; /* end of the setup header in the image */
};

enum linux_entry_mode {
	LINUX_ENTRY_64, /* long mode, rsi = boot_params */
	LINUX_ENTRY_PVH32, /* 32-bit protected mode, paging off, ebx = hvm_start_info */
};

struct linux_boot {
	enum linux_entry_mode mode;
	gpa_t entry;
	gpa_t params; /* boot_params or hvm_start_info */
	gpa_t kernel_start, kernel_end, initrd;
	uint64_t initrd_size;
};

struct linux_args {
	const void *kernel;
	size_t kernel_size;
	const void *initrd; /* may be NULL */
	size_t initrd_size;
	const char *cmdline; /* may be NULL */
};

/* Checks and parses a bzImage's setup header: 0, or -ENOEXEC with why set to a reason. */
int bzimage_parse(const void *img, size_t size, struct bzimage_hdr *h, const char **why);
/* Loads a bzImage for 64-bit entry: kernel, initrd, command line, boot_params, e820. */
int linux_load_bzimage(struct guest_mem *gm, const struct linux_args *a, struct linux_boot *b,
		       const char **why);
/* Loads an uncompressed vmlinux (ELF64) for its PVH entry point, with an hvm_start_info. */
int linux_load_pvh(struct guest_mem *gm, const struct linux_args *a, struct linux_boot *b,
		   const char **why);
/* The PVH entry (XEN_ELFNOTE_PHYS32_ENTRY) of an ELF64 image: 0 or -ENOENT / -ENOEXEC. */
int pvh_find_entry(const void *elf, size_t size, uint32_t *entry);
/*
 * The uncompressed vmlinux inside a bzImage (xz via liblzma): 0 with a malloc'd buffer, or
 * -ENOEXEC / -ENOTSUP (another compressor, named in why) / -ENOMEM.
 */
int bzimage_extract_vmlinux(const void *img, size_t size, void **out, size_t *out_size,
			    const char **why);

/*
 * An MP table (Intel MP spec 1.4) at MPTABLE_BASE: CPUs 0..nr_cpus-1, the IOAPIC with id nr_cpus,
 * ISA IRQs 0-15 on pins 0-15, INTA# of each PCI slot set in pci_slots on the pin the PCI code
 * routes it to. 0 or -ENOSPC / -EFAULT.
 */
int mptable_write(struct guest_mem *gm, unsigned int nr_cpus, uint32_t pci_slots);

/* The boot CPU's registers for b (GDT and, for 64-bit entry, page tables in low RAM). */
int linux_setup_bsp(int vcpu_fd, struct guest_mem *gm, const struct linux_boot *b);
/* KVM's supported CPUID for vCPU index (vmm/cpuid.h; host: --cpuid host): 0 or -errno. */
int linux_setup_cpuid(int kvm_fd, int vcpu_fd, unsigned int index, bool host);

/* Writes the NUL-terminated command line at LINUX_CMDLINE: 0, -E2BIG past max bytes, -EFAULT. */
int linux_write_cmdline(struct guest_mem *gm, const char *cmdline, uint32_t max);

/* The e820 map of guest RAM with the legacy holes carved out: the number of entries. */
struct e820_entry {
	uint64_t addr, size;
	uint32_t type;
} __attribute__((packed));
#define E820_RAM 1
#define E820_RESERVED 2
#define E820_MAX 16
unsigned int linux_e820(const struct guest_mem *gm, struct e820_entry *e, unsigned int max);

#endif
