// SPDX-License-Identifier: GPL-2.0
/*
 * Traces round-trip and refuse damaged files; the report is well-formed XML whose cells cover
 * the grid exactly once and show, for each cell, the majority state of its pages (computed here
 * independently), and whose event bars add up to the trace's events.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report.h"
#include "tap.h"

#define NPAGES 1000
#define NSNAP 37
#define NEV 500

static uint8_t state_at(size_t snap, uint64_t page)
{
	/* Bands that move with time, plus noise, so runs and majorities both get exercised. */
	uint64_t x = (page + snap * 13) / 50 + (page * 2654435761u >> 7) % 3;

	return (uint8_t)(x % TRACE_NR_STATES);
}

static void make_trace(const char *path)
{
	struct trace_writer w;
	uint8_t s[NPAGES];
	size_t ev = 0;

	if (trace_open_write(&w, path, 0x100000, NPAGES))
		abort();
	for (size_t i = 0; i < NSNAP; i++) {
		for (uint64_t p = 0; p < NPAGES; p++)
			s[p] = state_at(i, p);
		trace_write_snapshot(&w, i * 100000000ULL, s);
		for (; ev < (i + 1) * NEV / NSNAP; ev++) {
			struct trace_event e = { .kind = ev % 3,
						 .event = 1,
						 .gpa_start = ev << 12,
						 .gpa_end = (ev + 1) << 12 };

			trace_write_event(&w, i * 100000000ULL + ev, &e);
		}
	}
	if (trace_close_write(&w))
		abort();
}

/* Tags balance, attributes are quoted, nothing is left open: enough of XML for our output. */
static int well_formed(const char *doc)
{
	const char *stack[64], *p = doc;
	size_t stack_len[64];
	int depth = 0;

	while ((p = strchr(p, '<'))) {
		const char *end = strchr(p, '>'), *name = p + 1;
		size_t n;

		if (!end)
			return 0;
		if (p[1] == '?' || p[1] == '!') {
			p = end + 1;
			continue;
		}
		if (p[1] == '/')
			name++;
		n = strcspn(name, " />\n");
		if (p[1] == '/') {
			if (!depth || stack_len[depth - 1] != n ||
			    strncmp(stack[depth - 1], name, n))
				return 0;
			depth--;
		} else if (end[-1] != '/') {
			if (depth == 64)
				return 0;
			stack[depth] = name;
			stack_len[depth++] = n;
		}
		for (const char *q = p; q < end; q++)
			if (*q == '=' && q[1] != '"')
				return 0;
		p = end + 1;
	}
	return depth == 0;
}

static int majority(size_t snap, uint64_t first, uint64_t end)
{
	uint64_t count[TRACE_NR_STATES] = { 0 };
	int best = 0;

	for (uint64_t p = first; p < end; p++)
		count[state_at(snap, p)]++;
	for (int i = 1; i < TRACE_NR_STATES; i++)
		if (count[i] >= count[best])
			best = i;
	return best;
}

static void check_cells(const char *doc, const struct trace *t, const char *what)
{
	struct report_opts o = { .max_cols = 20, .max_rows = 64 };
	struct report_grid g;
	static unsigned char seen[20][64];
	const char *p = doc;
	int bad = 0, cells = 0, gaps = 0;
	unsigned long long evsum = 0;

	report_grid(t, &o, &g);
	memset(seen, 0, sizeof(seen));
	while ((p = strstr(p, "data-col=\""))) {
		size_t col;
		unsigned long long row, rows;
		char state[16];

		if (sscanf(p,
			   "data-col=\"%zu\" data-row=\"%llu\" data-rows=\"%llu\" "
			   "data-state=\"%15[a-z]\"",
			   &col, &row, &rows, state) != 4)
			break;
		for (uint64_t r = row; r < row + rows; r++) {
			uint64_t first = r * NPAGES / g.nrows, end = (r + 1) * NPAGES / g.nrows;
			size_t snap = col * NSNAP / g.ncols;

			bad += strcmp(state, trace_state_name(majority(snap, first, end))) != 0;
			bad += col >= 20 || r >= 64 || seen[col][r]++;
			cells++;
		}
		p++;
	}
	for (size_t c = 0; c < g.ncols; c++)
		for (uint64_t r = 0; r < g.nrows; r++)
			gaps += !seen[c][r];
	for (p = doc; (p = strstr(p, "data-count=\"")); p++)
		evsum += strtoull(p + 12, NULL, 10);
	is_int(cells, (long long)(g.ncols * g.nrows), "%s: every cell drawn once", what);
	is_int(gaps, 0, "%s: no cell missing", what);
	is_int(bad, 0, "%s: every cell shows the majority state of its pages", what);
	is_int(evsum, NEV, "%s: event bars add up to the trace's events", what);
}

static char *render(const struct trace *t, int html)
{
	struct report_opts o = { .max_cols = 20, .max_rows = 64, .title = "a <test> & \"more\"" };
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (html ? report_write_html(f, t, &o) : report_write_svg(f, t, &o))
		printf("# render failed\n");
	fclose(f);
	return buf;
}

static void damaged(const char *path, const char *good, long cut, const char *what)
{
	char cmd[512], err[160];
	struct trace t;

	snprintf(cmd, sizeof(cmd), "head -c %ld %s > %s", cut, good, path);
	if (system(cmd))
		abort();
	ok(trace_load(&t, path, err, sizeof(err)) < 0, "%s is refused (%s)", what, err);
}

int main(void)
{
	char path[] = "/tmp/mirrorvm-trace-XXXXXX", bad[] = "/tmp/mirrorvm-bad-XXXXXX";
	char err[160], *svg, *html;
	struct trace t;
	int fd = mkstemp(path), fd2 = mkstemp(bad);

	close(fd);
	close(fd2);
	make_trace(path);
	if (!ok(trace_load(&t, path, err, sizeof(err)) == 0, "trace loads (%s)", err))
		return tap_done();
	is_int(t.nsnap, NSNAP, "all snapshots read back");
	is_int(t.nev, NEV, "all events read back");
	is_int(t.snap[5][123], state_at(5, 123), "a page state reads back");

	svg = render(&t, 0);
	html = render(&t, 1);
	ok(well_formed(svg), "SVG is well-formed");
	ok(well_formed(html), "HTML is well-formed (XHTML-compatible)");
	ok(strstr(svg, "a &lt;test&gt; &amp; &quot;more&quot;") != NULL, "title is escaped");
	check_cells(svg, &t, "SVG");
	check_cells(html, &t, "HTML");
	free(svg);
	free(html);
	trace_free(&t);

	damaged(bad, path, 10, "a truncated header");
	damaged(bad, path, sizeof(struct trace_header) + sizeof(struct trace_rec) + 10,
		"a truncated snapshot");
	if (system("printf NOTATRACE............................. > /tmp/mirrorvm-notatrace"))
		abort();
	ok(trace_load(&t, "/tmp/mirrorvm-notatrace", err, sizeof(err)) < 0,
	   "a file with the wrong magic is refused (%s)", err);
	ok(trace_load(&t, "/nonexistent/trace", err, sizeof(err)) < 0,
	   "a missing file is refused (%s)", err);
	unlink("/tmp/mirrorvm-notatrace");
	unlink(path);
	unlink(bad);
	return tap_done();
}
