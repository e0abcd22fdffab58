#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/status.h"

static void read_county(sqlite3_stmt *st, void *row)
{
	struct wr_county_status *c = row;

	wr_store_text(st, 0, c->fips, sizeof c->fips);
	wr_store_text(st, 1, c->name, sizeof c->name);
	c->precincts_total = sqlite3_column_int64(st, 2);
	c->precincts_reported = sqlite3_column_int64(st, 3);
}

static int read_counties(struct wr_store *s, struct wr_status *out, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st,
	        "SELECT c.fips, c.name, count(p.id),"
	        "  count(DISTINCT CASE WHEN EXISTS (SELECT 1 FROM submissions s"
	        "    WHERE s.precinct_id = p.id) THEN p.id END)"
	        " FROM counties c LEFT JOIN precincts p ON p.county_fips = c.fips"
	        " GROUP BY c.fips ORDER BY c.fips", err))
		return WR_ESTORE;
	rc = wr_store_rows(s, st, sizeof *out->counties, read_county, (void **)&out->counties,
	                   &out->ncounties, "reading counties", err);
	for (size_t i = 0; i < out->ncounties; i++) {
		out->precincts_total += out->counties[i].precincts_total;
		out->precincts_reported += out->counties[i].precincts_reported;
	}
	return rc;
}

static int read_states(struct wr_store *s, struct wr_status *out, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT state, count(*) FROM submissions"
	                             " GROUP BY state ORDER BY state", err))
		return WR_ESTORE;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW &&
	       out->nstates < sizeof out->states / sizeof out->states[0]) {
		struct wr_state_count *c = &out->states[out->nstates++];

		wr_store_text(st, 0, c->state, sizeof c->state);
		c->count = sqlite3_column_int64(st, 1);
		out->submissions += c->count;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return wr_store_fail(s, err, "counting submissions");
	return WR_OK;
}

static int read_quarantined(struct wr_store *s, struct wr_status *out,
                            struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	if (wr_store_prepare(s, &st, "SELECT count(*) FROM quarantine", err))
		return WR_ESTORE;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		out->quarantined = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? WR_OK : wr_store_fail(s, err, "counting quarantine");
}

/* One read transaction so the three reads agree with each other; a caller
 * already in one (reading more beside the status) keeps its own. */
int wr_status_read(struct wr_store *s, struct wr_status *out, struct wr_err *err)
{
	int own = sqlite3_get_autocommit(s->db), rc;

	memset(out, 0, sizeof *out);
	if (own && sqlite3_exec(s->db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
		return wr_store_fail(s, err, "starting a read");
	rc = read_counties(s, out, err);
	if (!rc)
		rc = read_states(s, out, err);
	if (!rc)
		rc = read_quarantined(s, out, err);
	if (own)
		sqlite3_exec(s->db, "COMMIT", NULL, NULL, NULL);
	if (rc)
		wr_status_free(out);
	return rc;
}

void wr_status_free(struct wr_status *st)
{
	free(st->counties);
	st->counties = NULL;
	st->ncounties = 0;
}

long wr_status_state(const struct wr_status *st, const char *state)
{
	for (size_t i = 0; i < st->nstates; i++)
		if (strcmp(st->states[i].state, state) == 0)
			return st->states[i].count;
	return 0;
}
