#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/lines.h"

/* Room beyond the limit for a BOM and a CR, so a record of exactly `limit`
 * bytes is not called too long because of what surrounds it. */
#define SLACK 4

void wr_lines_init(struct wr_lines *lr, FILE *f, size_t limit)
{
	memset(lr, 0, sizeof *lr);
	lr->f = f;
	lr->limit = limit;
	lr->buf = wr_xmalloc(limit + SLACK + 1);
}

void wr_lines_free(struct wr_lines *lr)
{
	free(lr->buf);
	lr->buf = NULL;
}

/* A BOM starts any line, not only the first: files exported on Windows and
 * joined with cat carry one per file. */
static void strip_bom(struct wr_lines *lr)
{
	if (lr->len >= 3 && memcmp(lr->buf, "\xEF\xBB\xBF", 3) == 0) {
		memmove(lr->buf, lr->buf + 3, lr->len - 3);
		lr->len -= 3;
		lr->full_len -= 3;
	}
}

int wr_lines_next(struct wr_lines *lr)
{
	size_t cap = lr->limit + SLACK;
	int c;

	lr->len = lr->full_len = 0;
	while ((c = getc_unlocked(lr->f)) != EOF && c != '\n') {
		if (lr->len < cap)
			lr->buf[lr->len++] = (char)c;
		lr->full_len++;
	}
	if (c == EOF && ferror(lr->f))
		return -1;
	if (c == EOF && lr->full_len == 0)
		return 0;
	lr->lineno++;
	/* A CR is known to end the line only when the whole line was kept. */
	if (lr->len == lr->full_len && lr->len > 0 && lr->buf[lr->len - 1] == '\r') {
		lr->len--;
		lr->full_len--;
	}
	strip_bom(lr);
	if (lr->len > lr->limit)
		lr->len = lr->limit;
	lr->buf[lr->len] = '\0';
	return 1;
}
