// SPDX-License-Identifier: GPL-2.0
/*
 * Built instead of vmm/mirror.c while libmmu (branch mmu) has not landed: the VM runs without
 * the mirror and says so once.
 */
#include <stdio.h>

#include "vm.h"

void vm_mirror_attach(struct vm *vm)
{
	fprintf(stderr, "mirror: off (%s)\n",
		vm->cfg->mirror ? "this build has no libmmu" : "--no-mirror");
}

void vm_mirror_detach(struct vm *vm)
{
	if (vm->cfg->stats)
		fprintf(stderr, "mirror: no statistics (the mirror was off)\n");
}
