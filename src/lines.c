#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/lines.h"

void wr_lines_init(struct wr_lines *lr, FILE *f, size_t limit)
{
	memset(lr, 0, sizeof *lr);
	lr->f = f;
	lr->limit = limit;
	lr->buf = wr_xmalloc(limit + 1);
}

void wr_lines_free(struct wr_lines *lr)
{
	free(lr->buf);
	lr->buf = NULL;
}

static void strip_bom(struct wr_lines *lr)
{
	if (lr->lineno == 1 && lr->len >= 3 && memcmp(lr->buf, "\xEF\xBB\xBF", 3) == 0) {
		memmove(lr->buf, lr->buf + 3, lr->len - 3);
		lr->len -= 3;
		lr->full_len -= 3;
	}
}

int wr_lines_next(struct wr_lines *lr)
{
	int c = EOF;

	lr->len = lr->full_len = 0;
	while ((c = getc_unlocked(lr->f)) != EOF && c != '\n') {
		if (lr->len < lr->limit)
			lr->buf[lr->len++] = (char)c;
		lr->full_len++;
	}
	if (c == EOF && ferror(lr->f))
		return -1;
	if (c == EOF && lr->full_len == 0)
		return 0;
	lr->lineno++;
	if (lr->len > 0 && lr->len == lr->full_len && lr->buf[lr->len - 1] == '\r') {
		lr->len--;
		lr->full_len--;
	}
	lr->buf[lr->len] = '\0';
	strip_bom(lr);
	return 1;
}
