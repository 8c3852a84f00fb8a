/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The i8042 keyboard controller at ports 0x60 (data) and 0x64 (status/command), IRQ 1 and 12.
 * The core takes its callbacks as arguments, so the unit tests drive it without a VM.
 */
#ifndef MIRRORVM_I8042_H
#define MIRRORVM_I8042_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

struct vm;

#define I8042_DATA 0x60
#define I8042_CMD 0x64
#define I8042_KBD_IRQ 1
#define I8042_AUX_IRQ 12
#define I8042_QUEUE 16

/* Status register. */
#define I8042_STR_OBF 0x01
#define I8042_STR_IBF 0x02
#define I8042_STR_SYS 0x04
#define I8042_STR_CMD 0x08
#define I8042_STR_UNLOCKED 0x10
#define I8042_STR_AUXDATA 0x20
#define I8042_STR_TIMEOUT 0x40

/* Controller command byte (RAM byte 0). */
#define I8042_CTR_KBDINT 0x01
#define I8042_CTR_AUXINT 0x02
#define I8042_CTR_SYS 0x04
#define I8042_CTR_KBDDIS 0x10
#define I8042_CTR_AUXDIS 0x20
#define I8042_CTR_XLATE 0x40

struct i8042 {
	pthread_mutex_t lock;
	uint8_t ram[32]; /* ram[0] is the command byte */
	uint8_t out[I8042_QUEUE], out_flags[I8042_QUEUE]; /* flags: STR_AUXDATA, STR_TIMEOUT */
	unsigned int head, count;
	uint8_t last_read;
	uint8_t pending; /* controller command waiting for its data byte, or 0 */
	uint8_t kbd_pending; /* keyboard command waiting for its parameter, or 0 */
	uint8_t outport;
	bool last_was_cmd;
	bool irq[2]; /* IRQ 1, IRQ 12 */
	void (*set_irq)(void *opaque, unsigned int irq, bool level);
	void (*reset)(void *opaque);
	void *opaque;
};

/* Power-on state: nothing to read, keyboard interrupt on, translation on, no mouse. */
void i8042_init(struct i8042 *c, void (*set_irq)(void *, unsigned int, bool), void (*reset)(void *),
		void *opaque);
/* One byte at port (0x60 or 0x64; others read 0xff): the value read, or 0 for a write. */
uint8_t i8042_io(struct i8042 *c, uint16_t port, bool write, uint8_t val);

/* Ports 0x60 and 0x64 on vm; a CPU reset (0xfe) stops the VM with status 0. 0 or -errno. */
int i8042_add(struct vm *vm);

#endif
