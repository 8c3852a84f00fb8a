/* SPDX-License-Identifier: GPL-2.0 */
/* Loading a freestanding ELF64 x86-64 test guest into guest RAM. */
#ifndef MIRRORVM_ELF_LOAD_H
#define MIRRORVM_ELF_LOAD_H

#include <stddef.h>
#include <stdint.h>

#include "../guest_mem.h"

/*
 * Checks the image completely, then copies its PT_LOAD segments to their physical addresses
 * (zero-filling up to p_memsz). Every segment must lie wholly in RAM at or above GUEST_IMAGE_MIN
 * (so neither in the MMIO hole nor over the VMM's page tables, FDT and stacks) and no two may
 * overlap; the entry point must lie in an executable segment. 0 and *entry, or -ENOEXEC with a
 * message saying what is wrong in err (nothing has been written then).
 */
int elf_load(struct guest_mem *gm, const void *image, size_t len, uint64_t *entry, char *err,
	     size_t errlen);

/* Reads a whole file into malloc'd memory: 0, or -errno (message in err). */
int elf_read_file(const char *path, void **image, size_t *len, char *err, size_t errlen);

#endif
