/* UTF-8 validation guards every byte a source sends before it reaches the
 * JSON parser and the store; a bad byte must be refused and its offset
 * reported so the quarantine message points at it. */
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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
