// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for a hostile driver: the input is a list of register accesses (PCI
 * configuration space through 0xcf8/0xcfc, and the virtio-pci BAR: common configuration, notify,
 * ISR, device configuration, MSI-X table) followed by guest RAM. A kicked queue is drained by a
 * device that echoes every request, so feature negotiation, queue setup and ring parsing all meet
 * whatever order and values the fuzzer picks. Sanitizers do the checking.
 */
#include <stdlib.h>
#include <string.h>

#include "../../vmm/guest_mem.h"
#include "../../devices/virtio/virtio_pci.h"

#define RAM_SIZE 0x10000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void echo_notify(struct virtio_dev *vd, unsigned int q)
{
	static struct virtq_chain c;

	while (virtio_pop(vd, q, &c) == 1) {
		virtq_iov_to(c.iov + c.nr_out, c.nr_in, 0, "fuzz", 4);
		virtio_push(vd, q, c.head, (uint32_t)(c.in_len < 4 ? c.in_len : 4));
	}
	virtio_used_irq(vd, q);
}

static const struct virtio_dev_ops echo_ops = {
	.name = "fuzz-echo",
	.device_id = 9,
	.features = 1ull << 3,
	.nr_queues = 2,
	.queue_size = 32,
	.notify = echo_notify,
};

struct op {
	uint8_t kind, len;
	uint16_t off;
	uint64_t val;
} __attribute__((packed));

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));
	static uint8_t cfg[16];
	static struct pci_bus bus;
	static struct virtio_pci vp;
	static struct virtio_dev vd;
	struct guest_mem gm = { .nr_regions = 1 };
	size_t nops = size && data[0] < 64 ? data[0] : 0, i;

	if (size < 1 + nops * sizeof(struct op))
		return 0;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data + 1 + nops * sizeof(struct op),
	       size - 1 - nops * sizeof(struct op) < RAM_SIZE ? size - 1 - nops * sizeof(struct op)
							      : RAM_SIZE);
	gm.region[0] = (struct gmem_region){ GPA(0), RAM_SIZE, ptr_to_hva(ram) };
	pci_bus_init(&bus, NULL);
	virtio_dev_init(&vd, &echo_ops, NULL, &gm, cfg, sizeof(cfg));
	virtio_pci_init(&vp, NULL, &vd);
	pci_func_add(&bus, &vp.pci);
	for (i = 0; i < nops; i++) {
		struct op o;
		unsigned int len = 1u << (data[1 + i * sizeof(o) + 1] & 3);
		uint8_t v[8];

		memcpy(&o, data + 1 + i * sizeof(o), sizeof(o));
		memcpy(v, &o.val, 8);
		if (o.kind & 2) {
			/* 0xcf8..0xcff */
			pci_cfg_io(&bus, 0xcf8 + (o.off & 7), o.kind & 1, v, len);
		} else {
			virtio_pci_bar_io(&vp, o.off % VPCI_BAR_SIZE, o.kind & 1, v, len);
		}
	}
	pthread_mutex_destroy(&vd.lock);
	return 0;
}
