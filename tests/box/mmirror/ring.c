// SPDX-License-Identifier: GPL-2.0
/*
 * mmirror-ring: overflows the event ring on purpose. The module must count every dropped record,
 * the sequence numbers must show a gap of exactly that many, and the table must stay right.
 */
#include <poll.h>
#include <string.h>
#include <sys/mman.h>

#include "mt.h"

int main(void)
{
	struct mmirror_stats st;
	struct mt t;
	struct pollfd pfd;
	uint32_t nrec;
	size_t i, n, got;

	mt_open(&t);
	mt_setup(&t, 64 * MT_PAGE, MT_SMALL);
	mt_assert(!mmu_set_flags(t.m, MMIRROR_F_NO_TRACE), "set_flags");
	nrec = (uint32_t)mt_read_int("/sys/module/mmirror/parameters/ring_records");
	mt_assert(nrec >= 64, "ring_records unreadable");
	pfd = (struct pollfd){ .fd = mmu_fd(t.m), .events = POLLIN };
	mt_assert(poll(&pfd, 1, 0) == 0, "ring readable while empty");
	/* One INVALIDATE record per DONTNEED; nobody drains meanwhile. */
	n = nrec + 1000;
	for (i = 0; i < n; i++)
		madvise(t.ram + (i % 64) * MT_PAGE, MT_PAGE, MADV_DONTNEED);
	mt_assert(poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN), "poll: ring not readable");
	mt_drain(&t);
	got = t.nevents;
	mt_assert(!mmu_get_stats(t.m, &st), "stats");
	printf("%zu DONTNEEDs into a %u-record ring: %zu drained, lost %llu (ring header %llu)\n",
	       n, nrec, got, (unsigned long long)st.ring_lost,
	       (unsigned long long)mmu_ring_lost(t.m));
	mt_assert(got == nrec, "drained %zu, want the ring size %u", got, nrec);
	mt_assert(st.ring_lost == n - nrec, "lost %llu, want %zu", (unsigned long long)st.ring_lost,
		  n - nrec);
	mt_assert(mmu_ring_lost(t.m) == st.ring_lost, "ring header and stats disagree");
	for (i = 1; i < got; i++)
		mt_assert(t.events[i].seq == t.events[i - 1].seq + 1, "gap inside the kept records");
	/* The next record carries the sequence number that reveals the gap. */
	madvise(t.ram, MT_PAGE, MADV_DONTNEED);
	mt_drain(&t);
	printf("sequence gap seen by the reader: %llu\n", (unsigned long long)mmu_seq_gaps(t.m));
	mt_assert(mmu_seq_gaps(t.m) == st.ring_lost, "gap %llu != lost %llu",
		  (unsigned long long)mmu_seq_gaps(t.m), (unsigned long long)st.ring_lost);
	mt_assert(t.events[got].event == MMIRROR_EV_CLEAR, "record after the gap is wrong");
	mt_assert(mt_count_present(&t, t.ram, t.size) == 0, "entries present after DONTNEED");
	mt_populate(&t, MMIRROR_POPULATE_FAULT);
	mt_assert(mt_count_present(&t, t.ram, t.size) == 64, "repopulate after overflow");
	mt_coherent(&t, "after the overflow");
	return 0;
}
