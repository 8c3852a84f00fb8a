// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-balloon. Queue numbers depend on what the driver accepted: Linux numbers only the
 * queues it uses (inflate 0, deflate 1, then stats, then reporting), so the role of a queue is
 * worked out from the negotiated features.
 */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>

#include "../../vmm/guest_mem.h"
#include "balloon.h"

#define PAGE 4096ull

enum balloon_q { Q_INFLATE, Q_DEFLATE, Q_STATS, Q_REPORT, Q_NONE };

static enum balloon_q queue_role(struct virtio_dev *vd, unsigned int q)
{
	unsigned int next = 2;

	if (q < 2)
		return q == 0 ? Q_INFLATE : Q_DEFLATE;
	if (virtio_has(vd, VIRTIO_BALLOON_F_STATS_VQ) && q == next++)
		return Q_STATS;
	if (virtio_has(vd, VIRTIO_BALLOON_F_REPORTING) && q == next)
		return Q_REPORT;
	return Q_NONE;
}

/* Drops [gpa, gpa + len) from the host: 0, or -EFAULT if it is not whole pages of guest RAM. */
static int discard(struct virtio_dev *vd, uint64_t gpa, uint64_t len)
{
	hva_t start, last;

	if ((gpa | len) % PAGE || !len || gpa + len < gpa)
		return -EFAULT;
	if (gmem_gpa_to_hva(vd->gm, GPA(gpa), &start) ||
	    gmem_gpa_to_hva(vd->gm, GPA(gpa + len - 1), &last) || last.v - start.v != len - 1)
		return -EFAULT;
	return madvise(hva_to_ptr(start), len, MADV_DONTNEED) ? -EFAULT : 0;
}

/* A buffer of le32 page frame numbers; runs of consecutive frames go in one madvise. */
static int pfns(struct virtio_balloon *b, struct virtq_chain *c, bool inflate)
{
	uint64_t run = 0, len = 0, n = 0;
	uint32_t pfn;

	if (c->out_len % 4)
		return -EFAULT;
	for (uint64_t off = 0; off < c->out_len; off += 4, n++) {
		virtq_iov_from(c->iov, c->nr_out, off, &pfn, 4);
		if (!inflate)
			continue;
		if (len && pfn * PAGE == run + len) {
			len += PAGE;
			continue;
		}
		if (len && discard(&b->vd, run, len))
			return -EFAULT;
		run = pfn * PAGE;
		len = PAGE;
	}
	if (len && discard(&b->vd, run, len))
		return -EFAULT;
	if (inflate)
		b->inflated += n;
	else
		b->deflated += n;
	return 0;
}

static void stats_in(struct virtio_balloon *b, struct virtq_chain *c)
{
	uint8_t rec[10];
	uint16_t tag;

	for (uint64_t off = 0; off + sizeof(rec) <= c->out_len; off += sizeof(rec)) {
		virtq_iov_from(c->iov, c->nr_out, off, rec, sizeof(rec));
		memcpy(&tag, rec, 2);
		if (tag < VIRTIO_BALLOON_S_NR)
			memcpy(&b->stats[tag], rec + 2, 8);
	}
	b->stats_valid = true;
	b->stats_held = true;
	b->stats_head = c->head;
}

static int report(struct virtio_balloon *b, struct virtq_chain *c)
{
	/* Each device-writable buffer is a free range; its host pointer is already checked. */
	for (unsigned int i = c->nr_out; i < c->nr_out + c->nr_in; i++) {
		gpa_t gpa;

		if (gmem_hva_to_gpa(b->vd.gm, ptr_to_hva(c->iov[i].iov_base), &gpa) ||
		    discard(&b->vd, gpa.v, c->iov[i].iov_len))
			return -EFAULT;
		b->reported += c->iov[i].iov_len / PAGE;
	}
	return 0;
}

static void balloon_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_balloon *b = vd->priv;
	enum balloon_q role = queue_role(vd, q);
	struct virtq_chain c;
	bool used = false;
	int ret = 0;

	while (role != Q_NONE && virtio_pop(vd, q, &c) == 1) {
		if (role == Q_STATS) {
			stats_in(b, &c);
			continue;
		}
		ret = role == Q_REPORT ? report(b, &c) : pfns(b, &c, role == Q_INFLATE);
		if (ret) {
			virtio_fail(vd, "balloon page outside guest RAM or not page-aligned");
			return;
		}
		virtio_push(vd, q, c.head, 0);
		used = true;
	}
	if (used)
		virtio_used_irq(vd, q);
}

static void balloon_reset(struct virtio_dev *vd)
{
	struct virtio_balloon *b = vd->priv;

	b->stats_held = false;
}

static void balloon_config_written(struct virtio_dev *vd, unsigned int off, unsigned int len)
{
	struct virtio_balloon *b = vd->priv;

	/* Only 'actual' (offset 4) is the driver's to write; num_pages stays the host's. */
	memcpy(b->config, &b->target, 4);
}

#define BALLOON_OPS(ops, extra)                                                                    \
	static const struct virtio_dev_ops ops = {                                                 \
		.name = "virtio-balloon",                                                          \
		.device_id = 5,                                                                    \
		.features = 1ull << VIRTIO_BALLOON_F_STATS_VQ |                                    \
			    1ull << VIRTIO_BALLOON_F_DEFLATE_ON_OOM | (extra),                     \
		.nr_queues = 4,                                                                    \
		.queue_size = 128,                                                                 \
		.notify = balloon_notify,                                                          \
		.config_written = balloon_config_written,                                          \
		.reset = balloon_reset,                                                            \
	}
BALLOON_OPS(balloon_ops, 0);
/* Free page reporting drops RSS on its own, so it is asked for separately. */
BALLOON_OPS(balloon_report_ops, 1ull << VIRTIO_BALLOON_F_REPORTING);

void virtio_balloon_init(struct virtio_balloon *b, struct guest_mem *gm, bool report)
{
	memset(b, 0, sizeof(*b));
	virtio_dev_init(&b->vd, report ? &balloon_report_ops : &balloon_ops, b, gm, b->config,
			sizeof(b->config));
}

void virtio_balloon_set_target(struct virtio_balloon *b, uint32_t pages)
{
	pthread_mutex_lock(&b->vd.lock);
	b->target = pages;
	memcpy(b->config, &pages, 4);
	virtio_config_changed(&b->vd);
	pthread_mutex_unlock(&b->vd.lock);
}

uint32_t virtio_balloon_actual(struct virtio_balloon *b)
{
	uint32_t v;

	pthread_mutex_lock(&b->vd.lock);
	memcpy(&v, b->config + 4, 4);
	pthread_mutex_unlock(&b->vd.lock);
	return v;
}

void virtio_balloon_counts(struct virtio_balloon *b, struct virtio_balloon_counts *c)
{
	pthread_mutex_lock(&b->vd.lock);
	c->target = b->target;
	memcpy(&c->actual, b->config + 4, 4);
	c->inflated = b->inflated;
	c->deflated = b->deflated;
	c->reported = b->reported;
	pthread_mutex_unlock(&b->vd.lock);
}

int virtio_balloon_request_stats(struct virtio_balloon *b)
{
	int ret = -EAGAIN;

	pthread_mutex_lock(&b->vd.lock);
	if (b->stats_held && virtio_ready(&b->vd)) {
		unsigned int q = 2;

		b->stats_held = false;
		virtio_push(&b->vd, q, b->stats_head, 0);
		virtio_used_irq(&b->vd, q);
		ret = 0;
	}
	pthread_mutex_unlock(&b->vd.lock);
	return ret;
}
