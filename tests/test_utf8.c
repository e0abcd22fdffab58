/* UTF-8 validation guards every byte a source sends before it reaches the
 * JSON parser and the store; a bad byte must be refused and its offset
 * reported so the quarantine message points at it. Text echoed back in a
 * message goes through the escaper, which must never pass on a control
 * character or cut a character in two. */
#include "testutil.h"

#include "warroom/utf8.h"

#define VALID(lit) check_valid(lit, sizeof(lit) - 1)
#define INVALID(lit, off) check_invalid(lit, sizeof(lit) - 1, off)

static void check_valid(const char *s, size_t len)
{
	size_t bad = 999;

	if (!wr_utf8_valid(s, len, &bad))
		fail_msg("valid input of %zu bytes refused at %zu", len, bad);
	/* A valid buffer leaves *bad alone. */
	assert_int_equal(bad, 999);
}

static void check_invalid(const char *s, size_t len, size_t want)
{
	size_t bad = 999;

	if (wr_utf8_valid(s, len, &bad))
		fail_msg("invalid input of %zu bytes accepted", len);
	if (bad != want)
		fail_msg("bad offset %zu, expected %zu", bad, want);
}

static void test_ascii_and_empty(void **state)
{
	(void)state;
	check_valid("", 0);
	VALID("{\"precinct\": \"19153-001\"}");
	/* NUL is valid UTF-8; refusing it is the submission parser's job. */
	VALID("a\0b");
	VALID("\x7f");
}

static void test_multibyte(void **state)
{
	(void)state;
	VALID("\xc2\x80");                 /* U+0080, smallest 2-byte */
	VALID("O\xe2\x80\x99" "Brien");     /* U+2019 right single quote */
	VALID("Dubuque \xc3\xa9t\xc3\xa9"); /* é */
	VALID("\xdf\xbf");                 /* U+07FF */
	VALID("\xe0\xa0\x80");             /* U+0800, smallest 3-byte */
	VALID("\xed\x9f\xbf");             /* U+D7FF, just below surrogates */
	VALID("\xee\x80\x80");             /* U+E000, just above surrogates */
	VALID("\xef\xbf\xbf");             /* U+FFFF */
	VALID("\xf0\x90\x80\x80");         /* U+10000, smallest 4-byte */
	VALID("\xf0\x9f\x97\xb3");         /* U+1F5F3 ballot box emoji */
	VALID("\xf4\x8f\xbf\xbf");         /* U+10FFFF, the last code point */
}

static void test_overlong(void **state)
{
	(void)state;
	/* Overlong NUL and slash are classic filter bypasses. */
	INVALID("\xc0\x80", 0);
	INVALID("ab\xc1\xbf", 2);
	INVALID("\xe0\x80\x80", 0);
	INVALID("xyz\xe0\x9f\xbf", 3);
	INVALID("\xf0\x80\x80\x80", 0);
	INVALID("\xf0\x8f\xbf\xbf", 0);
}

static void test_surrogates(void **state)
{
	(void)state;
	INVALID("\xed\xa0\x80", 0);          /* U+D800 */
	INVALID("ok \xed\xbf\xbf", 3);       /* U+DFFF */
	INVALID("\xed\xa0\xbd\xed\xb2\xa9", 0); /* CESU-8 pair */
}

static void test_beyond_unicode(void **state)
{
	(void)state;
	INVALID("\xf4\x90\x80\x80", 0);      /* U+110000 */
	INVALID("a\xf5\x80\x80\x80", 1);     /* lead bytes F5..FF never occur */
	INVALID("a\xf8\x88\x80\x80\x80", 1);
	INVALID("\xff", 0);
	INVALID("\xfe", 0);
}

static void test_stray_continuation(void **state)
{
	(void)state;
	INVALID("\x80", 0);
	INVALID("abc\xbf", 3);
	/* Offset counts whole sequences before it: é is two bytes. */
	INVALID("\xc3\xa9\x80", 2);
}

static void test_truncated(void **state)
{
	(void)state;
	/* A record cut in the middle of a character. */
	INVALID("abc\xe2\x82", 3);
	INVALID("abc\xc3", 3);
	INVALID("\xf0\x9f\x97", 0);
	/* Truncated before an ASCII byte: the sequence start is reported. */
	INVALID("\xe2\x82" "A", 0);
	INVALID("x\xc3" "A", 1);
	INVALID("\xf0\x9f" "AB", 0);
	/* The length, not the NUL terminator, bounds the check. */
	check_invalid("\xc3\xa9", 1, 0);
	check_valid("\xc3\xa9\xc3", 2);
}

static void test_bad_pointer_optional(void **state)
{
	(void)state;
	/* Callers that only want a yes/no may pass NULL. */
	assert_false(wr_utf8_valid("\xc0\x80", 2, NULL));
	assert_true(wr_utf8_valid("ok", 2, NULL));
}

static void test_decode(void **state)
{
	uint32_t cp = 0;

	(void)state;
	assert_int_equal(wr_utf8_decode("A", 1, &cp), 1);
	assert_int_equal(cp, 'A');
	assert_int_equal(wr_utf8_decode("\xc3\xa9", 2, &cp), 2);
	assert_int_equal(cp, 0xe9);
	assert_int_equal(wr_utf8_decode("\xe2\x80\xae", 3, &cp), 3);
	assert_int_equal(cp, 0x202e);
	assert_int_equal(wr_utf8_decode("\xf4\x8f\xbf\xbf", 4, &cp), 4);
	assert_int_equal(cp, 0x10ffff);
	/* Not UTF-8, or cut short by len: 0, whatever follows. */
	assert_int_equal(wr_utf8_decode("\xc3\xa9", 1, &cp), 0);
	assert_int_equal(wr_utf8_decode("\xc0\x80", 2, &cp), 0);
	assert_int_equal(wr_utf8_decode("\xed\xa0\x80", 3, &cp), 0);
	assert_int_equal(wr_utf8_decode("\xe2\x28\xa1", 3, &cp), 0);
	assert_int_equal(wr_utf8_decode("", 0, &cp), 0);
}

static void test_is_control(void **state)
{
	static const uint32_t yes[] = { 0x00, 0x07, 0x1b, 0x1f, 0x7f, 0x80, 0x85,
	                                0x9b, 0x9f, 0x061c, 0x200e, 0x200f, 0x202a,
	                                0x202e, 0x2066, 0x2069 };
	/* Printable neighbours, and characters Iowa names really use. */
	static const uint32_t no[] = { 0x20, 0x7e, 0xa0, 0xe9, 0x200d, 0x2019,
	                               0x2029, 0x202f, 0x2065, 0x206a, 0x1f5f3 };

	(void)state;
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		if (!wr_utf8_is_control(yes[i]))
			fail_msg("U+%04X is a control", (unsigned)yes[i]);
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		if (wr_utf8_is_control(no[i]))
			fail_msg("U+%04X is not a control", (unsigned)no[i]);
}

static void test_find_control(void **state)
{
	size_t off = 99;
	uint32_t cp = 0;

	(void)state;
	assert_false(wr_utf8_find_control("Des Moines \xc3\xa9", 13, &off, &cp));
	/* The offset counts bytes: é before it is two. */
	assert_true(wr_utf8_find_control("\xc3\xa9x\xc2\x9b", 5, &off, &cp));
	assert_int_equal(off, 3);
	assert_int_equal(cp, 0x9b);
	assert_true(wr_utf8_find_control("ab\xe2\x81\xa6", 5, &off, &cp));
	assert_int_equal(off, 2);
	assert_int_equal(cp, 0x2066);
	assert_true(wr_utf8_find_control("a\x7f", 2, &off, &cp));
	assert_int_equal(off, 1);
	/* An invalid byte is skipped, not taken for a control. */
	assert_true(wr_utf8_find_control("\xff\x1b", 2, &off, &cp));
	assert_int_equal(off, 1);
	assert_int_equal(cp, 0x1b);
}

#define ESC(lit, flags, want) check_escape(lit, sizeof(lit) - 1, 64, flags, want)

static void check_escape(const char *s, size_t len, size_t n, int flags,
                         const char *want)
{
	char out[256];

	memset(out, 'x', sizeof out);
	assert_int_equal(wr_utf8_escape(out, n, s, len, flags), strlen(want));
	assert_string_equal(out, want);
}

static void test_escape(void **state)
{
	(void)state;
	ESC("Polk \xc3\xa9", 0, "Polk \xc3\xa9");
	/* The title-setting and screen-clearing sequences of the review. */
	ESC("\x1b]0;pwned\x07\x1b[2J", 0, "\\u001b]0;pwned\\u0007\\u001b[2J");
	ESC("\x7f\xc2\x9b\xe2\x80\xae", 0, "\\u007f\\u009b\\u202e");
	ESC("a\0b", 0, "a\\u0000b");
	/* Bytes that are not UTF-8 are shown as bytes, never passed on. */
	ESC("Jos\xe9", 0, "Jos\\xe9");
	ESC("\xc3", 0, "\\xc3");
	/* Quotes and backslashes only when asked: a key between quotes. */
	ESC("a\"b\\c", 0, "a\"b\\c");
	ESC("a\"b\\c", WR_ESC_QUOTED, "a\\\"b\\\\c");
	ESC("", 0, "");
}

static void test_escape_cut(void **state)
{
	char out[8];

	(void)state;
	/* Fits exactly (7 bytes and the NUL): no cut. */
	check_escape("abcdefg", 7, 8, 0, "abcdefg");
	check_escape("abcdefgh", 8, 8, 0, "abcd...");
	/* Never half a character: "...", then the NUL, fits after 2 of 3 é. */
	check_escape("\xc3\xa9\xc3\xa9\xc3\xa9\xc3\xa9", 8, 8, 0, "\xc3\xa9\xc3\xa9...");
	check_escape("\xc3\xa9\xc3\xa9\xc3\xa9", 6, 8, 0, "\xc3\xa9\xc3\xa9\xc3\xa9");
	/* Never half an escape either. */
	check_escape("\x1b\x1b", 2, 8, 0, "...");
	check_escape("a\x1b", 2, 10, 0, "a\\u001b");
	check_escape("ab\x1b", 3, 8, 0, "ab...");
	/* Too small for "...": whole units only, still terminated. */
	check_escape("abcdef", 6, 3, 0, "ab");
	check_escape("\xc3\xa9\xc3\xa9", 4, 3, 0, "\xc3\xa9");
	check_escape("\xc3\xa9", 2, 2, 0, "");
	check_escape("abc", 3, 1, 0, "");
	out[0] = 'x';
	assert_int_equal(wr_utf8_escape(out, 0, "abc", 3, 0), 0);
	assert_int_equal(out[0], 'x');
}

static void test_prefix(void **state)
{
	(void)state;
	assert_int_equal(wr_utf8_prefix("abc", 2), 2);
	assert_int_equal(wr_utf8_prefix("abc", 10), 3);
	/* 2 bytes of "é€" would cut the euro sign after é. */
	assert_int_equal(wr_utf8_prefix("\xc3\xa9\xe2\x82\xac", 3), 2);
	assert_int_equal(wr_utf8_prefix("\xc3\xa9\xe2\x82\xac", 4), 2);
	assert_int_equal(wr_utf8_prefix("\xc3\xa9\xe2\x82\xac", 5), 5);
	assert_int_equal(wr_utf8_prefix("\xc3\xa9", 1), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ascii_and_empty),
		cmocka_unit_test(test_multibyte),
		cmocka_unit_test(test_overlong),
		cmocka_unit_test(test_surrogates),
		cmocka_unit_test(test_beyond_unicode),
		cmocka_unit_test(test_stray_continuation),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_pointer_optional),
		cmocka_unit_test(test_decode),
		cmocka_unit_test(test_is_control),
		cmocka_unit_test(test_find_control),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_escape_cut),
		cmocka_unit_test(test_prefix),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
