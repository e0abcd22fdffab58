#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/csv.h"
#include "warroom/utf8.h"

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

/* 1 when the next byte ends the line, so a \r before it is CRLF; a \r
 * anywhere else is kept, to be refused as a control character rather than
 * silently dropped. */
static int line_end(FILE *f)
{
	int ch = getc(f);

	if (ch != EOF)
		ungetc(ch, f);
	return ch == '\n' || ch == EOF;
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
			if (ch != ',' && ch != '\n' && ch != '\r' && ch != EOF)
				return wr_errf(err, WR_EINVAL, "%s:%ld: column %zu: text after the "
				               "closing quote", c->path, c->line, c->nfields + 1);
		}
		while (ch != ',' && ch != '\n' && ch != EOF) {
			if (ch != '\r' || !line_end(c->f))
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

static size_t field_len(const struct wr_csv *c, size_t i)
{
	return (i + 1 < c->nfields ? c->off[i + 1] : c->len) - c->off[i] - 1;
}

/* Offset of the first C0 control, DEL or C1 control (U+0080..U+009F, which
 * is 0xc2 then 0x80..0x9f in the UTF-8 already checked) in s; len if none. */
static size_t control_at(const unsigned char *s, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (s[i] < 0x20 || s[i] == 0x7f || (s[i] == 0xc2 && i + 1 < len && s[i + 1] < 0xa0))
			return i;
	return len;
}

static int text_err(const struct wr_csv *c, size_t i, const char *what, struct wr_err *err)
{
	if (!c->header)
		return wr_errf(err, WR_EINVAL, "%s:%ld: column %zu: %s", c->path, c->line,
		               i + 1, what);
	return wr_errf(err, WR_EINVAL, "%s:%ld: column %zu (%s): %s", c->path, c->line,
	               i + 1, c->header[i], what);
}

/* Fields become names on screens and in published JSON: bytes that are not
 * UTF-8 or control characters (a line break inside quotes included) are
 * refused here, naming where, rather than loaded and found on the night. */
static int check_text(const struct wr_csv *c, struct wr_err *err)
{
	char what[96];

	for (size_t i = 0; i < c->nfields; i++) {
		const unsigned char *s = (const unsigned char *)c->buf + c->off[i];
		size_t len = field_len(c, i), at;

		if (!wr_utf8_valid((const char *)s, len, &at)) {
			snprintf(what, sizeof what, "byte %zu (0x%02X) is not UTF-8; save the "
			         "file as UTF-8", at + 1, (unsigned)s[at]);
			return text_err(c, i, what, err);
		}
		if ((at = control_at(s, len)) < len) {
			snprintf(what, sizeof what, "control character U+%04X at byte %zu",
			         (unsigned)(s[at] == 0xc2 ? s[at + 1] : s[at]), at + 1);
			return text_err(c, i, what, err);
		}
	}
	return WR_OK;
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
		if (check_text(c, err) == WR_OK)
			break;
		wr_csv_close(c);
		return WR_EINVAL;
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
	return check_text(c, err) == WR_OK ? 1 : WR_EINVAL;
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

	/* strtoll alone would take " 12" and "+12"; a count is digits as written. */
	errno = 0;
	v = strtoll(s, &end, 10);
	if (!(isdigit((unsigned char)s[0]) || (s[0] == '-' && isdigit((unsigned char)s[1]))) ||
	    *end || errno)
		return wr_errf(err, WR_EINVAL, "%s:%ld: column \"%s\": \"%s\" is not an integer",
		               c->path, c->line, c->header[idx], s);
	if (v < min || v > max)
		return wr_errf(err, WR_EINVAL,
		               "%s:%ld: column \"%s\": %lld is outside %lld..%lld",
		               c->path, c->line, c->header[idx], v, min, max);
	*out = v;
	return WR_OK;
}
