// SPDX-License-Identifier: GPL-2.0
/* The virtio-pci modern transport: capabilities, common configuration, notify, ISR, MSI-X. */
#include <errno.h>
#include <string.h>

#include "virtio_pci.h"

enum {
	CAP_COMMON = 1,
	CAP_NOTIFY = 2,
	CAP_ISR = 3,
	CAP_DEVICE = 4,
};

#define MSIX_ENABLE 0x80
#define MSIX_MASKALL 0x40

static uint64_t get_le(const uint8_t *d, unsigned int len)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < len; i++)
		v |= (uint64_t)d[i] << (8 * i);
	return v;
}

static void put_le(uint8_t *d, unsigned int len, uint64_t v)
{
	for (unsigned int i = 0; i < len; i++)
		d[i] = (uint8_t)(v >> (8 * i));
}

static void add_vcap(struct virtio_pci *vp, uint8_t type, uint32_t off, uint32_t len,
		     unsigned int caplen)
{
	unsigned int c = pci_cap_add(&vp->pci, PCI_CAP_ID_VNDR, caplen);

	vp->pci.cfg[c + 2] = (uint8_t)caplen;
	vp->pci.cfg[c + 3] = type;
	vp->pci.cfg[c + 4] = 0; /* BAR 0 */
	pci_cfg_set(&vp->pci, c + 8, 4, off);
	pci_cfg_set(&vp->pci, c + 12, 4, len);
	if (type == CAP_NOTIFY)
		pci_cfg_set(&vp->pci, c + 16, 4, VPCI_NOTIFY_MULT);
}

static bool msix_on(const struct virtio_pci *vp)
{
	return vp->pci.cfg[vp->msix_cap + 3] & MSIX_ENABLE;
}

static bool msix_masked(const struct virtio_pci *vp, unsigned int v)
{
	return (vp->pci.cfg[vp->msix_cap + 3] & MSIX_MASKALL) || (vp->msix[v][3] & 1);
}

static void msix_fire(struct virtio_pci *vp, unsigned int v)
{
	if (msix_masked(vp, v)) {
		vp->pending[v] = 1;
		return;
	}
	vp->pending[v] = 0;
	if (vp->vm)
		vm_msi(vp->vm, (uint64_t)vp->msix[v][1] << 32 | vp->msix[v][0], vp->msix[v][2]);
}

static void vpci_raise(struct virtio_dev *vd, uint16_t vector)
{
	struct virtio_pci *vp = vd->transport;

	if (msix_on(vp)) {
		if (vector < VPCI_MSIX_VECTORS)
			msix_fire(vp, vector);
		return;
	}
	vp->intx = true;
	if (vp->vm)
		vm_irq_line(vp->vm, vp->pci.gsi, 1);
}

static void msix_io(struct virtio_pci *vp, uint64_t off, bool write, uint8_t *data,
		    unsigned int len)
{
	unsigned int v = off / 16, w = (off % 16) / 4;

	if (len != 4 || (off & 3) || v >= VPCI_MSIX_VECTORS) {
		return; /* reads stay zero */
	}
	if (!write) {
		memcpy(data, &vp->msix[v][w], 4);
		return;
	}
	memcpy(&vp->msix[v][w], data, 4);
	if (w == 3 && vp->pending[v] && !msix_masked(vp, v))
		msix_fire(vp, v);
}

/* The common configuration structure: (offset, size) of each field, value by field. */
static uint64_t common_get(struct virtio_pci *vp, unsigned int off)
{
	struct virtio_dev *vd = vp->vd;
	bool qok = vp->queue_sel < vd->ops->nr_queues;
	/* queue_select is the guest's: a queue that does not exist reads as zeros. */
	static const struct virtio_queue_cfg none = { .msix = VIRTIO_NO_VECTOR };
	const struct virtio_queue_cfg *q = qok ? &vd->qcfg[vp->queue_sel] : &none;

	switch (off) {
	case 0x00:
		return vp->dfselect;
	case 0x04:
		return vp->dfselect < 2 ? (uint32_t)(virtio_dev_features(vd) >> (32 * vp->dfselect))
					: 0;
	case 0x08:
		return vp->gfselect;
	case 0x0c:
		return vp->gfselect < 2 ? (uint32_t)(vd->driver_features >> (32 * vp->gfselect))
					: 0;
	case 0x10:
		return vd->config_msix;
	case 0x12:
		return vd->ops->nr_queues;
	case 0x14:
		return vd->status;
	case 0x15:
		return vd->config_gen;
	case 0x16:
		return vp->queue_sel;
	case 0x18:
		return qok ? q->size : 0;
	case 0x1a:
		return qok ? q->msix : VIRTIO_NO_VECTOR;
	case 0x1c:
		return qok && vd->vq[vp->queue_sel].ready;
	case 0x1e:
		return qok ? vp->queue_sel : 0;
	case 0x20:
		return q->desc;
	case 0x28:
		return q->driver;
	case 0x30:
		return q->device;
	}
	return 0;
}

static void set_features(struct virtio_dev *vd, unsigned int sel, uint32_t v)
{
	/* After FEATURES_OK the features are fixed. */
	if (sel >= 2 || (vd->status & VIRTIO_S_FEATURES_OK))
		return;
	vd->driver_features &= ~(0xffffffffull << (32 * sel));
	vd->driver_features |= (uint64_t)v << (32 * sel);
}

static void common_set(struct virtio_pci *vp, unsigned int off, uint64_t v)
{
	struct virtio_dev *vd = vp->vd;
	bool qok = vp->queue_sel < vd->ops->nr_queues;
	struct virtio_queue_cfg *q = &vd->qcfg[qok ? vp->queue_sel : 0];
	bool qlive = qok && vd->vq[vp->queue_sel].ready;

	switch (off) {
	case 0x00:
		vp->dfselect = (uint32_t)v;
		return;
	case 0x08:
		vp->gfselect = (uint32_t)v;
		return;
	case 0x0c:
		set_features(vd, vp->gfselect, (uint32_t)v);
		return;
	case 0x10:
		vd->config_msix = v < VPCI_MSIX_VECTORS ? (uint16_t)v : VIRTIO_NO_VECTOR;
		return;
	case 0x14:
		virtio_set_status(vd, (uint8_t)v);
		return;
	case 0x16:
		vp->queue_sel = (uint16_t)v;
		return;
	}
	/* Queue fields: only for an existing queue that is not yet enabled (msix aside). */
	if (!qok)
		return;
	if (off == 0x1a) {
		q->msix = (uint16_t)v < VPCI_MSIX_VECTORS ? (uint16_t)v : VIRTIO_NO_VECTOR;
		return;
	}
	if (qlive)
		return;
	switch (off) {
	case 0x18:
		q->size = (uint16_t)v;
		break;
	case 0x1c:
		if (v == 1)
			virtio_queue_enable(vd, vp->queue_sel);
		break;
	case 0x20:
		q->desc = v;
		break;
	case 0x24:
		q->desc = (q->desc & 0xffffffffull) | v << 32;
		break;
	case 0x28:
		q->driver = v;
		break;
	case 0x2c:
		q->driver = (q->driver & 0xffffffffull) | v << 32;
		break;
	case 0x30:
		q->device = v;
		break;
	case 0x34:
		q->device = (q->device & 0xffffffffull) | v << 32;
		break;
	}
}

static unsigned int common_size(unsigned int off)
{
	if (off >= 0x20 && off < 0x38)
		return 8;
	if (off == 0x14 || off == 0x15)
		return 1;
	if (off >= 0x10)
		return 2;
	return 4;
}

static void common_io(struct virtio_pci *vp, unsigned int off, bool write, uint8_t *data,
		      unsigned int len)
{
	unsigned int size = common_size(off), base = off >= 0x20 ? off & ~7u : off;

	if (off >= 0x38)
		return;
	if (!write) {
		/* 64-bit fields may be read in halves. */
		if (size == 8 && (len == 4 || len == 8) && !(off & 3))
			put_le(data, len, common_get(vp, base) >> (8 * (off - base)));
		else if (len == size)
			put_le(data, len, common_get(vp, off));
		return;
	}
	if (size == 8 && len == 8 && off == base) {
		common_set(vp, off, get_le(data, 4));
		common_set(vp, off + 4, get_le(data + 4, 4));
	} else if ((size == 8 && len == 4 && !(off & 3)) || len == size) {
		common_set(vp, off, get_le(data, len));
	}
}

static void device_io(struct virtio_dev *vd, unsigned int off, bool write, uint8_t *data,
		      unsigned int len)
{
	if (off + len > vd->config_size)
		return;
	if (!write) {
		memcpy(data, vd->config + off, len);
		return;
	}
	if (vd->ops->config_written) {
		memcpy(vd->config + off, data, len);
		vd->ops->config_written(vd, off, len);
	}
}

void virtio_pci_bar_io(struct virtio_pci *vp, uint64_t off, bool write, uint8_t *data,
		       unsigned int len)
{
	struct virtio_dev *vd = vp->vd;

	pthread_mutex_lock(&vd->lock);
	if (off < VPCI_ISR) {
		common_io(vp, (unsigned int)off, write, data, len);
	} else if (off == VPCI_ISR && !write) {
		/* Reading the ISR acknowledges it and drops INTx. */
		data[0] = vd->isr;
		vd->isr = 0;
		if (vp->intx && vp->vm)
			vm_irq_line(vp->vm, vp->pci.gsi, 0);
		vp->intx = false;
	} else if (off >= VPCI_DEVICE && off < VPCI_NOTIFY) {
		device_io(vd, (unsigned int)(off - VPCI_DEVICE), write, data, len);
	} else if (off >= VPCI_NOTIFY && off < VPCI_MSIX_TABLE) {
		unsigned int q = (unsigned int)(off - VPCI_NOTIFY) / VPCI_NOTIFY_MULT;

		if (write && q < vd->ops->nr_queues && virtio_ready(vd) && vd->vq[q].ready)
			vd->ops->notify(vd, q);
	} else if (off >= VPCI_MSIX_TABLE && off < VPCI_MSIX_PBA) {
		msix_io(vp, off - VPCI_MSIX_TABLE, write, data, len);
	} else if (off >= VPCI_MSIX_PBA && !write && len <= 8) {
		uint64_t pba = 0;

		for (unsigned int v = 0; v < VPCI_MSIX_VECTORS; v++)
			pba |= (uint64_t)vp->pending[v] << v;
		put_le(data, len, off == VPCI_MSIX_PBA ? pba : 0);
	}
	pthread_mutex_unlock(&vd->lock);
}

static void bar_mmio(void *opaque, gpa_t addr, bool write, uint8_t *data, unsigned int len)
{
	struct virtio_pci *vp = opaque;

	virtio_pci_bar_io(vp, addr.v - vp->pci.bar_mapped_at[0].v, write, data, len);
}

static void vpci_cfg_written(struct pci_func *f, unsigned int off, unsigned int len)
{
	struct virtio_pci *vp = f->opaque;

	/* Unmasking the function delivers what arrived while it was masked. */
	if (off <= vp->msix_cap + 3 && off + len > vp->msix_cap + 2 && msix_on(vp))
		for (unsigned int v = 0; v < VPCI_MSIX_VECTORS; v++)
			if (vp->pending[v] && !msix_masked(vp, v))
				msix_fire(vp, v);
}

void virtio_pci_init(struct virtio_pci *vp, struct vm *vm, struct virtio_dev *vd)
{
	struct pci_func *f = &vp->pci;
	uint16_t id = vd->ops->device_id;

	memset(vp, 0, sizeof(*vp));
	vp->vd = vd;
	vp->vm = vm;
	vd->transport = vp;
	vd->raise = vpci_raise;
	pci_func_init(f, 0x1af4, 0x1040 + id, 0xff000001, 0x1af4, id);
	f->bar_size[0] = VPCI_BAR_SIZE;
	f->bar_fn[0] = bar_mmio;
	f->bar_opaque[0] = vp;
	f->opaque = vp;
	f->cfg_written = vpci_cfg_written;
	add_vcap(vp, CAP_COMMON, VPCI_COMMON, 0x38, 16);
	add_vcap(vp, CAP_ISR, VPCI_ISR, 1, 16);
	add_vcap(vp, CAP_DEVICE, VPCI_DEVICE, 0x1000, 16);
	add_vcap(vp, CAP_NOTIFY, VPCI_NOTIFY, VPCI_NOTIFY_MULT * VIRTIO_MAX_QUEUES, 20);
	vp->msix_cap = pci_cap_add(f, PCI_CAP_ID_MSIX, 12);
	pci_cfg_set(f, vp->msix_cap + 2, 2, VPCI_MSIX_VECTORS - 1);
	pci_cfg_set(f, vp->msix_cap + 4, 4, VPCI_MSIX_TABLE); /* BIR 0 */
	pci_cfg_set(f, vp->msix_cap + 8, 4, VPCI_MSIX_PBA);
	f->wmask[vp->msix_cap + 3] = MSIX_ENABLE | MSIX_MASKALL;
}

int virtio_pci_add(struct virtio_pci *vp, struct vm *vm, struct virtio_dev *vd)
{
	struct pci_bus *bus = pci_bus_of(vm);

	if (!bus)
		return -ENOMEM;
	virtio_pci_init(vp, vm, vd);
	return pci_func_add(bus, &vp->pci);
}
