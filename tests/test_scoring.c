/* Scoring through the store: tallies ingested with wr_intake_record get
 * the flags and the state the rules give them ('flagged' for warn or hard,
 * 'clean' otherwise, info alone stays clean), the per-county aggregates
 * follow new tallies and revisions, the county gate opens at exactly the
 * configured share and holds a county whose volume is out of line, the
 * county outlier rule starts once enough precincts are approved, and
 * scoring costs the same with 10 or 170 of a county's precincts in.
 *
 * Most tests run over tests/data/rules/county: county 19101 has 10
 * precincts (001-004 share one room, 19101-S001; 005-010 one room each;
 * 010 has no baselines), county 19103 has 25 precincts without sites. Every
 * precinct has 1000 registered Republicans and, but 19101-010, 2016
 * baselines of 100 (trump 60, cruz 40) and 2020 of 100. */
#include "testutil.h"

#include <math.h>

#include "warroom/detail.h"
#include "warroom/intake.h"
#include "warroom/rules.h"
#include "warroom/scoring.h"

#define DIR "tests/data/rules/county"
#define NOW_TEXT "2024-01-16T12:00:00Z"

struct fx {
	struct tu_store t;
	struct wr_intake *in;
	struct wr_scorer *sc;
};

static void load_fixtures(struct tu_store *t, const char *dir)
{
	struct wr_fixture_counts n;
	struct wr_err err;

	if (wr_fixtures_load(&t->s, dir, &n, &err) != WR_OK)
		fail_msg("fixtures %s: %s", dir, err.msg);
}

static void intake_open(struct fx *f)
{
	struct wr_err err;

	if (wr_intake_open(&f->in, &f->t.s, NULL, &err) != WR_OK)
		fail_msg("intake: %s", err.msg);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_int_equal(setenv("WARROOM_NOW", NOW_TEXT, 1), 0);
	tu_open_empty(&f->t);
	load_fixtures(&f->t, DIR);
	intake_open(f);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	if (f->in && wr_intake_close(f->in, &err) != WR_OK)
		fail_msg("intake close: %s", err.msg);
	wr_scorer_close(f->sc);
	tu_close(&f->t);
	free(f);
	return 0;
}

/* Commits what intake has pending, so the test's own transactions and
 * scorer see a settled store. */
static void flush(struct fx *f)
{
	struct wr_err err;

	if (wr_intake_flush(f->in, &err) != WR_OK)
		fail_msg("flush: %s", err.msg);
}

/* The test's own scorer, opened after any rules file was loaded. */
static struct wr_scorer *scorer(struct fx *f)
{
	struct wr_err err;

	if (!f->sc && wr_scorer_open(&f->sc, &f->t.s, &err) != WR_OK)
		fail_msg("scorer: %s", err.msg);
	return f->sc;
}

/* Loads a rules file with text, then reopens intake so its scorer reads
 * the new thresholds. */
static void with_rules(struct fx *f, const char *text)
{
	char path[160];
	struct wr_err err;
	FILE *fp;

	if (wr_intake_close(f->in, &err) != WR_OK)
		fail_msg("intake close: %s", err.msg);
	f->in = NULL;
	wr_scorer_close(f->sc);
	f->sc = NULL;
	snprintf(path, sizeof path, "%s/rules.json", f->t.dir);
	fp = fopen(path, "w");
	assert_non_null(fp);
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	if (wr_store_begin(&f->t.s, &err) != WR_OK ||
	    wr_rules_file_load(&f->t.s, path, &err) != WR_OK ||
	    wr_store_commit(&f->t.s, &err) != WR_OK)
		fail_msg("rules: %s", err.msg);
	intake_open(f);
}

/* One tally. Defaults: from the app, at 20:01 Central, its own reporter
 * ("rep-" and the precinct), no device, the total the votes' sum plus off. */
struct tl {
	const char *sid, *source, *pct, *at, *reporter, *device;
	int v[3];
	int off;
};

static enum wr_outcome put(struct fx *f, struct tl x)
{
	char rec[1024], dev[160] = "", rep[64];
	enum wr_outcome o = WR_OUTCOMES;
	struct wr_err err;

	if (!x.reporter) {
		snprintf(rep, sizeof rep, "rep-%s", x.pct);
		x.reporter = rep;
	}
	if (x.device)
		snprintf(dev, sizeof dev, "\"device\":\"%s\",", x.device);
	snprintf(rec, sizeof rec, "{\"submission_id\":\"%s\",\"source\":\"%s\","
	         "\"precinct\":\"%s\",\"reported_at\":\"2024-01-15T%s-06:00\","
	         "\"reporter\":\"%s\",%s\"votes\":{\"trump\":%d,\"desantis\":%d,"
	         "\"haley\":%d},\"total\":%d}", x.sid, x.source ? x.source : "app", x.pct,
	         x.at ? x.at : "20:01:00", x.reporter, dev, x.v[0], x.v[1], x.v[2],
	         x.v[0] + x.v[1] + x.v[2] + x.off);
	if (wr_intake_record(f->in, "test.ndjson", 1, rec, strlen(rec), strlen(rec), &o,
	                     &err) != WR_OK)
		fail_msg("store failure: %s", err.msg);
	if (o != WR_ACCEPTED && o != WR_REVISED)
		fail_msg("%s: %s", wr_outcome_name(o), rec);
	return o;
}

static sqlite3_stmt *prep(struct fx *f, const char *sql)
{
	sqlite3_stmt *st;

	if (sqlite3_prepare_v2(f->t.s.db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("%s: %s", sql, sqlite3_errmsg(f->t.s.db));
	return st;
}

static int64_t id_of(struct fx *f, const char *sid)
{
	sqlite3_stmt *st = prep(f, "SELECT id FROM submissions WHERE submission_id = ?1");
	int64_t id;

	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("no submission %s", sid);
	id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return id;
}

static const char *state_of(struct fx *f, const char *sid)
{
	static char out[32];
	sqlite3_stmt *st = prep(f, "SELECT state FROM submissions WHERE submission_id = ?1");

	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("no submission %s", sid);
	snprintf(out, sizeof out, "%s", sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	return out;
}

/* Flags on sid; of rule only, when rule is not NULL. */
static long nflags(struct fx *f, const char *sid, const char *rule)
{
	sqlite3_stmt *st = prep(f, "SELECT count(*) FROM flags WHERE submission ="
	                           " (SELECT id FROM submissions WHERE submission_id = ?1)"
	                           " AND (?2 IS NULL OR rule = ?2)");
	long n;

	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	if (rule)
		sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

static void assert_near(double got, double want)
{
	if (fabs(got - want) > 1e-9 * (fabs(want) > 1 ? fabs(want) : 1))
		fail_msg("got %.17g, want %.17g", got, want);
}

/* The one flag of rule on sid, as stored. */
static void expect_flag(struct fx *f, const char *sid, const char *rule, const char *sev,
                        double value, double threshold, const char *message)
{
	sqlite3_stmt *st = prep(f, "SELECT severity, message, value, threshold, created_at"
	                           " FROM flags WHERE submission = (SELECT id FROM"
	                           " submissions WHERE submission_id = ?1) AND rule = ?2");

	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("%s has no %s flag", sid, rule);
	assert_string_equal(sqlite3_column_text(st, 0), sev);
	assert_string_equal(sqlite3_column_text(st, 1), message);
	assert_int_equal(sqlite3_column_type(st, 2), SQLITE_FLOAT);
	assert_near(sqlite3_column_double(st, 2), value);
	assert_near(sqlite3_column_double(st, 3), threshold);
	assert_string_equal(sqlite3_column_text(st, 4), NOW_TEXT);
	assert_int_equal(sqlite3_step(st), SQLITE_DONE);  /* one flag per rule */
	sqlite3_finalize(st);
}

struct stats {
	long long reported, votes, base2016, base2020, approved;
};

static struct stats county_stats(struct fx *f, const char *fips)
{
	sqlite3_stmt *st = prep(f, "SELECT reported, votes, base2016, base2020, approved"
	                           " FROM county_stats WHERE county_fips = ?1");
	struct stats s = { 0, 0, 0, 0, 0 };

	sqlite3_bind_text(st, 1, fips, -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW) {
		s.reported = sqlite3_column_int64(st, 0);
		s.votes = sqlite3_column_int64(st, 1);
		s.base2016 = sqlite3_column_int64(st, 2);
		s.base2020 = sqlite3_column_int64(st, 3);
		s.approved = sqlite3_column_int64(st, 4);
	}
	sqlite3_finalize(st);
	return s;
}

static void expect_stats(struct fx *f, const char *fips, long long reported,
                         long long votes, long long b16, long long b20)
{
	struct stats s = county_stats(f, fips);

	assert_int_equal(s.reported, reported);
	assert_int_equal(s.votes, votes);
	assert_int_equal(s.base2016, b16);
	assert_int_equal(s.base2020, b20);
}

static struct wr_gate gate(struct fx *f, const char *fips)
{
	struct wr_gate g;
	struct wr_err err;

	flush(f);
	if (wr_scorer_gate(scorer(f), fips, &g, &err) != WR_OK)
		fail_msg("gate: %s", err.msg);
	return g;
}

/* What review.c's decide() does on approval: the decision recorded, the
 * tally approved, an earlier approved tally of its precinct superseded,
 * and the scorer told, in one transaction. */
static void approve(struct fx *f, const char *sid)
{
	struct wr_err err;
	int64_t id;
	char sql[768];

	flush(f);
	id = id_of(f, sid);
	if (wr_store_begin(&f->t.s, &err) != WR_OK)
		fail_msg("begin: %s", err.msg);
	snprintf(sql, sizeof sql, "INSERT OR IGNORE INTO users (id, name, role, secret,"
	         " created_at) VALUES (1, 'val', 'validator', '-', '" NOW_TEXT "');"
	         " INSERT INTO decisions (submission, decision, user_id, override, at)"
	         " VALUES (%lld, 'approved', 1, 0, '" NOW_TEXT "');"
	         " UPDATE submissions SET state = 'approved' WHERE id = %lld;"
	         " UPDATE submissions SET state = 'superseded' WHERE state = 'approved'"
	         " AND precinct_id = (SELECT precinct_id FROM submissions WHERE id = %lld)"
	         " AND id <> %lld", (long long)id, (long long)id, (long long)id, (long long)id);
	if (wr_store_exec(&f->t.s, sql, &err) != WR_OK ||
	    wr_scorer_approved(scorer(f), id, &err) != WR_OK ||
	    wr_store_commit(&f->t.s, &err) != WR_OK)
		fail_msg("approving %s: %s", sid, err.msg);
}

/* --- flags and states -------------------------------------------------------- */

static void test_clean(void **state)
{
	struct fx *f = *state;

	assert_int_equal(put(f, (struct tl){ .sid = "a1", .pct = "19101-005",
	                                     .v = { 60, 30, 10 } }), WR_ACCEPTED);
	assert_string_equal(state_of(f, "a1"), "clean");
	assert_int_equal(nflags(f, "a1", NULL), 0);
	/* No baselines: the baseline rules have nothing to say, even at 5x
	 * what the other precincts had. */
	put(f, (struct tl){ .sid = "a2", .pct = "19101-010", .v = { 300, 150, 50 } });
	assert_string_equal(state_of(f, "a2"), "clean");
	assert_int_equal(nflags(f, "a2", NULL), 0);
	/* The same tally where 2016 had 100 is flagged. */
	put(f, (struct tl){ .sid = "a3", .pct = "19101-006", .v = { 300, 150, 50 } });
	assert_string_equal(state_of(f, "a3"), "flagged");
	expect_flag(f, "a3", "turnout_2016", "warn", 5.0, 2.5,
	            "turnout 500 is 5.0x the 2016 caucus (100) and +400 votes");
	assert_int_equal(nflags(f, "a3", "turnout_2020"), 0);  /* 5x < 12x */
}

static void test_sum_mismatch(void **state)
{
	struct fx *f = *state;

	put(f, (struct tl){ .sid = "a1", .pct = "19101-005", .v = { 60, 30, 10 }, .off = 5 });
	assert_string_equal(state_of(f, "a1"), "flagged");
	expect_flag(f, "a1", "sum_mismatch", "hard", 100, 105,
	            "candidate votes add up to 100 but the total says 105 (off by -5)");
	assert_int_equal(nflags(f, "a1", NULL), 1);
	put(f, (struct tl){ .sid = "a2", .pct = "19101-006", .v = { 60, 30, 10 }, .off = -1 });
	expect_flag(f, "a2", "sum_mismatch", "hard", 100, 99,
	            "candidate votes add up to 100 but the total says 99 (off by +1)");
}

static void test_over_registered(void **state)
{
	struct fx *f = *state;

	/* 1000 registered: 1000 is not over, 1001 is. */
	put(f, (struct tl){ .sid = "a1", .pct = "19101-010", .v = { 600, 300, 100 } });
	assert_int_equal(nflags(f, "a1", "over_registered"), 0);
	expect_flag(f, "a1", "registered_share", "warn", 1.0, 0.7,
	            "turnout 1000 is 100% of the 1000 registered Republicans; above 70% is "
	            "implausible for a caucus");
	put(f, (struct tl){ .sid = "a2", .pct = "19101-009", .v = { 601, 300, 100 } });
	assert_string_equal(state_of(f, "a2"), "flagged");
	expect_flag(f, "a2", "over_registered", "hard", 1001, 1000,
	            "turnout 1001 is more than the 1000 Republicans registered in the "
	            "precinct (100%)");
	assert_int_equal(nflags(f, "a2", "registered_share"), 0);
}

static void test_conflicting_revision(void **state)
{
	struct fx *f = *state;

	put(f, (struct tl){ .sid = "a1", .pct = "19101-005", .v = { 60, 30, 10 } });
	assert_int_equal(put(f, (struct tl){ .sid = "a2", .pct = "19101-005",
	                                     .at = "20:05:00", .v = { 61, 30, 10 } }),
	                 WR_REVISED);
	assert_string_equal(state_of(f, "a1"), "superseded");
	assert_string_equal(state_of(f, "a2"), "flagged");
	expect_flag(f, "a2", "conflicting_revision", "warn", 101, 100,
	            "a revision changes the precinct's tally: total 101, before 100");
	/* The same numbers again: a revision, but nothing in conflict. */
	assert_int_equal(put(f, (struct tl){ .sid = "a3", .pct = "19101-005",
	                                     .at = "20:06:00", .v = { 61, 30, 10 } }),
	                 WR_REVISED);
	assert_string_equal(state_of(f, "a3"), "clean");
	assert_int_equal(nflags(f, "a3", NULL), 0);
	/* A vote moved between candidates, the total the same. */
	put(f, (struct tl){ .sid = "a4", .pct = "19101-005", .at = "20:07:00",
	                    .v = { 60, 31, 10 } });
	expect_flag(f, "a4", "conflicting_revision", "warn", 101, 101,
	            "a revision changes the precinct's tally: total 101, before 101");
}

static void test_source_disagreement(void **state)
{
	struct fx *f = *state;

	put(f, (struct tl){ .sid = "a1", .pct = "19101-005", .v = { 60, 30, 10 } });
	put(f, (struct tl){ .sid = "h1", .source = "hotline", .reporter = "op-1",
	                    .pct = "19101-005", .at = "20:10:00", .v = { 60, 29, 10 } });
	assert_string_equal(state_of(f, "h1"), "flagged");
	expect_flag(f, "h1", "source_disagreement", "hard", 29, 30,
	            "the app tally gives desantis 30, this one 29");
	assert_int_equal(nflags(f, "h1", "conflicting_revision"), 1);
	/* The hotline corrects itself to the app's numbers: in conflict with
	 * its own last revision, in agreement with the app. */
	put(f, (struct tl){ .sid = "h2", .source = "hotline", .reporter = "op-1",
	                    .pct = "19101-005", .at = "20:11:00", .v = { 60, 30, 10 } });
	assert_int_equal(nflags(f, "h2", "source_disagreement"), 0);
	assert_int_equal(nflags(f, "h2", "conflicting_revision"), 1);
	/* App and hotline agreeing from the start: clean. */
	put(f, (struct tl){ .sid = "a3", .pct = "19101-006", .v = { 50, 40, 10 } });
	put(f, (struct tl){ .sid = "h3", .source = "hotline", .reporter = "op-1",
	                    .pct = "19101-006", .at = "20:12:00", .v = { 50, 40, 10 } });
	assert_string_equal(state_of(f, "h3"), "clean");
	assert_int_equal(nflags(f, "h3", NULL), 0);
	/* The app's later tally is judged against the hotline's. */
	put(f, (struct tl){ .sid = "a4", .pct = "19101-006", .at = "20:20:00",
	                    .v = { 50, 40, 12 } });
	expect_flag(f, "a4", "source_disagreement", "hard", 12, 10,
	            "the hotline tally gives haley 10, this one 12");
}

static void test_pre_opening(void **state)
{
	struct fx *f = *state;

	put(f, (struct tl){ .sid = "a1", .pct = "19101-005", .at = "18:59:00",
	                    .v = { 60, 30, 10 } });
	assert_string_equal(state_of(f, "a1"), "flagged");
	expect_flag(f, "a1", "pre_opening", "hard", 60, 0,
	            "reported 1 minutes before the caucus opened: test data, not a result");
	put(f, (struct tl){ .sid = "a2", .pct = "19101-006", .at = "19:00:00",
	                    .v = { 60, 30, 10 } });
	assert_string_equal(state_of(f, "a2"), "clean");
	put(f, (struct tl){ .sid = "a3", .pct = "19101-007", .at = "18:59:59",
	                    .v = { 60, 30, 10 } });
	expect_flag(f, "a3", "pre_opening", "hard", 1, 0,
	            "reported 1 minutes before the caucus opened: test data, not a result");
	/* The real tally after test data is no conflicting revision, and a
	 * hotline test tally is nothing for the app's tally to disagree with. */
	put(f, (struct tl){ .sid = "a4", .pct = "19101-005", .at = "20:00:00",
	                    .v = { 50, 40, 10 } });
	assert_int_equal(nflags(f, "a4", "conflicting_revision"), 0);
	put(f, (struct tl){ .sid = "a5", .pct = "19101-008", .source = "hotline",
	                    .at = "18:30:00", .v = { 60, 30, 10 } });
	put(f, (struct tl){ .sid = "a6", .pct = "19101-008", .at = "20:00:00",
	                    .v = { 50, 40, 10 } });
	assert_int_equal(nflags(f, "a6", "source_disagreement"), 0);
	assert_int_equal(nflags(f, "a6", "conflicting_revision"), 0);
	assert_string_equal(state_of(f, "a6"), "clean");
	/* A real revision after a real tally still is one. */
	put(f, (struct tl){ .sid = "a7", .pct = "19101-008", .at = "20:10:00",
	                    .v = { 55, 35, 10 } });
	assert_int_equal(nflags(f, "a7", "conflicting_revision"), 1);
}

static void test_outside_site(void **state)
{
	struct fx *f = *state;

	/* One reporter in two rooms: the second tally is flagged. */
	put(f, (struct tl){ .sid = "a1", .pct = "19101-005", .reporter = "roamer",
	                    .v = { 60, 30, 10 } });
	assert_string_equal(state_of(f, "a1"), "clean");
	put(f, (struct tl){ .sid = "a2", .pct = "19101-006", .reporter = "roamer",
	                    .at = "20:20:00", .v = { 60, 30, 10 } });
	assert_string_equal(state_of(f, "a2"), "flagged");
	expect_flag(f, "a2", "outside_site", "warn", 2, 1,
	            "the reporter has tallied for precincts in 2 caucus sites; a reporter "
	            "works in one room");
	/* Two precincts of one room: one site. */
	put(f, (struct tl){ .sid = "b1", .pct = "19101-001", .reporter = "chair",
	                    .v = { 60, 30, 10 } });
	put(f, (struct tl){ .sid = "b2", .pct = "19101-002", .reporter = "chair",
	                    .v = { 60, 30, 10 } });
	assert_string_equal(state_of(f, "b2"), "clean");
	assert_int_equal(nflags(f, "b2", NULL), 0);
	/* One device handed between reporters in two rooms. */
	put(f, (struct tl){ .sid = "c1", .pct = "19101-007", .reporter = "r7",
	                    .device = "dev-x", .v = { 60, 30, 10 } });
	put(f, (struct tl){ .sid = "c2", .pct = "19101-008", .reporter = "r8",
	                    .device = "dev-x", .v = { 60, 30, 10 } });
	expect_flag(f, "c2", "outside_site", "warn", 2, 1,
	            "the device has tallied for precincts in 2 caucus sites; a reporter "
	            "works in one room");
	/* Hotline staff key for every room. */
	put(f, (struct tl){ .sid = "h1", .source = "hotline", .reporter = "op-1",
	                    .pct = "19101-009", .v = { 60, 30, 10 } });
	put(f, (struct tl){ .sid = "h2", .source = "hotline", .reporter = "op-1",
	                    .pct = "19101-010", .v = { 60, 30, 10 } });
	assert_int_equal(nflags(f, "h2", "outside_site"), 0);
	assert_string_equal(state_of(f, "h2"), "clean");
}

/* The roster gives rep-19101-005 its precinct and site-1 the four of
 * 19101-S001: a listed reporter tallying elsewhere is flagged from any
 * source, a reporter the roster does not list at all is flagged as unlisted, and a re-score
 * keeps the flag (the roster is no county context). */
static void test_roster(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	assert_int_equal(sqlite3_exec(f->t.s.db, "INSERT INTO roster SELECT 'rep-19101-005',"
	                              " id FROM precincts WHERE code = '19101-005';"
	                              "INSERT INTO roster SELECT 'site-1', id FROM precincts"
	                              " WHERE site_code = '19101-S001'", NULL, NULL, NULL),
	                 SQLITE_OK);
	put(f, (struct tl){ .sid = "own", .pct = "19101-005", .v = { 60, 30, 10 } });
	assert_string_equal(state_of(f, "own"), "clean");
	put(f, (struct tl){ .sid = "keyed", .source = "hotline", .pct = "19101-006",
	                    .reporter = "rep-19101-005", .v = { 60, 30, 10 } });
	assert_string_equal(state_of(f, "keyed"), "flagged");
	expect_flag(f, "keyed", "roster", "warn", 0, 1, "reporter rep-19101-005 is on the "
	            "roster for precinct 19101-005, not this one");
	put(f, (struct tl){ .sid = "room", .pct = "19101-003", .reporter = "site-1",
	                    .v = { 60, 30, 10 } });
	assert_int_equal(nflags(f, "room", "roster"), 0);
	put(f, (struct tl){ .sid = "away", .pct = "19101-007", .reporter = "site-1",
	                    .v = { 60, 30, 10 } });
	expect_flag(f, "away", "roster", "warn", 0, 1, "reporter site-1 is on the roster for "
	            "4 precincts from 19101-001 on, not this one");
	/* Someone the roster does not list at all: unlisted, not elsewhere. */
	put(f, (struct tl){ .sid = "stranger", .source = "hotline", .pct = "19101-008",
	                    .reporter = "op-1", .v = { 60, 30, 10 } });
	assert_int_equal(nflags(f, "stranger", "roster"), 0);
	expect_flag(f, "stranger", "unlisted_reporter", "warn", 0, 1, "reporter op-1 is not "
	            "on the roster: confirm who reported this tally");
	flush(f);
	assert_int_equal(wr_store_begin(&f->t.s, &err), WR_OK);
	assert_int_equal(wr_scorer_rescore(scorer(f), id_of(f, "keyed"), &err), WR_OK);
	assert_int_equal(wr_store_commit(&f->t.s, &err), WR_OK);
	assert_int_equal(nflags(f, "keyed", "roster"), 1);
	assert_string_equal(state_of(f, "keyed"), "flagged");
}

/* In a room of 4 precincts, a device may send 4 tallies in 15 minutes;
 * the 5th is a burst. Windows are 15-minute aligned: 20:00-20:14 Central. */
static void test_burst(void **state)
{
	struct fx *f = *state;
	const char *pct[] = { "19101-001", "19101-002", "19101-003", "19101-004" };
	const char *at[] = { "20:00:00", "20:03:00", "20:06:00", "20:09:00" };
	char sid[32];

	for (int i = 0; i < 4; i++) {
		snprintf(sid, sizeof sid, "b%d", i);
		put(f, (struct tl){ .sid = sid, .pct = pct[i], .at = at[i], .reporter = "chair",
		                    .device = "dev-c", .v = { 60, 30, 10 } });
		assert_string_equal(state_of(f, sid), "clean");
	}
	put(f, (struct tl){ .sid = "b4", .pct = "19101-001", .at = "20:14:59",
	                    .reporter = "chair", .device = "dev-c", .v = { 60, 30, 10 } });
	assert_string_equal(state_of(f, "b4"), "flagged");
	expect_flag(f, "b4", "burst", "warn", 5, 4,
	            "5 tallies in 15 minutes from one device, more than its room holds "
	            "precincts");
	/* The next window starts over. */
	put(f, (struct tl){ .sid = "b5", .pct = "19101-002", .at = "20:15:00",
	                    .reporter = "chair", .device = "dev-c", .v = { 60, 30, 10 } });
	assert_int_equal(nflags(f, "b5", "burst"), 0);
	/* A one-precinct room still allows 4 (per_window). */
	for (int i = 0; i < 5; i++) {
		snprintf(sid, sizeof sid, "s%d", i);
		put(f, (struct tl){ .sid = sid, .pct = "19101-005", .at = "20:31:00",
		                    .v = { 60, 30, 10 } });
		assert_int_equal(nflags(f, sid, "burst"), i == 4);
	}
	expect_flag(f, "s4", "burst", "warn", 5, 4,
	            "5 tallies in 15 minutes from one reporter, more than its room holds "
	            "precincts");
}

/* A hotline desk keys calls from every room: like outside_site, the burst
 * rule must not count a hotline device as one room's phone. */
static void test_hotline_desk_is_not_a_burst(void **state)
{
	struct fx *f = *state;
	char sid[32], pct[32], at[32];

	for (int i = 0; i < 6; i++) {
		snprintf(sid, sizeof sid, "h%d", i);
		snprintf(pct, sizeof pct, "19103-%03d", i + 1);
		snprintf(at, sizeof at, "20:0%d:00", i);
		put(f, (struct tl){ .sid = sid, .source = "hotline", .reporter = "op-1",
		                    .device = "desk-1", .pct = pct, .at = at,
		                    .v = { 60, 30, 10 } });
		if (nflags(f, sid, "burst") != 0)
			fail_msg("hotline tally %d of desk-1 flagged as a burst", i + 1);
		assert_string_equal(state_of(f, sid), "clean");
	}
}

/* --- thresholds from the rules file reach the scorer ------------------------- */

static void test_info_alone_stays_clean(void **state)
{
	struct fx *f = *state;

	with_rules(f, "{\"rules\": {\"state_rate\": {\"per_window\": 1}}}");
	put(f, (struct tl){ .sid = "a1", .pct = "19101-005", .v = { 60, 30, 10 } });
	assert_int_equal(nflags(f, "a1", NULL), 0);
	put(f, (struct tl){ .sid = "a2", .pct = "19101-006", .v = { 60, 30, 10 } });
	assert_string_equal(state_of(f, "a2"), "clean");
	assert_int_equal(nflags(f, "a2", NULL), 1);
	expect_flag(f, "a2", "state_rate", "info", 2, 1, "2 tallies statewide in 15 minutes");
	/* With a warning beside the info: flagged. */
	put(f, (struct tl){ .sid = "a3", .pct = "19101-007", .v = { 60, 30, 10 }, .off = 1 });
	assert_string_equal(state_of(f, "a3"), "flagged");
	assert_int_equal(nflags(f, "a3", "state_rate"), 1);
}

static void test_severity_from_rules_file(void **state)
{
	struct fx *f = *state;

	/* Thresholds and ordinary severities come from the file; the integrity
	 * rules keep their floor (hard), which the file cannot lower. */
	with_rules(f, "{\"rules\": {\"absurd_count\": {\"max_votes\": 1000},"
	              " \"registered_share\": {\"severity\": \"hard\"}}}");
	put(f, (struct tl){ .sid = "a1", .pct = "19101-005", .v = { 60, 30, 10 }, .off = 5 });
	assert_string_equal(state_of(f, "a1"), "flagged");
	assert_int_equal(nflags(f, "a1", "sum_mismatch"), 1);
	/* No baselines in 19101-010 and a room of its own. */
	put(f, (struct tl){ .sid = "a2", .pct = "19101-010", .v = { 500, 300, 201 } });
	assert_int_equal(nflags(f, "a2", NULL), 2);
	expect_flag(f, "a2", "over_registered", "hard", 1001, 1000,
	            "turnout 1001 is more than the 1000 Republicans registered in the "
	            "precinct (100%)");
	expect_flag(f, "a2", "absurd_count", "hard", 1001, 1000,
	            "1001 votes in one precinct is beyond any caucus room (limit 1000)");
	assert_string_equal(state_of(f, "a2"), "flagged");
	put(f, (struct tl){ .sid = "a3", .pct = "19101-006", .v = { 500, 200, 100 } });
	expect_flag(f, "a3", "registered_share", "hard", 0.8, 0.7,
	            "turnout 800 is 80% of the 1000 registered Republicans; above 70% is "
	            "implausible for a caucus");
}

/* A re-score judges a tally again only against its county's approved
 * tallies: a flag another rule raised on arrival stays, and a stale county
 * flag goes. */
static void test_rescore_only_county_rules(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	char sql[256];

	put(f, (struct tl){ .sid = "r1", .pct = "19101-005", .v = { 60, 30, 10 } });
	flush(f);
	assert_string_equal(state_of(f, "r1"), "clean");
	snprintf(sql, sizeof sql, "INSERT INTO flags (submission, rule, severity, message,"
	         " created_at) VALUES (%lld, 'burst', 'warn', 'planted', 'x'), (%lld,"
	         " 'county_outlier', 'warn', 'stale', 'x')", (long long)id_of(f, "r1"),
	         (long long)id_of(f, "r1"));
	assert_int_equal(sqlite3_exec(f->t.s.db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(wr_store_begin(&f->t.s, &err), WR_OK);
	assert_int_equal(wr_scorer_rescore(scorer(f), id_of(f, "r1"), &err), WR_OK);
	assert_int_equal(wr_store_commit(&f->t.s, &err), WR_OK);
	assert_int_equal(nflags(f, "r1", "burst"), 1);
	assert_int_equal(nflags(f, "r1", "county_outlier"), 0);
	assert_string_equal(state_of(f, "r1"), "flagged");
}

/* --- county aggregates ---------------------------------------------------------- */

static void test_county_stats(void **state)
{
	struct fx *f = *state;

	expect_stats(f, "19101", 0, 0, 0, 0);
	put(f, (struct tl){ .sid = "a1", .pct = "19101-005", .v = { 60, 30, 10 } });
	expect_stats(f, "19101", 1, 100, 100, 100);
	put(f, (struct tl){ .sid = "a2", .pct = "19101-006", .v = { 70, 40, 10 } });
	expect_stats(f, "19101", 2, 220, 200, 200);
	/* A revision replaces its precinct's total; the precinct and its
	 * baselines are counted once. */
	put(f, (struct tl){ .sid = "a3", .pct = "19101-006", .at = "20:10:00",
	                    .v = { 90, 50, 10 } });
	expect_stats(f, "19101", 2, 250, 200, 200);
	put(f, (struct tl){ .sid = "a4", .pct = "19101-006", .at = "20:11:00",
	                    .v = { 50, 40, 10 } });
	expect_stats(f, "19101", 2, 200, 200, 200);
	/* From the other source, the same numbers. */
	put(f, (struct tl){ .sid = "h1", .source = "hotline", .reporter = "op-1",
	                    .pct = "19101-005", .at = "20:12:00", .v = { 60, 30, 10 } });
	expect_stats(f, "19101", 2, 200, 200, 200);
	/* A precinct without baselines adds its votes and no baseline. */
	put(f, (struct tl){ .sid = "a5", .pct = "19101-010", .v = { 30, 15, 5 } });
	expect_stats(f, "19101", 3, 250, 200, 200);
	/* Another county is its own. */
	put(f, (struct tl){ .sid = "q1", .pct = "19103-001", .v = { 20, 10, 10 } });
	expect_stats(f, "19103", 1, 40, 100, 100);
	expect_stats(f, "19101", 3, 250, 200, 200);
	/* The total as sent is what counts, even when it does not add up. */
	put(f, (struct tl){ .sid = "q2", .pct = "19103-002", .v = { 20, 10, 10 }, .off = 3 });
	expect_stats(f, "19103", 2, 83, 200, 200);
	assert_int_equal(county_stats(f, "19101").approved, 0);
	/* The same as summing the current tallies from scratch. */
	assert_int_equal(tu_int(&f->t.s, "SELECT sum(total) FROM submissions s WHERE"
	                        " revision = (SELECT max(revision) FROM submissions t"
	                        " WHERE t.precinct_id = s.precinct_id) AND precinct_id IN"
	                        " (SELECT id FROM precincts WHERE county_fips = '19101')"), 250);
}

/* --- the county gate ---------------------------------------------------------- */

/* The gate weighs approved tallies only: what is merely in, or rejected,
 * never opens or holds a county. */
static void test_gate_counts_approved_only(void **state)
{
	struct fx *f = *state;

	put(f, (struct tl){ .sid = "p1", .pct = "19101-005", .v = { 60, 30, 10 } });
	flush(f);
	assert_false(gate(f, "19101").open);
	assert_int_equal(gate(f, "19101").reported, 0);
	approve(f, "p1");
	assert_true(gate(f, "19101").open);
}

static void test_gate_opens_at_share(void **state)
{
	struct fx *f = *state;
	struct wr_gate g;
	char sid[32], pct[32];

	g = gate(f, "19101");
	assert_false(g.open);
	assert_int_equal(g.reported, 0);
	assert_int_equal(g.total, 10);
	assert_near(g.volume_ratio, -1);
	assert_string_equal(g.why, "waiting: 0 of 10 precincts approved, 10% needed");
	/* 1 of 10 at min_share 0.10: exactly the share, open. */
	put(f, (struct tl){ .sid = "a1", .pct = "19101-005", .v = { 60, 30, 10 } });
	approve(f, "a1");
	g = gate(f, "19101");
	assert_true(g.open);
	assert_int_equal(g.reported, 1);
	assert_near(g.volume_ratio, 1.0);
	assert_string_equal(g.why, "open: 1 of 10 precincts approved");
	/* 25 precincts: 2 are 8%, 3 are 12%. */
	for (int i = 1; i <= 3; i++) {
		g = gate(f, "19103");
		assert_false(g.open);
		assert_int_equal(g.reported, i - 1);
		snprintf(sid, sizeof sid, "q%d", i);
		snprintf(pct, sizeof pct, "19103-%03d", i);
		put(f, (struct tl){ .sid = sid, .pct = pct, .v = { 60, 30, 10 } });
	approve(f, sid);
	}
	g = gate(f, "19103");
	assert_true(g.open);
	assert_string_equal(g.why, "open: 3 of 25 precincts approved");
	/* Revisions do not count as more precincts. */
	put(f, (struct tl){ .sid = "a2", .pct = "19101-005", .at = "20:20:00",
	                    .v = { 60, 30, 10 } });
	approve(f, "a2");
	assert_int_equal(gate(f, "19101").reported, 1);
	/* A county nobody knows: nothing to open. */
	g = gate(f, "19999");
	assert_false(g.open);
	assert_int_equal(g.total, 0);
}

static void put_n(struct fx *f, const char *county, int from, int to)
{
	char sid[32], pct[32];

	for (int i = from; i <= to; i++) {
		snprintf(sid, sizeof sid, "%s-%d", county, i);
		snprintf(pct, sizeof pct, "%s-%03d", county, i);
		put(f, (struct tl){ .sid = sid, .pct = pct, .v = { 60, 30, 10 } });
	approve(f, sid);
	}
}

static void test_gate_configured_share(void **state)
{
	struct fx *f = *state;
	struct wr_gate g;

	with_rules(f, "{\"rules\": {\"county_gate\": {\"min_share\": 0.3}}}");
	put_n(f, "19101", 1, 2);
	g = gate(f, "19101");
	assert_false(g.open);
	assert_string_equal(g.why, "waiting: 2 of 10 precincts approved, 30% needed");
	put_n(f, "19101", 3, 3);
	assert_true(gate(f, "19101").open);
	put_n(f, "19103", 1, 7);
	assert_false(gate(f, "19103").open);  /* 7 of 25 = 28% */
	put_n(f, "19103", 8, 8);
	assert_true(gate(f, "19103").open);   /* 32% */
}

/* 7 of 25 is exactly 28%: the gate must open, though 0.28 * 25 is
 * 7.000000000000001 in binary floating point. */
static void test_gate_opens_at_exact_share_in_floating_point(void **state)
{
	struct fx *f = *state;
	struct wr_gate g;

	with_rules(f, "{\"rules\": {\"county_gate\": {\"min_share\": 0.28}}}");
	put_n(f, "19103", 1, 6);
	g = gate(f, "19103");
	assert_false(g.open);
	put_n(f, "19103", 7, 7);
	g = gate(f, "19103");
	if (!g.open)
		fail_msg("7 of 25 precincts at min_share 0.28: %s", g.why);
}

/* Open when the county's approved votes are 0.3 to 3 times what the same precincts
 * gave the 2016 caucus (both ends open), held outside. */
static void test_gate_volume(void **state)
{
	struct fx *f = *state;
	struct wr_gate g;

	put(f, (struct tl){ .sid = "v1", .pct = "19101-005", .v = { 20, 5, 4 } });
	approve(f, "v1");
	g = gate(f, "19101");
	assert_false(g.open);
	assert_near(g.volume_ratio, 0.29);
	assert_string_equal(g.why, "held: 29 approved votes are 0.29x the 2016 caucus of the same "
	                           "precincts (100); expected 0.30 to 3.00");
	put(f, (struct tl){ .sid = "v2", .pct = "19101-005", .at = "20:10:00",
	                    .v = { 20, 5, 5 } });
	approve(f, "v2");
	g = gate(f, "19101");
	assert_true(g.open);
	assert_near(g.volume_ratio, 0.3);
	put(f, (struct tl){ .sid = "v3", .pct = "19101-005", .at = "20:11:00",
	                    .v = { 200, 50, 50 } });
	approve(f, "v3");
	g = gate(f, "19101");
	assert_true(g.open);
	assert_near(g.volume_ratio, 3.0);
	put(f, (struct tl){ .sid = "v4", .pct = "19101-005", .at = "20:12:00",
	                    .v = { 200, 50, 51 } });
	approve(f, "v4");
	g = gate(f, "19101");
	assert_false(g.open);
	assert_string_equal(g.why, "held: 301 approved votes are 3.01x the 2016 caucus of the same "
	                           "precincts (100); expected 0.30 to 3.00");
	/* A second precinct brings the county back in line. */
	put(f, (struct tl){ .sid = "v5", .pct = "19101-006", .v = { 60, 30, 9 } });
	approve(f, "v5");
	g = gate(f, "19101");
	assert_true(g.open);
	assert_near(g.volume_ratio, 2.0);
	/* Configured bounds. */
	with_rules(f, "{\"rules\": {\"county_gate\": {\"low\": 0.5, \"high\": 1.5}}}");
	g = gate(f, "19101");
	assert_false(g.open);
	assert_string_equal(g.why, "held: 400 approved votes are 2.00x the 2016 caucus of the same "
	                           "precincts (200); expected 0.50 to 1.50");
}

/* The gate compares votes with the 2016 caucus "of the same precincts"
 * (scoring.h): a precinct without a 2016 baseline must not count on one
 * side only. 19101-005 gives 100 where 2016 had 100; 19101-010 (no
 * baselines) gives 250. */
static void test_gate_volume_same_precincts(void **state)
{
	struct fx *f = *state;
	struct wr_gate g;

	put(f, (struct tl){ .sid = "v1", .pct = "19101-005", .v = { 60, 30, 10 } });
	approve(f, "v1");
	put(f, (struct tl){ .sid = "v2", .pct = "19101-010", .v = { 150, 50, 50 } });
	approve(f, "v2");
	g = gate(f, "19101");
	assert_int_equal(g.reported, 2);
	if (fabs(g.volume_ratio - 1.0) > 1e-9 || !g.open)
		fail_msg("volume ratio %.2f (want 1.00, 100 votes against 100): %s",
		         g.volume_ratio, g.why);
}

/* --- judging the first tallies -------------------------------------------- */

/* A flag's message, or "" when sid has no flag of rule. */
static const char *message_of(struct fx *f, const char *sid, const char *rule)
{
	static char out[256];
	sqlite3_stmt *st = prep(f, "SELECT message FROM flags WHERE submission = (SELECT id"
	                           " FROM submissions WHERE submission_id = ?1) AND rule = ?2");

	flush(f);
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, rule, -1, SQLITE_STATIC);
	snprintf(out, sizeof out, "%s", sqlite3_step(st) == SQLITE_ROW ?
	         (const char *)sqlite3_column_text(st, 0) : "");
	sqlite3_finalize(st);
	return out;
}

/* The votes of every tally sent so far, the pool of the night's first
 * minutes. */
static long sent_votes(struct fx *f)
{
	sqlite3_stmt *st = prep(f, "SELECT sum(votes) FROM county_votes WHERE county_fips = '+'");
	long n;

	flush(f);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	n = sqlite3_column_int(st, 0);
	sqlite3_finalize(st);
	return n;
}

/* Before anything is approved, a room is judged against every tally sent
 * since the opening (test data excluded); once the state has approved
 * votes, against those; a county with too few approved takes the state's
 * turnout ratio, with the wider bounds. */
static void test_first_tallies_have_context(void **state)
{
	struct fx *f = *state;
	char sid[32], pct[32];

	/* Test data from before the opening would make "odd" look ordinary. */
	put(f, (struct tl){ .sid = "test", .pct = "19103-010", .at = "18:00:00",
	                    .v = { 10, 85, 5 } });
	for (int i = 3; i <= 6; i++) {
		snprintf(sid, sizeof sid, "n%d", i);
		snprintf(pct, sizeof pct, "19103-%03d", i);
		put(f, (struct tl){ .sid = sid, .pct = pct, .v = { 60, 30, 10 } });
	}
	put(f, (struct tl){ .sid = "odd", .pct = "19101-001", .v = { 10, 85, 5 } });
	assert_string_equal(state_of(f, "odd"), "flagged");
	assert_non_null(strstr(message_of(f, "odd", "pooled_share"),
	                       "every tally sent so far (too few approved yet) give"));
	assert_int_equal(nflags(f, "odd", "turnout_county"), 0);  /* no ratio yet */
	assert_int_equal(sent_votes(f), 500);  /* not the test's 100 */
	/* Nor an absurd one: a hard flag keeps it out of what others are
	 * judged against. */
	put(f, (struct tl){ .sid = "typo", .pct = "19103-011", .v = { 60, 99999, 10 } });
	assert_string_equal(state_of(f, "typo"), "flagged");
	assert_int_equal(sent_votes(f), 500);

	/* 19103's four approved: 400 votes where 2016 had 400. */
	for (int i = 3; i <= 6; i++) {
		snprintf(sid, sizeof sid, "n%d", i);
		approve(f, sid);
	}
	put(f, (struct tl){ .sid = "odd2", .pct = "19101-002", .v = { 10, 85, 5 } });
	assert_non_null(strstr(message_of(f, "odd2", "pooled_share"),
	                       "the other counties' approved votes give"));
	/* 19101 has nothing approved: 160 is 1.6x the state's 1.0x of 2016. */
	put(f, (struct tl){ .sid = "big", .pct = "19101-003", .v = { 96, 48, 16 } });
	assert_string_equal(message_of(f, "big", "turnout_county"),
	                    "turnout 160 is 1.60x what the state's approved precincts "
	                    "predict (100: 1.00x its 2016 caucus of 100)");
	assert_int_equal(nflags(f, "big", "pooled_share"), 0);
	/* 1.59x would be out against the county's own ratio, not the state's. */
	put(f, (struct tl){ .sid = "fair", .pct = "19101-004", .v = { 95, 48, 16 } });
	assert_string_equal(message_of(f, "fair", "turnout_county"), "");
	/* 19103's own ratio is there (400 of 2016 votes, min_base 300). */
	put(f, (struct tl){ .sid = "own", .pct = "19103-007", .v = { 82, 41, 14 } });
	assert_non_null(strstr(message_of(f, "own", "turnout_county"), "the county's approved"));
}

/* --- the county outlier rule ------------------------------------------------------ */

static void test_county_outlier_after_approvals(void **state)
{
	struct fx *f = *state;
	char sid[32], pct[32];

	/* The pooled rule would judge "out" on arrival against the state's
	 * tallies so far; this is about the outlier rule and its re-scoring. */
	with_rules(f, "{\"rules\": {\"pooled_share\": {\"severity\": \"off\"}}}");

	/* Five ordinary precincts, an outlier and an ordinary one pending. */
	for (int i = 5; i <= 9; i++) {
		snprintf(sid, sizeof sid, "n%d", i);
		snprintf(pct, sizeof pct, "19101-%03d", i);
		put(f, (struct tl){ .sid = sid, .pct = pct, .v = { 60, 30, 10 } });
	}
	put(f, (struct tl){ .sid = "out", .pct = "19101-001", .v = { 10, 85, 5 } });
	put(f, (struct tl){ .sid = "ord", .pct = "19101-002", .v = { 58, 32, 10 } });
	assert_string_equal(state_of(f, "out"), "clean");
	for (int i = 5; i <= 8; i++) {
		snprintf(sid, sizeof sid, "n%d", i);
		approve(f, sid);
	}
	/* Four approved: below min_precincts 5, nothing re-scored. */
	assert_int_equal(county_stats(f, "19101").approved, 4);
	assert_string_equal(state_of(f, "out"), "clean");
	assert_int_equal(nflags(f, "out", NULL), 0);
	/* The fifth: the county's pending tallies are scored again. */
	approve(f, "n9");
	assert_int_equal(county_stats(f, "19101").approved, 5);
	assert_int_equal(tu_int(&f->t.s, "SELECT n FROM county_share_bins WHERE"
	                        " county_fips = '19101' AND candidate = 'trump' AND bin = 60"), 5);
	assert_int_equal(tu_int(&f->t.s, "SELECT sum(n) FROM county_share_bins WHERE"
	                        " candidate = 'desantis'"), 5);
	assert_string_equal(state_of(f, "out"), "flagged");
	expect_flag(f, "out", "county_outlier", "warn", (0.85 - 0.30) / (1.4826 * 0.03), 5,
	            "desantis has 85% here against a median of 30% in the county's 5 "
	            "approved precincts (z +12.4)");
	assert_string_equal(state_of(f, "ord"), "clean");
	assert_int_equal(nflags(f, "ord", NULL), 0);
	/* Approved tallies are not re-scored. */
	assert_string_equal(state_of(f, "n9"), "approved");
	assert_int_equal(nflags(f, "n9", NULL), 0);
	/* From now on an outlier is flagged as it comes in, in any county
	 * precinct; another county has no approved precincts. */
	put(f, (struct tl){ .sid = "out2", .pct = "19101-003", .v = { 90, 5, 5 } });
	assert_string_equal(state_of(f, "out2"), "flagged");
	expect_flag(f, "out2", "county_outlier", "warn", (0.90 - 0.60) / (1.4826 * 0.03), 5,
	            "trump has 90% here against a median of 60% in the county's 5 "
	            "approved precincts (z +6.7)");
	put(f, (struct tl){ .sid = "q1", .pct = "19103-001", .v = { 10, 85, 5 } });
	assert_int_equal(nflags(f, "q1", "county_outlier"), 0);
}

/* The early tally's second look in wr_detail_flags: 1 listed and marked,
 * 0 not listed. */
static int listed_second_look(struct fx *f, const char *sid)
{
	json_t *all, *x;
	struct wr_err err;
	size_t i;
	int found = 0;

	if (wr_detail_flags(&f->t.s, &all, &err) != WR_OK)
		fail_msg("flags: %s", err.msg);
	json_array_foreach(all, i, x)
		if (!strcmp(json_string_value(json_object_get(x, "submission_id")), sid)) {
			assert_true(json_is_true(json_object_get(x, "second_look")));
			assert_string_equal(wr_detail_flag_note(x), "second look after approval: ");
			found = 1;
		} else {
			assert_string_equal(wr_detail_flag_note(x), "");
		}
	json_decref(all);
	return found;
}

/* A tally approved before its county had context is judged again when the
 * context comes: the share rule that now fires is added as a second look
 * (once), the tally stays approved, its chair goes on the callback list,
 * the audit says so, and `flags` lists it until the call is made. Approved
 * test data, and an approved tally whose revision is in, get no look. A
 * rule firing after the call was made opens the callback again. */
static void test_second_look(void **state)
{
	struct fx *f = *state;
	char sid[32], pct[32], reason[400];

	with_rules(f, "{\"rules\": {\"pooled_share\": {\"severity\": \"off\"}}}");
	put(f, (struct tl){ .sid = "early", .pct = "19103-001", .v = { 10, 85, 5 } });
	put(f, (struct tl){ .sid = "fixed", .pct = "19103-011", .v = { 10, 85, 5 } });
	put(f, (struct tl){ .sid = "test", .pct = "19103-020", .at = "18:00:00",
	                    .v = { 10, 85, 5 } });
	assert_string_equal(state_of(f, "early"), "clean");
	approve(f, "early");
	approve(f, "fixed");
	approve(f, "test");
	put(f, (struct tl){ .sid = "fix", .pct = "19103-011", .v = { 60, 30, 10 } });
	for (int i = 2; i <= 4; i++) {
		snprintf(sid, sizeof sid, "n%d", i);
		snprintf(pct, sizeof pct, "19103-%03d", i);
		put(f, (struct tl){ .sid = sid, .pct = pct, .v = { 60, 30, 10 } });
		assert_int_equal(nflags(f, "early", NULL), 0);
		approve(f, sid);   /* the fifth approved (n4) re-scores the county */
	}
	assert_string_equal(state_of(f, "early"), "approved");
	expect_flag(f, "early", "county_outlier", "warn", (0.85 - 0.30) / (1.4826 * 0.03), 5,
	            "desantis has 85% here against a median of 30% in the county's 5 "
	            "approved precincts (z +12.4)");
	assert_int_equal(tu_int(&f->t.s, "SELECT second_look FROM flags WHERE submission ="
	                        " (SELECT id FROM submissions WHERE submission_id = 'early')"), 1);
	assert_int_equal(nflags(f, "n2", NULL), 0);
	assert_int_equal(nflags(f, "fixed", "county_outlier"), 0);
	assert_int_equal(nflags(f, "test", "county_outlier"), 0);
	tu_text(&f->t.s, "SELECT group_concat(reason || '|' || (done_at IS NULL)) FROM callbacks",
	        reason, sizeof reason);
	assert_string_equal(reason, "second look after approval: desantis has 85% here "
	                    "against a median of 30% in the county's 5 approved precincts "
	                    "(z +12.4)|1");
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM audit WHERE action ="
	                        " 'second_look' AND actor = 'rules' AND subject = 'early'"), 1);
	assert_true(listed_second_look(f, "early"));
	/* The chair confirms; later the pooled rule, switched on, fires too. */
	assert_int_equal(sqlite3_exec(f->t.s.db, "UPDATE callbacks SET done_at = 'x'", NULL,
	                              NULL, NULL), SQLITE_OK);
	assert_false(listed_second_look(f, "early"));
	with_rules(f, "{\"rules\": {}}");
	for (int i = 5; i <= 9; i++) {
		snprintf(sid, sizeof sid, "n%d", i);
		snprintf(pct, sizeof pct, "19103-%03d", i);
		put(f, (struct tl){ .sid = sid, .pct = pct, .v = { 60, 30, 10 } });
		approve(f, sid);   /* the tenth approved (n9) re-scores again */
	}
	assert_int_equal(nflags(f, "early", "county_outlier"), 1);
	assert_int_equal(nflags(f, "early", "pooled_share"), 1);
	/* Judged against the county's other 9 precincts and 900 votes, not its
	 * own; the state's approved are all the county's, so no other county's
	 * are there to judge against. */
	assert_non_null(strstr(message_of(f, "early", "pooled_share"),
	                       "; every tally sent so far (too few approved yet) and the "
	                       "county's 900 in 9 approved precincts give"));
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM callbacks WHERE done_at IS NULL"
	                        " AND reason LIKE 'second look after approval: %'"
	                        " AND reason NOT LIKE '%median of 30%'"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM audit WHERE action ="
	                        " 'second_look'"), 2);
	assert_true(listed_second_look(f, "early"));
	tu_audit_holds(&f->t.s);
}

/* A caucus room where nobody came (total 0) has no shares to add to its
 * county's histograms, yet it is counted in the number of approved
 * precincts the median and MAD are taken over: once such rooms are half
 * the approved, the median reads as 100% and no outlier is ever found.
 * Five ordinary precincts and six empty rooms approved in 19103: an
 * outlier coming in must still be flagged. */
static void test_county_outlier_ignores_empty_rooms(void **state)
{
	struct fx *f = *state;
	char sid[32], pct[32];

	for (int i = 1; i <= 11; i++) {
		snprintf(sid, sizeof sid, "q%d", i);
		snprintf(pct, sizeof pct, "19103-%03d", i);
		if (i <= 5)
			put(f, (struct tl){ .sid = sid, .pct = pct, .v = { 60, 30, 10 } });
		else
			put(f, (struct tl){ .sid = sid, .pct = pct, .v = { 0, 0, 0 } });
	}
	for (int i = 1; i <= 5; i++) {
		snprintf(sid, sizeof sid, "q%d", i);
		approve(f, sid);
	}
	put(f, (struct tl){ .sid = "out1", .pct = "19103-020", .v = { 10, 85, 5 } });
	assert_int_equal(nflags(f, "out1", "county_outlier"), 1);
	for (int i = 6; i <= 11; i++) {
		snprintf(sid, sizeof sid, "q%d", i);
		approve(f, sid);
	}
	put(f, (struct tl){ .sid = "out2", .pct = "19103-021", .v = { 10, 85, 5 } });
	if (nflags(f, "out2", "county_outlier") != 1)
		fail_msg("an outlier is no longer flagged once 6 empty rooms are approved "
		         "beside 5 ordinary precincts");
	assert_near(tu_int(&f->t.s, "SELECT round(value * 1000) FROM flags WHERE rule ="
	                   " 'county_outlier' AND submission = (SELECT id FROM submissions"
	                   " WHERE submission_id = 'out2')") / 1000.0,
	            round((0.85 - 0.30) / (1.4826 * 0.03) * 1000) / 1000.0);
	assert_string_equal(state_of(f, "out2"), "flagged");
}

/* Approving a precinct's revision replaces its approved tally: the county
 * still has one approved precinct, with the revision's shares. */
static void test_county_outlier_approved_revision(void **state)
{
	struct fx *f = *state;

	put(f, (struct tl){ .sid = "r1", .pct = "19101-005", .v = { 60, 30, 10 } });
	approve(f, "r1");
	put(f, (struct tl){ .sid = "r2", .pct = "19101-005", .at = "20:10:00",
	                    .v = { 40, 50, 10 } });
	approve(f, "r2");
	assert_string_equal(state_of(f, "r1"), "superseded");
	assert_int_equal(county_stats(f, "19101").approved, 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT sum(n) FROM county_share_bins WHERE"
	                        " candidate = 'trump'"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT n FROM county_share_bins WHERE"
	                        " candidate = 'trump' AND bin = 40"), 1);
}

/* --- linear cost over a full Iowa night ------------------------------------------ */

/* Scoring one tally must cost the same whether 10 or 178 of its county's
 * precincts are in. Cost is counted, not timed: statement steps
 * (wr_scorer_steps) and SQLite VM instructions over every statement of the
 * connection, which grow with the rows a statement touches. The one part
 * allowed to grow is the tally's own room (super_site sums the current
 * tallies of the room's precincts; a super site's one reporter has a tally
 * and a roster row per precinct of it, which the reporter's lookups read),
 * bounded by the room's size: at most ROOM_VM instructions per precinct of
 * the room, nothing per precinct of the county. */
#define ROOM_VM 150
#define SLACK_VM 20

struct cost {
	long steps;   /* wr_scorer_steps: statement steps */
	long vm;      /* SQLite VM instructions */
	long scans;   /* full-scan steps */
	long sorts;
	long flags;   /* flags written, each one statement step */
	long room;    /* precincts in the tally's room */
};

static long stmt_status(sqlite3 *db, int op)
{
	long n = 0;

	for (sqlite3_stmt *st = sqlite3_next_stmt(db, NULL); st; st = sqlite3_next_stmt(db, st))
		n += sqlite3_stmt_status(st, op, 0);
	return n;
}

struct meter {
	long steps, vm, scans, sorts;
};

static struct meter meter(struct fx *f)
{
	sqlite3 *db = f->t.s.db;
	struct meter m = { f->sc ? wr_scorer_steps(f->sc) : 0,
	                   stmt_status(db, SQLITE_STMTSTATUS_VM_STEP),
	                   stmt_status(db, SQLITE_STMTSTATUS_FULLSCAN_STEP),
	                   stmt_status(db, SQLITE_STMTSTATUS_SORT) };
	return m;
}

static void finish(struct fx *f, struct cost *c, const struct meter *m0, int64_t id)
{
	struct meter m1 = meter(f);
	char sql[256];

	c->steps = m1.steps - m0->steps;
	c->vm = m1.vm - m0->vm;
	c->scans = m1.scans - m0->scans;
	c->sorts = m1.sorts - m0->sorts;
	snprintf(sql, sizeof sql, "SELECT count(*) FROM flags WHERE submission = %lld",
	         (long long)id);
	c->flags = tu_int(&f->t.s, sql);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM precincts WHERE site_code ="
	         " (SELECT p.site_code FROM precincts p JOIN submissions s ON"
	         " s.precinct_id = p.id WHERE s.id = %lld)", (long long)id);
	c->room = tu_int(&f->t.s, sql);
	if (c->room < 1)
		c->room = 1;
}

/* The cost of one wr_scorer_rescore (or wr_scorer_ingested) of id. */
static struct cost measure(struct fx *f, int64_t id, int ingested)
{
	struct wr_scorer *sc = scorer(f);
	struct cost c;
	struct wr_err err;
	struct meter m0 = meter(f);

	if ((ingested ? wr_scorer_ingested(sc, id, &err) : wr_scorer_rescore(sc, id, &err))
	    != WR_OK)
		fail_msg("scoring %lld: %s", (long long)id, err.msg);
	finish(f, &c, &m0, id);
	return c;
}

/* The cost of ingesting a fresh revision of submission id (its raw record
 * under a new submission_id) through intake, scoring included. */
static struct cost measure_revision(struct fx *f, int64_t id, const char *new_sid)
{
	sqlite3_stmt *st = prep(f, "SELECT raw FROM submissions WHERE id = ?1");
	char rec[2048], *p, *q;
	enum wr_outcome o;
	struct wr_err err;
	struct meter m0;
	struct cost c;
	int len;

	sqlite3_bind_int64(st, 1, id);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	len = sqlite3_column_bytes(st, 0);
	assert_true(len > 0 && (size_t)len < sizeof rec);
	memcpy(rec, sqlite3_column_blob(st, 0), (size_t)len);
	rec[len] = '\0';
	sqlite3_finalize(st);
	p = strstr(rec, "\"submission_id\":\"");
	assert_non_null(p);
	p += strlen("\"submission_id\":\"");
	q = strchr(p, '"');
	assert_non_null(q);
	assert_true(strlen(new_sid) + (size_t)len < sizeof rec);
	memmove(p + strlen(new_sid), q, strlen(q) + 1);
	memcpy(p, new_sid, strlen(new_sid));
	flush(f);
	m0 = meter(f);
	if (wr_intake_record(f->in, "fresh.ndjson", 1, rec, strlen(rec), strlen(rec), &o,
	                     &err) != WR_OK)
		fail_msg("fresh revision: %s", err.msg);
	assert_int_equal(o, WR_REVISED);
	finish(f, &c, &m0, id_of(f, new_sid));
	flush(f);
	return c;
}

#define POLK_IDS "SELECT s.id FROM submissions s JOIN precincts p ON p.id = s.precinct_id" \
                 " WHERE p.county_fips = '19153' AND s.source = 'app'"

static void polk_ids(struct fx *f, const char *sql, int64_t *ids, int n)
{
	sqlite3_stmt *st = prep(f, sql);
	int i = 0;

	while (i < n && sqlite3_step(st) == SQLITE_ROW)
		ids[i++] = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	assert_int_equal(i, n);
}

static void begin(struct fx *f)
{
	struct wr_err err;

	flush(f);
	if (wr_store_begin(&f->t.s, &err) != WR_OK)
		fail_msg("begin: %s", err.msg);
}

/* Statement steps less the flags written (one step each): what scoring
 * reads and counts. */
static long reads(const struct cost *c)
{
	return c->steps - c->flags;
}

static void same_cost(const char *what, int i, const struct cost *early,
                      const struct cost *late)
{
	long allowed = early->vm + SLACK_VM + ROOM_VM * (late->room - 1);

	if (late->vm > allowed || late->scans != early->scans || late->sorts != early->sorts)
		fail_msg("%s %d (a room of %ld): %ld VM steps, %ld scans, %ld sorts with 10 of"
		         " Polk in; %ld, %ld, %ld with the night in (at most %ld allowed)", what,
		         i, late->room, early->vm, early->scans, early->sorts, late->vm,
		         late->scans, late->sorts, allowed);
}

static void bounded(const char *what, int i, const struct cost *c, long base)
{
	if (c->vm > base + ROOM_VM * c->room || reads(c) > 40)
		fail_msg("%s %d (a room of %ld): %ld VM steps, %ld statement steps", what, i,
		         c->room, c->vm, reads(c));
}

static void test_linear_iowa_night(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	FILE *fp;
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0, polk = 0;
	int64_t first[10], last[10];
	struct cost early[10], early_ing, early_rev, late_first[10], late_last[10];
	struct cost late_ing, late_ing_last, late_rev;
	enum wr_outcome o;
	struct wr_err err;

	(void)state;
	assert_non_null(f);
	assert_int_equal(setenv("WARROOM_NOW", NOW_TEXT, 1), 0);
	tu_open_empty(&f->t);
	load_fixtures(&f->t, "fixtures/iowa");
	intake_open(f);
	fp = fopen("fixtures/iowa/nights/sample.ndjson", "r");
	assert_non_null(fp);
	while ((len = getline(&line, &cap, fp)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (wr_intake_record(f->in, "sample.ndjson", ++lineno, line, (size_t)len,
		                     (size_t)len, &o, &err) != WR_OK)
			fail_msg("line %ld: %s", lineno, err.msg);
		if (polk >= 10 || !strstr(line, "\"19153-"))
			continue;
		polk = tu_int(&f->t.s, "SELECT count(*) FROM (" POLK_IDS ")");
		if (polk < 10)
			continue;
		/* The first 10 app tallies of Polk's 178 precincts are in. */
		polk_ids(f, POLK_IDS " ORDER BY s.id LIMIT 10", first, 10);
		begin(f);
		for (int i = 0; i < 10; i++)
			early[i] = measure(f, first[i], 0);
		early_ing = measure(f, first[9], 1);
		wr_store_rollback(&f->t.s);
		early_rev = measure_revision(f, first[9], "fresh-1");
	}
	free(line);
	fclose(fp);
	assert_int_equal(polk, 10);
	flush(f);
	assert_true(tu_int(&f->t.s, "SELECT count(*) FROM submissions s JOIN precincts p"
	                            " ON p.id = s.precinct_id WHERE p.county_fips = '19153'")
	            >= 170);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM submissions WHERE"
	                                 " state = 'received'"), 0);
	assert_true(tu_int(&f->t.s, "SELECT count(*) FROM submissions WHERE state IN"
	                            " ('flagged', 'clean')") >= 1600);

	/* The night is in: the same 10 tallies again, and Polk's last 10. */
	polk_ids(f, "SELECT id FROM (" POLK_IDS " AND s.submission_id NOT LIKE 'fresh-%'"
	            " ORDER BY s.id DESC LIMIT 10) ORDER BY id", last, 10);
	begin(f);
	for (int i = 0; i < 10; i++)
		late_first[i] = measure(f, first[i], 0);
	for (int i = 0; i < 10; i++)
		late_last[i] = measure(f, last[i], 0);
	late_ing = measure(f, first[9], 1);
	late_ing_last = measure(f, last[9], 1);
	wr_store_rollback(&f->t.s);
	late_rev = measure_revision(f, first[9], "fresh-2");

	for (int i = 0; i < 10; i++) {
		/* The same tally: the same statements, and no more rows but its
		 * room's. */
		assert_int_equal(reads(&late_first[i]), reads(&early[i]));
		same_cost("tally", i, &early[i], &late_first[i]);
		/* Any tally: a bounded number of statements and rows. */
		/* A constant ceiling: the pooled shares of three scopes (county,
		 * state approved, state sent) add ~21 rows a tally. */
		bounded("early tally", i, &early[i], 1250);
		bounded("late tally", i, &late_first[i], 1250);
		bounded("last tally", i, &late_last[i], 1250);
	}
	assert_int_equal(reads(&late_ing), reads(&early_ing));
	same_cost("ingested tally", 9, &early_ing, &late_ing);
	/* Ingesting adds the tally's ~7 votes to the state's sent votes, and
	 * looks its reporter up on the roster. */
	bounded("ingested last tally", 9, &late_ing_last, 1700);
	/* A fresh revision through intake, scoring and all. */
	same_cost("fresh revision", 9, &early_rev, &late_rev);

	if (wr_intake_close(f->in, &err) != WR_OK)
		fail_msg("intake close: %s", err.msg);
	wr_scorer_close(f->sc);
	tu_close(&f->t);
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sum_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_over_registered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflicting_revision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_source_disagreement, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pre_opening, setup, teardown),
		cmocka_unit_test_setup_teardown(test_outside_site, setup, teardown),
		cmocka_unit_test_setup_teardown(test_roster, setup, teardown),
		cmocka_unit_test_setup_teardown(test_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hotline_desk_is_not_a_burst, setup, teardown),
		cmocka_unit_test_setup_teardown(test_info_alone_stays_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_severity_from_rules_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rescore_only_county_rules, setup, teardown),
		cmocka_unit_test_setup_teardown(test_county_stats, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_counts_approved_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_opens_at_share, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_configured_share, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_opens_at_exact_share_in_floating_point,
		                                setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_volume, setup, teardown),
		cmocka_unit_test_setup_teardown(test_gate_volume_same_precincts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_tallies_have_context, setup, teardown),
		cmocka_unit_test_setup_teardown(test_county_outlier_after_approvals, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_second_look, setup, teardown),
		cmocka_unit_test_setup_teardown(test_county_outlier_ignores_empty_rooms, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_county_outlier_approved_revision, setup,
		                                teardown),
		cmocka_unit_test(test_linear_iowa_night),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
