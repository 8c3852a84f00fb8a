// SPDX-License-Identifier: GPL-2.0
/*
 * virtio-blk. A request is a 16-byte header (type, sector) in device-readable buffers, data, and
 * a status byte last in the device-writable ones. Data goes straight between the file and guest
 * RAM (readv/writev on the request's own iovecs), so nothing is copied in the VMM.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blk.h"

#define SECTOR 512u

struct virtio_blk_req {
	struct virtq_chain c;
	struct iovec data[VIRTQ_MAX_SEGS];
	unsigned int nr_data;
	uint64_t data_len;
	uint8_t *status;
	uint32_t type;
	bool busy;
};

struct blk_hdr {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};

static void req_done(struct virtio_blk *b, struct virtio_blk_req *r, uint8_t status,
		     uint32_t written)
{
	*r->status = status;
	r->busy = false;
	b->inflight--;
	virtio_push(&b->vd, 0, r->c.head, written + 1);
}

/* Splits the chain into header, data iovecs and status byte: 0 or -EINVAL (device fails). */
static int req_parse(struct virtio_blk_req *r, struct blk_hdr *h)
{
	struct virtq_chain *c = &r->c;
	unsigned int n = c->nr_out + c->nr_in, i, d = 0;
	size_t skip = sizeof(*h);

	if (virtq_iov_from(c->iov, c->nr_out, 0, h, sizeof(*h)) != sizeof(*h) || !c->in_len)
		return -EINVAL;
	for (i = 0; i < c->nr_out; i++) {
		if (skip >= c->iov[i].iov_len) {
			skip -= c->iov[i].iov_len;
			continue;
		}
		r->data[d].iov_base = (char *)c->iov[i].iov_base + skip;
		r->data[d++].iov_len = c->iov[i].iov_len - skip;
		skip = 0;
	}
	while (!c->iov[n - 1].iov_len)
		n--; /* zero-length trailers: the status byte is the last real one */
	for (; i < n; i++)
		r->data[d++] = c->iov[i];
	r->status = (uint8_t *)r->data[d - 1].iov_base + r->data[d - 1].iov_len - 1;
	if (!--r->data[d - 1].iov_len)
		d--;
	r->nr_data = d;
	r->data_len = 0;
	for (i = 0; i < d; i++)
		r->data_len += r->data[i].iov_len;
	return 0;
}

static uint8_t req_check(struct virtio_blk *b, struct virtio_blk_req *r, const struct blk_hdr *h)
{
	bool out = h->type == VIRTIO_BLK_T_OUT;

	if (h->type == VIRTIO_BLK_T_FLUSH || h->type == VIRTIO_BLK_T_GET_ID)
		return VIRTIO_BLK_S_OK;
	if (h->type != VIRTIO_BLK_T_IN && !out)
		return VIRTIO_BLK_S_UNSUPP;
	if (out && b->ro)
		return VIRTIO_BLK_S_IOERR;
	/* Data must sit in buffers of the right direction, whole sectors, inside the disk. */
	if ((out && r->data_len != r->c.out_len - sizeof(struct blk_hdr)) ||
	    (!out && r->data_len != r->c.in_len - 1))
		return VIRTIO_BLK_S_IOERR;
	if (r->data_len % SECTOR || h->sector > b->sectors ||
	    r->data_len / SECTOR > b->sectors - h->sector)
		return VIRTIO_BLK_S_IOERR;
	return VIRTIO_BLK_S_OK;
}

static void req_start(struct virtio_blk *b, struct virtio_blk_req *r)
{
	struct io_uring_sqe *sqe;
	struct blk_hdr h;
	uint8_t st;

	if (req_parse(r, &h)) {
		virtio_fail(&b->vd, "block request without header or status");
		return;
	}
	r->busy = true;
	r->type = h.type;
	b->inflight++;
	st = req_check(b, r, &h);
	if (st != VIRTIO_BLK_S_OK || h.type == VIRTIO_BLK_T_GET_ID) {
		uint32_t n = 0;

		if (st == VIRTIO_BLK_S_OK)
			n = (uint32_t)virtq_iov_to(r->data, r->nr_data, 0, b->id, sizeof(b->id));
		req_done(b, r, st, n);
		return;
	}
	sqe = io_uring_get_sqe(&b->ring);
	if (!sqe) {
		req_done(b, r, VIRTIO_BLK_S_IOERR, 0);
		return;
	}
	if (h.type == VIRTIO_BLK_T_IN)
		io_uring_prep_readv(sqe, b->fd, r->data, r->nr_data, h.sector * SECTOR);
	else if (h.type == VIRTIO_BLK_T_OUT)
		io_uring_prep_writev(sqe, b->fd, r->data, r->nr_data, h.sector * SECTOR);
	else
		io_uring_prep_fsync(sqe, b->fd, 0);
	io_uring_sqe_set_data64(sqe, r->c.head | (uint64_t)b->gen << 32);
}

static void blk_notify(struct virtio_dev *vd, unsigned int q)
{
	struct virtio_blk *b = vd->priv;
	struct virtio_blk_req *r;
	unsigned int pushed = b->vd.vq[0].used_idx;

	for (;;) {
		/* The slot of a request is its head descriptor, unique while it is in flight. */
		struct virtq_chain c;

		if (virtio_pop(vd, 0, &c) != 1)
			break;
		r = &b->req[c.head];
		if (r->busy) {
			virtio_fail(vd, "head descriptor reused while in flight");
			break;
		}
		r->c = c;
		req_start(b, r);
	}
	io_uring_submit(&b->ring);
	if (b->vd.vq[0].used_idx != pushed)
		virtio_used_irq(vd, 0);
}

void virtio_blk_complete(struct virtio_blk *b, bool wait)
{
	struct io_uring_cqe *cqe;
	uint64_t n;
	bool any = false;

	if (read(b->efd, &n, sizeof(n)) < 0 && errno != EAGAIN)
		return;
	if (wait && b->inflight && io_uring_wait_cqe(&b->ring, &cqe))
		return;
	pthread_mutex_lock(&b->vd.lock);
	while (!io_uring_peek_cqe(&b->ring, &cqe)) {
		uint64_t ud = io_uring_cqe_get_data64(cqe);
		struct virtio_blk_req *r = &b->req[(uint16_t)ud];
		int res = cqe->res;
		bool good;

		io_uring_cqe_seen(&b->ring, cqe);
		if (ud >> 32 != b->gen) {
			b->inflight--; /* issued before a reset: the guest forgot it */
			continue;
		}
		good = r->type == VIRTIO_BLK_T_FLUSH ? res == 0 : res == (int)r->data_len;
		req_done(b, r, good ? VIRTIO_BLK_S_OK : VIRTIO_BLK_S_IOERR,
			 good && r->type == VIRTIO_BLK_T_IN ? (uint32_t)r->data_len : 0);
		any = true;
	}
	if (any)
		virtio_used_irq(&b->vd, 0);
	pthread_mutex_unlock(&b->vd.lock);
}

static void blk_reset(struct virtio_dev *vd)
{
	struct virtio_blk *b = vd->priv;

	/*
	 * Requests still in the kernel finish into RAM the guest gave up; a new generation makes
	 * their completions count down inflight and nothing else.
	 */
	b->gen++;
	for (unsigned int i = 0; i < VIRTIO_BLK_QUEUE_SIZE; i++)
		b->req[i].busy = false;
}

static const struct virtio_dev_ops blk_ops = {
	.name = "virtio-blk",
	.device_id = 2,
	.features = 1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_FLUSH,
	.nr_queues = 1,
	.queue_size = VIRTIO_BLK_QUEUE_SIZE,
	.notify = blk_notify,
	.reset = blk_reset,
};

static const struct virtio_dev_ops blk_ro_ops = {
	.name = "virtio-blk",
	.device_id = 2,
	.features =
		1ull << VIRTIO_BLK_F_SEG_MAX | 1ull << VIRTIO_BLK_F_FLUSH | 1ull << VIRTIO_BLK_F_RO,
	.nr_queues = 1,
	.queue_size = VIRTIO_BLK_QUEUE_SIZE,
	.notify = blk_notify,
	.reset = blk_reset,
};

static void put64(uint8_t *p, uint64_t v)
{
	for (unsigned int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

int virtio_blk_init(struct virtio_blk *b, struct guest_mem *gm, int fd, bool ro, const char *id)
{
	off_t size = lseek(fd, 0, SEEK_END);
	int ret;

	memset(b, 0, sizeof(*b));
	if (size < 0)
		return -errno;
	b->fd = fd;
	b->ro = ro;
	b->sectors = (uint64_t)size / SECTOR;
	strncpy(b->id, id ? id : "", sizeof(b->id));
	put64(b->config, b->sectors);
	put64(b->config + 12, VIRTQ_MAX_SEGS - 2); /* seg_max (le32); size_max stays 0 */
	b->req = calloc(VIRTIO_BLK_QUEUE_SIZE, sizeof(*b->req));
	if (!b->req)
		return -ENOMEM;
	ret = io_uring_queue_init(VIRTIO_BLK_QUEUE_SIZE, &b->ring, 0);
	if (ret)
		goto err_req;
	b->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (b->efd < 0) {
		ret = -errno;
		goto err_ring;
	}
	ret = io_uring_register_eventfd(&b->ring, b->efd);
	if (ret)
		goto err_efd;
	virtio_dev_init(&b->vd, ro ? &blk_ro_ops : &blk_ops, b, gm, b->config, sizeof(b->config));
	return 0;
err_efd:
	close(b->efd);
err_ring:
	io_uring_queue_exit(&b->ring);
err_req:
	free(b->req);
	return ret;
}

void virtio_blk_exit(struct virtio_blk *b)
{
	while (b->inflight)
		virtio_blk_complete(b, true);
	io_uring_queue_exit(&b->ring);
	close(b->efd);
	close(b->fd);
	free(b->req);
}

int virtio_blk_open(const char *spec, int *fd, bool *ro)
{
	char path[4096];
	size_t n = strcspn(spec, ",");

	if (n >= sizeof(path))
		return -ENAMETOOLONG;
	memcpy(path, spec, n);
	path[n] = 0;
	*ro = false;
	if (spec[n]) {
		if (strcmp(spec + n, ",ro"))
			return -EINVAL;
		*ro = true;
	}
	*fd = open(path, (*ro ? O_RDONLY : O_RDWR) | O_CLOEXEC);
	return *fd < 0 ? -errno : 0;
}
