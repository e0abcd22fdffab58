/* Status is what the supervisor reads to judge how far the night has come:
 * precincts reported statewide and per county, submissions per state and
 * the quarantine size. Revisions and unmatched tallies must not inflate
 * "reported", and a reader must see only committed work. */
#include "testutil.h"

#include "warroom/intake.h"
#include "warroom/status.h"

struct fx {
	struct tu_store t;
	struct wr_intake *in;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct wr_err err;

	assert_non_null(f);
	assert_int_equal(setenv("WARROOM_NOW", "2024-01-16T03:00:00Z", 1), 0);
	tu_open(&f->t);
	if (wr_intake_open(&f->in, &f->t.s, NULL, &err) != WR_OK)
		fail_msg("intake: %s", err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	if (f->in)
		wr_intake_close(f->in, &err);
	tu_close(&f->t);
	free(f);
	return 0;
}

/* A tally from the precinct's chair. Votes in the tests are in line with
 * tests/data/mini (19153-001 gave 380 in 2016 and 94 in 2020; the others
 * have no baselines), so the rules flag only what a test means them to. */
static enum wr_outcome put(struct fx *f, long line, const char *id, const char *pct,
                           int trump, int desantis, int haley)
{
	char rec[512];
	enum wr_outcome o;
	struct wr_err err;

	snprintf(rec, sizeof rec, "{\"submission_id\":\"%s\",\"source\":\"app\","
	         "\"precinct\":\"%s\",\"reported_at\":\"2024-01-16T02:00:00Z\","
	         "\"reporter\":\"chair-%s\",\"votes\":{\"trump\":%d,\"desantis\":%d,"
	         "\"haley\":%d},\"total\":%d}", id, pct, pct, trump, desantis, haley,
	         trump + desantis + haley);
	if (wr_intake_record(f->in, "night.ndjson", line, rec, strlen(rec), strlen(rec),
	                     &o, &err) != WR_OK)
		fail_msg("%s", err.msg);
	return o;
}

static void put_bad(struct fx *f, long line)
{
	enum wr_outcome o;
	struct wr_err err;

	assert_int_equal(wr_intake_record(f->in, "night.ndjson", line, "{nope", 5, 5, &o,
	                                  &err), WR_OK);
	assert_int_equal(o, WR_QUARANTINED);
}

static void flush(struct fx *f)
{
	struct wr_err err;

	if (wr_intake_flush(f->in, &err) != WR_OK)
		fail_msg("%s", err.msg);
}

static const struct wr_county_status *county(const struct wr_status *st,
                                             const char *fips)
{
	for (size_t i = 0; i < st->ncounties; i++)
		if (strcmp(st->counties[i].fips, fips) == 0)
			return &st->counties[i];
	fail_msg("county %s not in status", fips);
	return NULL;
}

static void read_status(struct wr_store *s, struct wr_status *st)
{
	struct wr_err err;

	if (wr_status_read(s, st, &err) != WR_OK)
		fail_msg("status: %s", err.msg);
}

static void test_before_any_tally(void **state)
{
	struct fx *f = *state;
	struct wr_status st;

	read_status(&f->t.s, &st);
	assert_int_equal(st.precincts_total, 7);
	assert_int_equal(st.precincts_reported, 0);
	assert_int_equal(st.submissions, 0);
	assert_int_equal(st.quarantined, 0);
	assert_int_equal(st.nstates, 0);
	assert_int_equal(st.ncounties, 2);
	/* Ordered by FIPS so the board is stable between redraws. */
	assert_string_equal(st.counties[0].fips, "19141");
	assert_string_equal(st.counties[0].name, "O'Brien");
	assert_int_equal(st.counties[0].precincts_total, 2);
	assert_string_equal(st.counties[1].fips, "19153");
	assert_string_equal(st.counties[1].name, "Polk");
	assert_int_equal(st.counties[1].precincts_total, 5);
	assert_int_equal(wr_status_state(&st, "received"), 0);
	wr_status_free(&st);
	assert_null(st.counties);
	assert_int_equal(st.ncounties, 0);
}

static void test_after_tallies(void **state)
{
	struct fx *f = *state;
	struct wr_status st;

	assert_int_equal(put(f, 1, "p1", "19153-001", 120, 80, 40), WR_ACCEPTED);
	/* A correction with other numbers: conflicting_revision flags it. */
	assert_int_equal(put(f, 2, "p2", "19153-001", 121, 80, 40), WR_REVISED);
	assert_int_equal(put(f, 3, "p3", "19153-004", 40, 25, 12), WR_ACCEPTED);
	assert_int_equal(put(f, 4, "o1", "19141-002", 45, 30, 15), WR_ACCEPTED);
	/* Old code of 19153-005: counts for that precinct. */
	assert_int_equal(put(f, 5, "p5", "19153-502", 30, 20, 10), WR_ACCEPTED);
	assert_int_equal(put(f, 6, "u1", "19153-999", 30, 20, 11), WR_UNMATCHED);
	assert_int_equal(put(f, 7, "p1", "19153-001", 120, 80, 40), WR_DUPLICATE);
	put_bad(f, 8);
	put_bad(f, 9);
	put_bad(f, 9);   /* a rerun of the same line is stored once */
	flush(f);

	read_status(&f->t.s, &st);
	assert_int_equal(st.precincts_total, 7);
	/* 19153-001 (twice), -004, -005 and 19141-002: four precincts. */
	assert_int_equal(st.precincts_reported, 4);
	assert_int_equal(county(&st, "19153")->precincts_reported, 3);
	assert_int_equal(county(&st, "19153")->precincts_total, 5);
	assert_int_equal(county(&st, "19141")->precincts_reported, 1);
	assert_int_equal(county(&st, "19141")->precincts_total, 2);
	/* Every stored submission, whatever its state. */
	assert_int_equal(st.submissions, 6);
	/* Intake scored each matched tally as it stored it: nothing is left
	 * 'received'; p3, o1 and p5 are clean, p2 (the revision) flagged. */
	assert_int_equal(wr_status_state(&st, "received"), 0);
	assert_int_equal(wr_status_state(&st, "clean"), 3);
	assert_int_equal(wr_status_state(&st, "flagged"), 1);
	assert_int_equal(wr_status_state(&st, "superseded"), 1);
	assert_int_equal(wr_status_state(&st, "unmatched"), 1);
	assert_int_equal(wr_status_state(&st, "approved"), 0);
	assert_int_equal(st.nstates, 4);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM flags"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM flags g JOIN submissions s ON"
	                                 " s.id = g.submission WHERE s.submission_id = 'p2'"
	                                 " AND g.rule = 'conflicting_revision'"), 1);
	assert_int_equal(st.quarantined, 2);
	wr_status_free(&st);
}

static void test_county_without_precincts(void **state)
{
	struct fx *f = *state;
	struct wr_status st;

	/* A county whose precincts are not loaded yet still shows, at 0/0. */
	assert_int_equal(sqlite3_exec(f->t.s.db, "INSERT INTO counties VALUES ('19001',"
	                              " 'Adair', 'adair', 'ADAIR', 6, 3, 41.3, -94.47, 2000)",
	                              NULL, NULL, NULL), SQLITE_OK);
	read_status(&f->t.s, &st);
	assert_int_equal(st.ncounties, 3);
	assert_string_equal(st.counties[0].fips, "19001");
	assert_int_equal(st.counties[0].precincts_total, 0);
	assert_int_equal(st.counties[0].precincts_reported, 0);
	assert_int_equal(st.precincts_total, 7);
	wr_status_free(&st);
}

static void test_reader_sees_committed_only(void **state)
{
	struct fx *f = *state;
	struct wr_store other;
	struct wr_status st;
	struct wr_err err;

	/* Another process (a supervisor console) reads while intake writes. */
	if (wr_store_open(&other, f->t.path, &err) != WR_OK)
		fail_msg("%s", err.msg);
	assert_int_equal(put(f, 1, "p1", "19153-001", 120, 80, 40), WR_ACCEPTED);
	put_bad(f, 2);
	read_status(&other, &st);
	assert_int_equal(st.submissions, 0);
	assert_int_equal(st.precincts_reported, 0);
	assert_int_equal(st.quarantined, 0);
	wr_status_free(&st);

	flush(f);
	read_status(&other, &st);
	assert_int_equal(st.submissions, 1);
	assert_int_equal(st.precincts_reported, 1);
	assert_int_equal(st.quarantined, 1);
	assert_int_equal(county(&st, "19153")->precincts_reported, 1);
	wr_status_free(&st);
	/* The read transaction is closed again, so the reader can write. */
	assert_int_not_equal(sqlite3_get_autocommit(other.db), 0);
	wr_store_close(&other);
}

static void test_empty_store(void **state)
{
	struct tu_store t;
	struct wr_status st;

	(void)state;
	tu_open_empty(&t);
	read_status(&t.s, &st);
	assert_int_equal(st.ncounties, 0);
	assert_null(st.counties);
	assert_int_equal(st.precincts_total, 0);
	assert_int_equal(st.submissions, 0);
	wr_status_free(&st);
	/* Freeing twice is harmless (a caller's cleanup path may). */
	wr_status_free(&st);
	tu_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_before_any_tally, setup, teardown),
		cmocka_unit_test_setup_teardown(test_after_tallies, setup, teardown),
		cmocka_unit_test_setup_teardown(test_county_without_precincts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reader_sees_committed_only, setup, teardown),
		cmocka_unit_test(test_empty_store),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
