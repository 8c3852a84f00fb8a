// SPDX-License-Identifier: GPL-2.0
/*
 * The i8042 keyboard controller, as much as Linux asks of it, with a status that tells the truth:
 * the output buffer is full only while a byte waits there, so the kernel's flush and its waits for
 * a reply end at once instead of running to their limits (10,000 status reads each).
 *
 * The controller answers its commands (command byte and RAM, self tests, port enable and disable,
 * output port, the loopback writes 0xd2/0xd3) and pulses the CPU reset line for 0xfe (or any
 * 0xf0-0xff pulse with bit 0 clear, or an output-port write with bit 0 clear), which ends the
 * run with status 0: that is how `reboot` leaves a guest without ACPI. The keyboard behind it
 * acknowledges every command (with the ID, self-test and echo bytes where those are asked for)
 * and never types; no mouse is attached, so a byte for the aux device comes back as a timeout.
 * Replies queue (16 bytes; a full queue drops the newest), IRQ 1 or 12 is high while the byte at
 * the head is the keyboard's or the aux port's and the command byte enables it. Commands out of
 * order are taken as they come: a new command drops a command still waiting for its data byte.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "device.h"
#include "i8042.h"

#define KBD_ACK 0xfa

static void i8042_update_irq(struct i8042 *c)
{
	bool aux = c->count && (c->out_flags[c->head] & I8042_STR_AUXDATA);
	bool lv[2] = { c->count && !aux && (c->ram[0] & I8042_CTR_KBDINT),
		       c->count && aux && (c->ram[0] & I8042_CTR_AUXINT) };
	static const unsigned int irqs[2] = { I8042_KBD_IRQ, I8042_AUX_IRQ };

	for (unsigned int i = 0; i < 2; i++) {
		if (lv[i] == c->irq[i])
			continue;
		c->irq[i] = lv[i];
		if (c->set_irq)
			c->set_irq(c->opaque, irqs[i], lv[i]);
	}
}

static void i8042_push(struct i8042 *c, uint8_t v, uint8_t flags)
{
	unsigned int tail;

	if (c->count == I8042_QUEUE)
		return;
	tail = (c->head + c->count) % I8042_QUEUE;
	c->out[tail] = v;
	c->out_flags[tail] = flags;
	c->count++;
}

static void i8042_reset_cpu(struct i8042 *c)
{
	if (c->reset)
		c->reset(c->opaque);
}

static uint8_t i8042_status(const struct i8042 *c)
{
	uint8_t s = I8042_STR_UNLOCKED | (c->ram[0] & I8042_CTR_SYS);

	if (c->count)
		s |= I8042_STR_OBF | c->out_flags[c->head];
	if (c->last_was_cmd)
		s |= I8042_STR_CMD;
	return s;
}

/* A byte for the keyboard: every command acknowledged, some with more. */
static void i8042_kbd_write(struct i8042 *c, uint8_t v)
{
	if (c->kbd_pending) {
		bool get_set = c->kbd_pending == 0xf0 && v == 0;

		c->kbd_pending = 0;
		i8042_push(c, KBD_ACK, 0);
		if (get_set)
			i8042_push(c, 0x02, 0); /* scan code set 2 */
		return;
	}
	switch (v) {
	case 0xed: /* LEDs */
	case 0xf0: /* scan code set */
	case 0xf3: /* typematic rate */
		c->kbd_pending = v;
		i8042_push(c, KBD_ACK, 0);
		break;
	case 0xee: /* echo */
		i8042_push(c, 0xee, 0);
		break;
	case 0xf2: /* identify: an MF2 keyboard */
		i8042_push(c, KBD_ACK, 0);
		i8042_push(c, 0xab, 0);
		i8042_push(c, c->ram[0] & I8042_CTR_XLATE ? 0x41 : 0x83, 0);
		break;
	case 0xff: /* reset: passed its self test */
		i8042_push(c, KBD_ACK, 0);
		i8042_push(c, 0xaa, 0);
		break;
	default:
		i8042_push(c, KBD_ACK, 0);
		break;
	}
}

static void i8042_data_write(struct i8042 *c, uint8_t v)
{
	uint8_t p = c->pending;

	c->pending = 0;
	if (p >= 0x60 && p <= 0x7f) {
		c->ram[p & 0x1f] = v;
		return;
	}
	switch (p) {
	case 0xd1: /* output port: bit 0 low holds the CPU in reset */
		c->outport = v;
		if (!(v & 1))
			i8042_reset_cpu(c);
		return;
	case 0xd2:
		i8042_push(c, v, 0);
		return;
	case 0xd3:
		i8042_push(c, v, I8042_STR_AUXDATA);
		return;
	case 0xd4: /* to the mouse: there is none */
		i8042_push(c, 0xfe, I8042_STR_AUXDATA | I8042_STR_TIMEOUT);
		return;
	}
	i8042_kbd_write(c, v);
}

static void i8042_command(struct i8042 *c, uint8_t cmd)
{
	c->pending = 0;
	if (cmd >= 0x20 && cmd <= 0x3f) {
		i8042_push(c, c->ram[cmd & 0x1f], 0);
		return;
	}
	if ((cmd >= 0x60 && cmd <= 0x7f) || (cmd >= 0xd1 && cmd <= 0xd4)) {
		c->pending = cmd;
		return;
	}
	if (cmd >= 0xf0) {
		if (!(cmd & 1))
			i8042_reset_cpu(c);
		return;
	}
	switch (cmd) {
	case 0xa7:
		c->ram[0] |= I8042_CTR_AUXDIS;
		break;
	case 0xa8:
		c->ram[0] &= (uint8_t)~I8042_CTR_AUXDIS;
		break;
	case 0xa9: /* aux port test: fine */
	case 0xab: /* keyboard port test: fine */
		i8042_push(c, 0x00, 0);
		break;
	case 0xaa: /* controller self test: passed */
		c->ram[0] |= I8042_CTR_SYS;
		i8042_push(c, 0x55, 0);
		break;
	case 0xad:
		c->ram[0] |= I8042_CTR_KBDDIS;
		break;
	case 0xae:
		c->ram[0] &= (uint8_t)~I8042_CTR_KBDDIS;
		break;
	case 0xc0: /* input port */
		i8042_push(c, 0x00, 0);
		break;
	case 0xd0:
		i8042_push(c, c->outport, 0);
		break;
	default:
		break; /* unknown: ignored */
	}
}

void i8042_init(struct i8042 *c, void (*set_irq)(void *, unsigned int, bool), void (*reset)(void *),
		void *opaque)
{
	memset(c, 0, sizeof(*c));
	pthread_mutex_init(&c->lock, NULL);
	c->ram[0] = I8042_CTR_XLATE | I8042_CTR_AUXDIS | I8042_CTR_SYS | I8042_CTR_KBDINT;
	c->outport = 0x03; /* reset line high, A20 on */
	c->set_irq = set_irq;
	c->reset = reset;
	c->opaque = opaque;
}

uint8_t i8042_io(struct i8042 *c, uint16_t port, bool write, uint8_t val)
{
	uint8_t ret = 0;

	if (port != I8042_DATA && port != I8042_CMD)
		return write ? 0 : 0xff;
	pthread_mutex_lock(&c->lock);
	if (port == I8042_CMD && write) {
		c->last_was_cmd = true;
		i8042_command(c, val);
	} else if (port == I8042_CMD) {
		ret = i8042_status(c);
	} else if (write) {
		c->last_was_cmd = false;
		i8042_data_write(c, val);
	} else {
		if (c->count) {
			c->last_read = c->out[c->head];
			c->head = (c->head + 1) % I8042_QUEUE;
			c->count--;
		}
		ret = c->last_read;
	}
	i8042_update_irq(c);
	pthread_mutex_unlock(&c->lock);
	return ret;
}

struct i8042_dev {
	struct i8042 c;
	struct vm *vm;
};

static void i8042_set_irq(void *opaque, unsigned int irq, bool level)
{
	struct i8042_dev *d = opaque;

	vm_irq_line(d->vm, irq, level);
}

static void i8042_reset(void *opaque)
{
	struct i8042_dev *d = opaque;

	fprintf(stderr, "mirrorvm: guest reset (i8042): stopping\n");
	vm_stop(d->vm, 0);
}

static void i8042_pio(void *opaque, uint16_t port, bool write, uint8_t *data, unsigned int len)
{
	struct i8042_dev *d = opaque;
	uint8_t v = i8042_io(&d->c, port, write, data[0]);

	if (!write) {
		memset(data, 0xff, len);
		data[0] = v;
	}
}

int i8042_add(struct vm *vm)
{
	struct i8042_dev *d = calloc(1, sizeof(*d));
	int ret;

	if (!d)
		return -ENOMEM;
	d->vm = vm;
	i8042_init(&d->c, i8042_set_irq, i8042_reset, d);
	ret = vm_pio_register(vm, I8042_DATA, 1, i8042_pio, d);
	if (!ret)
		ret = vm_pio_register(vm, I8042_CMD, 1, i8042_pio, d);
	if (ret)
		free(d); /* a failed add fails the VM: nothing is left to call d */
	return ret;
}
