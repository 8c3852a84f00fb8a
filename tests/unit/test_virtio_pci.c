// SPDX-License-Identifier: GPL-2.0
/*
 * PCI configuration mechanism 1 and the virtio-pci modern transport, driven the way Linux's
 * virtio_pci_modern does: find the capabilities, size the BAR, negotiate, set up a queue, kick,
 * take interrupts by INTx and by MSI-X; and the ways a driver can get it wrong.
 */
#include <stdlib.h>

#include "tap.h"
#include "fake_vm.h"
#include "../../vmm/guest_mem.h"
#include "../../devices/virtio/virtio_pci.h"

static struct pci_bus bus;
static struct virtio_pci vp;
static struct virtio_dev vd;
static struct guest_mem gm;
static uint8_t *ram;
static uint8_t devcfg[8] = { 0x11, 0x22, 0x33, 0x44 };
static unsigned int kicks;

static void dummy_notify(struct virtio_dev *d, unsigned int q)
{
	kicks++;
}

static const struct virtio_dev_ops dummy_ops = {
	.name = "dummy",
	.device_id = 5,
	.features = 1ull << 1,
	.nr_queues = 2,
	.queue_size = 64,
	.notify = dummy_notify,
};

static uint32_t cfg_rd(unsigned int slot, unsigned int reg, unsigned int len)
{
	uint32_t a = 0x80000000u | slot << 11 | (reg & 0xfc), v = 0;

	pci_cfg_io(&bus, 0xcf8, true, (uint8_t *)&a, 4);
	pci_cfg_io(&bus, 0xcfc + (reg & 3), false, (uint8_t *)&v, len);
	return v;
}

static void cfg_wr(unsigned int slot, unsigned int reg, unsigned int len, uint32_t v)
{
	uint32_t a = 0x80000000u | slot << 11 | (reg & 0xfc);

	pci_cfg_io(&bus, 0xcf8, true, (uint8_t *)&a, 4);
	pci_cfg_io(&bus, 0xcfc + (reg & 3), true, (uint8_t *)&v, len);
}

static uint64_t bar_rd(uint64_t off, unsigned int len)
{
	uint64_t v = 0;

	virtio_pci_bar_io(&vp, off, false, (uint8_t *)&v, len);
	return v;
}

static void bar_wr(uint64_t off, unsigned int len, uint64_t v)
{
	virtio_pci_bar_io(&vp, off, true, (uint8_t *)&v, len);
}

/* The offset of the vendor capability of cfg_type type, walking the list as a driver does. */
static unsigned int find_vcap(unsigned int type)
{
	unsigned int p = cfg_rd(1, 0x34, 1), n = 0;

	for (; p && n < 48; p = cfg_rd(1, p + 1, 1), n++)
		if (cfg_rd(1, p, 1) == 0x09 && cfg_rd(1, p + 3, 1) == type)
			return p;
	return 0;
}

static void test_bus(void)
{
	uint32_t a = 0x80000000u, bar;

	pci_cfg_io(&bus, 0xcf8, true, (uint8_t *)&a, 4);
	a = 0;
	pci_cfg_io(&bus, 0xcf8, false, (uint8_t *)&a, 4);
	is_int(a, 0x80000000u, "address latch reads back (Linux's type 1 probe)");
	is_int(cfg_rd(0, 0x0a, 2), 0x0600, "slot 0 is a host bridge");
	is_int(cfg_rd(1, 0, 4), 0x10451af4u, "slot 1 is virtio 1af4:1045");
	is_int(cfg_rd(1, 0x2e, 2), 5, "subsystem id is the device type");
	is_int(cfg_rd(2, 0, 4), 0xffffffffu, "an empty slot reads all ones");
	is_int(cfg_rd(1, 0x3d, 1), 1, "INTA#");
	is_int(cfg_rd(1, 0x3c, 1), PCI_GSI_BASE, "routed to the first PCI GSI");
	bar = cfg_rd(1, 0x10, 4);
	ok(bar >= PCI_MMIO_BASE && !(bar & (VPCI_BAR_SIZE - 1)), "BAR0 assigned at %#x", bar);
	ok(fvm.mmio_regs == 1 && fvm.mmio_base.v == bar, "BAR0 mapped where assigned");
	cfg_wr(1, 0x04, 2, 0); /* decode off while sizing, as Linux does */
	cfg_wr(1, 0x10, 4, 0xffffffffu);
	is_int(cfg_rd(1, 0x10, 4), (uint32_t) ~(VPCI_BAR_SIZE - 1), "BAR sizing reads the size");
	cfg_wr(1, 0x10, 4, 0xd0000000u);
	cfg_wr(1, 0x04, 2, PCI_CMD_MEM);
	is_int(fvm.mmio_base.v, 0xd0000000u, "BAR moved where the guest put it");
	cfg_wr(1, 0x00, 4, 0x12345678);
	is_int(cfg_rd(1, 0, 4), 0x10451af4u, "ids are read-only");
	is_int(cfg_rd(1, 0x14, 4), 0, "unimplemented BAR1 reads zero even after a write");
	ok(find_vcap(1) && find_vcap(2) && find_vcap(3) && find_vcap(4),
	   "common, notify, ISR and device capabilities present");
	is_int(cfg_rd(1, find_vcap(2) + 16, 4), VPCI_NOTIFY_MULT, "notify multiplier");
	is_int(cfg_rd(1, find_vcap(4) + 8, 4), VPCI_DEVICE, "device config offset in the BAR");
}

static void negotiate(uint32_t feat_hi, uint32_t feat_lo)
{
	bar_wr(0x14, 1, 0);
	bar_wr(0x14, 1, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER);
	bar_wr(0x08, 4, 0);
	bar_wr(0x0c, 4, feat_lo);
	bar_wr(0x08, 4, 1);
	bar_wr(0x0c, 4, feat_hi);
	bar_wr(0x14, 1, VIRTIO_S_ACKNOWLEDGE | VIRTIO_S_DRIVER | VIRTIO_S_FEATURES_OK);
}

static void setup_queue(uint16_t q, uint64_t desc, uint16_t size)
{
	bar_wr(0x16, 2, q);
	bar_wr(0x18, 2, size);
	bar_wr(0x20, 4, desc);
	bar_wr(0x24, 4, desc >> 32);
	bar_wr(0x28, 8, desc + 0x1000);
	bar_wr(0x30, 8, desc + 0x2000);
	bar_wr(0x1c, 2, 1);
}

static void test_virtio(void)
{
	bar_wr(0x00, 4, 1);
	is_int(bar_rd(0x04, 4), 1, "device features high word: VERSION_1");
	bar_wr(0x00, 4, 0);
	is_int(bar_rd(0x04, 4), (1u << 28) | 2,
	       "device features low word: INDIRECT_DESC and bit 1");
	is_int(bar_rd(0x12, 2), 2, "two queues");
	bar_wr(0x16, 2, 0);
	negotiate(1, 1u << 28);
	ok(bar_rd(0x14, 1) & VIRTIO_S_FEATURES_OK, "FEATURES_OK accepted");
	bar_wr(0x0c, 4, 0);
	ok(virtio_has(&vd, VIRTIO_F_INDIRECT_DESC), "features frozen after FEATURES_OK");
	setup_queue(0, 0x10000, 64);
	is_int(bar_rd(0x1c, 2), 1, "queue 0 enabled");
	is_int(bar_rd(0x20, 8), 0x10000, "queue 0 descriptor address reads back");
	is_int(bar_rd(0x24, 4), 0, "high half reads separately");
	bar_wr(0x14, 1, 0x0f);
	ok(virtio_ready(&vd), "DRIVER_OK");
	bar_wr(VPCI_NOTIFY, 2, 0);
	is_int(kicks, 1, "notify on queue 0 reaches the device");
	bar_wr(VPCI_NOTIFY + VPCI_NOTIFY_MULT, 2, 1);
	is_int(kicks, 1, "notify on a queue never enabled is ignored");
	is_int(bar_rd(VPCI_DEVICE + 1, 1), 0x22, "device config readable");
	bar_wr(VPCI_DEVICE, 1, 0x99);
	is_int(devcfg[0], 0x11, "device config read-only without a handler");
	is_int(bar_rd(VPCI_DEVICE + 4096 - 2, 4), 0, "device config read past its end is zero");
	bar_wr(0x16, 2, 7);
	is_int(bar_rd(0x18, 2), 0, "a queue that does not exist has size 0");
	is_int(bar_rd(0x20, 8), 0, "and its descriptor address reads zero");
	bar_wr(0x20, 8, 0x1234);
	bar_wr(0x1c, 2, 1);
	is_int(bar_rd(0x1c, 2), 0, "and it cannot be enabled");

	/* INTx: the ISR read acknowledges and lowers the line. */
	virtio_config_changed(&vd);
	is_int(fvm.irq_level[PCI_GSI_BASE], 1, "INTx raised");
	is_int(bar_rd(VPCI_ISR, 1), 2, "ISR says configuration change");
	is_int(fvm.irq_level[PCI_GSI_BASE], 0, "ISR read lowers INTx");
	is_int(bar_rd(VPCI_ISR, 1), 0, "ISR cleared by reading");

	/* MSI-X: vector 0 for configuration, masked then unmasked. */
	cfg_wr(1, vp.msix_cap + 2, 2, 0x8000 | 0x4000);
	bar_wr(VPCI_MSIX_TABLE + 0, 4, 0xfee00000);
	bar_wr(VPCI_MSIX_TABLE + 8, 4, 0x4041);
	bar_wr(0x10, 2, 0);
	is_int(bar_rd(0x10, 2), 0, "config vector 0 accepted");
	bar_wr(0x10, 2, 100);
	is_int(bar_rd(0x10, 2), VIRTIO_NO_VECTOR, "a config vector past the table is refused");
	bar_wr(0x10, 2, 0);
	virtio_config_changed(&vd);
	is_int(fvm.msis, 0, "no MSI while the function is masked");
	is_int(bar_rd(VPCI_MSIX_PBA, 8), 1, "vector 0 pending");
	cfg_wr(1, vp.msix_cap + 2, 2, 0x8000);
	ok(fvm.msis == 1 && fvm.msi_addr == 0xfee00000 && fvm.msi_data == 0x4041,
	   "unmasking delivers the pending MSI");
	is_int(bar_rd(VPCI_MSIX_PBA, 8), 0, "nothing pending after delivery");
	bar_wr(0x16, 2, 0);
	bar_wr(0x1a, 2, 9);
	is_int(bar_rd(0x1a, 2), VIRTIO_NO_VECTOR, "a queue vector past the table is refused");
}

static void test_bad_drivers(void)
{
	negotiate(1, 1u << 5);
	ok(!(bar_rd(0x14, 1) & VIRTIO_S_FEATURES_OK),
	   "FEATURES_OK refused for a feature not offered");
	negotiate(0, 0);
	ok(!(bar_rd(0x14, 1) & VIRTIO_S_FEATURES_OK), "FEATURES_OK refused without VERSION_1");
	bar_wr(0x14, 1, 0x07);
	ok(bar_rd(0x14, 1) & VIRTIO_S_NEEDS_RESET, "DRIVER_OK without FEATURES_OK: NEEDS_RESET");
	ok(!virtio_ready(&vd), "failed device is not ready");
	bar_wr(0x14, 1, 0);
	is_int(bar_rd(0x14, 1), 0, "reset clears the failed state");
	negotiate(1, 0);
	setup_queue(0, 0x7ffff000, 64); /* rings outside guest RAM */
	ok(bar_rd(0x14, 1) & VIRTIO_S_NEEDS_RESET, "queue rings outside RAM: NEEDS_RESET");
	is_int(bar_rd(0x1c, 2), 0, "and the queue stays disabled");
	bar_wr(0x14, 1, 0);
	negotiate(1, 0);
	setup_queue(0, 0x10000, 3);
	ok(bar_rd(0x14, 1) & VIRTIO_S_NEEDS_RESET, "queue size 3: NEEDS_RESET");
	bar_wr(0x14, 1, 0);
	virtio_pci_bar_io(&vp, 0x13, true, (uint8_t *)&(uint64_t){ ~0ull }, 8);
	virtio_pci_bar_io(&vp, 0x3fff, false, (uint8_t *)&(uint64_t){ 0 }, 8);
	ok(1, "odd-sized and misaligned BAR accesses survive");
}

int main(void)
{
	ram = calloc(1, 1 << 20);
	gm.region[0] = (struct gmem_region){ GPA(0), 1 << 20, ptr_to_hva(ram) };
	gm.nr_regions = 1;
	pci_bus_init(&bus, FAKE_VM);
	virtio_dev_init(&vd, &dummy_ops, NULL, &gm, devcfg, sizeof(devcfg));
	virtio_pci_init(&vp, FAKE_VM, &vd);
	pci_func_add(&bus, &vp.pci);
	test_bus();
	test_virtio();
	test_bad_drivers();
	free(ram);
	return tap_done();
}
