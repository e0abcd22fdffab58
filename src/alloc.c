#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"

static void (*fatal_hook)(void);

void wr_set_fatal_hook(void (*hook)(void))
{
	fatal_hook = hook;
}

void wr_fatal(const char *fmt, ...)
{
	va_list ap;

	if (fatal_hook)
		fatal_hook();
	fputs("warroom: fatal: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(3);
}

void *wr_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		wr_fatal("out of memory allocating %zu bytes", n);
	return p;
}

void *wr_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		wr_fatal("out of memory allocating %zu x %zu bytes", n, size);
	return p;
}

void *wr_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		wr_fatal("out of memory growing to %zu bytes", n);
	return q;
}

char *wr_xstrndup(const char *s, size_t n)
{
	size_t len = strnlen(s, n);
	char *d = wr_xmalloc(len + 1);

	memcpy(d, s, len);
	d[len] = '\0';
	return d;
}

char *wr_xstrdup(const char *s)
{
	return wr_xstrndup(s, strlen(s));
}
