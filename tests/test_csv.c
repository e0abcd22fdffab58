/* The CSV reader loads the precinct list; 2020 showed what a wrong list
 * costs, so every malformed row must be refused with file and line named,
 * and every well-formed RFC 4180 construct must read back exactly. */
#include "testutil.h"

#include <limits.h>

#include "warroom/csv.h"

struct tmp {
	char dir[64];
	char path[128];
};

/* Writes content (len bytes) to a new temp dir's file "t.csv". */
static void write_csv(struct tmp *t, const char *content, size_t len)
{
	FILE *f;

	snprintf(t->dir, sizeof t->dir, "/tmp/wrcsv.XXXXXX");
	assert_non_null(mkdtemp(t->dir));
	snprintf(t->path, sizeof t->path, "%s/t.csv", t->dir);
	f = fopen(t->path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(content, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}
#define WRITE(t, lit) write_csv(t, lit, sizeof(lit) - 1)

static void rm_tmp(struct tmp *t)
{
	unlink(t->path);
	rmdir(t->dir);
}

static struct wr_csv *open_ok(struct tmp *t)
{
	struct wr_csv *c = NULL;
	struct wr_err err;

	wr_err_clear(&err);
	if (wr_csv_open(&c, t->path, &err) != WR_OK)
		fail_msg("open %s: %s", t->path, err.msg);
	return c;
}

static size_t col(struct wr_csv *c, const char *name)
{
	struct wr_err err;
	size_t i = 99;

	if (wr_csv_column(c, name, &i, &err) != WR_OK)
		fail_msg("%s", err.msg);
	return i;
}

static void next_row(struct wr_csv *c, long line)
{
	struct wr_err err;
	int rc = wr_csv_next(c, &err);

	if (rc != 1)
		fail_msg("expected a row at line %ld, got %d: %s", line, rc,
		         rc < 0 ? err.msg : "end");
	assert_int_equal(wr_csv_line(c), line);
}

static void at_end(struct wr_csv *c)
{
	struct wr_err err;

	assert_int_equal(wr_csv_next(c, &err), 0);
	/* End stays end. */
	assert_int_equal(wr_csv_next(c, &err), 0);
}

static void test_plain_rows(void **state)
{
	struct tmp t;
	struct wr_csv *c;

	(void)state;
	WRITE(&t, "code,name\n19153-001,Des Moines 3-2\n19153-002,\n");
	c = open_ok(&t);
	assert_string_equal(wr_csv_path(c), t.path);
	assert_int_equal(col(c, "code"), 0);
	assert_int_equal(col(c, "name"), 1);
	next_row(c, 2);
	assert_string_equal(wr_csv_field(c, 0), "19153-001");
	assert_string_equal(wr_csv_field(c, 1), "Des Moines 3-2");
	next_row(c, 3);
	assert_string_equal(wr_csv_field(c, 0), "19153-002");
	assert_string_equal(wr_csv_field(c, 1), "");   /* empty last field */
	/* Out of range reads as empty rather than reading past the row. */
	assert_string_equal(wr_csv_field(c, 7), "");
	at_end(c);
	wr_csv_close(c);
	rm_tmp(&t);
}

static void test_reordered_header(void **state)
{
	struct tmp t;
	struct wr_csv *c;

	(void)state;
	/* Columns are found by name, so a reordered export still loads. */
	WRITE(&t, "name,registered_rep,code\nPrimghar 1,2600,19141-001\n");
	c = open_ok(&t);
	next_row(c, 2);
	assert_string_equal(wr_csv_field(c, col(c, "code")), "19141-001");
	assert_string_equal(wr_csv_field(c, col(c, "name")), "Primghar 1");
	assert_string_equal(wr_csv_field(c, col(c, "registered_rep")), "2600");
	wr_csv_close(c);
	rm_tmp(&t);
}

static void test_quoted_fields(void **state)
{
	struct tmp t;
	struct wr_csv *c;

	(void)state;
	WRITE(&t, "a,b,c\n"
	          "\"Des Moines, Ward 3\",\"He said \"\"no\"\"\",\"\"\n"
	          "\"\"\"\",plain,\"x,y,z\"\n");
	c = open_ok(&t);
	next_row(c, 2);
	assert_string_equal(wr_csv_field(c, 0), "Des Moines, Ward 3");
	assert_string_equal(wr_csv_field(c, 1), "He said \"no\"");
	assert_string_equal(wr_csv_field(c, 2), "");
	next_row(c, 3);
	assert_string_equal(wr_csv_field(c, 0), "\"");
	assert_string_equal(wr_csv_field(c, 1), "plain");
	assert_string_equal(wr_csv_field(c, 2), "x,y,z");
	at_end(c);
	wr_csv_close(c);
	rm_tmp(&t);
}

/* Reads t.csv (content) to its first malformed row and checks the message:
 * file, then want (which starts with ":line:"). */
static void refused_row(const char *content, size_t len, const char *want)
{
	struct tmp t;
	struct wr_csv *c = NULL;
	struct wr_err err;
	char full[256];
	int rc;

	write_csv(&t, content, len);
	wr_err_clear(&err);
	rc = wr_csv_open(&c, t.path, &err);
	if (rc == WR_OK)
		while ((rc = wr_csv_next(c, &err)) == 1)
			;
	wr_csv_close(c);
	snprintf(full, sizeof full, "%s%s", t.path, want);
	rm_tmp(&t);
	if (rc != WR_EINVAL)
		fail_msg("rc %d, expected a refusal with \"%s\"", rc, want);
	if (strcmp(err.msg, full) != 0)
		fail_msg("message \"%s\", expected \"%s\"", err.msg, full);
}
#define REFUSED(lit, want) refused_row(lit, sizeof(lit) - 1, want)

static void test_embedded_newline(void **state)
{
	(void)state;
	/* A fixture field is one line of text: a quoted line break (a cell
	 * typed with Alt-Enter) would put a newline into a precinct name on
	 * every screen. It is refused, naming the line the row starts on. */
	REFUSED("code,name\n"
	        "1,\"Union Township\nHall\"\n"
	        "2,two\n",
	        ":2: column 2 (name): control character U+000A at byte 15");
	REFUSED("code,name\n1,one\n2,\"a\r\nb\"\n",
	        ":3: column 2 (name): control character U+000D at byte 2");
}

static void test_control_characters(void **state)
{
	(void)state;
	REFUSED("code,name\n1,Des\tMoines\n",
	        ":2: column 2 (name): control character U+0009 at byte 4");
	REFUSED("code,name\n1,ok\n2,Po\x7flk\n",
	        ":3: column 2 (name): control character U+007F at byte 3");
	/* A NUL would otherwise cut the field short without a word. */
	REFUSED("code,name\n1,Po\0lk\n", ":2: column 2 (name): control character U+0000 at"
	        " byte 3");
	/* C1 controls are valid UTF-8 but still controls (NEL here). */
	REFUSED("code,name\n1,Polk\xc2\x85\n",
	        ":2: column 2 (name): control character U+0085 at byte 5");
	/* A CR not before LF is kept, so it is refused, not silently dropped. */
	REFUSED("code,name\n1,Po\rlk\n", ":2: column 2 (name): control character U+000D at"
	        " byte 3");
	REFUSED("code,na\tme\n1,x\n", ":1: column 2: control character U+0009 at byte 3");
}

static void test_invalid_utf8(void **state)
{
	(void)state;
	/* A Latin-1 export: later it would break every JSON document. */
	REFUSED("fips,name\n19141,O'Brien\n19153,Po\xfflk\n",
	        ":3: column 2 (name): byte 3 (0xFF) is not UTF-8; save the file as UTF-8");
	REFUSED("fips,name\n19141,Caf\xe9\n",
	        ":2: column 2 (name): byte 4 (0xE9) is not UTF-8; save the file as UTF-8");
	/* Overlong "/" and a cut-off sequence at the end of a field. */
	REFUSED("a,b\n\xc0\xaf,x\n", ":2: column 1 (a): byte 1 (0xC0) is not UTF-8; save the"
	        " file as UTF-8");
	REFUSED("a,b\nx,\"\xe2\x80\"\n", ":2: column 2 (b): byte 1 (0xE2) is not UTF-8; save"
	        " the file as UTF-8");
	/* In the header the column has no name yet. */
	REFUSED("fi\xffps,name\n1,2\n", ":1: column 1: byte 3 (0xFF) is not UTF-8; save the"
	        " file as UTF-8");
}

static void test_utf8_accepted(void **state)
{
	struct tmp t;
	struct wr_csv *c;

	(void)state;
	WRITE(&t, "name,other\nO\xe2\x80\x99" "Brien,\"Caf\xc3\xa9, \xf0\x9f\x97\xb3\"\n");
	c = open_ok(&t);
	next_row(c, 2);
	assert_string_equal(wr_csv_field(c, 0), "O\xe2\x80\x99" "Brien");
	assert_string_equal(wr_csv_field(c, 1), "Caf\xc3\xa9, \xf0\x9f\x97\xb3");
	at_end(c);
	wr_csv_close(c);
	rm_tmp(&t);
}

static void test_text_after_quote(void **state)
{
	(void)state;
	/* "Polk"x would silently become Polkx. */
	REFUSED("code,name\n1,\"Polk\"x\n", ":2: column 2: text after the closing quote");
	REFUSED("code,name\n\"1\" ,x\n", ":2: column 1: text after the closing quote");
}

static void test_crlf(void **state)
{
	struct tmp t;
	struct wr_csv *c;

	(void)state;
	/* Spreadsheets on Windows write CRLF; no \r may end up in a code. */
	WRITE(&t, "code,name\r\n19153-001,Des Moines\r\n\"19153-002\",\"Quoted\"\r\n");
	c = open_ok(&t);
	assert_int_equal(col(c, "name"), 1);   /* no "name\r" in the header */
	next_row(c, 2);
	assert_string_equal(wr_csv_field(c, 0), "19153-001");
	assert_string_equal(wr_csv_field(c, 1), "Des Moines");
	next_row(c, 3);
	assert_string_equal(wr_csv_field(c, 0), "19153-002");
	assert_string_equal(wr_csv_field(c, 1), "Quoted");
	at_end(c);
	wr_csv_close(c);
	rm_tmp(&t);
}

static void test_blank_lines_skipped(void **state)
{
	struct tmp t;
	struct wr_csv *c;

	(void)state;
	WRITE(&t, "code,name\n\n1,one\n\r\n\n2,two\n\n");
	c = open_ok(&t);
	next_row(c, 3);
	assert_string_equal(wr_csv_field(c, 1), "one");
	next_row(c, 6);
	assert_string_equal(wr_csv_field(c, 1), "two");
	at_end(c);
	wr_csv_close(c);
	rm_tmp(&t);
}

static void test_no_final_newline(void **state)
{
	struct tmp t;
	struct wr_csv *c;

	(void)state;
	WRITE(&t, "code,name\n1,one\n2,two");
	c = open_ok(&t);
	next_row(c, 2);
	next_row(c, 3);
	assert_string_equal(wr_csv_field(c, 1), "two");
	at_end(c);
	wr_csv_close(c);
	rm_tmp(&t);
}

static void test_wrong_field_count(void **state)
{
	struct tmp t;
	struct wr_csv *c;
	struct wr_err err;
	char want[192];

	(void)state;
	WRITE(&t, "code,name,site\n1,a,s\n\n2,b\n");
	c = open_ok(&t);
	next_row(c, 2);
	assert_int_equal(wr_csv_next(c, &err), WR_EINVAL);
	snprintf(want, sizeof want, "%s:4: 2 fields, the header has 3", t.path);
	assert_string_equal(err.msg, want);
	wr_csv_close(c);
	rm_tmp(&t);

	/* A trailing comma is one field too many, also refused. */
	WRITE(&t, "code,name\n1,a,\n");
	c = open_ok(&t);
	assert_int_equal(wr_csv_next(c, &err), WR_EINVAL);
	snprintf(want, sizeof want, "%s:2: 3 fields, the header has 2", t.path);
	assert_string_equal(err.msg, want);
	wr_csv_close(c);
	rm_tmp(&t);
}

static void test_missing_column(void **state)
{
	struct tmp t;
	struct wr_csv *c;
	struct wr_err err;
	size_t idx = 42;
	char want[256];

	(void)state;
	WRITE(&t, "code,county_fips,name\n1,19153,x\n");
	c = open_ok(&t);
	assert_int_equal(wr_csv_column(c, "registered_rep", &idx, &err), WR_EINVAL);
	assert_int_equal(idx, 42);
	snprintf(want, sizeof want,
	         "%s:1: missing column \"registered_rep\" (header has code,county_fips,name)",
	         t.path);
	assert_string_equal(err.msg, want);
	/* Names match exactly: no case folding or prefix matches. */
	assert_int_equal(wr_csv_column(c, "Code", &idx, &err), WR_EINVAL);
	assert_int_equal(wr_csv_column(c, "county", &idx, &err), WR_EINVAL);
	wr_csv_close(c);
	rm_tmp(&t);
}

static void test_bom_header(void **state)
{
	struct tmp t;
	struct wr_csv *c;
	struct wr_err err;
	size_t idx = 99;
	int rc;

	(void)state;
	/* Excel's "CSV UTF-8" starts the file with a byte-order mark; the
	 * first column must still be found by its name (lines.c strips the
	 * BOM for NDJSON for the same reason). */
	WRITE(&t, "\xef\xbb\xbf" "code,name\n1,one\n");
	c = open_ok(&t);
	rc = wr_csv_column(c, "code", &idx, &err);
	wr_csv_close(c);
	rm_tmp(&t);
	if (rc != WR_OK)
		fail_msg("BOM kept in the first header name: %s", err.msg);
	assert_int_equal(idx, 0);
}

static void test_int(void **state)
{
	struct tmp t;
	struct wr_csv *c;
	struct wr_err err;
	long long v = -7;
	char want[256];

	(void)state;
	WRITE(&t, "n\n0\n100\n101\n-1\nabc\n12x\n\n99999999999999999999\n-5\n 7\n+7\n-\n");
	c = open_ok(&t);

	next_row(c, 2);
	assert_int_equal(wr_csv_int(c, 0, 0, 100, &v, &err), WR_OK);
	assert_int_equal(v, 0);
	next_row(c, 3);
	assert_int_equal(wr_csv_int(c, 0, 0, 100, &v, &err), WR_OK);
	assert_int_equal(v, 100);

	next_row(c, 4);
	v = -7;
	assert_int_equal(wr_csv_int(c, 0, 0, 100, &v, &err), WR_EINVAL);
	assert_int_equal(v, -7);   /* untouched on error */
	snprintf(want, sizeof want, "%s:4: column \"n\": 101 is outside 0..100", t.path);
	assert_string_equal(err.msg, want);

	next_row(c, 5);
	assert_int_equal(wr_csv_int(c, 0, 0, 100, &v, &err), WR_EINVAL);
	snprintf(want, sizeof want, "%s:5: column \"n\": -1 is outside 0..100", t.path);
	assert_string_equal(err.msg, want);

	next_row(c, 6);
	assert_int_equal(wr_csv_int(c, 0, 0, 100, &v, &err), WR_EINVAL);
	snprintf(want, sizeof want, "%s:6: column \"n\": \"abc\" is not an integer", t.path);
	assert_string_equal(err.msg, want);

	next_row(c, 7);
	assert_int_equal(wr_csv_int(c, 0, 0, 100, &v, &err), WR_EINVAL);
	snprintf(want, sizeof want, "%s:7: column \"n\": \"12x\" is not an integer", t.path);
	assert_string_equal(err.msg, want);

	/* Line 8 is blank and skipped. Beyond 64 bits is refused, not
	 * clamped to LLONG_MAX. */
	next_row(c, 9);
	assert_int_equal(wr_csv_int(c, 0, 0, LLONG_MAX, &v, &err), WR_EINVAL);
	assert_non_null(strstr(err.msg, ":9: column \"n\""));

	next_row(c, 10);
	assert_int_equal(wr_csv_int(c, 0, -5, -5, &v, &err), WR_OK);
	assert_int_equal(v, -5);

	/* strtoll would take a leading space or plus sign; a count is digits. */
	next_row(c, 11);
	assert_int_equal(wr_csv_int(c, 0, 0, 100, &v, &err), WR_EINVAL);
	snprintf(want, sizeof want, "%s:11: column \"n\": \" 7\" is not an integer", t.path);
	assert_string_equal(err.msg, want);
	next_row(c, 12);
	assert_int_equal(wr_csv_int(c, 0, 0, 100, &v, &err), WR_EINVAL);
	next_row(c, 13);
	assert_int_equal(wr_csv_int(c, 0, -100, 100, &v, &err), WR_EINVAL);
	assert_int_equal(v, -5);
	at_end(c);
	wr_csv_close(c);
	rm_tmp(&t);
}

static void test_int_empty(void **state)
{
	struct tmp t;
	struct wr_csv *c;
	struct wr_err err;
	long long v = -7;

	(void)state;
	/* An empty count is missing data, never zero. */
	WRITE(&t, "code,n\n1,\n2,\"\"\n");
	c = open_ok(&t);
	next_row(c, 2);
	assert_int_equal(wr_csv_int(c, 1, 0, 100, &v, &err), WR_EINVAL);
	assert_non_null(strstr(err.msg, ":2: column \"n\": \"\" is not an integer"));
	next_row(c, 3);
	assert_int_equal(wr_csv_int(c, 1, 0, 100, &v, &err), WR_EINVAL);
	assert_non_null(strstr(err.msg, ":3: column \"n\": \"\" is not an integer"));
	assert_int_equal(v, -7);
	wr_csv_close(c);
	rm_tmp(&t);
}

static void test_open_errors(void **state)
{
	struct tmp t;
	struct wr_csv *c = NULL;
	struct wr_err err;
	char want[192];

	(void)state;
	assert_int_equal(wr_csv_open(&c, "/nonexistent/dir/x.csv", &err), WR_EIO);
	assert_null(c);
	assert_non_null(strstr(err.msg, "/nonexistent/dir/x.csv: cannot open"));

	WRITE(&t, "");
	assert_int_equal(wr_csv_open(&c, t.path, &err), WR_EINVAL);
	assert_null(c);
	snprintf(want, sizeof want, "%s: empty file: expected a header row", t.path);
	assert_string_equal(err.msg, want);
	rm_tmp(&t);

	/* An unterminated quote in the header refuses the file. */
	WRITE(&t, "code,\"name\n1,2\n");
	assert_int_equal(wr_csv_open(&c, t.path, &err), WR_EINVAL);
	assert_null(c);
	snprintf(want, sizeof want, "%s:1: unterminated quoted field", t.path);
	assert_string_equal(err.msg, want);
	rm_tmp(&t);
}

static void test_unterminated_quote_row(void **state)
{
	struct tmp t;
	struct wr_csv *c;
	struct wr_err err;
	char want[192];

	(void)state;
	/* The message names the line the row starts on, not the end of file. */
	WRITE(&t, "code,name\n1,ok\n2,\"never closed\n3,x\n4,y\n");
	c = open_ok(&t);
	next_row(c, 2);
	assert_int_equal(wr_csv_next(c, &err), WR_EINVAL);
	snprintf(want, sizeof want, "%s:3: unterminated quoted field", t.path);
	assert_string_equal(err.msg, want);
	wr_csv_close(c);
	rm_tmp(&t);
}

static void test_long_fields(void **state)
{
	struct tmp t;
	struct wr_csv *c;
	char *content, *big;
	size_t n = 5000;

	(void)state;
	/* Fields longer than the initial buffer grow it without corruption. */
	big = malloc(n + 1);
	assert_non_null(big);
	memset(big, 'q', n);
	big[n] = '\0';
	content = malloc(2 * n + 64);
	assert_non_null(content);
	snprintf(content, 2 * n + 64, "a,b\n%s,\"%s\"\n", big, big);
	write_csv(&t, content, strlen(content));
	c = open_ok(&t);
	next_row(c, 2);
	assert_string_equal(wr_csv_field(c, 0), big);
	assert_string_equal(wr_csv_field(c, 1), big);
	at_end(c);
	wr_csv_close(c);
	rm_tmp(&t);
	free(content);
	free(big);
}

static void test_close_null(void **state)
{
	(void)state;
	wr_csv_close(NULL);   /* cleanup paths call it unconditionally */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plain_rows),
		cmocka_unit_test(test_reordered_header),
		cmocka_unit_test(test_quoted_fields),
		cmocka_unit_test(test_embedded_newline),
		cmocka_unit_test(test_control_characters),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_utf8_accepted),
		cmocka_unit_test(test_text_after_quote),
		cmocka_unit_test(test_crlf),
		cmocka_unit_test(test_blank_lines_skipped),
		cmocka_unit_test(test_no_final_newline),
		cmocka_unit_test(test_wrong_field_count),
		cmocka_unit_test(test_missing_column),
		cmocka_unit_test(test_bom_header),
		cmocka_unit_test(test_int),
		cmocka_unit_test(test_int_empty),
		cmocka_unit_test(test_open_errors),
		cmocka_unit_test(test_unterminated_quote_row),
		cmocka_unit_test(test_long_fields),
		cmocka_unit_test(test_close_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
