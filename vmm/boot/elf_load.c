// SPDX-License-Identifier: GPL-2.0
/* The ELF64 loader: every field the guest image supplies is checked before anything is copied. */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "elf_load.h"
#include "guest_abi.h"

#define ELF_MAX_SIZE (256ULL << 20)

static int bad(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -ENOEXEC;
}

static int elf_check_header(const Elf64_Ehdr *eh, size_t len, char *err, size_t errlen)
{
	if (len < SELFMAG || memcmp(eh->e_ident, ELFMAG, SELFMAG))
		return bad(err, errlen, "not an ELF file (no ELF magic)");
	if (len < sizeof(*eh))
		return bad(err, errlen, "truncated ELF header (%zu of %zu bytes)", len,
			   sizeof(*eh));
	if (eh->e_ident[EI_CLASS] != ELFCLASS64)
		return bad(err, errlen, "not a 64-bit ELF (class %u)", eh->e_ident[EI_CLASS]);
	if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
		return bad(err, errlen, "not a little-endian ELF");
	if (eh->e_machine != EM_X86_64)
		return bad(err, errlen, "not an x86-64 ELF (machine %u)", eh->e_machine);
	if (eh->e_type != ET_EXEC)
		return bad(err, errlen,
			   "not an executable ELF (type %u; want a static, non-PIE "
			   "image)",
			   eh->e_type);
	if (!eh->e_phnum || eh->e_phentsize != sizeof(Elf64_Phdr))
		return bad(err, errlen, "no program headers (phnum %u, phentsize %u)", eh->e_phnum,
			   eh->e_phentsize);
	if (eh->e_phoff > len || (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr) > len - eh->e_phoff)
		return bad(err, errlen,
			   "truncated ELF: program headers end past the file (%zu "
			   "bytes)",
			   len);
	if (!eh->e_entry)
		return bad(err, errlen, "no entry point");
	return 0;
}

static int elf_check_segment(struct guest_mem *gm, const Elf64_Phdr *ph, unsigned int i, size_t len,
			     char *err, size_t errlen)
{
	if (ph->p_filesz > ph->p_memsz)
		return bad(err, errlen, "segment %u: file size 0x%lx exceeds memory size 0x%lx", i,
			   ph->p_filesz, ph->p_memsz);
	if (ph->p_offset > len || ph->p_filesz > len - ph->p_offset)
		return bad(err, errlen, "truncated ELF: segment %u's data ends past the file", i);
	if (ph->p_paddr + ph->p_memsz < ph->p_paddr)
		return bad(err, errlen, "segment %u: address range wraps around", i);
	if (ph->p_paddr < GUEST_IMAGE_MIN)
		return bad(err, errlen,
			   "segment %u at 0x%lx is below 0x%lx (reserved for page "
			   "tables, FDT and stacks)",
			   i, ph->p_paddr, GUEST_IMAGE_MIN);
	if (!gmem_access(gm, GPA(ph->p_paddr), ph->p_memsz, false))
		return bad(err, errlen,
			   "segment %u [0x%lx, 0x%lx) is outside guest RAM (or in the "
			   "MMIO hole)",
			   i, ph->p_paddr, ph->p_paddr + ph->p_memsz);
	return 0;
}

static int elf_check_segments(struct guest_mem *gm, const void *image, size_t len, char *err,
			      size_t errlen)
{
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *ph = (const Elf64_Phdr *)((const char *)image + eh->e_phoff);
	bool entry_ok = false, any = false;
	int ret;

	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		ret = elf_check_segment(gm, &ph[i], i, len, err, errlen);
		if (ret)
			return ret;
		for (unsigned int j = 0; j < i; j++) {
			if (ph[j].p_type != PT_LOAD || !ph[j].p_memsz)
				continue;
			if (ph[i].p_paddr < ph[j].p_paddr + ph[j].p_memsz &&
			    ph[j].p_paddr < ph[i].p_paddr + ph[i].p_memsz)
				return bad(err, errlen, "segments %u and %u overlap", j, i);
		}
		any = true;
		if ((ph[i].p_flags & PF_X) && eh->e_entry >= ph[i].p_paddr &&
		    eh->e_entry - ph[i].p_paddr < ph[i].p_memsz)
			entry_ok = true;
	}
	if (!any)
		return bad(err, errlen, "no loadable segment");
	if (!entry_ok)
		return bad(err, errlen, "entry point 0x%lx is not in an executable segment",
			   eh->e_entry);
	return 0;
}

int elf_load(struct guest_mem *gm, const void *image, size_t len, uint64_t *entry, char *err,
	     size_t errlen)
{
	const Elf64_Ehdr *eh = image;
	const Elf64_Phdr *ph;
	int ret;

	ret = elf_check_header(eh, len, err, errlen);
	if (!ret)
		ret = elf_check_segments(gm, image, len, err, errlen);
	if (ret)
		return ret;
	ph = (const Elf64_Phdr *)((const char *)image + eh->e_phoff);
	for (unsigned int i = 0; i < eh->e_phnum; i++) {
		uint8_t *dst;

		if (ph[i].p_type != PT_LOAD || !ph[i].p_memsz)
			continue;
		dst = gmem_access(gm, GPA(ph[i].p_paddr), ph[i].p_memsz, true);
		memcpy(dst, (const char *)image + ph[i].p_offset, ph[i].p_filesz);
		memset(dst + ph[i].p_filesz, 0, ph[i].p_memsz - ph[i].p_filesz);
	}
	*entry = eh->e_entry;
	return 0;
}

int elf_read_file(const char *path, void **image, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	ssize_t n;
	void *buf;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &st)) {
		ret = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out_close;
	}
	ret = -EINVAL;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size > ELF_MAX_SIZE) {
		snprintf(err, errlen, "%s: not a regular file of at most %llu MiB", path,
			 ELF_MAX_SIZE >> 20);
		goto out_close;
	}
	ret = -ENOMEM;
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		snprintf(err, errlen, "%s: out of memory", path);
		goto out_close;
	}
	n = pread(fd, buf, st.st_size, 0);
	if (n != st.st_size) {
		ret = n < 0 ? -errno : -EIO;
		snprintf(err, errlen, "%s: short read", path);
		free(buf);
		goto out_close;
	}
	*image = buf;
	*len = st.st_size;
	ret = 0;
out_close:
	if (fd >= 0)
		close(fd);
	return ret;
}
