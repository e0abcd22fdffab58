#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/audit.h"
#include "warroom/precincts.h"
#include "warroom/scoring.h"
#include "warroom/unmatched.h"
#include "warroom/timefmt.h"

struct tally {
	int64_t id;
	char state[16];
	char county[65];        /* as the record gave it */
	char name[129];         /* precinct_name as given, "" when a code */
};

struct precinct {
	int64_t id;
	char county_fips[8];
};

static int step_one(struct wr_store *s, sqlite3_stmt *st, const char *doing,
                    struct wr_err *err)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(s, err, doing);
	return rc == SQLITE_ROW;
}

/* The record's own county and name come from its raw JSON, which is what
 * the reporter actually said. */
static int load_tally(struct wr_store *s, const char *sid, struct tally *t,
                      struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT id, state, coalesce(json_extract(raw, '$.county'),"
	                     " ''), coalesce(json_extract(raw, '$.precinct_name'), '')"
	                     " FROM submissions WHERE submission_id = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, sid, -1, SQLITE_STATIC);
	rc = step_one(s, st, "reading a tally", err);
	if (rc == 1) {
		t->id = sqlite3_column_int64(st, 0);
		wr_store_text(st, 1, t->state, sizeof t->state);
		wr_store_text(st, 2, t->county, sizeof t->county);
		wr_store_text(st, 3, t->name, sizeof t->name);
	}
	sqlite3_finalize(st);
	if (rc == 0)
		return wr_err_field(err, WR_ENOTFOUND, "submission_id", "no tally \"%s\"", sid);
	if (rc < 0)
		return rc;
	if (strcmp(t->state, "unmatched") != 0)
		return wr_errf(err, WR_EPERM, "%s is %s, not unmatched", sid, t->state);
	return WR_OK;
}

static int load_precinct(struct wr_store *s, const char *code, struct precinct *p,
                         struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT id, county_fips FROM precincts WHERE code = ?1",
	                     err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, code, -1, SQLITE_STATIC);
	rc = step_one(s, st, "reading a precinct", err);
	if (rc == 1) {
		p->id = sqlite3_column_int64(st, 0);
		wr_store_text(st, 1, p->county_fips, sizeof p->county_fips);
	}
	sqlite3_finalize(st);
	if (rc == 0)
		return wr_err_field(err, WR_ENOTFOUND, "precinct", "no precinct \"%s\"", code);
	return rc < 0 ? rc : WR_OK;
}

/* Runs sql with ?1..?3 bound to integers a, b, c; the SQLite step code. */
static int run3(struct wr_store *s, const char *sql, int64_t a, int64_t b, int64_t c)
{
	sqlite3_stmt *st;
	int rc;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK)
		return SQLITE_ERROR;
	sqlite3_bind_int64(st, 1, a);
	sqlite3_bind_int64(st, 2, b);
	sqlite3_bind_int64(st, 3, c);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? SQLITE_DONE : rc;
}

/* Makes the tally the precinct's newest revision, superseding a pending
 * one the way intake would have had the tally resolved on arrival. */
static int attach(struct wr_store *s, const struct tally *t, const struct precinct *p,
                  struct wr_err *err)
{
	if (run3(s, "UPDATE submissions SET state = 'superseded' WHERE id = (SELECT id"
	            " FROM submissions WHERE precinct_id = ?1 ORDER BY revision DESC LIMIT 1)"
	            " AND state IN ('received', 'flagged', 'clean')", p->id, 0, 0)
	        != SQLITE_DONE ||
	    run3(s, "UPDATE submissions SET precinct_id = ?1, resolved_by = 'operator',"
	            " state = 'received', supersedes = (SELECT id FROM submissions WHERE"
	            " precinct_id = ?1 ORDER BY revision DESC LIMIT 1), revision = 1 +"
	            " coalesce((SELECT max(revision) FROM submissions WHERE precinct_id = ?1),"
	            " 0) WHERE id = ?2", p->id, t->id, 0) != SQLITE_DONE)
		return wr_store_fail(s, err, "attaching the tally to its precinct");
	return WR_OK;
}

/* Records the name the tally used as an alias of the chosen precinct, when
 * it was given within the precinct's own county and is not known already. */
static int learn_alias(struct wr_store *s, const struct tally *t, const struct precinct *p,
                       int *learned, struct wr_err *err)
{
	char norm[WR_NORM_MAX], county[WR_NORM_MAX];
	sqlite3_stmt *st;
	int rc;

	*learned = 0;
	if (!t->name[0])
		return WR_OK;
	wr_precinct_normalize(t->name, norm, sizeof norm);
	if (wr_store_prepare(s, &st,
	        "INSERT INTO precinct_aliases (county_fips, old_name, norm_old_name,"
	        " precinct_id, origin) SELECT ?1, ?2, ?3, ?4, 'operator' WHERE ?3 <> ''"
	        " AND (SELECT fips FROM counties WHERE fips = ?5 OR norm_name = ?6) = ?1"
	        " AND NOT EXISTS (SELECT 1 FROM precincts WHERE county_fips = ?1"
	        "   AND norm_name = ?3)"
	        " AND NOT EXISTS (SELECT 1 FROM precinct_aliases WHERE county_fips = ?1"
	        "   AND norm_old_name = ?3)", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, p->county_fips, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, norm, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, p->id);
	sqlite3_bind_text(st, 5, t->county, -1, SQLITE_STATIC);
	wr_precinct_normalize(t->county, county, sizeof county);
	sqlite3_bind_text(st, 6, county, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return wr_store_fail(s, err, "recording an alias");
	*learned = sqlite3_changes(s->db) > 0;
	return WR_OK;
}

static int mark_resolved(struct wr_store *s, const struct tally *t, const char *who,
                         struct wr_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	wr_time_format_utc(wr_time_now(), now);
	if (wr_store_prepare(s, &st, "UPDATE unmatched SET resolved_at = ?1, resolved_by = ?2"
	                             " WHERE submission = ?3", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, now, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, who, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, t->id);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(s, err, "closing the unmatched entry");
}

/* The tally now has a precinct, so the rules can judge it. */
static int score(struct wr_store *s, int64_t id, struct wr_err *err)
{
	struct wr_scorer *sc;
	int rc = wr_scorer_open(&sc, s, err);

	if (rc == WR_OK)
		rc = wr_scorer_ingested(sc, id, err);
	wr_scorer_close(sc);
	return rc;
}

static int resolve_txn(struct wr_store *s, const struct wr_user *u, const char *sid,
                       const char *code, int *alias, struct wr_err *err)
{
	struct tally t;
	struct precinct p;
	struct wr_audit *a;
	int rc;

	if ((rc = load_tally(s, sid, &t, err)) != WR_OK ||
	    (rc = load_precinct(s, code, &p, err)) != WR_OK ||
	    (rc = attach(s, &t, &p, err)) != WR_OK ||
	    (rc = learn_alias(s, &t, &p, alias, err)) != WR_OK ||
	    (rc = mark_resolved(s, &t, u->name, err)) != WR_OK ||
	    (rc = score(s, t.id, err)) != WR_OK)
		return rc;
	if (wr_audit_open(&a, s, err) != WR_OK)
		return WR_ESTORE;
	rc = wr_audit_append(a, u->name, "resolve", sid,
	                     json_pack("{s:s, s:b, s:s}", "precinct", code, "alias", *alias,
	                               "role", wr_role_name(u->role)), err);
	wr_audit_close(a);
	return rc;
}

int wr_unmatched_resolve(struct wr_store *s, const struct wr_user *u, const char *sid,
                         const char *code, int *alias, struct wr_err *err)
{
	int learned = 0, rc;

	struct wr_user now_u;

	if (wr_store_begin(s, err) != WR_OK)
		return WR_ESTORE;
	rc = wr_auth_refresh(s, u, &now_u, err);
	if (rc == WR_OK && now_u.role != WR_ROLE_VALIDATOR && now_u.role != WR_ROLE_SUPERVISOR)
		rc = wr_errf(err, WR_EPERM, "%s is a %s; only validators and supervisors "
		             "resolve unmatched tallies", u->name, wr_role_name(now_u.role));
	if (rc == WR_OK)
		rc = resolve_txn(s, &now_u, sid, code, &learned, err);
	rc = wr_store_finish(s, rc, err);
	if (alias)
		*alias = rc == WR_OK && learned;
	return rc;
}

/* Suggestions are stored as a JSON array of codes; their names come from
 * the precinct list in the same query so the operator sees both. */
static void read_row(sqlite3_stmt *st, void *row)
{
	struct wr_unmatched_row *r = row;

	wr_store_text(st, 0, r->submission_id, sizeof r->submission_id);
	wr_store_text(st, 1, r->name, sizeof r->name);
	wr_store_text(st, 2, r->county, sizeof r->county);
	wr_store_text(st, 3, r->reporter, sizeof r->reporter);
	wr_store_text(st, 4, r->source, sizeof r->source);
	wr_store_text(st, 5, r->received_at, sizeof r->received_at);
	r->total = sqlite3_column_int64(st, 6);
	for (int i = 0; i < WR_UNMATCHED_SUGG; i++) {
		if (sqlite3_column_type(st, 7 + 2 * i) == SQLITE_NULL)
			break;
		wr_store_text(st, 7 + 2 * i, r->sugg_code[i], sizeof r->sugg_code[i]);
		wr_store_text(st, 8 + 2 * i, r->sugg_name[i], sizeof r->sugg_name[i]);
		r->nsugg++;
	}
}

#define SUGG(i) \
	" (SELECT code FROM precincts WHERE code = json_extract(u.suggestions, '$[" #i "]'))," \
	" (SELECT name FROM precincts WHERE code = json_extract(u.suggestions, '$[" #i "]'))"

int wr_unmatched_list(struct wr_store *s, struct wr_unmatched_row **rows, size_t *n,
                      struct wr_err *err)
{
	sqlite3_stmt *st;

	*rows = NULL;
	*n = 0;
	if (wr_store_prepare(s, &st, "SELECT s.submission_id, u.name, coalesce(c.name, ''),"
	                     " s.reporter, s.source, s.received_at, s.total," SUGG(0) ","
	                     SUGG(1) "," SUGG(2) " FROM unmatched u JOIN submissions s"
	                     " ON s.id = u.submission LEFT JOIN counties c"
	                     " ON c.fips = u.county_fips WHERE u.resolved_at IS NULL"
	                     " AND s.state = 'unmatched' ORDER BY s.received_at, s.id", err))
		return WR_ESTORE;
	return wr_store_rows(s, st, sizeof **rows, read_row, (void **)rows, n,
	                     "listing unmatched tallies", err);
}
