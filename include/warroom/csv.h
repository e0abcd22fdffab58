/* RFC 4180 CSV reading for fixture files: quoted fields, doubled quotes,
 * LF or CRLF. Columns are found by header name so a reordered file still
 * loads, and every error names file, line and column. Fixture fields are
 * one line of text each: a field that is not UTF-8 or holds a control
 * character (a line break inside quotes too) makes its row malformed. */
#ifndef WARROOM_CSV_H
#define WARROOM_CSV_H

#include <stddef.h>
#include <stdio.h>

#include "warroom/err.h"

struct wr_csv;

int wr_csv_open(struct wr_csv **out, const char *path, struct wr_err *err);
void wr_csv_close(struct wr_csv *c);

/* Index of the header column named name; WR_EINVAL (naming the file and the
 * columns it has) when missing. */
int wr_csv_column(struct wr_csv *c, const char *name, size_t *idx, struct wr_err *err);

/* 1 with a row, 0 at end, WR_EINVAL on a malformed row. Fields stay valid
 * until the next call. A row with a different field count than the header
 * is malformed. */
int wr_csv_next(struct wr_csv *c, struct wr_err *err);
const char *wr_csv_field(const struct wr_csv *c, size_t idx);
long wr_csv_line(const struct wr_csv *c);
const char *wr_csv_path(const struct wr_csv *c);

/* Parses the field idx of the current row as an integer in [min, max]:
 * digits with an optional leading '-', nothing else. */
int wr_csv_int(struct wr_csv *c, size_t idx, long long min, long long max,
               long long *out, struct wr_err *err);

#endif
