// SPDX-License-Identifier: GPL-2.0
/* Console output on COM1 and a small printf. mirrorvm's UART is always ready: no LSR polling. */
#include "guest.h"

static spinlock_t console_lock;

void putchar(int c)
{
	outb(GUEST_COM1_PORT, c);
}

void puts(const char *s)
{
	spin_lock(&console_lock);
	while (*s)
		putchar(*s++);
	spin_unlock(&console_lock);
}

struct out {
	char *buf;
	size_t size, n;
};

static void out_c(struct out *o, char c)
{
	if (o->n + 1 < o->size)
		o->buf[o->n] = c;
	o->n++;
}

static void out_num(struct out *o, uint64_t v, unsigned int base, bool neg, int width, char pad)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = "0123456789abcdef"[v % base];
		v /= base;
	} while (v);
	if (neg)
		tmp[n++] = '-';
	while (width-- > n)
		out_c(o, pad);
	while (n)
		out_c(o, tmp[--n]);
}

static uint64_t arg_u(va_list *ap, int lng)
{
	return lng ? va_arg(*ap, unsigned long) : va_arg(*ap, unsigned int);
}

static int64_t arg_s(va_list *ap, int lng)
{
	return lng ? va_arg(*ap, long) : va_arg(*ap, int);
}

static void out_conv(struct out *o, char conv, va_list *ap, int lng, int width, char pad)
{
	const char *s;
	int64_t sv;

	switch (conv) {
	case 'd':
		sv = arg_s(ap, lng);
		out_num(o, sv < 0 ? -(uint64_t)sv : (uint64_t)sv, 10, sv < 0, width, pad);
		break;
	case 'u':
		out_num(o, arg_u(ap, lng), 10, false, width, pad);
		break;
	case 'x':
		out_num(o, arg_u(ap, lng), 16, false, width, pad);
		break;
	case 'p':
		out_c(o, '0');
		out_c(o, 'x');
		out_num(o, (uintptr_t)va_arg(*ap, void *), 16, false, width, pad);
		break;
	case 'c':
		out_c(o, (char)va_arg(*ap, int));
		break;
	case 's':
		s = va_arg(*ap, const char *);
		for (int n = strlen(s ? s : "(null)"); width-- > n;)
			out_c(o, ' ');
		for (s = s ? s : "(null)"; *s; s++)
			out_c(o, *s);
		break;
	default:
		out_c(o, '%');
		out_c(o, conv);
	}
}

int vsnprintf(char *buf, size_t size, const char *fmt, va_list ap)
{
	struct out o = { buf, size, 0 };
	va_list aq;

	va_copy(aq, ap);
	for (; *fmt; fmt++) {
		int lng = 0, width = 0;
		char pad = ' ';

		if (*fmt != '%') {
			out_c(&o, *fmt);
			continue;
		}
		if (*++fmt == '0')
			pad = '0';
		while (*fmt >= '0' && *fmt <= '9')
			width = width * 10 + *fmt++ - '0';
		while (*fmt == 'l' || *fmt == 'z') {
			lng = 1;
			fmt++;
		}
		if (*fmt == '%') {
			out_c(&o, '%');
			continue;
		}
		if (!*fmt)
			break;
		out_conv(&o, *fmt, &aq, lng, width, pad);
	}
	va_end(aq);
	if (size)
		buf[o.n < size ? o.n : size - 1] = '\0';
	return o.n;
}

int snprintf(char *buf, size_t size, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, size, fmt, ap);
	va_end(ap);
	return n;
}

int printf(const char *fmt, ...)
{
	char buf[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	puts(buf);
	return n;
}
