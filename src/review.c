#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/audit.h"
#include "warroom/review.h"
#include "warroom/scoring.h"
#include "warroom/timefmt.h"

#define REASON_MAX 500

/* Severity of the worst flag as a number, so the queue can sort on it. */
#define SEVERITY_SQL \
	"coalesce((SELECT max(CASE f.severity WHEN 'hard' THEN 3 WHEN 'warn' THEN 2" \
	" ELSE 1 END) FROM flags f WHERE f.submission = s.id), 0)"

/* An earlier tally of the same precinct was approved. */
#define PRIOR_APPROVED_SQL \
	"EXISTS (SELECT 1 FROM decisions d JOIN submissions o ON o.id = d.submission" \
	" WHERE o.precinct_id = s.precinct_id AND o.id <> s.id" \
	" AND d.decision = 'approved')"

#define PENDING_SQL "s.state IN ('received', 'flagged', 'clean')"

struct wr_review {
	struct wr_store *s;
	struct wr_audit *audit;
	struct wr_scorer *scorer;  /* approved tallies feed the county's shares */
	int64_t lease;
};

/* Whether user ?2 keyed the tally as a double entry's second keyer: they
 * may not review it either (keyed_by holds the first keyer only). */
#define KEYED_SECOND_SQL \
	"EXISTS (SELECT 1 FROM hotline_calls h WHERE h.submission_id = s.submission_id" \
	" AND h.second_by = ?2)"

/* What the rules need to know about one submission and the caller. */
struct facts {
	struct wr_review_item item;
	char keyed_by[129], reporter[129], holder[33];
	int64_t holder_id, holder_expires;
	int mine_approved, prior_approved;
	int keyed_second;          /* the caller keyed it as a double entry's second */
	int64_t total, vote_sum;
};

int wr_review_open(struct wr_review **out, struct wr_store *s, int64_t lease,
                   struct wr_err *err)
{
	struct wr_review *r = wr_xcalloc(1, sizeof *r);

	r->s = s;
	r->lease = lease > 0 ? lease : WR_LEASE_SECONDS;
	if (wr_audit_open(&r->audit, s, err) != WR_OK ||
	    wr_scorer_open(&r->scorer, s, err) != WR_OK) {
		wr_review_close(r);
		return WR_ESTORE;
	}
	*out = r;
	return WR_OK;
}

void wr_review_close(struct wr_review *r)
{
	if (!r)
		return;
	wr_audit_close(r->audit);
	wr_scorer_close(r->scorer);
	free(r);
}

static void read_facts(sqlite3_stmt *st, const struct wr_user *u, struct facts *f)
{
	memset(f, 0, sizeof *f);
	f->item.id = sqlite3_column_int64(st, 0);
	wr_store_text(st, 1, f->item.submission_id, sizeof f->item.submission_id);
	wr_store_text(st, 2, f->item.precinct, sizeof f->item.precinct);
	wr_store_text(st, 3, f->item.county_fips, sizeof f->item.county_fips);
	wr_store_text(st, 4, f->item.state, sizeof f->item.state);
	f->item.severity = (enum wr_severity)sqlite3_column_int(st, 5);
	f->item.approvals = sqlite3_column_int(st, 6);
	f->mine_approved = sqlite3_column_int(st, 7);
	wr_store_text(st, 8, f->keyed_by, sizeof f->keyed_by);
	wr_store_text(st, 9, f->reporter, sizeof f->reporter);
	f->holder_id = sqlite3_column_int64(st, 10);
	f->holder_expires = sqlite3_column_int64(st, 11);
	wr_store_text(st, 12, f->holder, sizeof f->holder);
	f->prior_approved = sqlite3_column_int(st, 13);
	f->total = sqlite3_column_int64(st, 14);
	f->vote_sum = sqlite3_column_int64(st, 15);
	f->keyed_second = sqlite3_column_int(st, 16);
	if (f->holder_id == u->id)
		f->item.claim_expires = f->holder_expires;
}

static int load(struct wr_review *r, const struct wr_user *u, const char *sid,
                struct facts *f, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(r->s, &st,
	        "SELECT s.id, s.submission_id, p.code, p.county_fips, s.state, "
	        SEVERITY_SQL ", (SELECT count(*) FROM approvals a WHERE a.submission = s.id),"
	        " (SELECT count(*) FROM approvals a WHERE a.submission = s.id"
	        "   AND a.user_id = ?2), s.keyed_by, s.reporter, c.user_id, c.expires_at,"
	        " cu.name, " PRIOR_APPROVED_SQL ", s.total,"
	        " (SELECT coalesce(sum(votes), 0) FROM votes WHERE submission = s.id),"
	        " " KEYED_SECOND_SQL
	        " FROM submissions s LEFT JOIN precincts p ON p.id = s.precinct_id"
	        " LEFT JOIN claims c ON c.submission = s.id"
	        " LEFT JOIN users cu ON cu.id = c.user_id WHERE s.submission_id = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, u->id);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_facts(st, u, f);
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return wr_err_field(err, WR_ENOTFOUND, "submission_id", "no submission \"%s\"",
		                    sid);
	return rc == SQLITE_ROW ? WR_OK : wr_store_fail(r->s, err, "reading a submission");
}

static int reviewer(const struct wr_user *u, struct wr_err *err)
{
	if (u->role == WR_ROLE_VALIDATOR || u->role == WR_ROLE_SUPERVISOR)
		return WR_OK;
	return wr_errf(err, WR_EPERM, "%s is a %s; only validators and supervisors "
	               "review tallies", u->name, wr_role_name(u->role));
}

static int pending(const struct facts *f, struct wr_err *err)
{
	const char *s = f->item.state;

	if (!strcmp(s, "received") || !strcmp(s, "flagged") || !strcmp(s, "clean"))
		return WR_OK;
	if (!strcmp(s, "unmatched"))
		return wr_errf(err, WR_EPERM, "%s is unmatched: resolve its precinct first",
		               f->item.submission_id);
	if (!strcmp(s, "superseded"))
		return wr_errf(err, WR_EPERM, "%s was superseded by a newer revision of its "
		               "precinct", f->item.submission_id);
	return wr_errf(err, WR_EPERM, "%s is %s already", f->item.submission_id, s);
}

/* The checks every decision and claim share; need_claim when the caller
 * must be holding the item already. */
static int may_act(const struct wr_user *u, const struct facts *f, int64_t now,
                   int need_claim, struct wr_err *err)
{
	char until[32];
	int held_by_other = f->holder_id && f->holder_id != u->id && f->holder_expires > now;

	if (reviewer(u, err) != WR_OK || pending(f, err) != WR_OK)
		return WR_EPERM;
	if (!strcmp(f->keyed_by, u->name) || !strcmp(f->reporter, u->name) || f->keyed_second)
		return wr_errf(err, WR_EPERM, "%s keyed %s; another validator must review it",
		               u->name, f->item.submission_id);
	if (held_by_other) {
		wr_time_format_utc(f->holder_expires, until);
		return wr_errf(err, WR_ECLAIMED, "%s is claimed by %s until %s",
		               f->item.submission_id, f->holder, until);
	}
	if (need_claim && (f->holder_id != u->id || f->holder_expires <= now))
		return wr_errf(err, WR_EPERM, "claim %s first (its claim is not yours or "
		               "has lapsed)", f->item.submission_id);
	if (f->prior_approved && u->role != WR_ROLE_SUPERVISOR)
		return wr_errf(err, WR_EPERM, "%s revises a precinct whose earlier tally was "
		               "approved; a supervisor must decide it", f->item.submission_id);
	return WR_OK;
}

/* Numbers that do not add up never go public, whoever approves: the tally
 * is rejected for a callback or replaced by a corrected revision. */
static int adds_up(const struct facts *f, struct wr_err *err)
{
	if (f->total == f->vote_sum)
		return WR_OK;
	return wr_errf(err, WR_EPERM, "%s: candidate votes add up to %lld but the total "
	               "says %lld; reject it for a callback instead",
	               f->item.submission_id, (long long)f->vote_sum, (long long)f->total);
}

/* Runs sql binding the arguments by type letters: i = int64_t, t = text. */
static int run(struct wr_review *r, const char *types, const char *sql, ...)
{
	sqlite3_stmt *st;
	va_list ap;
	int rc;

	if (sqlite3_prepare_v2(r->s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	va_start(ap, sql);
	for (int i = 0; types[i]; i++) {
		if (types[i] == 'i')
			sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
		else
			sqlite3_bind_text(st, i + 1, va_arg(ap, const char *), -1, SQLITE_TRANSIENT);
	}
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

static int audit(struct wr_review *r, const struct wr_user *u, const char *action,
                 const struct facts *f, json_t *details, struct wr_err *err)
{
	if (!details)
		details = json_object();
	json_object_set_new(details, "precinct", json_string(f->item.precinct));
	json_object_set_new(details, "role", json_string(wr_role_name(u->role)));
	return wr_audit_append(r->audit, u->name, action, f->item.submission_id, details, err);
}

static int claim_item(struct wr_review *r, const struct wr_user *u, struct facts *f,
                      int64_t now, struct wr_err *err)
{
	if (run(r, "iiii", "INSERT OR REPLACE INTO claims (submission, user_id, claimed_at,"
	                   " expires_at) VALUES (?1, ?2, ?3, ?4)",
	        f->item.id, u->id, now, now + r->lease) != SQLITE_DONE)
		return wr_store_fail(r->s, err, "claiming");
	f->item.claim_expires = now + r->lease;
	return audit(r, u, "claim", f, json_pack("{s:I}", "lease", (json_int_t)r->lease), err);
}

static int drop_claim(struct wr_review *r, const struct facts *f, struct wr_err *err)
{
	if (run(r, "i", "DELETE FROM claims WHERE submission = ?1", f->item.id) != SQLITE_DONE)
		return wr_store_fail(r->s, err, "releasing a claim");
	return WR_OK;
}

static int decide(struct wr_review *r, const struct wr_user *u, const struct facts *f,
                  const char *decision, int override, const char *reason, int64_t now,
                  struct wr_err *err)
{
	char at[32];

	wr_time_format_utc(now, at);
	if (run(r, "itiits", "INSERT INTO decisions (submission, decision, user_id, override,"
	                     " at, reason) VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, ''))",
	        f->item.id, decision, u->id, (int64_t)override, at, reason ? reason : "")
	        != SQLITE_DONE ||
	    run(r, "ti", "UPDATE submissions SET state = ?1 WHERE id = ?2", decision,
	        f->item.id) != SQLITE_DONE)
		return wr_store_fail(r->s, err, "recording a decision");
	/* The precinct's earlier approved tally stops being its number now. */
	if (!strcmp(decision, "approved") &&
	    run(r, "i", "UPDATE submissions SET state = 'superseded' WHERE state = 'approved'"
	                " AND precinct_id = (SELECT precinct_id FROM submissions WHERE id = ?1)"
	                " AND id <> ?1", f->item.id) != SQLITE_DONE)
		return wr_store_fail(r->s, err, "superseding the earlier approved tally");
	if (!strcmp(decision, "approved") &&
	    wr_scorer_approved(r->scorer, f->item.id, err) != WR_OK)
		return WR_ESTORE;
	return drop_claim(r, f, err);
}

typedef int (*item_fn)(struct wr_review *r, const struct wr_user *u, struct facts *f,
                       void *arg, int64_t now, struct wr_err *err);

/* Loads sid and runs fn in one write transaction: the checks and the change
 * see the same store, whatever the other consoles do meanwhile. */
static int item_in_txn(struct wr_review *r, const struct wr_user *u, const char *sid,
                       item_fn fn, void *arg, struct wr_err *err)
{
	struct wr_user now_u;
	struct facts f;
	int rc = wr_auth_refresh(r->s, u, &now_u, err);

	if (rc == WR_OK)
		rc = load(r, &now_u, sid, &f, err);
	return rc == WR_OK ? fn(r, &now_u, &f, arg, wr_time_now(), err) : rc;
}

static int with_item(struct wr_review *r, const struct wr_user *u, const char *sid,
                     item_fn fn, void *arg, struct wr_err *err)
{
	int rc = wr_store_begin(r->s, err);

	if (rc == WR_OK)
		rc = item_in_txn(r, u, sid, fn, arg, err);
	return wr_store_finish(r->s, rc, err);
}

static int claim_fn(struct wr_review *r, const struct wr_user *u, struct facts *f,
                    void *arg, int64_t now, struct wr_err *err)
{
	struct wr_review_item *out = arg;
	int rc = may_act(u, f, now, 0, err);

	if (rc != WR_OK)
		return rc;
	if (f->mine_approved && f->item.severity == WR_SEV_HARD)
		return wr_errf(err, WR_EPERM, "%s approved %s already; a second validator "
		               "must", u->name, f->item.submission_id);
	if (claim_item(r, u, f, now, err) != WR_OK)
		return WR_ESTORE;
	if (out)
		*out = f->item;
	return WR_OK;
}

int wr_review_claim(struct wr_review *r, const struct wr_user *u, const char *sid,
                    struct wr_review_item *out, struct wr_err *err)
{
	return with_item(r, u, sid, claim_fn, out, err);
}

static int held(const struct wr_user *u, const struct facts *f, int64_t now,
                struct wr_err *err)
{
	if (f->holder_id == u->id && f->holder_expires > now)
		return WR_OK;
	return wr_errf(err, WR_EPERM, "%s does not hold the claim on %s (it was never "
	               "claimed, lapsed, or is another's)", u->name, f->item.submission_id);
}

static int renew_fn(struct wr_review *r, const struct wr_user *u, struct facts *f,
                    void *arg, int64_t now, struct wr_err *err)
{
	(void)arg;
	if (held(u, f, now, err) != WR_OK)
		return WR_EPERM;
	if (run(r, "ii", "UPDATE claims SET expires_at = ?1 WHERE submission = ?2",
	        now + r->lease, f->item.id) != SQLITE_DONE)
		return wr_store_fail(r->s, err, "renewing a claim");
	return WR_OK;  /* a renewal changes no state, so it is not audited */
}

int wr_review_renew(struct wr_review *r, const struct wr_user *u, const char *sid,
                    struct wr_err *err)
{
	return with_item(r, u, sid, renew_fn, NULL, err);
}

static int release_fn(struct wr_review *r, const struct wr_user *u, struct facts *f,
                      void *arg, int64_t now, struct wr_err *err)
{
	(void)arg;
	if (held(u, f, now, err) != WR_OK)
		return WR_EPERM;
	if (drop_claim(r, f, err) != WR_OK)
		return WR_ESTORE;
	return audit(r, u, "release", f, NULL, err);
}

int wr_review_release(struct wr_review *r, const struct wr_user *u, const char *sid,
                      struct wr_err *err)
{
	return with_item(r, u, sid, release_fn, NULL, err);
}

static int record_approval(struct wr_review *r, const struct wr_user *u,
                           const struct facts *f, int64_t now, struct wr_err *err)
{
	char at[32];

	wr_time_format_utc(now, at);
	if (run(r, "iit", "INSERT INTO approvals (submission, user_id, at) VALUES (?1, ?2, ?3)",
	        f->item.id, u->id, at) != SQLITE_DONE)
		return wr_store_fail(r->s, err, "recording an approval");
	return WR_OK;
}

static int approve_fn(struct wr_review *r, const struct wr_user *u, struct facts *f,
                      void *arg, int64_t now, struct wr_err *err)
{
	enum wr_approval *result = arg;
	int n, rc = may_act(u, f, now, 1, err);

	if (rc == WR_OK)
		rc = adds_up(f, err);
	if (rc != WR_OK)
		return rc;
	if (f->mine_approved)
		return wr_errf(err, WR_EPERM, "%s approved %s already; a second validator "
		               "must", u->name, f->item.submission_id);
	if (record_approval(r, u, f, now, err) != WR_OK)
		return WR_ESTORE;
	n = f->item.approvals + 1;
	*result = f->item.severity == WR_SEV_HARD && n < 2 ? WR_NEEDS_SECOND : WR_APPROVED;
	rc = *result == WR_APPROVED ? decide(r, u, f, "approved", 0, NULL, now, err)
	                            : drop_claim(r, f, err);
	if (rc != WR_OK)
		return rc;
	return audit(r, u, "approve", f, json_pack("{s:i, s:i, s:s}", "approvals", n,
	             "needed", f->item.severity == WR_SEV_HARD ? 2 : 1, "severity",
	             wr_severity_name(f->item.severity)), err);
}

int wr_review_approve(struct wr_review *r, const struct wr_user *u, const char *sid,
                      enum wr_approval *result, struct wr_err *err)
{
	enum wr_approval dummy;

	return with_item(r, u, sid, approve_fn, result ? result : &dummy, err);
}

static int need_reason(const char *reason, struct wr_err *err)
{
	size_t n = reason ? strlen(reason) : 0;

	while (n > 0 && isspace((unsigned char)reason[n - 1]))
		n--;
	if (n == 0)
		return wr_err_field(err, WR_EINVAL, "reason", "a reason is required");
	if (strlen(reason) > REASON_MAX)
		return wr_err_field(err, WR_EINVAL, "reason", "at most %d characters",
		                    REASON_MAX);
	return WR_OK;
}

static int reject_fn(struct wr_review *r, const struct wr_user *u, struct facts *f,
                     void *arg, int64_t now, struct wr_err *err)
{
	const char *reason = arg;
	char at[32];
	int rc = may_act(u, f, now, 1, err);

	if (rc != WR_OK)
		return rc;
	wr_time_format_utc(now, at);
	if ((rc = decide(r, u, f, "rejected", 0, reason, now, err)) != WR_OK)
		return rc;
	if (run(r, "itt", "INSERT OR REPLACE INTO callbacks (submission, reason, created_at)"
	                  " VALUES (?1, ?2, ?3)", f->item.id, reason, at) != SQLITE_DONE)
		return wr_store_fail(r->s, err, "adding a callback");
	return audit(r, u, "reject", f, json_pack("{s:s}", "reason", reason), err);
}

int wr_review_reject(struct wr_review *r, const struct wr_user *u, const char *sid,
                     const char *reason, struct wr_err *err)
{
	if (need_reason(reason, err) != WR_OK)
		return WR_EINVAL;
	return with_item(r, u, sid, reject_fn, (void *)reason, err);
}

static int override_fn(struct wr_review *r, const struct wr_user *u, struct facts *f,
                       void *arg, int64_t now, struct wr_err *err)
{
	const char *reason = arg;
	int rc;

	if (u->role != WR_ROLE_SUPERVISOR)
		return wr_errf(err, WR_EPERM, "%s is a %s; only a supervisor may override",
		               u->name, wr_role_name(u->role));
	if ((rc = may_act(u, f, now, 0, err)) != WR_OK || (rc = adds_up(f, err)) != WR_OK)
		return rc;
	if ((rc = decide(r, u, f, "approved", 1, reason, now, err)) != WR_OK)
		return rc;
	return audit(r, u, "override", f, json_pack("{s:s, s:s, s:i}", "reason", reason,
	             "severity", wr_severity_name(f->item.severity), "approvals",
	             f->item.approvals), err);
}

int wr_review_override(struct wr_review *r, const struct wr_user *u, const char *sid,
                       const char *reason, struct wr_err *err)
{
	if (need_reason(reason, err) != WR_OK)
		return WR_EINVAL;
	return with_item(r, u, sid, override_fn, (void *)reason, err);
}

/* The ids of items u could take, most urgent first; county limits to one
 * county and unflagged items (for bulk approval). Returns a NULL-terminated
 * array the caller frees with free_ids. */
static char **candidates(struct wr_review *r, const struct wr_user *u, const char *county,
                         int limit, struct wr_err *err)
{
	sqlite3_stmt *st;
	char **ids = wr_xcalloc((size_t)limit + 1, sizeof *ids);
	int n = 0, rc;

	if (wr_store_prepare(r->s, &st,
	        "SELECT s.submission_id FROM submissions s"
	        " LEFT JOIN precincts p ON p.id = s.precinct_id WHERE " PENDING_SQL
	        " AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.submission = s.id"
	        "   AND c.expires_at > ?1 AND c.user_id <> ?2)"
	        " AND NOT EXISTS (SELECT 1 FROM approvals a WHERE a.submission = s.id"
	        "   AND a.user_id = ?2)"
	        " AND coalesce(s.keyed_by, '') <> ?3 AND s.reporter <> ?3 AND NOT " KEYED_SECOND_SQL
	        " AND (?4 OR NOT " PRIOR_APPROVED_SQL ")"
	        " AND (?5 IS NULL OR (p.county_fips = ?5 AND " SEVERITY_SQL " < 2))"
	        " ORDER BY " SEVERITY_SQL " DESC, s.received_at, s.id LIMIT ?6", err)) {
		free(ids);
		return NULL;
	}
	sqlite3_bind_int64(st, 1, wr_time_now());
	sqlite3_bind_int64(st, 2, u->id);
	sqlite3_bind_text(st, 3, u->name, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 4, u->role == WR_ROLE_SUPERVISOR);
	if (county)
		sqlite3_bind_text(st, 5, county, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 6, limit);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < limit)
		ids[n++] = wr_xstrdup((const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		wr_store_fail(r->s, err, "reading the queue");
		for (int i = 0; i < n; i++)
			free(ids[i]);
		free(ids);
		return NULL;
	}
	return ids;
}

static void free_ids(char **ids)
{
	for (size_t i = 0; ids && ids[i]; i++)
		free(ids[i]);
	free(ids);
}

int wr_review_next(struct wr_review *r, const struct wr_user *u,
                   struct wr_review_item *out, struct wr_err *err)
{
	char **ids;
	int rc;

	if (reviewer(u, err) != WR_OK)
		return WR_EPERM;
	if (wr_store_begin(r->s, err) != WR_OK)
		return WR_ESTORE;
	ids = candidates(r, u, NULL, 1, err);
	if (!ids)
		rc = WR_ESTORE;
	else if (!ids[0])
		rc = wr_errf(err, WR_ENOTFOUND, "the queue holds nothing %s may take", u->name);
	else
		rc = item_in_txn(r, u, ids[0], claim_fn, out, err);
	free_ids(ids);
	return wr_store_finish(r->s, rc, err);
}

/* Bulk approval is for tallies no rule warns about (info is only shown).
 * Each item is judged as it is now: an approval earlier in the same bulk
 * may have re-scored the county and flagged it, and then it is left for a
 * validator to look at. */
static int bulk_fn(struct wr_review *r, const struct wr_user *u, struct facts *f,
                   void *arg, int64_t now, struct wr_err *err)
{
	long *approved = arg;
	int rc = may_act(u, f, now, 0, err);

	if (rc != WR_OK)
		return rc;
	if (f->item.severity >= WR_SEV_WARN || f->total != f->vote_sum)
		return WR_OK;
	if (record_approval(r, u, f, now, err) != WR_OK)
		return WR_ESTORE;
	if ((rc = decide(r, u, f, "approved", 0, NULL, now, err)) != WR_OK)
		return rc;
	(*approved)++;
	return audit(r, u, "approve", f, json_pack("{s:b, s:i, s:i, s:s}", "bulk", 1,
	             "approvals", 1, "needed", 1, "severity",
	             wr_severity_name(f->item.severity)), err);
}

int wr_review_bulk_approve(struct wr_review *r, const struct wr_user *u,
                           const char *county_fips, long *approved, struct wr_err *err)
{
	char **ids;
	int rc;

	*approved = 0;
	if (reviewer(u, err) != WR_OK)
		return WR_EPERM;
	if (wr_store_begin(r->s, err) != WR_OK)
		return WR_ESTORE;
	ids = candidates(r, u, county_fips, 100000, err);
	rc = ids ? WR_OK : WR_ESTORE;
	for (size_t i = 0; rc == WR_OK && ids[i]; i++)
		rc = item_in_txn(r, u, ids[i], bulk_fn, approved, err);
	free_ids(ids);
	if ((rc = wr_store_finish(r->s, rc, err)) != WR_OK)
		*approved = 0;
	return rc;
}

int wr_review_release_all(struct wr_review *r, const struct wr_user *u, long *n,
                          struct wr_err *err)
{
	sqlite3_stmt *st;
	char **ids = NULL;
	size_t cap = 0, k = 0;
	int rc;

	*n = 0;
	if (wr_store_begin(r->s, err) != WR_OK)
		return WR_ESTORE;
	rc = wr_store_prepare(r->s, &st, "SELECT s.submission_id FROM claims c JOIN"
	                      " submissions s ON s.id = c.submission WHERE c.user_id = ?1"
	                      " AND c.expires_at > ?2", err);
	if (rc == WR_OK) {
		int step;

		sqlite3_bind_int64(st, 1, u->id);
		sqlite3_bind_int64(st, 2, wr_time_now());
		while ((step = sqlite3_step(st)) == SQLITE_ROW) {
			if (k + 1 >= cap)
				ids = wr_xrealloc(ids, (cap = cap ? cap * 2 : 8) * sizeof *ids);
			ids[k++] = wr_xstrdup((const char *)sqlite3_column_text(st, 0));
			ids[k] = NULL;
		}
		sqlite3_finalize(st);
		if (step != SQLITE_DONE)
			rc = wr_store_fail(r->s, err, "reading claims");
	}
	for (size_t i = 0; rc == WR_OK && i < k; i++)
		if ((rc = item_in_txn(r, u, ids[i], release_fn, NULL, err)) == WR_OK)
			(*n)++;
	free_ids(ids);
	return wr_store_finish(r->s, rc, err);
}
