/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The port-I/O table and its lookup on the exit path. Ports are registered when devices are
 * created and never removed or moved, so the table only grows: a writer fills the next entry and
 * then publishes the new count (release), and a vCPU reads the count (acquire) and the entries
 * below it without a lock. A port exit then costs no atomic read-modify-write, and each vCPU
 * remembers its last hit and its last miss, so a guest hammering one port (a Linux guest's 0x80
 * delay, the benchmark, a polled status register) skips the scan.
 */
#ifndef MIRRORVM_PIO_TABLE_H
#define MIRRORVM_PIO_TABLE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "../devices/device.h"

struct vm_pio {
	uint16_t base, count;
	pio_fn fn;
	void *opaque;
};

/* One vCPU's memory of its last lookup; zero is empty. */
struct pio_cache {
	const struct vm_pio *hit;
	unsigned int miss_nr; /* the table's count when miss_port was found unowned, plus one */
	uint16_t miss_port;
};

static inline bool pio_owns(const struct vm_pio *p, uint16_t port)
{
	return (uint16_t)(port - p->base) < p->count;
}

/*
 * The entry owning port among pio[0..*nr) or NULL. A hit stays right for good (entries never
 * change); a miss only while the count it was found under holds.
 */
static inline const struct vm_pio *pio_lookup(struct pio_cache *c, const struct vm_pio *pio,
					      const atomic_uint *nr, uint16_t port)
{
	unsigned int n;

	if (c->hit && pio_owns(c->hit, port))
		return c->hit;
	n = atomic_load_explicit(nr, memory_order_acquire);
	if (c->miss_nr == n + 1 && c->miss_port == port)
		return NULL;
	for (unsigned int i = 0; i < n; i++)
		if (pio_owns(&pio[i], port))
			return c->hit = &pio[i];
	c->miss_nr = n + 1;
	c->miss_port = port;
	return NULL;
}

#endif
