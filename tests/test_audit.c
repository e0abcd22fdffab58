/* The audit trail: each record's SHA-256 covers the previous record's hash
 * and its own fields, so `verify` names the first record that was edited,
 * deleted or moved, and the head row notices the newest records going.
 * Tampering is done here the way an insider would: raw SQL on the file. */
#include "testutil.h"

#include <limits.h>
#include <sodium.h>

#include "warroom/audit.h"
#include "warroom/auth.h"
#include "warroom/intake.h"
#include "warroom/ndjson.h"
#include "warroom/review.h"
#include "warroom/timefmt.h"

#define T0_TEXT "2024-01-16T03:00:00Z"
#define N_RECORDS 6

struct fx {
	struct tu_store t;
	struct wr_audit *a;
};

static void exec_sql(struct wr_store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "%s: %s\n", sql, msg ? msg : "?");
		sqlite3_free(msg);
		fail();
	}
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct wr_err err;

	assert_non_null(f);
	assert_int_equal(setenv("WARROOM_NOW", T0_TEXT, 1), 0);
	tu_open(&f->t);
	if (wr_audit_open(&f->a, &f->t.s, &err) != WR_OK)
		fail_msg("audit: %s", err.msg);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	wr_audit_close(f->a);
	tu_close(&f->t);
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

static void append(struct fx *f, const char *actor, const char *action,
                   const char *subject, json_t *details)
{
	struct wr_err err;

	assert_int_equal(wr_store_begin(&f->t.s, &err), WR_OK);
	if (wr_audit_append(f->a, actor, action, subject, details, &err) != WR_OK)
		fail_msg("append: %s", err.msg);
	assert_int_equal(wr_store_commit(&f->t.s, &err), WR_OK);
}

/* N_RECORDS records, 1..N, with distinct contents. */
static void fill(struct fx *f)
{
	char subject[16];

	for (int i = 1; i <= N_RECORDS; i++) {
		snprintf(subject, sizeof subject, "app-%d", i);
		append(f, i % 2 ? "alice" : "bob", i % 3 ? "claim" : "approve", subject,
		       json_pack("{s:i}", "n", i));
	}
}

static void verify(struct fx *f, struct wr_audit_check *chk)
{
	struct wr_err err;

	memset(chk, 0x55, sizeof *chk);
	if (wr_audit_verify(&f->t.s, chk, &err) != WR_OK)
		fail_msg("verify: %s", err.msg);
}

static void assert_chain_holds(struct fx *f)
{
	struct wr_audit_check chk;

	verify(f, &chk);
	if (chk.bad_id != 0)
		fail_msg("chain broken at %ld: %s", chk.bad_id, chk.why);
	assert_int_equal(chk.records, q(f, "SELECT count(*) FROM audit"));
}

/* verify names bad_id, and why contains word. */
static void assert_broken_at(struct fx *f, long bad_id, const char *word)
{
	struct wr_audit_check chk;

	verify(f, &chk);
	if (chk.bad_id != bad_id)
		fail_msg("bad_id %ld, want %ld (%s)", chk.bad_id, bad_id, chk.why);
	if (!strstr(chk.why, word))
		fail_msg("why \"%s\" does not say \"%s\"", chk.why, word);
	/* Verifying changes nothing: the same answer again. */
	{
		struct wr_audit_check again;

		verify(f, &again);
		assert_int_equal(again.bad_id, chk.bad_id);
		assert_string_equal(again.why, chk.why);
	}
}

/* ------------------------------------------------------------------ */

static void test_empty_trail(void **state)
{
	struct fx *f = *state;
	struct wr_audit_check chk;

	verify(f, &chk);
	assert_int_equal(chk.records, 0);
	assert_int_equal(chk.bad_id, 0);
}

static void test_append_and_verify(void **state)
{
	struct fx *f = *state;
	struct wr_audit_check chk;
	unsigned char zero[32] = { 0 };
	sqlite3_stmt *st;
	char text[256];

	fill(f);
	append(f, "sam", "override", "app-9", NULL);
	verify(f, &chk);
	assert_int_equal(chk.records, N_RECORDS + 1);
	assert_int_equal(chk.bad_id, 0);

	/* Ids count from 1 with no gaps; the fields are kept as given. */
	assert_int_equal(q(f, "SELECT min(id) FROM audit"), 1);
	assert_int_equal(q(f, "SELECT max(id) FROM audit"), N_RECORDS + 1);
	qtext(f, "SELECT at || ' ' || actor || ' ' || action || ' ' || subject || ' ' ||"
	         " details FROM audit WHERE id = 3", text, sizeof text);
	assert_string_equal(text, T0_TEXT " alice approve app-3 {\"n\":3}");
	/* No details is an empty object, not NULL. */
	qtext(f, "SELECT details FROM audit WHERE id = 7", text, sizeof text);
	assert_string_equal(text, "{}");

	/* Each record's hash is SHA-256 over the previous hash and its fields;
	 * the first follows 32 zero bytes; the head holds the newest. */
	assert_int_equal(sqlite3_prepare_v2(f->t.s.db, "SELECT id, at, actor, action,"
	                                    " subject, details, prev_hash, hash FROM audit"
	                                    " ORDER BY id", -1, &st, NULL), SQLITE_OK);
	{
		unsigned char prev[32];

		memcpy(prev, zero, 32);
		while (sqlite3_step(st) == SQLITE_ROW) {
			crypto_hash_sha256_state h;
			unsigned char want[32];

			assert_int_equal(sqlite3_column_bytes(st, 6), 32);
			assert_int_equal(sqlite3_column_bytes(st, 7), 32);
			assert_memory_equal(sqlite3_column_blob(st, 6), prev, 32);
			crypto_hash_sha256_init(&h);
			crypto_hash_sha256_update(&h, prev, 32);
			for (int c = 0; c < 6; c++) {
				const unsigned char *v = sqlite3_column_text(st, c);

				crypto_hash_sha256_update(&h, (const unsigned char *)"\x1f", 1);
				crypto_hash_sha256_update(&h, v, strlen((const char *)v));
			}
			crypto_hash_sha256_final(&h, want);
			assert_memory_equal(sqlite3_column_blob(st, 7), want, 32);
			memcpy(prev, want, 32);
		}
		sqlite3_finalize(st);
		assert_int_equal(q(f, "SELECT last_id FROM audit_head"), N_RECORDS + 1);
		assert_int_equal(q(f, "SELECT count(*) FROM audit_head h JOIN audit a ON"
		                      " a.id = h.last_id WHERE a.hash = h.hash"), 1);
	}
}

static void test_append_rolls_back(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	fill(f);
	/* A record appended in a transaction that is rolled back is gone, and so
	 * is its move of the head. */
	assert_int_equal(wr_store_begin(&f->t.s, &err), WR_OK);
	assert_int_equal(wr_audit_append(f->a, "alice", "claim", "x", NULL, &err), WR_OK);
	wr_store_rollback(&f->t.s);
	assert_int_equal(q(f, "SELECT count(*) FROM audit"), N_RECORDS);
	assert_int_equal(q(f, "SELECT last_id FROM audit_head"), N_RECORDS);
	assert_chain_holds(f);
	append(f, "alice", "claim", "y", NULL);
	assert_int_equal(q(f, "SELECT max(id) FROM audit"), N_RECORDS + 1);
	assert_chain_holds(f);
}

static void test_edited_details(void **state)
{
	struct fx *f = *state;

	fill(f);
	exec_sql(&f->t.s, "UPDATE audit SET details = '{\"n\":33}' WHERE id = 3");
	assert_broken_at(f, 3, "edited");
}

static void test_edited_fields(void **state)
{
	static const char *const edits[] = {
		"UPDATE audit SET actor = 'mallory' WHERE id = 4",
		"UPDATE audit SET action = 'reject' WHERE id = 4",
		"UPDATE audit SET subject = 'app-99' WHERE id = 4",
		"UPDATE audit SET at = '2024-01-16T02:59:59Z' WHERE id = 4",
	};
	struct fx *f = *state;

	for (size_t i = 0; i < sizeof edits / sizeof edits[0]; i++) {
		/* A fresh trail for each edit. */
		exec_sql(&f->t.s, "DELETE FROM audit; DELETE FROM audit_head");
		fill(f);
		assert_chain_holds(f);
		exec_sql(&f->t.s, edits[i]);
		assert_broken_at(f, 4, "edited");
	}
}

static void test_edited_hash(void **state)
{
	struct fx *f = *state;

	fill(f);
	exec_sql(&f->t.s, "UPDATE audit SET hash = zeroblob(32) WHERE id = 4");
	assert_broken_at(f, 4, "edited");
}

static void test_first_of_two_edits(void **state)
{
	struct fx *f = *state;

	fill(f);
	exec_sql(&f->t.s, "UPDATE audit SET actor = 'mallory' WHERE id = 5");
	exec_sql(&f->t.s, "UPDATE audit SET details = '{}' WHERE id = 2");
	assert_broken_at(f, 2, "edited");
}

static void test_deleted_middle(void **state)
{
	struct fx *f = *state;

	fill(f);
	exec_sql(&f->t.s, "DELETE FROM audit WHERE id = 3");
	assert_broken_at(f, 3, "missing");
}

static void test_deleted_first(void **state)
{
	struct fx *f = *state;

	fill(f);
	exec_sql(&f->t.s, "DELETE FROM audit WHERE id = 1");
	assert_broken_at(f, 1, "missing");
}

static void test_deleted_and_renumbered(void **state)
{
	struct fx *f = *state;

	/* Hiding a deletion by closing the gap in the ids. */
	fill(f);
	exec_sql(&f->t.s, "DELETE FROM audit WHERE id = 3;"
	                  "UPDATE audit SET id = id - 1 WHERE id > 3;"
	                  "UPDATE audit_head SET last_id = last_id - 1");
	assert_broken_at(f, 3, "reordered");
}

static void test_swapped(void **state)
{
	struct fx *f = *state;

	/* Records 3 and 4 trade places: every column but the id. */
	fill(f);
	exec_sql(&f->t.s,
	         "CREATE TEMP TABLE keep AS SELECT * FROM audit WHERE id IN (3, 4);"
	         "UPDATE audit SET (at, actor, action, subject, details, prev_hash, hash) ="
	         " (SELECT at, actor, action, subject, details, prev_hash, hash FROM keep"
	         "  WHERE keep.id = 7 - audit.id) WHERE id IN (3, 4);"
	         "DROP TABLE keep");
	assert_int_equal(q(f, "SELECT json_extract(details, '$.n') FROM audit WHERE id = 3"), 4);
	assert_broken_at(f, 3, "reordered");
}

static void test_swapped_contents_only(void **state)
{
	struct fx *f = *state;

	/* The visible fields of 3 and 4 swapped, their hashes left in place. */
	fill(f);
	exec_sql(&f->t.s,
	         "CREATE TEMP TABLE keep AS SELECT * FROM audit WHERE id IN (3, 4);"
	         "UPDATE audit SET (at, actor, action, subject, details) ="
	         " (SELECT at, actor, action, subject, details FROM keep"
	         "  WHERE keep.id = 7 - audit.id) WHERE id IN (3, 4);"
	         "DROP TABLE keep");
	assert_broken_at(f, 3, "edited");
}

static void test_deleted_newest(void **state)
{
	struct fx *f = *state;

	fill(f);
	exec_sql(&f->t.s, "DELETE FROM audit WHERE id = 6");
	assert_broken_at(f, 6, "removed");
}

static void test_deleted_newest_two(void **state)
{
	struct fx *f = *state;

	fill(f);
	exec_sql(&f->t.s, "DELETE FROM audit WHERE id >= 5");
	assert_broken_at(f, 5, "removed");
}

static void test_deleted_all(void **state)
{
	struct fx *f = *state;

	fill(f);
	exec_sql(&f->t.s, "DELETE FROM audit");
	assert_broken_at(f, 1, "removed");
}

static void test_edited_head(void **state)
{
	struct fx *f = *state;
	struct wr_audit_check chk;

	fill(f);
	exec_sql(&f->t.s, "UPDATE audit_head SET hash = zeroblob(32)");
	verify(f, &chk);
	assert_true(chk.bad_id != 0);
	assert_non_null(strstr(chk.why, "head"));
	assert_non_null(strstr(chk.why, "edited"));
	/* Restored: holds again. */
	exec_sql(&f->t.s, "UPDATE audit_head SET hash = (SELECT hash FROM audit WHERE id = 6)");
	assert_chain_holds(f);
	/* Pointing the head at an earlier record. */
	exec_sql(&f->t.s, "UPDATE audit_head SET last_id = 5, hash = (SELECT hash FROM"
	                  " audit WHERE id = 5)");
	verify(f, &chk);
	assert_true(chk.bad_id != 0);
	assert_non_null(strstr(chk.why, "head"));
}

static void test_missing_head(void **state)
{
	struct fx *f = *state;
	struct wr_audit_check chk;

	fill(f);
	exec_sql(&f->t.s, "DELETE FROM audit_head");
	verify(f, &chk);
	assert_true(chk.bad_id != 0);
	assert_non_null(strstr(chk.why, "head"));
	assert_non_null(strstr(chk.why, "missing"));
}

static void test_export(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	char *buf = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&buf, &len);
	json_t *j;
	json_error_t jerr;
	int lines = 0;

	assert_non_null(out);
	fill(f);
	assert_int_equal(wr_audit_export(&f->t.s, out, &err), WR_OK);
	fclose(out);
	for (char *line = buf, *nl; (nl = strchr(line, '\n')) != NULL; line = nl + 1) {
		*nl = '\0';
		j = json_loads(line, 0, &jerr);
		assert_non_null(j);
		lines++;
		assert_int_equal(json_integer_value(json_object_get(j, "id")), lines);
		assert_int_equal(json_integer_value(json_object_get(json_object_get(j, "details"),
		                                                    "n")), lines);
		assert_int_equal(strlen(json_string_value(json_object_get(j, "hash"))), 64);
		assert_int_equal(strlen(json_string_value(json_object_get(j, "prev_hash"))), 64);
		json_decref(j);
	}
	assert_int_equal(lines, N_RECORDS);
	free(buf);
}

/* Every kind of state change, through the modules that make them. */
static void test_chain_after_actions(void **state)
{
	struct fx *f = *state;
	struct wr_intake *in;
	struct wr_review *r;
	struct wr_user val, sup;
	struct wr_err err;
	enum wr_outcome o;
	char text[1024];
	const char *recs[] = {
		/* In line with 19153-001's 2016 caucus (380), so no rule fires. */
		"{\"submission_id\":\"a1\",\"source\":\"app\",\"precinct\":\"19153-001\","
		"\"reported_at\":\"2024-01-16T02:01:00Z\",\"reporter\":\"chair\",\"votes\":"
		"{\"trump\":120,\"desantis\":80,\"haley\":40},\"total\":240}",
		"{\"submission_id\":\"a2\",\"source\":\"app\",\"precinct\":\"19153-002\","
		"\"reported_at\":\"2024-01-16T02:01:00Z\",\"reporter\":\"chair\",\"votes\":"
		"{\"trump\":4,\"desantis\":1,\"haley\":1},\"total\":6}",
		"{\"submission_id\":\"a3\",\"source\":\"app\",\"precinct\":\"19153-003\","
		"\"reported_at\":\"2024-01-16T02:01:00Z\",\"reporter\":\"chair\",\"votes\":"
		"{\"trump\":4,\"desantis\":1,\"haley\":1},\"total\":6}",
	};

	assert_int_equal(wr_intake_open(&in, &f->t.s, NULL, &err), WR_OK);
	for (size_t i = 0; i < 3; i++)
		assert_int_equal(wr_intake_record(in, "feed", (long)i + 1, recs[i],
		                                  strlen(recs[i]), strlen(recs[i]), &o, &err),
		                 WR_OK);
	assert_int_equal(wr_intake_close(in, &err), WR_OK);
	/* Planted after intake scored a3 (scoring rewrites a tally's flags); one
	 * approval in the county re-scores nothing. */
	exec_sql(&f->t.s, "INSERT INTO flags (submission, rule, severity, message, created_at)"
	                  " SELECT id, 'r', 'hard', 'm', 'now' FROM submissions WHERE"
	                  " submission_id = 'a3'");
	exec_sql(&f->t.s, "UPDATE submissions SET state = 'flagged' WHERE submission_id = 'a3'");
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE state = 'clean'"), 2);
	assert_int_equal(wr_user_add(&f->t.s, "root", "val", WR_ROLE_VALIDATOR, "1234", &err),
	                 WR_OK);
	assert_int_equal(wr_user_add(&f->t.s, "root", "sup", WR_ROLE_SUPERVISOR, "1234", &err),
	                 WR_OK);
	assert_int_equal(wr_auth_login(&f->t.s, "val", "0000", &val, &err), WR_EAUTH);
	assert_int_equal(wr_auth_login(&f->t.s, "val", "1234", &val, &err), WR_OK);
	assert_int_equal(wr_auth_login(&f->t.s, "sup", "1234", &sup, &err), WR_OK);
	assert_int_equal(wr_review_open(&r, &f->t.s, 0, &err), WR_OK);
	assert_int_equal(wr_review_claim(r, &val, "a1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_approve(r, &val, "a1", NULL, &err), WR_OK);
	assert_int_equal(wr_review_claim(r, &val, "a2", NULL, &err), WR_OK);
	assert_int_equal(wr_review_reject(r, &val, "a2", "sum is off", &err), WR_OK);
	assert_int_equal(wr_review_claim(r, &val, "a3", NULL, &err), WR_OK);
	assert_int_equal(wr_review_release(r, &val, "a3", &err), WR_OK);
	assert_int_equal(wr_review_override(r, &sup, "a3", "checked by phone", &err), WR_OK);
	wr_review_close(r);
	assert_int_equal(wr_user_disable(&f->t.s, "sup", "val", &err), WR_OK);

	qtext(f, "SELECT group_concat(x, ',') FROM (SELECT action || ':' || subject AS x"
	         " FROM audit ORDER BY id)", text, sizeof text);
	assert_string_equal(text, "ingest:a1,ingest:a2,ingest:a3,user_add:val,user_add:sup,"
	                          "login_failed:val,login:val,login:sup,claim:a1,approve:a1,"
	                          "claim:a2,reject:a2,claim:a3,release:a3,override:a3,"
	                          "user_disable:val");
	assert_chain_holds(f);
	/* And one edit anywhere in it is found. */
	exec_sql(&f->t.s, "UPDATE audit SET details = json_set(details, '$.reason', 'fine')"
	                  " WHERE action = 'reject'");
	assert_broken_at(f, (long)q(f, "SELECT id FROM audit WHERE action = 'reject'"),
	                 "edited");
}

static void write_file(const char *path, const char *body)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fputs(body, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void test_ingest_audited(void **state)
{
	struct fx *f = *state;
	struct wr_intake *in;
	struct wr_err err;
	char dir[64], path[96], real[PATH_MAX], body[2 * PATH_MAX + 256],
	     text[PATH_MAX + 64];
	const char *tmpl = "{\"submission_id\":\"%s\",\"source\":\"app\",\"precinct\":"
	                   "\"%s\",\"reported_at\":\"2024-01-16T02:01:00Z\",\"reporter\":"
	                   "\"chair\",\"votes\":{\"trump\":%d,\"desantis\":80,\"haley\":40},"
	                   "\"total\":%d}\n";
	size_t n = 0;

	snprintf(dir, sizeof dir, "/tmp/wraudit.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/night.ndjson", dir);
	n += (size_t)snprintf(body + n, sizeof body - n, tmpl, "a1", "19153-001", 120, 240);
	n += (size_t)snprintf(body + n, sizeof body - n, tmpl, "a2", "19153-001", 121, 241);
	n += (size_t)snprintf(body + n, sizeof body - n, tmpl, "u1", "19153-999", 120, 240);
	n += (size_t)snprintf(body + n, sizeof body - n, "not json\n");
	n += (size_t)snprintf(body + n, sizeof body - n, tmpl, "a1", "19153-001", 125, 245);
	n += (size_t)snprintf(body + n, sizeof body - n, tmpl, "a1", "19153-001", 120, 240);
	write_file(path, body);
	assert_non_null(realpath(path, real));

	assert_int_equal(wr_intake_open(&in, &f->t.s, NULL, &err), WR_OK);
	assert_int_equal(wr_ndjson_ingest(in, path, NULL, &err), WR_OK);
	assert_int_equal(wr_intake_close(in, &err), WR_OK);
	/* One record per stored tally and per quarantined record; the exact
	 * duplicate on line 6 is not an event. */
	assert_int_equal(q(f, "SELECT count(*) FROM audit"), 5);
	assert_int_equal(q(f, "SELECT count(*) FROM audit WHERE actor = 'intake'"), 5);
	qtext(f, "SELECT group_concat(x, ',') FROM (SELECT action || ':' || subject || ':' ||"
	         " coalesce(json_extract(details, '$.outcome'), '') AS x FROM audit"
	         " WHERE action = 'ingest' ORDER BY id)", text, sizeof text);
	assert_string_equal(text, "ingest:a1:accepted,ingest:a2:revised,ingest:u1:unmatched");
	assert_int_equal(q(f, "SELECT json_extract(details, '$.revision') FROM audit WHERE"
	                      " subject = 'a2'"), 2);
	snprintf(body, sizeof body, "SELECT count(*) FROM audit WHERE action = 'quarantine'"
	         " AND subject IN ('%s:4', '%s:5')", real, real);
	assert_int_equal(q(f, body), 2);
	snprintf(body, sizeof body, "SELECT json_extract(details, '$.field') FROM audit WHERE"
	         " subject = '%s:5'", real);
	qtext(f, body, text, sizeof text);
	assert_string_equal(text, "submission_id");
	assert_chain_holds(f);

	/* The same file again: nothing new happened, nothing is recorded. */
	assert_int_equal(wr_intake_open(&in, &f->t.s, NULL, &err), WR_OK);
	assert_int_equal(wr_ndjson_ingest(in, path, NULL, &err), WR_OK);
	assert_int_equal(wr_intake_counts(in)->n[WR_DUPLICATE], 4);
	assert_int_equal(wr_intake_close(in, &err), WR_OK);
	assert_int_equal(q(f, "SELECT count(*) FROM audit"), 5);
	assert_chain_holds(f);

	snprintf(text, sizeof text, "rm -rf '%s'", dir);
	assert_int_equal(system(text), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_trail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_and_verify, setup, teardown),
		cmocka_unit_test_setup_teardown(test_append_rolls_back, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_details, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_fields, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_hash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_first_of_two_edits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_middle, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_first, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_and_renumbered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_swapped_contents_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_newest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_newest_two, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deleted_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_edited_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_head, setup, teardown),
		cmocka_unit_test_setup_teardown(test_export, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_after_actions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_audited, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
