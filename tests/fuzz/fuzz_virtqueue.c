// SPDX-License-Identifier: GPL-2.0
/*
 * libFuzzer target for the split virtqueue: the input is the guest's RAM (descriptor table, rings
 * and indirect tables all come from it), its first bytes choose the queue size and features. The
 * queue must pop and push until it is empty or broken, every buffer it hands out must lie in guest
 * RAM, and it must never loop: a pop count above the avail index distance is a bug.
 */
#include <stdlib.h>
#include <string.h>

#include "../../vmm/guest_mem.h"
#include "../../devices/virtio/virtqueue.h"

#define RAM_SIZE 0x8000u

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_chain(const struct virtq_chain *c, const uint8_t *ram)
{
	for (unsigned int i = 0; i < c->nr_out + c->nr_in; i++) {
		const uint8_t *p = c->iov[i].iov_base;

		if (p < ram || p + c->iov[i].iov_len > ram + RAM_SIZE)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t ram[RAM_SIZE] __attribute__((aligned(4096)));
	static struct virtq_chain c;
	struct guest_mem gm = { .nr_regions = 1 };
	struct virtq vq = { 0 };
	uint16_t num;
	int pops = 0, ret;

	if (size < 4)
		return 0;
	memset(ram, 0, sizeof(ram));
	memcpy(ram, data + 4, size - 4 < RAM_SIZE ? size - 4 : RAM_SIZE);
	gm.region[0] = (struct gmem_region){ GPA(0), RAM_SIZE, ptr_to_hva(ram) };
	num = (uint16_t)(1u << (data[0] % 7));
	vq.indirect = data[1] & 1;
	vq.last_avail = data[2] | (data[3] << 8);
	/*
	 * The avail ring and the descriptor table (up to 64 entries) sit at the start of RAM, where
	 * short inputs reach them; the used ring is ours, out of the way at the end.
	 */
	if (virtq_enable(&vq, &gm, num, GPA(0x100), GPA(0), GPA(0x7000)))
		abort();
	vq.last_avail = data[2] | (data[3] << 8);
	vq.used_idx = vq.last_avail;
	while ((ret = virtq_pop(&vq, &c)) == 1) {
		check_chain(&c, ram);
		if (++pops > num)
			abort();
		virtq_want_irq(&vq);
		if (virtq_push(&vq, c.head, (uint32_t)c.in_len))
			abort();
	}
	if (ret < 0 && !vq.broken)
		abort();
	return 0;
}
