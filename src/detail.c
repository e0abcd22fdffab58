#include <stdio.h>
#include <string.h>

#include "warroom/detail.h"
#include "warroom/scoring.h"

/* Runs sql (binding ?1 to key when given) and returns its single column of
 * JSON text parsed, or NULL with err filled. The JSON is built by SQLite's
 * json functions: one query per view, no hand-assembled strings. */
static json_t *query_json(struct wr_store *s, const char *sql, const char *key,
                          struct wr_err *err)
{
	sqlite3_stmt *st;
	json_t *v = NULL;
	int rc;

	if (wr_store_prepare(s, &st, sql, err))
		return NULL;
	if (key)
		sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW && sqlite3_column_type(st, 0) != SQLITE_NULL)
		v = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	else if (rc == SQLITE_ROW || rc == SQLITE_DONE)
		wr_errf(err, WR_ENOTFOUND, "nothing found for \"%s\"", key ? key : "");
	else
		wr_store_fail(s, err, "reading a view");
	sqlite3_finalize(st);
	return v;
}

int wr_detail_flags(struct wr_store *s, json_t **out, struct wr_err *err)
{
	*out = query_json(s,
	        "SELECT coalesce(json_group_array(json_object('submission_id', submission_id,"
	        " 'precinct', code, 'county', county_fips, 'rule', rule, 'severity', severity,"
	        " 'message', message, 'value', value, 'threshold', threshold, 'second_look',"
	        " json(CASE second_look WHEN 1 THEN 'true' ELSE 'false' END))), '[]') FROM"
	        " (SELECT s.submission_id, p.code, p.county_fips, f.rule, f.severity,"
	        "  f.message, f.value, f.threshold, f.second_look FROM flags f"
	        "  JOIN submissions s ON s.id = f.submission"
	        "  LEFT JOIN precincts p ON p.id = s.precinct_id"
	        "  WHERE s.state IN ('received', 'flagged', 'clean')"
	        /* an approved tally's second look stays open until its chair
	         * has been called back */
	        "  OR (f.second_look = 1 AND s.state = 'approved' AND EXISTS (SELECT 1"
	        "   FROM callbacks k WHERE"
	        "   k.submission = s.id AND k.done_at IS NULL))"
	        "  ORDER BY CASE f.severity WHEN 'hard' THEN 0 WHEN 'warn' THEN 1 ELSE 2 END,"
	        "  s.received_at, s.id)", NULL, err);
	return *out ? WR_OK : WR_ESTORE;
}

const char *wr_detail_flag_note(const json_t *flag)
{
	return json_is_true(json_object_get(flag, "second_look")) ? WR_SECOND_LOOK : "";
}

/* The tally's own facts, its precinct's, and its flags. */
#define TALLY_SQL \
	"WITH t AS (SELECT s.* FROM submissions s LEFT JOIN precincts p ON" \
	"  p.id = s.precinct_id WHERE s.submission_id = ?1 OR (p.code = ?1 AND" \
	"  s.revision = (SELECT max(revision) FROM submissions WHERE precinct_id = p.id))" \
	"  ORDER BY s.submission_id = ?1 DESC LIMIT 1)" \
	" SELECT json_object('submission_id', t.submission_id, 'state', t.state," \
	"  'source', t.source, 'reporter', t.reporter, 'device', t.device," \
	"  'reported_at', t.reported_at, 'received_at', t.received_at," \
	"  'revision', t.revision, 'total', t.total, 'precinct_ref', t.precinct_ref," \
	"  'precinct', (SELECT json_object('code', p.code, 'name', p.name," \
	"    'county_fips', p.county_fips, 'county', c.name, 'registered_rep'," \
	"    p.registered_rep, 'site', p.site_code, 'site_precincts', (SELECT count(*)" \
	"    FROM precincts q WHERE q.site_code = p.site_code)) FROM precincts p" \
	"    JOIN counties c ON c.fips = p.county_fips WHERE p.id = t.precinct_id)," \
	"  'votes', (SELECT json_group_array(json_object('id', id, 'name', name, 'votes'," \
	"    votes)) FROM (SELECT k.id, k.name, v.votes FROM votes v JOIN candidates k" \
	"    ON k.id = v.candidate WHERE v.submission = t.id ORDER BY k.position))," \
	"  'baseline_totals', (SELECT json_group_object(year, total) FROM (SELECT year," \
	"    sum(votes) total FROM baselines WHERE precinct_id = t.precinct_id" \
	"    GROUP BY year))," \
	"  'baselines', (SELECT json_group_object(year, json(o)) FROM (SELECT year," \
	"    json_group_object(candidate, votes) o FROM baselines" \
	"    WHERE precinct_id = t.precinct_id GROUP BY year))," \
	"  'county_shares', (SELECT json_group_object(candidate, round(1.0 * n / tot, 4))" \
	"    FROM (SELECT v.candidate, sum(v.votes) n, (SELECT sum(v2.votes) FROM votes v2" \
	"    JOIN submissions s2 ON s2.id = v2.submission JOIN precincts p2 ON" \
	"    p2.id = s2.precinct_id WHERE s2.state = 'approved' AND p2.county_fips =" \
	"    (SELECT county_fips FROM precincts WHERE id = t.precinct_id)) tot" \
	"    FROM votes v JOIN submissions s ON s.id = v.submission JOIN precincts p" \
	"    ON p.id = s.precinct_id WHERE s.state = 'approved' AND p.county_fips =" \
	"    (SELECT county_fips FROM precincts WHERE id = t.precinct_id)" \
	"    GROUP BY v.candidate))," \
	"  'flags', (SELECT json_group_array(json_object('rule', rule, 'severity'," \
	"    severity, 'message', message, 'value', value, 'threshold', threshold," \
	"    'second_look', json(CASE second_look WHEN 1 THEN 'true' ELSE 'false' END)))" \
	"    FROM flags WHERE submission = t.id)," \
	"  'revisions', (SELECT json_group_array(json_object('submission_id'," \
	"    r.submission_id, 'revision', r.revision, 'state', r.state, 'source'," \
	"    r.source, 'total', r.total, 'reported_at', r.reported_at, 'votes'," \
	"    (SELECT json_group_array(votes) FROM (SELECT v.votes FROM votes v JOIN" \
	"    candidates k ON k.id = v.candidate WHERE v.submission = r.id" \
	"    ORDER BY k.position)))) FROM (SELECT * FROM submissions" \
	"    WHERE precinct_id = t.precinct_id ORDER BY revision) r)," \
	"  'keyed_by', t.keyed_by, 'raw', CAST(t.raw AS TEXT))" \
	" FROM t"

int wr_detail_tally(struct wr_store *s, const char *key, json_t **out, struct wr_err *err)
{
	wr_err_clear(err);
	*out = query_json(s, TALLY_SQL, key, err);
	if (*out)
		return WR_OK;
	return err && strstr(err->msg, "nothing found") ? WR_ENOTFOUND : WR_ESTORE;
}
