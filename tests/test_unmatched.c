/* Resolving the unmatched queue: a tally whose precinct was not known is
 * attached to the precinct an operator chose, becomes its newest revision,
 * teaches the store the name it used, and is audited. */
#include "testutil.h"

#include "warroom/audit.h"
#include "warroom/auth.h"
#include "warroom/intake.h"
#include "warroom/unmatched.h"

struct fx {
	struct tu_store t;
	struct wr_intake *in;
	struct wr_user val, hot;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct wr_err err;

	assert_non_null(f);
	assert_int_equal(setenv("WARROOM_NOW", "2024-01-16T03:00:00Z", 1), 0);
	tu_open(&f->t);
	/* Users are rows here, not signed in: argon2id would dominate the test. */
	assert_int_equal(sqlite3_exec(f->t.s.db,
	        "INSERT INTO users (id, name, role, secret, created_at) VALUES"
	        " (1, 'val', 'validator', 'x', 'now'), (2, 'hot', 'hotline', 'x', 'now')",
	        NULL, NULL, NULL), SQLITE_OK);
	f->val = (struct wr_user){ .id = 1, .name = "val", .role = WR_ROLE_VALIDATOR };
	f->hot = (struct wr_user){ .id = 2, .name = "hot", .role = WR_ROLE_HOTLINE };
	if (wr_intake_open(&f->in, &f->t.s, NULL, &err) != WR_OK)
		fail_msg("intake: %s", err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	wr_intake_close(f->in, &err);
	tu_close(&f->t);
	free(f);
	return 0;
}

static enum wr_outcome put(struct fx *f, long line, const char *where, const char *id)
{
	char rec[512];
	enum wr_outcome out;
	struct wr_err err;

	snprintf(rec, sizeof rec, "{\"submission_id\":\"%s\",\"source\":\"hotline\",%s,"
	         "\"reported_at\":\"2024-01-15T20:00:00-06:00\",\"reporter\":\"r\","
	         "\"votes\":{\"trump\":5,\"desantis\":4,\"haley\":3},\"total\":12}", id, where);
	if (wr_intake_record(f->in, "t", line, rec, strlen(rec), strlen(rec), &out, &err) ||
	    wr_intake_flush(f->in, &err))
		fail_msg("intake: %s", err.msg);
	return out;
}

static void test_resolve_learns_the_name(void **state)
{
	struct fx *f = *state;
	struct wr_audit_check c;
	struct wr_err err;
	int alias = -1;

	assert_int_equal(put(f, 1, "\"county\":\"Polk\",\"precinct_name\":\"Saylor Twp\"",
	                     "u1"), WR_UNMATCHED);
	assert_int_equal(wr_unmatched_resolve(&f->t.s, &f->val, "u1", "19153-005", &alias,
	                                      &err), WR_OK);
	assert_int_equal(alias, 1);
	/* Unmatched, the rules could not judge it; resolved, it is scored at
	 * once. 12 votes in a precinct of 1,000 registered Republicans with no
	 * baselines, from the hotline, trips nothing: 'clean'. */
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM submissions s JOIN precincts p"
	        " ON p.id = s.precinct_id WHERE s.submission_id = 'u1' AND p.code ="
	        " '19153-005' AND s.state = 'clean' AND s.resolved_by = 'operator'"
	        " AND s.revision = 1"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM flags"), 0);
	/* ...and counted where the rules count tallies: its county and its
	 * 15-minute window. */
	assert_int_equal(tu_int(&f->t.s, "SELECT reported FROM county_stats WHERE"
	                                 " county_fips = '19153'"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT submissions FROM rate_windows WHERE"
	                                 " scope = 'county:19153'"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM unmatched WHERE"
	        " resolved_by = 'val' AND resolved_at IS NOT NULL"), 1);
	/* The next tally that uses the name resolves on its own. */
	assert_int_equal(put(f, 2, "\"county\":\"polk\",\"precinct_name\":\"SAYLOR TOWNSHIP\"",
	                     "u2"), WR_REVISED);
	assert_int_equal(tu_int(&f->t.s, "SELECT revision FROM submissions WHERE"
	                                 " submission_id = 'u2'"), 2);
	/* The same numbers again: no conflicting revision. */
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM submissions WHERE"
	                                 " submission_id = 'u2' AND state = 'clean'"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM audit WHERE action ="
	                                 " 'resolve' AND actor = 'val' AND subject = 'u1'"), 1);
	assert_int_equal(wr_audit_verify(&f->t.s, &c, &err), WR_OK);
	assert_int_equal(c.bad_id, 0);
}

/* What the console's unmatched view shows: the name as sent, its county,
 * and the suggestions with their names; resolved tallies leave the list. */
static void test_list(void **state)
{
	struct fx *f = *state;
	struct wr_unmatched_row *rows;
	struct wr_err err;
	size_t n;

	assert_int_equal(put(f, 1, "\"county\":\"Polk\",\"precinct_name\":\"Saylor Twp\"",
	                     "u1"), WR_UNMATCHED);
	assert_int_equal(put(f, 2, "\"precinct\":\"99999-001\"", "u2"), WR_UNMATCHED);
	assert_int_equal(wr_unmatched_list(&f->t.s, &rows, &n, &err), WR_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].submission_id, "u1");
	assert_string_equal(rows[0].name, "Polk / Saylor Twp");
	assert_string_equal(rows[0].county, "Polk");
	assert_string_equal(rows[0].source, "hotline");
	assert_int_equal(rows[0].total, 12);
	assert_true(rows[0].nsugg >= 1);
	assert_int_equal(strncmp(rows[0].sugg_code[0], "19153-", 6), 0);
	assert_true(rows[0].sugg_name[0][0] != '\0');
	assert_string_equal(rows[1].county, "");
	free(rows);
	assert_int_equal(wr_unmatched_resolve(&f->t.s, &f->val, "u1", "19153-005", NULL, &err),
	                 WR_OK);
	assert_int_equal(wr_unmatched_list(&f->t.s, &rows, &n, &err), WR_OK);
	assert_int_equal(n, 1);
	assert_string_equal(rows[0].submission_id, "u2");
	free(rows);
}

static void test_resolve_becomes_newest_revision(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	int alias;

	assert_int_equal(put(f, 1, "\"precinct\":\"19153-002\"", "a1"), WR_ACCEPTED);
	assert_int_equal(put(f, 2, "\"precinct\":\"19153-0002x\"", "a2"), WR_UNMATCHED);
	assert_int_equal(wr_unmatched_resolve(&f->t.s, &f->val, "a2", "19153-002", &alias,
	                                      &err), WR_OK);
	/* A code is not learned: a typo in one reporter's code is not a name. */
	assert_int_equal(alias, 0);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM submissions WHERE"
	        " submission_id = 'a1' AND state = 'superseded'"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM submissions n JOIN submissions"
	        " o ON o.id = n.supersedes WHERE n.submission_id = 'a2' AND n.revision = 2"
	        " AND o.submission_id = 'a1'"), 1);
	/* Scored as the precinct's revision: the same numbers, so clean, and
	 * the county still counts one precinct in. */
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM submissions WHERE"
	        " submission_id = 'a2' AND state = 'clean'"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT reported FROM county_stats WHERE"
	        " county_fips = '19153'"), 1);
	assert_int_equal(tu_int(&f->t.s, "SELECT votes FROM county_stats WHERE"
	        " county_fips = '19153'"), 12);
}

static void test_refusals_change_nothing(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	long long audit;

	assert_int_equal(put(f, 1, "\"precinct\":\"19153-999\"", "b1"), WR_UNMATCHED);
	assert_int_equal(put(f, 2, "\"precinct\":\"19153-003\"", "b2"), WR_ACCEPTED);
	audit = tu_int(&f->t.s, "SELECT count(*) FROM audit");
	assert_int_equal(wr_unmatched_resolve(&f->t.s, &f->hot, "b1", "19153-001", NULL, &err),
	                 WR_EPERM);
	assert_int_equal(wr_unmatched_resolve(&f->t.s, &f->val, "b1", "19153-777", NULL, &err),
	                 WR_ENOTFOUND);
	assert_non_null(strstr(err.msg, "19153-777"));
	assert_int_equal(wr_unmatched_resolve(&f->t.s, &f->val, "nope", "19153-001", NULL,
	                                      &err), WR_ENOTFOUND);
	assert_int_equal(wr_unmatched_resolve(&f->t.s, &f->val, "b2", "19153-001", NULL, &err),
	                 WR_EPERM);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM audit"), audit);
	assert_int_equal(tu_int(&f->t.s, "SELECT count(*) FROM submissions WHERE"
	                                 " submission_id = 'b1' AND state = 'unmatched'"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_resolve_learns_the_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_becomes_newest_revision, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_refusals_change_nothing, setup, teardown),
	};

	return cmocka_run_group_tests_name("unmatched", tests, NULL, NULL);
}
