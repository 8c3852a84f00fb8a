// SPDX-License-Identifier: GPL-2.0
/*
 * The reports of `mirrorvm stress`: summary table, coverage of callbacks x event types, JSON.
 * Pure formatting over struct stress_run, so the unit tests check it without KVM.
 */
#include <inttypes.h>

#include "stress.h"

static const char *const ev_names[STRESS_NR_EV] = {
	"UNMAP",   "CLEAR",	"PROTECTION_VMA", "PROTECTION_PAGE", "SOFT_DIRTY", "RELEASE",
	"MIGRATE", "EXCLUSIVE", "none",
};

/* The coverage table's column heads: the names above, fitted to 10 columns. */
static const char *const ev_short[STRESS_NR_EV] = {
	"UNMAP",   "CLEAR",   "PROT_VMA",  "PROT_PAGE", "SOFT_DIRTY",
	"RELEASE", "MIGRATE", "EXCLUSIVE", "none",
};

static const char *const cb_names[STRESS_NR_CB] = {
	"invalidate",  "range_start", "range_end",  "clear_flush_young",
	"clear_young", "test_young",  "change_pte", "release",
};

/*
 * Why an event type stays at zero for what the scenarios do to guest RAM (private anonymous,
 * MADV_DONTFORK), on every kernel from 6.1 to 7.2.
 */
static const char *const ev_absent_why[STRESS_NR_EV] = {
	[MMIRROR_EV_PROTECTION_PAGE] = "sent by writeback's folio_mkclean (shared file pages) and "
				       "fork's write-protect of COW pages; guest RAM is neither",
	[MMIRROR_EV_RELEASE] = "sent only to the interval notifiers of an mm torn down with the "
			       "mirror open; the VMM unregisters first",
	[MMIRROR_EV_MIGRATE] = "only migrate_vma_* (device memory); the migrate scenario's "
			       "move_pages invalidates with CLEAR (try_to_migrate_one)",
	[MMIRROR_EV_EXCLUSIVE] = "only make_device_exclusive (device drivers' atomics)",
};

/*
 * Why a callback may stay at zero in a run, on this kernel; NULL where nothing explains it,
 * which makes a zero a coverage gap.
 */
static const char *cb_absent_why(const struct stress_run *run, unsigned int cb, char *buf,
				 size_t len)
{
	const struct stress_kernel *k = &run->kernel;
	bool damon_ran = false;

	for (unsigned int i = 0; i < run->nr_results; i++)
		damon_ran |= run->result[i].damon;
	switch (cb) {
	case MMIRROR_CB_CLEAR_YOUNG:
	case MMIRROR_CB_TEST_YOUNG:
		if (damon_ran)
			return NULL;
		snprintf(buf, len, "%spage_idle (IDLE_PAGE_TRACKING) and DAMON ask it; %s",
			 cb == MMIRROR_CB_TEST_YOUNG ? "khugepaged's scan (an old PTE), " : "only ",
			 k->damon ? "only the ageing scenario drives DAMON; its phase did not run"
			 : k->page_idle ? "this kernel has page_idle, which no scenario drives"
					: "this kernel has neither");
		return buf;
	case MMIRROR_CB_CHANGE_PTE:
		if (k->cb_offered & (1U << cb))
			return NULL;
		snprintf(buf, len,
			 "this kernel has no change_pte (gone in 6.9: KSM and COW "
			 "invalidate instead)");
		return buf;
	case MMIRROR_CB_RELEASE:
		return "only an mm torn down with the mirror still open (teardown's children, "
		       "whose "
		       "rings die with them); a VMM that closes first unregisters";
	default:
		return NULL;
	}
}

const char *stress_ev_name(unsigned int i)
{
	return i < STRESS_NR_EV ? ev_names[i] : "?";
}

const char *stress_cb_name(unsigned int i)
{
	return i < STRESS_NR_CB ? cb_names[i] : "?";
}

unsigned int stress_ev_index(unsigned int event)
{
	return event < STRESS_EV_NONE ? event : STRESS_EV_NONE;
}

static uint64_t events_of(const struct stress_result *r, unsigned int ev)
{
	uint64_t n = 0;

	for (unsigned int cb = 0; cb < STRESS_NR_CB; cb++)
		n += r->events[cb][ev];
	return n;
}

uint64_t stress_total_failures(const struct stress_run *run)
{
	uint64_t n = 0;

	for (unsigned int i = 0; i < run->nr_results; i++)
		n += run->result[i].failures;
	return n;
}

/* The mirror's ring over the run: zero lost is the goal; merged ageing callbacks say why. */
static void print_ring(FILE *f, const struct stress_run *run)
{
	uint64_t records = 0, merged = 0, folded = 0, lost = 0;
	bool any = false;

	for (unsigned int i = 0; i < run->nr_results; i++) {
		const struct stress_result *r = &run->result[i];

		if (!r->ran || !r->ring)
			continue;
		any = true;
		records += r->ring_records;
		merged += r->ring_merged;
		folded += r->ring_folded;
		lost += r->ring_lost;
	}
	if (!any)
		return;
	fprintf(f,
		"ring: %" PRIu64 " records, %" PRIu64 " ageing callbacks merged and %" PRIu64
		" range starts and ends folded into them, %" PRIu64 " lost",
		records, merged, folded, lost);
	any = false;
	for (unsigned int i = 0; i < run->nr_results; i++) {
		const struct stress_result *r = &run->result[i];

		if (!r->ran || !r->ring || !r->ring_lost)
			continue;
		fprintf(f, "%s%s %" PRIu64, any ? ", " : " (", r->name, r->ring_lost);
		any = true;
	}
	fprintf(f, "%s\n", any ? ")" : "");
}

void stress_print_summary(FILE *f, const struct stress_run *run)
{
	fprintf(f, "\n%-12s %7s %8s %8s %7s %8s  %s\n", "scenario", "rounds", "checks", "ops",
		"fails", "discard", "events by type");
	for (unsigned int i = 0; i < run->nr_results; i++) {
		const struct stress_result *r = &run->result[i];

		if (!r->ran) {
			fprintf(f, "%-12s skipped: %s\n", r->name, r->fail_text);
			continue;
		}
		fprintf(f,
			"%-12s %7" PRIu64 " %8" PRIu64 " %8" PRIu64 " %7" PRIu64 " %8" PRIu64 " ",
			r->name, r->rounds, r->checks, r->ops, r->failures, r->discarded_pages);
		for (unsigned int ev = 0; ev < STRESS_NR_EV; ev++)
			if (events_of(r, ev))
				fprintf(f, " %s=%" PRIu64, ev_names[ev], events_of(r, ev));
		fprintf(f, "%s\n", r->mirror_on ? "" : " (mirror off)");
		if (r->failures)
			fprintf(f, "%-12s   first failure: %s\n", "", r->fail_text);
	}
	for (unsigned int i = 0; i < run->nr_results; i++) {
		const struct stress_result *r = &run->result[i];

		if (!r->ran || !r->ageing)
			continue;
		for (int on = 1; on >= 0; on--)
			fprintf(f,
				"ageing: young answer %-3s: hot evicted %" PRIu64 "/%" PRIu64
				", cold evicted %" PRIu64 "/%" PRIu64 "\n",
				on ? "on" : "off", r->hot_evicted[on], r->hot_pages,
				r->cold_evicted[on], r->cold_pages);
		if (r->damon)
			fprintf(f,
				"ageing: DAMON on this process: clear_young %" PRIu64
				", test_young %" PRIu64 "\n",
				r->damon_clear_young, r->damon_test_young);
	}
	for (unsigned int i = 0; i < run->nr_results; i++) {
		const struct stress_result *r = &run->result[i];

		if (r->ran && r->mirror_on && (r->kept_report || r->kept))
			fprintf(f,
				"%s: %" PRIu64 " entries kept read-only (downgraded), %" PRIu64
				" made present again by the check points' populates\n",
				r->name, r->kept, r->repopulated);
		if (r->ran && r->ksm)
			fprintf(f,
				"ksm: %" PRIu64 " cycles, pages_sharing up to %" PRIu64 ", %" PRIu64
				" area pages merged, %" PRIu64 " unmerged by guest writes\n",
				r->ksm_cycles, r->ksm_sharing, r->ksm_merged, r->ksm_broken);
		if (r->ran && r->migrate)
			fprintf(f,
				"migrate: %" PRIu64 " move_pages calls, %" PRIu64 " pages moved to "
				"node 0, %" PRIu64 " to node 1, %" PRIu64 " stayed\n",
				r->move_calls, r->moved[0], r->moved[1], r->move_stayed);
	}
	print_ring(f, run);
	fprintf(f, "stress: %s (%" PRIu64 " failure%s)\n",
		stress_total_failures(run) ? "FAILED" : "passed", stress_total_failures(run),
		stress_total_failures(run) == 1 ? "" : "s");
}

static void print_absent_callbacks(FILE *f, const struct stress_run *run,
				   uint64_t sum[STRESS_NR_CB][STRESS_NR_EV])
{
	bool head = false;
	char why[200];
	const char *w;

	for (unsigned int cb = 0; cb < STRESS_NR_CB; cb++) {
		uint64_t n = 0;

		for (unsigned int ev = 0; ev < STRESS_NR_EV; ev++)
			n += sum[cb][ev];
		if (n)
			continue;
		if (!head)
			fprintf(f, "callbacks not seen in this run:\n");
		head = true;
		w = cb_absent_why(run, cb, why, sizeof(why));
		fprintf(f, "  %-17s %s\n", cb_names[cb], w ? w : "no reason known: a coverage gap");
	}
}

void stress_print_coverage(FILE *f, const struct stress_run *run)
{
	uint64_t sum[STRESS_NR_CB][STRESS_NR_EV] = { { 0 } };

	for (unsigned int i = 0; i < run->nr_results; i++)
		for (unsigned int cb = 0; cb < STRESS_NR_CB; cb++)
			for (unsigned int ev = 0; ev < STRESS_NR_EV; ev++)
				sum[cb][ev] += run->result[i].events[cb][ev];
	fprintf(f, "\ncoverage (callbacks by callback x event type, from the ring):\n%-18s", "");
	for (unsigned int ev = 0; ev < STRESS_NR_EV; ev++)
		fprintf(f, " %10s", ev_short[ev]);
	fprintf(f, "\n");
	for (unsigned int cb = 0; cb < STRESS_NR_CB; cb++) {
		fprintf(f, "%-18s", cb_names[cb]);
		for (unsigned int ev = 0; ev < STRESS_NR_EV; ev++)
			fprintf(f, " %10" PRIu64, sum[cb][ev]);
		fprintf(f, "\n");
	}
	fprintf(f, "kernel %s; event types these scenarios cannot produce:\n",
		run->kernel.release[0] ? run->kernel.release : "(unknown)");
	for (unsigned int ev = 0; ev < STRESS_NR_EV; ev++)
		if (ev_absent_why[ev])
			fprintf(f, "  %-15s %s\n", ev_names[ev], ev_absent_why[ev]);
	print_absent_callbacks(f, run, sum);
}

static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void json_events(FILE *f, const uint64_t ev[STRESS_NR_CB][STRESS_NR_EV])
{
	fprintf(f, "{");
	for (unsigned int cb = 0; cb < STRESS_NR_CB; cb++) {
		fprintf(f, "%s\"%s\": {", cb ? ", " : "", cb_names[cb]);
		for (unsigned int e = 0; e < STRESS_NR_EV; e++)
			fprintf(f, "%s\"%s\": %" PRIu64, e ? ", " : "", ev_names[e], ev[cb][e]);
		fprintf(f, "}");
	}
	fprintf(f, "}");
}

static void json_result(FILE *f, const struct stress_result *r)
{
	fprintf(f, "    {\"name\": ");
	json_str(f, r->name);
	fprintf(f,
		", \"status\": \"%s\", \"rounds\": %" PRIu64 ", \"guest_rounds\": %" PRIu64
		", \"checks\": %" PRIu64 ", \"ops\": %" PRIu64 ", \"discarded_pages\": %" PRIu64
		", \"failures\": %" PRIu64 ", \"stale\": %" PRIu64 ", \"huge_events\": %" PRIu64
		", \"huge_partial\": %" PRIu64
		", \"vm_status\": %d, \"mirror\": %s, \"first_failure\": ",
		!r->ran	      ? "skipped"
		: r->failures ? "failed"
			      : "passed",
		r->rounds, r->guest_rounds, r->checks, r->ops, r->discarded_pages, r->failures,
		r->stale, r->huge_events, r->huge_partial, r->vm_status,
		r->mirror_on ? "true" : "false");
	json_str(f, r->fail_text);
	if (r->ageing)
		fprintf(f,
			", \"ageing\": {\"hot_pages\": %" PRIu64 ", \"cold_pages\": %" PRIu64
			", \"young_on\": {\"hot_evicted\": %" PRIu64 ", \"cold_evicted\": %" PRIu64
			"}, \"young_off\": {\"hot_evicted\": %" PRIu64
			", \"cold_evicted\": %" PRIu64 "}}",
			r->hot_pages, r->cold_pages, r->hot_evicted[1], r->cold_evicted[1],
			r->hot_evicted[0], r->cold_evicted[0]);
	if (r->ksm)
		fprintf(f,
			", \"ksm\": {\"cycles\": %" PRIu64 ", \"pages_sharing\": %" PRIu64
			", \"merged\": %" PRIu64 ", \"unmerged\": %" PRIu64 "}",
			r->ksm_cycles, r->ksm_sharing, r->ksm_merged, r->ksm_broken);
	if (r->damon)
		fprintf(f,
			", \"damon\": {\"clear_young\": %" PRIu64 ", \"test_young\": %" PRIu64 "}",
			r->damon_clear_young, r->damon_test_young);
	if (r->migrate)
		fprintf(f,
			", \"migrate\": {\"calls\": %" PRIu64 ", \"to_node0\": %" PRIu64
			", \"to_node1\": %" PRIu64 ", \"stayed\": %" PRIu64 "}",
			r->move_calls, r->moved[0], r->moved[1], r->move_stayed);
	if (r->ring)
		fprintf(f,
			", \"ring\": {\"records\": %" PRIu64 ", \"merged\": %" PRIu64
			", \"folded\": %" PRIu64 ", \"lost\": %" PRIu64 "}",
			r->ring_records, r->ring_merged, r->ring_folded, r->ring_lost);
	fprintf(f, ", \"events\": ");
	json_events(f, r->events);
	fprintf(f, "}");
}

int stress_write_json(FILE *f, const struct stress_run *run)
{
	uint64_t sum[STRESS_NR_CB][STRESS_NR_EV] = { { 0 } };

	fprintf(f,
		"{\n  \"version\": 1, \"seed\": %" PRIu64 ", \"duration_ms\": %" PRIu64
		", \"mem\": %" PRIu64 ", \"cpus\": %u,\n  \"passed\": %s, \"failures\": %" PRIu64
		",\n",
		run->seed, run->duration_ms, run->mem_size, run->nr_cpus,
		stress_total_failures(run) ? "false" : "true", stress_total_failures(run));
	fprintf(f, "  \"kernel\": {\"release\": ");
	json_str(f, run->kernel.release);
	fprintf(f, ", \"page_idle\": %s, \"damon\": %s, \"callbacks_offered\": [",
		run->kernel.page_idle ? "true" : "false", run->kernel.damon ? "true" : "false");
	for (unsigned int cb = 0, n = 0; cb < STRESS_NR_CB; cb++)
		if (run->kernel.cb_offered & (1U << cb))
			fprintf(f, "%s\"%s\"", n++ ? ", " : "", cb_names[cb]);
	fprintf(f, "]},\n  \"scenarios\": [\n");
	for (unsigned int i = 0; i < run->nr_results; i++) {
		json_result(f, &run->result[i]);
		fprintf(f, "%s\n", i + 1 < run->nr_results ? "," : "");
		for (unsigned int cb = 0; cb < STRESS_NR_CB; cb++)
			for (unsigned int ev = 0; ev < STRESS_NR_EV; ev++)
				sum[cb][ev] += run->result[i].events[cb][ev];
	}
	fprintf(f, "  ],\n  \"coverage\": ");
	json_events(f, sum);
	fprintf(f, "\n}\n");
	return ferror(f) ? -1 : 0;
}
