// SPDX-License-Identifier: GPL-2.0
/* Helpers for the mmirror box tests (see mt.h). */
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "mt.h"

void mt_open(struct mt *t)
{
	int ret;

	memset(t, 0, sizeof(*t));
	ret = mmu_open(&t->m);
	if (ret == -ENOENT)
		mt_skip("mmirror.ko is not loaded (" MMIRROR_DEVICE " missing)");
	if (ret)
		mt_fail("mmu_open: %s", strerror(-ret));
	t->events = calloc(MT_EVENTS_MAX, sizeof(*t->events));
	mt_assert(t->events, "out of memory");
	t->verbose = getenv("MT_VERBOSE") != NULL;
}

void *mt_map(size_t size, enum mt_backing backing)
{
	size_t span = size + MT_HUGE;
	uint8_t *p = mmap(NULL, span, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint8_t *a;

	mt_assert(p != MAP_FAILED, "mmap %zu: %s", span, strerror(errno));
	/* 2 MiB aligned so that THPs can be PMD-mapped; the slack goes back. */
	a = (uint8_t *)(((uintptr_t)p + MT_HUGE - 1) & ~(MT_HUGE - 1));
	if (a > p)
		munmap(p, a - p);
	munmap(a + size, p + span - (a + size));
	mt_assert(!madvise(a, size, backing == MT_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE),
		  "madvise: %s", strerror(errno));
	return a;
}

void mt_fill(uint8_t *p, size_t size, uint8_t seed)
{
	size_t i;

	for (i = 0; i < size; i += MT_PAGE)
		memset(p + i, (uint8_t)(seed + i / MT_PAGE) | 1, 64);
}

void mt_populate(struct mt *t, unsigned int flags)
{
	int ret = mmu_populate(t->m, t->gpa, t->size, flags);

	mt_assert(!ret, "populate: %s", strerror(-ret));
}

void mt_setup(struct mt *t, size_t size, enum mt_backing backing)
{
	int ret;

	t->size = size;
	t->ram = mt_map(size, backing);
	mt_fill(t->ram, size, 0);
	t->gpa = GPA(MT_GPA);
	ret = mmu_add_region(t->m, ptr_to_hva(t->ram), size, t->gpa);
	mt_assert(!ret, "add_region: %s", strerror(-ret));
	mt_populate(t, MMIRROR_POPULATE_FAULT | MMIRROR_POPULATE_WRITE);
	mt_drain(t);
	mt_clear_events(t);
}

static void mt_collect(void *opaque, const struct mmirror_event *ev)
{
	struct mt *t = opaque;

	if (t->nevents < MT_EVENTS_MAX)
		t->events[t->nevents++] = *ev;
}

void mt_drain(struct mt *t)
{
	int n = mmu_drain(t->m, mt_collect, t);

	mt_assert(n >= 0, "drain: %s", strerror(-n));
}

void mt_clear_events(struct mt *t)
{
	t->nevents = 0;
}

void mt_print_events(struct mt *t)
{
	char buf[256];
	size_t i;

	for (i = 0; i < t->nevents; i++) {
		mmu_format_event(buf, sizeof(buf), &t->events[i]);
		printf("  %s\n", buf);
	}
}

const struct mmirror_event *mt_find(struct mt *t, int cb, int ev, uint64_t start, uint64_t end)
{
	size_t i;

	for (i = 0; i < t->nevents; i++) {
		const struct mmirror_event *e = &t->events[i];

		if (e->callback != cb || (ev >= 0 && e->event != ev))
			continue;
		if (e->gpa_start <= start && e->gpa_end >= end)
			return e;
	}
	return NULL;
}

const struct mmirror_event *mt_expect(struct mt *t, int cb, int ev, uint64_t start, uint64_t end)
{
	const struct mmirror_event *e;
	char buf[256];

	mt_drain(t);
	e = mt_find(t, cb, ev, start, end);
	if (!e) {
		printf("records seen:\n");
		mt_print_events(t);
		mt_fail("no %s %s record covering gpa [0x%llx, 0x%llx)", mmu_callback_name(cb),
			ev >= 0 ? mmu_event_type_name(ev) : "(any)", (unsigned long long)start,
			(unsigned long long)end);
	}
	mmu_format_event(buf, sizeof(buf), e);
	printf("  got: %s\n", buf);
	return e;
}

bool mt_offers(struct mt *t, int cb)
{
	struct mmirror_stats st;

	mt_assert(!mmu_get_stats(t->m, &st), "stats");
	return !st.callbacks_offered || (st.callbacks_offered & (1ULL << cb));
}

void mt_expect_offered(struct mt *t, int cb, int ev, uint64_t start, uint64_t end)
{
	if (mt_offers(t, cb)) {
		mt_expect(t, cb, ev, start, end);
		return;
	}
	mt_drain(t);
	mt_assert(!mt_find(t, cb, -1, ~0ULL, 0), "a %s record from a kernel that has no %s",
		  mmu_callback_name(cb), mmu_callback_name(cb));
	printf("  %s: this kernel has no such callback (none came)\n", mmu_callback_name(cb));
}

struct mmu_check_result mt_coherent(struct mt *t, const char *when)
{
	struct mmu_check_result res;
	int bad = mmu_check(t->m, &res);

	mt_assert(bad >= 0, "mmu_check: %s", strerror(-bad));
	printf("  coherent %s: %llu entries, %llu present, pfn %s, huge %s\n", when,
	       (unsigned long long)res.entries, (unsigned long long)res.present,
	       res.pfn_checked ? "checked" : "not visible", res.huge_checked ? "checked" : "n/a");
	if (bad)
		mt_fail("%s: %d bad entries (stale %llu, pfn %llu, huge %llu, writable %llu), "
			"first at gpa 0x%llx",
			when, bad, (unsigned long long)res.stale,
			(unsigned long long)res.pfn_mismatch, (unsigned long long)res.huge_mismatch,
			(unsigned long long)res.writable_ro, (unsigned long long)res.first_bad.v);
	return res;
}

uint64_t mt_gpa_of(struct mt *t, const void *p)
{
	return t->gpa.v + (uint64_t)((const uint8_t *)p - t->ram);
}

uint64_t mt_entry(struct mt *t, const void *p)
{
	return mmu_entry(t->m, GPA(mt_gpa_of(t, p)));
}

int mt_count_present(struct mt *t, const void *p, size_t len)
{
	size_t off;
	int n = 0;

	for (off = 0; off < len; off += MT_PAGE)
		n += mmu_pte_present(mt_entry(t, (const uint8_t *)p + off));
	return n;
}

bool mt_privileged(void)
{
	return geteuid() == 0;
}

bool mt_kernel_tells_read_only(void)
{
	FILE *f = fopen("/proc/kallsyms", "r");
	char line[256];
	bool found = false;

	mt_assert(f, "/proc/kallsyms: cannot open");
	while (!found && fgets(line, sizeof(line), f))
		found = strstr(line, " __ksymtab_mmu_notifier_range_update_to_read_only\n") != NULL;
	fclose(f);
	return found;
}

int mt_read_int(const char *path)
{
	FILE *f = fopen(path, "r");
	int v = -1;

	if (!f)
		return -1;
	if (fscanf(f, "%d", &v) != 1)
		v = -1;
	fclose(f);
	return v;
}

void mt_write_file(const char *path, const char *s)
{
	FILE *f = fopen(path, "w");

	mt_assert(f, "open %s: %s", path, strerror(errno));
	mt_assert(fputs(s, f) >= 0 && fclose(f) == 0, "write %s: %s", path, strerror(errno));
}
