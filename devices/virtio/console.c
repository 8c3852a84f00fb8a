// SPDX-License-Identifier: GPL-2.0
/* virtio-console: receiveq (0) carries host input, transmitq (1) the guest's output. */
#include <string.h>
#include <unistd.h>

#include "console.h"

#define Q_RX 0
#define Q_TX 1

/* Fills posted receive buffers from buf; the bytes taken. With vd.lock held. */
static size_t console_rx(struct virtio_console *c, const char *buf, size_t len)
{
	struct virtq_chain ch;
	size_t done = 0;

	while (done < len && virtio_pop(&c->vd, Q_RX, &ch) == 1) {
		size_t n = virtq_iov_to(ch.iov + ch.nr_out, ch.nr_in, 0, buf + done, len - done);

		virtio_push(&c->vd, Q_RX, ch.head, (uint32_t)n);
		done += n;
		if (!n)
			break; /* a receive buffer with no room */
	}
	if (done)
		virtio_used_irq(&c->vd, Q_RX);
	return done;
}

/* Hands queued input to the guest as far as its buffers go. With vd.lock held. */
static void console_flush(struct virtio_console *c)
{
	size_t n;

	if (!c->pending_len || !c->spoken || !virtio_ready(&c->vd))
		return;
	n = console_rx(c, c->pending, c->pending_len);
	memmove(c->pending, c->pending + n, c->pending_len - n);
	c->pending_len -= n;
}

static void console_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_console *c = vd->priv;
	struct virtq_chain ch;
	bool used = false;

	if (q != Q_TX) {
		/* New receive buffers: what waited can go. */
		if (q == Q_RX)
			console_flush(c);
		return;
	}
	while (virtio_pop(vd, Q_TX, &ch) == 1) {
		for (unsigned int i = 0; i < ch.nr_out; i++) {
			const char *p = ch.iov[i].iov_base;
			size_t left = ch.iov[i].iov_len;

			while (left) {
				ssize_t n = write(c->out_fd, p, left);

				if (n <= 0)
					break; /* output gone: the guest's bytes are dropped */
				p += n;
				left -= (size_t)n;
			}
		}
		virtio_push(vd, Q_TX, ch.head, 0);
		used = true;
	}
	if (used)
		virtio_used_irq(vd, Q_TX);
	if (used && !c->spoken) {
		c->spoken = true;
		console_flush(c);
	}
}

static void console_reset(struct virtio_dev *vd)
{
	struct virtio_console *c = vd->priv;

	c->spoken = false;
}

static const struct virtio_dev_ops console_ops = {
	.name = "virtio-console",
	.device_id = 3,
	.nr_queues = 2,
	.queue_size = 64,
	.notify = console_notify,
	.reset = console_reset,
};

void virtio_console_init(struct virtio_console *c, struct guest_mem *gm, int out_fd)
{
	memset(c, 0, sizeof(*c));
	c->out_fd = out_fd;
	virtio_dev_init(&c->vd, &console_ops, c, gm, c->config, sizeof(c->config));
}

size_t virtio_console_queue_input(struct virtio_console *c, const void *buf, size_t len)
{
	size_t n;

	pthread_mutex_lock(&c->vd.lock);
	n = sizeof(c->pending) - c->pending_len;
	if (n > len)
		n = len;
	memcpy(c->pending + c->pending_len, buf, n);
	c->pending_len += n;
	console_flush(c);
	pthread_mutex_unlock(&c->vd.lock);
	return n;
}
