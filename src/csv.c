#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/csv.h"

struct wr_csv {
	FILE *f;
	char *path;
	long line;            /* line where the current row starts */
	long next_line;
	char *buf;            /* field bytes, each NUL-terminated */
	size_t cap, len;
	size_t *off, nfields, cap_fields;
	char **header;
	size_t nheader;
};

static void push_byte(struct wr_csv *c, char ch)
{
	if (c->len == c->cap)
		c->buf = wr_xrealloc(c->buf, c->cap = c->cap ? c->cap * 2 : 256);
	c->buf[c->len++] = ch;
}

static void end_field(struct wr_csv *c)
{
	push_byte(c, '\0');
	if (c->nfields == c->cap_fields)
		c->off = wr_xrealloc(c->off, (c->cap_fields = c->cap_fields ? c->cap_fields * 2
		                                                            : 16) * sizeof *c->off);
	c->nfields++;
}

/* Reads one quoted field's body; the opening quote is consumed. */
static int quoted(struct wr_csv *c, struct wr_err *err)
{
	int ch;

	for (;;) {
		ch = getc(c->f);
		if (ch == EOF)
			return wr_errf(err, WR_EINVAL, "%s:%ld: unterminated quoted field",
			               c->path, c->line);
		if (ch == '\n')
			c->next_line++;
		if (ch != '"') {
			push_byte(c, (char)ch);
			continue;
		}
		ch = getc(c->f);
		if (ch == '"') {
			push_byte(c, '"');
			continue;
		}
		if (ch != EOF)
			ungetc(ch, c->f);
		return WR_OK;
	}
}

/* Reads one record into buf/off; 1 on a row, 0 at end of file. */
static int read_row(struct wr_csv *c, struct wr_err *err)
{
	int ch = getc(c->f);

	c->len = c->nfields = 0;
	c->line = c->next_line;
	if (ch == EOF)
		return 0;
	ungetc(ch, c->f);
	for (;;) {
		size_t start = c->len;

		ch = getc(c->f);
		if (ch == '"') {
			if (quoted(c, err) != WR_OK)
				return WR_EINVAL;
			ch = getc(c->f);
		}
		while (ch != ',' && ch != '\n' && ch != EOF) {
			if (ch != '\r')
				push_byte(c, (char)ch);
			ch = getc(c->f);
		}
		end_field(c);
		c->off[c->nfields - 1] = start;
		if (ch != ',')
			break;
	}
	c->next_line++;
	return 1;
}

/* Spreadsheets export "CSV UTF-8" with a byte-order mark, which would
 * otherwise become an invisible part of the first column's name. */
static void skip_bom(FILE *f)
{
	unsigned char b[3];
	size_t n = fread(b, 1, 3, f);

	if (n == 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf)
		return;
	rewind(f);
}

int wr_csv_open(struct wr_csv **out, const char *path, struct wr_err *err)
{
	struct wr_csv *c = wr_xcalloc(1, sizeof *c);

	c->path = wr_xstrdup(path);
	c->next_line = 1;
	c->f = fopen(path, "rb");
	if (!c->f) {
		wr_errf(err, WR_EIO, "%s: cannot open: %s", path, strerror(errno));
		wr_csv_close(c);
		return WR_EIO;
	}
	skip_bom(c->f);
	switch (read_row(c, err)) {
	case 1:
		break;
	case 0:
		wr_errf(err, WR_EINVAL, "%s: empty file: expected a header row", path);
		/* fall through */
	default:
		wr_csv_close(c);
		return WR_EINVAL;
	}
	c->nheader = c->nfields;
	c->header = wr_xcalloc(c->nheader, sizeof *c->header);
	for (size_t i = 0; i < c->nheader; i++)
		c->header[i] = wr_xstrdup(c->buf + c->off[i]);
	*out = c;
	return WR_OK;
}

void wr_csv_close(struct wr_csv *c)
{
	if (!c)
		return;
	if (c->f)
		fclose(c->f);
	for (size_t i = 0; i < c->nheader; i++)
		free(c->header[i]);
	free(c->header);
	free(c->buf);
	free(c->off);
	free(c->path);
	free(c);
}

int wr_csv_column(struct wr_csv *c, const char *name, size_t *idx, struct wr_err *err)
{
	char have[256] = "";

	for (size_t i = 0; i < c->nheader; i++) {
		if (strcmp(c->header[i], name) == 0) {
			*idx = i;
			return WR_OK;
		}
		snprintf(have + strlen(have), sizeof have - strlen(have), "%s%s",
		         i ? "," : "", c->header[i]);
	}
	return wr_errf(err, WR_EINVAL, "%s:1: missing column \"%s\" (header has %s)",
	               c->path, name, have);
}

int wr_csv_next(struct wr_csv *c, struct wr_err *err)
{
	int rc;

	do
		rc = read_row(c, err);
	while (rc == 1 && c->nfields == 1 && c->buf[0] == '\0');  /* blank line */
	if (rc != 1)
		return rc;
	if (c->nfields != c->nheader)
		return wr_errf(err, WR_EINVAL, "%s:%ld: %zu fields, the header has %zu",
		               c->path, c->line, c->nfields, c->nheader);
	return 1;
}

const char *wr_csv_field(const struct wr_csv *c, size_t idx)
{
	return idx < c->nfields ? c->buf + c->off[idx] : "";
}

long wr_csv_line(const struct wr_csv *c)
{
	return c->line;
}

const char *wr_csv_path(const struct wr_csv *c)
{
	return c->path;
}

int wr_csv_int(struct wr_csv *c, size_t idx, long long min, long long max,
               long long *out, struct wr_err *err)
{
	const char *s = wr_csv_field(c, idx);
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (!*s || *end || errno)
		return wr_errf(err, WR_EINVAL, "%s:%ld: column \"%s\": \"%s\" is not an integer",
		               c->path, c->line, c->header[idx], s);
	if (v < min || v > max)
		return wr_errf(err, WR_EINVAL,
		               "%s:%ld: column \"%s\": %lld is outside %lld..%lld",
		               c->path, c->line, c->header[idx], v, min, max);
	*out = v;
	return WR_OK;
}
