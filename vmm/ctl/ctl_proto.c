// SPDX-License-Identifier: GPL-2.0
/* The control protocol's parsing and reply building (vmm/ctl/ctl_proto.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl_proto.h"

int ctl_parse_request(const char *line, struct ctl_request *req, const char **why)
{
	size_t len = strcspn(line, "\n");
	char *save = NULL, *tok;
	int n = 0;

	*why = NULL;
	if (len >= sizeof(req->buf) || line[len + (line[len] == '\n')] != '\0') {
		*why = len >= sizeof(req->buf) ? "request too long" : "more than one line";
		return -EINVAL;
	}
	memcpy(req->buf, line, len);
	req->buf[len] = '\0';
	for (size_t i = 0; i < len; i++) {
		if ((unsigned char)req->buf[i] < 0x20 || (unsigned char)req->buf[i] > 0x7e) {
			*why = "request has non-printable bytes";
			return -EINVAL;
		}
	}
	tok = strtok_r(req->buf, " ", &save);
	if (!tok || strcmp(tok, CTL_MAGIC)) {
		*why = "not a mirrorvm-ctl/1 request";
		return -EINVAL;
	}
	tok = strtok_r(NULL, " ", &save);
	if (!tok || (strcmp(tok, "text") && strcmp(tok, "json"))) {
		*why = "format must be text or json";
		return -EINVAL;
	}
	req->format = strcmp(tok, "json") ? CTL_TEXT : CTL_JSON;
	while ((tok = strtok_r(NULL, " ", &save))) {
		if (n == CTL_MAX_ARGS) {
			*why = "too many arguments";
			return -EINVAL;
		}
		req->argv[n++] = tok;
	}
	if (!n) {
		*why = "no command";
		return -EINVAL;
	}
	req->argc = n;
	return 0;
}

int ctl_format_request(char *buf, size_t size, enum ctl_format fmt, int argc, char **argv)
{
	size_t len;
	int n;

	if (argc < 1 || argc > CTL_MAX_ARGS)
		return -ENOSPC;
	n = snprintf(buf, size, "%s %s", CTL_MAGIC, fmt == CTL_JSON ? "json" : "text");
	for (int i = 0; i < argc && n >= 0 && (size_t)n < size; i++) {
		if (!argv[i][0] || strpbrk(argv[i], " \n"))
			return -EINVAL;
		n += snprintf(buf + n, size - n, " %s", argv[i]);
	}
	if (n < 0 || (size_t)n + 1 >= size || (size_t)n + 1 > CTL_MAX_LINE)
		return -ENOSPC;
	len = (size_t)n;
	buf[len] = '\n';
	buf[len + 1] = '\0';
	return 0;
}

static void out_append(struct ctl_out *o, const char *s, size_t n)
{
	if (o->oom)
		return;
	if (o->len + n + 1 > o->cap) {
		size_t cap = o->cap ? o->cap : 256;
		char *p;

		while (cap < o->len + n + 1)
			cap *= 2;
		p = realloc(o->buf, cap);
		if (!p) {
			o->oom = true;
			return;
		}
		o->buf = p;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, s, n);
	o->len += n;
	o->buf[o->len] = '\0';
}

void ctl_vprintf(struct ctl_out *o, const char *fmt, va_list ap)
{
	char stackbuf[512], *text = stackbuf;
	const char *p;
	va_list ap2;
	int n;

	va_copy(ap2, ap);
	n = vsnprintf(stackbuf, sizeof(stackbuf), fmt, ap);
	if (n >= (int)sizeof(stackbuf)) {
		text = malloc((size_t)n + 1);
		if (text)
			vsnprintf(text, (size_t)n + 1, fmt, ap2);
	}
	va_end(ap2);
	if (n < 0 || !text) {
		o->oom = true;
		return;
	}
	for (p = text;;) {
		size_t seg = strcspn(p, "\n");

		out_append(o, "| ", 2);
		out_append(o, p, seg);
		out_append(o, "\n", 1);
		if (!p[seg] || !p[seg + 1])
			break;
		p += seg + 1;
	}
	if (text != stackbuf)
		free(text);
}

void ctl_printf(struct ctl_out *o, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	ctl_vprintf(o, fmt, ap);
	va_end(ap);
}

void ctl_ok(struct ctl_out *o)
{
	if (o->done)
		return;
	out_append(o, "ok\n", 3);
	o->done = true;
}

void ctl_error(struct ctl_out *o, const char *kind, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	if (o->done)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (char *p = msg; *p; p++)
		if (*p == '\n')
			*p = ' ';
	out_append(o, "error ", 6);
	out_append(o, kind, strlen(kind));
	out_append(o, " ", 1);
	out_append(o, msg, strlen(msg));
	out_append(o, "\n", 1);
	o->done = true;
}

void ctl_out_reset(struct ctl_out *o)
{
	o->len = 0;
	o->done = false;
	o->oom = false;
	if (o->buf)
		o->buf[0] = '\0';
}

void ctl_out_free(struct ctl_out *o)
{
	free(o->buf);
	memset(o, 0, sizeof(*o));
}

int ctl_json_str(char *dst, size_t size, const char *s)
{
	size_t n = 0;

#define PUT(c)                                                                                     \
	do {                                                                                       \
		if (n + 1 >= size)                                                                 \
			return -ENOSPC;                                                            \
		dst[n++] = (c);                                                                    \
	} while (0)
	PUT('"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\') {
			PUT('\\');
			PUT(c);
		} else if (c < 0x20) {
			if (n + 7 >= size)
				return -ENOSPC;
			n += (size_t)snprintf(dst + n, size - n, "\\u%04x", c);
		} else {
			PUT(c);
		}
	}
	PUT('"');
#undef PUT
	dst[n] = '\0';
	return (int)n;
}

int ctl_parse_u64(const char *s, uint64_t *v)
{
	unsigned long long x;
	char *end;
	unsigned int shift = 0;

	if (!s || !*s || *s == '-' || *s == '+')
		return -EINVAL;
	errno = 0;
	x = strtoull(s, &end, 0);
	if (errno || end == s)
		return -EINVAL;
	if (*end) {
		switch (*end) {
		case 'K':
		case 'k':
			shift = 10;
			break;
		case 'M':
		case 'm':
			shift = 20;
			break;
		case 'G':
		case 'g':
			shift = 30;
			break;
		default:
			return -EINVAL;
		}
		if (end[1] || x > (UINT64_MAX >> shift))
			return -EINVAL;
	}
	*v = (uint64_t)x << shift;
	return 0;
}

int ctl_parse_range(const char *s, uint64_t *start, uint64_t *end)
{
	char a[64];
	const char *dash = strchr(s, '-');

	if (!dash) {
		if (ctl_parse_u64(s, start) || *start > UINT64_MAX - 4096)
			return -EINVAL;
		*end = (*start & ~4095ULL) + 4096;
		return 0;
	}
	if ((size_t)(dash - s) >= sizeof(a))
		return -EINVAL;
	memcpy(a, s, (size_t)(dash - s));
	a[dash - s] = '\0';
	if (ctl_parse_u64(a, start) || ctl_parse_u64(dash + 1, end) || *end <= *start)
		return -EINVAL;
	return 0;
}
