// SPDX-License-Identifier: GPL-2.0
/*
 * The report: guest memory as the mirror saw it over a run. Time runs across, guest-physical
 * address down, one colour per page state; below, the notifier event rate over the same time
 * axis. Every cell carries data attributes naming its column, rows and state, so a test can
 * check the picture against the trace it came from.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "report.h"

#define X0 96
#define Y0 48
#define CHART_H 120
#define NR_KIND_COLOURS 8

static const char *const state_colour[TRACE_NR_STATES] = {
	[TRACE_ABSENT] = "#e6e6e6", [TRACE_PRESENT] = "#4caf50", [TRACE_YOUNG] = "#ff9800",
	[TRACE_HUGE] = "#1e63d6",   [TRACE_EVICTED] = "#d32f2f",
};

static const char *const kind_colour[NR_KIND_COLOURS] = {
	"#6a1b9a", "#00838f", "#ef6c00", "#2e7d32", "#c62828", "#283593", "#9e9d24", "#4e342e",
};

struct layout {
	struct report_grid g;
	unsigned int cw, rh; /* cell width, row height (px) */
	unsigned int w, h; /* heatmap size */
	uint64_t tmax; /* ns */
};

void report_grid(const struct trace *t, const struct report_opts *o, struct report_grid *g)
{
	size_t max_cols = o && o->max_cols ? o->max_cols : 480;
	uint64_t max_rows = o && o->max_rows ? o->max_rows : 256;

	g->ncols = t->nsnap < max_cols ? t->nsnap : max_cols;
	g->nrows = t->hdr.npages < max_rows ? t->hdr.npages : max_rows;
}

size_t report_col_snapshot(const struct trace *t, const struct report_grid *g, size_t col)
{
	return (size_t)((unsigned __int128)col * t->nsnap / g->ncols);
}

void report_row_pages(const struct trace *t, const struct report_grid *g, uint64_t row,
		      uint64_t *first, uint64_t *end)
{
	*first = (uint64_t)((unsigned __int128)row * t->hdr.npages / g->nrows);
	*end = (uint64_t)((unsigned __int128)(row + 1) * t->hdr.npages / g->nrows);
}

enum trace_page_state report_cell_state(const struct trace *t, const struct report_grid *g,
					size_t col, uint64_t row)
{
	const uint8_t *s = t->snap[report_col_snapshot(t, g, col)];
	uint64_t count[TRACE_NR_STATES] = { 0 }, first, end;
	int best = 0;

	report_row_pages(t, g, row, &first, &end);
	for (uint64_t p = first; p < end; p++)
		count[s[p]]++;
	for (int i = 1; i < TRACE_NR_STATES; i++)
		if (count[i] >= count[best])
			best = i;
	return best;
}

static void xml_text(FILE *out, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&':
			fputs("&amp;", out);
			break;
		case '<':
			fputs("&lt;", out);
			break;
		case '>':
			fputs("&gt;", out);
			break;
		case '"':
			fputs("&quot;", out);
			break;
		default:
			fputc(*s, out);
		}
	}
}

static void make_layout(const struct trace *t, const struct report_opts *o, struct layout *l)
{
	report_grid(t, o, &l->g);
	l->cw = l->g.ncols ? 960 / l->g.ncols : 1;
	l->cw = l->cw < 1 ? 1 : l->cw > 16 ? 16 : l->cw;
	l->rh = (unsigned int)(512 / l->g.nrows);
	l->rh = l->rh < 1 ? 1 : l->rh > 8 ? 8 : l->rh;
	l->w = (unsigned int)l->g.ncols * l->cw;
	l->h = (unsigned int)l->g.nrows * l->rh;
	l->tmax = 1;
	if (t->nsnap && t->snap_time[t->nsnap - 1] > l->tmax)
		l->tmax = t->snap_time[t->nsnap - 1];
	if (t->nev && t->ev_time[t->nev - 1] > l->tmax)
		l->tmax = t->ev_time[t->nev - 1];
}

/* One column, as runs of rows that share a state. */
static void svg_column(FILE *out, const struct trace *t, const struct layout *l, size_t col)
{
	uint64_t row = 0;

	while (row < l->g.nrows) {
		enum trace_page_state s = report_cell_state(t, &l->g, col, row);
		uint64_t run = 1;

		while (row + run < l->g.nrows && report_cell_state(t, &l->g, col, row + run) == s)
			run++;
		fprintf(out,
			"<rect class=\"cell\" x=\"%zu\" y=\"%llu\" width=\"%u\" height=\"%llu\" "
			"fill=\"%s\" data-col=\"%zu\" data-row=\"%llu\" data-rows=\"%llu\" "
			"data-state=\"%s\"/>\n",
			X0 + col * l->cw, (unsigned long long)(Y0 + row * l->rh), l->cw,
			(unsigned long long)(run * l->rh), state_colour[s], col,
			(unsigned long long)row, (unsigned long long)run, trace_state_name(s));
		row += run;
	}
}

static void svg_axes(FILE *out, const struct trace *t, const struct layout *l)
{
	uint64_t bytes = t->hdr.npages << t->hdr.page_shift;

	fprintf(out, "<text x=\"%d\" y=\"%d\" class=\"axis\">GPA</text>\n", 8, Y0 - 6);
	for (int i = 0; i <= 4; i++) {
		uint64_t gpa = t->hdr.gpa_base + bytes / 4 * i;

		fprintf(out, "<text x=\"%d\" y=\"%u\" class=\"axis\">%#llx</text>\n", 4,
			Y0 + l->h * i / 4 + 4, (unsigned long long)gpa);
	}
	fprintf(out, "<text x=\"%d\" y=\"%u\" class=\"axis\">0 s</text>\n", X0, Y0 + l->h + 16);
	fprintf(out, "<text x=\"%u\" y=\"%u\" class=\"axis\" text-anchor=\"end\">%.2f s</text>\n",
		X0 + l->w, Y0 + l->h + 16, l->tmax / 1e9);
}

static void svg_legend(FILE *out, unsigned int y)
{
	for (int s = 0; s < TRACE_NR_STATES; s++) {
		fprintf(out, "<rect x=\"%d\" y=\"%u\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			X0 + s * 110, y, state_colour[s]);
		fprintf(out, "<text x=\"%d\" y=\"%u\" class=\"axis\">%s</text>\n",
			X0 + s * 110 + 16, y + 11, trace_state_name(s));
	}
}

static const char *kind_label(const struct report_opts *o, uint32_t kind, char *buf, size_t n)
{
	const char *name = o && o->kind_name ? o->kind_name(kind) : NULL;

	if (name)
		return name;
	snprintf(buf, n, "kind %u", kind);
	return buf;
}

/* Event counts per time bin and kind, drawn as stacked bars under the heatmap. */
static int svg_events(FILE *out, const struct trace *t, const struct report_opts *o,
		      const struct layout *l, unsigned int y)
{
	size_t nb = l->g.ncols ? l->g.ncols : 1;
	uint64_t *bins = calloc(nb * NR_KIND_COLOURS, sizeof(*bins)), peak = 1;
	char buf[32];

	if (!bins)
		return -ENOMEM;
	for (size_t i = 0; i < t->nev; i++) {
		size_t b = (size_t)((unsigned __int128)t->ev_time[i] * (nb - 1) / l->tmax);

		bins[b * NR_KIND_COLOURS + t->ev[i].kind % NR_KIND_COLOURS]++;
	}
	for (size_t b = 0; b < nb; b++) {
		uint64_t sum = 0;

		for (int k = 0; k < NR_KIND_COLOURS; k++)
			sum += bins[b * NR_KIND_COLOURS + k];
		peak = sum > peak ? sum : peak;
	}
	fprintf(out, "<text x=\"4\" y=\"%u\" class=\"axis\">events</text>\n", y + 10);
	fprintf(out, "<text x=\"4\" y=\"%u\" class=\"axis\">peak %llu/bin</text>\n", y + 24,
		(unsigned long long)peak);
	for (size_t b = 0; b < nb; b++) {
		double top = y + CHART_H;

		for (int k = 0; k < NR_KIND_COLOURS; k++) {
			uint64_t c = bins[b * NR_KIND_COLOURS + k];
			double hgt = (double)c * CHART_H / peak;

			if (!c)
				continue;
			top -= hgt;
			fprintf(out,
				"<rect class=\"ev\" x=\"%zu\" y=\"%.2f\" width=\"%u\" "
				"height=\"%.2f\" "
				"fill=\"%s\" data-bin=\"%zu\" data-kind=\"%d\" "
				"data-count=\"%llu\"/>\n",
				X0 + b * l->cw, top, l->cw, hgt, kind_colour[k], b, k,
				(unsigned long long)c);
		}
	}
	for (int k = 0; k < NR_KIND_COLOURS; k++) {
		int used = 0;

		for (size_t i = 0; i < t->nev && !used; i++)
			used = t->ev[i].kind % NR_KIND_COLOURS == (uint32_t)k;
		if (!used)
			continue;
		fprintf(out, "<text x=\"%u\" y=\"%u\" class=\"axis\" fill=\"%s\">", X0 + l->w + 8,
			y + 12 + 14 * k, kind_colour[k]);
		xml_text(out, kind_label(o, (uint32_t)k, buf, sizeof(buf)));
		fputs("</text>\n", out);
	}
	free(bins);
	return 0;
}

static int svg_body(FILE *out, const struct trace *t, const struct report_opts *o, int standalone)
{
	struct layout l;
	unsigned int width, height, ychart;
	int ret;

	if (!t->nsnap)
		return -EINVAL;
	make_layout(t, o, &l);
	ychart = Y0 + l.h + 56;
	width = X0 + l.w + 180;
	height = ychart + CHART_H + 24;
	fprintf(out,
		"<svg xmlns=\"http://www.w3.org/2000/svg\"%s width=\"%u\" height=\"%u\" "
		"viewBox=\"0 0 %u %u\" font-family=\"sans-serif\" font-size=\"11\">\n",
		standalone ? " version=\"1.1\"" : "", width, height, width, height);
	fputs("<style>.axis { fill: #333; }</style>\n", out);
	fputs("<text x=\"4\" y=\"18\" font-size=\"15\">", out);
	xml_text(out, o && o->title ? o->title : "mirrorvm: guest memory over time");
	fputs("</text>\n", out);
	for (size_t c = 0; c < l.g.ncols; c++)
		svg_column(out, t, &l, c);
	svg_axes(out, t, &l);
	svg_legend(out, Y0 + l.h + 26);
	ret = svg_events(out, t, o, &l, ychart);
	fputs("</svg>\n", out);
	return ret;
}

int report_write_svg(FILE *out, const struct trace *t, const struct report_opts *o)
{
	int ret;

	fputs("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n", out);
	ret = svg_body(out, t, o, 1);
	return ret ? ret : ferror(out) ? -EIO : 0;
}

static void html_summary(FILE *out, const struct trace *t, const struct report_opts *o)
{
	const uint8_t *last = t->snap[t->nsnap - 1];
	uint64_t count[TRACE_NR_STATES] = { 0 };
	char buf[32];

	for (uint64_t p = 0; p < t->hdr.npages; p++)
		count[last[p]]++;
	fprintf(out,
		"<p>%llu pages of 4 KiB from GPA %#llx; %zu snapshots and %zu events over "
		"%.2f s.</p>\n<table><tr><th>state at the end</th><th>pages</th></tr>\n",
		(unsigned long long)t->hdr.npages, (unsigned long long)t->hdr.gpa_base, t->nsnap,
		t->nev, (t->nsnap ? t->snap_time[t->nsnap - 1] : 0) / 1e9);
	for (int s = 0; s < TRACE_NR_STATES; s++)
		fprintf(out, "<tr><td>%s</td><td>%llu</td></tr>\n", trace_state_name(s),
			(unsigned long long)count[s]);
	fputs("</table>\n<table><tr><th>event kind</th><th>records</th></tr>\n", out);
	for (uint32_t k = 0; k < 64; k++) {
		size_t n = 0;

		for (size_t i = 0; i < t->nev; i++)
			n += t->ev[i].kind == k;
		if (!n)
			continue;
		fputs("<tr><td>", out);
		xml_text(out, kind_label(o, k, buf, sizeof(buf)));
		fprintf(out, "</td><td>%zu</td></tr>\n", n);
	}
	fputs("</table>\n", out);
}

int report_write_html(FILE *out, const struct trace *t, const struct report_opts *o)
{
	const char *title = o && o->title ? o->title : "mirrorvm report";
	int ret;

	if (!t->nsnap)
		return -EINVAL;
	/* XHTML-compatible markup, so an XML parser can check it as well as a browser show it. */
	fputs("<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\">\n<head>\n"
	      "<meta charset=\"utf-8\"/>\n<title>",
	      out);
	xml_text(out, title);
	fputs("</title>\n<style>body { font-family: sans-serif; margin: 1.5em; } "
	      "table { border-collapse: collapse; display: inline-table; margin-right: 2em; } "
	      "td, th { border: 1px solid #ccc; padding: 2px 8px; text-align: left; }</style>\n"
	      "</head>\n<body>\n<h1>",
	      out);
	xml_text(out, title);
	fputs("</h1>\n", out);
	html_summary(out, t, o);
	ret = svg_body(out, t, o, 0);
	fputs("</body>\n</html>\n", out);
	return ret ? ret : ferror(out) ? -EIO : 0;
}

static int report_usage(void)
{
	fprintf(stderr, "usage: mirrorvm report TRACE -o FILE.svg|FILE.html [--title TEXT]\n");
	return 2;
}

static int report_file(const char *in, const char *outpath, const struct report_opts *o)
{
	const char *dot = strrchr(outpath, '.');
	struct trace t;
	char err[160];
	FILE *out;
	int ret, html;

	if (!dot || (strcmp(dot, ".svg") && strcmp(dot, ".html"))) {
		fprintf(stderr, "mirrorvm report: %s: the output must end in .svg or .html\n",
			outpath);
		return 2;
	}
	html = !strcmp(dot, ".html");
	if (trace_load(&t, in, err, sizeof(err))) {
		fprintf(stderr, "mirrorvm report: %s: %s\n", in, err);
		return 1;
	}
	if (!t.nsnap) {
		fprintf(stderr, "mirrorvm report: %s: the trace has no snapshot to draw\n", in);
		trace_free(&t);
		return 1;
	}
	out = fopen(outpath, "w");
	if (!out) {
		fprintf(stderr, "mirrorvm report: %s: %s\n", outpath, strerror(errno));
		trace_free(&t);
		return 1;
	}
	ret = html ? report_write_html(out, &t, o) : report_write_svg(out, &t, o);
	if (fclose(out))
		ret = -EIO;
	trace_free(&t);
	if (ret) {
		fprintf(stderr, "mirrorvm report: writing %s: %s\n", outpath, strerror(-ret));
		return 1;
	}
	return 0;
}

int report_main(int argc, char **argv, const char *(*kind_name)(uint32_t kind))
{
	struct report_opts o = { .kind_name = kind_name };
	const char *in = NULL, *outpath = NULL;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-o") && i + 1 < argc) {
			outpath = argv[++i];
		} else if (!strcmp(argv[i], "--title") && i + 1 < argc) {
			o.title = argv[++i];
		} else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
			report_usage();
			return 0;
		} else if (argv[i][0] == '-' || in) {
			fprintf(stderr, "mirrorvm report: unexpected argument '%s'\n", argv[i]);
			return report_usage();
		} else {
			in = argv[i];
		}
	}
	if (!in || !outpath)
		return report_usage();
	return report_file(in, outpath, &o);
}
