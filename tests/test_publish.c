/* Publishing through the store: tallies ingested with wr_intake_record and
 * decided through wr_review_*, then wr_publish. Only approved tallies of
 * counties whose gate is open go out; a batch writes its documents to the
 * outbox in order with latest.json last, its manifest hashes what it names,
 * a later batch re-renders only the counties that changed and says the
 * same as a full re-render; freezing stops publishing; the zeroes batch
 * comes only before real results; the pusher drains the outbox to a
 * file:// target and keeps its cursor where a failure left it.
 *
 * The store is tests/data/rules/county: county 19101 (Tenfold) has 10
 * precincts, so one approval opens its gate; county 19103 (Quarter) has 25,
 * so it needs 3. Every precinct but 19101-010 has a 2016 caucus of 100
 * votes, so tallies near 100 keep the gate's volume check quiet. Users are
 * made once (argon2id is slow) in a seed store each test copies. */
#include "testutil.h"

#include <jansson.h>

#include "jsonutil.h"
#include <sodium.h>
#include <sys/stat.h>

#include "warroom/audit.h"
#include "warroom/auth.h"
#include "warroom/intake.h"
#include "warroom/publish.h"
#include "warroom/pusher.h"
#include "warroom/review.h"
#include "warroom/target.h"

#define DIR "tests/data/rules/county"
#define NOW_TEXT "2024-01-16T03:00:00Z"

static char seed_dir[64];
static char seed_path[128];

struct fx {
	struct tu_store t;
	struct wr_intake *in;
	struct wr_review *r;
	struct wr_user val, vic, sam;  /* validator x2, supervisor */
	int minute;                    /* reported_at of the next tally */
};

static int group_setup(void **state)
{
	static const struct tu_user users[] = {
		{ "val", WR_ROLE_VALIDATOR }, { "vic", WR_ROLE_VALIDATOR },
		{ "sam", WR_ROLE_SUPERVISOR },
	};
	struct wr_fixture_counts n;
	struct tu_store t;
	struct wr_err err;

	(void)state;
	assert_int_equal(setenv("WARROOM_NOW", NOW_TEXT, 1), 0);
	tu_open_empty(&t);
	if (wr_fixtures_load(&t.s, DIR, &n, &err) != WR_OK)
		fail_msg("fixtures: %s", err.msg);
	tu_add_users(&t, users, sizeof users / sizeof users[0]);
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
	tu_desk_open(&f->t, &f->r, &f->in, seed_path, NOW_TEXT, NULL);
	tu_users(&f->t.s, "val", &f->val, "vic", &f->vic, "sam", &f->sam, NULL);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	tu_audit_holds(&f->t.s);
	tu_desk_close(&f->t, f->r, f->in);
	free(f);
	return 0;
}

static long long q(struct fx *f, const char *sql)
{
	return tu_int(&f->t.s, sql);
}

static void qtext(struct fx *f, const char *sql, char *out, size_t n)
{
	tu_text(&f->t.s, sql, out, n);
}

/* A tally for pct reported at (Central time, on caucus day), ingested and
 * committed. */
static enum wr_outcome put_at(struct fx *f, const char *sid, const char *pct,
                              const char *at, int trump, int desantis, int haley)
{
	char rec[512];
	enum wr_outcome o = WR_OUTCOMES;
	struct wr_err err;

	snprintf(rec, sizeof rec, "{\"submission_id\":\"%s\",\"source\":\"app\","
	         "\"precinct\":\"%s\",\"reported_at\":\"2024-01-15T%s-06:00\","
	         "\"reporter\":\"rep-%s\",\"votes\":{\"trump\":%d,\"desantis\":%d,"
	         "\"haley\":%d},\"total\":%d}", sid, pct, at, pct, trump, desantis, haley,
	         trump + desantis + haley);
	if (wr_intake_record(f->in, "feed.ndjson", 1, rec, strlen(rec), strlen(rec), &o,
	                     &err) != WR_OK || wr_intake_flush(f->in, &err) != WR_OK)
		fail_msg("ingest %s: %s", sid, err.msg);
	if (o != WR_ACCEPTED && o != WR_REVISED)
		fail_msg("%s: %s", wr_outcome_name(o), rec);
	return o;
}

/* A tally after the opening; each one reported a minute after the last, so
 * a revision is later than what it revises. */
static enum wr_outcome put(struct fx *f, const char *sid, const char *pct, int trump,
                           int desantis, int haley)
{
	char at[16];
	int m = f->minute++;

	snprintf(at, sizeof at, "%02d:%02d:00", 20 + m / 60 % 4, m % 60);
	return put_at(f, sid, pct, at, trump, desantis, haley);
}

/* u claims and approves sid, which needs no second approval. */
static void approve_by(struct fx *f, const struct wr_user *u, const char *sid)
{
	enum wr_approval res = WR_NEEDS_SECOND;
	struct wr_err err;

	if (wr_review_claim(f->r, u, sid, NULL, &err) != WR_OK ||
	    wr_review_approve(f->r, u, sid, &res, &err) != WR_OK)
		fail_msg("approving %s: %s", sid, err.msg);
	assert_int_equal(res, WR_APPROVED);
}

/* A tally near its precinct's 2016 caucus, approved by a validator. */
static void approved(struct fx *f, const char *sid, const char *pct, int trump)
{
	put(f, sid, pct, trump, 30, 10);
	approve_by(f, &f->val, sid);
}

static int publish_with(struct fx *f, int full, int zeroes, struct wr_publish_result *r,
                        struct wr_err *err)
{
	struct wr_publish_opts o = { .actor = "sam", .full = full, .zeroes = zeroes };

	return wr_publish(&f->t.s, &o, r, err);
}

/* Publishes and expects success; returns the batch number (0 for none). */
static int64_t publish(struct fx *f, struct wr_publish_result *r)
{
	struct wr_err err;

	if (publish_with(f, 0, 0, r, &err) != WR_OK)
		fail_msg("publish: %s", err.msg);
	return r->batch;
}

static int64_t id_of(struct fx *f, const char *sid)
{
	char sql[256];

	snprintf(sql, sizeof sql, "SELECT id FROM submissions WHERE submission_id = '%s'", sid);
	return q(f, sql);
}

/* The outbox body of key in batch (the key under batches/NNNNNN/, or
 * latest.json), NUL-terminated; *len its size. */
static char *outbox_body(struct fx *f, int64_t batch, const char *name, size_t *len)
{
	sqlite3_stmt *st;
	char key[128], *out;

	if (!strcmp(name, "latest.json"))
		snprintf(key, sizeof key, "%s", name);
	else
		snprintf(key, sizeof key, "batches/%06lld/%s", (long long)batch, name);
	assert_int_equal(sqlite3_prepare_v2(f->t.s.db, "SELECT body FROM outbox WHERE batch = ?1"
	                                    " AND key = ?2", -1, &st, NULL), SQLITE_OK);
	sqlite3_bind_int64(st, 1, batch);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_ROW)
		fail_msg("no %s in the outbox for batch %lld", key, (long long)batch);
	*len = (size_t)sqlite3_column_bytes(st, 0);
	out = malloc(*len + 1);
	assert_non_null(out);
	memcpy(out, sqlite3_column_blob(st, 0), *len);
	out[*len] = '\0';
	sqlite3_finalize(st);
	return out;
}

static json_t *outbox_json(struct fx *f, int64_t batch, const char *name)
{
	size_t len;
	char *body = outbox_body(f, batch, name, &len);
	json_error_t je;
	json_t *j = json_loadb(body, len, 0, &je);

	if (!j)
		fail_msg("%s of batch %lld is not JSON: %s", name, (long long)batch, je.text);
	free(body);
	return j;
}

/* The published submissions, in id order, as "1,4,7". */
static void published(struct fx *f, char *out, size_t n)
{
	qtext(f, "SELECT group_concat(submission) FROM (SELECT submission FROM publications"
	         " ORDER BY submission)", out, n);
}

/* --- publishing ---------------------------------------------------------- */

static void test_nothing_approved_no_batch(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;

	put(f, "c1", "19101-001", 60, 30, 10);
	memset(&r, 0x55, sizeof r);
	assert_int_equal(publish(f, &r), 0);
	assert_int_equal(r.precincts, 0);
	assert_int_equal(r.nheld, 0);
	assert_int_equal(q(f, "SELECT count(*) FROM batches"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM publications"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'publish'"), 0);
	wr_publish_result_free(&r);
}

static void test_first_batch_outbox_and_manifest(void **state)
{
	static const char *const order[] = {
		"batches/000001/results.json", "batches/000001/cdf.json",
		"batches/000001/counties.csv", "batches/000001/precincts.csv",
		"batches/000001/manifest.json", "latest.json",
	};
	struct fx *f = *state;
	struct wr_publish_result r;
	sqlite3_stmt *st;
	char got[256], want[256];
	json_t *man, *res, *file, *latest, *sw;
	size_t i, len;
	int row = 0;

	approved(f, "a1", "19101-001", 60);
	approved(f, "a2", "19101-005", 55);
	approved(f, "a3", "19101-006", 70);
	put(f, "c1", "19101-007", 60, 30, 10);   /* clean, not approved */
	assert_int_equal(publish(f, &r), 1);
	assert_int_equal(r.precincts, 3);
	assert_int_equal(r.counties, 2);   /* nothing kept yet: every county rendered */
	assert_int_equal(r.reporting, 3);
	assert_int_equal(r.total, 35);
	assert_int_equal(r.files, 6);
	assert_int_equal(r.nheld, 0);
	assert_int_equal(q(f, "SELECT count(*) FROM batches"), 1);
	assert_int_equal(q(f, "SELECT precincts FROM batches WHERE id = 1"), 3);
	{   /* only a supervisor publishes from a console, as the store says */
		struct wr_user ghost = { .id = 999, .name = "nobody", .role = WR_ROLE_SUPERVISOR };
		struct wr_publish_opts o = { "x", 0, 0, 0 };
		struct wr_publish_result r2;
		struct wr_err e;
		assert_int_equal(wr_publish_as(&f->t.s, &ghost, &o, &r2, &e), WR_EAUTH);
		assert_int_equal(wr_publish_as(&f->t.s, &f->val, &o, &r2, &e), WR_EPERM);
		assert_int_equal(wr_publish_as(&f->t.s, &f->sam, &o, &r2, &e), WR_OK);
		assert_int_equal(r2.batch, 0);   /* nothing new since batch 1 */
		wr_publish_result_free(&r2);
	}
	{   /* as the console's publish view lists it */
		struct wr_batch_row b[4];
		struct wr_err e;
		size_t nb;
		assert_int_equal(wr_publish_batches(&f->t.s, b, 4, &nb, &e), WR_OK);
		assert_int_equal(nb, 1);
		assert_int_equal(b[0].id, 1);
		assert_int_equal(b[0].precincts, 3);
		assert_int_equal(b[0].reporting, 3);
		assert_int_equal(b[0].files, 6);
		assert_int_equal(b[0].bytes, q(f, "SELECT sum(length(body)) FROM outbox"));
		assert_int_equal(b[0].zeroes, 0);
	}

	/* Exactly the approved tallies are published, each in batch 1. */
	published(f, got, sizeof got);
	qtext(f, "SELECT group_concat(id) FROM (SELECT id FROM submissions"
	         " WHERE state = 'approved' ORDER BY id)", want, sizeof want);
	assert_string_equal(got, want);
	assert_int_equal(q(f, "SELECT count(*) FROM publications WHERE batch <> 1"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM batch_items WHERE batch = 1"), 3);

	/* Six files in order, latest.json last; each row's sha256 is its body's. */
	assert_int_equal(sqlite3_prepare_v2(f->t.s.db, "SELECT key, body, sha256 FROM outbox"
	                                    " ORDER BY id", -1, &st, NULL), SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		unsigned char h[crypto_hash_sha256_BYTES];

		assert_true(row < 6);
		assert_string_equal(sqlite3_column_text(st, 0), order[row]);
		crypto_hash_sha256(h, sqlite3_column_blob(st, 1),
		                   (unsigned long long)sqlite3_column_bytes(st, 1));
		assert_int_equal(sqlite3_column_bytes(st, 2), sizeof h);
		assert_memory_equal(sqlite3_column_blob(st, 2), h, sizeof h);
		row++;
	}
	sqlite3_finalize(st);
	assert_int_equal(row, 6);

	/* The manifest names the four documents with their sizes and hashes. */
	man = outbox_json(f, 1, "manifest.json");
	assert_int_equal(tu_jint(man, "batch"), 1);
	assert_int_equal(json_array_size(json_object_get(man, "files")), 4);
	json_array_foreach(json_object_get(man, "files"), i, file) {
		unsigned char h[crypto_hash_sha256_BYTES];
		char hx[2 * sizeof h + 1];
		char *body = outbox_body(f, 1, json_string_value(json_object_get(file, "path")),
		                         &len);

		assert_string_equal(json_string_value(json_object_get(file, "path")),
		                    order[i] + strlen("batches/000001/"));
		crypto_hash_sha256(h, (const unsigned char *)body, len);
		sodium_bin2hex(hx, sizeof hx, h, sizeof h);
		assert_string_equal(json_string_value(json_object_get(file, "sha256")), hx);
		assert_int_equal(tu_jint(file, "bytes"), len);
		free(body);
	}
	json_decref(man);
	/* batches.manifest is the manifest's own hash. */
	{
		unsigned char h[crypto_hash_sha256_BYTES];
		char *body = outbox_body(f, 1, "manifest.json", &len);

		crypto_hash_sha256(h, (const unsigned char *)body, len);
		assert_int_equal(sqlite3_prepare_v2(f->t.s.db, "SELECT manifest FROM batches"
		                                    " WHERE id = 1", -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		assert_memory_equal(sqlite3_column_blob(st, 0), h, sizeof h);
		sqlite3_finalize(st);
		free(body);
	}
	latest = outbox_json(f, 1, "latest.json");
	assert_int_equal(tu_jint(latest, "batch"), 1);
	assert_string_equal(json_string_value(json_object_get(latest, "path")),
	                    "batches/000001/");
	json_decref(latest);

	/* Statewide totals: the approved tallies' votes, counted here in SQL. */
	res = outbox_json(f, 1, "results.json");
	sw = json_object_get(res, "statewide");
	assert_int_equal(tu_jint(sw, "precincts_reporting"), 3);
	assert_int_equal(tu_jint(sw, "precincts_total"), 35);
	assert_int_equal(tu_cand_votes(sw, 0),
	                 q(f, "SELECT sum(v.votes) FROM votes v JOIN submissions s ON"
	                      " s.id = v.submission WHERE s.state = 'approved'"
	                      " AND v.candidate = 'trump'"));
	assert_int_equal(tu_cand_votes(sw, 1),
	                 q(f, "SELECT sum(v.votes) FROM votes v JOIN submissions s ON"
	                      " s.id = v.submission WHERE s.state = 'approved'"
	                      " AND v.candidate = 'desantis'"));
	assert_int_equal(tu_cand_votes(sw, 2),
	                 q(f, "SELECT sum(v.votes) FROM votes v JOIN submissions s ON"
	                      " s.id = v.submission WHERE s.state = 'approved'"
	                      " AND v.candidate = 'haley'"));
	assert_int_equal(tu_jint(sw, "total_votes"),
	                 q(f, "SELECT sum(v.votes) FROM votes v JOIN submissions s ON"
	                      " s.id = v.submission WHERE s.state = 'approved'"));
	assert_int_equal(tu_cand_votes(sw, 0), 185);
	assert_int_equal(tu_jint(tu_find(res, "precincts", "code", "19101-007"), "precincts_reporting"), 0);
	json_decref(res);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'publish'"
	                      " AND subject = 'batch 000001' AND actor = 'sam'"), 1);
	wr_publish_result_free(&r);
}

static void test_unapproved_tallies_never_published(void **state)
{
	static const char *const pending[] = { "19101-006", "19101-007", "19101-008" };
	struct fx *f = *state;
	struct wr_publish_result r;
	struct wr_err err;
	char st[32];
	json_t *res, *p;

	approved(f, "a1", "19101-001", 60);
	put(f, "c1", "19101-006", 60, 30, 10);
	put(f, "f1", "19101-007", 300, 150, 50);   /* 5x its 2016 caucus */
	put(f, "r1", "19101-008", 61, 30, 10);
	assert_int_equal(wr_review_claim(f->r, &f->val, "r1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_reject(f->r, &f->val, "r1", "smudged sheet", &err), WR_OK);
	qtext(f, "SELECT group_concat(state) FROM (SELECT state FROM submissions WHERE"
	         " submission_id IN ('c1', 'f1', 'r1') ORDER BY submission_id)", st, sizeof st);
	assert_string_equal(st, "clean,flagged,rejected");

	assert_int_equal(publish(f, &r), 1);
	assert_int_equal(r.precincts, 1);
	res = outbox_json(f, 1, "results.json");
	for (size_t i = 0; i < 3; i++) {
		p = tu_find(res, "precincts", "code", pending[i]);
		assert_int_equal(tu_jint(p, "precincts_reporting"), 0);
		assert_int_equal(tu_jint(p, "total_votes"), 0);
	}
	assert_int_equal(tu_jint(tu_find(res, "precincts", "code", "19101-001"), "precincts_reporting"), 1);
	assert_int_equal(tu_jint(json_object_get(res, "statewide"), "total_votes"), 100);
	json_decref(res);
	assert_int_equal(q(f, "SELECT count(*) FROM publications p JOIN submissions s ON"
	                      " s.id = p.submission WHERE s.state <> 'approved'"), 0);
	wr_publish_result_free(&r);
}

static void test_closed_gate_holds_county(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;
	json_t *res;

	/* Quarter: 2 of 25 approved, 8%: held, and nothing else to publish. */
	approved(f, "q1", "19103-001", 60);
	approved(f, "q2", "19103-002", 61);
	assert_int_equal(publish(f, &r), 0);
	assert_int_equal(r.nheld, 1);
	assert_string_equal(r.held[0].fips, "19103");
	assert_non_null(strstr(r.held[0].why, "2 of 25"));
	assert_int_equal(q(f, "SELECT count(*) FROM batches"), 0);
	wr_publish_result_free(&r);

	/* Tenfold opens at 1 of 10 and goes out; Quarter is still held. */
	approved(f, "t1", "19101-001", 60);
	assert_int_equal(publish(f, &r), 1);
	assert_int_equal(r.precincts, 1);
	assert_int_equal(r.nheld, 1);
	assert_string_equal(r.held[0].fips, "19103");
	assert_int_equal(q(f, "SELECT count(*) FROM publications p JOIN precincts pr"
	                      " ON pr.id = p.precinct_id WHERE pr.county_fips = '19103'"), 0);
	res = outbox_json(f, 1, "results.json");
	assert_int_equal(tu_jint(tu_find(res, "counties", "fips", "19103"), "precincts_reporting"), 0);
	assert_int_equal(tu_jint(tu_find(res, "precincts", "code", "19103-001"), "precincts_reporting"), 0);
	assert_int_equal(tu_jint(tu_find(res, "counties", "fips", "19101"), "precincts_reporting"), 1);
	json_decref(res);
	wr_publish_result_free(&r);

	/* A third approval (12%) opens Quarter: all three go out. */
	approved(f, "q3", "19103-003", 62);
	assert_int_equal(publish(f, &r), 2);
	assert_int_equal(r.precincts, 3);
	assert_int_equal(r.counties, 1);
	assert_int_equal(r.nheld, 0);
	assert_int_equal(q(f, "SELECT count(*) FROM publications p JOIN precincts pr"
	                      " ON pr.id = p.precinct_id WHERE pr.county_fips = '19103'"
	                      " AND p.batch = 2"), 3);
	res = outbox_json(f, 2, "results.json");
	assert_int_equal(tu_jint(tu_find(res, "counties", "fips", "19103"), "precincts_reporting"), 3);
	assert_int_equal(tu_cand_votes(tu_find(res, "counties", "fips", "19103"), 0), 183);
	assert_int_equal(tu_jint(json_object_get(res, "statewide"), "precincts_reporting"), 4);
	json_decref(res);
	wr_publish_result_free(&r);
}

/* The documents of a batch apart from its number and time. */
static void assert_same_results(struct fx *f, int64_t a, int64_t b)
{
	static const char *const keys[] = { "contest", "candidates", "statewide", "counties",
	                                    "precincts", "complete", "test" };
	json_t *ja = outbox_json(f, a, "results.json"), *jb = outbox_json(f, b, "results.json");

	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
		if (!json_equal(json_object_get(ja, keys[i]), json_object_get(jb, keys[i])))
			fail_msg("results.json of batches %lld and %lld differ in %s", (long long)a,
			         (long long)b, keys[i]);
	json_decref(ja);
	json_decref(jb);
	ja = outbox_json(f, a, "cdf.json");
	jb = outbox_json(f, b, "cdf.json");
	json_object_del(ja, "GeneratedDate");
	json_object_del(jb, "GeneratedDate");
	assert_true(json_equal(ja, jb));
	json_decref(ja);
	json_decref(jb);
	for (int i = 0; i < 2; i++) {
		const char *name = i ? "precincts.csv" : "counties.csv";
		size_t la, lb;
		char *ba = outbox_body(f, a, name, &la), *bb = outbox_body(f, b, name, &lb);

		assert_int_equal(la, lb);
		assert_memory_equal(ba, bb, la);
		free(ba);
		free(bb);
	}
}

static void test_incremental_batch_equals_full(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;
	struct wr_err err;
	json_t *res;

	approved(f, "t1", "19101-001", 60);
	approved(f, "q1", "19103-001", 60);
	approved(f, "q2", "19103-002", 61);
	approved(f, "q3", "19103-003", 62);
	assert_int_equal(publish(f, &r), 1);
	assert_int_equal(r.counties, 2);
	wr_publish_result_free(&r);

	/* Nothing new: no batch. */
	assert_int_equal(publish(f, &r), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM batches"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 6);
	wr_publish_result_free(&r);

	/* One more in Tenfold: only Tenfold is rendered again. */
	approved(f, "t2", "19101-005", 57);
	assert_int_equal(publish(f, &r), 2);
	assert_int_equal(r.precincts, 1);
	assert_int_equal(r.counties, 1);
	assert_int_equal(r.reporting, 5);
	assert_int_equal(q(f, "SELECT batch FROM render_cache WHERE county_fips = '19101'"), 2);
	assert_int_equal(q(f, "SELECT batch FROM render_cache WHERE county_fips = '19103'"), 1);
	assert_int_equal(q(f, "SELECT counties FROM batches WHERE id = 2"), 1);
	res = outbox_json(f, 2, "results.json");
	assert_int_equal(tu_jint(res, "batch"), 2);
	assert_int_equal(tu_cand_votes(tu_find(res, "counties", "fips", "19101"), 0), 117);
	assert_int_equal(tu_cand_votes(tu_find(res, "counties", "fips", "19103"), 0), 183);
	json_decref(res);
	wr_publish_result_free(&r);

	/* A full re-render says the same. */
	{
		assert_int_equal(publish_with(f, 1, 0, &r, &err), WR_OK);
		assert_int_equal(r.batch, 3);
		assert_int_equal(r.precincts, 0);
		assert_int_equal(r.counties, 2);
	}
	assert_same_results(f, 2, 3);
	wr_publish_result_free(&r);
}

static void test_approved_revision_replaces_published(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;
	struct wr_err err;
	char sql[160];
	json_t *res;

	approved(f, "a1", "19101-001", 60);
	assert_int_equal(publish(f, &r), 1);
	wr_publish_result_free(&r);
	assert_int_equal(q(f, "SELECT submission FROM publications"), id_of(f, "a1"));

	assert_int_equal(put(f, "a2", "19101-001", 64, 30, 10), WR_REVISED);
	/* A validator may not decide it; until a supervisor does, a1 stands. */
	assert_int_equal(wr_review_claim(f->r, &f->val, "a2", NULL, &err), WR_EPERM);
	assert_int_equal(publish(f, &r), 0);
	wr_publish_result_free(&r);
	assert_int_equal(q(f, "SELECT submission FROM publications"), id_of(f, "a1"));

	approve_by(f, &f->sam, "a2");
	assert_int_equal(publish(f, &r), 2);
	assert_int_equal(r.precincts, 1);
	assert_int_equal(r.reporting, 1);
	wr_publish_result_free(&r);
	assert_int_equal(q(f, "SELECT submission FROM publications"), id_of(f, "a2"));
	assert_int_equal(q(f, "SELECT batch FROM publications"), 2);
	snprintf(sql, sizeof sql, "SELECT count(*) FROM batch_items WHERE batch = 2 AND"
	         " submission = %lld", (long long)id_of(f, "a2"));
	assert_int_equal(q(f, sql), 1);
	res = outbox_json(f, 2, "results.json");
	assert_int_equal(tu_cand_votes(tu_find(res, "precincts", "code", "19101-001"), 0), 64);
	assert_int_equal(tu_jint(json_object_get(res, "statewide"), "total_votes"), 104);
	json_decref(res);
}

static void test_freeze_stops_publishing(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;
	struct wr_freeze fr;
	struct wr_err err;
	long long audits;

	approved(f, "a1", "19101-001", 60);
	audits = q(f, "SELECT count(*) FROM audit");
	assert_int_equal(wr_publish_freeze(&f->t.s, &f->val, 1, "recount", &err), WR_EPERM);
	assert_int_equal(wr_publish_freeze(&f->t.s, &f->sam, 1, NULL, &err), WR_EINVAL);
	assert_int_equal(wr_publish_freeze(&f->t.s, &f->sam, 1, "", &err), WR_EINVAL);
	assert_int_equal(q(f, "SELECT count(*) FROM audit"), audits);
	assert_int_equal(wr_publish_frozen(&f->t.s, &fr, &err), WR_OK);
	assert_false(fr.frozen);

	assert_int_equal(wr_publish_freeze(&f->t.s, &f->sam, 1, "Polk recount", &err), WR_OK);
	assert_int_equal(wr_publish_frozen(&f->t.s, &fr, &err), WR_OK);
	assert_true(fr.frozen);
	assert_string_equal(fr.by, "sam");
	assert_string_equal(fr.reason, "Polk recount");
	assert_string_equal(fr.at, NOW_TEXT);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'publish_freeze'"
	                      " AND actor = 'sam'"), 1);

	assert_int_equal(publish_with(f, 0, 0, &r, &err), WR_EPERM);
	assert_int_equal(r.batch, 0);
	assert_non_null(strstr(err.msg, "Polk recount"));
	wr_publish_result_free(&r);
	assert_int_equal(publish_with(f, 0, 1, &r, &err), WR_EPERM);  /* zeroes too */
	wr_publish_result_free(&r);
	assert_int_equal(q(f, "SELECT count(*) FROM batches"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM publications"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'publish'"), 0);

	assert_int_equal(wr_publish_freeze(&f->t.s, &f->val, 0, NULL, &err), WR_EPERM);
	assert_int_equal(wr_publish_freeze(&f->t.s, &f->sam, 0, NULL, &err), WR_OK);
	assert_int_equal(wr_publish_frozen(&f->t.s, &fr, &err), WR_OK);
	assert_false(fr.frozen);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'publish_unfreeze'"
	                      " AND actor = 'sam'"), 1);
	assert_int_equal(publish(f, &r), 1);
	wr_publish_result_free(&r);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'publish'"), 1);
}

static void test_zeroes_only_before_results(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;
	struct wr_err err;
	json_t *res, *p, *sw;
	size_t i;

	approved(f, "a1", "19101-001", 60);   /* approved, but zeroes show none */
	/* Zeroes are for before the opening (19:00 -06:00 is 01:00Z). */
	assert_int_equal(publish_with(f, 0, 1, &r, &err), WR_EPERM);
	assert_non_null(strstr(err.msg, "opened"));
	assert_int_equal(setenv("WARROOM_NOW", "2024-01-16T00:30:00Z", 1), 0);
	assert_int_equal(publish_with(f, 0, 1, &r, &err), WR_OK);
	assert_int_equal(setenv("WARROOM_NOW", NOW_TEXT, 1), 0);
	assert_int_equal(r.batch, 1);
	assert_int_equal(r.precincts, 0);
	assert_int_equal(r.reporting, 0);
	assert_int_equal(r.total, 35);
	wr_publish_result_free(&r);
	assert_int_equal(q(f, "SELECT zeroes FROM batches WHERE id = 1"), 1);
	assert_int_equal(q(f, "SELECT test FROM batches WHERE id = 1"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM publications"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox WHERE batch = 1"), 6);
	res = outbox_json(f, 1, "results.json");
	assert_true(json_is_true(json_object_get(res, "test")));
	sw = json_object_get(res, "statewide");
	assert_int_equal(tu_jint(sw, "precincts_reporting"), 0);
	assert_int_equal(tu_jint(sw, "precincts_total"), 35);
	assert_int_equal(tu_jint(sw, "total_votes"), 0);
	assert_int_equal(json_array_size(json_object_get(res, "precincts")), 35);
	json_array_foreach(json_object_get(res, "precincts"), i, p) {
		assert_int_equal(tu_jint(p, "precincts_reporting"), 0);
		assert_int_equal(tu_jint(p, "total_votes"), 0);
	}
	json_decref(res);

	/* The real batch after it publishes the tally, and is not a test. */
	assert_int_equal(publish(f, &r), 2);
	assert_int_equal(r.precincts, 1);
	wr_publish_result_free(&r);
	res = outbox_json(f, 2, "results.json");
	assert_true(json_is_false(json_object_get(res, "test")));
	assert_int_equal(tu_jint(json_object_get(res, "statewide"), "precincts_reporting"), 1);
	assert_int_equal(tu_jint(json_object_get(res, "statewide"), "total_votes"), 100);
	json_decref(res);

	/* Zeroes now would wipe real results. */
	assert_int_equal(publish_with(f, 0, 1, &r, &err), WR_EPERM);
	assert_int_equal(r.batch, 0);
	wr_publish_result_free(&r);
	assert_int_equal(q(f, "SELECT count(*) FROM batches"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM outbox"), 12);
}

/* Approves a hard-flagged sid: two validators. */
static void approve_twice(struct fx *f, const char *sid)
{
	enum wr_approval res = WR_APPROVED;
	struct wr_err err;

	if (wr_review_claim(f->r, &f->val, sid, NULL, &err) != WR_OK ||
	    wr_review_approve(f->r, &f->val, sid, &res, &err) != WR_OK)
		fail_msg("approving %s: %s", sid, err.msg);
	assert_int_equal(res, WR_NEEDS_SECOND);
	approve_by(f, &f->vic, sid);
}

/* A tally from before the opening is test data: even approved (its
 * pre_opening flag is hard, so by two validators) it never goes out. */
static void test_pre_opening_tally_not_published(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;
	json_t *res;

	approved(f, "a1", "19101-001", 60);
	put_at(f, "x1", "19101-002", "18:30:00", 60, 30, 10);
	assert_int_equal(q(f, "SELECT count(*) FROM flags g JOIN submissions s ON"
	                      " s.id = g.submission WHERE s.submission_id = 'x1'"
	                      " AND g.rule = 'pre_opening' AND g.severity = 'hard'"), 1);
	approve_twice(f, "x1");
	assert_int_equal(publish(f, &r), 1);
	assert_int_equal(r.precincts, 1);
	wr_publish_result_free(&r);
	assert_int_equal(q(f, "SELECT submission FROM publications"), id_of(f, "a1"));
	res = outbox_json(f, 1, "results.json");
	assert_int_equal(tu_jint(tu_find(res, "precincts", "code", "19101-002"), "precincts_reporting"), 0);
	json_decref(res);
}

/* Nor does test data open a county's gate: Quarter with two real approvals
 * (8%) and one approved pre-opening tally is still held. */
static void test_pre_opening_tally_does_not_open_gate(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;
	char held[8] = "";
	int64_t batch;
	size_t nheld;

	approved(f, "q1", "19103-001", 60);
	approved(f, "q2", "19103-002", 61);
	put_at(f, "x1", "19103-003", "18:30:00", 62, 30, 10);
	approve_twice(f, "x1");
	batch = publish(f, &r);
	nheld = r.nheld;
	if (nheld)
		snprintf(held, sizeof held, "%s", r.held[0].fips);
	wr_publish_result_free(&r);
	/* An approved pre-opening tally (test data) must not count towards
	 * the gate: 2 real approvals of 25 (8%) keep Quarter held. */
	assert_int_equal(batch, 0);
	assert_int_equal(nheld, 1);
	assert_string_equal(held, "19103");
	assert_int_equal(q(f, "SELECT count(*) FROM publications"), 0);
}

/* --- pushing ------------------------------------------------------------- */

static const struct wr_push_opts PUSH = { .actor = "pusher", .follow = 0, .max_tries = 2,
                                          .backoff_ms = 1, .backoff_max_ms = 2,
                                          .poll_ms = 1 };

static void open_target(struct wr_target *t, const char *dir)
{
	char url[256];
	struct wr_err err;

	snprintf(url, sizeof url, "file://%s", dir);
	if (wr_target_open(t, url, NULL, &err) != WR_OK)
		fail_msg("target %s: %s", url, err.msg);
}

/* Every outbox row is a file under dir with the same bytes. */
static void assert_files_match_outbox(struct fx *f, const char *dir)
{
	sqlite3_stmt *st;
	int n = 0;

	assert_int_equal(sqlite3_prepare_v2(f->t.s.db, "SELECT key, body FROM outbox WHERE"
	                                    " key <> 'latest.json' ORDER BY id", -1, &st, NULL),
	                 SQLITE_OK);
	while (sqlite3_step(st) == SQLITE_ROW) {
		char path[512], *buf;
		size_t len = (size_t)sqlite3_column_bytes(st, 1), got;
		FILE *fp;

		snprintf(path, sizeof path, "%s/%s", dir, sqlite3_column_text(st, 0));
		fp = fopen(path, "rb");
		if (!fp)
			fail_msg("%s was not pushed", path);
		buf = malloc(len + 2);
		assert_non_null(buf);
		got = fread(buf, 1, len + 1, fp);
		fclose(fp);
		assert_int_equal(got, len);
		assert_memory_equal(buf, sqlite3_column_blob(st, 1), len);
		free(buf);
		n++;
	}
	sqlite3_finalize(st);
	assert_int_equal(n, q(f, "SELECT count(*) FROM outbox WHERE key <> 'latest.json'"));
}

/* A freeze holds batches already queued: nothing more reaches the public
 * until a supervisor unfreezes. */
static void test_freeze_holds_queued_batches(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;
	struct wr_push_stats ps;
	struct wr_push_opts o = PUSH;
	struct wr_target t;
	struct wr_err err;
	char dir[256];

	approved(f, "a1", "19101-001", 60);
	assert_int_equal(publish(f, &r), 1);
	wr_publish_result_free(&r);
	assert_int_equal(wr_publish_freeze(&f->t.s, &f->sam, 1, "bad Polk number", &err),
	                 WR_OK);
	snprintf(dir, sizeof dir, "%s/public", f->t.dir);
	open_target(&t, dir);
	assert_int_equal(wr_push(&f->t.s, &t, &o, &ps, &err), WR_EPERM);
	assert_non_null(strstr(err.msg, "bad Polk number"));
	assert_int_equal(ps.items, 0);
	assert_int_equal(q(f, "SELECT coalesce(max(last_id), 0) FROM push_cursors"), 0);
	assert_int_equal(wr_publish_freeze(&f->t.s, &f->sam, 0, NULL, &err), WR_OK);
	assert_int_equal(wr_push(&f->t.s, &t, &o, &ps, &err), WR_OK);
	assert_int_equal(ps.batches, 1);
	wr_target_close(&t);
}

/* Reloading the fixtures may reorder or rename candidates: the kept county
 * parts are dropped, so the next batch renders every county anew. */
static void test_fixture_reload_drops_rendered_parts(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;
	struct wr_fixture_counts n;
	struct wr_err err;

	approved(f, "a1", "19101-001", 60);
	assert_int_equal(publish(f, &r), 1);
	wr_publish_result_free(&r);
	assert_true(q(f, "SELECT count(*) FROM render_cache") > 0);
	assert_int_equal(wr_fixtures_load(&f->t.s, DIR, &n, &err), WR_OK);
	assert_int_equal(q(f, "SELECT count(*) FROM render_cache"), 0);
	approved(f, "a2", "19101-005", 58);
	assert_int_equal(publish(f, &r), 2);
	assert_int_equal(r.counties, q(f, "SELECT count(*) FROM counties"));
	wr_publish_result_free(&r);
}

static void test_push_to_directory(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;
	struct wr_push_stats ps;
	struct wr_push_state pst;
	struct wr_target t;
	struct wr_err err;
	char dir[256], path[512], sql[1024];
	json_t *latest;
	json_error_t je;
	FILE *log = tmpfile();

	assert_non_null(log);
	approved(f, "a1", "19101-001", 60);
	assert_int_equal(publish(f, &r), 1);
	wr_publish_result_free(&r);
	approved(f, "a2", "19101-005", 58);
	assert_int_equal(publish(f, &r), 2);
	wr_publish_result_free(&r);

	snprintf(dir, sizeof dir, "%s/public", f->t.dir);
	open_target(&t, dir);
	{
		struct wr_push_opts o = PUSH;

		o.log = log;
		assert_int_equal(wr_push(&f->t.s, &t, &o, &ps, &err), WR_OK);
	}
	assert_int_equal(ps.items, 12);
	assert_int_equal(ps.batches, 2);
	assert_int_equal(ps.last_batch, 2);
	assert_int_equal(ps.retries, 0);
	assert_files_match_outbox(f, dir);
	/* latest.json names the newest batch, and is the newest one's bytes. */
	snprintf(path, sizeof path, "%s/latest.json", dir);
	latest = json_load_file(path, 0, &je);
	assert_non_null(latest);
	assert_int_equal(tu_jint(latest, "batch"), 2);
	assert_string_equal(json_string_value(json_object_get(latest, "path")),
	                    "batches/000002/");
	json_decref(latest);
	/* Nothing half-written left behind. */
	snprintf(path, sizeof path, "%s/batches/000002/results.json.tmp%ld", dir,
	         (long)getpid());
	assert_int_equal(access(path, F_OK), -1);

	snprintf(sql, sizeof sql, "SELECT last_id FROM push_cursors WHERE target = '%s'",
	         t.name);
	assert_int_equal(q(f, sql), q(f, "SELECT max(id) FROM outbox"));
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'push'"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'push' AND"
	                      " subject IN ('batch 000001', 'batch 000002')"), 2);
	assert_int_equal(wr_push_state_read(&f->t.s, t.name, &pst, &err), WR_OK);
	assert_int_equal(pst.backlog, 0);
	assert_int_equal(pst.last_batch, 2);

	/* Again: nothing to push, nothing audited. */
	assert_int_equal(wr_push(&f->t.s, &t, &PUSH, &ps, &err), WR_OK);
	assert_int_equal(ps.items, 0);
	assert_int_equal(ps.batches, 0);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'push'"), 2);
	wr_target_close(&t);
	fclose(log);
}

static void test_push_failure_keeps_cursor(void **state)
{
	struct fx *f = *state;
	struct wr_publish_result r;
	struct wr_push_stats ps;
	struct wr_push_state pst;
	struct wr_target t;
	struct wr_err err;
	char dir[256], blocker[128], sql[1024];
	FILE *fp;

	approved(f, "a1", "19101-001", 60);
	assert_int_equal(publish(f, &r), 1);
	wr_publish_result_free(&r);
	/* The target directory would be under a regular file. */
	snprintf(blocker, sizeof blocker, "%s/blocker", f->t.dir);
	fp = fopen(blocker, "w");
	assert_non_null(fp);
	fclose(fp);
	snprintf(dir, sizeof dir, "%s/public", blocker);
	open_target(&t, dir);

	assert_int_equal(wr_push(&f->t.s, &t, &PUSH, &ps, &err), WR_EIO);
	assert_non_null(strstr(err.msg, "batches/000001/results.json"));
	assert_int_equal(ps.items, 0);
	assert_int_equal(ps.retries, 2);
	snprintf(sql, sizeof sql, "SELECT last_id FROM push_cursors WHERE target = '%s'",
	         t.name);
	assert_int_equal(q(f, sql), 0);
	snprintf(sql, sizeof sql, "SELECT length(last_error) > 0 FROM push_cursors"
	         " WHERE target = '%s'", t.name);
	assert_int_equal(q(f, sql), 1);
	assert_int_equal(wr_push_state_read(&f->t.s, t.name, &pst, &err), WR_OK);
	assert_int_equal(pst.attempts, 2);
	assert_int_equal(pst.backlog, 6);
	assert_int_equal(pst.last_batch, 0);
	assert_true(pst.last_error[0] != '\0');
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'push'"), 0);

	/* Once the way is clear, the same items go out and the error is cleared. */
	assert_int_equal(unlink(blocker), 0);
	assert_int_equal(wr_push(&f->t.s, &t, &PUSH, &ps, &err), WR_OK);
	assert_int_equal(ps.items, 6);
	assert_int_equal(ps.last_batch, 1);
	assert_files_match_outbox(f, dir);
	assert_int_equal(wr_push_state_read(&f->t.s, t.name, &pst, &err), WR_OK);
	assert_int_equal(pst.last_id, q(f, "SELECT max(id) FROM outbox"));
	assert_int_equal(pst.attempts, 0);
	assert_string_equal(pst.last_error, "");
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE action = 'push'"), 1);
	wr_target_close(&t);
}

static void test_target_open_refuses_credentials(void **state)
{
	struct wr_target t;
	struct wr_err err;

	(void)state;
	assert_int_equal(wr_target_open(&t, "http://user:secret@example.org/pub", NULL, &err),
	                 WR_EINVAL);
	assert_null(strstr(err.msg, "secret"));
	wr_target_close(&t);
	assert_int_equal(wr_target_open(&t, "https://user:secret@example.org", NULL, &err),
	                 WR_EINVAL);
	wr_target_close(&t);
	/* The same host without credentials is fine (nothing is sent yet). */
	assert_int_equal(wr_target_open(&t, "http://example.org/pub", NULL, &err), WR_OK);
	assert_string_equal(t.name, "http://example.org/pub/");
	wr_target_close(&t);

	assert_int_equal(unsetenv("AWS_ACCESS_KEY_ID"), 0);
	assert_int_equal(unsetenv("AWS_SECRET_ACCESS_KEY"), 0);
	assert_int_equal(wr_target_open(&t, "s3://bucket/prefix", "http://127.0.0.1:9",
	                                &err), WR_EINVAL);
	assert_non_null(strstr(err.msg, "AWS_ACCESS_KEY_ID"));
	wr_target_close(&t);
	assert_int_equal(wr_target_open(&t, "ftp://example.org/pub", NULL, &err), WR_EINVAL);
	wr_target_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_nothing_approved_no_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_batch_outbox_and_manifest, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_unapproved_tallies_never_published, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_closed_gate_holds_county, setup, teardown),
		cmocka_unit_test_setup_teardown(test_incremental_batch_equals_full, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_approved_revision_replaces_published, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_freeze_stops_publishing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_zeroes_only_before_results, setup, teardown),
		cmocka_unit_test_setup_teardown(test_freeze_holds_queued_batches, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fixture_reload_drops_rendered_parts, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_pre_opening_tally_not_published, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_pre_opening_tally_does_not_open_gate, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_push_to_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_failure_keeps_cursor, setup, teardown),
		cmocka_unit_test(test_target_open_refuses_credentials),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
