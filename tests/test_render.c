/* Rendering without a store: the buffer's number and string encodings
 * (shares rounded half up in integer arithmetic, JSON and CSV quoting) and
 * the documents a batch publishes, built from a small hand-made contest of
 * three candidates and two counties. The documents are parsed back with
 * jansson so the checks are about what a reader sees: totals that add up
 * at every level, a precinct that has not reported shown as such, names
 * with quotes and commas intact, and a document spliced from one re-rendered
 * county and the other's kept parts equal byte for byte to a fresh one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "jsonutil.h"

#include "warroom/buf.h"
#include "warroom/render.h"

/* --- wr_buf encodings ---------------------------------------------------- */

static void expect_share(int64_t part, int64_t whole, const char *want)
{
	struct wr_buf b = { 0 };

	wr_buf_share(&b, part, whole);
	if (strcmp(b.p, want))
		fail_msg("share %lld/%lld: got %s, want %s", (long long)part, (long long)whole,
		         b.p, want);
	wr_buf_free(&b);
}

static void test_share_rounds_half_up_to_four_places(void **state)
{
	(void)state;
	expect_share(1, 3, "0.3333");
	expect_share(2, 3, "0.6667");
	expect_share(1, 8, "0.1250");
	expect_share(1, 16, "0.0625");   /* exact */
	expect_share(1, 32, "0.0313");   /* 0.03125: half goes up */
	expect_share(3, 32, "0.0938");   /* 0.09375 */
	expect_share(1, 20001, "0.0000"); /* 0.0000499... goes down */
	expect_share(1, 20000, "0.0001"); /* 0.00005: half goes up */
	expect_share(0, 7, "0.0000");
	expect_share(5, 5, "1.0000");
	expect_share(0, 0, "0");
	expect_share(3, 0, "0");
}

static void test_json_str_escapes(void **state)
{
	struct wr_buf b = { 0 };
	json_error_t je;
	json_t *j;

	(void)state;
	wr_buf_json_str(&b, "say \"hi\" \\ \x01 tab\t\xc3\xa9");
	assert_string_equal(b.p, "\"say \\\"hi\\\" \\\\ \\u0001 tab\\u0009\xc3\xa9\"");
	/* A JSON parser reads back exactly the string. */
	j = json_loads(b.p, JSON_DECODE_ANY, &je);
	assert_non_null(j);
	assert_string_equal(json_string_value(j), "say \"hi\" \\ \x01 tab\t\xc3\xa9");
	json_decref(j);
	wr_buf_reset(&b);
	wr_buf_json_str(&b, "");
	assert_string_equal(b.p, "\"\"");
	wr_buf_free(&b);
}

static void expect_csv(const char *in, const char *want)
{
	struct wr_buf b = { 0 };

	wr_buf_csv_str(&b, in);
	assert_string_equal(b.p ? b.p : "", want);
	wr_buf_free(&b);
}

static void test_csv_str_quotes_when_needed(void **state)
{
	(void)state;
	expect_csv("Polk", "Polk");
	expect_csv("O'Brien", "O'Brien");
	expect_csv("Bo, Jr.", "\"Bo, Jr.\"");
	expect_csv("say \"hi\"", "\"say \"\"hi\"\"\"");
	expect_csv("two\nlines", "\"two\nlines\"");
	expect_csv("cr\rhere", "\"cr\rhere\"");
	expect_csv("\xc3\xa9", "\xc3\xa9");
}

/* --- documents ----------------------------------------------------------- */

static void contest(struct wr_contest *c)
{
	memset(c, 0, sizeof *c);
	snprintf(c->id, sizeof c->id, "ia-test");
	snprintf(c->name, sizeof c->name, "Test \"Caucus\", 2024");
	snprintf(c->state, sizeof c->state, "IA");
	snprintf(c->date, sizeof c->date, "2024-01-15");
	snprintf(c->party, sizeof c->party, "Republican Party");
	c->ncand = 3;
	snprintf(c->cand[0].id, sizeof c->cand[0].id, "ann");
	snprintf(c->cand[0].name, sizeof c->cand[0].name, "Ann \"A\" Lee");
	snprintf(c->cand[1].id, sizeof c->cand[1].id, "bo");
	snprintf(c->cand[1].name, sizeof c->cand[1].name, "Bo, Jr.");
	snprintf(c->cand[2].id, sizeof c->cand[2].id, "cy");
	snprintf(c->cand[2].name, sizeof c->cand[2].name, "C\xc3\xa9 Day");
}

struct world {
	struct wr_contest c;
	struct wr_rprecinct a[3], b[2];
	struct wr_rcounty county[2];
	char fips[2][8];
};

static void pct(struct wr_rprecinct *p, const char *code, const char *name, int reporting,
                int64_t v0, int64_t v1, int64_t v2)
{
	memset(p, 0, sizeof *p);
	snprintf(p->code, sizeof p->code, "%s", code);
	snprintf(p->name, sizeof p->name, "%s", name);
	p->reporting = reporting;
	p->votes[0] = v0, p->votes[1] = v1, p->votes[2] = v2;
}

/* County 19001 "Adair, "North"": 001 (10,5,1) and 002 (3,3,3) reporting,
 * 003 not. County 19003 "Adams": 001 (7,0,2) reporting, 002 not.
 * Statewide: 3 of 5 reporting, 20,8,6 = 34 votes. */
static void world(struct world *w)
{
	memset(w, 0, sizeof *w);
	contest(&w->c);
	pct(&w->a[0], "19001-001", "Ward 1, \"East\"", 1, 10, 5, 1);
	pct(&w->a[1], "19001-002", "Ward 2", 1, 3, 3, 3);
	pct(&w->a[2], "19001-003", "Ward 3", 0, 0, 0, 0);
	pct(&w->b[0], "19003-001", "Corning", 1, 7, 0, 2);
	pct(&w->b[1], "19003-002", "Nodaway", 0, 0, 0, 0);
	snprintf(w->county[0].fips, 8, "19001");
	snprintf(w->county[0].name, 64, "Adair, \"North\"");
	w->county[0].nprecincts = 3;
	w->county[0].precincts = w->a;
	snprintf(w->county[1].fips, 8, "19003");
	snprintf(w->county[1].name, 64, "Adams");
	w->county[1].nprecincts = 2;
	w->county[1].precincts = w->b;
	memcpy(w->fips[0], "19001", 6);
	memcpy(w->fips[1], "19003", 6);
}

static const struct wr_batch_info BI = { 7, "2024-01-16T03:04:05Z", 0, NULL, NULL,
                                         "warroom" };

struct docs {
	struct wr_buf results, cdf, counties, precincts;
};

static void render_docs(const struct world *w, const struct wr_county_parts *parts,
                        struct docs *d)
{
	memset(d, 0, sizeof *d);
	wr_render_results(&w->c, &BI, parts, 2, &d->results);
	wr_render_cdf(&w->c, &BI, parts, (const char (*)[8])w->fips, 2, &d->cdf);
	wr_render_counties_csv(&w->c, parts, 2, &d->counties);
	wr_render_precincts_csv(&w->c, parts, 2, &d->precincts);
}

static void docs_free(struct docs *d)
{
	wr_buf_free(&d->results);
	wr_buf_free(&d->cdf);
	wr_buf_free(&d->counties);
	wr_buf_free(&d->precincts);
}

static void render_all(const struct world *w, struct wr_county_parts parts[2],
                       struct docs *d)
{
	wr_render_county(&w->c, &w->county[0], &parts[0]);
	wr_render_county(&w->c, &w->county[1], &parts[1]);
	render_docs(w, parts, d);
}

static json_t *parse(const struct wr_buf *b)
{
	json_error_t je;
	json_t *j = json_loadb(b->p, b->len, 0, &je);

	if (!j)
		fail_msg("not JSON: %s at %d: %.200s", je.text, je.position, b->p);
	return j;
}

static void test_results_totals_add_up(void **state)
{
	struct wr_county_parts parts[2];
	struct world w;
	struct docs d;
	json_t *j, *sw, *counties, *precincts, *v;
	json_int_t sum_c[3] = { 0 }, sum_p[3] = { 0 }, rep = 0;
	size_t i;

	(void)state;
	world(&w);
	render_all(&w, parts, &d);
	j = parse(&d.results);
	assert_int_equal(tu_jint(j, "batch"), 7);
	assert_string_equal(json_string_value(json_object_get(j, "last_updated")),
	                    "2024-01-16T03:04:05Z");
	assert_true(json_is_false(json_object_get(j, "complete")));
	assert_true(json_is_false(json_object_get(j, "test")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "contest"),
	                                                      "name")),
	                    "Test \"Caucus\", 2024");
	sw = json_object_get(j, "statewide");
	assert_int_equal(tu_jint(sw, "precincts_reporting"), 3);
	assert_int_equal(tu_jint(sw, "precincts_total"), 5);
	assert_int_equal(tu_jint(sw, "total_votes"), 34);
	assert_int_equal(tu_cand_votes(sw, 0), 20);
	assert_int_equal(tu_cand_votes(sw, 1), 8);
	assert_int_equal(tu_cand_votes(sw, 2), 6);
	assert_string_equal(json_string_value(json_object_get(
	                        json_array_get(json_object_get(sw, "candidates"), 0), "name")),
	                    "Ann \"A\" Lee");
	assert_non_null(strstr(d.results.p, "\"share\":0.5882"));  /* 20/34 */

	counties = json_object_get(j, "counties");
	assert_int_equal(json_array_size(counties), 2);
	json_array_foreach(counties, i, v)
		for (size_t k = 0; k < 3; k++)
			sum_c[k] += tu_cand_votes(v, k);
	assert_string_equal(json_string_value(json_object_get(json_array_get(counties, 0),
	                                                      "name")), "Adair, \"North\"");
	assert_int_equal(tu_jint(json_array_get(counties, 0), "precincts_reporting"), 2);
	assert_int_equal(tu_jint(json_array_get(counties, 0), "precincts_total"), 3);
	assert_int_equal(tu_jint(json_array_get(counties, 1), "precincts_reporting"), 1);
	assert_int_equal(tu_jint(json_array_get(counties, 1), "precincts_total"), 2);

	precincts = json_object_get(j, "precincts");
	assert_int_equal(json_array_size(precincts), 5);
	json_array_foreach(precincts, i, v) {
		if (!tu_jint(v, "precincts_reporting"))
			continue;
		rep++;
		for (size_t k = 0; k < 3; k++)
			sum_p[k] += tu_cand_votes(v, k);
	}
	assert_int_equal(rep, 3);
	for (size_t k = 0; k < 3; k++) {
		assert_int_equal(sum_c[k], tu_cand_votes(sw, k));
		assert_int_equal(sum_p[k], tu_cand_votes(sw, k));
	}
	/* The precinct that has not reported: reporting 0, nothing counted. */
	v = json_array_get(precincts, 2);
	assert_string_equal(json_string_value(json_object_get(v, "code")), "19001-003");
	assert_int_equal(tu_jint(v, "precincts_reporting"), 0);
	assert_int_equal(tu_jint(v, "precincts_total"), 1);
	assert_int_equal(tu_jint(v, "total_votes"), 0);
	assert_string_equal(json_string_value(json_object_get(json_array_get(precincts, 0),
	                                                      "name")), "Ward 1, \"East\"");
	json_decref(j);
	docs_free(&d);
	wr_county_parts_free(&parts[0]);
	wr_county_parts_free(&parts[1]);
}

static void test_csv_documents_exact(void **state)
{
	struct wr_county_parts parts[2];
	struct world w;
	struct docs d;

	(void)state;
	world(&w);
	render_all(&w, parts, &d);
	assert_string_equal(d.counties.p,
	        "fips,county,precincts_reporting,precincts_total,total_votes,ann,bo,cy\r\n"
	        "19001,\"Adair, \"\"North\"\"\",2,3,25,13,8,4\r\n"
	        "19003,Adams,1,2,9,7,0,2\r\n");
	assert_string_equal(d.precincts.p,
	        "code,precinct,county_fips,county,reporting,total_votes,ann,bo,cy\r\n"
	        "19001-001,\"Ward 1, \"\"East\"\"\",19001,\"Adair, \"\"North\"\"\",1,16,10,5,1\r\n"
	        "19001-002,Ward 2,19001,\"Adair, \"\"North\"\"\",1,9,3,3,3\r\n"
	        "19001-003,Ward 3,19001,\"Adair, \"\"North\"\"\",0,0,0,0,0\r\n"
	        "19003-001,Corning,19003,Adams,1,9,7,0,2\r\n"
	        "19003-002,Nodaway,19003,Adams,0,0,0,0,0\r\n");
	docs_free(&d);
	wr_county_parts_free(&parts[0]);
	wr_county_parts_free(&parts[1]);
}

/* The Count of the VoteCounts for gpunit in a selection, -1 when it has none. */
static json_int_t cdf_count(json_t *sel, const char *gpunit)
{
	json_t *vc;
	size_t i;

	json_array_foreach(json_object_get(sel, "VoteCounts"), i, vc)
		if (!strcmp(json_string_value(json_object_get(vc, "GpUnitId")), gpunit))
			return tu_jint(vc, "Count");
	return -1;
}

static json_t *cdf_unit(json_t *cdf, const char *id)
{
	json_t *u;
	size_t i;

	json_array_foreach(json_object_get(cdf, "GpUnit"), i, u)
		if (!strcmp(json_string_value(json_object_get(u, "@id")), id))
			return u;
	fail_msg("no GpUnit %s", id);
	return NULL;
}

static json_t *cdf_selections(json_t *cdf)
{
	json_t *election = json_array_get(json_object_get(cdf, "Election"), 0);
	json_t *contest = json_array_get(json_object_get(election, "Contest"), 0);

	return json_object_get(contest, "BallotSelection");
}

static void test_cdf_counts_and_status(void **state)
{
	static const int64_t want[3][3] = { { 13, 8, 4 }, { 7, 0, 2 }, { 20, 8, 6 } };
	struct wr_county_parts parts[2];
	struct world w;
	struct docs d;
	json_t *j, *sels, *sel, *u, *cand;
	size_t k;

	(void)state;
	world(&w);
	render_all(&w, parts, &d);
	j = parse(&d.cdf);
	assert_string_equal(json_string_value(json_object_get(j, "Status")),
	                    "unofficial-partial");
	assert_string_equal(json_string_value(json_object_get(j, "GeneratedDate")),
	                    "2024-01-16T03:04:05Z");
	u = cdf_unit(j, "gpu-s-IA");
	assert_int_equal(tu_jint(u, "SubUnitsReported"), 3);
	assert_int_equal(tu_jint(u, "TotalSubUnits"), 5);
	u = cdf_unit(j, "gpu-c-19001");
	assert_int_equal(tu_jint(u, "SubUnitsReported"), 2);
	assert_int_equal(tu_jint(u, "TotalSubUnits"), 3);
	assert_string_equal(json_string_value(json_object_get(u, "Name")), "Adair, \"North\"");
	assert_int_equal(json_array_size(json_object_get(u, "ComposingGpUnitIds")), 3);
	u = cdf_unit(j, "gpu-p-19001-003");
	assert_int_equal(tu_jint(u, "SubUnitsReported"), 0);
	assert_string_equal(json_string_value(json_object_get(cdf_unit(j, "gpu-p-19001-001"),
	                                                      "Name")), "Ward 1, \"East\"");
	/* Every unit: the state, 2 counties, 5 precincts. */
	assert_int_equal(json_array_size(json_object_get(j, "GpUnit")), 8);

	sels = cdf_selections(j);
	assert_int_equal(json_array_size(sels), 3);
	json_array_foreach(sels, k, sel) {
		char id[32];

		snprintf(id, sizeof id, "cand-%s", w.c.cand[k].id);
		assert_string_equal(json_string_value(json_array_get(
		                        json_object_get(sel, "CandidateIds"), 0)), id);
		/* state + 2 counties + 3 reporting precincts; the others have none */
		assert_int_equal(json_array_size(json_object_get(sel, "VoteCounts")), 6);
		assert_int_equal(cdf_count(sel, "gpu-c-19001"), want[0][k]);
		assert_int_equal(cdf_count(sel, "gpu-c-19003"), want[1][k]);
		assert_int_equal(cdf_count(sel, "gpu-s-IA"), want[2][k]);
		assert_int_equal(cdf_count(sel, "gpu-p-19001-001"), w.a[0].votes[k]);
		assert_int_equal(cdf_count(sel, "gpu-p-19003-001"), w.b[0].votes[k]);
		assert_int_equal(cdf_count(sel, "gpu-p-19001-003"), -1);
		assert_int_equal(cdf_count(sel, "gpu-p-19003-002"), -1);
	}
	cand = json_array_get(json_object_get(json_array_get(json_object_get(j, "Election"),
	                                                     0), "Candidate"), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(
	                        json_object_get(cand, "BallotName"), "Text"), 0), "Content")),
	                    "Bo, Jr.");
	json_decref(j);
	docs_free(&d);
	wr_county_parts_free(&parts[0]);
	wr_county_parts_free(&parts[1]);
}

static void test_all_reporting_is_complete(void **state)
{
	struct wr_county_parts parts[2];
	struct world w;
	struct docs d;
	json_t *j;

	(void)state;
	world(&w);
	w.a[2].reporting = 1;
	w.a[2].votes[0] = 4;
	w.b[1].reporting = 1;   /* reporting with zero votes is still reporting */
	render_all(&w, parts, &d);
	j = parse(&d.results);
	assert_true(json_is_true(json_object_get(j, "complete")));
	assert_int_equal(tu_jint(json_object_get(j, "statewide"), "precincts_reporting"), 5);
	assert_int_equal(tu_cand_votes(json_object_get(j, "statewide"), 0), 24);
	json_decref(j);
	j = parse(&d.cdf);
	assert_string_equal(json_string_value(json_object_get(j, "Status")),
	                    "unofficial-complete");
	/* A reporting precinct with zero votes has its zero counted. */
	assert_int_equal(cdf_count(json_array_get(cdf_selections(j), 0), "gpu-p-19003-002"),
	                 0);
	json_decref(j);
	docs_free(&d);
	wr_county_parts_free(&parts[0]);
	wr_county_parts_free(&parts[1]);
}

/* What render_cache keeps of a county's parts and a later batch reads back. */
static void parts_copy(const struct wr_county_parts *from, struct wr_county_parts *to)
{
	memset(to, 0, sizeof *to);
	to->reporting = from->reporting;
	to->total = from->total;
	memcpy(to->votes, from->votes, sizeof to->votes);
	wr_buf_put(&to->json_county, from->json_county.p, from->json_county.len);
	wr_buf_put(&to->json_precincts, from->json_precincts.p, from->json_precincts.len);
	wr_buf_put(&to->csv_county, from->csv_county.p, from->csv_county.len);
	wr_buf_put(&to->csv_precincts, from->csv_precincts.p, from->csv_precincts.len);
	wr_buf_put(&to->cdf_units, from->cdf_units.p, from->cdf_units.len);
	wr_buf_put(&to->cdf_counts, from->cdf_counts.p, from->cdf_counts.len);
}

static void assert_same(const struct wr_buf *a, const struct wr_buf *b, const char *what)
{
	if (a->len != b->len || memcmp(a->p, b->p, a->len))
		fail_msg("%s differs:\n%s\n---\n%s", what, a->p, b->p);
}

static void test_incremental_equals_fresh(void **state)
{
	struct wr_county_parts before[2], spliced[2], fresh[2];
	struct world w;
	struct docs d0, di, df;

	(void)state;
	world(&w);
	render_all(&w, before, &d0);
	/* County 19003 reports another precinct; 19001 is as it was. */
	w.b[1].reporting = 1;
	w.b[1].votes[0] = 11, w.b[1].votes[1] = 2, w.b[1].votes[2] = 5;
	parts_copy(&before[0], &spliced[0]);
	wr_render_county(&w.c, &w.county[1], &spliced[1]);
	render_docs(&w, spliced, &di);
	render_all(&w, fresh, &df);
	assert_same(&di.results, &df.results, "results.json");
	assert_same(&di.cdf, &df.cdf, "cdf.json");
	assert_same(&di.counties, &df.counties, "counties.csv");
	assert_same(&di.precincts, &df.precincts, "precincts.csv");
	/* ...and the change shows. */
	assert_true(d0.results.len != df.results.len ||
	            memcmp(d0.results.p, df.results.p, df.results.len));
	assert_non_null(strstr(df.counties.p, "19003,Adams,2,2,27,18,2,7\r\n"));
	docs_free(&d0);
	docs_free(&di);
	docs_free(&df);
	for (int i = 0; i < 2; i++) {
		wr_county_parts_free(&before[i]);
		wr_county_parts_free(&spliced[i]);
		wr_county_parts_free(&fresh[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_share_rounds_half_up_to_four_places),
		cmocka_unit_test(test_json_str_escapes),
		cmocka_unit_test(test_csv_str_quotes_when_needed),
		cmocka_unit_test(test_results_totals_add_up),
		cmocka_unit_test(test_csv_documents_exact),
		cmocka_unit_test(test_cdf_counts_and_status),
		cmocka_unit_test(test_all_reporting_is_complete),
		cmocka_unit_test(test_incremental_equals_fresh),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
