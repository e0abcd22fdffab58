#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "warroom/contest.h"
#include "warroom/timefmt.h"

static int load_candidates(struct wr_store *s, struct wr_contest *c, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT id, name FROM candidates ORDER BY position",
	                     err) != WR_OK)
		return WR_ESTORE;
	c->ncand = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && c->ncand < WR_MAX_CANDIDATES) {
		wr_store_text(st, 0, c->cand[c->ncand].id, sizeof c->cand[0].id);
		wr_store_text(st, 1, c->cand[c->ncand].name, sizeof c->cand[0].name);
		c->ncand++;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return wr_store_fail(s, err, "reading candidates");
	return WR_OK;
}

int wr_contest_load(struct wr_store *s, struct wr_contest *c, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(c, 0, sizeof *c);
	if (wr_store_prepare(s, &st,
	                     "SELECT id, name, state, opens_at_s, substr(opens_at, 1, 10),"
	                     " coalesce(issuer, ''), coalesce(issuer_abbrev, ''), coalesce(party, '')"
	                     " FROM contest LIMIT 1",
	                     err) != WR_OK)
		return WR_ESTORE;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		wr_store_text(st, 0, c->id, sizeof c->id);
		wr_store_text(st, 1, c->name, sizeof c->name);
		wr_store_text(st, 2, c->state, sizeof c->state);
		c->opens_at = sqlite3_column_int64(st, 3);
		wr_store_text(st, 4, c->date, sizeof c->date);
		wr_store_text(st, 5, c->issuer, sizeof c->issuer);
		wr_store_text(st, 6, c->issuer_abbrev, sizeof c->issuer_abbrev);
		wr_store_text(st, 7, c->party, sizeof c->party);
	}
	sqlite3_finalize(st);
	if (rc == SQLITE_DONE)
		return wr_errf(err, WR_ENOTFOUND,
		               "store %s has no contest: run `warroom init --fixtures DIR` first",
		               s->path);
	if (rc != SQLITE_ROW)
		return wr_store_fail(s, err, "reading the contest");
	if (load_candidates(s, c, err) != WR_OK)
		return WR_ESTORE;
	if (c->ncand == 0)
		return wr_errf(err, WR_ENOTFOUND, "store %s: contest %s has no candidates",
		               s->path, c->id);
	return WR_OK;
}

int wr_contest_find(const struct wr_contest *c, const char *id)
{
	for (size_t i = 0; i < c->ncand; i++)
		if (strcmp(c->cand[i].id, id) == 0)
			return (int)i;
	return -1;
}

static int json_text(const json_t *o, const char *key, char *dst, size_t n,
                     const char *path, struct wr_err *err)
{
	const char *v = json_string_value(json_object_get(o, key));

	if (!v || !*v)
		return wr_errf(err, WR_EINVAL, "%s: \"%s\" must be a non-empty string",
		               path, key);
	if (strlen(v) >= n)
		return wr_errf(err, WR_EINVAL, "%s: \"%s\" is longer than %zu bytes", path,
		               key, n - 1);
	snprintf(dst, n, "%s", v);
	return WR_OK;
}

/* Who publishes the results (NIST CDF's Issuer) and for which party:
 * optional, so a contest
 * file from before publishing still loads; publishing names the state's
 * party when it is missing. */
static int optional_text(const json_t *o, const char *key, char *dst, size_t n,
                         const char *path, struct wr_err *err)
{
	if (!json_object_get(o, key))
		return WR_OK;
	return json_text(o, key, dst, n, path, err);
}

static int valid_id(const char *id)
{
	for (; *id; id++)
		if (!((*id >= 'a' && *id <= 'z') || (*id >= '0' && *id <= '9') ||
		      *id == '_' || *id == '-'))
			return 0;
	return 1;
}

static int parse_candidates(const json_t *arr, struct wr_contest *c, const char *path,
                            struct wr_err *err)
{
	size_t i;
	json_t *v;
	char where[PATH_MAX + 32];

	if (!json_is_array(arr) || json_array_size(arr) == 0)
		return wr_errf(err, WR_EINVAL, "%s: \"candidates\" must be a non-empty array",
		               path);
	if (json_array_size(arr) > WR_MAX_CANDIDATES)
		return wr_errf(err, WR_EINVAL, "%s: more than %d candidates", path,
		               WR_MAX_CANDIDATES);
	json_array_foreach(arr, i, v) {
		struct wr_candidate *k = &c->cand[i];

		snprintf(where, sizeof where, "%s: candidates[%zu]", path, i);
		if (json_text(v, "id", k->id, sizeof k->id, where, err) ||
		    json_text(v, "name", k->name, sizeof k->name, where, err))
			return WR_EINVAL;
		if (!valid_id(k->id))
			return wr_errf(err, WR_EINVAL, "%s: id \"%s\" must be lower-case letters, "
			               "digits, _ or -", where, k->id);
		if (wr_contest_find(c, k->id) >= 0)
			return wr_errf(err, WR_EINVAL, "%s: id \"%s\" appears twice", where, k->id);
		c->ncand = i + 1;
	}
	return WR_OK;
}

static int parse_contest(const char *path, struct wr_contest *c, char *opens,
                         struct wr_err *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	struct wr_err why;
	int rc;

	memset(c, 0, sizeof *c);
	if (!root && je.line < 1)
		return wr_errf(err, WR_EINVAL, "%s: %s", path, je.text);
	if (!root)
		return wr_errf(err, WR_EINVAL, "%s:%d:%d: %s", path, je.line, je.column, je.text);
	rc = json_text(root, "id", c->id, sizeof c->id, path, err);
	if (!rc)
		rc = json_text(root, "name", c->name, sizeof c->name, path, err);
	if (!rc)
		rc = json_text(root, "state", c->state, sizeof c->state, path, err);
	if (!rc)
		rc = json_text(root, "opens_at", opens, 64, path, err);
	if (!rc && wr_time_parse(opens, &c->opens_at, &why) != WR_OK)
		rc = wr_errf(err, WR_EINVAL, "%s: opens_at: %s", path, why.msg);
	if (!rc)
		rc = optional_text(root, "issuer", c->issuer, sizeof c->issuer, path, err);
	if (!rc)
		rc = optional_text(root, "issuer_abbreviation", c->issuer_abbrev,
		                   sizeof c->issuer_abbrev, path, err);
	if (!rc)
		rc = optional_text(root, "party", c->party, sizeof c->party, path, err);
	if (!rc)
		rc = parse_candidates(json_object_get(root, "candidates"), c, path, err);
	json_decref(root);
	return rc;
}

static int other_contest(struct wr_store *s, const char *id, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT id FROM contest WHERE id <> ?1", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		wr_errf(err, WR_ECONFLICT, "store %s already holds contest %s; use a new "
		        "store for contest %s", s->path, sqlite3_column_text(st, 0), id);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? WR_ECONFLICT : rc == SQLITE_DONE ? WR_OK
	       : wr_store_fail(s, err, "reading the contest");
}

static int store_contest(struct wr_store *s, const struct wr_contest *c,
                         const char *opens, struct wr_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = wr_store_prepare(s, &st,
	        "INSERT INTO contest (id, name, state, opens_at, opens_at_s, issuer,"
	        " issuer_abbrev, party) VALUES (?1, ?2, ?3, ?4, ?5, nullif(?6, ''),"
	        " nullif(?7, ''), nullif(?8, '')) ON CONFLICT (id) DO UPDATE SET name = ?2,"
	        " state = ?3, opens_at = ?4, opens_at_s = ?5, issuer = nullif(?6, ''),"
	        " issuer_abbrev = nullif(?7, ''), party = nullif(?8, '')",
	        err);

	if (rc)
		return rc;
	sqlite3_bind_text(st, 1, c->id, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, c->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, c->state, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, opens, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, c->opens_at);
	sqlite3_bind_text(st, 6, c->issuer, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 7, c->issuer_abbrev, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, c->party, -1, SQLITE_STATIC);
	if (sqlite3_step(st) != SQLITE_DONE)
		rc = wr_store_fail(s, err, "storing the contest");
	sqlite3_finalize(st);
	return rc;
}

/* After the upsert, a candidate the new file leaves out (a withdrawal
 * before the night) is the one still parked at a negative position. It is
 * removed, unless a stored tally counts votes for it: then the reload is
 * refused. Deciding after the upsert, in two statements, never reads the
 * table while deleting from it. */
static int drop_candidates(struct wr_store *s, const char *path, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT group_concat('\"' || id || '\"', ', ')"
	                     " FROM candidates c WHERE position < 0 AND EXISTS"
	                     " (SELECT 1 FROM votes v WHERE v.candidate = c.id)", err))
		return WR_ESTORE;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		rc = wr_errf(err, WR_ECONFLICT, "%s: candidates: leaves out %s, but stored "
		             "tallies have votes for them; keep them in the file", path,
		             (const char *)sqlite3_column_text(st, 0));
	else if (rc == SQLITE_ROW)
		rc = WR_OK;
	else
		rc = wr_store_fail(s, err, "reading candidates");
	sqlite3_finalize(st);
	if (rc == WR_OK && sqlite3_exec(s->db, "DELETE FROM candidates WHERE position < 0",
	                                NULL, NULL, NULL) != SQLITE_OK)
		rc = wr_store_fail(s, err, "removing candidates");
	return rc;
}

static int store_candidates(struct wr_store *s, const struct wr_contest *c,
                            const char *path, struct wr_err *err)
{
	sqlite3_stmt *st = NULL;
	int rc = wr_store_prepare(s, &st,
	        "INSERT INTO candidates VALUES (?1, ?2, ?3) ON CONFLICT (id) DO UPDATE"
	        " SET name = ?2, position = ?3", err);

	/* Positions move freely during a reload; park them out of the way. */
	if (!rc && sqlite3_exec(s->db, "UPDATE candidates SET position = -1 - position",
	                        NULL, NULL, NULL) != SQLITE_OK)
		rc = wr_store_fail(s, err, "renumbering candidates");
	for (size_t i = 0; !rc && i < c->ncand; i++) {
		sqlite3_bind_text(st, 1, c->cand[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, c->cand[i].name, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, (int)i);
		if (sqlite3_step(st) != SQLITE_DONE)
			rc = wr_store_fail(s, err, "storing a candidate");
		sqlite3_reset(st);
	}
	sqlite3_finalize(st);
	return rc ? rc : drop_candidates(s, path, err);
}

int wr_contest_file_load(struct wr_store *s, const char *path, long *ncand,
                         struct wr_err *err)
{
	struct wr_contest c;
	char opens[64];
	int rc = parse_contest(path, &c, opens, err);

	if (!rc)
		rc = other_contest(s, c.id, err);
	if (!rc)
		rc = store_contest(s, &c, opens, err);
	if (!rc)
		rc = store_candidates(s, &c, path, err);
	*ncand = (long)c.ncand;
	return rc;
}
