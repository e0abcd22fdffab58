/* The review queue list: what a validator sees and filters with `/`. It
 * must hold exactly the tallies waiting for a decision, in the order
 * `review next` would take them (worst flag, then the longest waiting),
 * with each claim's holder while the claim is live. Flags are planted by
 * hand (the tallies are in line with tests/data/mini, so no rule fires)
 * and the clock is WARROOM_NOW. Users are made once in a seed store. */
#include "testutil.h"

#include "warroom/intake.h"
#include "warroom/queue.h"
#include "warroom/review.h"
#include "warroom/timefmt.h"

#define T0_TEXT "2024-01-16T03:00:00Z"
#define REPORTED_AT 1705370460  /* 2024-01-16T02:01:00Z, after the opening */

static char seed_dir[64];
static char seed_path[128];

struct fx {
	struct tu_store t;
	struct wr_review *r;
	struct wr_intake *in;
	int64_t t0;
	struct wr_user alice, bob, sam;
};

static void exec_sql(struct fx *f, const char *sql)
{
	struct wr_err err;

	if (wr_store_exec(&f->t.s, sql, &err) != WR_OK)
		fail_msg("%s", err.msg);
}

static int group_setup(void **state)
{
	static const struct tu_user users[] = {
		{ "alice", WR_ROLE_VALIDATOR }, { "bob", WR_ROLE_VALIDATOR },
		{ "sam", WR_ROLE_SUPERVISOR },
	};

	(void)state;
	assert_int_equal(setenv("WARROOM_NOW", T0_TEXT, 1), 0);
	tu_seed_users(users, sizeof users / sizeof users[0], seed_dir, seed_path);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	return tu_seed_remove(seed_dir);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tu_desk_open(&f->t, &f->r, &f->in, seed_path, T0_TEXT, &f->t0);
	tu_users(&f->t.s, "alice", &f->alice, "bob", &f->bob, "sam", &f->sam, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_desk_close(&f->t, f->r, f->in);
	free(f);
	return 0;
}

/* A tally from the precinct's chair, votes in line with tests/data/mini
 * (see test_review.c), ingested at the current clock. */
static enum wr_outcome tally(struct fx *f, const char *sid, const char *pct)
{
	int t = 40, d = 25, h = 12;
	enum wr_outcome o = WR_OUTCOMES;
	struct wr_err err;
	char rec[512];

	if (!strcmp(pct, "19153-001"))
		t = 120, d = 80, h = 40;
	else if (!strcmp(pct, "19141-001"))
		t = 180, d = 110, h = 60;
	snprintf(rec, sizeof rec, "{\"submission_id\":\"%s\",\"source\":\"app\","
	         "\"precinct\":\"%s\",\"reported_at\":\"2024-01-16T02:01:00Z\","
	         "\"reporter\":\"chair-%s\",\"votes\":{\"trump\":%d,\"desantis\":%d,"
	         "\"haley\":%d},\"total\":%d}", sid, pct, pct, t, d, h, t + d + h);
	if (wr_intake_record(f->in, "feed.ndjson", 1, rec, strlen(rec), strlen(rec), &o,
	                     &err) != WR_OK || wr_intake_flush(f->in, &err) != WR_OK)
		fail_msg("ingest %s: %s", sid, err.msg);
	return o;
}

/* What the rules engine does with a flag: the row, and a pending tally with
 * a warn or hard flag is 'flagged'. */
static void flag(struct fx *f, const char *sid, const char *rule, const char *sev,
                 const char *msg)
{
	char sql[512];

	snprintf(sql, sizeof sql, "INSERT INTO flags (submission, rule, severity, message,"
	         " created_at) SELECT id, '%s', '%s', '%s', '" T0_TEXT "' FROM submissions"
	         " WHERE submission_id = '%s'", rule, sev, msg, sid);
	exec_sql(f, sql);
	if (strcmp(sev, "info") != 0) {
		snprintf(sql, sizeof sql, "UPDATE submissions SET state = 'flagged' WHERE"
		         " submission_id = '%s' AND state IN ('received', 'clean')", sid);
		exec_sql(f, sql);
	}
}

static void claim(struct fx *f, const struct wr_user *u, const char *sid)
{
	struct wr_err err;

	if (wr_review_claim(f->r, u, sid, NULL, &err) != WR_OK)
		fail_msg("claim %s: %s", sid, err.msg);
}

static void approve(struct fx *f, const struct wr_user *u, const char *sid,
                    enum wr_approval want)
{
	enum wr_approval got;
	struct wr_err err;

	claim(f, u, sid);
	if (wr_review_approve(f->r, u, sid, &got, &err) != WR_OK)
		fail_msg("approve %s: %s", sid, err.msg);
	assert_int_equal(got, want);
}

/* The night every test here reads:
 *   h1  19153-004  hard (a warn raised first, then the hard)  1 approval
 *   w1  19153-003  two warns, received before w0
 *   w0  19141-001  warn, claimed by alice
 *   i1  19141-002  info only (so still 'clean'), hotline, a lapsed claim
 *   n1  19153-005  no flag, received first of all (a revision of s1)
 *   n2  19153-002  no flag
 * and off the queue: a1 approved, x1 rejected, s1 superseded, u1 unmatched. */
static void night(struct fx *f)
{
	struct wr_err err;

	tu_clock_at(f->t0, 0);
	assert_int_equal(tally(f, "n2", "19153-002"), WR_ACCEPTED);
	tu_clock_at(f->t0, 5);
	assert_int_equal(tally(f, "s1", "19153-005"), WR_ACCEPTED);
	tu_clock_at(f->t0, 10);
	assert_int_equal(tally(f, "w1", "19153-003"), WR_ACCEPTED);
	tu_clock_at(f->t0, 20);
	assert_int_equal(tally(f, "h1", "19153-004"), WR_ACCEPTED);
	tu_clock_at(f->t0, 30);
	assert_int_equal(tally(f, "i1", "19141-002"), WR_ACCEPTED);
	tu_clock_at(f->t0, 40);
	assert_int_equal(tally(f, "n1", "19153-005"), WR_REVISED);
	tu_clock_at(f->t0, 50);
	assert_int_equal(tally(f, "w0", "19141-001"), WR_ACCEPTED);
	assert_int_equal(tally(f, "a1", "19153-001"), WR_ACCEPTED);
	assert_int_equal(tally(f, "u1", "19153-999"), WR_UNMATCHED);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM flags"), 0);

	/* n1 arrived last but has waited longest: the queue sorts on arrival,
	 * not on the row id. */
	exec_sql(f, "UPDATE submissions SET received_at = '2024-01-16T02:59:00Z'"
	            " WHERE submission_id = 'n1'");
	exec_sql(f, "UPDATE submissions SET source = 'hotline' WHERE submission_id = 'i1'");
	flag(f, "h1", "rule_b", "warn", "a warning first");
	flag(f, "h1", "rule_a", "hard", "votes do not add up");
	flag(f, "w1", "rule_w1", "warn", "first warn of w1");
	flag(f, "w1", "rule_w2", "warn", "second warn of w1");
	flag(f, "w0", "turnout_2016", "warn", "turnout 412 is 3.1x the 2016 caucus");
	flag(f, "i1", "state_rate", "info", "many tallies statewide");

	tu_clock_at(f->t0, 60);
	approve(f, &f->alice, "a1", WR_APPROVED);
	approve(f, &f->alice, "h1", WR_NEEDS_SECOND);
	assert_int_equal(tally(f, "x1", "19153-001"), WR_REVISED);
	claim(f, &f->sam, "x1");
	assert_int_equal(wr_review_reject(f->r, &f->sam, "x1", "misread", &err), WR_OK);
	tu_clock_at(f->t0, 100);
	claim(f, &f->bob, "i1");           /* lapses at 400 */
	tu_clock_at(f->t0, 200);
	claim(f, &f->alice, "w0");         /* until 500 */
	tu_clock_at(f->t0, 450);
}

static void load(struct fx *f, struct wr_queue_row **rows, size_t *n)
{
	struct wr_err err;

	if (wr_queue_load(&f->t.s, rows, n, &err) != WR_OK)
		fail_msg("%s", err.msg);
}

static const struct wr_queue_row *row_of(const struct wr_queue_row *rows, size_t n,
                                         const char *sid)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(rows[i].submission_id, sid))
			return &rows[i];
	fail_msg("%s is not in the queue", sid);
	return NULL;
}

/* ------------------------------------------------------------------ */

static void test_empty(void **state)
{
	struct fx *f = *state;
	struct wr_queue_row *rows = (void *)1;
	size_t n = 99;

	load(f, &rows, &n);
	assert_null(rows);
	assert_int_equal(n, 0);
}

static void test_order_hard_warn_info_none_then_oldest(void **state)
{
	static const char *const want[] = { "h1", "w1", "w0", "i1", "n1", "n2" };
	struct fx *f = *state;
	struct wr_queue_row *rows;
	size_t n;

	night(f);
	load(f, &rows, &n);
	assert_int_equal(n, 6);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(rows[i].submission_id, want[i]);
	assert_int_equal(rows[0].severity, WR_SEV_HARD);
	assert_int_equal(rows[1].severity, WR_SEV_WARN);
	assert_int_equal(rows[2].severity, WR_SEV_WARN);
	assert_int_equal(rows[3].severity, WR_SEV_INFO);
	assert_int_equal(rows[4].severity, WR_SEV_NONE);
	assert_int_equal(rows[5].severity, WR_SEV_NONE);
	free(rows);
}

/* The list and `review next` agree on who is first. */
static void test_first_row_is_what_next_claims(void **state)
{
	struct fx *f = *state;
	struct wr_review_item it;
	struct wr_queue_row *rows;
	struct wr_err err;
	size_t n;

	night(f);
	load(f, &rows, &n);
	/* bob may take h1; alice, who gave its first approval, takes the next. */
	assert_int_equal(wr_review_next(f->r, &f->bob, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, rows[0].submission_id);
	assert_int_equal(wr_review_next(f->r, &f->alice, &it, &err), WR_OK);
	assert_string_equal(it.submission_id, rows[1].submission_id);
	free(rows);
}

static void test_decided_and_unmatched_are_absent(void **state)
{
	static const char *const gone[] = { "a1", "x1", "s1", "u1" };
	struct fx *f = *state;
	struct wr_queue_row *rows;
	size_t n;

	night(f);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM submissions WHERE"
	                        " submission_id IN ('a1', 'x1', 's1', 'u1') AND state IN"
	                        " ('approved', 'rejected', 'superseded', 'unmatched')"), 4);
	load(f, &rows, &n);
	for (size_t i = 0; i < n; i++)
		for (size_t k = 0; k < sizeof gone / sizeof gone[0]; k++)
			assert_string_not_equal(rows[i].submission_id, gone[k]);
	free(rows);
}

static void test_row_fields(void **state)
{
	struct fx *f = *state;
	const struct wr_queue_row *r;
	struct wr_queue_row *rows;
	size_t n;

	night(f);
	load(f, &rows, &n);
	r = row_of(rows, n, "h1");
	assert_string_equal(r->precinct, "19153-004");
	assert_string_equal(r->precinct_name, "Des Moines 4-2");
	assert_string_equal(r->county_fips, "19153");
	assert_string_equal(r->county_short, "POLK");
	assert_string_equal(r->county_name, "Polk");
	assert_string_equal(r->source, "app");
	assert_string_equal(r->state, "flagged");
	assert_int_equal(r->reported_at, REPORTED_AT);
	assert_int_equal(r->received_at, f->t0 + 20);
	assert_int_equal(r->nflags, 2);
	assert_string_equal(r->rule, "rule_a");  /* the hard one, raised second */
	assert_string_equal(r->message, "votes do not add up");
	assert_non_null(strstr(r->rules, "rule_a"));
	assert_non_null(strstr(r->rules, "rule_b"));
	assert_int_equal(r->approvals, 1);
	assert_string_equal(r->holder, "");
	assert_int_equal(r->claim_expires, 0);

	r = row_of(rows, n, "w1");          /* of equal flags, the first raised */
	assert_string_equal(r->rule, "rule_w1");
	assert_string_equal(r->message, "first warn of w1");
	assert_int_equal(r->approvals, 0);

	r = row_of(rows, n, "i1");
	assert_string_equal(r->source, "hotline");
	assert_string_equal(r->state, "clean");
	assert_string_equal(r->county_short, "OBRIE");
	assert_string_equal(r->county_name, "O'Brien");

	r = row_of(rows, n, "n1");
	assert_int_equal(r->received_at, f->t0 - 60);
	assert_int_equal(r->nflags, 0);
	assert_string_equal(r->rule, "");
	assert_string_equal(r->message, "");
	assert_string_equal(r->rules, "");
	free(rows);
}

static void test_claims_show_holder_until_they_lapse(void **state)
{
	struct fx *f = *state;
	const struct wr_queue_row *r;
	struct wr_queue_row *rows;
	size_t n;

	night(f);                          /* the clock is at 450 */
	load(f, &rows, &n);
	r = row_of(rows, n, "w0");
	assert_string_equal(r->holder, "alice");
	assert_int_equal(r->claim_expires, f->t0 + 200 + WR_LEASE_SECONDS);
	r = row_of(rows, n, "i1");         /* bob's claim lapsed at 400 */
	assert_string_equal(r->holder, "");
	assert_int_equal(r->claim_expires, 0);
	free(rows);

	tu_clock_at(f->t0, 399);                  /* back when bob's claim was live */
	load(f, &rows, &n);
	r = row_of(rows, n, "i1");
	assert_string_equal(r->holder, "bob");
	assert_int_equal(r->claim_expires, f->t0 + 400);
	free(rows);
}

/* The sids of the rows text matches, in queue order, comma separated. */
static void matching(const struct wr_queue_row *rows, size_t n, const char *text,
                     char *out, size_t cap)
{
	size_t len = 0;

	out[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (wr_queue_match(&rows[i], text))
			len += (size_t)snprintf(out + len, cap - len, "%s%s", len ? "," : "",
			                        rows[i].submission_id);
}

#define assert_matches(rows, n, text, want) do { \
	char got_[256]; \
	matching((rows), (n), (text), got_, sizeof got_); \
	assert_string_equal(got_, (want)); \
} while (0)

static void test_filter(void **state)
{
	struct fx *f = *state;
	struct wr_queue_row *rows;
	size_t n;

	night(f);
	load(f, &rows, &n);
	assert_matches(rows, n, NULL, "h1,w1,w0,i1,n1,n2");
	assert_matches(rows, n, "", "h1,w1,w0,i1,n1,n2");
	assert_matches(rows, n, "  \t ", "h1,w1,w0,i1,n1,n2");
	/* county name, short name and fips, any case */
	assert_matches(rows, n, "polk", "h1,w1,n1,n2");
	assert_matches(rows, n, "OBRIE", "w0,i1");
	assert_matches(rows, n, "o'brien", "w0,i1");
	assert_matches(rows, n, "19141", "w0,i1");
	/* precinct code and name */
	assert_matches(rows, n, "19153-004", "h1");
	assert_matches(rows, n, "DES MOINES", "h1,w1,n2");
	assert_matches(rows, n, "township", "i1,n1");
	/* every term must match: AND, in any order and spacing */
	assert_matches(rows, n, "union polk", "n1");
	assert_matches(rows, n, "  polk   UNION ", "n1");
	assert_matches(rows, n, "des union", "");
	assert_matches(rows, n, "polk zzz", "");
	/* rules of any flag, not only the worst; state; source */
	assert_matches(rows, n, "rule_b", "h1");
	assert_matches(rows, n, "turnout", "w0");
	assert_matches(rows, n, "Flagged", "h1,w1,w0");
	assert_matches(rows, n, "clean", "i1,n1,n2");
	assert_matches(rows, n, "hotline", "i1");
	assert_matches(rows, n, "app polk", "h1,w1,n1,n2");
	/* severity, submission id, claim holder */
	assert_matches(rows, n, "hard", "h1");
	assert_matches(rows, n, "n2", "n2");
	assert_matches(rows, n, "ALICE", "w0");
	free(rows);
}

/* Pure: a hand-made row, no store. */
static void test_match_is_pure(void **state)
{
	struct wr_queue_row r;

	(void)state;
	memset(&r, 0, sizeof r);
	snprintf(r.county_name, sizeof r.county_name, "Hardin");
	snprintf(r.precinct_name, sizeof r.precinct_name, "Iowa Falls 2");
	snprintf(r.state, sizeof r.state, "received");
	assert_true(wr_queue_match(&r, "hard"));          /* Hardin */
	assert_true(wr_queue_match(&r, "falls IOWA"));
	assert_true(wr_queue_match(&r, "none"));          /* no flag */
	assert_false(wr_queue_match(&r, "fallsx"));
	assert_false(wr_queue_match(&r, "Hardin warn"));
	assert_true(wr_queue_match(&r, "receiv"));
	assert_false(wr_queue_match(&r, "Hardinn"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_order_hard_warn_info_none_then_oldest, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_first_row_is_what_next_claims, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_decided_and_unmatched_are_absent, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_row_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_claims_show_holder_until_they_lapse, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_filter, setup, teardown),
		cmocka_unit_test(test_match_is_pure),
	};

	return cmocka_run_group_tests_name("queue", tests, group_setup, group_teardown);
}
