// SPDX-License-Identifier: GPL-2.0
/*
 * The event ring: a single-producer ring mmap'd into the VMM. The producer runs inside notifier
 * callbacks, so it only takes a spinlock; when the consumer lags, records are dropped and counted,
 * and the sequence number still advances so the reader sees the gap.
 */
#include <linux/ktime.h>
#include <linux/mm.h>
#include <linux/poll.h>
#include <linux/vmalloc.h>

#include "mmirror.h"

int mmirror_ring_init(struct mmirror_ring_state *ring, u32 nrec)
{
	size_t bytes = PAGE_SIZE + (size_t)nrec * sizeof(struct mmirror_event);

	spin_lock_init(&ring->lock);
	init_waitqueue_head(&ring->wait);
	ring->bytes = PAGE_ALIGN(bytes);
	ring->shared = mmirror_alloc_user(ring->bytes);
	if (!ring->shared)
		return -ENOMEM;
	ring->records = (struct mmirror_event *)((char *)ring->shared + PAGE_SIZE);
	ring->nrec = nrec;
	ring->head = 0;
	ring->seq = 0;
	ring->shared->version = MMIRROR_API_VERSION;
	ring->shared->records = nrec;
	ring->shared->record_size = sizeof(struct mmirror_event);
	return 0;
}

void mmirror_ring_free(struct mmirror_ring_state *ring)
{
	vfree(ring->shared);
	ring->shared = NULL;
}

bool mmirror_ring_readable(struct mmirror_ring_state *ring)
{
	return READ_ONCE(ring->shared->tail) != READ_ONCE(ring->head);
}

/* Fills in seq and time; everything else is the caller's. */
void mmirror_ring_log(struct mmirror_file *mf, struct mmirror_event *ev)
{
	struct mmirror_ring_state *ring = &mf->ring;
	unsigned long flags;
	bool stored = false;
	u64 tail;

	spin_lock_irqsave(&ring->lock, flags);
	ev->seq = ++ring->seq;
	ev->time_ns = ktime_get_ns();
	/* The tail is the consumer's: a nonsense value reads as a full ring, never as space. */
	/* Pairs with the reader's release store of tail: it is done with those slots. */
	tail = smp_load_acquire(&ring->shared->tail);
	if (ring->head - tail < ring->nrec) {
		ring->records[ring->head % ring->nrec] = *ev;
		ring->head++;
		/* Pairs with the reader's acquire load of head: the record is visible first. */
		smp_store_release(&ring->shared->head, ring->head);
		stored = true;
	} else {
		WRITE_ONCE(ring->shared->lost, READ_ONCE(ring->shared->lost) + 1);
	}
	spin_unlock_irqrestore(&ring->lock, flags);

	if (stored) {
		atomic64_inc(&mf->ring_records);
		if (wq_has_sleeper(&ring->wait))
			wake_up_interruptible_poll(&ring->wait, EPOLLIN | EPOLLRDNORM);
	} else {
		atomic64_inc(&mf->ring_lost);
	}
}
