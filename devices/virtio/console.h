/* SPDX-License-Identifier: GPL-2.0 */
/*
 * virtio-console (virtio 1.x, 5.3), one port, no multiport: what the guest writes to hvc0 goes
 * to an fd; host input fills the guest's receive buffers.
 */
#ifndef MIRRORVM_VIRTIO_CONSOLE_H
#define MIRRORVM_VIRTIO_CONSOLE_H

#include <stddef.h>

#include "virtio.h"

#define VIRTIO_CONSOLE_PENDING 4096

struct virtio_console {
	struct virtio_dev vd;
	uint8_t config[12]; /* cols, rows, max_nr_ports, emerg_wr: unused without features */
	int out_fd;
	/*
	 * Input not delivered yet: queued input waits until the guest has written to the console
	 * once, since Linux drops (buffer and all) what arrives before its console port is set up.
	 */
	char pending[VIRTIO_CONSOLE_PENDING];
	size_t pending_len;
	bool spoken;
};

void virtio_console_init(struct virtio_console *c, struct guest_mem *gm, int out_fd);
/*
 * Queues host input for the guest, delivered as it posts receive buffers once it has written to
 * the console: the bytes queued (fewer when VIRTIO_CONSOLE_PENDING bytes already wait).
 */
size_t virtio_console_queue_input(struct virtio_console *c, const void *buf, size_t len);

#endif
