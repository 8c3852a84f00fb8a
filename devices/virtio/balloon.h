/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-balloon (virtio 1.x, 5.5): inflate gives guest pages back to the host with
 * MADV_DONTNEED (so the mirror sees them invalidated), deflate returns them, the stats queue
 * reports guest memory figures, free page reporting discards ranges the guest says are free.
 */
#ifndef MIRRORVM_VIRTIO_BALLOON_H
#define MIRRORVM_VIRTIO_BALLOON_H

#include "virtio.h"

#define VIRTIO_BALLOON_F_STATS_VQ 1
#define VIRTIO_BALLOON_F_DEFLATE_ON_OOM 2
#define VIRTIO_BALLOON_F_REPORTING 5
#define VIRTIO_BALLOON_S_NR 16

struct virtio_balloon {
	struct virtio_dev vd;
	uint8_t config[8];
	uint32_t target; /* num_pages (host's target), actual (the guest's count) */
	uint64_t inflated, deflated, reported; /* pages, over the device's life */
	uint64_t stats[VIRTIO_BALLOON_S_NR];
	bool stats_valid;
	bool stats_held; /* the guest's stats buffer, kept until we want fresh figures */
	uint16_t stats_head;
};

/* report: offer free page reporting too. */
void virtio_balloon_init(struct virtio_balloon *b, struct guest_mem *gm, bool report);
/* Asks the guest to hold pages 4 KiB pages in its balloon (a configuration change). */
void virtio_balloon_set_target(struct virtio_balloon *b, uint32_t pages);
/* The guest's own count of pages in the balloon. */
uint32_t virtio_balloon_actual(struct virtio_balloon *b);

/* One consistent reading of the balloon, in 4 KiB pages. */
struct virtio_balloon_counts {
	uint32_t target, actual;
	uint64_t inflated, deflated, reported;
};
void virtio_balloon_counts(struct virtio_balloon *b, struct virtio_balloon_counts *c);
/* Hands the stats buffer back so the guest refills it: 0, or -EAGAIN when none is held. */
int virtio_balloon_request_stats(struct virtio_balloon *b);

/*
 * Sets the target at given seconds after the driver is up ("SEC:MIB,SEC:MIB...", times ascending) from a
 * thread of its own, logging each step: 0, -EINVAL for a bad spec, -ENOMEM / -EAGAIN.
 */
int virtio_balloon_schedule(struct virtio_balloon *b, const char *spec);

#endif
