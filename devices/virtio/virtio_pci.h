/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The virtio-pci modern transport (virtio 1.x, 4.1): one memory BAR holds the common, ISR,
 * device and notify structures and the MSI-X table; vendor capabilities point at them.
 */
#ifndef MIRRORVM_VIRTIO_PCI_H
#define MIRRORVM_VIRTIO_PCI_H

#include "../pci.h"
#include "virtio.h"

#define VPCI_MSIX_VECTORS 8
#define VPCI_BAR_SIZE 0x4000
#define VPCI_COMMON 0x0000
#define VPCI_ISR 0x1000
#define VPCI_DEVICE 0x2000
#define VPCI_NOTIFY 0x3000
#define VPCI_NOTIFY_MULT 4
#define VPCI_MSIX_TABLE 0x3800
#define VPCI_MSIX_PBA 0x3c00

struct virtio_pci {
	struct pci_func pci;
	struct virtio_dev *vd;
	struct vm *vm;
	uint32_t dfselect, gfselect;
	uint16_t queue_sel;
	unsigned int msix_cap;
	uint32_t msix[VPCI_MSIX_VECTORS][4]; /* addr lo, addr hi, data, control */
	uint8_t pending[VPCI_MSIX_VECTORS];
	bool intx;
};

/* Puts vd on the VM's PCI bus: 0 or -errno. */
int virtio_pci_add(struct virtio_pci *vp, struct vm *vm, struct virtio_dev *vd);
/* Sets up the PCI function and transport for vd, without a bus (unit tests use this). */
void virtio_pci_init(struct virtio_pci *vp, struct vm *vm, struct virtio_dev *vd);
/* The BAR's MMIO handler; off is relative to the BAR. */
void virtio_pci_bar_io(struct virtio_pci *vp, uint64_t off, bool write, uint8_t *data,
		       unsigned int len);

#endif
