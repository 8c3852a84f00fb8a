/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MIRRORVM_I8042_H
#define MIRRORVM_I8042_H

struct vm;

/* Ports 0x60 and 0x64; a reset command (0xfe) stops the VM with status 0. 0 or -errno. */
int i8042_add(struct vm *vm);

#endif
