#include <stdlib.h>
#include <string.h>

#include "warroom/board.h"
#include "warroom/scoring.h"
#include "warroom/timefmt.h"

#define PENDING "('received', 'flagged', 'clean')"

/* Per county in one grouped pass: each precinct's tallies are folded into
 * one row first (t), so a county costs its precincts, not a query. Approved counts
 * only tallies from after the opening, as publishing does: test data is
 * never a precinct's public number. */
static const char COUNTIES_SQL[] =
	"WITH t AS (SELECT s.precinct_id AS pid,"
	"   max(CASE WHEN s.state IN " PENDING " THEN EXISTS (SELECT 1 FROM flags g"
	"     WHERE g.submission = s.id AND g.severity IN ('warn', 'hard')) ELSE 0 END)"
	"     AS flagged,"
	"   max(s.state = 'approved' AND s.reported_at_s >="
	"     (SELECT coalesce(max(opens_at_s), 0) FROM contest)) AS approved"
	"  FROM submissions s WHERE s.precinct_id IS NOT NULL GROUP BY s.precinct_id)"
	" SELECT c.fips, c.name, c.short_name, coalesce(c.tile_row, -1),"
	"  coalesce(c.tile_col, -1), count(p.id), count(t.pid),"
	"  coalesce(sum(t.flagged), 0), coalesce(sum(t.approved), 0), count(pub.precinct_id)"
	" FROM counties c LEFT JOIN precincts p ON p.county_fips = c.fips"
	" LEFT JOIN t ON t.pid = p.id"
	" LEFT JOIN publications pub ON pub.precinct_id = p.id"
	" GROUP BY c.fips ORDER BY c.fips";

/* By arrival, not by reported_at: the windows show the load on the room,
 * and a reporter's clock can be off, a hotline sheet is keyed long after
 * the time written on it, and test data claims times before the opening.
 * received_at is always wr_time_format_utc's fixed-width UTC text, so its
 * text order is time order (the review queue sorts on it too): rows are
 * picked and put in windows by comparing text, never converting each. */
static const char WINDOWS_SQL[] =
	"SELECT received_at FROM submissions WHERE received_at > ?1 AND received_at <= ?2";

static const char QUEUE_SQL[] =
	"SELECT (SELECT count(*) FROM submissions WHERE state IN " PENDING "),"
	" o.submission_id, CAST(strftime('%s', o.received_at) AS INTEGER)"
	" FROM (SELECT 1) LEFT JOIN (SELECT submission_id, received_at FROM submissions"
	"  WHERE state IN " PENDING " ORDER BY received_at, id LIMIT 1) o";

/* An item of work is an approval, a rejection or an override: a hard
 * flag's first approval is a full look at a tally, so it counts. An
 * ordinary approval writes an approval and a decision at once, so its
 * decision is not counted again. Validators with nothing this hour are
 * listed too: an idle validator is what a supervisor looks for here. */
static const char RATES_SQL[] =
	"WITH work AS (SELECT user_id FROM approvals WHERE at > ?1 AND at <= ?2"
	"  UNION ALL SELECT user_id FROM decisions WHERE at > ?1 AND at <= ?2"
	"  AND (decision = 'rejected' OR override)),"
	" n AS (SELECT user_id, count(*) AS items FROM work GROUP BY user_id)"
	" SELECT u.name, coalesce(n.items, 0) AS items FROM users u"
	" LEFT JOIN n ON n.user_id = u.id"
	" WHERE n.items > 0 OR (u.role = 'validator' AND NOT u.disabled)"
	" ORDER BY items DESC, u.name LIMIT ?3";

static int step_fail(struct wr_store *s, sqlite3_stmt *st, int rc, struct wr_err *err,
                     const char *doing)
{
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(s, err, doing);
}

static void read_county(sqlite3_stmt *st, void *row)
{
	struct wr_board_county *c = row;

	wr_store_text(st, 0, c->fips, sizeof c->fips);
	wr_store_text(st, 1, c->name, sizeof c->name);
	wr_store_text(st, 2, c->short_name, sizeof c->short_name);
	c->tile_row = sqlite3_column_int(st, 3);
	c->tile_col = sqlite3_column_int(st, 4);
	c->total = sqlite3_column_int64(st, 5);
	c->reported = sqlite3_column_int64(st, 6);
	c->flagged = sqlite3_column_int64(st, 7);
	c->approved = sqlite3_column_int64(st, 8);
	c->published = sqlite3_column_int64(st, 9);
}

static int read_counties(struct wr_store *s, struct wr_board *b, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, COUNTIES_SQL, err))
		return WR_ESTORE;
	rc = wr_store_rows(s, st, sizeof *b->counties, read_county, (void **)&b->counties,
	                   &b->ncounties, "reading the counties", err);
	for (size_t i = 0; i < b->ncounties; i++) {
		b->total += b->counties[i].total;
		b->reported += b->counties[i].reported;
		b->approved += b->counties[i].approved;
		b->published += b->counties[i].published;
	}
	return rc;
}

/* The gate is asked, not recomputed, so the board can never disagree with
 * what publish will do; only counties with approved precincts can be held,
 * which keeps the scorer closed (and the cost nil) until the first one. */
static int read_gates(struct wr_store *s, struct wr_board *b, struct wr_err *err)
{
	struct wr_scorer *sc = NULL;
	int rc = WR_OK;

	for (size_t i = 0; rc == WR_OK && i < b->ncounties; i++) {
		struct wr_board_county *c = &b->counties[i];
		struct wr_gate g;

		if (c->approved == 0)
			continue;
		if (!sc && (rc = wr_scorer_open(&sc, s, err)) != WR_OK)
			break;
		if ((rc = wr_scorer_gate(sc, c->fips, &g, err)) == WR_OK)
			c->held = !g.open;
	}
	wr_scorer_close(sc);
	return rc;
}

/* Which window a received_at (as text) falls in: the first whose end it
 * does not pass. The caller picked only times inside the first's start
 * and the last's end. */
static int window_of(const char end[][32], const char *t)
{
	int lo = 0, hi = WR_BOARD_WINDOWS - 1;

	while (lo < hi) {
		int mid = (lo + hi) / 2;

		if (strcmp(t, end[mid]) <= 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

static int read_windows(struct wr_store *s, struct wr_board *b, struct wr_err *err)
{
	char end[WR_BOARD_WINDOWS][32], start[32];
	sqlite3_stmt *st;
	int rc;

	for (int i = 0; i < WR_BOARD_WINDOWS; i++) {
		b->window_end[i] = b->now - (int64_t)(WR_BOARD_WINDOWS - 1 - i) *
		                            WR_BOARD_WINDOW_SECONDS;
		wr_time_format_utc(b->window_end[i], end[i]);
	}
	wr_time_format_utc(b->window_end[0] - WR_BOARD_WINDOW_SECONDS, start);
	if (wr_store_prepare(s, &st, WINDOWS_SQL, err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, start, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, end[WR_BOARD_WINDOWS - 1], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		const char *t = (const char *)sqlite3_column_text(st, 0);

		if (t)
			b->windows[window_of(end, t)]++;
	}
	return step_fail(s, st, rc, err, "counting tallies per 15 minutes");
}

static int read_queue(struct wr_store *s, struct wr_board *b, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, QUEUE_SQL, err))
		return WR_ESTORE;
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		b->queue = sqlite3_column_int64(st, 0);
		wr_store_text(st, 1, b->oldest_sid, sizeof b->oldest_sid);
		if (b->oldest_sid[0] && b->now > sqlite3_column_int64(st, 2))
			b->oldest_age = b->now - sqlite3_column_int64(st, 2);
		rc = SQLITE_DONE;
	}
	return step_fail(s, st, rc, err, "reading the queue's depth");
}

static int read_rates(struct wr_store *s, struct wr_board *b, struct wr_err *err)
{
	char lo[32], hi[32];
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, RATES_SQL, err))
		return WR_ESTORE;
	wr_time_format_utc(b->now - 3600, lo);
	wr_time_format_utc(b->now, hi);
	sqlite3_bind_text(st, 1, lo, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, hi, -1, SQLITE_STATIC);
	sqlite3_bind_int(st, 3, WR_BOARD_USERS);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && b->nrates < WR_BOARD_USERS) {
		struct wr_board_rate *r = &b->rates[b->nrates++];

		wr_store_text(st, 0, r->user, sizeof r->user);
		r->items = sqlite3_column_int64(st, 1);
	}
	return step_fail(s, st, rc == SQLITE_ROW ? SQLITE_DONE : rc, err,
	                 "counting each validator's decisions");
}

/* The tile shows what needs someone in the room first, what is done last:
 *  - flagged: validators must look at a tally, and until they do the
 *    county can be neither complete nor trusted; it outranks held because
 *    a hold mostly lifts by itself as more precincts are approved, and
 *    clearing the flags is often what lifts it;
 *  - held: approved numbers the public is not getting, which a supervisor
 *    may have to explain or chase; it outranks the finished states, since
 *    a county wholly approved or published can still be held by a revision;
 *  - published before approved: a published county is approved as well,
 *    and further along;
 *  - partial, then none. */
static enum wr_county_state classify(const struct wr_board_county *c)
{
	if (c->total == 0 || c->reported == 0)
		return WR_COUNTY_NONE;
	if (c->flagged > 0)
		return WR_COUNTY_FLAGGED;
	if (c->held)
		return WR_COUNTY_HELD;
	if (c->published >= c->total)
		return WR_COUNTY_PUBLISHED;
	if (c->approved >= c->total)
		return WR_COUNTY_APPROVED;
	return WR_COUNTY_PARTIAL;
}

static int read_all(struct wr_store *s, struct wr_board *b, struct wr_err *err)
{
	int rc = read_counties(s, b, err);

	if (rc == WR_OK)
		rc = read_gates(s, b, err);
	if (rc == WR_OK)
		rc = read_windows(s, b, err);
	if (rc == WR_OK)
		rc = read_queue(s, b, err);
	if (rc == WR_OK)
		rc = read_rates(s, b, err);
	for (size_t i = 0; rc == WR_OK && i < b->ncounties; i++)
		b->counties[i].state = classify(&b->counties[i]);
	return rc;
}

/* One read transaction so every number on the board is of the same
 * moment; a caller already in one keeps its own. */
int wr_board_read(struct wr_store *s, int64_t now, struct wr_board *out,
                  struct wr_err *err)
{
	int own = sqlite3_get_autocommit(s->db), rc;

	memset(out, 0, sizeof *out);
	out->now = now;
	if (own && sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return wr_store_fail(s, err, "starting a read");
	rc = read_all(s, out, err);
	if (own)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc != WR_OK)
		wr_board_free(out);
	return rc;
}

void wr_board_free(struct wr_board *b)
{
	free(b->counties);
	b->counties = NULL;
	b->ncounties = 0;
}

const char *wr_county_state_name(enum wr_county_state st)
{
	switch (st) {
	case WR_COUNTY_NONE: return "none";
	case WR_COUNTY_PARTIAL: return "partial";
	case WR_COUNTY_APPROVED: return "approved";
	case WR_COUNTY_PUBLISHED: return "published";
	case WR_COUNTY_HELD: return "held";
	case WR_COUNTY_FLAGGED: return "flagged";
	}
	return "?";
}

char wr_county_state_symbol(enum wr_county_state st)
{
	switch (st) {
	case WR_COUNTY_NONE: return ' ';
	case WR_COUNTY_PARTIAL: return '.';
	case WR_COUNTY_APPROVED: return '+';
	case WR_COUNTY_PUBLISHED: return '*';
	case WR_COUNTY_HELD: return 'H';
	case WR_COUNTY_FLAGGED: return '!';
	}
	return '?';
}
