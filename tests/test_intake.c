/* Intake: every record ends in exactly one place (accepted, revised,
 * duplicate, unmatched or quarantined), reruns neither lose nor double a
 * tally, and a store failure undoes the open batch so a rerun redoes it
 * exactly once. The clock is pinned with WARROOM_NOW. */
#include "testutil.h"

#include <sys/stat.h>

#include "warroom/intake.h"
#include "warroom/ndjson.h"
#include "warroom/submission.h"

#define NOW_TEXT "2024-01-16T03:00:00Z"

struct fx {
	struct tu_store t;
	struct wr_intake *in;
	FILE *log;
	char *logbuf;
	size_t loglen;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);
	struct wr_err err;

	assert_non_null(f);
	assert_int_equal(setenv("WARROOM_NOW", NOW_TEXT, 1), 0);
	tu_open(&f->t);
	f->log = open_memstream(&f->logbuf, &f->loglen);
	assert_non_null(f->log);
	if (wr_intake_open(&f->in, &f->t.s, f->log, &err) != WR_OK)
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
	fclose(f->log);
	free(f->logbuf);
	tu_close(&f->t);
	free(f);
	return 0;
}

/* The log so far, flushed so logbuf is current. */
static const char *logtext(struct fx *f)
{
	fflush(f->log);
	return f->logbuf ? f->logbuf : "";
}

/* A tally for precinct code pct. */
static void tally(char *buf, size_t n, const char *id, const char *pct, int trump,
                  int desantis, int haley)
{
	snprintf(buf, n, "{\"submission_id\":\"%s\",\"source\":\"app\",\"precinct\":\"%s\","
	         "\"reported_at\":\"2024-01-15T20:01:00-06:00\",\"reporter\":\"chair\","
	         "\"votes\":{\"trump\":%d,\"desantis\":%d,\"haley\":%d},\"total\":%d}",
	         id, pct, trump, desantis, haley, trump + desantis + haley);
}

static enum wr_outcome put_n(struct fx *f, const char *origin, long line,
                             const char *buf, size_t len, size_t full)
{
	enum wr_outcome o = WR_OUTCOMES;
	struct wr_err err;

	if (wr_intake_record(f->in, origin, line, buf, len, full, &o, &err) != WR_OK)
		fail_msg("store failure: %s", err.msg);
	assert_true(o < WR_OUTCOMES);
	return o;
}

static enum wr_outcome put(struct fx *f, long line, const char *json)
{
	return put_n(f, "feed.ndjson", line, json, strlen(json), strlen(json));
}

static long long q(struct fx *f, const char *sql)
{
	return tu_int(&f->t.s, sql);
}

static long n_of(struct fx *f, enum wr_outcome o)
{
	return wr_intake_counts(f->in)->n[o];
}

/* Text of the first column of the first row (into out). */
static void qtext(struct fx *f, const char *sql, char *out, size_t n)
{
	tu_text(&f->t.s, sql, out, n);
}

static void test_outcome_names(void **state)
{
	(void)state;
	assert_string_equal(wr_outcome_name(WR_ACCEPTED), "accepted");
	assert_string_equal(wr_outcome_name(WR_DUPLICATE), "duplicate");
	assert_string_equal(wr_outcome_name(WR_REVISED), "revised");
	assert_string_equal(wr_outcome_name(WR_UNMATCHED), "unmatched");
	assert_string_equal(wr_outcome_name(WR_QUARANTINED), "quarantined");
	assert_string_equal(wr_outcome_name(WR_OUTCOMES), "?");
}

static void test_accepted(void **state)
{
	struct fx *f = *state;
	char rec[512], text[128];
	sqlite3_stmt *st;

	tally(rec, sizeof rec, "app-1", "19153-002", 40, 12, 5);
	assert_int_equal(put(f, 7, rec), WR_ACCEPTED);
	assert_int_equal(n_of(f, WR_ACCEPTED), 1);
	/* Scored as it was stored: 57 votes in a precinct of 2,000 registered
	 * Republicans with no baselines, from one reporter in one room, after
	 * the caucus opened, trips no rule, so it is 'clean' with no flags. */
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE submission_id ="
	                      " 'app-1' AND state = 'clean' AND revision = 1 AND"
	                      " supersedes IS NULL AND resolved_by = 'code' AND total = 57"
	                      " AND origin = 'feed.ndjson' AND line = 7 AND source = 'app'"
	                      " AND precinct_ref = '19153-002' AND reporter = 'chair'"
	                      " AND device IS NULL AND reported_at_s = 1705370460"
	                      " AND length(content_hash) = 32"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM flags"), 0);
	assert_int_equal(q(f, "SELECT s.precinct_id = p.id FROM submissions s, precincts p"
	                      " WHERE p.code = '19153-002'"), 1);
	/* Times are stored in UTC; received_at is the (pinned) clock. */
	qtext(f, "SELECT reported_at FROM submissions", text, sizeof text);
	assert_string_equal(text, "2024-01-16T02:01:00Z");
	qtext(f, "SELECT received_at FROM submissions", text, sizeof text);
	assert_string_equal(text, NOW_TEXT);
	/* Votes by candidate id, not by position. */
	assert_int_equal(q(f, "SELECT votes FROM votes WHERE candidate = 'trump'"), 40);
	assert_int_equal(q(f, "SELECT votes FROM votes WHERE candidate = 'desantis'"), 12);
	assert_int_equal(q(f, "SELECT votes FROM votes WHERE candidate = 'haley'"), 5);
	/* The raw bytes are kept verbatim for audit. */
	assert_int_equal(sqlite3_prepare_v2(f->t.s.db, "SELECT raw FROM submissions", -1, &st,
	                                    NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_bytes(st, 0), (int)strlen(rec));
	assert_memory_equal(sqlite3_column_blob(st, 0), rec, strlen(rec));
	sqlite3_finalize(st);
}

static void test_accepted_by_name(void **state)
{
	struct fx *f = *state;
	char text[128];
	const char *rec = "{\"submission_id\":\"hl-1\",\"source\":\"hotline\","
	                  "\"county\":\"Polk County\",\"precinct_name\":\"Des Moines No. 45\","
	                  "\"reported_at\":\"2024-01-16T02:30:00Z\",\"reporter\":\"op-3\","
	                  "\"device\":\"desk-2\",\"votes\":{\"trump\":1,\"desantis\":2,"
	                  "\"haley\":3},\"total\":6}";

	assert_int_equal(put(f, 1, rec), WR_ACCEPTED);
	qtext(f, "SELECT resolved_by || '|' || precinct_ref || '|' || device || '|' ||"
	         " source FROM submissions", text, sizeof text);
	assert_string_equal(text, "alias_name|Polk County / Des Moines No. 45|desk-2|hotline");
	assert_int_equal(q(f, "SELECT s.precinct_id = p.id FROM submissions s, precincts p"
	                      " WHERE p.code = '19153-001'"), 1);
}

static void test_duplicate(void **state)
{
	struct fx *f = *state;
	char rec[512];
	const char *respaced;

	tally(rec, sizeof rec, "app-1", "19153-002", 40, 12, 5);
	assert_int_equal(put(f, 1, rec), WR_ACCEPTED);
	/* The phone retried: same id, same content, even from another file
	 * and with other spacing and key order. */
	assert_int_equal(put_n(f, "retry.ndjson", 9, rec, strlen(rec), strlen(rec)),
	                 WR_DUPLICATE);
	respaced = "{ \"total\": 57, \"votes\": {\"haley\": 5, \"desantis\": 12, \"trump\":"
	           " 40}, \"reporter\": \"chair\", \"reported_at\": \"2024-01-16T02:01:00Z\","
	           " \"precinct\": \"19153-002\", \"source\": \"app\", \"submission_id\":"
	           " \"app-1\" }";
	assert_int_equal(put(f, 2, respaced), WR_DUPLICATE);
	assert_int_equal(n_of(f, WR_DUPLICATE), 2);
	assert_int_equal(n_of(f, WR_ACCEPTED), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM votes"), 3);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine"), 0);
	/* The original's origin is kept. */
	assert_int_equal(q(f, "SELECT line FROM submissions"), 1);
}

static void test_conflict(void **state)
{
	struct fx *f = *state;
	char rec[512], reason[448];

	tally(rec, sizeof rec, "app-1", "19153-002", 40, 12, 5);
	assert_int_equal(put(f, 1, rec), WR_ACCEPTED);
	/* Same id, one vote different: which is true? Neither silently. */
	tally(rec, sizeof rec, "app-1", "19153-002", 41, 12, 5);
	assert_int_equal(put(f, 2, rec), WR_QUARANTINED);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 1);
	assert_int_equal(q(f, "SELECT total FROM submissions"), 57);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine WHERE field = 'submission_id'"
	                      " AND origin = 'feed.ndjson' AND line = 2"), 1);
	qtext(f, "SELECT reason FROM quarantine", reason, sizeof reason);
	assert_non_null(strstr(reason, "\"app-1\" was already stored from feed.ndjson:1"));
	assert_non_null(strstr(logtext(f), "feed.ndjson:2: quarantined: submission_id:"));
	assert_int_equal(n_of(f, WR_QUARANTINED), 1);
}

static void test_revision(void **state)
{
	struct fx *f = *state;
	char rec[512];
	long long first, second, third;

	tally(rec, sizeof rec, "app-1", "19153-003", 40, 12, 5);
	assert_int_equal(put(f, 1, rec), WR_ACCEPTED);
	/* A corrected tally under a new id supersedes the first. */
	tally(rec, sizeof rec, "app-2", "19153-003", 42, 12, 5);
	assert_int_equal(put(f, 2, rec), WR_REVISED);
	first = q(f, "SELECT id FROM submissions WHERE submission_id = 'app-1'");
	second = q(f, "SELECT id FROM submissions WHERE submission_id = 'app-2'");
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE submission_id = 'app-1'"
	                      " AND state = 'superseded' AND revision = 1"), 1);
	/* A revision with other numbers (59 votes, was 57) trips
	 * conflicting_revision, a warn: 'flagged', not 'clean'. */
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE submission_id = 'app-2'"
	                      " AND state = 'flagged' AND revision = 2"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM flags f JOIN submissions s ON"
	                      " s.id = f.submission WHERE s.submission_id = 'app-2' AND"
	                      " f.rule = 'conflicting_revision' AND f.severity = 'warn'"), 1);
	/* The first, unchanged tally was clean and is only superseded now. */
	assert_int_equal(q(f, "SELECT count(*) FROM flags f JOIN submissions s ON"
	                      " s.id = f.submission WHERE s.submission_id = 'app-1'"), 0);
	assert_int_equal(q(f, "SELECT supersedes FROM submissions WHERE submission_id ="
	                      " 'app-2'"), first);

	/* A third, from the hotline, chains onto the second. */
	tally(rec, sizeof rec, "hl-3", "19153-003", 43, 12, 5);
	assert_int_equal(put(f, 3, rec), WR_REVISED);
	third = q(f, "SELECT id FROM submissions WHERE submission_id = 'hl-3'");
	assert_int_equal(q(f, "SELECT revision FROM submissions WHERE id = (SELECT max(id)"
	                      " FROM submissions)"), 3);
	assert_int_equal(q(f, "SELECT supersedes FROM submissions WHERE submission_id ="
	                      " 'hl-3'"), second);
	/* Only the newest revision is pending; it changed the numbers again. */
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE state IN ('received',"
	                      " 'clean', 'flagged')"), 1);
	assert_int_equal(q(f, "SELECT id FROM submissions WHERE state = 'flagged'"), third);
	/* Another precinct is not affected: its tally is clean. */
	tally(rec, sizeof rec, "app-4", "19153-004", 1, 1, 1);
	assert_int_equal(put(f, 4, rec), WR_ACCEPTED);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE submission_id = 'app-4'"
	                      " AND state = 'clean'"), 1);
	assert_int_equal(n_of(f, WR_ACCEPTED), 2);
	assert_int_equal(n_of(f, WR_REVISED), 2);
}

static void test_revision_through_alias(void **state)
{
	struct fx *f = *state;
	char rec[512];

	/* 19153-501 is the old code of 19153-001: the same precinct, so the
	 * second tally revises the first. */
	tally(rec, sizeof rec, "app-1", "19153-001", 40, 12, 5);
	assert_int_equal(put(f, 1, rec), WR_ACCEPTED);
	tally(rec, sizeof rec, "app-2", "19153-501", 41, 12, 5);
	assert_int_equal(put(f, 2, rec), WR_REVISED);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE submission_id = 'app-2'"
	                      " AND resolved_by = 'alias_code' AND revision = 2"), 1);
}

static void test_unmatched(void **state)
{
	struct fx *f = *state;
	char rec[512], text[256];

	tally(rec, sizeof rec, "app-1", "19141-0022", 40, 12, 5);
	assert_int_equal(put(f, 3, rec), WR_UNMATCHED);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE state = 'unmatched'"
	                      " AND precinct_id IS NULL AND resolved_by = 'unmatched'"
	                      " AND revision = 1"), 1);
	/* The tally itself is kept, waiting for an operator. */
	assert_int_equal(q(f, "SELECT count(*) FROM votes"), 3);
	/* Without a precinct the rules cannot judge it: it is scored when an
	 * operator resolves it (tests/test_unmatched.c), not now. */
	assert_int_equal(q(f, "SELECT count(*) FROM flags"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM rate_windows"), 0);
	qtext(f, "SELECT suggestions FROM unmatched", text, sizeof text);
	assert_string_equal(text, "[\"19141-002\",\"19141-001\"]");
	assert_int_equal(q(f, "SELECT count(*) FROM unmatched u JOIN submissions s ON"
	                      " s.id = u.submission WHERE u.name = '19141-0022' AND"
	                      " u.county_fips IS NULL AND u.resolved_at IS NULL"), 1);
	assert_non_null(strstr(logtext(f), "feed.ndjson:3: unmatched: precinct \"19141-0022\""));

	/* By name in a known county: the county is kept for the operator. */
	assert_int_equal(put(f, 4, "{\"submission_id\":\"hl-2\",\"source\":\"hotline\","
	                           "\"county\":\"Polk\",\"precinct_name\":\"Des Moins 4-1\","
	                           "\"reported_at\":\"2024-01-16T02:30:00Z\",\"reporter\":"
	                           "\"op\",\"votes\":{\"trump\":1,\"desantis\":2,\"haley\":3},"
	                           "\"total\":6}"), WR_UNMATCHED);
	qtext(f, "SELECT county_fips || '|' || name || '|' || suggestions FROM unmatched"
	         " WHERE name LIKE 'Polk%'", text, sizeof text);
	assert_non_null(strstr(text, "19153|Polk / Des Moins 4-1|[\"19153-003\",\"19153-004\","));
	assert_int_equal(n_of(f, WR_UNMATCHED), 2);

	/* An unknown county is what the operator is told about. */
	assert_int_equal(put(f, 6, "{\"submission_id\":\"hl-4\",\"source\":\"hotline\","
	                           "\"county\":\"Story\",\"precinct_name\":\"Ames 1\","
	                           "\"reported_at\":\"2024-01-16T02:30:00Z\",\"reporter\":"
	                           "\"op\",\"votes\":{\"trump\":1,\"desantis\":2,\"haley\":3},"
	                           "\"total\":6}"), WR_UNMATCHED);
	assert_non_null(strstr(logtext(f), "feed.ndjson:6: unmatched: county \"Story\" is not"
	                                   " known"));
	assert_int_equal(q(f, "SELECT count(*) FROM unmatched WHERE county_fips IS NULL AND"
	                      " name = 'Story / Ames 1'"), 1);

	/* A second unmatched tally is not mistaken for a revision. */
	tally(rec, sizeof rec, "app-3", "19141-0022", 41, 12, 5);
	assert_int_equal(put(f, 7, rec), WR_UNMATCHED);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE supersedes IS NOT NULL"),
	                 0);
}

static void test_quarantine(void **state)
{
	struct fx *f = *state;
	const char *bad = "{\"submission_id\":\"app-1\",\"source\":\"app\",\"precinct\":"
	                  "\"19153-002\",\"reported_at\":\"2024-01-16T02:00:00Z\","
	                  "\"reporter\":\"r\",\"votes\":{\"trump\":1,\"desantis\":2,"
	                  "\"haley\":3},\"total\":-6}";
	char reason[448];

	assert_int_equal(put(f, 5, bad), WR_QUARANTINED);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine WHERE field = 'total' AND"
	                      " origin = 'feed.ndjson' AND line = 5 AND length(raw_sha256) = 32"
	                      " AND received_at = '" NOW_TEXT "'"), 1);
	qtext(f, "SELECT reason FROM quarantine", reason, sizeof reason);
	assert_string_equal(reason, "total: is negative (-6)");
	assert_non_null(strstr(logtext(f),
	                       "feed.ndjson:5: quarantined: total: is negative (-6)\n"));
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 0);

	/* Rerunning the same input stores each bad record once. */
	assert_int_equal(put(f, 5, bad), WR_QUARANTINED);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine"), 1);
	/* The same bytes on another line are another record. */
	assert_int_equal(put(f, 6, bad), WR_QUARANTINED);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine"), 2);
	assert_int_equal(n_of(f, WR_QUARANTINED), 3);

	/* A whole-record problem has no field. */
	assert_int_equal(put(f, 7, "not json"), WR_QUARANTINED);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine WHERE line = 7 AND field IS"
	                      " NULL"), 1);
	/* A future timestamp is judged against the pinned clock. */
	assert_int_equal(put(f, 8, "{\"submission_id\":\"app-9\",\"source\":\"app\","
	                           "\"precinct\":\"19153-002\",\"reported_at\":"
	                           "\"2024-01-16T03:05:01Z\",\"reporter\":\"r\",\"votes\":"
	                           "{\"trump\":1,\"desantis\":2,\"haley\":3},\"total\":6}"),
	                 WR_QUARANTINED);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine WHERE line = 8 AND field ="
	                      " 'reported_at'"), 1);
}

static void test_overlong(void **state)
{
	struct fx *f = *state;
	const char *head = "{\"submission_id\":\"app-1\",\"padding\":\"xxxxxxxx";
	char reason[448], want[160];

	/* The line reader kept the first bytes of a 70000-byte line. */
	assert_int_equal(put_n(f, "big.ndjson", 3, head, strlen(head), 70000),
	                 WR_QUARANTINED);
	snprintf(want, sizeof want, "record is 70000 bytes; at most %d allowed (the first"
	         " %zu bytes are kept)", WR_RECORD_MAX, strlen(head));
	qtext(f, "SELECT reason FROM quarantine", reason, sizeof reason);
	assert_string_equal(reason, want);
	assert_int_equal(q(f, "SELECT length(raw) FROM quarantine WHERE field IS NULL AND"
	                      " line = 3"), (long long)strlen(head));
	/* Even a parseable prefix is not accepted when the line was cut. */
	{
		char rec[512];

		tally(rec, sizeof rec, "app-2", "19153-002", 1, 2, 3);
		assert_int_equal(put_n(f, "big.ndjson", 4, rec, strlen(rec), strlen(rec) + 1),
		                 WR_QUARANTINED);
	}
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 0);
}

static void test_counts_and_flush(void **state)
{
	struct fx *f = *state;
	char rec[512];
	sqlite3 *reader;
	struct wr_err err;
	const struct wr_intake_counts *n;
	long long seen;

	tally(rec, sizeof rec, "a", "19153-001", 1, 1, 1);
	put(f, 1, rec);
	put(f, 2, rec);
	tally(rec, sizeof rec, "b", "19153-001", 2, 1, 1);
	put(f, 3, rec);
	tally(rec, sizeof rec, "c", "19153-999", 2, 1, 1);
	put(f, 4, rec);
	put(f, 5, "{}");
	n = wr_intake_counts(f->in);
	assert_int_equal(n->n[WR_ACCEPTED], 1);
	assert_int_equal(n->n[WR_DUPLICATE], 1);
	assert_int_equal(n->n[WR_REVISED], 1);
	assert_int_equal(n->n[WR_UNMATCHED], 1);
	assert_int_equal(n->n[WR_QUARANTINED], 1);

	/* Another process sees nothing until the batch is flushed. */
	assert_int_equal(sqlite3_open(f->t.path, &reader), SQLITE_OK);
	{
		sqlite3_stmt *st;

		assert_int_equal(sqlite3_prepare_v2(reader, "SELECT count(*) FROM submissions",
		                                    -1, &st, NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		seen = sqlite3_column_int64(st, 0);
		sqlite3_reset(st);
		assert_int_equal(seen, 0);
		assert_int_equal(wr_intake_flush(f->in, &err), WR_OK);
		assert_int_equal(sqlite3_step(st), SQLITE_ROW);
		seen = sqlite3_column_int64(st, 0);
		sqlite3_finalize(st);
		assert_int_equal(seen, 3);
	}
	sqlite3_close(reader);
	/* Flushing with nothing pending is harmless. */
	assert_int_equal(wr_intake_flush(f->in, &err), WR_OK);
}

static void test_large_batch_commits(void **state)
{
	struct fx *f = *state;
	char rec[512], id[32];
	sqlite3 *reader;
	sqlite3_stmt *st;

	/* Six hundred tallies (revisions of one precinct): the open batch is
	 * committed along the way so readers are not starved, and every
	 * revision links to the one before. */
	for (int i = 1; i <= 600; i++) {
		snprintf(id, sizeof id, "app-%d", i);
		tally(rec, sizeof rec, id, "19141-001", i, 0, 0);
		assert_int_equal(put(f, i, rec), i == 1 ? WR_ACCEPTED : WR_REVISED);
	}
	assert_int_equal(sqlite3_open(f->t.path, &reader), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(reader, "SELECT count(*) FROM submissions", -1,
	                                    &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_true(sqlite3_column_int64(st, 0) > 0);
	assert_true(sqlite3_column_int64(st, 0) < 600);
	sqlite3_finalize(st);
	sqlite3_close(reader);
	assert_int_equal(q(f, "SELECT max(revision) FROM submissions"), 600);
	/* One pending tally, the newest; every revision changed the numbers, so
	 * it is 'flagged' (conflicting_revision among others), not 'clean'. */
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE state IN ('received',"
	                      " 'clean', 'flagged')"), 1);
	assert_int_equal(q(f, "SELECT revision FROM submissions WHERE state = 'flagged'"), 600);
	assert_int_equal(q(f, "SELECT count(*) FROM flags f JOIN submissions s ON s.id ="
	                      " f.submission WHERE s.revision = 600 AND f.rule ="
	                      " 'conflicting_revision'"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions a JOIN submissions b ON"
	                      " b.id = a.supersedes WHERE b.revision = a.revision - 1"), 599);
}

/* Writes content to dir/name. */
static void write_file(const char *dir, const char *name, const char *content)
{
	char path[256];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	fp = fopen(path, "wb");
	assert_non_null(fp);
	fputs(content, fp);
	assert_int_equal(fclose(fp), 0);
}

static void test_directory(void **state)
{
	struct fx *f = *state;
	char dir[64], real[4096], path[4200], sub[128], cmd[128];
	char a[512], b[512], c[512], d[512], e[512], body[2048];
	struct wr_err err;

	snprintf(dir, sizeof dir, "/tmp/wrintake.XXXXXX");
	assert_non_null(mkdtemp(dir));
	assert_non_null(realpath(dir, real));
	tally(a, sizeof a, "a", "19153-001", 1, 1, 1);
	tally(b, sizeof b, "b", "19153-002", 1, 1, 1);
	tally(c, sizeof c, "c", "19153-001", 2, 2, 2);
	tally(d, sizeof d, "d", "19153-001", 3, 3, 3);
	tally(e, sizeof e, "e", "19153-004", 3, 3, 3);
	/* Written in reverse so readdir order is unlikely to be name order. */
	snprintf(body, sizeof body, "%s\n", d);
	write_file(dir, "03.json", body);
	snprintf(body, sizeof body, "%s\r\n", c);
	write_file(dir, "02.jsonl", body);
	/* A BOM, a blank line, a bad record and no final newline. */
	snprintf(body, sizeof body, "\xef\xbb\xbf%s\n\n   \n{\"bad\":1}\n%s", a, b);
	write_file(dir, "01.ndjson", body);
	snprintf(body, sizeof body, "%s\n", e);
	write_file(dir, "notes.txt", body);
	write_file(dir, ".partial.ndjson", body);
	snprintf(sub, sizeof sub, "%s/sub.ndjson", dir);
	assert_int_equal(mkdir(sub, 0700), 0);

	if (wr_ndjson_ingest(f->in, dir, f->log, &err) != WR_OK)
		fail_msg("ingest: %s", err.msg);
	assert_int_equal(n_of(f, WR_ACCEPTED), 2);
	assert_int_equal(n_of(f, WR_REVISED), 2);
	assert_int_equal(n_of(f, WR_QUARANTINED), 1);
	/* Files load in name order: c (02) revises a (01), d (03) revises c. */
	assert_int_equal(q(f, "SELECT revision FROM submissions WHERE submission_id = 'c'"), 2);
	assert_int_equal(q(f, "SELECT revision FROM submissions WHERE submission_id = 'd'"), 3);
	/* Skipped: other extensions, hidden files, directories. */
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE submission_id = 'e'"), 0);
	snprintf(path, sizeof path, "%s/notes.txt: skipped", dir);
	assert_non_null(strstr(logtext(f), path));
	assert_null(strstr(logtext(f), ".partial.ndjson"));
	snprintf(path, sizeof path, "%s/sub.ndjson: skipped: a directory", dir);
	assert_non_null(strstr(logtext(f), path));
	/* Origins are absolute paths with real line numbers. */
	snprintf(path, sizeof path, "SELECT line FROM submissions WHERE submission_id = 'b'"
	         " AND origin = '%s/01.ndjson'", real);
	assert_int_equal(q(f, path), 5);
	snprintf(path, sizeof path, "SELECT line FROM quarantine WHERE origin ="
	         " '%s/01.ndjson'", real);
	assert_int_equal(q(f, path), 4);
	/* The CRLF line was read without its \r. */
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE submission_id = 'c'"
	                      " AND instr(raw, x'0d') = 0"), 1);

	/* Rerunning the directory changes nothing. */
	if (wr_ndjson_ingest(f->in, dir, f->log, &err) != WR_OK)
		fail_msg("rerun: %s", err.msg);
	assert_int_equal(n_of(f, WR_DUPLICATE), 4);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 4);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine"), 1);

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
}

static void test_missing_path(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	assert_int_equal(wr_ndjson_ingest(f->in, "/nonexistent/feed.ndjson", f->log, &err), WR_EIO);
	assert_non_null(strstr(err.msg, "/nonexistent/feed.ndjson"));
}

static void test_store_failure_undoes_batch(void **state)
{
	struct fx *f = *state;
	char rec[512];
	enum wr_outcome o;
	struct wr_err err;

	/* Make the store refuse one particular tally, as a full disk would. */
	assert_int_equal(sqlite3_exec(f->t.s.db,
	        "CREATE TRIGGER boom BEFORE INSERT ON submissions"
	        " WHEN NEW.submission_id = 'boom'"
	        " BEGIN SELECT RAISE(ABORT, 'injected failure'); END", NULL, NULL, NULL),
	                 SQLITE_OK);
	tally(rec, sizeof rec, "a", "19153-001", 1, 1, 1);
	assert_int_equal(put(f, 1, rec), WR_ACCEPTED);
	assert_int_equal(put(f, 2, "garbage"), WR_QUARANTINED);
	tally(rec, sizeof rec, "boom", "19153-002", 1, 1, 1);
	assert_int_equal(wr_intake_record(f->in, "feed.ndjson", 3, rec, strlen(rec),
	                                  strlen(rec), &o, &err), WR_ESTORE);
	assert_non_null(strstr(err.msg, "injected failure"));
	assert_non_null(strstr(err.msg, f->t.path));
	/* The whole open batch is undone, quarantine included... */
	assert_int_not_equal(sqlite3_get_autocommit(f->t.s.db), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine"), 0);
	/* ...so a rerun stores each record exactly once. */
	assert_int_equal(sqlite3_exec(f->t.s.db, "DROP TRIGGER boom", NULL, NULL, NULL),
	                 SQLITE_OK);
	tally(rec, sizeof rec, "a", "19153-001", 1, 1, 1);
	assert_int_equal(put(f, 1, rec), WR_ACCEPTED);
	assert_int_equal(put(f, 2, "garbage"), WR_QUARANTINED);
	tally(rec, sizeof rec, "boom", "19153-002", 1, 1, 1);
	assert_int_equal(put(f, 3, rec), WR_ACCEPTED);
	assert_int_equal(wr_intake_flush(f->in, &err), WR_OK);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine"), 1);
}

/* Scoring runs inside the batch: when it fails, the tally it was scoring
 * and everything else in the open batch are undone, as for any store
 * failure, and a rerun stores and scores each tally once. */
static void test_scoring_failure_undoes_batch(void **state)
{
	struct fx *f = *state;
	char rec[512];
	enum wr_outcome o;
	struct wr_err err;

	/* The insert goes through; the scorer's verdict on it does not. */
	assert_int_equal(sqlite3_exec(f->t.s.db,
	        "CREATE TRIGGER boom BEFORE UPDATE OF state ON submissions"
	        " WHEN NEW.submission_id = 'boom' AND NEW.state IN ('clean', 'flagged')"
	        " BEGIN SELECT RAISE(ABORT, 'injected scoring failure'); END", NULL, NULL,
	                              NULL), SQLITE_OK);
	tally(rec, sizeof rec, "a", "19153-002", 40, 12, 5);
	assert_int_equal(put(f, 1, rec), WR_ACCEPTED);
	tally(rec, sizeof rec, "boom", "19153-003", 40, 12, 5);
	assert_int_equal(wr_intake_record(f->in, "feed.ndjson", 2, rec, strlen(rec),
	                                  strlen(rec), &o, &err), WR_ESTORE);
	assert_non_null(strstr(err.msg, "injected scoring failure"));
	assert_int_not_equal(sqlite3_get_autocommit(f->t.s.db), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM flags"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM rate_windows"), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM county_stats"), 0);
	assert_int_equal(sqlite3_exec(f->t.s.db, "DROP TRIGGER boom", NULL, NULL, NULL),
	                 SQLITE_OK);
	tally(rec, sizeof rec, "a", "19153-002", 40, 12, 5);
	assert_int_equal(put(f, 1, rec), WR_ACCEPTED);
	tally(rec, sizeof rec, "boom", "19153-003", 40, 12, 5);
	assert_int_equal(put(f, 2, rec), WR_ACCEPTED);
	assert_int_equal(wr_intake_flush(f->in, &err), WR_OK);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE state = 'clean'"), 2);
	/* Counted once each in the county's running totals and the windows. */
	assert_int_equal(q(f, "SELECT reported FROM county_stats WHERE"
	                      " county_fips = '19153'"), 2);
	assert_int_equal(q(f, "SELECT votes FROM county_stats WHERE county_fips = '19153'"),
	                 114);
	assert_int_equal(q(f, "SELECT submissions FROM rate_windows WHERE scope = 'state'"), 2);
}

static void test_locked_store(void **state)
{
	struct fx *f = *state;
	char rec[512];
	enum wr_outcome o;
	struct wr_err err;
	sqlite3 *other;

	/* Another process holds the write lock and we have no patience. */
	sqlite3_busy_timeout(f->t.s.db, 0);
	assert_int_equal(sqlite3_open(f->t.path, &other), SQLITE_OK);
	assert_int_equal(sqlite3_exec(other, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
	tally(rec, sizeof rec, "a", "19153-001", 1, 1, 1);
	assert_int_equal(wr_intake_record(f->in, "feed.ndjson", 1, rec, strlen(rec),
	                                  strlen(rec), &o, &err), WR_ESTORE);
	assert_non_null(strstr(err.msg, "locked"));
	assert_int_equal(n_of(f, WR_ACCEPTED), 0);
	assert_int_equal(sqlite3_exec(other, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_close(other);
	/* Once the lock is free the same record goes in. */
	assert_int_equal(put(f, 1, rec), WR_ACCEPTED);
	assert_int_equal(wr_intake_close(f->in, &err), WR_OK);
	f->in = NULL;
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 1);
}

static void test_open_without_contest(void **state)
{
	struct tu_store t;
	struct wr_intake *in = NULL;
	struct wr_err err;

	(void)state;
	/* Intake before `warroom init --fixtures` says what to do. */
	tu_open_empty(&t);
	assert_int_not_equal(wr_intake_open(&in, &t.s, NULL, &err), WR_OK);
	assert_null(in);
	assert_non_null(strstr(err.msg, "has no contest"));
	assert_non_null(strstr(err.msg, "warroom init"));
	tu_close(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_outcome_names),
		cmocka_unit_test_setup_teardown(test_accepted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_accepted_by_name, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate, setup, teardown),
		cmocka_unit_test_setup_teardown(test_conflict, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_revision_through_alias, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unmatched, setup, teardown),
		cmocka_unit_test_setup_teardown(test_quarantine, setup, teardown),
		cmocka_unit_test_setup_teardown(test_overlong, setup, teardown),
		cmocka_unit_test_setup_teardown(test_counts_and_flush, setup, teardown),
		cmocka_unit_test_setup_teardown(test_large_batch_commits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_directory, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_path, setup, teardown),
		cmocka_unit_test_setup_teardown(test_store_failure_undoes_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_scoring_failure_undoes_batch, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_locked_store, setup, teardown),
		cmocka_unit_test(test_open_without_contest),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
