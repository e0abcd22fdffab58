#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warroom/contest.h"
#include "warroom/csv.h"
#include "warroom/fixtures.h"
#include "warroom/precincts.h"
#include "warroom/timefmt.h"

#define MAX_COLS 8

struct loader {
	struct wr_store *s;
	const char *file;
	struct wr_csv *c;
	size_t col[MAX_COLS];
	sqlite3_stmt *st, *check, *seen;
	struct wr_err *err;
};

typedef int (*row_fn)(struct loader *);

static const char *f(struct loader *l, int i)
{
	return wr_csv_field(l->c, l->col[i]);
}

static int bad(struct loader *l, int i, const char *why)
{
	return wr_errf(l->err, WR_EINVAL, "%s:%ld: column %zu (\"%s\"): %s",
	               wr_csv_path(l->c), wr_csv_line(l->c), l->col[i] + 1, f(l, i), why);
}

/* An upsert would let a repeated key silently replace the row before it,
 * losing a precinct from the list; a key may appear once per file. */
static int once(struct loader *l, int i)
{
	sqlite3_stmt *st = l->seen;
	long first = 0;
	int rc;

	sqlite3_bind_text(st, 1, l->file, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, f(l, i), -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, wr_csv_line(l->c));
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		first = sqlite3_column_int(st, 0);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return wr_store_fail(l->s, l->err, "checking fixture keys");
	if (first != wr_csv_line(l->c))
		return bad(l, i, "appears twice in the file");
	return WR_OK;
}

static int need(struct loader *l, int i)
{
	return f(l, i)[0] ? WR_OK : bad(l, i, "must not be empty");
}

/* Steps the insert; names the row when SQLite refuses it. */
static int step(struct loader *l)
{
	int rc = sqlite3_step(l->st);

	sqlite3_reset(l->st);
	if (rc == SQLITE_DONE)
		return WR_OK;
	return wr_errf(l->err, WR_EINVAL, "%s:%ld: refused by the store: %s",
	               wr_csv_path(l->c), wr_csv_line(l->c), sqlite3_errmsg(l->s->db));
}

/* 1 when the check query (bound to ?1) finds a row. */
static int exists(struct loader *l, const char *key)
{
	int rc;

	sqlite3_bind_text(l->check, 1, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(l->check);
	sqlite3_reset(l->check);
	return rc == SQLITE_ROW;
}

static void bind(struct loader *l, int param, int col)
{
	sqlite3_bind_text(l->st, param, f(l, col), -1, SQLITE_TRANSIENT);
}

static int bind_int(struct loader *l, int param, int col, long long lo, long long hi,
                    int optional)
{
	long long v;

	if (optional && !f(l, col)[0]) {
		sqlite3_bind_null(l->st, param);
		return WR_OK;
	}
	if (wr_csv_int(l->c, l->col[col], lo, hi, &v, l->err) != WR_OK)
		return WR_EINVAL;
	sqlite3_bind_int64(l->st, param, v);
	return WR_OK;
}

static int bind_real(struct loader *l, int param, int col, double lo, double hi)
{
	char *end;
	double v;

	if (!f(l, col)[0]) {
		sqlite3_bind_null(l->st, param);
		return WR_OK;
	}
	v = strtod(f(l, col), &end);
	if (*end || v < lo || v > hi)
		return bad(l, col, "not a number in range");
	sqlite3_bind_double(l->st, param, v);
	return WR_OK;
}

static void bind_norm(struct loader *l, int param, int col)
{
	char norm[WR_NORM_MAX];

	wr_precinct_normalize(f(l, col), norm, sizeof norm);
	sqlite3_bind_text(l->st, param, norm, -1, SQLITE_TRANSIENT);
}

static int county_row(struct loader *l)
{
	if (need(l, 0) || need(l, 1) || need(l, 2) || once(l, 0))
		return WR_EINVAL;
	bind(l, 1, 0);
	bind(l, 2, 1);
	bind_norm(l, 3, 1);
	bind(l, 4, 2);
	if (bind_int(l, 5, 3, 0, 99, 1) || bind_int(l, 6, 4, 0, 99, 1) ||
	    bind_int(l, 9, 7, 0, 100000000, 0))
		return WR_EINVAL;
	if (bind_real(l, 7, 5, -90, 90) || bind_real(l, 8, 6, -180, 180))
		return WR_EINVAL;
	return step(l);
}

static int site_row(struct loader *l)
{
	if (need(l, 0) || need(l, 2) || once(l, 0))
		return WR_EINVAL;
	if (!exists(l, f(l, 1)))
		return bad(l, 1, "no such county in counties.csv");
	bind(l, 1, 0);
	bind(l, 2, 1);
	bind(l, 3, 2);
	return step(l);
}

static int precinct_row(struct loader *l)
{
	if (need(l, 0) || need(l, 2) || once(l, 0))
		return WR_EINVAL;
	if (!exists(l, f(l, 1)))
		return bad(l, 1, "no such county in counties.csv");
	bind(l, 1, 0);
	bind(l, 2, 1);
	bind(l, 3, 2);
	bind_norm(l, 4, 2);
	if (f(l, 3)[0])
		bind(l, 5, 3);
	else
		sqlite3_bind_null(l->st, 5);
	return bind_int(l, 6, 4, 0, 10000000, 0) ? WR_EINVAL : step(l);
}

static int alias_row(struct loader *l)
{
	if (!f(l, 0)[0] && !f(l, 1)[0])
		return bad(l, 0, "an alias needs old_code or old_name");
	if (!exists(l, f(l, 3)))
		return bad(l, 3, "no such precinct code in precincts.csv");
	sqlite3_bind_text(l->st, 1, f(l, 0)[0] ? f(l, 0) : NULL, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(l->st, 2, f(l, 1)[0] ? f(l, 1) : NULL, -1, SQLITE_TRANSIENT);
	if (f(l, 1)[0])
		bind_norm(l, 3, 1);
	else
		sqlite3_bind_null(l->st, 3);
	bind(l, 4, 2);
	bind(l, 5, 3);
	return step(l);
}

static int baseline_row(struct loader *l)
{
	if (need(l, 2))
		return WR_EINVAL;
	if (!exists(l, f(l, 0)))
		return bad(l, 0, "no such precinct code in precincts.csv");
	bind(l, 1, 0);
	if (bind_int(l, 2, 1, 1900, 2100, 0) || bind_int(l, 4, 3, 0, 10000000, 0))
		return WR_EINVAL;
	bind(l, 3, 2);
	return step(l);
}

static const struct table {
	const char *file;
	const char *cols[MAX_COLS];
	const char *insert;
	const char *check;   /* ?1 = the referenced key, NULL when none */
	row_fn row;
	int optional;
} tables[] = {
	{ "counties.csv",
	  { "fips", "name", "short_name", "tile_row", "tile_col", "lat", "lon",
	    "registered_rep" },
	  "INSERT INTO counties VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	  " ON CONFLICT (fips) DO UPDATE SET name = ?2, norm_name = ?3, short_name = ?4,"
	  " tile_row = ?5, tile_col = ?6, lat = ?7, lon = ?8, registered_rep = ?9",
	  NULL, county_row, 0 },
	{ "sites.csv", { "code", "county_fips", "name" },
	  "INSERT INTO sites VALUES (?1, ?2, ?3)"
	  " ON CONFLICT (code) DO UPDATE SET county_fips = ?2, name = ?3",
	  "SELECT 1 FROM counties WHERE fips = ?1", site_row, 0 },
	{ "precincts.csv", { "code", "county_fips", "name", "site", "registered_rep" },
	  "INSERT INTO precincts (code, county_fips, name, norm_name, site_code,"
	  " registered_rep) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (code) DO UPDATE"
	  " SET county_fips = ?2, name = ?3, norm_name = ?4, site_code = ?5,"
	  " registered_rep = ?6",
	  "SELECT 1 FROM counties WHERE fips = ?1", precinct_row, 0 },
	{ "aliases.csv", { "old_code", "old_name", "county_fips", "code" },
	  "INSERT INTO precinct_aliases (old_code, old_name, norm_old_name, county_fips,"
	  " precinct_id) VALUES (?1, ?2, ?3, ?4, (SELECT id FROM precincts WHERE code = ?5))",
	  "SELECT 1 FROM precincts WHERE code = ?1", alias_row, 1 },
	{ "baselines.csv", { "precinct", "year", "candidate", "votes" },
	  "INSERT OR REPLACE INTO baselines VALUES"
	  " ((SELECT id FROM precincts WHERE code = ?1), ?2, ?3, ?4)",
	  "SELECT 1 FROM precincts WHERE code = ?1", baseline_row, 1 },
};

static int open_table(struct loader *l, const struct table *t, const char *path)
{
	if (wr_csv_open(&l->c, path, l->err) != WR_OK)
		return WR_EINVAL;
	for (int i = 0; i < MAX_COLS && t->cols[i]; i++)
		if (wr_csv_column(l->c, t->cols[i], &l->col[i], l->err) != WR_OK)
			return WR_EINVAL;
	if (wr_store_prepare(l->s, &l->st, t->insert, l->err) != WR_OK)
		return WR_ESTORE;
	if (t->check && wr_store_prepare(l->s, &l->check, t->check, l->err) != WR_OK)
		return WR_ESTORE;
	return wr_store_prepare(l->s, &l->seen,
	                        "INSERT INTO temp.fixture_keys VALUES (?1, ?2, ?3)"
	                        " ON CONFLICT DO UPDATE SET line = line RETURNING line",
	                        l->err);
}

static int load_table(struct wr_store *s, const char *dir, const struct table *t,
                      long *count, struct wr_err *err)
{
	struct loader l = { .s = s, .file = t->file, .err = err };
	char path[PATH_MAX];
	int rc;

	snprintf(path, sizeof path, "%s/%s", dir, t->file);
	*count = 0;
	if (t->optional && access(path, F_OK) != 0)
		return WR_OK;
	rc = open_table(&l, t, path);
	while (rc == WR_OK && (rc = wr_csv_next(l.c, err)) == 1) {
		rc = t->row(&l);
		(*count)++;
	}
	sqlite3_finalize(l.st);
	sqlite3_finalize(l.check);
	sqlite3_finalize(l.seen);
	wr_csv_close(l.c);
	return rc < 0 ? rc : WR_OK;
}

static int exec(struct wr_store *s, const char *sql, struct wr_err *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return wr_store_fail(s, err, sql);
	return WR_OK;
}

static int load_tables(struct wr_store *s, const char *dir, struct wr_fixture_counts *n,
                       struct wr_err *err)
{
	long *counts[] = { &n->counties, &n->sites, &n->precincts, &n->aliases,
	                   &n->baselines };

	/* Operators' aliases survive a reload; the file's are replaced whole. */
	if (exec(s, "DELETE FROM precinct_aliases WHERE origin = 'fixture'", err) ||
	    exec(s, "CREATE TEMP TABLE IF NOT EXISTS fixture_keys (file TEXT, key TEXT,"
	            " line INTEGER, PRIMARY KEY (file, key))", err) ||
	    exec(s, "DELETE FROM temp.fixture_keys", err))
		return WR_ESTORE;
	for (size_t i = 0; i < sizeof tables / sizeof tables[0]; i++)
		if (load_table(s, dir, &tables[i], counts[i], err) != WR_OK)
			return WR_EINVAL;
	return WR_OK;
}

int wr_fixtures_load(struct wr_store *s, const char *dir, struct wr_fixture_counts *n,
                     struct wr_err *err)
{
	char path[PATH_MAX];
	int rc;

	memset(n, 0, sizeof *n);
	if (wr_store_begin(s, err) != WR_OK)
		return WR_ESTORE;
	snprintf(path, sizeof path, "%s/contest.json", dir);
	rc = wr_contest_file_load(s, path, &n->candidates, err);
	if (rc == WR_OK)
		rc = load_tables(s, dir, n, err);
	if (rc != WR_OK) {
		wr_store_rollback(s);
		return rc;
	}
	return wr_store_commit(s, err);
}
