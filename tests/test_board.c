/* The county board a supervisor watches: each county's one-word state
 * (and the precedence when several are true), the statewide counts, the
 * 15-minute windows at their boundaries, the queue's depth and oldest
 * item, each validator's pace, and a hold that always agrees with the
 * gate publish obeys. The seed adds small counties to tests/data/mini
 * (no baselines, so no rule fires on their tallies unless a test means
 * it to) and users, made once. */
#include "testutil.h"

#include "warroom/board.h"
#include "warroom/intake.h"
#include "warroom/publish.h"
#include "warroom/review.h"
#include "warroom/scoring.h"
#include "warroom/timefmt.h"

#define T0_TEXT "2024-01-16T03:00:00Z"

static char seed_dir[64];
static char seed_path[128];

struct fx {
	struct tu_store t;
	struct wr_review *r;
	struct wr_intake *in;
	int64_t t0;
	struct wr_user alice, bob, sam;
};

/* Counties beside mini's O'Brien and Polk, each meant for one state; the
 * two with 12 precincts hold one approved precinct under the gate's 10%.
 * Boone has a 2016 caucus of 100 per precinct, so its gate weighs volume. */
static const char EXTRA_SQL[] =
	"INSERT INTO counties (fips, name, norm_name, short_name, tile_row, tile_col,"
	" registered_rep) VALUES"
	" ('19001', 'Adair', 'adair', 'ADAIR', 6, 3, 5000),"
	" ('19003', 'Adams', 'adams', 'ADAMS', 7, 2, 5000),"
	" ('19005', 'Allamakee', 'allamakee', 'ALLAM', 0, 10, 5000),"
	" ('19007', 'Appanoose', 'appanoose', 'APPAN', 8, 6, 50000),"
	" ('19009', 'Audubon', 'audubon', 'AUDUB', 5, 2, 5000),"
	" ('19011', 'Benton', 'benton', 'BENTO', 4, 7, 5000),"
	" ('19013', 'Black Hawk', 'black hawk', 'BLKHK', 3, 7, 50000),"
	" ('19015', 'Boone', 'boone', 'BOONE', 4, 4, 5000);"
	"WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < 12)"
	" INSERT INTO precincts (code, county_fips, name, norm_name, registered_rep)"
	" SELECT c.fips || '-' || printf('%03d', k.i), c.fips, c.name || ' ' || k.i,"
	"  lower(c.name) || ' ' || k.i, 2000 FROM counties c JOIN k"
	" ON k.i <= CASE WHEN c.fips IN ('19007', '19013') THEN 12 ELSE 2 END"
	" WHERE c.fips NOT IN ('19141', '19153');"
	"INSERT INTO baselines (precinct_id, year, candidate, votes)"
	" SELECT p.id, 2016, v.c, v.n FROM precincts p,"
	"  (SELECT 'trump' AS c, 60 AS n UNION ALL SELECT 'cruz', 40) v"
	" WHERE p.county_fips = '19015';";

static void exec_sql(struct wr_store *s, const char *sql)
{
	struct wr_err err;

	if (wr_store_exec(s, sql, &err) != WR_OK)
		fail_msg("%s", err.msg);
}

static int group_setup(void **state)
{
	static const struct tu_user users[] = {
		{ "alice", WR_ROLE_VALIDATOR }, { "bob", WR_ROLE_VALIDATOR },
		{ "carol", WR_ROLE_VALIDATOR }, { "dave", WR_ROLE_VALIDATOR },
		{ "sam", WR_ROLE_SUPERVISOR },  { "hank", WR_ROLE_HOTLINE },
	};
	struct wr_err err;
	struct tu_store t;

	(void)state;
	assert_int_equal(setenv("WARROOM_NOW", T0_TEXT, 1), 0);
	tu_open(&t);
	exec_sql(&t.s, EXTRA_SQL);
	tu_add_users(&t, users, sizeof users / sizeof users[0]);
	if (wr_user_disable(&t.s, "setup", "dave", &err) != WR_OK)
		fail_msg("%s", err.msg);
	tu_seed_save(&t, seed_dir, seed_path);
	tu_close(&t);
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

/* A tally from the precinct's chair with trump/desantis/haley votes,
 * ingested at the current clock. */
static void tally_votes(struct fx *f, const char *sid, const char *pct, int t, int d,
                        int h, enum wr_outcome want)
{
	enum wr_outcome o = WR_OUTCOMES;
	struct wr_err err;
	char rec[512];

	snprintf(rec, sizeof rec, "{\"submission_id\":\"%s\",\"source\":\"app\","
	         "\"precinct\":\"%s\",\"reported_at\":\"2024-01-16T02:01:00Z\","
	         "\"reporter\":\"chair-%s\",\"votes\":{\"trump\":%d,\"desantis\":%d,"
	         "\"haley\":%d},\"total\":%d}", sid, pct, pct, t, d, h, t + d + h);
	if (wr_intake_record(f->in, "feed.ndjson", 1, rec, strlen(rec), strlen(rec), &o,
	                     &err) != WR_OK || wr_intake_flush(f->in, &err) != WR_OK)
		fail_msg("ingest %s: %s", sid, err.msg);
	assert_int_equal(o, want);
}

/* Votes in line with the precinct (tests/data/mini's two baselines, a
 * modest share of registered Republicans elsewhere). */
static void tally(struct fx *f, const char *sid, const char *pct)
{
	if (!strcmp(pct, "19153-001"))
		tally_votes(f, sid, pct, 120, 80, 40, WR_ACCEPTED);
	else if (!strcmp(pct, "19141-001"))
		tally_votes(f, sid, pct, 180, 110, 60, WR_ACCEPTED);
	else
		tally_votes(f, sid, pct, 40, 25, 12, WR_ACCEPTED);
}

static void flag(struct fx *f, const char *sid, const char *sev)
{
	char sql[512];

	snprintf(sql, sizeof sql, "INSERT INTO flags (submission, rule, severity, message,"
	         " created_at) SELECT id, 'test_rule', '%s', 'a test flag', '" T0_TEXT "'"
	         " FROM submissions WHERE submission_id = '%s';"
	         "UPDATE submissions SET state = 'flagged' WHERE submission_id = '%s'"
	         " AND state IN ('received', 'clean') AND '%s' <> 'info'", sev, sid, sid, sev);
	exec_sql(&f->t.s, sql);
}

static void claim_approve(struct fx *f, const struct wr_user *u, const char *sid,
                          enum wr_approval want)
{
	enum wr_approval got;
	struct wr_err err;

	if (wr_review_claim(f->r, u, sid, NULL, &err) != WR_OK ||
	    wr_review_approve(f->r, u, sid, &got, &err) != WR_OK)
		fail_msg("approve %s: %s", sid, err.msg);
	assert_int_equal(got, want);
}

static void approve(struct fx *f, const char *sid)
{
	claim_approve(f, &f->alice, sid, WR_APPROVED);
}

static void publish(struct fx *f)
{
	struct wr_publish_opts o = { .actor = "test" };
	struct wr_publish_result res;
	struct wr_err err;

	if (wr_publish(&f->t.s, &o, &res, &err) != WR_OK)
		fail_msg("publish: %s", err.msg);
	wr_publish_result_free(&res);
}

static void board(struct fx *f, int64_t at, struct wr_board *b)
{
	struct wr_err err;

	if (wr_board_read(&f->t.s, f->t0 + at, b, &err) != WR_OK)
		fail_msg("board: %s", err.msg);
}

static const struct wr_board_county *county(const struct wr_board *b, const char *fips)
{
	for (size_t i = 0; i < b->ncounties; i++)
		if (!strcmp(b->counties[i].fips, fips))
			return &b->counties[i];
	fail_msg("no county %s on the board", fips);
	return NULL;
}

#define assert_county(b, fips, st, tot, rep, flg, appr, pub, hld) do { \
	const struct wr_board_county *c_ = county((b), (fips)); \
	assert_string_equal(wr_county_state_name(c_->state), (st)); \
	assert_int_equal(c_->total, (tot)); \
	assert_int_equal(c_->reported, (rep)); \
	assert_int_equal(c_->flagged, (flg)); \
	assert_int_equal(c_->approved, (appr)); \
	assert_int_equal(c_->published, (pub)); \
	assert_int_equal(c_->held, (hld)); \
} while (0)

/* One county in each state, and two where several are true:
 *   Adair      nothing in                                  none
 *   Adams      one clean tally                             partial
 *   Allamakee  one tally with a warn                       flagged
 *   Appanoose  1 of 12 approved: under the gate's 10%      held
 *   Audubon    both approved after the batch               approved
 *   Benton     both approved and published                 published
 *   Black Hawk 1 of 12 approved (held) and one flagged     flagged
 *   Boone      both published, then a revision at 10x its 2016 caucus
 *              approved: the gate holds it on volume      held */
static void night(struct fx *f)
{
	tally(f, "adams1", "19003-001");
	tally(f, "allam1", "19005-001");
	tally(f, "appan1", "19007-001");
	tally(f, "audub1", "19009-001");
	tally(f, "audub2", "19009-002");
	tally(f, "bento1", "19011-001");
	tally(f, "bento2", "19011-002");
	tally(f, "blkhk1", "19013-001");
	tally(f, "blkhk2", "19013-002");
	tally(f, "boone1", "19015-001");
	tally(f, "boone2", "19015-002");
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM flags WHERE severity <> 'info'"),
	                 0);
	tu_clock_at(f->t0, 60);
	approve(f, "bento1");
	approve(f, "bento2");
	approve(f, "boone1");
	approve(f, "boone2");
	approve(f, "appan1");
	approve(f, "blkhk1");
	publish(f);
	approve(f, "audub1");
	approve(f, "audub2");
	tally_votes(f, "boone1b", "19015-001", 400, 250, 120, WR_REVISED);
	claim_approve(f, &f->sam, "boone1b", WR_APPROVED);
	flag(f, "allam1", "warn");
	flag(f, "blkhk2", "hard");
}

/* ------------------------------------------------------------------ */

static void test_state_names_and_symbols(void **state)
{
	static const struct { enum wr_county_state st; const char *name; char sym; } want[] = {
		{ WR_COUNTY_NONE, "none", ' ' },         { WR_COUNTY_PARTIAL, "partial", '.' },
		{ WR_COUNTY_APPROVED, "approved", '+' }, { WR_COUNTY_PUBLISHED, "published", '*' },
		{ WR_COUNTY_HELD, "held", 'H' },         { WR_COUNTY_FLAGGED, "flagged", '!' },
	};

	(void)state;
	for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
		assert_string_equal(wr_county_state_name(want[i].st), want[i].name);
		assert_int_equal(wr_county_state_symbol(want[i].st), want[i].sym);
	}
}

static void test_empty_store(void **state)
{
	struct fx *f = *state;
	struct wr_board b;

	board(f, 0, &b);
	assert_int_equal(b.ncounties, 10);
	assert_int_equal(b.total, 43);
	assert_int_equal(b.reported + b.approved + b.published + b.queue, 0);
	assert_int_equal(b.oldest_age, 0);
	assert_string_equal(b.oldest_sid, "");
	for (size_t i = 0; i < b.ncounties; i++)
		assert_int_equal(b.counties[i].state, WR_COUNTY_NONE);
	for (int i = 0; i < WR_BOARD_WINDOWS; i++)
		assert_int_equal(b.windows[i], 0);
	/* the enabled validators, idle: the disabled one and the others are not listed */
	assert_int_equal(b.nrates, 3);
	assert_string_equal(b.rates[0].user, "alice");
	assert_string_equal(b.rates[1].user, "bob");
	assert_string_equal(b.rates[2].user, "carol");
	wr_board_free(&b);
}

static void test_county_states(void **state)
{
	struct fx *f = *state;
	struct wr_board b;

	night(f);
	board(f, 60, &b);
	/*                      state        tot rep flg appr pub held */
	assert_county(&b, "19001", "none",      2,  0,  0,  0,  0,  0);
	assert_county(&b, "19003", "partial",   2,  1,  0,  0,  0,  0);
	assert_county(&b, "19005", "flagged",   2,  1,  1,  0,  0,  0);
	assert_county(&b, "19007", "held",     12,  1,  0,  1,  0,  1);
	assert_county(&b, "19009", "approved",  2,  2,  0,  2,  0,  0);
	assert_county(&b, "19011", "published", 2,  2,  0,  2,  2,  0);
	assert_county(&b, "19013", "flagged",  12,  2,  1,  1,  0,  1);
	assert_county(&b, "19015", "held",      2,  2,  0,  2,  2,  1);
	assert_county(&b, "19141", "none",      2,  0,  0,  0,  0,  0);
	assert_county(&b, "19153", "none",      5,  0,  0,  0,  0,  0);
	assert_int_equal(b.total, 43);
	assert_int_equal(b.reported, 11);
	assert_int_equal(b.approved, 8);
	assert_int_equal(b.published, 4);
	assert_int_equal(b.queue, 3);  /* adams1, allam1, blkhk2 */
	wr_board_free(&b);
}

static void test_counties_in_fips_order_with_tiles(void **state)
{
	struct fx *f = *state;
	const struct wr_board_county *c;
	struct wr_board b;

	board(f, 0, &b);
	for (size_t i = 1; i < b.ncounties; i++)
		assert_true(strcmp(b.counties[i - 1].fips, b.counties[i].fips) < 0);
	c = county(&b, "19013");
	assert_string_equal(c->name, "Black Hawk");
	assert_string_equal(c->short_name, "BLKHK");
	assert_int_equal(c->tile_row, 3);
	assert_int_equal(c->tile_col, 7);
	c = county(&b, "19141");
	assert_string_equal(c->name, "O'Brien");
	assert_int_equal(c->tile_row, 1);
	wr_board_free(&b);
}

/* A tally from before the opening is test data: approving it never makes
 * a precinct approved on the board, as it never makes it public. */
static void test_test_data_is_not_approved(void **state)
{
	struct fx *f = *state;
	enum wr_outcome o;
	struct wr_board b;
	struct wr_err err;
	const char *rec = "{\"submission_id\":\"early\",\"source\":\"app\","
	        "\"precinct\":\"19003-002\",\"reported_at\":\"2024-01-16T00:30:00Z\","
	        "\"reporter\":\"chair-19003-002\",\"votes\":{\"trump\":40,\"desantis\":25,"
	        "\"haley\":12},\"total\":77}";

	assert_int_equal(wr_intake_record(f->in, "feed.ndjson", 1, rec, strlen(rec),
	                                  strlen(rec), &o, &err), WR_OK);
	assert_int_equal(wr_intake_flush(f->in, &err), WR_OK);
	claim_approve(f, &f->alice, "early", WR_NEEDS_SECOND);  /* pre_opening is hard */
	claim_approve(f, &f->bob, "early", WR_APPROVED);
	board(f, 0, &b);
	assert_county(&b, "19003", "partial", 2, 1, 0, 0, 0, 0);
	wr_board_free(&b);
}

/* held is exactly what the gate says for a county with approved precincts. */
static void test_held_agrees_with_gate(void **state)
{
	struct fx *f = *state;
	struct wr_scorer *sc;
	struct wr_board b;
	struct wr_err err;
	int held = 0;

	night(f);
	board(f, 60, &b);
	assert_int_equal(wr_scorer_open(&sc, &f->t.s, &err), WR_OK);
	for (size_t i = 0; i < b.ncounties; i++) {
		const struct wr_board_county *c = &b.counties[i];
		struct wr_gate g;

		assert_int_equal(wr_scorer_gate(sc, c->fips, &g, &err), WR_OK);
		assert_int_equal(c->held, c->approved > 0 && !g.open);
		held += c->held;
		if (!strcmp(c->fips, "19015"))  /* held on volume, not on numbers */
			assert_true(g.volume_ratio > 3);
	}
	assert_int_equal(held, 3);  /* Appanoose, Black Hawk, Boone */
	wr_scorer_close(sc);
	wr_board_free(&b);
}

/* Seven tallies received around the windows' edges: the last window is
 * (now - 900, now], the first starts 16 windows back, and a time after now
 * (another console's clock ahead) is in none. */
static void test_windows_at_boundaries(void **state)
{
	static const struct { const char *sid, *pct; int64_t back; } at[] = {
		{ "r1", "19003-001", 0 },      { "r2", "19003-002", 899 },
		{ "r3", "19005-001", 900 },    { "r4", "19005-002", 901 },
		{ "r5", "19009-001", 14399 },  { "r6", "19009-002", 14400 },
		{ "r7", "19011-001", -1 },
	};
	const int64_t now = 20000;
	struct fx *f = *state;
	struct wr_board b;

	for (size_t i = 0; i < sizeof at / sizeof at[0]; i++) {
		tu_clock_at(f->t0, now - at[i].back);
		tally(f, at[i].sid, at[i].pct);
	}
	board(f, now, &b);
	for (int i = 0; i < WR_BOARD_WINDOWS; i++) {
		long want = i == 15 ? 2 : i == 14 ? 2 : i == 0 ? 1 : 0;

		assert_int_equal(b.windows[i], want);
		assert_int_equal(b.window_end[i], f->t0 + now - (15 - i) * 900);
	}
	/* r6 is outside the windows but has waited longest */
	assert_int_equal(b.queue, 7);
	assert_string_equal(b.oldest_sid, "r6");
	assert_int_equal(b.oldest_age, 14400);
	wr_board_free(&b);

	/* one window later, r1 and r2 moved back one window and r5 fell out */
	board(f, now + 900, &b);
	assert_int_equal(b.windows[15], 1);   /* r7 */
	assert_int_equal(b.windows[14], 2);   /* r1, r2 */
	assert_int_equal(b.windows[13], 2);   /* r3, r4 */
	assert_int_equal(b.windows[0], 0);
	wr_board_free(&b);
}

/* The oldest waiting item is the oldest undecided one: decided tallies,
 * however old, are not waiting. */
static void test_oldest_waiting(void **state)
{
	struct fx *f = *state;
	struct wr_board b;

	tu_clock_at(f->t0, 0);
	tally(f, "o1", "19003-001");
	tu_clock_at(f->t0, 100);
	tally(f, "o2", "19003-002");
	tu_clock_at(f->t0, 200);
	tally(f, "o3", "19005-001");
	board(f, 1000, &b);
	assert_int_equal(b.queue, 3);
	assert_string_equal(b.oldest_sid, "o1");
	assert_int_equal(b.oldest_age, 1000);
	wr_board_free(&b);

	approve(f, "o1");
	board(f, 1000, &b);
	assert_int_equal(b.queue, 2);
	assert_string_equal(b.oldest_sid, "o2");
	assert_int_equal(b.oldest_age, 900);
	wr_board_free(&b);
}

/* Work in the last hour, (now - 3600, now]: approvals (a hard flag's first
 * one too), rejections and overrides, one each; an ordinary approval is
 * not counted twice for its decision. */
static void test_validator_rates(void **state)
{
	const int64_t now = 3500;
	struct fx *f = *state;
	struct wr_board b;
	struct wr_err err;

	tally(f, "v1", "19003-001");
	tally(f, "v2", "19003-002");
	tally(f, "v3", "19005-001");
	tally(f, "v4", "19005-002");
	tally(f, "v5", "19009-001");
	tally(f, "v6", "19009-002");
	flag(f, "v6", "hard");
	tu_clock_at(f->t0, now - 3600);              /* just outside the hour */
	approve(f, "v4");
	tu_clock_at(f->t0, now - 3599);
	approve(f, "v1");
	approve(f, "v2");
	tu_clock_at(f->t0, 200);
	approve(f, "v3");
	assert_int_equal(wr_review_claim(f->r, &f->bob, "v5", NULL, &err), WR_OK);
	assert_int_equal(wr_review_reject(f->r, &f->bob, "v5", "numbers misread", &err),
	                 WR_OK);
	tu_clock_at(f->t0, 300);
	claim_approve(f, &f->bob, "v6", WR_NEEDS_SECOND);
	tu_clock_at(f->t0, 400);
	assert_int_equal(wr_review_override(f->r, &f->sam, "v6", "called the chair", &err),
	                 WR_OK);

	board(f, now, &b);
	assert_int_equal(b.nrates, 4);
	assert_string_equal(b.rates[0].user, "alice");
	assert_int_equal(b.rates[0].items, 3);
	assert_string_equal(b.rates[1].user, "bob");
	assert_int_equal(b.rates[1].items, 2);
	assert_string_equal(b.rates[2].user, "sam");
	assert_int_equal(b.rates[2].items, 1);
	assert_string_equal(b.rates[3].user, "carol");  /* idle, still listed */
	assert_int_equal(b.rates[3].items, 0);
	wr_board_free(&b);

	/* an hour on, none of that work is in the last hour */
	board(f, now + 3600, &b);
	for (size_t i = 0; i < b.nrates; i++)
		assert_int_equal(b.rates[i].items, 0);
	wr_board_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_names_and_symbols),
		cmocka_unit_test_setup_teardown(test_empty_store, setup, teardown),
		cmocka_unit_test_setup_teardown(test_county_states, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counties_in_fips_order_with_tiles, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_test_data_is_not_approved, setup, teardown),
		cmocka_unit_test_setup_teardown(test_held_agrees_with_gate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_windows_at_boundaries, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oldest_waiting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_validator_rates, setup, teardown),
	};

	return cmocka_run_group_tests_name("board", tests, group_setup, group_teardown);
}
