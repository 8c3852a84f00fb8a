// SPDX-License-Identifier: GPL-2.0
/* libmmu pieces that need no module: names, record formatting, entry accessors, open errors. */
#include <errno.h>
#include <string.h>
#include <unistd.h>

#include "mmu.h"
#include "tap.h"

int main(void)
{
	struct mmirror_event ev = {
		.seq = 7,
		.gpa_start = 0x40000000,
		.gpa_end = 0x40200000,
		.pages = 512,
		.callback = MMIRROR_CB_INVALIDATE,
		.event = MMIRROR_EV_UNMAP,
		.flags = MMIRROR_EVF_BLOCKABLE | MMIRROR_EVF_HUGE,
	};
	uint64_t e = MMIRROR_PTE_PRESENT | MMIRROR_PTE_HUGE | (0x12345ULL << 12) |
		     ((uint64_t)(MMIRROR_EV_CLEAR + 1) << MMIRROR_PTE_CAUSE_SHIFT);
	struct mmu_mirror *m = NULL;
	char buf[256];
	int n, ret;

	is_int(sizeof(struct mmirror_event), 64, "ring records are 64 bytes");
	ok(!strcmp(mmu_event_type_name(MMIRROR_EV_SOFT_DIRTY), "SOFT_DIRTY"), "event name");
	ok(!strcmp(mmu_event_type_name(MMIRROR_EV_NONE), "-"), "no event type");
	ok(!strcmp(mmu_event_type_name(200), "?"), "unknown event type");
	ok(!strcmp(mmu_callback_name(MMIRROR_CB_CLEAR_FLUSH_YOUNG), "clear_flush_young"),
	   "callback");
	ok(!strcmp(mmu_callback_name(99), "?"), "unknown callback");
	n = mmu_format_event(buf, sizeof(buf), &ev);
	is_int(n, (int)strlen(buf), "format returns the length");
	ok(strstr(buf, "#7 invalidate UNMAP gpa [0x40000000, 0x40200000)") != NULL, "format: %s",
	   buf);
	ok(strstr(buf, "pages 512 blockable huge") != NULL, "format flags");
	n = mmu_format_event(buf, 8, &ev);
	ok(n > 8 && strlen(buf) == 7, "format truncates safely");
	ok(!strstr(buf, "calls"), "one callback: no count");
	ev.flags |= MMIRROR_EVF_RANGE_START | MMIRROR_EVF_RANGE_END;
	mmu_format_event(buf, sizeof(buf), &ev);
	ok(strstr(buf, "pages 512 blockable huge +range_start +range_end") != NULL,
	   "a folded record names the callbacks it stands for: %s", buf);
	ev.flags &= ~(MMIRROR_EVF_RANGE_START | MMIRROR_EVF_RANGE_END);
	{
		struct mmirror_event merged = {
			.seq = 9,
			.callback = MMIRROR_CB_CLEAR_YOUNG,
			.event = MMIRROR_EV_NONE,
			.pages = 3,
			.young = 1,
			.calls = 3,
		};
		char full[256];
		int len = mmu_format_event(full, sizeof(full), &merged);

		ok(len == (int)strlen(full) && strstr(full, "pages 3 young calls 3"),
		   "a merged record says how many callbacks: %s", full);
		/* Truncated inside and past the first part: the length is still the whole. */
		is_int(mmu_format_event(buf, 20, &merged), len, "merged, truncated: full length");
		is_int(mmu_format_event(buf, (size_t)len - 3, &merged), len,
		       "merged, truncated in the count: full length");
		ok(strlen(buf) == (size_t)len - 4, "merged, truncated safely");
	}
	ok(mmu_pte_present(e), "present bit");
	is_int(mmu_pte_hpfn(e).v, 0x12345, "PFN bits");
	is_int(mmu_pte_cause(e), MMIRROR_EV_CLEAR, "cause bits");
	is_int(mmu_pte_cause(MMIRROR_PTE_PRESENT), -1, "never invalidated");
	ret = mmu_open(&m);
	if (access(MMIRROR_DEVICE, F_OK))
		is_int(ret, -ENOENT, "mmu_open without the module: -ENOENT");
	else
		ok(1, "# SKIP " MMIRROR_DEVICE " exists here");
	if (!ret)
		mmu_close(m);
	return tap_done();
}
