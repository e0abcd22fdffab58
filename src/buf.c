#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/buf.h"

void wr_buf_free(struct wr_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->len = b->cap = 0;
}

void wr_buf_reset(struct wr_buf *b)
{
	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
}

static void reserve(struct wr_buf *b, size_t more)
{
	size_t need = b->len + more + 1;

	if (need <= b->cap)
		return;
	b->cap = b->cap ? b->cap : 256;
	while (b->cap < need)
		b->cap *= 2;
	b->p = wr_xrealloc(b->p, b->cap);
}

void wr_buf_put(struct wr_buf *b, const void *s, size_t n)
{
	reserve(b, n);
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

void wr_buf_puts(struct wr_buf *b, const char *s)
{
	wr_buf_put(b, s, strlen(s));
}

void wr_buf_printf(struct wr_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		wr_fatal("formatting into a buffer failed");
	reserve(b, (size_t)n);
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/* By hand: documents hold a million numbers, and printf's machinery was
 * the largest single cost of rendering them. */
void wr_buf_int(struct wr_buf *b, int64_t v)
{
	char tmp[24], *p = tmp + sizeof tmp;
	uint64_t u = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	wr_buf_put(b, p, (size_t)(tmp + sizeof tmp - p));
}

void wr_buf_json_str(struct wr_buf *b, const char *s)
{
	wr_buf_put(b, "\"", 1);
	for (const char *run = s;; s++) {
		unsigned char c = (unsigned char)*s;

		if (c && c != '"' && c != '\\' && c >= 0x20)
			continue;
		wr_buf_put(b, run, (size_t)(s - run));
		if (!c)
			break;
		if (c == '"' || c == '\\') {
			char esc[2] = { '\\', (char)c };
			wr_buf_put(b, esc, 2);
		} else {
			wr_buf_printf(b, "\\u%04x", c);
		}
		run = s + 1;
	}
	wr_buf_put(b, "\"", 1);
}

void wr_buf_csv_str(struct wr_buf *b, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		wr_buf_puts(b, s);
		return;
	}
	wr_buf_put(b, "\"", 1);
	for (; *s; s++) {
		if (*s == '"')
			wr_buf_put(b, "\"", 1);
		wr_buf_put(b, s, 1);
	}
	wr_buf_put(b, "\"", 1);
}

void wr_buf_share(struct wr_buf *b, int64_t part, int64_t whole)
{
	int64_t bp;

	if (whole <= 0 || part < 0) {
		wr_buf_put(b, "0", 1);
		return;
	}
	bp = (part * 20000 + whole) / (2 * whole);  /* round half up */
	wr_buf_int(b, bp / 10000);
	{
		char frac[5] = { '.', (char)('0' + bp / 1000 % 10), (char)('0' + bp / 100 % 10),
		                 (char)('0' + bp / 10 % 10), (char)('0' + bp % 10) };

		wr_buf_put(b, frac, sizeof frac);
	}
}
