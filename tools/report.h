/* SPDX-License-Identifier: GPL-2.0 */
/* Rendering a mirror trace as a heatmap of guest memory over time, in SVG or HTML. */
#ifndef MIRRORVM_REPORT_H
#define MIRRORVM_REPORT_H

#include <stdio.h>

#include "trace.h"

struct report_opts {
	const char *title;
	/* Names a trace_event kind for the legend; NULL gives "kind N". */
	const char *(*kind_name)(uint32_t kind);
	unsigned int max_cols; /* snapshots drawn across, at most; 0: 480 */
	unsigned int max_rows; /* page bands drawn down, at most; 0: 256 */
};

/* The heatmap's grid for a trace: which snapshot a column shows, which pages a row covers. */
struct report_grid {
	size_t ncols;
	uint64_t nrows;
};

void report_grid(const struct trace *t, const struct report_opts *o, struct report_grid *g);
size_t report_col_snapshot(const struct trace *t, const struct report_grid *g, size_t col);
void report_row_pages(const struct trace *t, const struct report_grid *g, uint64_t row,
		      uint64_t *first, uint64_t *end);
/* The state a cell shows: the most common among its pages, ties to the more notable state. */
enum trace_page_state report_cell_state(const struct trace *t, const struct report_grid *g,
					size_t col, uint64_t row);

int report_write_svg(FILE *out, const struct trace *t, const struct report_opts *o);
int report_write_html(FILE *out, const struct trace *t, const struct report_opts *o);

/* `mirrorvm report TRACE -o FILE.svg|FILE.html [--title TEXT]`; kind_name names event kinds. */
int report_main(int argc, char **argv, const char *(*kind_name)(uint32_t kind));

#endif
