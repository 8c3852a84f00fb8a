// SPDX-License-Identifier: GPL-2.0
/* Virtio device state common to every device and transport. */
#include <stdio.h>
#include <string.h>

#include "virtio.h"

#define VIRTIO_ISR_QUEUE 1
#define VIRTIO_ISR_CONFIG 2

void virtio_dev_init(struct virtio_dev *vd, const struct virtio_dev_ops *ops, void *priv,
		     struct guest_mem *gm, void *config, unsigned int config_size)
{
	memset(vd, 0, sizeof(*vd));
	vd->ops = ops;
	vd->priv = priv;
	vd->gm = gm;
	vd->config = config;
	vd->config_size = config_size;
	vd->config_msix = VIRTIO_NO_VECTOR;
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vd->qcfg[q] = (struct virtio_queue_cfg){ .size = ops->queue_size,
							 .msix = VIRTIO_NO_VECTOR };
	pthread_mutex_init(&vd->lock, NULL);
}

uint64_t virtio_dev_features(const struct virtio_dev *vd)
{
	return vd->ops->features | 1ull << VIRTIO_F_VERSION_1 | 1ull << VIRTIO_F_INDIRECT_DESC;
}

bool virtio_has(const struct virtio_dev *vd, unsigned int bit)
{
	return vd->driver_features & (1ull << bit);
}

bool virtio_ready(const struct virtio_dev *vd)
{
	return (vd->status & VIRTIO_S_DRIVER_OK) && !(vd->status & VIRTIO_S_NEEDS_RESET);
}

static void virtio_reset(struct virtio_dev *vd)
{
	if (vd->ops->reset)
		vd->ops->reset(vd);
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++) {
		memset(&vd->vq[q], 0, sizeof(vd->vq[q]));
		vd->qcfg[q] = (struct virtio_queue_cfg){ .size = vd->ops->queue_size,
							 .msix = VIRTIO_NO_VECTOR };
	}
	vd->driver_features = 0;
	vd->status = 0;
	vd->isr = 0;
	vd->config_msix = VIRTIO_NO_VECTOR;
}

void virtio_set_status(struct virtio_dev *vd, uint8_t status)
{
	uint8_t added = status & ~vd->status;

	if (!status) {
		virtio_reset(vd);
		return;
	}
	/* Features the device did not offer, or a legacy driver: refuse FEATURES_OK. */
	if ((added & VIRTIO_S_FEATURES_OK) && ((vd->driver_features & ~virtio_dev_features(vd)) ||
					       !virtio_has(vd, VIRTIO_F_VERSION_1))) {
		status &= ~VIRTIO_S_FEATURES_OK;
		fprintf(stderr, "mirrorvm: %s: driver features %#llx refused\n", vd->ops->name,
			(unsigned long long)vd->driver_features);
	}
	if ((added & VIRTIO_S_DRIVER_OK) && !(status & VIRTIO_S_FEATURES_OK)) {
		vd->status = status & ~VIRTIO_S_DRIVER_OK;
		virtio_fail(vd, "DRIVER_OK without FEATURES_OK");
		return;
	}
	vd->status = status | (vd->status & VIRTIO_S_NEEDS_RESET);
	for (unsigned int q = 0; q < VIRTIO_MAX_QUEUES; q++)
		vd->vq[q].indirect = virtio_has(vd, VIRTIO_F_INDIRECT_DESC);
}

void virtio_queue_enable(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_queue_cfg *c = &vd->qcfg[q];

	if (q >= vd->ops->nr_queues)
		return;
	if (c->size > vd->ops->queue_size ||
	    virtq_enable(&vd->vq[q], vd->gm, c->size, GPA(c->desc), GPA(c->driver), GPA(c->device)))
		virtio_fail(vd, "queue rings misplaced or of a bad size");
	vd->vq[q].indirect = virtio_has(vd, VIRTIO_F_INDIRECT_DESC);
}

void virtio_fail(struct virtio_dev *vd, const char *why)
{
	if (vd->status & VIRTIO_S_NEEDS_RESET)
		return;
	fprintf(stderr, "mirrorvm: %s: device failed: %s\n", vd->ops->name, why);
	vd->status |= VIRTIO_S_NEEDS_RESET;
	if (vd->status & VIRTIO_S_DRIVER_OK)
		virtio_config_changed(vd);
}

int virtio_pop(struct virtio_dev *vd, unsigned int q, struct virtq_chain *c)
{
	int ret;

	if (!virtio_ready(vd))
		return 0;
	ret = virtq_pop(&vd->vq[q], c);
	if (ret < 0)
		virtio_fail(vd, vd->vq[q].why);
	return ret;
}

void virtio_push(struct virtio_dev *vd, unsigned int q, uint16_t head, uint32_t len)
{
	if (virtq_push(&vd->vq[q], head, len))
		virtio_fail(vd, vd->vq[q].why);
}

void virtio_used_irq(struct virtio_dev *vd, unsigned int q)
{
	if (!virtio_ready(vd) || !virtq_want_irq(&vd->vq[q]))
		return;
	vd->isr |= VIRTIO_ISR_QUEUE;
	if (vd->raise)
		vd->raise(vd, vd->qcfg[q].msix);
}

void virtio_config_changed(struct virtio_dev *vd)
{
	vd->config_gen++;
	if (!(vd->status & VIRTIO_S_DRIVER_OK))
		return;
	vd->isr |= VIRTIO_ISR_CONFIG;
	if (vd->raise)
		vd->raise(vd, vd->config_msix);
}
