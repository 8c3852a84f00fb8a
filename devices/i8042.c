// SPDX-License-Identifier: GPL-2.0
/*
 * Just enough of the i8042 keyboard controller for Linux's reboot path: without ACPI, `reboot`
 * (and the kernel's fallback for anything it cannot power off) pulses the CPU reset line by
 * writing 0xfe to the command port, which ends the run. The status port reads 0, so the kernel's
 * wait for an empty input buffer is immediate.
 */
#include <stdio.h>
#include <string.h>

#include "device.h"
#include "i8042.h"

#define I8042_DATA 0x60
#define I8042_CMD 0x64
#define I8042_CMD_RESET 0xfe

static void i8042_pio(void *opaque, uint16_t port, bool write, uint8_t *data, unsigned int len)
{
	struct vm *vm = opaque;

	if (!write) {
		memset(data, 0, len);
		return;
	}
	if (port == I8042_CMD && data[0] == I8042_CMD_RESET) {
		fprintf(stderr, "mirrorvm: guest reset (i8042): stopping\n");
		vm_stop(vm, 0);
	}
}

int i8042_add(struct vm *vm)
{
	int ret = vm_pio_register(vm, I8042_DATA, 1, i8042_pio, vm);

	return ret ? ret : vm_pio_register(vm, I8042_CMD, 1, i8042_pio, vm);
}
