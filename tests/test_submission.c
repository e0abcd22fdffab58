/* The submission schema is the gate every tally passes. Each refusal must
 * name the field (err.field, and first in err.msg) so quarantine tells the
 * operator what to ask the precinct, and the content hash must tell a
 * resend from a changed tally. Parsing needs no store. */
#include "testutil.h"

#include <sodium.h>

#include "warroom/submission.h"
#include "warroom/utf8.h"

/* 2024-01-16T03:00:00Z: two hours into caucus night. */
#define NOW 1705374000LL

/* The pieces of a good record, so each test changes exactly one. */
#define ID "\"submission_id\":\"app-0001\""
#define SRC "\"source\":\"app\""
#define PCT "\"precinct\":\"19153-001\""
#define AT "\"reported_at\":\"2024-01-15T20:01:00-06:00\""
#define WHO "\"reporter\":\"chair-19153-001\""
#define DEV "\"device\":\"ios-7f3a\""
#define VOTES "\"votes\":{\"haley\":5,\"trump\":40,\"desantis\":12}"
#define TOTAL "\"total\":57"
/* A good record up to its votes, for the tests that change votes or total. */
#define UPTO_VOTES "{" ID "," SRC "," PCT "," AT "," WHO ","
#define GOOD UPTO_VOTES DEV "," VOTES "," TOTAL "}"

static struct wr_contest contest;

static int setup(void **state)
{
	static const char *ids[] = { "trump", "desantis", "haley" };

	(void)state;
	memset(&contest, 0, sizeof contest);
	snprintf(contest.id, sizeof contest.id, "ia-gop-2024");
	contest.ncand = 3;
	for (size_t i = 0; i < 3; i++)
		snprintf(contest.cand[i].id, sizeof contest.cand[i].id, "%s", ids[i]);
	return 0;
}

static void parse_ok_n(const char *buf, size_t len, struct wr_submission *s)
{
	struct wr_err err;

	if (wr_submission_parse(buf, len, &contest, NOW, s, &err) != WR_OK)
		fail_msg("refused: %s (record: %.200s)", err.msg, buf);
}

static void parse_ok(const char *json, struct wr_submission *s)
{
	parse_ok_n(json, strlen(json), s);
}

/* Asserts refusal naming field (in err.field and leading err.msg) with a
 * reason containing why. */
static void bad_n(const char *buf, size_t len, const char *field, const char *why)
{
	struct wr_submission s;
	struct wr_err err;
	char lead[96];
	int rc;

	memset(&err, 'x', sizeof err);
	err.field[sizeof err.field - 1] = err.msg[sizeof err.msg - 1] = '\0';
	rc = wr_submission_parse(buf, len, &contest, NOW, &s, &err);
	if (rc != WR_EINVAL)
		fail_msg("accepted (rc %d), expected %s refused: %.300s", rc, field, buf);
	if (strcmp(err.field, field) != 0)
		fail_msg("field \"%s\", expected \"%s\" (msg: %s)", err.field, field, err.msg);
	if (field[0]) {
		snprintf(lead, sizeof lead, "%s: ", field);
		if (strncmp(err.msg, lead, strlen(lead)) != 0)
			fail_msg("message does not lead with the field: %s", err.msg);
	}
	if (!strstr(err.msg, why))
		fail_msg("message lacks \"%s\": %s", why, err.msg);
}

static void bad(const char *json, const char *field, const char *why)
{
	bad_n(json, strlen(json), field, why);
}

static void test_good_record(void **state)
{
	struct wr_submission s;

	(void)state;
	parse_ok(GOOD, &s);
	assert_string_equal(s.submission_id, "app-0001");
	assert_int_equal(s.source, WR_SRC_APP);
	assert_string_equal(s.precinct, "19153-001");
	assert_string_equal(s.county, "");
	assert_string_equal(s.precinct_name, "");
	/* Stored in UTC whatever the reporter's offset. */
	assert_int_equal(s.reported_at, 1705370460LL);
	assert_string_equal(s.reporter, "chair-19153-001");
	assert_string_equal(s.device, "ios-7f3a");
	/* Votes land in ballot order, not the order the keys were sent. */
	assert_int_equal(s.nvotes, 3);
	assert_int_equal(s.votes[0], 40);
	assert_int_equal(s.votes[1], 12);
	assert_int_equal(s.votes[2], 5);
	assert_int_equal(s.total, 57);
}

static void test_optional_fields(void **state)
{
	struct wr_submission s;
	char ref[128];

	(void)state;
	/* Hotline keying names the precinct by county and name, no device. */
	parse_ok("{" ID ",\"source\":\"hotline\",\"county\":\"Polk\","
	         "\"precinct_name\":\"Des Moines 3-2\"," AT "," WHO ","
	         "\"device\":null," VOTES "," TOTAL "}", &s);
	assert_int_equal(s.source, WR_SRC_HOTLINE);
	assert_string_equal(s.precinct, "");
	assert_string_equal(s.county, "Polk");
	assert_string_equal(s.precinct_name, "Des Moines 3-2");
	assert_string_equal(s.device, "");
	wr_submission_ref(&s, ref, sizeof ref);
	assert_string_equal(ref, "Polk / Des Moines 3-2");

	parse_ok("{" ID ",\"source\":\"import\"," PCT "," AT "," WHO "," VOTES "," TOTAL "}",
	         &s);
	assert_int_equal(s.source, WR_SRC_IMPORT);
	wr_submission_ref(&s, ref, sizeof ref);
	assert_string_equal(ref, "19153-001");

	assert_string_equal(wr_source_name(WR_SRC_APP), "app");
	assert_string_equal(wr_source_name(WR_SRC_HOTLINE), "hotline");
	assert_string_equal(wr_source_name(WR_SRC_IMPORT), "import");
}

static void test_whitespace_and_zero(void **state)
{
	struct wr_submission s;

	(void)state;
	parse_ok("  {\n\t" ID " ,\r\n " SRC "," PCT "," AT "," WHO ","
	         "\"votes\":{\"trump\":0,\"desantis\":0,\"haley\":0},\"total\":0 }\n", &s);
	assert_int_equal(s.votes[0], 0);
	assert_int_equal(s.total, 0);
}

static void test_missing_required(void **state)
{
	(void)state;
	bad("{" SRC "," PCT "," AT "," WHO "," VOTES "," TOTAL "}", "submission_id",
	    "missing required field");
	bad("{" ID "," PCT "," AT "," WHO "," VOTES "," TOTAL "}", "source",
	    "missing required field");
	bad("{" ID "," SRC "," PCT "," WHO "," VOTES "," TOTAL "}", "reported_at",
	    "missing required field");
	bad("{" ID "," SRC "," PCT "," AT "," VOTES "," TOTAL "}", "reporter",
	    "missing required field");
	bad(UPTO_VOTES TOTAL "}", "votes",
	    "missing required field");
	bad(UPTO_VOTES VOTES "}", "total",
	    "missing required field");
	bad("{}", "submission_id", "missing required field");
}

static void test_wrong_types(void **state)
{
	(void)state;
	bad("{\"submission_id\":42," SRC "," PCT "," AT "," WHO "," VOTES "," TOTAL "}",
	    "submission_id", "expected a string, got an integer");
	bad("{" ID ",\"source\":true," PCT "," AT "," WHO "," VOTES "," TOTAL "}",
	    "source", "expected a string, got a boolean");
	bad("{" ID "," SRC ",\"precinct\":19153001," AT "," WHO "," VOTES "," TOTAL "}",
	    "precinct", "expected a string, got an integer");
	bad("{" ID "," SRC "," PCT ",\"reported_at\":1705370460," WHO "," VOTES "," TOTAL "}",
	    "reported_at", "expected a string, got an integer");
	bad("{" ID "," SRC "," PCT "," AT ",\"reporter\":null," VOTES "," TOTAL "}",
	    "reporter", "expected a string, got null");
	bad("{" ID "," SRC "," PCT "," AT "," WHO ",\"device\":[]," VOTES "," TOTAL "}",
	    "device", "expected a string, got an array");
	bad("{" ID "," SRC "," PCT "," AT "," WHO ",\"votes\":[40,12,5]," TOTAL "}",
	    "votes", "got an array");
	bad(UPTO_VOTES VOTES ",\"total\":\"57\"}",
	    "total", "expected a non-negative integer, got a string");
	bad(UPTO_VOTES VOTES ",\"total\":{}}",
	    "total", "expected a non-negative integer, got an object");
}

static void test_vote_values(void **state)
{
	(void)state;
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":-1,\"desantis\":12,\"haley\":5}," TOTAL "}",
	    "votes.trump", "is negative (-1)");
	bad(UPTO_VOTES VOTES ",\"total\":-57}",
	    "total", "is negative (-57)");
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":40,\"desantis\":12.5,\"haley\":5}," TOTAL "}",
	    "votes.desantis", "expected a whole number of votes, got 12.5");
	bad(UPTO_VOTES VOTES ",\"total\":57.5}",
	    "total", "expected a whole number of votes, got 57.5");
	/* Whole numbers written with a decimal point read as JSON Schema
	 * reads them: 12.0 is 12. */
	{
		struct wr_submission s;

		parse_ok(UPTO_VOTES
		         "\"votes\":{\"trump\":4e1,\"desantis\":12.0,\"haley\":5},"
		         "\"total\":5.7e1}", &s);
		assert_int_equal(s.votes[0], 40);
		assert_int_equal(s.votes[1], 12);
		assert_int_equal(s.total, 57);
		parse_ok(UPTO_VOTES
		         "\"votes\":{\"trump\":0.0,\"desantis\":0,\"haley\":0},"
		         "\"total\":0}", &s);
		assert_int_equal(s.votes[0], 0);
	}
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":-4.0,\"desantis\":12,\"haley\":5}," TOTAL "}",
	    "votes.trump", "expected a whole number of votes");
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":\"40\",\"desantis\":12,\"haley\":5}," TOTAL "}",
	    "votes.trump", "expected a non-negative integer, got a string");
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":40,\"desantis\":12,\"haley\":null}," TOTAL "}",
	    "votes.haley", "got null");
}

static void test_candidates(void **state)
{
	(void)state;
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":40,\"desantis\":12,\"haley\":5,\"biden\":1}," TOTAL "}",
	    "votes.biden", "unknown candidate \"biden\" in contest ia-gop-2024");
	/* Case matters: ids are lower-case in the contest. */
	bad(UPTO_VOTES
	    "\"votes\":{\"Trump\":40,\"desantis\":12,\"haley\":5}," TOTAL "}",
	    "votes.Trump", "unknown candidate");
	/* A missing candidate is refused, never read as zero. */
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":40,\"desantis\":12}," TOTAL "}",
	    "votes", "missing candidate \"haley\"");
	bad("{" ID "," SRC "," PCT "," AT "," WHO ",\"votes\":{}," TOTAL "}",
	    "votes", "missing candidate \"trump\"");
}

static void test_unknown_field(void **state)
{
	(void)state;
	/* A misspelt optional field would otherwise vanish silently. */
	bad("{" ID "," SRC ",\"precint\":\"19153-001\"," AT "," WHO "," VOTES "," TOTAL "}",
	    "precint", "unknown field");
	bad(UPTO_VOTES VOTES "," TOTAL ",\"test\":true}",
	    "test", "unknown field");
}

static void test_source(void **state)
{
	(void)state;
	bad("{" ID ",\"source\":\"sms\"," PCT "," AT "," WHO "," VOTES "," TOTAL "}",
	    "source", "\"sms\" is not one of app, hotline, import");
	bad("{" ID ",\"source\":\"App\"," PCT "," AT "," WHO "," VOTES "," TOTAL "}",
	    "source", "is not one of");
	bad("{" ID ",\"source\":\"\"," PCT "," AT "," WHO "," VOTES "," TOTAL "}",
	    "source", "must not be empty");
}

static void test_submission_id(void **state)
{
	struct wr_submission s;
	char buf[512], id[200];

	(void)state;
	bad("{\"submission_id\":\"app 0001\"," SRC "," PCT "," AT "," WHO "," VOTES ","
	    TOTAL "}", "submission_id", "\"app 0001\" has ' '");
	bad("{\"submission_id\":\"app;drop\"," SRC "," PCT "," AT "," WHO "," VOTES ","
	    TOTAL "}", "submission_id", "has ';'");
	bad("{\"submission_id\":\"\"," SRC "," PCT "," AT "," WHO "," VOTES "," TOTAL "}",
	    "submission_id", "must not be empty");
	/* Every allowed punctuation mark passes. */
	parse_ok("{\"submission_id\":\"Hot.line_1:a@b/c-9\"," SRC "," PCT "," AT "," WHO
	         "," VOTES "," TOTAL "}", &s);
	assert_string_equal(s.submission_id, "Hot.line_1:a@b/c-9");

	/* 128 bytes fit, 129 do not. */
	memset(id, 'a', 128);
	id[128] = '\0';
	snprintf(buf, sizeof buf, "{\"submission_id\":\"%s\"," SRC "," PCT "," AT "," WHO
	         "," VOTES "," TOTAL "}", id);
	parse_ok(buf, &s);
	assert_int_equal(strlen(s.submission_id), 128);
	strcat(id, "a");
	snprintf(buf, sizeof buf, "{\"submission_id\":\"%s\"," SRC "," PCT "," AT "," WHO
	         "," VOTES "," TOTAL "}", id);
	bad(buf, "submission_id", "is 129 bytes long; at most 128 allowed");
}

static void test_text_fields(void **state)
{
	(void)state;
	bad("{" ID "," SRC "," PCT "," AT ",\"reporter\":\"a\\u0001b\"," VOTES "," TOTAL "}",
	    "reporter", "contains control character 0x01 at offset 1");
	bad("{" ID "," SRC "," PCT "," AT ",\"reporter\":\"line\\nbreak\"," VOTES ","
	    TOTAL "}", "reporter", "control character 0x0a");
	bad("{" ID "," SRC "," PCT "," AT "," WHO ",\"device\":\"\"," VOTES "," TOTAL "}",
	    "device", "must not be empty");
	bad("{" ID "," SRC ",\"precinct\":\"\"," AT "," WHO "," VOTES "," TOTAL "}",
	    "precinct", "must not be empty");
}

static void test_precinct_reference(void **state)
{
	(void)state;
	bad("{" ID "," SRC "," AT "," WHO "," VOTES "," TOTAL "}", "precinct",
	    "give precinct (its code) or county and precinct_name");
	/* With a code, a county alone is a harmless extra. */
	{
		struct wr_submission s;

		parse_ok("{" ID "," SRC "," PCT ",\"county\":\"Polk\"," AT "," WHO "," VOTES
		         "," TOTAL "}", &s);
		assert_string_equal(s.county, "Polk");
	}
}

static void test_precinct_half_name(void **state)
{
	(void)state;
	/* Half a name reference names the half that is missing (the check in
	 * check_fields exists for this, with its own message). */
	bad("{" ID "," SRC ",\"county\":\"Polk\"," AT "," WHO "," VOTES "," TOTAL "}",
	    "precinct_name", "county and precinct_name go together");
	bad("{" ID "," SRC ",\"precinct_name\":\"Des Moines 3-2\"," AT "," WHO "," VOTES
	    "," TOTAL "}", "county", "county and precinct_name go together");
}

static void test_future_boundary(void **state)
{
	struct wr_submission s;

	(void)state;
	/* NOW + 300 s (a phone five minutes fast) is fine; one more is not. */
	parse_ok("{" ID "," SRC "," PCT ",\"reported_at\":\"2024-01-16T03:05:00Z\"," WHO
	         "," VOTES "," TOTAL "}", &s);
	assert_int_equal(s.reported_at, NOW + WR_FUTURE_SKEW);
	parse_ok("{" ID "," SRC "," PCT ",\"reported_at\":\"2024-01-15T21:05:00-06:00\","
	         WHO "," VOTES "," TOTAL "}", &s);
	bad("{" ID "," SRC "," PCT ",\"reported_at\":\"2024-01-16T03:05:01Z\"," WHO ","
	    VOTES "," TOTAL "}", "reported_at",
	    "2024-01-16T03:05:01Z is in the future (received 2024-01-16T03:00:00Z)");
	bad("{" ID "," SRC "," PCT ",\"reported_at\":\"2024-01-15T21:05:01-06:00\"," WHO
	    "," VOTES "," TOTAL "}", "reported_at", "is in the future");
}

static void test_bad_time(void **state)
{
	(void)state;
	bad("{" ID "," SRC "," PCT ",\"reported_at\":\"2024-01-15T20:01:00\"," WHO ","
	    VOTES "," TOTAL "}", "reported_at", "has no zone");
	bad("{" ID "," SRC "," PCT ",\"reported_at\":\"2023-02-29T20:01:00Z\"," WHO ","
	    VOTES "," TOTAL "}", "reported_at", "not a real date");
}

static void test_bytes(void **state)
{
	static const char nul[] = "{\"submission_id\":\"app\0-1\"}";
	static const char latin1[] = "{" ID "," SRC "," PCT "," AT
	                             ",\"reporter\":\"Jos\xe9\"," VOTES "," TOTAL "}";

	(void)state;
	/* Whole-record problems have no field; the column locates them. */
	bad_n(nul, sizeof nul - 1, "", "NUL byte at column 22");
	bad_n(latin1, sizeof latin1 - 1, "", "invalid UTF-8 at column");
	{
		const char *p = strchr(latin1, '\xe9');
		char want[64];

		snprintf(want, sizeof want, "invalid UTF-8 at column %zu",
		         (size_t)(p - latin1) + 1);
		bad_n(latin1, sizeof latin1 - 1, "", want);
	}
	bad("{" ID "," SRC "," PCT "," AT ",\"reporter\":\"a\\u0000b\"," VOTES "," TOTAL "}",
	    "", "not valid JSON");
	bad("", "", "not valid JSON");
	bad("{" ID ",", "", "not valid JSON");
	bad("[1,2,3]", "", "expected a JSON object, got an array");
	bad("\"text\"", "", "not valid JSON");
}

static void test_record_max(void **state)
{
	struct wr_submission s;
	size_t good = strlen(GOOD);
	char *buf = malloc(WR_RECORD_MAX + 2);

	(void)state;
	assert_non_null(buf);
	/* Exactly WR_RECORD_MAX bytes (the record padded with spaces) is fine. */
	memcpy(buf, GOOD, good);
	memset(buf + good, ' ', WR_RECORD_MAX + 1 - good);
	parse_ok_n(buf, WR_RECORD_MAX, &s);
	assert_int_equal(s.total, 57);
	/* One byte more is refused before any JSON is parsed. */
	bad_n(buf, WR_RECORD_MAX + 1, "", "record is 65537 bytes; at most 65536 allowed");
	free(buf);
}

static void test_duplicate_keys(void **state)
{
	(void)state;
	/* Which of two totals would we believe? Neither, and say which. */
	bad(UPTO_VOTES VOTES "," TOTAL ",\"total\":58}",
	    "total", "appears twice");
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":40,\"desantis\":12,\"haley\":5,\"trump\":41}," TOTAL "}",
	    "votes.trump", "appears twice");
}

static void test_duplicate_key_placement(void **state)
{
	(void)state;
	/* The field named must be where the duplicate is: a repeated unknown
	 * top-level key is not a candidate, and a repeated "total" inside
	 * votes is not the record's total. */
	bad("{" ID "," SRC ",\"precint\":\"19153-001\",\"precint\":\"19153-002\"," AT ","
	    WHO "," VOTES "," TOTAL "}", "precint", "appears twice");
	bad(UPTO_VOTES
	    "\"votes\":{\"total\":1,\"total\":2,\"trump\":40,\"desantis\":12,"
	    "\"haley\":5}," TOTAL "}", "votes.total", "appears twice");
}

static void test_int64_range(void **state)
{
	struct wr_submission s;

	(void)state;
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":9223372036854775808,\"desantis\":12,\"haley\":5},"
	    TOTAL "}", "votes.trump", "number beyond the 64-bit range");
	bad(UPTO_VOTES VOTES
	    ",\"total\":-9223372036854775809}", "total", "number beyond the 64-bit range");
	/* Counts are bounded at 1e9 so no night's sum can overflow. */
	parse_ok(UPTO_VOTES
	         "\"votes\":{\"trump\":1000000000,\"desantis\":0,\"haley\":0},"
	         "\"total\":1000000000}", &s);
	assert_int_equal(s.votes[0], 1000000000);
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":1000000001,\"desantis\":0,\"haley\":0},"
	    "\"total\":1000000001}", "votes.trump",
	    "1000000001 is beyond any precinct (at most 1000000000)");
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":9223372036854775807,\"desantis\":0,\"haley\":0},"
	    TOTAL "}", "votes.trump", "is beyond any precinct");
}

static void test_huge_fractions(void **state)
{
	(void)state;
	/* Reals far past any count, including past the range of long long
	 * (converting those to an integer is undefined behaviour in C). */
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":1000000001.0,\"desantis\":12,\"haley\":5}," TOTAL "}",
	    "votes.trump", "expected a whole number of votes");
	bad(UPTO_VOTES
	    "\"votes\":{\"trump\":1e300,\"desantis\":12,\"haley\":5}," TOTAL "}",
	    "votes.trump", "expected a whole number of votes");
	bad(UPTO_VOTES VOTES ",\"total\":-1e300}",
	    "total", "expected a whole number of votes");
	bad(UPTO_VOTES VOTES ",\"total\":1e19}",
	    "total", "expected a whole number of votes");
}

static void test_id_message_utf8(void **state)
{
	struct wr_submission s;
	struct wr_err err;
	char buf[1024];
	size_t bad_at;

	(void)state;
	/* Reasons are stored as TEXT and shown in the console and in JSON;
	 * a message holding half a character breaks both. */
	snprintf(buf, sizeof buf, "{\"submission_id\":\"caf\xc3\xa9\"," SRC "," PCT ","
	         AT "," WHO "," VOTES "," TOTAL "}");
	assert_int_equal(wr_submission_parse(buf, strlen(buf), &contest, NOW, &s, &err),
	                 WR_EINVAL);
	assert_string_equal(err.field, "submission_id");
	if (!wr_utf8_valid(err.msg, strlen(err.msg), &bad_at))
		fail_msg("submission_id message has invalid UTF-8 at %zu: %s", bad_at,
		         err.msg);
}

static void test_candidate_message_utf8(void **state)
{
	struct wr_submission s;
	struct wr_err err;
	char buf[1024], key[200] = "x";
	size_t bad_at;

	(void)state;
	/* A long unknown candidate id of two-byte characters, cut for the
	 * message, must be cut between characters. */
	for (int i = 0; i < 40; i++)
		strcat(key, "\xc3\xa9");
	snprintf(buf, sizeof buf, UPTO_VOTES
	         "\"votes\":{\"%s\":1,\"trump\":40,\"desantis\":12,\"haley\":5}," TOTAL "}",
	         key);
	assert_int_equal(wr_submission_parse(buf, strlen(buf), &contest, NOW, &s, &err),
	                 WR_EINVAL);
	assert_true(strstr(err.msg, "unknown candidate") != NULL);
	if (!wr_utf8_valid(err.field, strlen(err.field), &bad_at))
		fail_msg("field has invalid UTF-8 at %zu: %s", bad_at, err.field);
	if (!wr_utf8_valid(err.msg, strlen(err.msg), &bad_at))
		fail_msg("candidate message has invalid UTF-8 at %zu: %s", bad_at, err.msg);
}

/* What every message and field must be: shown on terminals and in the
 * console, stored as TEXT. */
static void assert_clean(const char *what, const char *s)
{
	size_t off;
	uint32_t cp;

	if (!wr_utf8_valid(s, strlen(s), &off))
		fail_msg("%s has invalid UTF-8 at %zu: %s", what, off, s);
	for (const char *p = s; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			fail_msg("%s holds control byte 0x%02x", what, (unsigned char)*p);
	if (wr_utf8_find_control(s, strlen(s), &off, &cp))
		fail_msg("%s holds U+%04X at %zu", what, (unsigned)cp, off);
}

/* Parses json expecting a refusal; err out for the caller to look at. */
static void refused(const char *json, struct wr_err *err)
{
	struct wr_submission s;

	if (wr_submission_parse(json, strlen(json), &contest, NOW, &s, err) != WR_EINVAL)
		fail_msg("accepted: %.300s", json);
	assert_clean("field", err->field);
	assert_clean("message", err->msg);
}

static void test_err_cut_utf8(void **state)
{
	struct wr_err err;
	char field[200] = "", reason[600] = "";

	(void)state;
	/* The cut falls inside a character for both lengths. */
	for (int i = 0; i < 40; i++)
		strcat(field, "\xc3\xa9");
	for (int i = 0; i < 150; i++)
		strcat(reason, "\xe2\x82\xac");
	wr_err_field(&err, WR_EINVAL, field, "%s", reason);
	assert_clean("field", err.field);
	assert_clean("message", err.msg);
	assert_true(strlen(err.field) > 50);
	assert_true(strlen(err.msg) > 400);
	assert_true(strstr(err.msg, "...") != NULL);
	wr_errf(&err, WR_EINVAL, "%s", reason);
	assert_clean("message", err.msg);
	assert_string_equal(err.field, "");
	/* The net under every caller: control bytes in any message. */
	wr_err_field(&err, WR_EIO, "path", "cannot open %s", "a\x1b[2Jb");
	assert_string_equal(err.msg, "path: cannot open a\\u001b[2Jb");
	wr_errf(&err, WR_EIO, "%s", "tab\there");
	assert_string_equal(err.msg, "tab\\u0009here");
}

static void test_long_keys_utf8(void **state)
{
	struct wr_err err;
	char buf[1024], key[200] = "";

	(void)state;
	/* An unknown field of 40 "é": 80 bytes, more than err.field holds. */
	for (int i = 0; i < 40; i++)
		strcat(key, "\xc3\xa9");
	snprintf(buf, sizeof buf, UPTO_VOTES VOTES ","
	         TOTAL ",\"%s\":1}", key);
	refused(buf, &err);
	assert_true(strstr(err.msg, "unknown field") != NULL);
	assert_memory_equal(err.field, key, 20);
	/* "votes." and 35 "ü". */
	key[0] = '\0';
	for (int i = 0; i < 35; i++)
		strcat(key, "\xc3\xbc");
	snprintf(buf, sizeof buf, UPTO_VOTES
	         "\"votes\":{\"%s\":1,\"trump\":40,\"desantis\":12,\"haley\":5}," TOTAL "}",
	         key);
	refused(buf, &err);
	assert_true(strncmp(err.field, "votes.\xc3\xbc", 8) == 0);
	assert_true(strstr(err.msg, "unknown candidate") != NULL);
}

static void test_control_keys(void **state)
{
	struct wr_err err;

	(void)state;
	/* A key that would retitle and clear the operator's terminal. */
	refused(UPTO_VOTES VOTES "," TOTAL ","
	        "\"\\u001b]0;pwned\\u0007\\u001b[2J\":1}", &err);
	assert_string_equal(err.field, "\\u001b]0;pwned\\u0007\\u001b[2J");
	assert_true(strstr(err.msg, "unknown field") != NULL);
	refused(UPTO_VOTES
	        "\"votes\":{\"\\u001b[31m\":1,\"trump\":40,\"desantis\":12,\"haley\":5},"
	        TOTAL "}", &err);
	assert_string_equal(err.field, "votes.\\u001b[31m");
	assert_true(strstr(err.msg, "unknown candidate \"\\u001b[31m\" in contest") != NULL);
	/* C1 and bidi controls in keys, and a quote that would end the
	 * quoted key early. */
	refused(UPTO_VOTES
	        "\"votes\":{\"a\\u009b\\u202e\\\"b\":1,\"trump\":40,\"desantis\":12,"
	        "\"haley\":5}," TOTAL "}", &err);
	assert_string_equal(err.field, "votes.a\\u009b\\u202e\\\"b");
	/* A number past 64 bits under a hostile key. */
	refused(UPTO_VOTES VOTES "," TOTAL ","
	        "\"\\u001b[H\":99999999999999999999}", &err);
	assert_string_equal(err.field, "\\u001b[H");
	assert_true(strstr(err.msg, "64-bit") != NULL);
	/* jansson's own message echoes raw bytes from the record. */
	refused("{" ID ",\x1b[2J}", &err);
	assert_true(strstr(err.msg, "not valid JSON") != NULL);
}

static void test_control_duplicates(void **state)
{
	struct wr_err err;
	char buf[1024], key[256] = "";

	(void)state;
	refused(UPTO_VOTES VOTES "," TOTAL ","
	        "\"\\u001b[2J\":1,\"\\u001b[2J\":2}", &err);
	assert_string_equal(err.field, "\\u001b[2J");
	assert_true(strstr(err.msg, "appears twice") != NULL);
	refused(UPTO_VOTES
	        "\"votes\":{\"trump\":40,\"desantis\":12,\"haley\":5,"
	        "\"a\\\"\\u0007\":1,\"a\\\"\\u0007\":2}," TOTAL "}", &err);
	assert_string_equal(err.field, "votes.a\\\"\\u0007");
	/* A key too long for jansson to quote in its message is still named. */
	for (int i = 0; i < 100; i++)
		strcat(key, "\xc3\xa9");
	snprintf(buf, sizeof buf, UPTO_VOTES VOTES ","
	         TOTAL ",\"%s\":1,\"%s\":2}", key, key);
	refused(buf, &err);
	assert_memory_equal(err.field, key, 40);
	assert_true(strstr(err.msg, "appears twice") != NULL);
}

static void test_control_values(void **state)
{
	struct wr_err err;

	(void)state;
	refused("{\"submission_id\":\"a\\\"b\"," SRC "," PCT "," AT "," WHO "," VOTES ","
	        TOTAL "}", &err);
	assert_string_equal(err.msg, "submission_id: \"a\\\"b\" has '\"'; use letters, "
	                    "digits and ._:@/-");
	refused("{" ID ",\"source\":\"a\\\\pp\"," PCT "," AT "," WHO "," VOTES "," TOTAL "}",
	        &err);
	assert_string_equal(err.msg, "source: \"a\\\\pp\" is not one of app, hotline, import");
}

static void test_unicode_controls(void **state)
{
	struct wr_submission s;

	(void)state;
	/* U+009B is CSI: a terminal reads it as ESC [. */
	bad("{" ID "," SRC "," PCT "," AT ",\"reporter\":\"a\\u009bb\"," VOTES "," TOTAL "}",
	    "reporter", "contains control character U+009B at offset 1");
	bad("{" ID "," SRC "," PCT "," AT ",\"reporter\":\"a\xc2\x85\"," VOTES "," TOTAL "}",
	    "reporter", "control character U+0085 at offset 1");
	bad("{" ID "," SRC "," PCT "," AT "," WHO ",\"device\":\"\\u0080\"," VOTES ","
	    TOTAL "}", "device", "control character U+0080 at offset 0");
	/* Bidi controls reorder what the console shows; offsets are bytes. */
	bad("{" ID "," SRC ",\"county\":\"Polk\",\"precinct_name\":\"\xc3\xa9\\u202e1-3\","
	    AT "," WHO "," VOTES "," TOTAL "}", "precinct_name",
	    "contains bidi control character U+202E at offset 2");
	bad("{" ID "," SRC ",\"county\":\"Po\\u2066lk\",\"precinct_name\":\"x\"," AT ","
	    WHO "," VOTES "," TOTAL "}", "county", "bidi control character U+2066 at offset 2");
	bad("{" ID "," SRC ",\"precinct\":\"\\u202a19153-001\"," AT "," WHO "," VOTES ","
	    TOTAL "}", "precinct", "U+202A at offset 0");
	bad("{\"submission_id\":\"app\\u2069\"," SRC "," PCT "," AT "," WHO "," VOTES ","
	    TOTAL "}", "submission_id", "bidi control character U+2069 at offset 3");
	bad("{" ID "," SRC "," PCT "," AT ",\"reporter\":\"x\\u200f\"," VOTES "," TOTAL "}",
	    "reporter", "U+200F");
	/* Letters, NBSP, curly quotes and joiners are text, not controls. */
	parse_ok("{" ID "," SRC "," PCT "," AT ",\"reporter\":\"Jos\xc3\xa9 O\xe2\x80\x99"
	         "Brien\\u00a0\\u200d\\u2060x\"," VOTES "," TOTAL "}", &s);
	assert_string_equal(s.reporter, "Jos\xc3\xa9 O\xe2\x80\x99" "Brien\xc2\xa0"
	                    "\xe2\x80\x8d\xe2\x81\xa0x");
}

static void test_unknown_field_list(void **state)
{
	(void)state;
	/* The list comes from the field table: every field, in table order. */
	bad(UPTO_VOTES VOTES "," TOTAL ",\"sorce\":1}",
	    "sorce", "unknown field (a misspelling?); the schema has submission_id, "
	    "source, precinct, county, precinct_name, reported_at, reporter, device, "
	    "votes, total");
}

static void test_ref_cut(void **state)
{
	struct wr_submission s;
	char ref[8];

	(void)state;
	parse_ok("{" ID "," SRC ",\"county\":\"P\xc3\xb6lk\",\"precinct_name\":\"x\"," AT
	         "," WHO "," VOTES "," TOTAL "}", &s);
	/* "Pölk / x" is 9 bytes; 7 fit, cut before a whole character. */
	wr_submission_ref(&s, ref, sizeof ref);
	assert_string_equal(ref, "P\xc3\xb6lk /");
	wr_submission_ref(&s, ref, 3);
	assert_string_equal(ref, "P");
}

static void hash_of(const char *json, unsigned char h[32])
{
	struct wr_submission s;

	parse_ok(json, &s);
	memcpy(h, s.content_hash, 32);
}

static void test_content_hash(void **state)
{
	unsigned char a[32], b[32], zero[32] = { 0 };

	(void)state;
	hash_of(GOOD, a);
	assert_memory_not_equal(a, zero, 32);

	/* The same tally re-sent with other key order and spacing. */
	hash_of("{ " TOTAL " , " VOTES ",\n" DEV "," WHO ", " AT "," PCT "," SRC "," ID " }",
	        b);
	assert_memory_equal(a, b, 32);
	hash_of(UPTO_VOTES DEV ","
	        "\"votes\":{\"trump\":40,\"desantis\":12,\"haley\":5}," TOTAL "}", b);
	assert_memory_equal(a, b, 32);
	/* The same instant written in UTC is the same tally. */
	hash_of("{" ID "," SRC "," PCT ",\"reported_at\":\"2024-01-16T02:01:00Z\"," WHO ","
	        DEV "," VOTES "," TOTAL "}", b);
	assert_memory_equal(a, b, 32);

	/* Any change in what the tally says changes the hash. */
	hash_of(UPTO_VOTES DEV ","
	        "\"votes\":{\"haley\":5,\"trump\":41,\"desantis\":12}," TOTAL "}", b);
	assert_memory_not_equal(a, b, 32);
	/* Votes swapped between candidates: same multiset, different tally. */
	hash_of(UPTO_VOTES DEV ","
	        "\"votes\":{\"haley\":12,\"trump\":40,\"desantis\":5}," TOTAL "}", b);
	assert_memory_not_equal(a, b, 32);
	hash_of(UPTO_VOTES DEV "," VOTES ",\"total\":58}", b);
	assert_memory_not_equal(a, b, 32);
	hash_of("{" ID "," SRC ",\"precinct\":\"19153-002\"," AT "," WHO "," DEV "," VOTES
	        "," TOTAL "}", b);
	assert_memory_not_equal(a, b, 32);
	hash_of(UPTO_VOTES VOTES "," TOTAL "}", b);
	assert_memory_not_equal(a, b, 32);
	hash_of("{" ID ",\"source\":\"hotline\"," PCT "," AT "," WHO "," DEV "," VOTES ","
	        TOTAL "}", b);
	assert_memory_not_equal(a, b, 32);
}

static void test_hash_candidate_order(void **state)
{
	static const char *ids[] = { "haley", "trump", "desantis" };
	struct wr_contest saved = contest;
	struct wr_submission s;
	unsigned char a[32];

	(void)state;
	hash_of(GOOD, a);
	/* The same contest with its candidates listed in another order (a
	 * contest.json edited and loaded again): every stored tally must
	 * still match its resend. */
	for (size_t i = 0; i < 3; i++)
		snprintf(contest.cand[i].id, sizeof contest.cand[i].id, "%s", ids[i]);
	parse_ok(GOOD, &s);
	contest = saved;
	assert_int_equal(s.votes[0], 5);
	assert_int_equal(s.votes[1], 40);
	assert_memory_equal(a, s.content_hash, 32);
}

static void test_hash_form(void **state)
{
	/* The hashed form, written out: a version tag, then each item ended by
	 * a NUL, votes as id and count in id order. A change to content_hash
	 * that is not a new version tag breaks this test on purpose, since
	 * stored hashes would stop matching resends. */
	static const char form[] =
		"warroom-submission-v2\0app-0001\0app\0" "19153-001\0\0\0"
		"1705370460\0chair-19153-001\0ios-7f3a\0" "57\0"
		"desantis\0" "12\0haley\0" "5\0trump\0" "40";
	unsigned char want[32], got[32];

	(void)state;
	crypto_hash_sha256(want, (const unsigned char *)form, sizeof form);
	hash_of(GOOD, got);
	assert_memory_equal(want, got, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good_record),
		cmocka_unit_test(test_optional_fields),
		cmocka_unit_test(test_whitespace_and_zero),
		cmocka_unit_test(test_missing_required),
		cmocka_unit_test(test_wrong_types),
		cmocka_unit_test(test_vote_values),
		cmocka_unit_test(test_candidates),
		cmocka_unit_test(test_unknown_field),
		cmocka_unit_test(test_source),
		cmocka_unit_test(test_submission_id),
		cmocka_unit_test(test_text_fields),
		cmocka_unit_test(test_precinct_reference),
		cmocka_unit_test(test_precinct_half_name),
		cmocka_unit_test(test_future_boundary),
		cmocka_unit_test(test_bad_time),
		cmocka_unit_test(test_bytes),
		cmocka_unit_test(test_record_max),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_duplicate_key_placement),
		cmocka_unit_test(test_int64_range),
		cmocka_unit_test(test_huge_fractions),
		cmocka_unit_test(test_id_message_utf8),
		cmocka_unit_test(test_candidate_message_utf8),
		cmocka_unit_test(test_err_cut_utf8),
		cmocka_unit_test(test_long_keys_utf8),
		cmocka_unit_test(test_control_keys),
		cmocka_unit_test(test_control_duplicates),
		cmocka_unit_test(test_control_values),
		cmocka_unit_test(test_unicode_controls),
		cmocka_unit_test(test_unknown_field_list),
		cmocka_unit_test(test_ref_cut),
		cmocka_unit_test(test_content_hash),
		cmocka_unit_test(test_hash_candidate_order),
		cmocka_unit_test(test_hash_form),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
