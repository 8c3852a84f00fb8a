// SPDX-License-Identifier: GPL-2.0
/* The i8042 (devices/i8042.c): a true status, Linux's probe sequence, reset, hostile orders. */
#include <stdlib.h>

#include "../../devices/i8042.h"
#include "tap.h"

static bool irq[16];
static unsigned int resets;

static void set_irq(void *opaque, unsigned int n, bool level)
{
	irq[n & 15] = level;
}

static void reset(void *opaque)
{
	resets++;
}

static uint8_t st(struct i8042 *c)
{
	return i8042_io(c, I8042_CMD, false, 0);
}

static uint8_t rd(struct i8042 *c)
{
	return i8042_io(c, I8042_DATA, false, 0);
}

static void cmd(struct i8042 *c, uint8_t v)
{
	i8042_io(c, I8042_CMD, true, v);
}

static void wr(struct i8042 *c, uint8_t v)
{
	i8042_io(c, I8042_DATA, true, v);
}

/* Linux's i8042_wait_read: polls until OBF; how many polls it took (10000: timed out). */
static unsigned int wait_read(struct i8042 *c)
{
	unsigned int i = 0;

	while (!(st(c) & I8042_STR_OBF) && i < 10000)
		i++;
	return i;
}

static void test_status(void)
{
	struct i8042 c;

	i8042_init(&c, set_irq, reset, NULL);
	ok(!(st(&c) & I8042_STR_OBF), "power-on: output buffer empty");
	ok(!(st(&c) & I8042_STR_IBF), "input buffer never full");
	is_int(wait_read(&c), 10000, "(nothing to wait for: the test's poll runs out)");
	cmd(&c, 0x20);
	is_int(wait_read(&c), 0, "read command byte: a reply at once");
	ok(st(&c) & I8042_STR_CMD, "status says the last write was a command");
	ok(irq[1], "IRQ 1 while a reply waits and KBDINT is on");
	is_int(rd(&c), 0x65, "power-on command byte");
	ok(!(st(&c) & I8042_STR_OBF), "empty again once read");
	ok(!irq[1], "IRQ 1 low again");
	is_int(rd(&c), 0x65, "an empty buffer reads the last byte again");
}

/* The probe of Linux 6.1's i8042_controller_check/selftest/init and check_aux. */
static void test_linux_probe(void)
{
	struct i8042 c;
	uint8_t ctr;

	i8042_init(&c, set_irq, reset, NULL);
	is_int(st(&c) & I8042_STR_OBF, 0, "flush: nothing to flush");
	cmd(&c, 0x20);
	is_int(wait_read(&c), 0, "RCTR answered");
	ctr = rd(&c);
	cmd(&c, 0xaa);
	is_int(wait_read(&c), 0, "self test answered");
	is_int(rd(&c), 0x55, "self test passed");
	cmd(&c, 0x60);
	wr(&c, (ctr & ~I8042_CTR_KBDINT) | I8042_CTR_KBDDIS);
	cmd(&c, 0x20);
	wait_read(&c);
	is_int(rd(&c), (ctr & ~I8042_CTR_KBDINT) | I8042_CTR_KBDDIS, "WCTR took the new byte");
	ok(!irq[1], "no IRQ 1 with KBDINT off");

	cmd(&c, 0xd3);
	wr(&c, 0x5a);
	is_int(wait_read(&c), 0, "aux loop answered");
	ok(st(&c) & I8042_STR_AUXDATA, "loop byte comes from the aux port");
	is_int(rd(&c), 0x5a, "aux loop returns the byte");
	cmd(&c, 0xa7);
	cmd(&c, 0x20);
	wait_read(&c);
	ok(rd(&c) & I8042_CTR_AUXDIS, "aux disabled");
	cmd(&c, 0xa8);
	cmd(&c, 0x20);
	wait_read(&c);
	ok(!(rd(&c) & I8042_CTR_AUXDIS), "aux enabled");
	cmd(&c, 0x60);
	wr(&c, I8042_CTR_AUXINT | I8042_CTR_KBDINT | I8042_CTR_XLATE);
	cmd(&c, 0xd3);
	wr(&c, 0xa5);
	ok(irq[12] && !irq[1], "aux IRQ test: IRQ 12 raised for aux data");
	is_int(rd(&c), 0xa5, "the IRQ handler reads the byte");
	ok(!irq[12], "IRQ 12 low again");

	cmd(&c, 0xd4);
	wr(&c, 0xf2);
	is_int(st(&c) & (I8042_STR_OBF | I8042_STR_AUXDATA | I8042_STR_TIMEOUT),
	       I8042_STR_OBF | I8042_STR_AUXDATA | I8042_STR_TIMEOUT, "no mouse: a timeout");
	rd(&c);

	wr(&c, 0xf2);
	ok(irq[1], "keyboard reply raises IRQ 1");
	is_int(rd(&c), 0xfa, "keyboard ACKs identify");
	is_int(rd(&c), 0xab, "ID byte 1");
	is_int(rd(&c), 0x41, "ID byte 2 (translated)");
	wr(&c, 0xed);
	is_int(rd(&c), 0xfa, "LEDs ACK");
	ok(!(st(&c) & I8042_STR_OBF), "nothing more until the parameter");
	wr(&c, 0x07);
	is_int(rd(&c), 0xfa, "parameter ACK");
	wr(&c, 0xf0);
	rd(&c);
	wr(&c, 0x00);
	is_int(rd(&c), 0xfa, "get scan set ACK");
	is_int(rd(&c), 0x02, "scan set 2");
	wr(&c, 0xff);
	is_int(rd(&c), 0xfa, "reset ACK");
	is_int(rd(&c), 0xaa, "keyboard self test passed");
	wr(&c, 0xee);
	is_int(rd(&c), 0xee, "echo");
	is_int(resets, 0, "no reset so far");
}

static void test_reset(void)
{
	struct i8042 c;

	resets = 0;
	i8042_init(&c, set_irq, reset, NULL);
	cmd(&c, 0xfe);
	is_int(resets, 1, "0xfe pulses the reset line");
	cmd(&c, 0xff);
	is_int(resets, 1, "0xff pulses nothing");
	cmd(&c, 0xd1);
	wr(&c, 0x02);
	is_int(resets, 2, "output port bit 0 low resets");
	cmd(&c, 0xd1);
	wr(&c, 0x03);
	is_int(resets, 2, "output port bit 0 high does not");
	cmd(&c, 0xd0);
	is_int(rd(&c), 0x03, "output port reads back");
	/* Linux's reboot=k: kb_wait (IBF clear), 0xfe, ten times. */
	for (int i = 0; i < 10; i++) {
		ok(!(st(&c) & I8042_STR_IBF), "kb_wait %d", i);
		cmd(&c, 0xfe);
	}
	is_int(resets, 12, "every pulse resets");
}

static void test_hostile(void)
{
	struct i8042 c;
	unsigned int seed = 7, bad = 0;

	resets = 0;
	i8042_init(&c, set_irq, reset, NULL);
	cmd(&c, 0x60); /* waits for a data byte ... */
	cmd(&c, 0x20); /* ... that a new command replaces */
	is_int(rd(&c), 0x65, "a command drops the one waiting for data");
	wr(&c, 0x33);
	is_int(rd(&c), 0xfa, "so the data byte goes to the keyboard");
	cmd(&c, 0xd1);
	cmd(&c, 0xd1);
	wr(&c, 0x00);
	is_int(resets, 1, "a repeated command still takes its byte");
	resets = 0;
	for (int i = 0; i < 40; i++)
		cmd(&c, 0x20);
	for (int i = 0; i < 40 && (st(&c) & I8042_STR_OBF); i++)
		bad++, rd(&c);
	is_int(bad, I8042_QUEUE, "replies nobody reads stop at the queue's size");
	is_int(i8042_io(&c, 0x61, false, 0), 0xff, "other ports read 0xff");
	for (int i = 0; i < 200000; i++) {
		uint16_t port = rand_r(&seed) & 1 ? I8042_CMD : I8042_DATA;
		uint8_t v = (uint8_t)rand_r(&seed);

		if (port == I8042_CMD && v >= 0xf0)
			v = 0xff; /* keep count of resets out of it */
		i8042_io(&c, port, rand_r(&seed) & 1, v);
		bad += c.count > I8042_QUEUE || c.head >= I8042_QUEUE;
	}
	is_int(bad, I8042_QUEUE, "200000 random accesses: the queue stays in bounds");
}

int main(void)
{
	test_status();
	test_linux_probe();
	test_reset();
	test_hostile();
	return tap_done();
}
