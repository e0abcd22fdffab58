/* Flag quality (see evaluate.h): replays a simulated night through intake
 * and a simulated validator, then scores each planted record. */
#include <limits.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/auth.h"
#include "warroom/evaluate.h"
#include "warroom/fixtures.h"
#include "warroom/intake.h"
#include "warroom/review.h"
#include "warroom/rules.h"
#include "warroom/timefmt.h"

#define VALIDATOR "eval-validator"

struct run {
	struct wr_store s;
	struct wr_intake *in;
	struct wr_review *rv;
	struct wr_user u;
	const struct wr_night *night;
	enum wr_outcome *outcome;   /* per record */
	char night_path[PATH_MAX];
	sqlite3_stmt *next_clean;
};

static void set_clock(int64_t t)
{
	char now[32];

	wr_time_format_utc(t, now);
	setenv("WARROOM_NOW", now, 1);
}

/* The caller's clock is put back, so a test pinning it is not surprised. */
static char *save_clock(void)
{
	const char *v = getenv("WARROOM_NOW");

	return v ? wr_xstrdup(v) : NULL;
}

static void restore_clock(char *saved)
{
	if (saved)
		setenv("WARROOM_NOW", saved, 1);
	else
		unsetenv("WARROOM_NOW");
	free(saved);
}

static int find_validator(struct run *r, struct wr_err *err)
{
	struct wr_user *all;
	size_t n;
	int found = 0;

	if (wr_user_list(&r->s, &all, &n, err) != WR_OK)
		return WR_ESTORE;
	for (size_t i = 0; i < n && !found; i++)
		if (!strcmp(all[i].name, VALIDATOR)) {
			r->u = all[i];
			found = 1;
		}
	free(all);
	return found ? WR_OK : wr_errf(err, WR_ENOTFOUND, "no user %s", VALIDATOR);
}

static int open_store(struct run *r, const char *fixtures, const char *workdir,
                      struct wr_err *err)
{
	struct wr_fixture_counts n;
	char path[PATH_MAX];
	int rc;

	snprintf(path, sizeof path, "%s/warroom.db", workdir);
	if ((rc = wr_store_open(&r->s, path, err)) != WR_OK)
		return rc;
	if ((rc = wr_fixtures_load(&r->s, fixtures, &n, err)) != WR_OK ||
	    (rc = wr_user_add(&r->s, "evaluate", VALIDATOR, WR_ROLE_VALIDATOR,
	                      "evaluate-only", err)) != WR_OK ||
	    (rc = find_validator(r, err)) != WR_OK ||
	    (rc = wr_store_prepare(&r->s, &r->next_clean, "SELECT id, submission_id FROM"
	                           " submissions WHERE state = 'clean' AND id > ?1"
	                           " ORDER BY id LIMIT 1", err)) != WR_OK)
		return rc;
	if ((rc = wr_intake_open(&r->in, &r->s, NULL, err)) != WR_OK)
		return rc;
	return wr_review_open(&r->rv, &r->s, 0, err);
}

static void close_run(struct run *r)
{
	struct wr_err ignored;

	wr_intake_close(r->in, &ignored);
	wr_review_close(r->rv);
	sqlite3_finalize(r->next_clean);
	if (r->s.db)
		wr_store_close(&r->s);
	free(r->outcome);
}

/* The next clean tally after id `after`; 0 when none. */
static int64_t next_clean(struct run *r, int64_t after, char *sid, size_t n)
{
	sqlite3_stmt *st = r->next_clean;
	int64_t id = 0;

	sqlite3_bind_int64(st, 1, after);
	if (sqlite3_step(st) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		wr_store_text(st, 1, sid, n);
	}
	sqlite3_reset(st);
	return id;
}

/* One at a time, re-reading the state each time: an approval can re-score
 * the county, turning a tally that was clean into a flagged one. A tally
 * the validator may not decide (a revision of an approved precinct needs a
 * supervisor) is passed over, as a validator would. */
static int approve_clean(struct run *r, struct wr_err *err)
{
	char sid[160];
	enum wr_approval res;
	int64_t id = 0;
	int rc;

	while ((id = next_clean(r, id, sid, sizeof sid)) != 0) {
		rc = wr_review_claim(r->rv, &r->u, sid, NULL, err);
		if (rc == WR_OK)
			rc = wr_review_approve(r->rv, &r->u, sid, &res, err);
		if (rc == WR_ESTORE)
			return rc;
	}
	return WR_OK;
}

static int feed(struct run *r, size_t i, struct wr_err *err)
{
	const char *json = r->night->rec[i].json;

	return wr_intake_record(r->in, r->night_path, (long)i + 1, json, strlen(json),
	                        strlen(json), &r->outcome[i], err);
}

/* Slices end on the quarter hours after opening; everything sent before
 * opening is one slice ending at opens_at. */
static int replay(struct run *r, long *slices, struct wr_err *err)
{
	const struct wr_night *n = r->night;
	int64_t end = n->opens_at;
	size_t i = 0;
	int rc = WR_OK;

	while (rc == WR_OK && i < n->n) {
		while (end <= n->rec[i].sent_at)
			end += WR_EVAL_SLICE;
		set_clock(end);
		for (; rc == WR_OK && i < n->n && n->rec[i].sent_at < end; i++)
			rc = feed(r, i, err);
		if (rc == WR_OK && (rc = wr_intake_flush(r->in, err)) == WR_OK)
			rc = approve_clean(r, err);
		(*slices)++;
	}
	return rc;
}

/* ------------------------------------------------------------ scoring */

struct fate {
	int stored, approved;
	int contested;  /* a later tally of its precinct was flagged as conflicting */
	char code[33];
	int nflags;
	int first;      /* of them, raised before any approval */
	int rules[WR_EVAL_RULES];
};

static int rule_index(const char *id)
{
	size_t n;
	const struct wr_rule *t = wr_rules_table(&n), *r = wr_rule_find(id);

	return r && r - t < WR_EVAL_RULES ? (int)(r - t) : -1;
}

static int read_flags(struct run *r, int64_t id, struct fate *f, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(&r->s, &st, "SELECT rule, min(second_look) FROM flags WHERE"
	                     " submission = ?1 AND severity IN ('warn', 'hard')"
	                     " GROUP BY rule", err))
		return WR_ESTORE;
	sqlite3_bind_int64(st, 1, id);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int k = rule_index((const char *)sqlite3_column_text(st, 0));

		f->nflags++;
		f->first += sqlite3_column_int(st, 1) == 0;
		if (k >= 0)
			f->rules[k] = 1;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(&r->s, err, "reading flags");
}

/* Where a submission_id ended: its precinct, approval and flags. */
static int fate_of(struct run *r, const char *sid, struct fate *f, struct wr_err *err)
{
	sqlite3_stmt *st;
	int64_t id = 0;
	int rc;

	memset(f, 0, sizeof *f);
	if (wr_store_prepare(&r->s, &st, "SELECT s.id, coalesce(p.code, ''), EXISTS (SELECT 1"
	                     " FROM decisions d WHERE d.submission = s.id AND d.decision ="
	                     " 'approved'), EXISTS (SELECT 1 FROM submissions n JOIN flags fl"
	                     " ON fl.submission = n.id WHERE n.supersedes = s.id"
	                     " AND fl.rule = 'conflicting_revision' AND fl.severity IN ('warn',"
	                     " 'hard') AND NOT EXISTS (SELECT 1 FROM decisions d WHERE"
	                     " d.submission = s.id AND d.decision = 'approved'"
	                     " AND d.at < n.received_at)) FROM submissions s"
	                     " LEFT JOIN precincts p ON p.id = s.precinct_id"
	                     " WHERE s.submission_id = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		id = sqlite3_column_int64(st, 0);
		wr_store_text(st, 1, f->code, sizeof f->code);
		f->approved = sqlite3_column_int(st, 2);
		f->contested = sqlite3_column_int(st, 3);
		f->stored = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(&r->s, err, "reading a submission");
	return id ? read_flags(r, id, f, err) : WR_OK;
}

int wr_eval_consistent(enum wr_sim_kind k)
{
	return k == WR_SIM_DIGIT_TRANSPOSITION || k == WR_SIM_EXTRA_DIGIT ||
	       k == WR_SIM_MISSING_DIGIT || k == WR_SIM_CANDIDATES_SWAPPED;
}

/* A planted record is also caught when the tally that revised it was
 * flagged as conflicting with it before it was approved: a validator then
 * has both in front of them (the detail view shows the revisions), as when
 * a wrong-precinct tally is followed by the precinct's own. Approved first,
 * it got through. A clean record only counts its own flags. */
static int caught(const struct wr_sim_record *rec, enum wr_outcome o, const struct fate *f)
{
	if (rec->kind == WR_SIM_DUPLICATE)
		return o == WR_DUPLICATE && f->stored;
	if (rec->kind == WR_SIM_OLD_PRECINCT_NAME)
		return f->stored && !strcmp(f->code, rec->precinct);
	return f->nflags > 0 || (rec->kind != WR_SIM_CLEAN && f->contested);
}

static void count(struct wr_eval *out, const struct wr_sim_record *rec, enum wr_outcome o,
                  const struct fate *f)
{
	struct wr_eval_kind *k = &out->kind[rec->kind];
	int hit = caught(rec, o, f);
	int distinct = !wr_eval_consistent(rec->kind) || rec->clean_odds < WR_EVAL_DISTINCT;
	int second;

	k->planted++;
	k->caught += hit;
	k->distinct += distinct;
	k->distinct_caught += distinct && hit;
	/* Only the flags a second look added: a resend or an old name is
	 * caught by its outcome, whatever flags its tally has. */
	second = hit && f->nflags > 0 && f->first == 0 && !f->contested &&
	         rec->kind != WR_SIM_DUPLICATE && rec->kind != WR_SIM_OLD_PRECINCT_NAME;
	k->second += second;
	k->distinct_second += distinct && second;
	/* A resend or an old name carries true numbers: nothing gets through. */
	k->approved += rec->kind != WR_SIM_DUPLICATE &&
	               rec->kind != WR_SIM_OLD_PRECINCT_NAME && f->approved;
	for (int i = 0; i < WR_EVAL_RULES; i++)
		k->by_rule[i] += f->rules[i];
	if (rec->kind != WR_SIM_CLEAN)
		return;
	out->lost += o != WR_ACCEPTED && o != WR_REVISED;
	out->touched += rec->touched;
	out->touched_flagged += rec->touched && hit;
	for (int i = 0; i < WR_EVAL_RULES && !rec->touched; i++)
		out->untouched_by_rule[i] += f->rules[i];
}

/* The slips a rule knowing the simulator's model would flag at the clean
 * flag rate the rules reached: those less usual than that share of their
 * precinct's clean tallies. */
static void best_possible(const struct wr_night *n, struct wr_eval *out)
{
	const struct wr_eval_kind *c = &out->kind[WR_SIM_CLEAN];
	double rate = c->planted ? (double)c->caught / (double)c->planted : 0;

	for (size_t i = 0; i < n->n; i++)
		if (wr_eval_consistent(n->rec[i].kind))
			out->kind[n->rec[i].kind].best += n->rec[i].clean_odds < rate;
}

static int score(struct run *r, struct wr_eval *out, struct wr_err *err)
{
	struct fate f;

	for (size_t i = 0; i < r->night->n; i++) {
		const struct wr_sim_record *rec = &r->night->rec[i];

		if (fate_of(r, rec->submission_id, &f, err) != WR_OK)
			return WR_ESTORE;
		count(out, rec, r->outcome[i], &f);
	}
	out->records += (long)r->night->n;
	best_possible(r->night, out);
	return WR_OK;
}

static int evaluate_night(struct run *r, const char *fixtures, const char *workdir,
                          struct wr_eval *out, struct wr_err *err)
{
	char labels[PATH_MAX];
	int rc;

	snprintf(r->night_path, sizeof r->night_path, "%s/night.ndjson", workdir);
	snprintf(labels, sizeof labels, "%s/labels.ndjson", workdir);
	r->outcome = wr_xcalloc(r->night->n, sizeof *r->outcome);
	if ((rc = wr_sim_write(r->night, r->night_path, labels, err)) != WR_OK ||
	    (rc = open_store(r, fixtures, workdir, err)) != WR_OK ||
	    (rc = replay(r, &out->slices, err)) != WR_OK ||
	    (rc = wr_intake_flush(r->in, err)) != WR_OK)
		return rc;
	return score(r, out, err);
}

int wr_evaluate(const char *fixtures, const char *workdir, const struct wr_sim_options *o,
                struct wr_eval *out, struct wr_err *err)
{
	struct wr_night *night;
	struct run r;
	char *clock;
	int rc;

	memset(out, 0, sizeof *out);
	memset(&r, 0, sizeof r);
	if (sodium_init() < 0)
		return wr_errf(err, WR_EIO, "libsodium could not initialise");
	if ((rc = wr_sim_run(fixtures, o, &night, err)) != WR_OK)
		return rc;
	clock = save_clock();
	r.night = night;
	rc = evaluate_night(&r, fixtures, workdir, out, err);
	out->runs = 1;
	close_run(&r);
	restore_clock(clock);
	wr_night_free(night);
	return rc;
}

static void add_kind(struct wr_eval_kind *a, const struct wr_eval_kind *b)
{
	a->planted += b->planted;
	a->caught += b->caught;
	a->distinct += b->distinct;
	a->distinct_caught += b->distinct_caught;
	a->best += b->best;
	a->approved += b->approved;
	a->second += b->second;
	a->distinct_second += b->distinct_second;
	for (int i = 0; i < WR_EVAL_RULES; i++)
		a->by_rule[i] += b->by_rule[i];
}

void wr_eval_add(struct wr_eval *sum, const struct wr_eval *one)
{
	sum->runs += one->runs;
	sum->records += one->records;
	sum->slices += one->slices;
	sum->touched += one->touched;
	sum->touched_flagged += one->touched_flagged;
	sum->lost += one->lost;
	for (int i = 0; i < WR_EVAL_RULES; i++)
		sum->untouched_by_rule[i] += one->untouched_by_rule[i];
	for (int k = 0; k < WR_SIM_KINDS; k++)
		add_kind(&sum->kind[k], &one->kind[k]);
}

double wr_eval_recall(const struct wr_eval_kind *k)
{
	return k->planted > 0 ? (double)k->caught / (double)k->planted : -1;
}
