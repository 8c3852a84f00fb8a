// SPDX-License-Identifier: GPL-2.0
/* Control commands about the notifier trace: events [--follow] [--type T], stats. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ctl_server.h"
#include "../evhub.h"
#include "mmu.h"
#include "../vm.h"

#define EVENTS_RECENT 64
#define FILTER_CALLBACK 256 /* filters >= this name a callback, below an event type */

/* A --type name: an event type (CLEAR, UNMAP, ...) or a callback (invalidate, clear_young...). */
static int parse_filter(const char *name)
{
	for (unsigned int i = 0; i < MMIRROR_EV_MAX; i++)
		if (!strcasecmp(name, mmu_event_type_name(i)))
			return (int)i;
	for (unsigned int i = 0; i < MMIRROR_CB_MAX; i++)
		if (!strcasecmp(name, mmu_callback_name(i)))
			return FILTER_CALLBACK + (int)i;
	return -1;
}

static bool filter_match(int filter, const struct mmirror_event *ev)
{
	if (filter < 0)
		return true;
	if (filter >= FILTER_CALLBACK)
		return ev->callback == filter - FILTER_CALLBACK;
	return ev->event == filter;
}

static void event_line(struct ctl_out *o, enum ctl_format fmt, const struct mmirror_event *ev)
{
	char buf[256];

	if (fmt == CTL_TEXT) {
		mmu_format_event(buf, sizeof(buf), ev);
		ctl_printf(o, "%s", buf);
		return;
	}
	ctl_printf(o,
		   "{\"seq\":%llu,\"time_ns\":%llu,\"callback\":\"%s\",\"event\":\"%s\","
		   "\"gpa_start\":%llu,\"gpa_end\":%llu,\"hva_start\":%llu,\"hva_end\":%llu,"
		   "\"pages\":%u,\"blockable\":%s,\"huge\":%s,\"young\":%u,\"downgrade\":%s,"
		   "\"calls\":%u,\"range_start\":%s,\"range_end\":%s}",
		   (unsigned long long)ev->seq, (unsigned long long)ev->time_ns,
		   mmu_callback_name(ev->callback), mmu_event_type_name(ev->event),
		   (unsigned long long)ev->gpa_start, (unsigned long long)ev->gpa_end,
		   (unsigned long long)ev->hva_start, (unsigned long long)ev->hva_end, ev->pages,
		   ev->flags & MMIRROR_EVF_BLOCKABLE ? "true" : "false",
		   ev->flags & MMIRROR_EVF_HUGE ? "true" : "false", ev->young,
		   ev->flags & MMIRROR_EVF_DOWNGRADE ? "true" : "false", ev->calls,
		   ev->flags & MMIRROR_EVF_RANGE_START ? "true" : "false",
		   ev->flags & MMIRROR_EVF_RANGE_END ? "true" : "false");
}

/* Writes matching records from f->cursor on, and a note for any the hub dropped meanwhile. */
static void events_since(struct evhub *hub, struct ctl_follow *f, enum ctl_format fmt,
			 struct ctl_out *o)
{
	struct mmirror_event ev[128];
	uint64_t missed;
	size_t n;

	while ((n = evhub_read(hub, &f->cursor, ev, 128, &missed))) {
		if (missed && fmt == CTL_TEXT)
			ctl_printf(o, "... %llu records not shown (the follower fell behind)",
				   (unsigned long long)missed);
		for (size_t i = 0; i < n; i++)
			if (filter_match(f->filter, &ev[i]))
				event_line(o, fmt, &ev[i]);
	}
}

/*
 * The last EVENTS_RECENT records that pass the filter, from the whole hub: on a kernel whose
 * DAMON or MGLRU ages memory all the time (7.x), the newest records are mostly clear_young and
 * test_young, and a type asked for would otherwise fall out of a window of the newest 64.
 */
static void events_recent(struct evhub *hub, int filter, enum ctl_format fmt, struct ctl_out *o)
{
	struct mmirror_event keep[EVENTS_RECENT];
	struct mmirror_event ev[128];
	uint64_t cursor = evhub_oldest(hub), missed, kept = 0;
	size_t n;

	while ((n = evhub_read(hub, &cursor, ev, 128, &missed)))
		for (size_t i = 0; i < n; i++)
			if (filter_match(filter, &ev[i]))
				keep[kept++ % EVENTS_RECENT] = ev[i];
	for (uint64_t i = kept > EVENTS_RECENT ? kept - EVENTS_RECENT : 0; i < kept; i++)
		event_line(o, fmt, &keep[i % EVENTS_RECENT]);
}

static void events_follow(void *opaque, struct ctl_follow *f, enum ctl_format fmt,
			  struct ctl_out *o)
{
	struct evhub *hub = vm_mirror_hub(opaque);

	if (hub)
		events_since(hub, f, fmt, o);
}

static int events_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		     struct ctl_follow *f)
{
	struct evhub *hub = vm_mirror_hub(opaque);
	bool follow = false;

	if (!hub) {
		ctl_error(o, "state", "the mirror is off (mmirror.ko not loaded, or --no-mirror)");
		return 0;
	}
	for (int i = 1; i < req->argc; i++) {
		if (!strcmp(req->argv[i], "--follow")) {
			follow = true;
		} else if (!strcmp(req->argv[i], "--type") && i + 1 < req->argc) {
			f->filter = parse_filter(req->argv[++i]);
			if (f->filter < 0) {
				ctl_error(o, "usage", "unknown event type or callback '%s'",
					  req->argv[i]);
				return 0;
			}
		} else {
			ctl_error(o, "usage", "usage: events [--follow] [--type T]");
			return 0;
		}
	}
	if (follow) {
		/* A follower wants what happens from now on, not the history. */
		f->cursor = evhub_newest(hub);
		return CTL_FOLLOW;
	}
	events_recent(hub, f->filter, req->format, o);
	ctl_ok(o);
	return 0;
}

static int stats_fn(void *opaque, const struct ctl_request *req, struct ctl_out *o,
		    struct ctl_follow *f)
{
	struct mmu_mirror *m = vm_mirror_mmu(opaque);
	struct mmirror_stats st;
	char *text = NULL;
	size_t len = 0;
	FILE *mf;
	int ret;

	if (!m) {
		ctl_error(o, "state", "the mirror is off (mmirror.ko not loaded, or --no-mirror)");
		return 0;
	}
	ret = mmu_get_stats(m, &st);
	if (ret) {
		ctl_error(o, "internal", "reading the counters: %s", strerror(-ret));
		return 0;
	}
	if (req->format == CTL_JSON) {
		char cb[600] = "", ev[600] = "";
		int n = 0, k = 0;

		for (unsigned int i = 0; i < MMIRROR_CB_MAX; i++)
			if (st.callbacks[i])
				n += snprintf(cb + n, sizeof(cb) - n, "%s\"%s\":%llu", n ? "," : "",
					      mmu_callback_name(i),
					      (unsigned long long)st.callbacks[i]);
		for (unsigned int i = 0; i < MMIRROR_EV_MAX; i++)
			if (st.events[i])
				k += snprintf(ev + k, sizeof(ev) - k, "%s\"%s\":%llu", k ? "," : "",
					      mmu_event_type_name(i),
					      (unsigned long long)st.events[i]);
		ctl_printf(o,
			   "{\"callbacks\":{%s},\"events\":{%s},\"ring_records\":%llu,"
			   "\"ring_lost\":%llu,\"seq_gaps\":%llu,\"populates\":%llu,"
			   "\"populate_retries\":%llu,\"pages_invalidated\":%llu}",
			   cb, ev, (unsigned long long)st.ring_records,
			   (unsigned long long)st.ring_lost, (unsigned long long)mmu_seq_gaps(m),
			   (unsigned long long)st.populates,
			   (unsigned long long)st.populate_retries,
			   (unsigned long long)st.pages_invalidated);
		ctl_ok(o);
		return 0;
	}
	mf = open_memstream(&text, &len);
	if (!mf) {
		ctl_error(o, "internal", "out of memory");
		return 0;
	}
	mmu_print_stats(mf, &st);
	fprintf(mf, "seq_gaps=%llu (records the VMM saw missing from the ring)",
		(unsigned long long)mmu_seq_gaps(m));
	fclose(mf);
	ctl_printf(o, "%s", text);
	free(text);
	ctl_ok(o);
	return 0;
}

static const struct ctl_command events_cmd = {
	.name = "events",
	.usage = "[--follow] [--type T]",
	.help = "the notifier trace (recent records, or live with --follow)",
	.max_args = 3,
	.fn = events_fn,
	.follow = events_follow,
};
static const struct ctl_command stats_cmd = {
	.name = "stats",
	.usage = "",
	.help = "callbacks, event types, lost records, retries",
	.fn = stats_fn,
};
CTL_COMMAND(events_cmd);
CTL_COMMAND(stats_cmd);
