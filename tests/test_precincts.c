/* Precinct resolution: a renamed or misspelt precinct must resolve through
 * the alias table or land in the unmatched queue with useful suggestions,
 * never stop intake (2020's lesson). Uses tests/data/mini: Polk (19153)
 * has Des Moines 3-2/3-3/4-1/4-2 and Union Township (001..005), O'Brien
 * (19141) has Primghar 1 and another Union Township; aliases map
 * 19153-501 "Des Moines No. 45" to 19153-001 and 19153-502 "Lincoln Twp"
 * to 19153-005. */
#include "testutil.h"

#include "warroom/precincts.h"

struct fx {
	struct tu_store t;
	struct wr_resolver *r;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct wr_err err;

	assert_non_null(f);
	tu_open(&f->t);
	if (wr_resolver_open(&f->r, &f->t.s, &err) != WR_OK)
		fail_msg("resolver: %s", err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	wr_resolver_close(f->r);
	tu_close(&f->t);
	free(f);
	return 0;
}

static void norm_is(const char *in, const char *want)
{
	char out[WR_NORM_MAX];

	wr_precinct_normalize(in, out, sizeof out);
	if (strcmp(out, want) != 0)
		fail_msg("normalize(\"%s\") = \"%s\", expected \"%s\"", in, out, want);
}

static void test_normalize(void **state)
{
	(void)state;
	norm_is("UNION  Twp. No. 03", "union township 3");
	norm_is("Union Township 3", "union township 3");
	norm_is("union township #3", "union township 3");
	norm_is("Union Twp #03", "union township 3");
	norm_is("Union Twsp. Number 3", "union township 3");
	norm_is("O'Brien", "obrien");
	norm_is("Pct 5", "precinct 5");
	norm_is("Prec. 05", "precinct 5");
	norm_is("Des Moines 3-2", "des moines 3 2");
	norm_is("Des Moines Wd 4 Pct 2", "des moines ward 4 precinct 2");
	/* Leading zeros go, but zero itself stays. */
	norm_is("Ward 007", "ward 7");
	norm_is("Ward 0", "ward 0");
	norm_is("Ward 000", "ward 0");
	/* "No" is dropped only before a number; otherwise it is a word. */
	norm_is("No Name Township", "no name township");
	norm_is("Ward No", "ward no");
	norm_is("  --  ", "");
	norm_is("", "");
	/* A leading apostrophe separates; an inner one joins. */
	norm_is("'Union'", "union");
}

static void test_normalize_small_buffer(void **state)
{
	char out[8];

	(void)state;
	/* The output never overruns n and is always terminated. */
	memset(out, 'x', sizeof out);
	wr_precinct_normalize("Union Township Number 3", out, sizeof out);
	assert_true(strlen(out) < sizeof out);
	wr_precinct_normalize("abcdefghijklmnop", out, sizeof out);
	assert_true(strlen(out) < sizeof out);
}

static void test_edit_distance(void **state)
{
	(void)state;
	assert_int_equal(wr_edit_distance("", ""), 0);
	assert_int_equal(wr_edit_distance("abc", ""), 3);
	assert_int_equal(wr_edit_distance("", "abc"), 3);
	assert_int_equal(wr_edit_distance("same", "same"), 0);
	assert_int_equal(wr_edit_distance("kitten", "sitting"), 3);
	assert_int_equal(wr_edit_distance("sitting", "kitten"), 3);
	assert_int_equal(wr_edit_distance("flaw", "lawn"), 2);
	assert_int_equal(wr_edit_distance("19153-001", "19153-010"), 2);
	assert_int_equal(wr_edit_distance("des moines 4 1", "des moines 41"), 1);
}

static void test_match_names(void **state)
{
	(void)state;
	/* These strings are stored in submissions.resolved_by, whose CHECK
	 * constraint lists exactly these. */
	assert_string_equal(wr_match_name(WR_MATCH_CODE), "code");
	assert_string_equal(wr_match_name(WR_MATCH_ALIAS_CODE), "alias_code");
	assert_string_equal(wr_match_name(WR_MATCH_NAME), "name");
	assert_string_equal(wr_match_name(WR_MATCH_ALIAS_NAME), "alias_name");
	assert_string_equal(wr_match_name(WR_MATCH_NONE), "unmatched");
}

static void by_code(struct fx *f, const char *code, struct wr_resolution *res)
{
	struct wr_submission sub;
	struct wr_err err;

	memset(&sub, 0, sizeof sub);
	snprintf(sub.precinct, sizeof sub.precinct, "%s", code);
	if (wr_resolve(f->r, &sub, res, &err) != WR_OK)
		fail_msg("resolve: %s", err.msg);
}

static void by_name(struct fx *f, const char *county, const char *name,
                    struct wr_resolution *res)
{
	struct wr_submission sub;
	struct wr_err err;

	memset(&sub, 0, sizeof sub);
	snprintf(sub.county, sizeof sub.county, "%s", county);
	snprintf(sub.precinct_name, sizeof sub.precinct_name, "%s", name);
	if (wr_resolve(f->r, &sub, res, &err) != WR_OK)
		fail_msg("resolve: %s", err.msg);
}

static int64_t id_of(struct fx *f, const char *code)
{
	char sql[128];

	snprintf(sql, sizeof sql, "SELECT id FROM precincts WHERE code = '%s'", code);
	return tu_int(&f->t.s, sql);
}

static void is_match(struct fx *f, const struct wr_resolution *res, enum wr_match how,
                     const char *code, const char *fips)
{
	assert_int_equal(res->how, how);
	assert_string_equal(res->code, code);
	assert_string_equal(res->county_fips, fips);
	assert_int_equal(res->precinct_id, id_of(f, code));
	assert_true(res->precinct_id > 0);
	assert_int_equal(res->nsugg, 0);
}

static void test_resolve_code(void **state)
{
	struct fx *f = *state;
	struct wr_resolution res;

	by_code(f, "19153-003", &res);
	is_match(f, &res, WR_MATCH_CODE, "19153-003", "19153");
	by_code(f, "19141-002", &res);
	is_match(f, &res, WR_MATCH_CODE, "19141-002", "19141");
}

static void test_resolve_alias_code(void **state)
{
	struct fx *f = *state;
	struct wr_resolution res;

	/* Pre-redistricting codes resolve to today's precinct. */
	by_code(f, "19153-501", &res);
	is_match(f, &res, WR_MATCH_ALIAS_CODE, "19153-001", "19153");
	by_code(f, "19153-502", &res);
	is_match(f, &res, WR_MATCH_ALIAS_CODE, "19153-005", "19153");
}

static void test_resolve_name(void **state)
{
	struct fx *f = *state;
	struct wr_resolution res;

	by_name(f, "Polk", "Des Moines 3-2", &res);
	is_match(f, &res, WR_MATCH_NAME, "19153-001", "19153");
	/* Spelling variants that normalise alike. */
	by_name(f, "POLK", "des moines #4 - 2", &res);
	is_match(f, &res, WR_MATCH_NAME, "19153-004", "19153");
	/* The same name in two counties: the county decides. */
	by_name(f, "Polk", "Union Twp.", &res);
	is_match(f, &res, WR_MATCH_NAME, "19153-005", "19153");
	by_name(f, "O'Brien", "UNION TOWNSHIP", &res);
	is_match(f, &res, WR_MATCH_NAME, "19141-002", "19141");
	by_name(f, "19141", "Primghar No. 1", &res);
	is_match(f, &res, WR_MATCH_NAME, "19141-001", "19141");
}

static void test_resolve_alias_name(void **state)
{
	struct fx *f = *state;
	struct wr_resolution res;

	by_name(f, "Polk", "Des Moines No. 45", &res);
	is_match(f, &res, WR_MATCH_ALIAS_NAME, "19153-001", "19153");
	by_name(f, "Polk County", "Lincoln Township", &res);
	is_match(f, &res, WR_MATCH_ALIAS_NAME, "19153-005", "19153");
	/* An old name only counts in its own county. */
	by_name(f, "O'Brien", "Lincoln Twp", &res);
	assert_int_equal(res.how, WR_MATCH_NONE);
	assert_string_equal(res.county_fips, "19141");
}

static void test_code_then_name(void **state)
{
	struct fx *f = *state;
	struct wr_submission sub;
	struct wr_resolution res;
	struct wr_err err;

	/* A mistyped code with a good name still resolves by the name. */
	memset(&sub, 0, sizeof sub);
	snprintf(sub.precinct, sizeof sub.precinct, "19153-999");
	snprintf(sub.county, sizeof sub.county, "Polk");
	snprintf(sub.precinct_name, sizeof sub.precinct_name, "Des Moines 4-1");
	assert_int_equal(wr_resolve(f->r, &sub, &res, &err), WR_OK);
	is_match(f, &res, WR_MATCH_NAME, "19153-003", "19153");

	/* A code and a name that point at different precincts are not guessed
	 * between: a mistyped code must not replace another precinct's tally. */
	snprintf(sub.precinct, sizeof sub.precinct, "19153-002");
	assert_int_equal(wr_resolve(f->r, &sub, &res, &err), WR_OK);
	assert_int_equal(res.how, WR_MATCH_NONE);
	assert_int_equal(res.nsugg, 2);
	assert_string_equal(res.suggestions[0], "19153-002");
	assert_string_equal(res.suggestions[1], "19153-003");
	assert_non_null(strstr(res.why, "code 19153-002"));

	/* The same when the code belongs to another county than the one named. */
	snprintf(sub.precinct, sizeof sub.precinct, "19141-001");
	assert_int_equal(wr_resolve(f->r, &sub, &res, &err), WR_OK);
	assert_int_equal(res.how, WR_MATCH_NONE);

	/* Code, county and name that agree resolve by the code. */
	snprintf(sub.precinct, sizeof sub.precinct, "19153-003");
	assert_int_equal(wr_resolve(f->r, &sub, &res, &err), WR_OK);
	is_match(f, &res, WR_MATCH_CODE, "19153-003", "19153");
}

static void county_is(struct fx *f, const char *in, const char *want)
{
	char fips[8] = "junk";
	struct wr_err err;

	if (wr_resolve_county(f->r, in, fips, &err) != WR_OK)
		fail_msg("county %s: %s", in, err.msg);
	if (strcmp(fips, want) != 0)
		fail_msg("county \"%s\" -> \"%s\", expected \"%s\"", in, fips, want);
}

static void test_resolve_county(void **state)
{
	struct fx *f = *state;

	county_is(f, "19153", "19153");
	county_is(f, "Polk", "19153");
	county_is(f, "polk", "19153");
	county_is(f, "POLK", "19153");
	county_is(f, "Polk County", "19153");
	county_is(f, "POLK COUNTY", "19153");
	county_is(f, "O'Brien", "19141");
	county_is(f, "OBrien", "19141");
	county_is(f, "O'Brien County", "19141");
	county_is(f, "OBRIE", "19141");   /* short name */
	county_is(f, "obrie", "19141");
	county_is(f, "19141", "19141");
	county_is(f, "Story", "");
	county_is(f, "19169", "");
	county_is(f, "County", "");
	county_is(f, "", "");
}

static void test_unmatched_code_suggestions(void **state)
{
	struct fx *f = *state;
	struct wr_resolution res;

	/* The code's FIPS prefix narrows the scan to O'Brien's two precincts:
	 * 19141-002 is at distance 1, 19141-001 at 2. */
	by_code(f, "19141-0022", &res);
	assert_int_equal(res.how, WR_MATCH_NONE);
	assert_int_equal(res.precinct_id, 0);
	assert_string_equal(res.code, "");
	assert_int_equal(res.nsugg, 2);
	assert_string_equal(res.suggestions[0], "19141-002");
	assert_string_equal(res.suggestions[1], "19141-001");

	/* Without a known county prefix the whole state is searched. */
	by_code(f, "99999-0022", &res);
	assert_int_equal(res.nsugg, 3);
}

static void test_unmatched_name_suggestions(void **state)
{
	struct fx *f = *state;
	struct wr_resolution res;

	/* "des moins 4 1": 4-1 is 1 edit, 4-2 is 2, 3-2 and 3-3 are 3. */
	by_name(f, "Polk", "Des Moins 4-1", &res);
	assert_int_equal(res.how, WR_MATCH_NONE);
	assert_int_equal(res.precinct_id, 0);
	assert_string_equal(res.county_fips, "19153");
	assert_int_equal(res.nsugg, 3);
	assert_string_equal(res.suggestions[0], "19153-003");
	assert_string_equal(res.suggestions[1], "19153-004");
	assert_true(strcmp(res.suggestions[2], "19153-001") == 0 ||
	            strcmp(res.suggestions[2], "19153-002") == 0);

	/* Suggestions stay within the named county. */
	by_name(f, "O'Brien", "Primghar 2", &res);
	assert_int_equal(res.how, WR_MATCH_NONE);
	assert_string_equal(res.county_fips, "19141");
	assert_int_equal(res.nsugg, 2);
	assert_string_equal(res.suggestions[0], "19141-001");
	assert_string_equal(res.suggestions[1], "19141-002");
}

static void test_unmatched_alias_name_suggestion(void **state)
{
	struct fx *f = *state;
	struct wr_resolution res;

	/* Close to an old name: the alias's precinct is suggested first, and
	 * only once even though it has a current and an old name. */
	by_name(f, "Polk", "Lincoln Twp 2", &res);
	assert_int_equal(res.how, WR_MATCH_NONE);
	assert_true(res.nsugg >= 1);
	assert_string_equal(res.suggestions[0], "19153-005");
	for (size_t i = 0; i < res.nsugg; i++)
		for (size_t j = i + 1; j < res.nsugg; j++)
			assert_string_not_equal(res.suggestions[i], res.suggestions[j]);
}

static void test_unknown_county(void **state)
{
	struct fx *f = *state;
	struct wr_resolution res;

	/* An unknown county does not lose the tally: suggestions come from
	 * the whole state, best first. */
	by_name(f, "Story", "Union Township", &res);
	assert_int_equal(res.how, WR_MATCH_NONE);
	assert_string_equal(res.county_fips, "");
	assert_int_equal(res.nsugg, 3);
	assert_true((strcmp(res.suggestions[0], "19153-005") == 0 &&
	             strcmp(res.suggestions[1], "19141-002") == 0) ||
	            (strcmp(res.suggestions[0], "19141-002") == 0 &&
	             strcmp(res.suggestions[1], "19153-005") == 0));
}

/* Checks suggestions are distinct, sorted by distance, and that nothing
 * left out is closer than the last one kept. */
static void check_suggestion_order(struct fx *f, const char *county_fips,
                                   const char *key_norm, const struct wr_resolution *res)
{
	sqlite3_stmt *st;
	char sql[512];
	size_t best[16], kept[WR_SUGGESTIONS];
	char codes[16][33];
	size_t n = 0;

	snprintf(sql, sizeof sql,
	         "SELECT code, norm_name FROM precincts WHERE county_fips = '%s'"
	         " UNION ALL SELECT p.code, a.norm_old_name FROM precinct_aliases a"
	         " JOIN precincts p ON p.id = a.precinct_id WHERE a.county_fips = '%s'"
	         " AND a.norm_old_name IS NOT NULL", county_fips, county_fips);
	assert_int_equal(sqlite3_prepare_v2(f->t.s.db, sql, -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const char *code = (const char *)sqlite3_column_text(st, 0);
		size_t d = wr_edit_distance(key_norm, (const char *)sqlite3_column_text(st, 1));
		size_t i = 0;

		while (i < n && strcmp(codes[i], code) != 0)
			i++;
		if (i == n) {
			assert_true(n < 16);
			snprintf(codes[n], sizeof codes[n], "%s", code);
			best[n++] = d;
		} else if (d < best[i]) {
			best[i] = d;
		}
	}
	sqlite3_finalize(st);
	assert_int_equal(res->nsugg, n < WR_SUGGESTIONS ? n : WR_SUGGESTIONS);
	for (size_t s = 0; s < res->nsugg; s++) {
		size_t i = 0;

		while (i < n && strcmp(codes[i], res->suggestions[s]) != 0)
			i++;
		assert_true(i < n);
		kept[s] = best[i];
		best[i] = (size_t)-1;   /* mark as used: also proves distinctness */
		if (s > 0)
			assert_true(kept[s - 1] <= kept[s]);
	}
	for (size_t i = 0; i < n; i++)
		if (best[i] != (size_t)-1 && res->nsugg)
			assert_true(best[i] >= kept[res->nsugg - 1]);
}

static void test_suggestion_order_invariant(void **state)
{
	static const char *keys[] = { "Des Moines 4", "Des Moines 3", "Des Moines 41",
	                              "Moines 4-1", "Union", "Lincoln", "zzz",
	                              "Des Moines 4-3", "des moines 45 a" };
	struct fx *f = *state;
	struct wr_resolution res;
	char norm[WR_NORM_MAX];

	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		by_name(f, "Polk", keys[k], &res);
		assert_int_equal(res.how, WR_MATCH_NONE);
		wr_precinct_normalize(keys[k], norm, sizeof norm);
		check_suggestion_order(f, "19153", norm, &res);
	}
}

static void test_unknown_code_suggests_codes(void **state)
{
	struct fx *f = *state;
	struct wr_submission sub;
	struct wr_resolution res;
	struct wr_err err;

	/* A record naming only a code that is unknown has no county: the
	 * suggestions come from codes, not names. */
	memset(&sub, 0, sizeof sub);
	snprintf(sub.precinct, sizeof sub.precinct, "19153-0044");
	assert_int_equal(wr_resolve(f->r, &sub, &res, &err), WR_OK);
	assert_int_equal(res.how, WR_MATCH_NONE);
	assert_string_equal(res.county_fips, "");
	assert_int_equal(res.nsugg, 3);
	assert_string_equal(res.suggestions[0], "19153-004");
}

int main(void)
{
	const struct CMUnitTest pure[] = {
		cmocka_unit_test(test_normalize),
		cmocka_unit_test(test_normalize_small_buffer),
		cmocka_unit_test(test_edit_distance),
		cmocka_unit_test(test_match_names),
	};
	const struct CMUnitTest stored[] = {
		cmocka_unit_test_setup_teardown(test_resolve_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_alias_code, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_alias_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_code_then_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_resolve_county, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmatched_code_suggestions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmatched_name_suggestions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmatched_alias_name_suggestion, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_unknown_county, setup, teardown),
		cmocka_unit_test_setup_teardown(test_suggestion_order_invariant, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unknown_code_suggests_codes, setup,
		                                teardown),
	};
	int failed = cmocka_run_group_tests_name("precincts (pure)", pure, NULL, NULL);

	return failed + cmocka_run_group_tests_name("precincts (store)", stored, NULL, NULL);
}
