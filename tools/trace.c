// SPDX-License-Identifier: GPL-2.0
/* Writing and reading mirror traces (tools/trace.h). */
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "trace.h"

#define TRACE_MAX_RECORDS (1U << 24)

static const char *const state_names[TRACE_NR_STATES] = {
	[TRACE_ABSENT] = "absent", [TRACE_PRESENT] = "present", [TRACE_YOUNG] = "young",
	[TRACE_HUGE] = "huge",	   [TRACE_EVICTED] = "evicted",
};

const char *trace_state_name(enum trace_page_state s)
{
	return (unsigned int)s < TRACE_NR_STATES ? state_names[s] : "?";
}

static int write_rec(struct trace_writer *w, uint32_t type, uint64_t time_ns, const void *p,
		     size_t len)
{
	struct trace_rec r = { .type = type, .len = (uint32_t)len, .time_ns = time_ns };

	if (fwrite(&r, sizeof(r), 1, w->f) != 1 || fwrite(p, 1, len, w->f) != len)
		return -EIO;
	return 0;
}

int trace_open_write(struct trace_writer *w, const char *path, uint64_t gpa_base, uint64_t npages)
{
	struct trace_header h = { .version = TRACE_VERSION, .page_shift = 12 };

	if (!npages || npages > TRACE_MAX_PAGES)
		return -EINVAL;
	memcpy(h.magic, TRACE_MAGIC, sizeof(h.magic));
	h.gpa_base = gpa_base;
	h.npages = npages;
	w->f = fopen(path, "wb");
	if (!w->f)
		return -errno;
	w->npages = npages;
	if (fwrite(&h, sizeof(h), 1, w->f) != 1) {
		fclose(w->f);
		w->f = NULL;
		return -EIO;
	}
	return 0;
}

int trace_write_snapshot(struct trace_writer *w, uint64_t time_ns, const uint8_t *states)
{
	return write_rec(w, TRACE_REC_SNAPSHOT, time_ns, states, w->npages);
}

int trace_write_event(struct trace_writer *w, uint64_t time_ns, const struct trace_event *ev)
{
	return write_rec(w, TRACE_REC_EVENT, time_ns, ev, sizeof(*ev));
}

int trace_close_write(struct trace_writer *w)
{
	int ret = 0;

	if (!w->f)
		return 0;
	if (fflush(w->f) || ferror(w->f))
		ret = -EIO;
	if (fclose(w->f))
		ret = -EIO;
	w->f = NULL;
	return ret;
}

static int fail(char *err, size_t errlen, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return ret;
}

/* Makes room for element n of an array that doubles at powers of two; -ENOMEM keeps it. */
static int grow(void **arr, size_t n, size_t elem)
{
	void *p;

	if (n & (n - 1))
		return 0;
	p = realloc(*arr, (n ? 2 * n : 1) * elem);
	if (!p)
		return -ENOMEM;
	*arr = p;
	return 0;
}

static int load_snapshot(struct trace *t, FILE *f, const struct trace_rec *r)
{
	uint8_t *s;

	if (grow((void **)&t->snap, t->nsnap, sizeof(*t->snap)) ||
	    grow((void **)&t->snap_time, t->nsnap, sizeof(*t->snap_time)))
		return -ENOMEM;
	s = malloc(t->hdr.npages);
	if (!s)
		return -ENOMEM;
	if (fread(s, 1, t->hdr.npages, f) != t->hdr.npages) {
		free(s);
		return -EIO;
	}
	for (uint64_t i = 0; i < t->hdr.npages; i++) {
		if (s[i] >= TRACE_NR_STATES) {
			free(s);
			return -EINVAL;
		}
	}
	t->snap[t->nsnap] = s;
	t->snap_time[t->nsnap++] = r->time_ns;
	return 0;
}

static int load_event(struct trace *t, FILE *f, const struct trace_rec *r)
{
	if (grow((void **)&t->ev, t->nev, sizeof(*t->ev)) ||
	    grow((void **)&t->ev_time, t->nev, sizeof(*t->ev_time)))
		return -ENOMEM;
	if (fread(&t->ev[t->nev], sizeof(*t->ev), 1, f) != 1)
		return -EIO;
	t->ev_time[t->nev++] = r->time_ns;
	return 0;
}

static int load_records(struct trace *t, FILE *f, char *err, size_t errlen)
{
	struct trace_rec r;
	size_t n = 0;
	int ret;

	while (fread(&r, sizeof(r), 1, f) == 1) {
		if (++n > TRACE_MAX_RECORDS)
			return fail(err, errlen, -E2BIG, "more than %u records", TRACE_MAX_RECORDS);
		if (r.type == TRACE_REC_SNAPSHOT && r.len == t->hdr.npages)
			ret = load_snapshot(t, f, &r);
		else if (r.type == TRACE_REC_EVENT && r.len == sizeof(struct trace_event))
			ret = load_event(t, f, &r);
		else
			return fail(err, errlen, -EINVAL, "record %zu: bad type %u or length %u", n,
				    r.type, r.len);
		if (ret == -EIO)
			return fail(err, errlen, ret, "record %zu is truncated", n);
		if (ret == -EINVAL)
			return fail(err, errlen, ret, "record %zu has an unknown page state", n);
		if (ret)
			return fail(err, errlen, ret, "out of memory at record %zu", n);
	}
	if (!feof(f))
		return fail(err, errlen, -EIO, "read error");
	if (!n)
		return fail(err, errlen, -EINVAL, "no records");
	return 0;
}

int trace_load(struct trace *t, const char *path, char *err, size_t errlen)
{
	FILE *f;
	int ret;

	memset(t, 0, sizeof(*t));
	f = fopen(path, "rb");
	if (!f)
		return fail(err, errlen, -errno, "cannot open: %s", strerror(errno));
	if (fread(&t->hdr, sizeof(t->hdr), 1, f) != 1 ||
	    memcmp(t->hdr.magic, TRACE_MAGIC, sizeof(t->hdr.magic))) {
		ret = fail(err, errlen, -EINVAL, "not a mirrorvm trace (bad magic)");
		goto out;
	}
	if (t->hdr.version != TRACE_VERSION || t->hdr.page_shift != 12 || !t->hdr.npages ||
	    t->hdr.npages > TRACE_MAX_PAGES) {
		ret = fail(err, errlen, -EINVAL, "unsupported trace (version %u, %llu pages)",
			   t->hdr.version, (unsigned long long)t->hdr.npages);
		goto out;
	}
	ret = load_records(t, f, err, errlen);
out:
	fclose(f);
	if (ret)
		trace_free(t);
	return ret;
}

void trace_free(struct trace *t)
{
	for (size_t i = 0; i < t->nsnap; i++)
		free(t->snap[i]);
	free(t->snap);
	free(t->snap_time);
	free(t->ev);
	free(t->ev_time);
	memset(t, 0, sizeof(*t));
}
