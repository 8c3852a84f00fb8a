// SPDX-License-Identifier: GPL-2.0
/* The port table's lock-free lookup and per-vCPU cache (vmm/pio_table.h). */
#include <stdbool.h>

#include "../../vmm/pio_table.h"
#include "tap.h"

static void fn_a(void *o, uint16_t port, bool write, uint8_t *data, unsigned int len)
{
}

static struct vm_pio table[4] = {
	{ 0x3f8, 8, fn_a, NULL },
	{ 0x70, 2, fn_a, NULL },
	{ 0xfffe, 2, fn_a, NULL }, /* the last ports: base + count wraps a uint16_t */
	{ 0x80, 1, fn_a, NULL }, /* published later */
};

int main(void)
{
	struct pio_cache c = { 0 };
	atomic_uint nr = 3;

	ok(pio_lookup(&c, table, &nr, 0x3f8) == &table[0], "first port of a range");
	ok(pio_lookup(&c, table, &nr, 0x3ff) == &table[0], "last port, from the cache");
	ok(pio_lookup(&c, table, &nr, 0x400) == NULL, "one past the range");
	ok(pio_lookup(&c, table, &nr, 0x3f7) == NULL, "one before it (no unsigned wrap into it)");
	ok(pio_lookup(&c, table, &nr, 0x71) == &table[1], "another entry replaces the hit");
	ok(pio_lookup(&c, table, &nr, 0xffff) == &table[2], "the top port");
	ok(pio_lookup(&c, table, &nr, 0) == NULL, "port 0 is not the top range's wrap");
	ok(pio_lookup(&c, table, &nr, 0x80) == NULL, "an unowned port misses");
	ok(c.miss_port == 0x80 && c.miss_nr == 4, "and the miss is remembered with the count");
	ok(pio_lookup(&c, table, &nr, 0x80) == NULL, "again, from the cache");
	atomic_store(&nr, 4);
	ok(pio_lookup(&c, table, &nr, 0x80) == &table[3], "a port registered later is found");
	c = (struct pio_cache){ 0 };
	atomic_store(&nr, 0);
	ok(pio_lookup(&c, table, &nr, 0x3f8) == NULL, "an empty table owns nothing");
	return tap_done();
}
