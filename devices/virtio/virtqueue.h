/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The split virtqueue (virtio 1.x, section 2.7), read and written only through the checked guest
 * memory accessor. The guest owns the rings, so every index, address and length in them is
 * hostile input: anything malformed marks the queue broken and the caller fails its device
 * (NEEDS_RESET) instead of trusting it.
 */
#ifndef MIRRORVM_VIRTQUEUE_H
#define MIRRORVM_VIRTQUEUE_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include <mirrorvm/addr.h>

struct guest_mem;

#define VIRTQ_DESC_F_NEXT 1
#define VIRTQ_DESC_F_WRITE 2
#define VIRTQ_DESC_F_INDIRECT 4
#define VIRTQ_AVAIL_F_NO_INTERRUPT 1

#define VIRTQ_MAX_SIZE 1024
/* The most buffers one request may have, direct and indirect together. */
#define VIRTQ_MAX_SEGS 256

struct virtq_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};

struct virtq {
	struct guest_mem *gm;
	uint16_t num;
	gpa_t desc, avail, used;
	uint16_t last_avail;
	uint16_t used_idx;
	bool ready;
	bool indirect; /* VIRTIO_RING_F_INDIRECT_DESC negotiated */
	bool broken;
	const char *why; /* the first reason it broke, for the log */
};

/*
 * One request: the device-readable buffers first (out), then the device-writable ones (in), as
 * host pointers already checked against guest RAM.
 */
struct virtq_chain {
	uint16_t head;
	unsigned int nr_out, nr_in;
	uint64_t out_len, in_len;
	struct iovec iov[VIRTQ_MAX_SEGS];
};

/* Checks size and ring placement and makes the queue usable: 0 or -EINVAL. */
int virtq_enable(struct virtq *vq, struct guest_mem *gm, uint16_t num, gpa_t desc, gpa_t avail,
		 gpa_t used);
void virtq_reset(struct virtq *vq);

/* 1 with a request in c, 0 when the ring is empty, -EIO when the ring is malformed (broken). */
int virtq_pop(struct virtq *vq, struct virtq_chain *c);
/* Returns a request to the guest with len bytes written into it: 0 or -EIO. */
int virtq_push(struct virtq *vq, uint16_t head, uint32_t len);
/* Whether the guest wants an interrupt for used buffers (it may suppress them). */
bool virtq_want_irq(struct virtq *vq);

/* Copy helpers over a chain's buffers, starting skip bytes in; the number of bytes copied. */
size_t virtq_iov_from(const struct iovec *iov, unsigned int n, size_t skip, void *buf, size_t len);
size_t virtq_iov_to(const struct iovec *iov, unsigned int n, size_t skip, const void *buf,
		    size_t len);

#endif
