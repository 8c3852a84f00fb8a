// SPDX-License-Identifier: GPL-2.0
/* libmmu: consuming the event ring, naming and formatting records and counters. */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>

#include "mmu_priv.h"

static const char *const mmu_event_names[] = {
	[MMIRROR_EV_UNMAP] = "UNMAP",
	[MMIRROR_EV_CLEAR] = "CLEAR",
	[MMIRROR_EV_PROTECTION_VMA] = "PROTECTION_VMA",
	[MMIRROR_EV_PROTECTION_PAGE] = "PROTECTION_PAGE",
	[MMIRROR_EV_SOFT_DIRTY] = "SOFT_DIRTY",
	[MMIRROR_EV_RELEASE] = "RELEASE",
	[MMIRROR_EV_MIGRATE] = "MIGRATE",
	[MMIRROR_EV_EXCLUSIVE] = "EXCLUSIVE",
};

static const char *const mmu_callback_names[] = {
	[MMIRROR_CB_INVALIDATE] = "invalidate",
	[MMIRROR_CB_RANGE_START] = "range_start",
	[MMIRROR_CB_RANGE_END] = "range_end",
	[MMIRROR_CB_CLEAR_FLUSH_YOUNG] = "clear_flush_young",
	[MMIRROR_CB_CLEAR_YOUNG] = "clear_young",
	[MMIRROR_CB_TEST_YOUNG] = "test_young",
	[MMIRROR_CB_CHANGE_PTE] = "change_pte",
	[MMIRROR_CB_RELEASE] = "release",
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

const char *mmu_event_type_name(unsigned int event)
{
	if (event == MMIRROR_EV_NONE)
		return "-";
	if (event < ARRAY_LEN(mmu_event_names) && mmu_event_names[event])
		return mmu_event_names[event];
	return "?";
}

const char *mmu_callback_name(unsigned int callback)
{
	if (callback < ARRAY_LEN(mmu_callback_names) && mmu_callback_names[callback])
		return mmu_callback_names[callback];
	return "?";
}

int mmu_drain(struct mmu_mirror *m, mmu_event_fn fn, void *opaque)
{
	struct pollfd pfd = { .fd = m->fd, .events = POLLIN };
	uint64_t head, tail;
	uint32_t nrec = m->ring->records;
	int n = 0;

	/* The module may hold its last ageing record back for merging; a poll stores it. */
	poll(&pfd, 1, 0);
	head = __atomic_load_n(&m->ring->head, __ATOMIC_ACQUIRE);
	tail = m->ring->tail;
	if (head - tail > nrec)
		return -EPROTO;
	for (; tail != head; tail++, n++) {
		struct mmirror_event ev = m->records[tail % nrec];

		if (m->last_seq && ev.seq > m->last_seq + 1)
			m->seq_gaps += ev.seq - m->last_seq - 1;
		m->last_seq = ev.seq;
		if (fn)
			fn(opaque, &ev);
	}
	/* Only now may the module reuse the slots. */
	__atomic_store_n(&m->ring->tail, tail, __ATOMIC_RELEASE);
	return n;
}

uint64_t mmu_seq_gaps(const struct mmu_mirror *m)
{
	return m->seq_gaps;
}

uint64_t mmu_ring_lost(const struct mmu_mirror *m)
{
	return __atomic_load_n(&m->ring->lost, __ATOMIC_ACQUIRE);
}

int mmu_format_event(char *buf, size_t size, const struct mmirror_event *ev)
{
	int n = snprintf(buf, size,
			 "#%" PRIu64 " %s %s gpa [0x%" PRIx64 ", 0x%" PRIx64 ") hva [0x%" PRIx64
			 ", 0x%" PRIx64 ") pages %u%s%s%s%s%s%s",
			 (uint64_t)ev->seq, mmu_callback_name(ev->callback),
			 mmu_event_type_name(ev->event), (uint64_t)ev->gpa_start,
			 (uint64_t)ev->gpa_end, (uint64_t)ev->hva_start, (uint64_t)ev->hva_end,
			 ev->pages, ev->flags & MMIRROR_EVF_BLOCKABLE ? " blockable" : "",
			 ev->flags & MMIRROR_EVF_HUGE ? " huge" : "",
			 ev->flags & MMIRROR_EVF_DOWNGRADE ? " downgrade" : "",
			 ev->young ? " young" : "",
			 ev->flags & MMIRROR_EVF_RANGE_START ? " +range_start" : "",
			 ev->flags & MMIRROR_EVF_RANGE_END ? " +range_end" : "");
	/* A merged ageing record says how many callbacks it stands for. */
	if (n >= 0 && ev->calls > 1)
		n += snprintf((size_t)n < size ? buf + n : NULL, (size_t)n < size ? size - n : 0,
			      " calls %u", ev->calls);
	return n;
}

void mmu_print_stats(FILE *f, const struct mmirror_stats *st)
{
	unsigned int i;

	fprintf(f, "callbacks:");
	for (i = 0; i < MMIRROR_CB_MAX; i++)
		if (st->callbacks[i])
			fprintf(f, " %s=%" PRIu64, mmu_callback_name(i),
				(uint64_t)st->callbacks[i]);
	fprintf(f, "\ninvalidations by event:");
	for (i = 0; i < MMIRROR_EV_MAX; i++)
		if (st->events[i])
			fprintf(f, " %s=%" PRIu64, mmu_event_type_name(i), (uint64_t)st->events[i]);
	fprintf(f,
		"\nnonblockable=%" PRIu64 " pages_invalidated=%" PRIu64 " pages_downgraded=%" PRIu64
		" young_answers=%" PRIu64 "\npopulates=%" PRIu64 " populate_pages=%" PRIu64
		" populate_retries=%" PRIu64 "\nring_records=%" PRIu64 " ring_lost=%" PRIu64
		" ring_merged=%" PRIu64 " ring_folded=%" PRIu64 " regions=%" PRIu64
		" released=%" PRIu64 "\nlive_files=%" PRIu64 " live_regions=%" PRIu64 "\n",
		(uint64_t)st->nonblockable, (uint64_t)st->pages_invalidated,
		(uint64_t)st->pages_downgraded, (uint64_t)st->young_answers,
		(uint64_t)st->populates, (uint64_t)st->populate_pages,
		(uint64_t)st->populate_retries, (uint64_t)st->ring_records, (uint64_t)st->ring_lost,
		(uint64_t)st->ring_merged, (uint64_t)st->ring_folded, (uint64_t)st->regions,
		(uint64_t)st->released, (uint64_t)st->live_files, (uint64_t)st->live_regions);
}
