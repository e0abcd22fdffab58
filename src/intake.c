#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/audit.h"
#include "warroom/contest.h"
#include "warroom/intake.h"
#include "warroom/precincts.h"
#include "warroom/scoring.h"
#include "warroom/submission.h"
#include "warroom/timefmt.h"

/* Records per write transaction: large enough that commits do not dominate,
 * small enough that validators waiting on the write lock do not notice. */
#define BATCH 512

enum { ST_FIND, ST_CURRENT, ST_SUPERSEDE, ST_INSERT, ST_UNMATCHED, ST_QUARANTINE,
       ST_COUNT };

static const char *const sql[ST_COUNT] = {
	[ST_FIND] = "SELECT content_hash, origin, line FROM submissions"
	            " WHERE submission_id = ?1",
	[ST_CURRENT] = "SELECT id, revision FROM submissions WHERE precinct_id = ?1"
	               " ORDER BY revision DESC LIMIT 1",
	/* An approved tally stays the precinct's public number until a
	 * supervisor approves its revision (review.c supersedes it then). */
	[ST_SUPERSEDE] = "UPDATE submissions SET state = 'superseded' WHERE id = ?1"
	                 " AND state IN ('received', 'flagged', 'clean')",
	[ST_INSERT] = "INSERT INTO submissions (submission_id, content_hash, source,"
	              " precinct_id, precinct_ref, resolved_by, reporter, device,"
	              " reported_at, reported_at_s, received_at, total, revision,"
	              " supersedes, state, origin, line, raw, keyed_by) VALUES (?1, ?2, ?3,"
	              " ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18,"
	              " nullif(?19, ''))",
	[ST_UNMATCHED] = "INSERT INTO unmatched (submission, county_fips, name,"
	                 " suggestions) VALUES (?1, nullif(?2, ''), ?3, ?4)",
	[ST_QUARANTINE] = "INSERT OR IGNORE INTO quarantine (origin, line, raw,"
	                  " raw_sha256, field, reason, received_at)"
	                  " VALUES (?1, ?2, ?3, ?4, nullif(?5, ''), ?6, ?7)",
};

struct wr_intake {
	struct wr_store *s;
	FILE *log;
	struct wr_contest contest;
	struct wr_resolver *resolver;
	struct wr_audit *audit;
	struct wr_scorer *scorer;
	sqlite3_stmt *st[ST_COUNT];
	sqlite3_stmt *votes;         /* one row per candidate, in one statement */
	int pending;                 /* records in the open transaction */
	char keyer[129];             /* keyed_by of the records that follow, "" none */
	wr_intake_hook hook;         /* for the next record only */
	void *hook_arg;
	int64_t stored_id;           /* the record's submissions.id, 0 when none */
	/* counts include the open batch; a rollback takes `uncommitted` back out */
	struct wr_intake_counts uncommitted, counts;
};

const char *wr_outcome_name(enum wr_outcome o)
{
	static const char *names[] = { "accepted", "duplicate", "revised",
	                               "unmatched", "quarantined" };
	return o < WR_OUTCOMES ? names[o] : "?";
}

static int prepare_votes(struct wr_intake *in, struct wr_err *err)
{
	char sql[64 + WR_MAX_CANDIDATES * 24] = "INSERT INTO votes (submission, candidate, votes) VALUES ";

	for (size_t i = 0; i < in->contest.ncand; i++)
		snprintf(sql + strlen(sql), sizeof sql - strlen(sql), "%s(?1, ?%zu, ?%zu)",
		         i ? ", " : "", 2 + 2 * i, 3 + 2 * i);
	return wr_store_prepare(in->s, &in->votes, sql, err);
}

int wr_intake_open(struct wr_intake **out, struct wr_store *s, FILE *log,
                   struct wr_err *err)
{
	struct wr_intake *in = wr_xcalloc(1, sizeof *in);
	int rc;

	in->s = s;
	in->log = log;
	if (sodium_init() < 0) {
		free(in);
		return wr_errf(err, WR_EIO, "libsodium could not initialise");
	}
	if ((rc = wr_contest_load(s, &in->contest, err)) != WR_OK ||
	    (rc = wr_resolver_open(&in->resolver, s, err)) != WR_OK ||
	    (rc = wr_audit_open(&in->audit, s, err)) != WR_OK ||
	    (rc = wr_scorer_open(&in->scorer, s, err)) != WR_OK)
		goto fail;
	for (int i = 0; i < ST_COUNT; i++)
		if ((rc = wr_store_prepare(s, &in->st[i], sql[i], err)) != WR_OK)
			goto fail;
	if ((rc = prepare_votes(in, err)) != WR_OK)
		goto fail;
	*out = in;
	return WR_OK;
fail:
	wr_intake_close(in, NULL);
	return rc;
}

static void discard(struct wr_intake *in)
{
	wr_audit_batch_abort(in->audit);
	wr_store_rollback(in->s);
	in->pending = 0;
	for (int i = 0; i < WR_OUTCOMES; i++)
		in->counts.n[i] -= in->uncommitted.n[i];
	memset(&in->uncommitted, 0, sizeof in->uncommitted);
}

int wr_intake_flush(struct wr_intake *in, struct wr_err *err)
{
	if (in->pending == 0)
		return WR_OK;
	if (wr_audit_batch_end(in->audit, err) != WR_OK ||
	    wr_store_commit(in->s, err) != WR_OK) {
		discard(in);
		return WR_ESTORE;
	}
	memset(&in->uncommitted, 0, sizeof in->uncommitted);
	in->pending = 0;
	return WR_OK;
}

int wr_intake_close(struct wr_intake *in, struct wr_err *err)
{
	int rc;

	if (!in)
		return WR_OK;
	rc = wr_intake_flush(in, err);
	for (int i = 0; i < ST_COUNT; i++)
		sqlite3_finalize(in->st[i]);
	sqlite3_finalize(in->votes);
	wr_resolver_close(in->resolver);
	wr_audit_close(in->audit);
	wr_scorer_close(in->scorer);
	free(in);
	return rc;
}

const struct wr_intake_counts *wr_intake_counts(const struct wr_intake *in)
{
	return &in->counts;
}

/* Steps a statement that returns no row; resets it for the next use. */
static int run(struct wr_intake *in, sqlite3_stmt *st, const char *doing,
               struct wr_err *err)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(in->s, err, doing);
}

static int quarantine(struct wr_intake *in, const char *origin, long line,
                      const char *buf, size_t len, const struct wr_err *why,
                      const char *now, struct wr_err *err)
{
	sqlite3_stmt *st = in->st[ST_QUARANTINE];
	unsigned char h[32];
	char subject[PATH_MAX + 32];

	crypto_hash_sha256(h, (const unsigned char *)buf, len);
	sqlite3_bind_text(st, 1, origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, line);
	sqlite3_bind_blob(st, 3, buf, (int)len, SQLITE_STATIC);
	sqlite3_bind_blob(st, 4, h, sizeof h, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, why->field, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 6, why->msg, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
	if (in->log)
		fprintf(in->log, "%s:%ld: quarantined: %s\n", origin, line, why->msg);
	if (run(in, st, "storing a quarantined record", err) != WR_OK)
		return WR_ESTORE;
	/* A record quarantined by an earlier run is not a new event. */
	if (sqlite3_changes(in->s->db) == 0)
		return WR_OK;
	snprintf(subject, sizeof subject, "%s:%ld", origin, line);
	return wr_audit_append(in->audit, "intake", "quarantine", subject,
	                       json_pack("{s:s, s:s}", "field", why->field, "reason",
	                                 why->msg), err);
}

/* 1 when submission_id is stored already (duplicate or conflict decided in
 * *outcome and *why), 0 when new, <0 on a store error. */
static int known(struct wr_intake *in, const struct wr_submission *sub,
                 enum wr_outcome *outcome, struct wr_err *why, struct wr_err *err)
{
	sqlite3_stmt *st = in->st[ST_FIND];
	int rc;

	sqlite3_bind_text(st, 1, sub->submission_id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		const void *h = sqlite3_column_blob(st, 0);

		if (sqlite3_column_bytes(st, 0) == 32 && memcmp(h, sub->content_hash, 32) == 0) {
			*outcome = WR_DUPLICATE;
		} else {
			*outcome = WR_QUARANTINED;
			wr_err_field(why, WR_ECONFLICT, "submission_id",
			             "\"%s\" was already stored from %s:%lld with different "
			             "content; refused as a conflict (send a new "
			             "submission_id for a corrected tally)",
			             sub->submission_id, sqlite3_column_text(st, 1),
			             (long long)sqlite3_column_int64(st, 2));
		}
	}
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(in->s, err, "looking up a submission_id");
	return rc == SQLITE_ROW;
}

/* Finds the precinct's latest tally; a new one supersedes it. */
static int previous(struct wr_intake *in, int64_t precinct_id, int64_t *prev_id,
                    int *revision, struct wr_err *err)
{
	sqlite3_stmt *st = in->st[ST_CURRENT];
	int rc;

	*prev_id = 0;
	*revision = 1;
	sqlite3_bind_int64(st, 1, precinct_id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*prev_id = sqlite3_column_int64(st, 0);
		*revision = sqlite3_column_int(st, 1) + 1;
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(in->s, err, "finding the precinct's last tally");
	return WR_OK;
}

struct stored {
	const char *origin;
	long line;
	const char *buf;
	size_t len;
	const char *now;
	int64_t prev_id;
	int revision;
};

static void bind_submission(sqlite3_stmt *st, const struct wr_submission *sub,
                            const struct wr_resolution *res, const struct stored *at)
{
	char ref[256], when[32];

	wr_submission_ref(sub, ref, sizeof ref);
	wr_time_format_utc(sub->reported_at, when);
	sqlite3_bind_text(st, 1, sub->submission_id, -1, SQLITE_STATIC);
	sqlite3_bind_blob(st, 2, sub->content_hash, 32, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, wr_source_name(sub->source), -1, SQLITE_STATIC);
	if (res->precinct_id)
		sqlite3_bind_int64(st, 4, res->precinct_id);
	sqlite3_bind_text(st, 5, ref, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 6, wr_match_name(res->how), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, sub->reporter, -1, SQLITE_STATIC);
	if (sub->device[0])
		sqlite3_bind_text(st, 8, sub->device, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 9, when, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 10, sub->reported_at);
	sqlite3_bind_text(st, 11, at->now, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 12, sub->total);
	sqlite3_bind_int(st, 13, at->revision);
	if (at->prev_id)
		sqlite3_bind_int64(st, 14, at->prev_id);
	sqlite3_bind_text(st, 15, res->how == WR_MATCH_NONE ? "unmatched" : "received",
	                  -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 16, at->origin, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 17, at->line);
	sqlite3_bind_blob(st, 18, at->buf, (int)at->len, SQLITE_STATIC);
}

int wr_intake_set_keyer(struct wr_intake *in, const char *user)
{
	if (user && strlen(user) >= sizeof in->keyer)
		return WR_EINVAL;
	snprintf(in->keyer, sizeof in->keyer, "%s", user ? user : "");
	return WR_OK;
}

void wr_intake_set_hook(struct wr_intake *in, wr_intake_hook fn, void *arg)
{
	in->hook = fn;
	in->hook_arg = arg;
}

/* One statement for all candidates: a statement run costs more than a row. */
static int store_votes(struct wr_intake *in, int64_t id, const struct wr_submission *sub,
                       struct wr_err *err)
{
	sqlite3_stmt *st = in->votes;

	sqlite3_bind_int64(st, 1, id);
	for (size_t i = 0; i < sub->nvotes; i++) {
		sqlite3_bind_text(st, (int)(2 + 2 * i), in->contest.cand[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_int64(st, (int)(3 + 2 * i), sub->votes[i]);
	}
	return run(in, st, "storing votes", err);
}


static void log_unmatched(struct wr_intake *in, const struct wr_submission *sub,
                          const struct wr_resolution *res, const struct stored *at,
                          const char *sugg)
{
	char name[256];

	if (!in->log)
		return;
	wr_submission_ref(sub, name, sizeof name);
	if (sub->county[0] && !res->county_fips[0])
		fprintf(in->log, "%s:%ld: unmatched: county \"%s\" is not known; closest "
		        "precincts by name: %s\n", at->origin, at->line, sub->county, sugg);
	else
		fprintf(in->log, "%s:%ld: unmatched: %s; closest: %s\n", at->origin, at->line,
		        res->why[0] ? res->why : name, sugg);
}

static int store_unmatched(struct wr_intake *in, int64_t id,
                           const struct wr_submission *sub,
                           const struct wr_resolution *res, const struct stored *at,
                           struct wr_err *err)
{
	sqlite3_stmt *st = in->st[ST_UNMATCHED];
	json_t *codes = json_array();
	char name[256], *sugg;
	int rc;

	wr_submission_ref(sub, name, sizeof name);
	for (size_t i = 0; i < res->nsugg; i++)
		json_array_append_new(codes, json_string(res->suggestions[i]));
	sugg = json_dumps(codes, JSON_COMPACT);
	json_decref(codes);
	if (!sugg)
		return wr_errf(err, WR_EIO, "out of memory listing suggestions");
	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, res->county_fips, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, sugg, -1, SQLITE_STATIC);
	log_unmatched(in, sub, res, at, sugg);
	rc = run(in, st, "queueing an unmatched tally", err);
	free(sugg);
	return rc;
}

static int audit_ingest(struct wr_intake *in, const struct wr_submission *sub,
                        const struct wr_resolution *res, const struct stored *at,
                        enum wr_outcome outcome, struct wr_err *err)
{
	return wr_audit_append(in->audit, "intake", "ingest", sub->submission_id,
	        json_pack("{s:s, s:s, s:s, s:i, s:s, s:I, s:I}", "outcome",
	                  wr_outcome_name(outcome), "source", wr_source_name(sub->source),
	                  "precinct", res->code, "revision", at->revision, "origin",
	                  at->origin, "line", (json_int_t)at->line, "total",
	                  (json_int_t)sub->total), err);
}

static int store(struct wr_intake *in, const struct wr_submission *sub,
                 const struct wr_resolution *res, struct stored *at,
                 enum wr_outcome *outcome, struct wr_err *err)
{
	int64_t id;

	if (res->how != WR_MATCH_NONE &&
	    previous(in, res->precinct_id, &at->prev_id, &at->revision, err) != WR_OK)
		return WR_ESTORE;
	if (at->prev_id) {
		sqlite3_bind_int64(in->st[ST_SUPERSEDE], 1, at->prev_id);
		if (run(in, in->st[ST_SUPERSEDE], "superseding a tally", err) != WR_OK)
			return WR_ESTORE;
	}
	bind_submission(in->st[ST_INSERT], sub, res, at);
	sqlite3_bind_text(in->st[ST_INSERT], 19, in->keyer, -1, SQLITE_STATIC);
	if (run(in, in->st[ST_INSERT], "storing a submission", err) != WR_OK)
		return WR_ESTORE;
	id = in->stored_id = sqlite3_last_insert_rowid(in->s->db);
	if (store_votes(in, id, sub, err) != WR_OK)
		return WR_ESTORE;
	if (res->how == WR_MATCH_NONE) {
		*outcome = WR_UNMATCHED;
		if (store_unmatched(in, id, sub, res, at, err) != WR_OK)
			return WR_ESTORE;
	} else {
		*outcome = at->prev_id ? WR_REVISED : WR_ACCEPTED;
		if (wr_scorer_ingested(in->scorer, id, err) != WR_OK)
			return WR_ESTORE;
	}
	return audit_ingest(in, sub, res, at, *outcome, err);
}

static int ingest_parsed(struct wr_intake *in, const struct wr_submission *sub,
                         struct stored *at, enum wr_outcome *outcome,
                         struct wr_err *why, struct wr_err *err)
{
	struct wr_resolution res;
	int rc = known(in, sub, outcome, why, err);

	if (rc < 0)
		return WR_ESTORE;
	if (rc == 1)
		return *outcome == WR_QUARANTINED
		       ? quarantine(in, at->origin, at->line, at->buf, at->len, why, at->now, err)
		       : WR_OK;
	if (wr_resolve(in->resolver, sub, &res, err) != WR_OK)
		return WR_ESTORE;
	return store(in, sub, &res, at, outcome, err);
}

static int begin_if_needed(struct wr_intake *in, struct wr_err *err)
{
	if (in->pending++ > 0)
		return WR_OK;
	if (wr_store_begin(in->s, err) != WR_OK) {
		in->pending = 0;
		return WR_ESTORE;
	}
	if (wr_audit_batch_begin(in->audit, err) != WR_OK) {
		discard(in);
		return WR_ESTORE;
	}
	return WR_OK;
}

static int classify(struct wr_intake *in, struct stored *at, size_t full_len,
                    int64_t t, enum wr_outcome *outcome, struct wr_err *err)
{
	struct wr_submission sub;
	struct wr_err why;

	*outcome = WR_QUARANTINED;
	if (full_len > at->len) {
		wr_errf(&why, WR_EINVAL, "record is %zu bytes; at most %d allowed (the "
		        "first %zu bytes are kept)", full_len, WR_RECORD_MAX, at->len);
		return quarantine(in, at->origin, at->line, at->buf, at->len, &why,
		                  at->now, err);
	}
	if (wr_submission_parse(at->buf, at->len, &in->contest, t, &sub, &why) != WR_OK)
		return quarantine(in, at->origin, at->line, at->buf, at->len, &why,
		                  at->now, err);
	return ingest_parsed(in, &sub, at, outcome, &why, err);
}

/* The hook is taken off before it runs, so it applies to one record only. */
static int run_hook(struct wr_intake *in, enum wr_outcome outcome, struct wr_err *err)
{
	wr_intake_hook fn = in->hook;

	in->hook = NULL;
	return fn ? fn(in->hook_arg, in->audit, in->stored_id, outcome, err) : WR_OK;
}

int wr_intake_record(struct wr_intake *in, const char *origin, long line,
                     const char *buf, size_t len, size_t full_len,
                     enum wr_outcome *outcome, struct wr_err *err)
{
	char now[32];
	int64_t t = wr_time_now();
	struct stored at = { origin, line, buf, len, now, 0, 1 };
	int rc;

	wr_time_format_utc(t, now);
	in->stored_id = 0;
	if (begin_if_needed(in, err) != WR_OK) {
		in->hook = NULL;
		return WR_ESTORE;
	}
	rc = classify(in, &at, full_len, t, outcome, err) != WR_OK ? WR_ESTORE
	     : run_hook(in, *outcome, err);
	if (rc != WR_OK) {
		/* The whole open batch is undone; a rerun redoes it exactly once. */
		in->hook = NULL;
		discard(in);
		return rc;
	}
	in->uncommitted.n[*outcome]++;
	in->counts.n[*outcome]++;
	return in->pending >= BATCH ? wr_intake_flush(in, err) : WR_OK;
}

