// SPDX-License-Identifier: GPL-2.0
/*
 * The split virtqueue. Descriptors are copied out of guest memory once and checked on the copy, so
 * a guest rewriting its table while we walk it cannot make us see two different values.
 */
#include <errno.h>
#include <string.h>

#include "../../vmm/guest_mem.h"
#include "virtqueue.h"

#define DESC_SIZE 16u
#define USED_ELEM_SIZE 8u

static int vq_fail(struct virtq *vq, const char *why)
{
	if (!vq->broken) {
		vq->broken = true;
		vq->why = why;
	}
	return -EIO;
}

int virtq_enable(struct virtq *vq, struct guest_mem *gm, uint16_t num, gpa_t desc, gpa_t avail,
		 gpa_t used)
{
	virtq_reset(vq);
	if (!num || num > VIRTQ_MAX_SIZE || (num & (num - 1)))
		return -EINVAL;
	if ((desc.v & 15) || (avail.v & 1) || (used.v & 3))
		return -EINVAL;
	if (!gmem_access(gm, desc, (uint64_t)DESC_SIZE * num, false) ||
	    !gmem_access(gm, avail, 6 + 2ull * num, false) ||
	    !gmem_access(gm, used, 6 + (uint64_t)USED_ELEM_SIZE * num, true))
		return -EINVAL;
	vq->gm = gm;
	vq->num = num;
	vq->desc = desc;
	vq->avail = avail;
	vq->used = used;
	vq->ready = true;
	return 0;
}

void virtq_reset(struct virtq *vq)
{
	bool indirect = vq->indirect;

	memset(vq, 0, sizeof(*vq));
	vq->indirect = indirect;
}

static uint16_t *vq_u16(struct virtq *vq, gpa_t gpa, bool write)
{
	return gmem_access(vq->gm, gpa, 2, write);
}

/* Adds one buffer to the chain; readable buffers must all come before writable ones. */
static int chain_add(struct virtq *vq, struct virtq_chain *c, const struct virtq_desc *d)
{
	bool write = d->flags & VIRTQ_DESC_F_WRITE;
	unsigned int n = c->nr_out + c->nr_in;
	void *p;

	if (n >= VIRTQ_MAX_SEGS)
		return vq_fail(vq, "request has too many buffers");
	if (!write && c->nr_in)
		return vq_fail(vq, "readable buffer after a writable one");
	p = gmem_access(vq->gm, GPA(d->addr), d->len, write);
	if (!p)
		return vq_fail(vq, "buffer outside guest RAM");
	c->iov[n].iov_base = p;
	c->iov[n].iov_len = d->len;
	if (write) {
		c->nr_in++;
		c->in_len += d->len;
	} else {
		c->nr_out++;
		c->out_len += d->len;
	}
	return 0;
}

static int chain_walk(struct virtq *vq, struct virtq_chain *c, gpa_t table, uint32_t n, uint16_t i,
		      bool top)
{
	unsigned int steps = 0;
	struct virtq_desc d;
	int ret;

	for (;;) {
		if (++steps > n)
			return vq_fail(vq, "descriptor chain loops");
		if (gmem_read(vq->gm, gpa_add(table, (uint64_t)DESC_SIZE * i), &d, sizeof(d)))
			return vq_fail(vq, "descriptor table outside guest RAM");
		if (d.flags & VIRTQ_DESC_F_INDIRECT) {
			if (!top || !vq->indirect)
				return vq_fail(vq, "indirect descriptor not allowed here");
			if (d.flags & VIRTQ_DESC_F_NEXT)
				return vq_fail(vq, "indirect descriptor with a next");
			if (!d.len || d.len % DESC_SIZE || d.len / DESC_SIZE > VIRTQ_MAX_SEGS)
				return vq_fail(vq, "bad indirect table length");
			if (!gmem_access(vq->gm, GPA(d.addr), d.len, false))
				return vq_fail(vq, "indirect table outside guest RAM");
			return chain_walk(vq, c, GPA(d.addr), d.len / DESC_SIZE, 0, false);
		}
		ret = chain_add(vq, c, &d);
		if (ret)
			return ret;
		if (!(d.flags & VIRTQ_DESC_F_NEXT))
			return 0;
		if (d.next >= n)
			return vq_fail(vq, "next descriptor out of range");
		i = d.next;
	}
}

int virtq_pop(struct virtq *vq, struct virtq_chain *c)
{
	uint16_t *idx, *slot, avail_idx, head;
	int ret;

	if (vq->broken)
		return -EIO;
	if (!vq->ready)
		return 0;
	idx = vq_u16(vq, gpa_add(vq->avail, 2), false);
	if (!idx)
		return vq_fail(vq, "avail ring left guest RAM");
	avail_idx = __atomic_load_n(idx, __ATOMIC_ACQUIRE);
	if (avail_idx == vq->last_avail)
		return 0;
	if ((uint16_t)(avail_idx - vq->last_avail) > vq->num)
		return vq_fail(vq, "avail index ahead by more than the ring size");
	slot = vq_u16(vq, gpa_add(vq->avail, 4 + 2u * (vq->last_avail % vq->num)), false);
	if (!slot)
		return vq_fail(vq, "avail ring left guest RAM");
	head = __atomic_load_n(slot, __ATOMIC_RELAXED);
	if (head >= vq->num)
		return vq_fail(vq, "head descriptor out of range");
	c->head = head;
	c->nr_out = c->nr_in = 0;
	c->out_len = c->in_len = 0;
	ret = chain_walk(vq, c, vq->desc, vq->num, head, true);
	if (ret)
		return ret;
	vq->last_avail++;
	return 1;
}

int virtq_push(struct virtq *vq, uint16_t head, uint32_t len)
{
	uint32_t elem[2] = { head, len };
	uint16_t *idx;

	if (vq->broken)
		return -EIO;
	if (!vq->ready || head >= vq->num)
		return vq_fail(vq, "completion for a request the queue never gave");
	if (gmem_write(vq->gm, gpa_add(vq->used, 4 + USED_ELEM_SIZE * (vq->used_idx % vq->num)),
		       elem, sizeof(elem)))
		return vq_fail(vq, "used ring left guest RAM");
	idx = vq_u16(vq, gpa_add(vq->used, 2), true);
	if (!idx)
		return vq_fail(vq, "used ring left guest RAM");
	/* The element must be visible before the index that publishes it. */
	__atomic_store_n(idx, ++vq->used_idx, __ATOMIC_RELEASE);
	return 0;
}

bool virtq_want_irq(struct virtq *vq)
{
	uint16_t *flags;

	/* Order our used index store against reading the guest's suppression flag. */
	__atomic_thread_fence(__ATOMIC_SEQ_CST);
	flags = vq_u16(vq, vq->avail, false);
	return !flags || !(__atomic_load_n(flags, __ATOMIC_RELAXED) & VIRTQ_AVAIL_F_NO_INTERRUPT);
}

/* Copies between a flat buffer and the bytes of an iovec from offset skip on. */
static size_t iov_copy(const struct iovec *iov, unsigned int n, size_t skip, char *buf, size_t len,
		       bool to_iov)
{
	size_t done = 0;

	for (unsigned int i = 0; i < n && done < len; i++) {
		size_t l = iov[i].iov_len, k;
		char *p;

		if (skip >= l) {
			skip -= l;
			continue;
		}
		p = (char *)iov[i].iov_base + skip;
		k = l - skip < len - done ? l - skip : len - done;
		memcpy(to_iov ? p : buf + done, to_iov ? buf + done : p, k);
		done += k;
		skip = 0;
	}
	return done;
}

size_t virtq_iov_from(const struct iovec *iov, unsigned int n, size_t skip, void *buf, size_t len)
{
	return iov_copy(iov, n, skip, buf, len, false);
}

size_t virtq_iov_to(const struct iovec *iov, unsigned int n, size_t skip, const void *buf,
		    size_t len)
{
	return iov_copy(iov, n, skip, (char *)buf, len, true);
}
