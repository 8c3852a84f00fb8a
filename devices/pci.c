// SPDX-License-Identifier: GPL-2.0
/*
 * PCI configuration mechanism 1 and bus 0. Debian's kernel without ACPI probes type 1 access by
 * reading back 0x80000000 from 0xcf8 and then looks for a host bridge, so slot 0 holds one.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "pci.h"

#define PCI_CONFIG_ADDR 0xcf8
#define PCI_CONFIG_DATA 0xcfc
#define PCI_BAR0 0x10
#define PCI_CAP_PTR 0x34
#define PCI_CAP_START 0x40

static void bar_map(struct pci_func *f, unsigned int i)
{
	struct vm *vm = f->bus->vm;
	uint32_t addr = pci_cfg_get(f, PCI_BAR0 + 4 * i, 4) & ~0xfu;
	bool want = (f->cfg[4] & PCI_CMD_MEM) && addr >= PCI_MMIO_BASE &&
		    addr + (uint64_t)f->bar_size[i] <= PCI_MMIO_END;

	if (f->bar_mapped[i] && (!want || f->bar_mapped_at[i].v != addr)) {
		if (vm)
			vm_mmio_update(vm, f->bar_opaque[i], f->bar_mapped_at[i], GPA(0), 0);
		f->bar_mapped[i] = false;
	}
	if (want && !f->bar_mapped[i]) {
		if (vm &&
		    vm_mmio_register(vm, GPA(addr), f->bar_size[i], f->bar_fn[i], f->bar_opaque[i]))
			return; /* overlaps another range: the BAR stays dark */
		f->bar_mapped[i] = true;
		f->bar_mapped_at[i] = GPA(addr);
	}
}

static void bars_update(struct pci_func *f)
{
	for (unsigned int i = 0; i < PCI_BARS; i++)
		if (f->bar_size[i])
			bar_map(f, i);
}

static struct pci_func *cfg_target(struct pci_bus *bus, unsigned int *reg)
{
	uint32_t a = bus->addr;

	if (!(a & 0x80000000u) || ((a >> 16) & 0xff) || ((a >> 8) & 7))
		return NULL;
	*reg = a & 0xfc;
	return bus->slot[(a >> 11) & 0x1f];
}

static void cfg_data(struct pci_bus *bus, unsigned int byte, bool write, uint8_t *data,
		     unsigned int len)
{
	struct pci_func *f;
	unsigned int reg = 0;

	f = cfg_target(bus, &reg);
	if (byte + len > 4)
		len = 4 - byte; /* an access running past 0xcff */
	reg += byte;
	if (!write) {
		memset(data, 0xff, len);
		if (f)
			memcpy(data, f->cfg + reg, len);
		return;
	}
	if (!f)
		return;
	for (unsigned int i = 0; i < len; i++)
		f->cfg[reg + i] =
			(f->cfg[reg + i] & ~f->wmask[reg + i]) | (data[i] & f->wmask[reg + i]);
	if (reg < PCI_BAR0 + 4 * PCI_BARS && reg + len > 4)
		bars_update(f);
	if (f->cfg_written)
		f->cfg_written(f, reg, len);
}

void pci_cfg_io(struct pci_bus *bus, uint16_t port, bool write, uint8_t *data, unsigned int len)
{
	if (port >= PCI_CONFIG_DATA) {
		cfg_data(bus, port - PCI_CONFIG_DATA, write, data, len);
		return;
	}
	/* Only whole-register accesses reach the address latch (0xcf9 is a reset port on PCs). */
	if (port != PCI_CONFIG_ADDR || len != 4) {
		if (!write)
			memset(data, 0xff, len);
		return;
	}
	if (write)
		memcpy(&bus->addr, data, 4);
	else
		memcpy(data, &bus->addr, 4);
}

static void pci_pio(void *opaque, uint16_t port, bool write, uint8_t *data, unsigned int len)
{
	pci_cfg_io(opaque, port, write, data, len);
}

void pci_func_init(struct pci_func *f, uint16_t vendor, uint16_t device, uint32_t class_rev,
		   uint16_t subsys_vendor, uint16_t subsys)
{
	memset(f->cfg, 0, sizeof(f->cfg));
	memset(f->wmask, 0, sizeof(f->wmask));
	f->cap_end = 0;
	pci_cfg_set(f, 0x00, 2, vendor);
	pci_cfg_set(f, 0x02, 2, device);
	pci_cfg_set(f, 0x08, 4, class_rev);
	pci_cfg_set(f, 0x2c, 2, subsys_vendor);
	pci_cfg_set(f, 0x2e, 2, subsys);
	f->wmask[0x04] = 0x06; /* memory space, bus master */
	f->wmask[0x05] = 0x04; /* INTx disable */
	f->wmask[0x3c] = 0xff; /* interrupt line: scratch for the OS */
}

unsigned int pci_cap_add(struct pci_func *f, uint8_t id, unsigned int len)
{
	unsigned int off = f->cap_end ? f->cap_end : PCI_CAP_START;
	unsigned int p;

	len = (len + 3) & ~3u;
	if (len < 2 || off + len > PCI_CFG_SIZE)
		return 0;
	if (!f->cfg[PCI_CAP_PTR]) {
		f->cfg[PCI_CAP_PTR] = (uint8_t)off;
	} else {
		for (p = f->cfg[PCI_CAP_PTR]; f->cfg[p + 1]; p = f->cfg[p + 1])
			;
		f->cfg[p + 1] = (uint8_t)off;
	}
	f->cfg[off] = id;
	f->cfg[off + 1] = 0;
	f->cfg[0x06] |= PCI_STATUS_CAP_LIST;
	f->cap_end = off + len;
	return off;
}

int pci_func_add(struct pci_bus *bus, struct pci_func *f)
{
	unsigned int slot;

	for (slot = 0; slot < PCI_SLOTS && bus->slot[slot]; slot++)
		;
	if (slot == PCI_SLOTS)
		return -ENOSPC;
	for (unsigned int i = 0; i < PCI_BARS; i++) {
		uint64_t size = f->bar_size[i], base;

		if (!size)
			continue;
		base = (bus->mmio_next + size - 1) & ~(size - 1);
		if (base + size > PCI_MMIO_END)
			return -ENOSPC;
		bus->mmio_next = base + size;
		pci_cfg_set(f, PCI_BAR0 + 4 * i, 4, (uint32_t)base);
		for (unsigned int b = 0; b < 4; b++)
			f->wmask[PCI_BAR0 + 4 * i + b] = (uint8_t)(~(size - 1) >> (8 * b));
	}
	f->bus = bus;
	f->slot = slot;
	if (slot) {
		/* INTA# of slot s on pin 16 + (s - 1) % 8, as the MP table says. */
		f->gsi = PCI_GSI_BASE + (slot - 1) % PCI_GSI_COUNT;
		f->cfg[0x3c] = (uint8_t)f->gsi;
		f->cfg[0x3d] = 1;
		/* Enabled, as firmware leaves devices it assigned. */
		f->cfg[0x04] |= PCI_CMD_MEM;
	}
	bus->slot[slot] = f;
	bars_update(f);
	return 0;
}

int pci_bus_init(struct pci_bus *bus, struct vm *vm)
{
	int ret;

	memset(bus, 0, sizeof(*bus));
	bus->vm = vm;
	bus->mmio_next = PCI_MMIO_BASE;
	pci_func_init(&bus->host_bridge, 0x8086, 0x29c0, 0x06000000, 0, 0);
	bus->host_bridge.wmask[0x04] = 0;
	ret = pci_func_add(bus, &bus->host_bridge);
	if (ret || !vm)
		return ret;
	ret = vm_pio_register(vm, PCI_CONFIG_ADDR, 4, pci_pio, bus);
	if (!ret)
		ret = vm_pio_register(vm, PCI_CONFIG_DATA, 4, pci_pio, bus);
	return ret;
}

/* One bus per VM; a process runs one VM, but tests may create several. */
struct pci_bus *pci_bus_of(struct vm *vm)
{
	static struct pci_bus *buses[4];

	for (unsigned int i = 0; i < 4; i++) {
		if (buses[i] && buses[i]->vm == vm)
			return buses[i];
		if (!buses[i]) {
			buses[i] = calloc(1, sizeof(*buses[i]));
			if (!buses[i] || pci_bus_init(buses[i], vm)) {
				free(buses[i]);
				buses[i] = NULL;
				return NULL;
			}
			return buses[i];
		}
	}
	return NULL;
}
