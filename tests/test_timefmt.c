/* RFC 3339 parsing and UTC formatting. Tallies carry the reporter's clock
 * with an offset; a wrong conversion would misorder tallies or let a bad
 * timestamp slip past the "in the future" and "before the caucus" checks. */
#include "testutil.h"

#include <time.h>

#include "warroom/timefmt.h"

/* 2024-01-16T01:00:00Z, i.e. caucus opening in Iowa (19:00 CST). */
#define OPENS 1705366800LL

static int64_t parse_ok(const char *s)
{
	struct wr_err err;
	int64_t t = 0;

	wr_err_clear(&err);
	if (wr_time_parse(s, &t, &err) != WR_OK)
		fail_msg("\"%s\" refused: %s", s, err.msg);
	return t;
}

/* Asserts refusal and that the message quotes the input, so an operator
 * sees which timestamp was wrong; returns the message for further checks. */
static void parse_bad(const char *s, const char *msg_has)
{
	struct wr_err err;
	int64_t t = 12345;

	wr_err_clear(&err);
	if (wr_time_parse(s, &t, &err) != WR_EINVAL)
		fail_msg("\"%s\" accepted as %lld", s, (long long)t);
	if (!strstr(err.msg, s))
		fail_msg("message for \"%s\" does not quote it: %s", s, err.msg);
	if (msg_has && !strstr(err.msg, msg_has))
		fail_msg("message for \"%s\" lacks \"%s\": %s", s, msg_has, err.msg);
}

static void test_utc_z(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("2024-01-16T01:00:00Z"), OPENS);
	/* RFC 3339 allows lower-case z and t. */
	assert_int_equal(parse_ok("2024-01-16t01:00:00z"), OPENS);
	assert_int_equal(parse_ok("1970-01-01T00:00:00Z"), 0);
}

static void test_offsets(void **state)
{
	(void)state;
	/* The same instant from Iowa, UTC+00:00 and India must agree. */
	assert_int_equal(parse_ok("2024-01-15T19:00:00-06:00"), OPENS);
	assert_int_equal(parse_ok("2024-01-16T01:00:00+00:00"), OPENS);
	assert_int_equal(parse_ok("2024-01-16T06:30:00+05:30"), OPENS);
	assert_int_equal(parse_ok("2024-01-16T01:00:00-00:00"), OPENS);
	/* An offset that crosses midnight and a month boundary. */
	assert_int_equal(parse_ok("2024-02-29T18:00:00-06:00"), 1709251200LL);
	assert_int_equal(parse_ok("2024-03-01T00:00:00Z"), 1709251200LL);
}

static void test_fractions(void **state)
{
	(void)state;
	/* Phones send milliseconds or more; the store keeps whole seconds. */
	assert_int_equal(parse_ok("2024-01-16T01:00:00.5Z"), OPENS);
	assert_int_equal(parse_ok("2024-01-16T01:00:00.999999999Z"), OPENS);
	assert_int_equal(parse_ok("2024-01-15T19:00:00.123-06:00"), OPENS);
	parse_bad("2024-01-16T01:00:00.Z", "empty fraction");
}

static void test_before_epoch(void **state)
{
	(void)state;
	assert_int_equal(parse_ok("1969-12-31T23:59:59Z"), -1);
	assert_int_equal(parse_ok("1900-01-01T00:00:00Z"), -2208988800LL);
}

static void test_no_zone_refused(void **state)
{
	(void)state;
	/* Whose clock? A zone-less time is ambiguous by six hours in Iowa. */
	parse_bad("2024-01-15T19:00:00", "no zone");
	parse_bad("2024-01-15T19:00:00.250", "no zone");
}

static void test_calendar(void **state)
{
	(void)state;
	parse_bad("2024-02-30T12:00:00Z", "not a real date");
	parse_bad("2023-02-29T12:00:00Z", "not a real date");
	assert_int_equal(parse_ok("2024-02-29T12:00:00Z"), 1709208000LL);
	/* Century rules: 2000 was a leap year, 1900 and 2100 are not. */
	assert_int_equal(parse_ok("2000-02-29T00:00:00Z"), 951782400LL);
	parse_bad("2100-02-29T00:00:00Z", "not a real date");
	parse_bad("1900-02-29T00:00:00Z", "not a real date");
	parse_bad("2024-04-31T00:00:00Z", "not a real date");
	parse_bad("2024-00-10T00:00:00Z", "not a real date");
	parse_bad("2024-13-10T00:00:00Z", "not a real date");
	parse_bad("2024-01-00T00:00:00Z", "not a real date");
	parse_bad("2024-01-15T24:00:00Z", "not a real date");
	parse_bad("2024-01-15T23:60:00Z", "not a real date");
	parse_bad("2024-01-15T23:59:61Z", "not a real date");
	assert_int_equal(parse_ok("2024-12-31T23:59:59Z") + 1, parse_ok("2025-01-01T00:00:00Z"));
}

static void test_leap_second(void **state)
{
	(void)state;
	/* :60 sorts with the second before it rather than being refused. */
	assert_int_equal(parse_ok("2016-12-31T23:59:60Z"), parse_ok("2016-12-31T23:59:59Z"));
}

static void test_bad_offset(void **state)
{
	(void)state;
	parse_bad("2024-01-15T19:00:00+24:00", "zone offset");
	parse_bad("2024-01-15T19:00:00-06:60", "zone offset");
	parse_bad("2024-01-15T19:00:00-0600", "zone offset");
	parse_bad("2024-01-15T19:00:00-6:00", "zone offset");
	parse_bad("2024-01-15T19:00:00-06", "zone offset");
	parse_bad("2024-01-15T19:00:00+", "zone offset");
}

static void test_trailing_text(void **state)
{
	(void)state;
	parse_bad("2024-01-15T19:00:00Zjunk", "after time");
	parse_bad("2024-01-15T19:00:00-06:00 ", "after time");
	parse_bad("2024-01-15T19:00:00-06:00:00", "after time");
}

static void test_malformed(void **state)
{
	(void)state;
	parse_bad("", "RFC 3339");
	parse_bad("2024-1-15T19:00:00Z", "RFC 3339");
	parse_bad("2024/01/15T19:00:00Z", "RFC 3339");
	parse_bad("2024-01-15", "RFC 3339");
	parse_bad("2024-01-15T19:00Z", "RFC 3339");
	parse_bad("1705366800", "RFC 3339");
	parse_bad("2024-01-15X19:00:00Z", "RFC 3339");
}

static void test_null_err_ok(void **state)
{
	int64_t t;

	(void)state;
	/* wr_time_now parses with no error sink; that must not crash. */
	assert_int_equal(wr_time_parse("garbage", &t, NULL), WR_EINVAL);
	assert_int_equal(wr_time_parse("2024-01-16T01:00:00Z", &t, NULL), WR_OK);
	assert_int_equal(t, OPENS);
}

static void check_format(int64_t t, const char *want)
{
	char out[32];

	memset(out, 'x', sizeof out);
	wr_time_format_utc(t, out);
	assert_string_equal(out, want);
	assert_int_equal(parse_ok(out), t);
}

static void test_format(void **state)
{
	(void)state;
	check_format(0, "1970-01-01T00:00:00Z");
	check_format(OPENS, "2024-01-16T01:00:00Z");
	check_format(1709208000LL, "2024-02-29T12:00:00Z");
	check_format(4107542400LL, "2100-03-01T00:00:00Z");
	/* Negative times floor toward the earlier day, not toward zero. */
	check_format(-1, "1969-12-31T23:59:59Z");
	check_format(-86400, "1969-12-31T00:00:00Z");
	check_format(-86401, "1969-12-30T23:59:59Z");
	check_format(-2208988800LL, "1900-01-01T00:00:00Z");
	check_format(951782399LL, "2000-02-28T23:59:59Z");
}

static void test_round_trip_sweep(void **state)
{
	char out[32];

	(void)state;
	/* Every hour-and-some across 1968..2040 (a prime step hits all times
	 * of day and month ends), both signs of the epoch. */
	for (int64_t t = -63158400LL; t < 2208988800LL; t += 86400LL * 3 + 3607) {
		wr_time_format_utc(t, out);
		assert_int_equal(strlen(out), 20);
		if (parse_ok(out) != t)
			fail_msg("%lld formatted as %s parses back as %lld", (long long)t, out,
			         (long long)parse_ok(out));
	}
}

static void test_now_override(void **state)
{
	time_t before, after;
	int64_t t;

	(void)state;
	/* Replays of a past night must see that night's clock. */
	assert_int_equal(setenv("WARROOM_NOW", "2024-01-15T19:00:00-06:00", 1), 0);
	assert_int_equal(wr_time_now(), OPENS);
	assert_int_equal(setenv("WARROOM_NOW", "1969-12-31T23:59:59Z", 1), 0);
	assert_int_equal(wr_time_now(), -1);

	/* An unreadable override and an empty one fall back to the real clock. */
	assert_int_equal(setenv("WARROOM_NOW", "tomorrow", 1), 0);
	before = time(NULL);
	t = wr_time_now();
	after = time(NULL);
	assert_true(t >= (int64_t)before && t <= (int64_t)after);
	assert_int_equal(setenv("WARROOM_NOW", "", 1), 0);
	t = wr_time_now();
	assert_true(t >= (int64_t)before && t <= (int64_t)time(NULL));

	assert_int_equal(unsetenv("WARROOM_NOW"), 0);
	before = time(NULL);
	t = wr_time_now();
	after = time(NULL);
	assert_true(t >= (int64_t)before && t <= (int64_t)after);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utc_z),
		cmocka_unit_test(test_offsets),
		cmocka_unit_test(test_fractions),
		cmocka_unit_test(test_before_epoch),
		cmocka_unit_test(test_no_zone_refused),
		cmocka_unit_test(test_calendar),
		cmocka_unit_test(test_leap_second),
		cmocka_unit_test(test_bad_offset),
		cmocka_unit_test(test_trailing_text),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_null_err_ok),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip_sweep),
		cmocka_unit_test(test_now_override),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
