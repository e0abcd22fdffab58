#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/audit.h"
#include "warroom/contest.h"
#include "warroom/scoring.h"
#include "warroom/timefmt.h"

#define WINDOW 900   /* seconds: the rate rules count per 15 minutes */
#define MAX_FLAGS 24

enum {
	Q_SUB, Q_VOTES, Q_BASE, Q_LEADER16, Q_OTHER, Q_SITES_REP, Q_SITES_DEV, Q_SITE,
	Q_WINDOW_ADD, Q_WINDOW, Q_COUNTY_ADD, Q_COUNTY_REVISE, Q_COUNTY, Q_BINS, Q_BIN_ADD,
	Q_APPROVED_ADD, Q_PENDING, Q_FLAGS_DEL, Q_FLAG_ADD, Q_STATE, Q_TOTAL, Q_GATE,
	Q_PREV_APPROVED, Q_BIN_SUB, Q_POOLED, Q_POOL_ADD, Q_TURNOUT_ADD, Q_STATE_TURNOUT_ADD,
	Q_STATE_TURNOUT, Q_SENT_ADD, Q_FLAGS_DEL_COUNTY, Q_ROSTER, Q_FLAG_ADD_NEW, Q_CALLBACK_ADD,
	Q_COUNT
};

static const char *const sql[Q_COUNT] = {
	[Q_SUB] = "SELECT s.precinct_id, p.county_fips, p.registered_rep, p.site_code,"
	          " s.total, s.reported_at_s, s.source, s.reporter, coalesce(s.device, ''),"
	          " coalesce(s.supersedes, 0), s.state = 'approved', s.submission_id"
	          " FROM submissions s JOIN precincts p ON p.id = s.precinct_id"
	          " WHERE s.id = ?1",
	[Q_VOTES] = "SELECT candidate, votes FROM votes WHERE submission = ?1",
	[Q_BASE] = "SELECT year, sum(votes) FROM baselines WHERE precinct_id = ?1"
	           " GROUP BY year",
	[Q_LEADER16] = "SELECT max(votes) * 1.0 / nullif(sum(votes), 0) FROM baselines"
	               " WHERE precinct_id = ?1 AND year = 2016",
	/* Test data from before the opening is no tally to disagree with. */
	[Q_OTHER] = "SELECT id, source, total FROM submissions WHERE precinct_id = ?1"
	            " AND id <> ?2 AND source <> ?3 AND state NOT IN ('rejected', 'unmatched')"
	            " AND reported_at_s >= ?4 ORDER BY revision DESC LIMIT 1",
	[Q_SITES_REP] = "SELECT count(DISTINCT p.site_code) FROM submissions s JOIN precincts p"
	                " ON p.id = s.precinct_id WHERE s.reporter = ?1 AND s.source = 'app'",
	[Q_SITES_DEV] = "SELECT count(DISTINCT p.site_code) FROM submissions s JOIN precincts p"
	                " ON p.id = s.precinct_id WHERE s.device = ?1 AND s.source = 'app'",
	/* Per precinct of the room: its newest total and its 2016 caucus; the
	 * room is compared with 2016 only over precincts that have both. */
	[Q_SITE] = "SELECT count(*), sum(reg), sum(now),"
	           " sum(CASE WHEN now IS NOT NULL THEN b16 END),"
	           " sum(CASE WHEN b16 IS NOT NULL THEN now END) FROM"
	           " (SELECT p.registered_rep reg, (SELECT s.total FROM submissions s"
	           "   WHERE s.precinct_id = p.id ORDER BY s.revision DESC LIMIT 1) now,"
	           "   (SELECT sum(b.votes) FROM baselines b WHERE b.precinct_id = p.id"
	           "   AND b.year = 2016) b16 FROM precincts p WHERE p.site_code = ?1)",
	[Q_WINDOW_ADD] = "INSERT INTO rate_windows VALUES (?1, ?2, 1, ?3) ON CONFLICT DO"
	                 " UPDATE SET submissions = submissions + 1, votes = votes + ?3",
	[Q_WINDOW] = "SELECT submissions FROM rate_windows WHERE scope = ?1 AND window = ?2",
	[Q_COUNTY_ADD] = "INSERT INTO county_stats (county_fips, reported, votes, base2016,"
	                 " base2020) VALUES (?1, 1, ?2, ?3, ?4) ON CONFLICT DO UPDATE SET"
	                 " reported = reported + 1, votes = votes + ?2,"
	                 " base2016 = base2016 + ?3, base2020 = base2020 + ?4",
	[Q_COUNTY_REVISE] = "UPDATE county_stats SET votes = votes + ?2 WHERE county_fips = ?1",
	[Q_COUNTY] = "SELECT approved, approved_votes, approved_base FROM county_stats"
	             " WHERE county_fips = ?1",
	/* Only the gate counts the county's precincts: scoring must not, or a
	 * tally would cost more in a bigger county. */
	/* Only approved numbers are ever published, so the gate weighs those:
	 * a rejected 10x typo must not hold a county, nor a test night open it. */
	[Q_GATE] = "SELECT c.approved, c.approved_votes, c.approved_base,"
	           " (SELECT count(*) FROM precincts WHERE county_fips = ?1)"
	           " FROM (SELECT 1) LEFT JOIN county_stats c ON c.county_fips = ?1",
	[Q_BINS] = "SELECT candidate, bin, n FROM county_share_bins WHERE county_fips = ?1",
	[Q_BIN_ADD] = "INSERT INTO county_share_bins VALUES (?1, ?2, ?3, 1) ON CONFLICT DO"
	              " UPDATE SET n = n + 1",
	[Q_APPROVED_ADD] = "INSERT INTO county_stats (county_fips, approved) VALUES (?1, ?2)"
	                   " ON CONFLICT DO UPDATE SET approved = approved + ?2"
	                   " RETURNING approved",
	/* Approved ones too, for a second look (judged, never un-approved),
	 * unless a revision of the precinct is in already: the correction is
	 * there, nobody needs calling about the number it replaces. */
	[Q_PENDING] = "SELECT s.id FROM submissions s JOIN precincts p ON p.id = s.precinct_id"
	              " WHERE p.county_fips = ?1 AND (s.state IN ('received', 'flagged', 'clean')"
	              " OR (s.state = 'approved' AND NOT EXISTS (SELECT 1 FROM submissions n"
	              " WHERE n.precinct_id = s.precinct_id AND n.revision > s.revision)))",
	[Q_FLAGS_DEL] = "DELETE FROM flags WHERE submission = ?1",
	/* ?2: the county rules' ids, a JSON array (county_rules) */
	[Q_FLAGS_DEL_COUNTY] = "DELETE FROM flags WHERE submission = ?1 AND rule IN"
	                       " (SELECT value FROM json_each(?2))",
	[Q_FLAG_ADD] = "INSERT INTO flags (submission, rule, severity, message, value,"
	               " threshold, created_at, second_look) VALUES (?1, ?2, ?3, ?4, ?5, ?6,"
	               " ?7, ?8)",
	/* A second look adds a rule's flag only where the tally has none. */
	[Q_FLAG_ADD_NEW] = "INSERT INTO flags (submission, rule, severity, message, value,"
	                   " threshold, created_at, second_look) SELECT ?1, ?2, ?3, ?4, ?5,"
	                   " ?6, ?7, ?8 WHERE NOT EXISTS (SELECT 1 FROM flags"
	                   " WHERE submission = ?1 AND rule = ?2)",
	/* An open callback (an earlier look's) is left as it is: one call
	 * covers both. A done one is opened again: another rule fired since the
	 * chair confirmed, which is news to ask about. */
	[Q_CALLBACK_ADD] = "INSERT INTO callbacks (submission, reason, created_at)"
	                   " VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE SET reason = ?2,"
	                   " created_at = ?3, done_at = NULL, done_by = NULL"
	                   " WHERE done_at IS NOT NULL",
	[Q_STATE] = "UPDATE submissions SET state = CASE WHEN EXISTS (SELECT 1 FROM flags"
	            " WHERE submission = ?1 AND severity IN ('warn', 'hard')) THEN 'flagged'"
	            " ELSE 'clean' END WHERE id = ?1"
	            " AND state IN ('received', 'flagged', 'clean')",
	[Q_TOTAL] = "SELECT total, reported_at_s FROM submissions WHERE id = ?1",
	/* Revision order, not decision time: clocks of different consoles
	 * agree only to the second. */
	[Q_PREV_APPROVED] = "SELECT d.submission FROM decisions d JOIN submissions o"
	                    " ON o.id = d.submission WHERE o.precinct_id = ?1 AND o.id <> ?2"
	                    " AND d.decision = 'approved' AND o.reported_at_s >= ?3"
	                    " ORDER BY o.revision DESC LIMIT 1",
	[Q_BIN_SUB] = "UPDATE county_share_bins SET n = n - 1 WHERE county_fips = ?1"
	              " AND candidate = ?2 AND bin = ?3 AND n > 0",
	[Q_TURNOUT_ADD] = "INSERT INTO county_stats (county_fips, approved_votes,"
	                  " approved_base) VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE SET"
	                  " approved_votes = approved_votes + ?2,"
	                  " approved_base = approved_base + ?3",
	[Q_STATE_TURNOUT_ADD] = "INSERT INTO state_turnout VALUES (1, ?1, ?2) ON CONFLICT"
	                        " DO UPDATE SET approved_votes = approved_votes + ?1,"
	                        " approved_base = approved_base + ?2",
	[Q_STATE_TURNOUT] = "SELECT approved_votes, approved_base FROM state_turnout",
	/* A tally with a hard flag (absurd, over registered, not adding up)
	 * stays out: one 99,999-vote typo would skew every room after it. */
	[Q_SENT_ADD] = "INSERT INTO county_votes SELECT '+', candidate, votes FROM votes"
	               " WHERE submission = ?1 AND NOT EXISTS (SELECT 1 FROM flags"
	               " WHERE submission = ?1 AND severity = 'hard') ON CONFLICT DO UPDATE"
	               " SET votes = votes + excluded.votes",
	/* Scopes: the county's approved votes, the state's ('*'), and every
	 * tally the state has sent since the opening ('+'). */
	[Q_POOLED] = "SELECT CASE county_fips WHEN '*' THEN 1 WHEN '+' THEN 2 ELSE 0 END,"
	             " candidate, votes FROM county_votes WHERE county_fips IN (?1, '*', '+')",
	[Q_ROSTER] = "SELECT count(*), coalesce(max(r.precinct_id = ?2), 0), min(p.code),"
	             " EXISTS (SELECT 1 FROM roster) FROM roster r JOIN precincts p"
	             " ON p.id = r.precinct_id WHERE r.reporter = ?1",
	[Q_POOL_ADD] = "INSERT INTO county_votes VALUES (?1, ?2, ?3) ON CONFLICT DO UPDATE"
	               " SET votes = votes + ?3",
};

struct wr_scorer {
	struct wr_store *s;
	struct wr_contest contest;
	struct wr_thresholds t;
	sqlite3_stmt *st[Q_COUNT];
	long steps;
	long bins[WR_MAX_CANDIDATES][101];  /* a county's share histograms */
	char county_rules[512];  /* ids of the rules judged again, a JSON array */
};

/* What scoring knows about the tally beyond the rules' context. */
struct tally {
	int64_t id, precinct, supersedes;
	int approved;
	char sid[129];
	char county[8], site[33], source[16], reporter[129], device[129];
};

long wr_scorer_steps(const struct wr_scorer *sc)
{
	return sc->steps;
}

static enum wr_rejudge rejudge(const char *rule)
{
	const struct wr_rule *r = wr_rule_find(rule);

	return r ? r->rejudge : WR_REJUDGE_NEVER;
}

/* The rules that judge a tally against its county's approved tallies: the
 * only ones whose answer changes when the county's context does. */
static int county_rule(const char *rule)
{
	return rejudge(rule) != WR_REJUDGE_NEVER;
}

/* The table's county rules as a JSON array, for deleting their flags in
 * one statement. */
static void list_county_rules(char *out, size_t size)
{
	size_t n, len = 1;
	const struct wr_rule *r = wr_rules_table(&n);

	snprintf(out, size, "[");
	for (size_t i = 0; i < n; i++)
		if (r[i].rejudge != WR_REJUDGE_NEVER && len < size)
			len += (size_t)snprintf(out + len, size - len, "%s\"%s\"", len > 1 ? "," : "",
			                        r[i].id);
	if (len < size)
		snprintf(out + len, size - len, "]");
}

int wr_scorer_open(struct wr_scorer **out, struct wr_store *s, struct wr_err *err)
{
	struct wr_scorer *sc = wr_xcalloc(1, sizeof *sc);
	int rc;

	sc->s = s;
	list_county_rules(sc->county_rules, sizeof sc->county_rules);
	if ((rc = wr_contest_load(s, &sc->contest, err)) != WR_OK ||
	    (rc = wr_thresholds_load(s, &sc->t, err)) != WR_OK)
		goto fail;
	for (int i = 0; i < Q_COUNT; i++)
		if ((rc = wr_store_prepare(s, &sc->st[i], sql[i], err)) != WR_OK)
			goto fail;
	*out = sc;
	return WR_OK;
fail:
	wr_scorer_close(sc);
	return rc;
}

void wr_scorer_close(struct wr_scorer *sc)
{
	if (!sc)
		return;
	for (int i = 0; i < Q_COUNT; i++)
		sqlite3_finalize(sc->st[i]);
	free(sc);
}

/* Steps a statement; a row stays readable until done() resets it. */
static int step(struct wr_scorer *sc, sqlite3_stmt *st, struct wr_err *err)
{
	int rc = sqlite3_step(st);

	sc->steps++;
	if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
		sqlite3_reset(st);
		return wr_store_fail(sc->s, err, "scoring a tally");
	}
	return rc == SQLITE_ROW;
}

static void done(sqlite3_stmt *st)
{
	sqlite3_reset(st);
	sqlite3_clear_bindings(st);
}

static int exec_done(struct wr_scorer *sc, sqlite3_stmt *st, struct wr_err *err)
{
	int rc = step(sc, st, err);

	done(st);
	return rc < 0 ? rc : WR_OK;
}

static const char *text(sqlite3_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st, col);

	return t ? (const char *)t : "";
}

static int load_tally(struct wr_scorer *sc, int64_t id, struct tally *t,
                      struct wr_rule_ctx *c, struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_SUB];
	int rc;

	sqlite3_bind_int64(st, 1, id);
	if ((rc = step(sc, st, err)) == 1) {
		t->id = id;
		t->precinct = sqlite3_column_int64(st, 0);
		snprintf(t->county, sizeof t->county, "%s", text(st, 1));
		c->registered = sqlite3_column_int64(st, 2);
		snprintf(t->site, sizeof t->site, "%s", text(st, 3));
		c->total = sqlite3_column_int64(st, 4);
		c->reported_at = sqlite3_column_int64(st, 5);
		snprintf(t->source, sizeof t->source, "%s", text(st, 6));
		snprintf(t->reporter, sizeof t->reporter, "%s", text(st, 7));
		snprintf(t->device, sizeof t->device, "%s", text(st, 8));
		t->supersedes = sqlite3_column_int64(st, 9);
		t->approved = sqlite3_column_int(st, 10);
		snprintf(t->sid, sizeof t->sid, "%s", text(st, 11));
	}
	done(st);
	if (rc == 0)
		return wr_errf(err, WR_ENOTFOUND, "no matched tally with id %lld", (long long)id);
	return rc < 0 ? rc : WR_OK;
}

/* Votes of submission id in contest order; returns its total via out. */
static int load_votes(struct wr_scorer *sc, int64_t id, int64_t *votes, struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_VOTES];
	int rc;

	memset(votes, 0, sizeof(int64_t) * WR_MAX_CANDIDATES);
	sqlite3_bind_int64(st, 1, id);
	while ((rc = step(sc, st, err)) == 1) {
		int i = wr_contest_find(&sc->contest, text(st, 0));

		if (i >= 0)
			votes[i] = sqlite3_column_int64(st, 1);
	}
	done(st);
	return rc < 0 ? rc : WR_OK;
}

static int load_baselines(struct wr_scorer *sc, const struct tally *t,
                          struct wr_rule_ctx *c, struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_BASE];
	int rc;

	c->base2016 = c->base2020 = -1;
	sqlite3_bind_int64(st, 1, t->precinct);
	while ((rc = step(sc, st, err)) == 1) {
		if (sqlite3_column_int(st, 0) == 2016)
			c->base2016 = sqlite3_column_int64(st, 1);
		else if (sqlite3_column_int(st, 0) == 2020)
			c->base2020 = sqlite3_column_int64(st, 1);
	}
	done(st);
	if (rc < 0)
		return rc;
	st = sc->st[Q_LEADER16];
	sqlite3_bind_int64(st, 1, t->precinct);
	rc = step(sc, st, err);
	c->leader2016_share = rc == 1 && sqlite3_column_type(st, 0) != SQLITE_NULL
	                      ? sqlite3_column_double(st, 0) : -1;
	done(st);
	return rc < 0 ? rc : WR_OK;
}

/* A tally's total, and (when reported is not NULL) when it was reported. */
static int total_of(struct wr_scorer *sc, int64_t id, int64_t *total, int64_t *reported,
                    struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_TOTAL];
	int rc;

	sqlite3_bind_int64(st, 1, id);
	rc = step(sc, st, err);
	*total = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
	if (reported)
		*reported = rc == 1 ? sqlite3_column_int64(st, 1) : 0;
	done(st);
	return rc < 0 ? rc : WR_OK;
}

static int load_other(struct wr_scorer *sc, const struct tally *t, struct wr_rule_ctx *c,
                      struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_OTHER];
	int64_t other = 0;
	int rc;

	sqlite3_bind_int64(st, 1, t->precinct);
	sqlite3_bind_int64(st, 2, t->id);
	sqlite3_bind_text(st, 3, t->source, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 4, c->opens_at);
	if ((rc = step(sc, st, err)) == 1) {
		other = sqlite3_column_int64(st, 0);
		snprintf(c->other_source, sizeof c->other_source, "%s", text(st, 1));
		c->other_total = sqlite3_column_int64(st, 2);
	}
	done(st);
	if (rc < 0)
		return rc;
	c->has_other = other != 0;
	if (t->supersedes) {
		int64_t when;

		if (load_votes(sc, t->supersedes, c->prev_votes, err) != WR_OK ||
		    total_of(sc, t->supersedes, &c->prev_total, &when, err) != WR_OK)
			return WR_ESTORE;
		/* A real tally after test data revises nothing the rules care
		 * about; the totals still replace each other in the aggregates. */
		c->has_prev = when >= c->opens_at;
	}
	return other ? load_votes(sc, other, c->other_votes, err) : WR_OK;
}

static int count1(struct wr_scorer *sc, int q, const char *key, int64_t key2,
                  int64_t *out, struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[q];
	int rc;

	sqlite3_bind_text(st, 1, key, -1, SQLITE_STATIC);
	if (q == Q_WINDOW)
		sqlite3_bind_int64(st, 2, key2);
	rc = step(sc, st, err);
	*out = rc == 1 ? sqlite3_column_int64(st, 0) : 0;
	done(st);
	return rc < 0 ? rc : WR_OK;
}

/* Sites only count for app tallies: hotline staff key for every room. */
static int load_people(struct wr_scorer *sc, const struct tally *t, struct wr_rule_ctx *c,
                       struct wr_err *err)
{
	int64_t n;

	if (strcmp(t->source, "app") != 0)
		return WR_OK;
	if (count1(sc, Q_SITES_REP, t->reporter, 0, &n, err) != WR_OK)
		return WR_ESTORE;
	c->reporter_sites = (int)n;
	if (t->device[0] && count1(sc, Q_SITES_DEV, t->device, 0, &n, err) != WR_OK)
		return WR_ESTORE;
	c->device_sites = t->device[0] ? (int)n : 0;
	return WR_OK;
}

/* Every source: on the hotline the reporter is the caller, whom the keyer
 * names, so a tally keyed under the wrong precinct still names its chair. */
static int load_roster(struct wr_scorer *sc, const struct tally *t, struct wr_rule_ctx *c,
                       struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_ROSTER];
	int rc;

	c->reporter = t->reporter;
	sqlite3_bind_text(st, 1, t->reporter, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, t->precinct);
	if ((rc = step(sc, st, err)) == 1) {
		c->roster_listed = sqlite3_column_int(st, 0);
		c->roster_here = sqlite3_column_int(st, 1);
		snprintf(c->roster_first, sizeof c->roster_first, "%s", text(st, 2));
		c->roster_loaded = sqlite3_column_int(st, 3);
	}
	done(st);
	return rc < 0 ? rc : WR_OK;
}

static int load_site(struct wr_scorer *sc, const struct tally *t, struct wr_rule_ctx *c,
                     struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_SITE];
	int rc;

	if (!t->site[0])
		return WR_OK;
	sqlite3_bind_text(st, 1, t->site, -1, SQLITE_STATIC);
	if ((rc = step(sc, st, err)) == 1) {
		c->site_precincts = sqlite3_column_int(st, 0);
		c->site_registered = sqlite3_column_int64(st, 1);
		c->site_votes = sqlite3_column_int64(st, 2);
		c->site_base2016 = sqlite3_column_int64(st, 3);
		c->site_votes_based = sqlite3_column_int64(st, 4);
	}
	done(st);
	return rc < 0 ? rc : WR_OK;
}

static void scope(char *out, size_t n, const char *kind, const char *name)
{
	snprintf(out, n, "%s:%s", kind, name);
}

static int load_windows(struct wr_scorer *sc, const struct tally *t, struct wr_rule_ctx *c,
                        struct wr_err *err)
{
	int64_t w = c->reported_at / WINDOW;
	int app = !strcmp(t->source, "app");
	char key[160];

	scope(key, sizeof key, "county", t->county);
	if (count1(sc, Q_WINDOW, "state", w, &c->window_state, err) ||
	    count1(sc, Q_WINDOW, key, w, &c->window_county, err))
		return WR_ESTORE;
	scope(key, sizeof key, "reporter", t->reporter);
	if (app && count1(sc, Q_WINDOW, key, w, &c->window_reporter, err))
		return WR_ESTORE;
	/* A hotline desk keys for every room; only app devices can burst. */
	scope(key, sizeof key, "device", t->device);
	if (app && t->device[0] && count1(sc, Q_WINDOW, key, w, &c->window_device, err))
		return WR_ESTORE;
	return WR_OK;
}

/* Median of a 101-bin histogram of n values, as a bin number. */
static int median_bin(const long *h, long n)
{
	long seen = 0;

	for (int b = 0; b <= 100; b++)
		if ((seen += h[b]) * 2 >= n)
			return b;
	return 100;
}

static void median_mad(const long *h, long n, double *median, double *mad)
{
	long dist[101] = { 0 };
	int m = median_bin(h, n);

	for (int b = 0; b <= 100; b++)
		dist[abs(b - m)] += h[b];
	*median = m / 100.0;
	*mad = median_bin(dist, n) / 100.0;
}

static double param(const struct wr_scorer *sc, const char *rule, const char *name)
{
	const struct wr_rule *r = wr_rule_find(rule);
	size_t n;

	return sc->t.value[r - wr_rules_table(&n)][wr_rule_param(r, name)];
}

/* The state's turnout ratio stands in while the county's is too thin. */
static int load_state_turnout(struct wr_scorer *sc, struct wr_rule_ctx *c,
                              struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_STATE_TURNOUT];
	int rc;

	if (c->turnout_base >= param(sc, "turnout_county", "min_base"))
		return WR_OK;
	if ((rc = step(sc, st, err)) == 1) {
		c->turnout_votes = sqlite3_column_int64(st, 0);
		c->turnout_base = sqlite3_column_int64(st, 1);
		c->turnout_statewide = 1;
	}
	done(st);
	return rc < 0 ? WR_ESTORE : WR_OK;
}

static int load_county(struct wr_scorer *sc, const struct tally *t, struct wr_rule_ctx *c,
                       struct wr_err *err)
{
	long (*h)[101] = sc->bins;
	sqlite3_stmt *st = sc->st[Q_COUNTY];
	int rc;

	sqlite3_bind_text(st, 1, t->county, -1, SQLITE_STATIC);
	rc = step(sc, st, err);
	c->county_approved = rc == 1 ? sqlite3_column_int(st, 0) : 0;
	c->turnout_votes = rc == 1 ? sqlite3_column_int64(st, 1) : 0;
	c->turnout_base = rc == 1 ? sqlite3_column_int64(st, 2) : 0;
	done(st);
	if (rc < 0 || load_state_turnout(sc, c, err) != WR_OK)
		return WR_ESTORE;
	if (c->county_approved == 0)
		return WR_OK;
	memset(sc->bins, 0, sizeof sc->bins);
	st = sc->st[Q_BINS];
	sqlite3_bind_text(st, 1, t->county, -1, SQLITE_STATIC);
	while ((rc = step(sc, st, err)) == 1) {
		int i = wr_contest_find(&sc->contest, text(st, 0)), b = sqlite3_column_int(st, 1);

		if (i >= 0 && b >= 0 && b <= 100)
			h[i][b] = sqlite3_column_int64(st, 2);
	}
	done(st);
	for (size_t i = 0; i < c->ncand; i++)
		median_mad(h[i], c->county_approved, &c->county_median[i], &c->county_mad[i]);
	return rc < 0 ? rc : WR_OK;
}

/* The county's approved votes per candidate, less the tally's own when it
 * is approved, and the other counties' (the state's less the county's:
 * the county would otherwise count twice, and the tally's own drops out
 * with it). In the night's first minutes, while the other counties have
 * too few approved, every tally sent so far (hard-flagged ones left out)
 * stands in for them. */
static int load_pooled(struct wr_scorer *sc, const struct tally *t, struct wr_rule_ctx *c,
                       struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_POOLED];
	int64_t v[3][WR_MAX_CANDIDATES] = { { 0 } }, n[3] = { 0, 0, 0 };
	/* As wr_scorer_approved pooled it; only the latest approved tally of a
	 * precinct is ever scored once approved (a second look). */
	int own = t->approved && c->reported_at >= c->opens_at && c->total > 0;
	int rc, state;

	sqlite3_bind_text(st, 1, t->county, -1, SQLITE_STATIC);
	while ((rc = step(sc, st, err)) == 1) {
		int scope = sqlite3_column_int(st, 0), i = wr_contest_find(&sc->contest,
		                                                           text(st, 1));

		if (i >= 0 && scope >= 0 && scope < 3)
			v[scope][i] = sqlite3_column_int64(st, 2);
	}
	done(st);
	if (rc < 0)
		return rc;
	for (size_t i = 0; i < c->ncand; i++) {
		v[1][i] -= v[0][i];
		v[0][i] -= own ? c->votes[i] : 0;
		for (int k = 0; k < 3; k++)
			n[k] += v[k][i];
	}
	state = n[1] < param(sc, "pooled_share", "min_pooled") ? 2 : 1;
	c->state_sent = state == 2;
	c->state_votes = n[state];
	c->county_votes = n[0];
	c->county_rooms = c->county_approved - own;
	for (size_t i = 0; i < c->ncand; i++) {
		c->state_share[i] = n[state] > 0 ? (double)v[state][i] / (double)n[state] : 0;
		c->county_share[i] = n[0] > 0 ? (double)v[0][i] / (double)n[0] : 0;
	}
	return WR_OK;
}

static int load_context(struct wr_scorer *sc, int64_t id, struct tally *t,
                        struct wr_rule_ctx *c, struct wr_err *err)
{
	memset(t, 0, sizeof *t);
	memset(c, 0, sizeof *c);
	c->ncand = sc->contest.ncand;
	for (size_t i = 0; i < c->ncand; i++)
		c->cand[i] = sc->contest.cand[i].id;
	c->opens_at = sc->contest.opens_at;
	if (load_tally(sc, id, t, c, err) || load_votes(sc, id, c->votes, err) ||
	    load_baselines(sc, t, c, err) || load_other(sc, t, c, err) ||
	    load_people(sc, t, c, err) || load_roster(sc, t, c, err) ||
	    load_site(sc, t, c, err) ||
	    load_windows(sc, t, c, err) || load_county(sc, t, c, err) ||
	    load_pooled(sc, t, c, err))
		return WR_ESTORE;
	return WR_OK;
}


/* second: raised after the tally was approved (see second_look), and then
 * only when the tally has no flag of the rule. 1 when added, 0 when not,
 * <0 on error. */
static int add_flag(struct wr_scorer *sc, int64_t id, const struct wr_flag *f,
                    const char *now, int second, struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[second ? Q_FLAG_ADD_NEW : Q_FLAG_ADD];

	sqlite3_bind_int64(st, 1, id);
	sqlite3_bind_text(st, 2, f->rule, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, wr_severity_name(f->severity), -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, f->message, -1, SQLITE_STATIC);
	sqlite3_bind_double(st, 5, f->value);
	sqlite3_bind_double(st, 6, f->threshold);
	sqlite3_bind_text(st, 7, now, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 8, second);
	if (exec_done(sc, st, err) != WR_OK)
		return -1;
	return sqlite3_changes(sc->s->db) > 0;
}

/* Replaces the tally's flags (only the county rules' on a re-score, so the
 * rest keep what was judged when the tally arrived) and derives its state
 * from the flags it then has. */
static int write_flags(struct wr_scorer *sc, int64_t id, const struct wr_flag *f, size_t n,
                       int only_county, struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[only_county ? Q_FLAGS_DEL_COUNTY : Q_FLAGS_DEL];
	char now[32];

	wr_time_format_utc(wr_time_now(), now);
	sqlite3_bind_int64(st, 1, id);
	if (only_county)
		sqlite3_bind_text(st, 2, sc->county_rules, -1, SQLITE_STATIC);
	if (exec_done(sc, st, err))
		return WR_ESTORE;
	for (size_t i = 0; i < n; i++)
		if ((!only_county || county_rule(f[i].rule)) &&
		    add_flag(sc, id, &f[i], now, 0, err) < 0)
			return WR_ESTORE;
	st = sc->st[Q_STATE];
	sqlite3_bind_int64(st, 1, id);
	return exec_done(sc, st, err);
}

static int judge(struct wr_scorer *sc, int64_t id, const struct wr_rule_ctx *c,
                 int only_county, struct wr_err *err)
{
	struct wr_flag flags[MAX_FLAGS];
	size_t n = wr_rules_run(&sc->t, c, flags, MAX_FLAGS);

	return write_flags(sc, id, flags, n, only_county, err);
}

/* Lists the tally for a call to its chair, in the audit as the rules'. */
static int call_back(struct wr_scorer *sc, const struct tally *t, const struct wr_flag *f,
                     const char *now, struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_CALLBACK_ADD];
	struct wr_audit *a;
	char why[300];
	int rc;

	snprintf(why, sizeof why, WR_SECOND_LOOK "%s", f->message);
	sqlite3_bind_int64(st, 1, t->id);
	sqlite3_bind_text(st, 2, why, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, now, -1, SQLITE_STATIC);
	if (exec_done(sc, st, err) != WR_OK || wr_audit_open(&a, sc->s, err) != WR_OK)
		return WR_ESTORE;
	rc = wr_audit_append(a, "rules", "second_look", t->sid, json_pack("{s:s, s:s, s:s}",
	                     "rule", f->rule, "severity", wr_severity_name(f->severity),
	                     "message", f->message), err);
	wr_audit_close(a);
	return rc;
}

/* The county rules a second look takes (WR_REJUDGE_APPROVED in the rule
 * table). */
static int share_rule(const char *rule)
{
	return rejudge(rule) == WR_REJUDGE_APPROVED;
}

/* An approved tally, judged again now that its county has more context: a
 * share rule that fires and had not is added, marked as a second look,
 * and the chair is to be called back. Nothing is taken away or undone:
 * the flags the validator saw stay, and so does the approval. */
static int second_look(struct wr_scorer *sc, const struct tally *t,
                       const struct wr_rule_ctx *c, struct wr_err *err)
{
	struct wr_flag f[MAX_FLAGS];
	size_t n = wr_rules_run(&sc->t, c, f, MAX_FLAGS), first = n;
	char now[32];
	int rc;

	wr_time_format_utc(wr_time_now(), now);
	for (size_t i = 0; i < n; i++) {
		if (!share_rule(f[i].rule) || f[i].severity < WR_SEV_WARN)
			continue;
		if ((rc = add_flag(sc, t->id, &f[i], now, 1, err)) < 0)
			return WR_ESTORE;
		if (rc && first == n)
			first = i;
	}
	return first < n ? call_back(sc, t, &f[first], now, err) : WR_OK;
}

int wr_scorer_rescore(struct wr_scorer *sc, int64_t id, struct wr_err *err)
{
	struct tally t;
	struct wr_rule_ctx c;

	if (load_context(sc, id, &t, &c, err) != WR_OK)
		return WR_ESTORE;
	if (!t.approved)
		return judge(sc, id, &c, 1, err);
	/* Approved test data is never published: nobody needs calling. */
	return c.reported_at < c.opens_at ? WR_OK : second_look(sc, &t, &c, err);
}

static int add_window(struct wr_scorer *sc, const char *key, int64_t w, int64_t votes,
                      struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_WINDOW_ADD];

	sqlite3_bind_text(st, 1, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 2, w);
	sqlite3_bind_int64(st, 3, votes);
	return exec_done(sc, st, err);
}

/* Counts the tally in its 15-minute windows; the context read them before,
 * so it is moved on by one too. */
static int account_windows(struct wr_scorer *sc, const struct tally *t,
                           struct wr_rule_ctx *c, struct wr_err *err)
{
	int64_t w = c->reported_at / WINDOW;
	char key[160];

	if (add_window(sc, "state", w, c->total, err))
		return WR_ESTORE;
	c->window_state++;
	scope(key, sizeof key, "county", t->county);
	if (add_window(sc, key, w, c->total, err))
		return WR_ESTORE;
	c->window_county++;
	if (!strcmp(t->source, "app")) {
		scope(key, sizeof key, "reporter", t->reporter);
		if (add_window(sc, key, w, c->total, err))
			return WR_ESTORE;
		c->window_reporter++;
		scope(key, sizeof key, "device", t->device);
		if (t->device[0] && add_window(sc, key, w, c->total, err))
			return WR_ESTORE;
		c->window_device += t->device[0] != 0;
	}
	return WR_OK;
}

/* A new precinct adds to its county; a revision replaces its precinct's
 * previous total. */
static int account_county(struct wr_scorer *sc, const struct tally *t,
                          const struct wr_rule_ctx *c, struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[t->supersedes ? Q_COUNTY_REVISE : Q_COUNTY_ADD];

	sqlite3_bind_text(st, 1, t->county, -1, SQLITE_STATIC);
	if (t->supersedes) {
		sqlite3_bind_int64(st, 2, c->total - c->prev_total);
	} else {
		sqlite3_bind_int64(st, 2, c->total);
		sqlite3_bind_int64(st, 3, c->base2016 > 0 ? c->base2016 : 0);
		sqlite3_bind_int64(st, 4, c->base2020 > 0 ? c->base2020 : 0);
	}
	return exec_done(sc, st, err);
}

int wr_scorer_ingested(struct wr_scorer *sc, int64_t id, struct wr_err *err)
{
	struct tally t;
	struct wr_rule_ctx c;

	if (load_context(sc, id, &t, &c, err) || account_windows(sc, &t, &c, err) ||
	    account_county(sc, &t, &c, err) || judge(sc, id, &c, 0, err))
		return WR_ESTORE;
	/* Judged without itself; test data from before the opening is no tally. */
	if (c.reported_at < c.opens_at)
		return WR_OK;
	sqlite3_bind_int64(sc->st[Q_SENT_ADD], 1, id);
	return exec_done(sc, sc->st[Q_SENT_ADD], err);
}

/* approving: the tally whose approval brought the context. It is not
 * given a second look now: its validator has just judged it, and its own
 * audit record is still to come after this one. */
static int rescore_county(struct wr_scorer *sc, const char *county, int64_t approving,
                          struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_PENDING];
	int64_t *ids = NULL;
	size_t n = 0, cap = 0;
	int rc;

	sqlite3_bind_text(st, 1, county, -1, SQLITE_STATIC);
	while ((rc = step(sc, st, err)) == 1) {
		if (n == cap)
			ids = wr_xrealloc(ids, (cap = cap ? 2 * cap : 64) * sizeof *ids);
		ids[n++] = sqlite3_column_int64(st, 0);
	}
	done(st);
	for (size_t i = 0; rc == 0 && i < n; i++)
		if (ids[i] != approving)
			rc = wr_scorer_rescore(sc, ids[i], err);
	free(ids);
	return rc < 0 ? WR_ESTORE : WR_OK;
}

/* The county's distribution changes enough to matter when its approved
 * count reaches the outlier rule's minimum and each time it doubles after:
 * re-scoring then keeps the total work linear in the night's tallies. */
static int worth_rescoring(const struct wr_scorer *sc, long approved)
{
	const struct wr_rule *r = wr_rule_find("county_outlier");
	size_t n;
	long min = (long)sc->t.value[r - wr_rules_table(&n)][wr_rule_param(r, "min_precincts")];

	while (min > 0 && min < approved)
		min *= 2;
	return approved == min;
}

/* Adds (q = Q_BIN_ADD) or takes back (Q_BIN_SUB) one precinct's shares. */
static int move_bins(struct wr_scorer *sc, int q, const char *county,
                     const int64_t *votes, int64_t total, struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[q];
	int64_t all = 0;

	/* Shares of what was counted: a total below the votes' sum cannot push
	 * a share past 100%. */
	for (size_t i = 0; i < sc->contest.ncand; i++)
		all += votes[i];
	total = all > total ? all : total;
	for (size_t i = 0; i < sc->contest.ncand && total > 0; i++) {
		sqlite3_bind_text(st, 1, county, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, sc->contest.cand[i].id, -1, SQLITE_STATIC);
		sqlite3_bind_int(st, 3, (int)lround(100.0 * (double)votes[i] / (double)total));
		if (exec_done(sc, st, err))
			return WR_ESTORE;
	}
	return WR_OK;
}

/* Adds sign x the votes to the county's and the state's approved votes. */
static int pool(struct wr_scorer *sc, const char *county, const int64_t *votes, int sign,
                struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_POOL_ADD];
	const char *scopes[] = { county, "*" };

	for (size_t k = 0; k < 2; k++)
		for (size_t i = 0; i < sc->contest.ncand; i++) {
			sqlite3_bind_text(st, 1, scopes[k], -1, SQLITE_STATIC);
			sqlite3_bind_text(st, 2, sc->contest.cand[i].id, -1, SQLITE_STATIC);
			sqlite3_bind_int64(st, 3, sign * votes[i]);
			if (exec_done(sc, st, err))
				return WR_ESTORE;
		}
	return WR_OK;
}

/* Adds sign x a tally to its county's approved turnout, when its precinct
 * has a 2016 caucus to compare with. */
static int approved_turnout(struct wr_scorer *sc, const struct tally *t, int64_t total,
                            int sign, struct wr_err *err)
{
	struct wr_rule_ctx b;
	sqlite3_stmt *st = sc->st[Q_TURNOUT_ADD];

	memset(&b, 0, sizeof b);
	if (load_baselines(sc, t, &b, err) != WR_OK)
		return WR_ESTORE;
	if (b.base2016 <= 0)
		return WR_OK;
	sqlite3_bind_text(st, 1, t->county, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, sign * total);
	sqlite3_bind_int64(st, 3, sign * b.base2016);
	if (exec_done(sc, st, err))
		return WR_ESTORE;
	st = sc->st[Q_STATE_TURNOUT_ADD];
	sqlite3_bind_int64(st, 1, sign * total);
	sqlite3_bind_int64(st, 2, sign * b.base2016);
	return exec_done(sc, st, err);
}

/* The precinct's earlier approved tally, whose shares a newly approved
 * revision replaces: 0 when there is none. */
static int64_t earlier_approved(struct wr_scorer *sc, const struct tally *t,
                                struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_PREV_APPROVED];
	int64_t prev = 0;
	int rc;

	sqlite3_bind_int64(st, 1, t->precinct);
	sqlite3_bind_int64(st, 2, t->id);
	sqlite3_bind_int64(st, 3, sc->contest.opens_at);
	rc = step(sc, st, err);
	if (rc == 1)
		prev = sqlite3_column_int64(st, 0);
	done(st);
	return rc < 0 ? -1 : prev;
}

/* Moves the county's approved count by delta (-1, 0 or +1); a rise to a
 * threshold re-scores the county's pending tallies. */
static int count_approved(struct wr_scorer *sc, const struct tally *t, int delta,
                          struct wr_err *err)
{
	sqlite3_stmt *st = sc->st[Q_APPROVED_ADD];
	long approved;
	int rc;

	if (delta == 0)
		return WR_OK;
	sqlite3_bind_text(st, 1, t->county, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 2, delta);
	rc = step(sc, st, err);
	approved = rc == 1 ? sqlite3_column_int(st, 0) : 0;
	done(st);
	if (rc < 0)
		return WR_ESTORE;
	if (delta <= 0 || !worth_rescoring(sc, approved))
		return WR_OK;
	return rescore_county(sc, t->county, t->id, err);
}

/* An empty room (total 0) has no shares and does not count as approved:
 * half a county of them would otherwise drag its median to nothing. */
int wr_scorer_approved(struct wr_scorer *sc, int64_t id, struct wr_err *err)
{
	struct tally t;
	struct wr_rule_ctx c;
	int64_t prev, prev_votes[WR_MAX_CANDIDATES], prev_total = 0;

	memset(&c, 0, sizeof c);
	c.ncand = sc->contest.ncand;
	if (load_tally(sc, id, &t, &c, err) || load_votes(sc, id, c.votes, err))
		return WR_ESTORE;
	/* Test data from before the opening is never published, so it must
	 * neither open a county's gate nor join its shares. */
	if (c.reported_at < sc->contest.opens_at)
		return WR_OK;
	if ((prev = earlier_approved(sc, &t, err)) < 0)
		return WR_ESTORE;
	if (prev && (load_votes(sc, prev, prev_votes, err) ||
	             total_of(sc, prev, &prev_total, NULL, err) ||
	             move_bins(sc, Q_BIN_SUB, t.county, prev_votes, prev_total, err) ||
	             pool(sc, t.county, prev_votes, -1, err) ||
	             approved_turnout(sc, &t, prev_total, -1, err)))
		return WR_ESTORE;
	if (approved_turnout(sc, &t, c.total, 1, err))
		return WR_ESTORE;
	if (c.total > 0 && (move_bins(sc, Q_BIN_ADD, t.county, c.votes, c.total, err) ||
	                    pool(sc, t.county, c.votes, 1, err)))
		return WR_ESTORE;
	/* The count is of precincts with shares: +1 when one gains them, -1
	 * when a revision of nothing replaces one that had them. */
	return count_approved(sc, &t, (c.total > 0) - (prev && prev_total > 0), err);
}

int wr_scorer_gate(struct wr_scorer *sc, const char *county, struct wr_gate *g,
                   struct wr_err *err)
{
	const struct wr_rule *r = wr_rule_find("county_gate");
	sqlite3_stmt *st = sc->st[Q_COUNTY];
	size_t n;
	const double *p = sc->t.value[r - wr_rules_table(&n)];
	int64_t votes = 0, base = 0;
	int rc;

	memset(g, 0, sizeof *g);
	st = sc->st[Q_GATE];
	sqlite3_bind_text(st, 1, county, -1, SQLITE_STATIC);
	if ((rc = step(sc, st, err)) == 1) {
		g->reported = sqlite3_column_int(st, 0);
		votes = sqlite3_column_int64(st, 1);
		base = sqlite3_column_int64(st, 2);
		g->total = sqlite3_column_int(st, 3);
	}
	done(st);
	if (rc < 0)
		return WR_ESTORE;
	g->volume_ratio = base > 0 ? (double)votes / (double)base : -1;
	if (g->total == 0 || (double)g->reported / (double)g->total < p[0]) {
		snprintf(g->why, sizeof g->why, "waiting: %ld of %ld precincts approved, %.0f%% "
		         "needed",
		         g->reported, g->total, 100 * p[0]);
		return WR_OK;
	}
	if (g->volume_ratio >= 0 && (g->volume_ratio < p[1] || g->volume_ratio > p[2])) {
		snprintf(g->why, sizeof g->why, "held: %lld approved votes are %.2fx the 2016 "
		         "caucus of the same precincts (%lld); expected %.2f to %.2f",
		         (long long)votes,
		         g->volume_ratio, (long long)base, p[1], p[2]);
		return WR_OK;
	}
	g->open = 1;
	snprintf(g->why, sizeof g->why, "open: %ld of %ld precincts approved", g->reported,
	         g->total);
	return WR_OK;
}
