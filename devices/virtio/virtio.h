/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A virtio device, independent of its transport: feature negotiation, status, queues, and the
 * failed state. A device whose guest breaks the rules gets DEVICE_NEEDS_RESET and stops working;
 * the VMM and the other devices carry on.
 */
#ifndef MIRRORVM_VIRTIO_H
#define MIRRORVM_VIRTIO_H

#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

#include "virtqueue.h"

#define VIRTIO_F_INDIRECT_DESC 28
#define VIRTIO_F_VERSION_1 32

#define VIRTIO_S_ACKNOWLEDGE 1
#define VIRTIO_S_DRIVER 2
#define VIRTIO_S_DRIVER_OK 4
#define VIRTIO_S_FEATURES_OK 8
#define VIRTIO_S_NEEDS_RESET 64
#define VIRTIO_S_FAILED 128

#define VIRTIO_MAX_QUEUES 4
#define VIRTIO_NO_VECTOR 0xffff

struct virtio_dev;

struct virtio_dev_ops {
	const char *name;
	uint16_t device_id;
	uint64_t features; /* beyond VERSION_1 and INDIRECT_DESC, which every device offers */
	unsigned int nr_queues;
	uint16_t queue_size;
	/* The guest kicked queue q (a vCPU thread, vd->lock held). */
	void (*notify)(struct virtio_dev *vd, unsigned int q);
	/* The guest wrote device configuration bytes [off, off + len) (vd->lock held). */
	void (*config_written)(struct virtio_dev *vd, unsigned int off, unsigned int len);
	/* The driver reset the device: drop in-flight state (vd->lock held). */
	void (*reset)(struct virtio_dev *vd);
};

struct virtio_queue_cfg {
	uint16_t size, msix;
	uint64_t desc, driver, device;
};

struct virtio_dev {
	const struct virtio_dev_ops *ops;
	void *priv;
	struct guest_mem *gm;
	pthread_mutex_t lock;
	uint64_t driver_features;
	uint8_t status;
	uint8_t isr;
	uint8_t config_gen;
	uint16_t config_msix;
	struct virtq vq[VIRTIO_MAX_QUEUES];
	struct virtio_queue_cfg qcfg[VIRTIO_MAX_QUEUES];
	uint8_t *config;
	unsigned int config_size;
	/* The transport's interrupt: MSI-X vector, or INTx when vectors are off. */
	void (*raise)(struct virtio_dev *vd, uint16_t vector);
	void *transport;
};

void virtio_dev_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops, void *priv,
		     struct guest_mem *gm, void *config, unsigned int config_size);
uint64_t virtio_dev_features(const struct virtio_dev *vd);
bool virtio_has(const struct virtio_dev *vd, unsigned int bit);
/* A driver write to the status register; the FEATURES_OK bit sticks only for valid features. */
void virtio_set_status(struct virtio_dev *vd, uint8_t status);
/* The driver enabled queue q with its qcfg: a bad ring fails the device. */
void virtio_queue_enable(struct virtio_dev *vd, unsigned int q);
/* The guest broke the rules: NEEDS_RESET, one log line, a configuration interrupt. */
void virtio_fail(struct virtio_dev *vd, const char *why);

/* virtq_pop/push that fail the device on a malformed ring: 1, 0, or -EIO. */
int virtio_pop(struct virtio_dev *vd, unsigned int q, struct virtq_chain *c);
void virtio_push(struct virtio_dev *vd, unsigned int q, uint16_t head, uint32_t len);
/* Interrupts the guest for queue q unless it suppressed them. */
void virtio_used_irq(struct virtio_dev *vd, unsigned int q);
void virtio_config_changed(struct virtio_dev *vd);
bool virtio_ready(const struct virtio_dev *vd);

#endif
