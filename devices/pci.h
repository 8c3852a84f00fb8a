/* SPDX-License-Identifier: GPL-2.0 */
/*
 * PCI bus 0 behind configuration mechanism 1 (ports 0xcf8/0xcfc), with a host bridge in slot 0.
 * Functions get their memory BARs assigned here, as firmware would, from a window below 4 GiB,
 * and their INTA# routed to one IOAPIC pin that the MP table reports.
 */
#ifndef MIRRORVM_PCI_H
#define MIRRORVM_PCI_H

#include <stdbool.h>
#include <stdint.h>

#include <mirrorvm/addr.h>

#include "device.h"

#define PCI_SLOTS 32
#define PCI_BARS 6
#define PCI_CFG_SIZE 256
#define PCI_MMIO_BASE 0xc0000000ull
#define PCI_MMIO_END 0xfec00000ull /* the IOAPIC sits above */
#define PCI_GSI_BASE 16
#define PCI_GSI_COUNT 8

#define PCI_CMD_MEM 0x2
#define PCI_STATUS_CAP_LIST 0x10
#define PCI_CAP_ID_MSIX 0x11
#define PCI_CAP_ID_VNDR 0x09

struct pci_bus;

struct pci_func {
	uint8_t cfg[PCI_CFG_SIZE];
	/* The bits of cfg the guest may change (1 = writable), beyond BARs and command. */
	uint8_t wmask[PCI_CFG_SIZE];
	uint32_t bar_size[PCI_BARS]; /* 0: no BAR; memory BARs only, power of two */
	mmio_fn bar_fn[PCI_BARS];
	void *bar_opaque[PCI_BARS];
	bool bar_mapped[PCI_BARS];
	gpa_t bar_mapped_at[PCI_BARS];
	/* Called after the guest wrote [off, off + len) of configuration space. */
	void (*cfg_written)(struct pci_func *f, unsigned int off, unsigned int len);
	void *opaque;
	unsigned int cap_end;
	struct pci_bus *bus;
	unsigned int slot, gsi;
};

struct pci_bus {
	struct vm *vm;
	uint32_t addr;
	struct pci_func *slot[PCI_SLOTS];
	struct pci_func host_bridge;
	uint64_t mmio_next;
};

/* The VM's bus, created with its host bridge and I/O ports on first use; NULL on failure. */
struct pci_bus *pci_bus_of(struct vm *vm);
int pci_bus_init(struct pci_bus *bus, struct vm *vm);

/* Sets up the header common to all functions: ids, class, INTA#. */
void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device, uint32_t class_rev,
		   uint16_t subsys_vendor, uint16_t subsys);
/* Appends a capability of len bytes (header included) and returns its offset, or 0 if full. */
unsigned int pci_cap_add(struct pci_func *f, uint8_t id, unsigned int len);
/* Puts f in a free slot, assigns its BARs and interrupt line: 0, -ENOSPC. */
int pci_func_add(struct pci_bus *bus, struct pci_func *f);

/* The configuration mechanism 1 data and address ports, callable without a VM for tests. */
void pci_cfg_io(struct pci_bus *bus, uint16_t port, bool write, uint8_t *data, unsigned int len);

static inline uint32_t pci_cfg_get(const struct pci_func *f, unsigned int off, unsigned int len)
{
	uint32_t v = 0;

	for (unsigned int i = 0; i < len; i++)
		v |= (uint32_t)f->cfg[off + i] << (8 * i);
	return v;
}

static inline void pci_cfg_set(struct pci_func *f, unsigned int off, unsigned int len, uint32_t v)
{
	for (unsigned int i = 0; i < len; i++)
		f->cfg[off + i] = (uint8_t)(v >> (8 * i));
}

#endif
