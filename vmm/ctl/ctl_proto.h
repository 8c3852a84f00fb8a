/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The control protocol: how `mirrorvm ctl` talks to a running VM. This comment is its one
 * definition.
 *
 * Transport: a Unix stream socket (mode 0600; the server also refuses peers whose uid is not its
 * own, root excepted). One request per connection.
 *
 * Request: one line of at most CTL_MAX_LINE bytes:
 *
 *	mirrorvm-ctl/1 FORMAT COMMAND [ARG...]\n
 *
 * FORMAT is "text" or "json"; arguments are space-separated tokens (numbers, ranges like
 * 0x1000-0x3000, names, flags like --follow). A request that does not arrive complete within
 * CTL_REQUEST_MS is dropped.
 *
 * Reply: lines. Body lines start with "| " and carry human-readable text, or one JSON object per
 * line with FORMAT json. The reply ends with exactly one status line:
 *
 *	ok\n
 *	error KIND MESSAGE\n	KIND: usage, unknown, range, state, busy, internal
 *
 * A streaming command (events --follow) sends body lines until the client closes the connection
 * or the VM exits (then "error state the VM has exited").
 */
#ifndef MIRRORVM_CTL_PROTO_H
#define MIRRORVM_CTL_PROTO_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CTL_MAGIC "mirrorvm-ctl/1"
#define CTL_MAX_LINE 4096
#define CTL_MAX_ARGS 16
#define CTL_REQUEST_MS 2000

enum ctl_format { CTL_TEXT, CTL_JSON };

struct ctl_request {
	enum ctl_format format;
	int argc; /* argv[0] is the command */
	char *argv[CTL_MAX_ARGS];
	char buf[CTL_MAX_LINE];
};

/* A reply being built: body lines, then one status. Grows as needed. */
struct ctl_out {
	char *buf;
	size_t len, cap;
	bool oom;
	bool done; /* a status line was written */
};

/* Parses one request line (with or without its newline); 0, or -EINVAL with a reason. */
int ctl_parse_request(const char *line, struct ctl_request *req, const char **why);

/* Formats a request line into buf (newline included); -ENOSPC when too long or too many. */
int ctl_format_request(char *buf, size_t size, enum ctl_format fmt, int argc, char **argv);

/* Appends one body line (newlines inside are split into further body lines). */
void ctl_printf(struct ctl_out *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void ctl_vprintf(struct ctl_out *o, const char *fmt, va_list ap);
/* Appends the status line: ok, or error KIND MESSAGE. */
void ctl_ok(struct ctl_out *o);
void ctl_error(struct ctl_out *o, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void ctl_out_reset(struct ctl_out *o);
void ctl_out_free(struct ctl_out *o);

/* A JSON string literal of s (quotes included) appended to o's current line, for handlers. */
int ctl_json_str(char *dst, size_t size, const char *s);

/* Numbers and ranges in requests: decimal or 0x hex, with an optional K/M/G suffix for sizes. */
int ctl_parse_u64(const char *s, uint64_t *v);
/* "A-B" (end exclusive) or "A" (one page); both page-aligned is not required here. */
int ctl_parse_range(const char *s, uint64_t *start, uint64_t *end);

#endif
