/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Mirror traces: what `mirrorvm run --trace FILE` records and `mirrorvm report` draws. A trace is
 * a header followed by records, each a snapshot of the mirror's view of guest RAM (one state byte
 * per 4 KiB page) or one notifier event, stamped with nanoseconds since the start of the run.
 * All fields are little-endian (the only host this runs on is x86-64).
 */
#ifndef MIRRORVM_TRACE_H
#define MIRRORVM_TRACE_H

#include <stdint.h>
#include <stdio.h>

#define TRACE_MAGIC "MVTRACE1"
#define TRACE_VERSION 1
#define TRACE_MAX_PAGES (1ULL << 26) /* 256 GiB of guest RAM */

/* What the mirror says of one guest page, in order of how much a picture should show it. */
enum trace_page_state {
	TRACE_ABSENT = 0, /* never mapped by the mirror */
	TRACE_PRESENT = 1, /* mapped, 4 KiB, not accessed since the last ageing pass */
	TRACE_YOUNG = 2, /* mapped and accessed */
	TRACE_HUGE = 3, /* mapped as part of a 2 MiB page */
	TRACE_EVICTED = 4, /* unmapped by an invalidation (reclaim, DONTNEED, ...) */
	TRACE_NR_STATES
};

enum trace_rec_type {
	TRACE_REC_SNAPSHOT = 1,
	TRACE_REC_EVENT = 2,
};

struct trace_header {
	char magic[8];
	uint32_t version;
	uint32_t page_shift;
	uint64_t gpa_base;
	uint64_t npages;
};

struct trace_rec {
	uint32_t type;
	uint32_t len; /* payload bytes after this header */
	uint64_t time_ns;
};

/* A snapshot's payload is npages state bytes, one per page from gpa_base. */

struct trace_event {
	uint32_t kind; /* the module's callback kind */
	uint32_t event; /* the mmu_notifier_event, where the callback has one */
	uint64_t gpa_start;
	uint64_t gpa_end;
};

struct trace_writer {
	FILE *f;
	uint64_t npages;
};

int trace_open_write(struct trace_writer *w, const char *path, uint64_t gpa_base, uint64_t npages);
int trace_write_snapshot(struct trace_writer *w, uint64_t time_ns, const uint8_t *states);
int trace_write_event(struct trace_writer *w, uint64_t time_ns, const struct trace_event *ev);
int trace_close_write(struct trace_writer *w);

/* A whole trace in memory, for the report. */
struct trace {
	struct trace_header hdr;
	uint8_t **snap; /* nsnap snapshots of hdr.npages states */
	uint64_t *snap_time; /* ns */
	size_t nsnap;
	struct trace_event *ev;
	uint64_t *ev_time;
	size_t nev;
};

/* 0, or -errno with a message in err (bad magic, truncated record, ...). */
int trace_load(struct trace *t, const char *path, char *err, size_t errlen);
void trace_free(struct trace *t);

const char *trace_state_name(enum trace_page_state s);

#endif
