// SPDX-License-Identifier: GPL-2.0
/*
 * An Intel MP table (MP spec 1.4) so that a kernel without ACPI finds its CPUs, the IOAPIC and
 * how ISA and PCI interrupts reach it. Linux scans 0xf0000-0xfffff for the floating pointer.
 * ISA IRQ n is IOAPIC pin n (KVM's default GSI routing); INTA# of PCI slot s is pin
 * 16 + (s - 1) % 8, level-triggered and active-low, matching devices/pci.c.
 */
#include <errno.h>
#include <string.h>

#include "../guest_mem.h"
#include "boot_linux.h"
#include "../../devices/pci.h"

#define MP_LAPIC_BASE 0xfee00000u
#define MP_IOAPIC_BASE 0xfec00000u
#define MP_MAX_SIZE 0x1000u
#define MP_BUS_PCI 0
#define MP_BUS_ISA 1

struct mpf {
	char sig[4];
	uint32_t physptr;
	uint8_t length, spec_rev, checksum, feature[5];
} __attribute__((packed));

struct mpc {
	char sig[4];
	uint16_t length;
	uint8_t spec_rev, checksum;
	char oem[8], product[12];
	uint32_t oem_ptr;
	uint16_t oem_size, count;
	uint32_t lapic;
	uint16_t ext_length;
	uint8_t ext_checksum, reserved;
} __attribute__((packed));

struct mpc_cpu {
	uint8_t type, apic_id, apic_ver, flags;
	uint32_t signature, features;
	uint32_t reserved[2];
} __attribute__((packed));

struct mpc_bus {
	uint8_t type, id;
	char name[6];
} __attribute__((packed));

struct mpc_ioapic {
	uint8_t type, id, ver, flags;
	uint32_t addr;
} __attribute__((packed));

struct mpc_intsrc {
	uint8_t type, irqtype;
	uint16_t flags;
	uint8_t src_bus, src_irq, dst_apic, dst_pin;
} __attribute__((packed));

struct mp_builder {
	uint8_t buf[MP_MAX_SIZE];
	unsigned int len, count;
	bool full;
};

static void *mp_add(struct mp_builder *m, const void *e, unsigned int len)
{
	void *at = m->buf + m->len;

	if (m->len + len > sizeof(m->buf)) {
		m->full = true;
		return NULL;
	}
	memcpy(at, e, len);
	m->len += len;
	m->count++;
	return at;
}

static uint8_t checksum(const void *p, unsigned int len)
{
	uint8_t s = 0;

	for (unsigned int i = 0; i < len; i++)
		s += ((const uint8_t *)p)[i];
	return (uint8_t)-s;
}

static void mp_irq(struct mp_builder *m, uint8_t irqtype, uint16_t flags, uint8_t bus, uint8_t src,
		   uint8_t apic, uint8_t pin, uint8_t type)
{
	struct mpc_intsrc e = { type, irqtype, flags, bus, src, apic, pin };

	mp_add(m, &e, sizeof(e));
}

static void mp_entries(struct mp_builder *m, unsigned int nr_cpus, uint32_t pci_slots)
{
	uint8_t ioapic = (uint8_t)nr_cpus;

	for (unsigned int c = 0; c < nr_cpus; c++) {
		struct mpc_cpu e = { 0, (uint8_t)c, 0x14, 1 | (c ? 0 : 2), 0x600, 0x201, { 0 } };

		mp_add(m, &e, sizeof(e));
	}
	mp_add(m, &(struct mpc_bus){ 1, MP_BUS_PCI, "PCI   " }, sizeof(struct mpc_bus));
	mp_add(m, &(struct mpc_bus){ 1, MP_BUS_ISA, "ISA   " }, sizeof(struct mpc_bus));
	mp_add(m, &(struct mpc_ioapic){ 2, ioapic, 0x11, 1, MP_IOAPIC_BASE },
	       sizeof(struct mpc_ioapic));
	for (unsigned int irq = 0; irq < 16; irq++)
		mp_irq(m, 0, 0, MP_BUS_ISA, (uint8_t)irq, ioapic, (uint8_t)irq, 3);
	for (unsigned int s = 1; s < PCI_SLOTS; s++)
		if (pci_slots & (1u << s))
			/* flags: polarity 3 (low), trigger 3 (level) */
			mp_irq(m, 0, 0xf, MP_BUS_PCI, (uint8_t)(s << 2), ioapic,
			       (uint8_t)(PCI_GSI_BASE + (s - 1) % PCI_GSI_COUNT), 3);
	mp_irq(m, 3, 0, MP_BUS_ISA, 0, 0xff, 0, 4); /* ExtINT on LINT0 of every CPU */
	mp_irq(m, 1, 0, MP_BUS_ISA, 0, 0xff, 1, 4); /* NMI on LINT1 */
}

int mptable_write(struct guest_mem *gm, unsigned int nr_cpus, uint32_t pci_slots)
{
	static struct mp_builder m;
	struct mpf f = { "_MP_", MPTABLE_BASE + sizeof(struct mpf), 1, 4, 0, { 0 } };
	struct mpc *c;

	if (!nr_cpus || nr_cpus > 254)
		return -EINVAL;
	memset(&m, 0, sizeof(m));
	c = (struct mpc *)m.buf;
	m.len = sizeof(*c);
	mp_entries(&m, nr_cpus, pci_slots);
	if (m.full)
		return -ENOSPC;
	*c = (struct mpc){ "PCMP",
			   (uint16_t)m.len,
			   4,
			   0,
			   "MIRRORVM",
			   "MIRRORVM",
			   0,
			   0,
			   (uint16_t)m.count,
			   MP_LAPIC_BASE,
			   0,
			   0,
			   0 };
	c->checksum = checksum(m.buf, m.len);
	f.checksum = checksum(&f, sizeof(f));
	if (gmem_write(gm, GPA(MPTABLE_BASE), &f, sizeof(f)) ||
	    gmem_write(gm, GPA(f.physptr), m.buf, m.len))
		return -EFAULT;
	return 0;
}
