/* NDJSON line reading with a bound on memory: a record longer than the
 * limit is cut (its real length is reported) rather than read whole, so one
 * runaway line cannot exhaust the machine. */
#ifndef WARROOM_LINES_H
#define WARROOM_LINES_H

#include <stdio.h>

struct wr_lines {
	FILE *f;
	size_t limit;     /* bytes kept per line */
	char *buf;        /* the kept bytes of the current line, NUL-terminated */
	size_t len;       /* kept bytes (<= limit), without the line end */
	size_t full_len;  /* the line's real length, without the line end */
	long lineno;      /* 1-based */
};

void wr_lines_init(struct wr_lines *lr, FILE *f, size_t limit);
/* 1 with a line, 0 at end of input, -1 on a read error (errno set).
 * Strips LF or CRLF, and a UTF-8 byte-order mark at the start of a line. */
int wr_lines_next(struct wr_lines *lr);
void wr_lines_free(struct wr_lines *lr);

#endif
