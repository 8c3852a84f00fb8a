/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-blk (virtio 1.x, 5.2) backed by a file through io_uring: the vCPU that kicks submits,
 * completions arrive on an eventfd that the VMM's event loop watches.
 */
#ifndef MIRRORVM_VIRTIO_BLK_H
#define MIRRORVM_VIRTIO_BLK_H

#include <liburing.h>
#include <stdbool.h>

#include "virtio.h"

#define VIRTIO_BLK_T_IN 0
#define VIRTIO_BLK_T_OUT 1
#define VIRTIO_BLK_T_FLUSH 4
#define VIRTIO_BLK_T_GET_ID 8
#define VIRTIO_BLK_S_OK 0
#define VIRTIO_BLK_S_IOERR 1
#define VIRTIO_BLK_S_UNSUPP 2
#define VIRTIO_BLK_F_SEG_MAX 2
#define VIRTIO_BLK_F_RO 5
#define VIRTIO_BLK_F_FLUSH 9
#define VIRTIO_BLK_ID_BYTES 20
#define VIRTIO_BLK_QUEUE_SIZE 128

struct virtio_blk_req;

struct virtio_blk {
	struct virtio_dev vd;
	int fd, efd;
	bool ro;
	uint64_t sectors;
	struct io_uring ring;
	uint8_t config[24];
	char id[VIRTIO_BLK_ID_BYTES];
	struct virtio_blk_req *req; /* one per queue entry */
	unsigned int inflight;
	uint32_t gen;
};

/*
 * Sets up a disk on fd (owned from now on; read-only when ro) for guest memory gm: 0 or -errno.
 * The device is not on any bus yet.
 */
int virtio_blk_init(struct virtio_blk *b, struct guest_mem *gm, int fd, bool ro, const char *id);
void virtio_blk_exit(struct virtio_blk *b);
/* Reaps finished I/O and completes its requests; wait: block for at least one. */
void virtio_blk_complete(struct virtio_blk *b, bool wait);

/* "FILE" or "FILE,ro": opens the file; 0 or -errno. */
int virtio_blk_open(const char *spec, int *fd, bool *ro);

#endif
