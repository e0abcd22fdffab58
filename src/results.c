#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/results.h"

struct wr_results {
	struct wr_store *s;
	const struct wr_contest *c;
	sqlite3_stmt *precincts, *votes;
	size_t ncounties;
	char (*fips)[8];
	char (*names)[64];
	size_t cap;
	struct wr_rprecinct *buf;
};

int wr_results_open(struct wr_results **out, struct wr_store *s, const struct wr_contest *c,
                    struct wr_err *err)
{
	struct wr_results *r = wr_xcalloc(1, sizeof *r);

	r->s = s;
	r->c = c;
	if (wr_store_prepare(s, &r->precincts,
	        "SELECT p.code, p.name, pub.submission FROM precincts p"
	        " LEFT JOIN publications pub ON pub.precinct_id = p.id"
	        " WHERE p.county_fips = ?1 ORDER BY p.code", err) ||
	    wr_store_prepare(s, &r->votes,
	        "SELECT candidate, votes FROM votes WHERE submission = ?1", err)) {
		wr_results_close(r);
		return WR_ESTORE;
	}
	*out = r;
	return WR_OK;
}

void wr_results_close(struct wr_results *r)
{
	if (!r)
		return;
	sqlite3_finalize(r->precincts);
	sqlite3_finalize(r->votes);
	free(r->fips);
	free(r->names);
	free(r->buf);
	free(r);
}

int wr_results_counties(struct wr_results *r, size_t *n, const char (**fips)[8],
                        const char (**names)[64], struct wr_err *err)
{
	sqlite3_stmt *st;
	size_t cap = 0;
	int rc;

	if (!r->fips) {
		if (wr_store_prepare(r->s, &st, "SELECT fips, name FROM counties ORDER BY fips",
		                     err))
			return WR_ESTORE;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (r->ncounties == cap) {
				cap = cap ? cap * 2 : 128;
				r->fips = wr_xrealloc(r->fips, cap * sizeof *r->fips);
				r->names = wr_xrealloc(r->names, cap * sizeof *r->names);
			}
			wr_store_text(st, 0, r->fips[r->ncounties], 8);
			wr_store_text(st, 1, r->names[r->ncounties++], 64);
		}
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return wr_store_fail(r->s, err, "reading counties");
	}
	*n = r->ncounties;
	*fips = (const char (*)[8])r->fips;
	*names = (const char (*)[64])r->names;
	return WR_OK;
}

static int read_votes(struct wr_results *r, sqlite3_int64 submission,
                      struct wr_rprecinct *p, struct wr_err *err)
{
	sqlite3_stmt *st = r->votes;
	int rc, k;

	sqlite3_bind_int64(st, 1, submission);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		k = wr_contest_find(r->c, (const char *)sqlite3_column_text(st, 0));
		if (k >= 0)
			p->votes[k] = sqlite3_column_int64(st, 1);
	}
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return wr_store_fail(r->s, err, "reading a published tally's votes");
	return WR_OK;
}

int wr_results_county(struct wr_results *r, size_t k, int zero, struct wr_rcounty *county,
                      struct wr_err *err)
{
	sqlite3_stmt *st = r->precincts;
	size_t n = 0;
	int rc = SQLITE_DONE;

	memset(county, 0, sizeof *county);
	snprintf(county->fips, sizeof county->fips, "%s", r->fips[k]);
	snprintf(county->name, sizeof county->name, "%s", r->names[k]);
	sqlite3_bind_text(st, 1, r->fips[k], -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		struct wr_rprecinct *p;

		if (n == r->cap)
			r->buf = wr_xrealloc(r->buf, (r->cap = r->cap ? r->cap * 2 : 64) * sizeof *p);
		p = &r->buf[n++];
		memset(p, 0, sizeof *p);
		wr_store_text(st, 0, p->code, sizeof p->code);
		wr_store_text(st, 1, p->name, sizeof p->name);
		if (zero || sqlite3_column_type(st, 2) == SQLITE_NULL)
			continue;
		p->reporting = 1;
		if (read_votes(r, sqlite3_column_int64(st, 2), p, err) != WR_OK)
			break;
	}
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return WR_ESTORE;
	if (rc != SQLITE_DONE)
		return wr_store_fail(r->s, err, "reading a county's precincts");
	county->nprecincts = n;
	county->precincts = r->buf;
	return WR_OK;
}
