#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "warroom/contest.h"
#include "warroom/csv.h"
#include "warroom/fixtures.h"
#include "warroom/precincts.h"
#include "warroom/rules.h"
#include "warroom/utf8.h"

#define MAX_COLS 8
/* The longest precinct code and county FIPS a tally can carry
 * (wr_submission, wr_resolution): a longer one would load, then never match. */
#define CODE_MAX 32
#define FIPS_MAX 7
#define REPORTER_MAX 128   /* as wr_submission's reporter */
#define KEY_MAX (CODE_MAX + WR_NORM_MAX + WR_ID_MAX + 32)

/* A key an earlier row of this load claimed (temp.fixture_keys). */
struct seen {
	long line;
	char a[40];    /* a code or a county FIPS, whole: fits() bounded them */
	char b[160];   /* a name, for messages */
};

/* Statements shared by every file of one load. */
struct lookups {
	sqlite3_stmt *claim, *find, *op_code, *op_name;
};

struct loader {
	struct wr_store *s;
	const char *file;
	struct wr_csv *c;
	size_t col[MAX_COLS];
	sqlite3_stmt *st;
	struct lookups *q;
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

static int badf(struct loader *l, int i, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int badf(struct loader *l, int i, const char *fmt, ...)
{
	char why[384];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof why, fmt, ap);
	va_end(ap);
	return bad(l, i, why);
}

static int need(struct loader *l, int i)
{
	return f(l, i)[0] ? WR_OK : bad(l, i, "must not be empty");
}

static int fits(struct loader *l, int i, size_t max)
{
	if (strlen(f(l, i)) <= max)
		return WR_OK;
	return badf(l, i, "is longer than %zu bytes, more than a tally can carry", max);
}

/* Keys joined with a unit separator, which no field can hold (the CSV
 * reader refuses control characters), so two keys never run together. */
static const char *join(char key[KEY_MAX], const char *a, const char *b)
{
	snprintf(key, KEY_MAX, "%s\x1f%s", a, b);
	return key;
}

static void read_seen(sqlite3_stmt *st, struct seen *out)
{
	const char *a = (const char *)sqlite3_column_text(st, 1);
	const char *b = (const char *)sqlite3_column_text(st, 2);

	out->line = (long)sqlite3_column_int64(st, 0);
	snprintf(out->a, sizeof out->a, "%s", a ? a : "");
	b = b ? b : "";
	snprintf(out->b, sizeof out->b, "%.*s", wr_utf8_prefix(b, sizeof out->b - 1), b);
}

/* Claims key in namespace ns for this row: 0 when first, 1 (and *prior)
 * when an earlier row has it. Checks read these claims rather than the
 * store, which holds the old list until the load commits. */
static int claim(struct loader *l, const char *ns, const char *key, const char *a,
                 const char *b, struct seen *prior)
{
	sqlite3_stmt *st = l->q->claim;
	int rc;

	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 3, wr_csv_line(l->c));
	sqlite3_bind_text(st, 4, a, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(st, 5, b, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_seen(st, prior);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW)
		return wr_store_fail(l->s, l->err, "checking fixture keys");
	return prior->line != wr_csv_line(l->c);
}

/* 1 (and *out) when this load has claimed key in ns, 0 when not. */
static int find(struct loader *l, const char *ns, const char *key, struct seen *out)
{
	sqlite3_stmt *st = l->q->find;
	int rc;

	sqlite3_bind_text(st, 1, ns, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, key, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		read_seen(st, out);
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(l->s, l->err, "checking fixture references");
	return rc == SQLITE_ROW;
}

/* A reference must name a row of a file loaded before this one; checked
 * here so the message names the column, not a FOREIGN KEY failure. */
static int known(struct loader *l, int i, const char *file, const char *why,
                 struct seen *out)
{
	struct seen tmp;
	int rc = find(l, file, f(l, i), out ? out : &tmp);

	return rc < 0 ? rc : rc ? WR_OK : bad(l, i, why);
}

/* An upsert would let a repeated key silently replace the row before it,
 * losing a precinct from the list; a key may appear once per file. */
static int once(struct loader *l, int i, const char *a, const char *b)
{
	struct seen p;
	int rc = claim(l, l->file, f(l, i), a, b, &p);

	if (rc <= 0)
		return rc;
	return badf(l, i, "appears twice in the file (first on line %ld)", p.line);
}

/* Two rows that read the same once normalised would send a tally given by
 * name to whichever the store returns first. */
static int same_name(struct loader *l, int i, const char *ns, const char *key,
                     const char *code)
{
	struct seen p;
	int rc = claim(l, ns, key, code, f(l, i), &p);

	if (rc <= 0)
		return rc;
	return badf(l, i, "reads the same as %s \"%s\" (line %ld) once normalised", p.a,
	            p.b, p.line);
}

static int normalised(struct loader *l, int i, char norm[WR_NORM_MAX])
{
	wr_precinct_normalize(f(l, i), norm, WR_NORM_MAX);
	return norm[0] ? WR_OK : bad(l, i, "has no letters or digits to match a tally by");
}

/* Steps the insert; names the row when SQLite refuses it anyway. */
static int step(struct loader *l)
{
	int rc = sqlite3_step(l->st);

	sqlite3_reset(l->st);
	if (rc == SQLITE_DONE)
		return WR_OK;
	return wr_errf(l->err, WR_EINVAL, "%s:%ld: refused by the store: %s",
	               wr_csv_path(l->c), wr_csv_line(l->c), sqlite3_errmsg(l->s->db));
}

static void bind_text(struct loader *l, int param, const char *text)
{
	sqlite3_bind_text(l->st, param, text, -1, SQLITE_TRANSIENT);
}

static void bind(struct loader *l, int param, int col)
{
	bind_text(l, param, f(l, col));
}

/* Binds the column, or NULL when it is empty. */
static void bind_opt(struct loader *l, int param, int col)
{
	if (f(l, col)[0])
		bind(l, param, col);
	else
		sqlite3_bind_null(l->st, param);
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

/* strtod alone takes " 41.6", "nan", "inf" and "0x1p5"; a coordinate is
 * plain decimal text or it is refused. */
static int bind_real(struct loader *l, int param, int col, double lo, double hi)
{
	const char *s = f(l, col);
	char *end;
	double v;

	if (!s[0]) {
		sqlite3_bind_null(l->st, param);
		return WR_OK;
	}
	errno = 0;
	v = strtod(s, &end);
	if (strspn(s, "0123456789.-eE") != strlen(s) || end == s || *end || errno ||
	    !isfinite(v))
		return bad(l, col, "is not a decimal number");
	if (v < lo || v > hi)
		return badf(l, col, "is outside %g..%g", lo, hi);
	sqlite3_bind_double(l->st, param, v);
	return WR_OK;
}

/* The resolver matches short_name = upper(what the tally says), so a
 * lower-case letter stored would never match; upper-casing it here would
 * change the list behind the operator's back, so it is refused. */
static int upper_case(struct loader *l, int i)
{
	for (const char *s = f(l, i); *s; s++)
		if (*s >= 'a' && *s <= 'z')
			return bad(l, i, "must be upper case: tallies are matched against it "
			           "upper-cased");
	return WR_OK;
}

static int same_short(struct loader *l)
{
	struct seen p;
	int rc = claim(l, "counties.csv short_name", f(l, 2), f(l, 0), f(l, 1), &p);

	if (rc <= 0)
		return rc;
	return badf(l, 2, "is also the short name of %s \"%s\" (line %ld)", p.a, p.b,
	            p.line);
}

static int county_row(struct loader *l)
{
	char norm[WR_NORM_MAX];

	if (need(l, 0) || need(l, 1) || need(l, 2) || fits(l, 0, FIPS_MAX) ||
	    once(l, 0, "", f(l, 1)) || normalised(l, 1, norm) ||
	    same_name(l, 1, "counties.csv name", norm, f(l, 0)) || upper_case(l, 2) ||
	    same_short(l))
		return WR_EINVAL;
	bind(l, 1, 0);
	bind(l, 2, 1);
	bind_text(l, 3, norm);
	bind(l, 4, 2);
	if (bind_int(l, 5, 3, 0, 99, 1) || bind_int(l, 6, 4, 0, 99, 1) ||
	    bind_int(l, 9, 7, 0, 100000000, 0) || bind_real(l, 7, 5, -90, 90) ||
	    bind_real(l, 8, 6, -180, 180))
		return WR_EINVAL;
	return step(l);
}

static int site_row(struct loader *l)
{
	if (need(l, 0) || need(l, 1) || need(l, 2) ||
	    known(l, 1, "counties.csv", "no such county in counties.csv", NULL) ||
	    once(l, 0, f(l, 1), f(l, 2)))
		return WR_EINVAL;
	bind(l, 1, 0);
	bind(l, 2, 1);
	bind(l, 3, 2);
	return step(l);
}

static int precinct_row(struct loader *l)
{
	char norm[WR_NORM_MAX], key[KEY_MAX];

	if (need(l, 0) || need(l, 1) || need(l, 2) || fits(l, 0, CODE_MAX) ||
	    known(l, 1, "counties.csv", "no such county in counties.csv", NULL) ||
	    (f(l, 3)[0] && known(l, 3, "sites.csv", "no such site in sites.csv", NULL)) ||
	    once(l, 0, f(l, 1), f(l, 2)) || normalised(l, 2, norm) ||
	    same_name(l, 2, "precincts.csv name", join(key, f(l, 1), norm), f(l, 0)))
		return WR_EINVAL;
	bind(l, 1, 0);
	bind(l, 2, 1);
	bind(l, 3, 2);
	bind_text(l, 4, norm);
	bind_opt(l, 5, 3);
	return bind_int(l, 6, 4, 0, 10000000, 0) ? WR_EINVAL : step(l);
}

/* The alias's county and precinct exist, and the precinct is in that
 * county: an old name is looked up within the county the tally names. */
static int alias_target(struct loader *l)
{
	struct seen p;

	if (known(l, 2, "counties.csv", "no such county in counties.csv", NULL) ||
	    known(l, 3, "precincts.csv", "no such precinct code in precincts.csv", &p))
		return WR_EINVAL;
	if (strcmp(p.a, f(l, 2)) == 0)
		return WR_OK;
	return badf(l, 2, "precinct %s is in county %s (precincts.csv line %ld); an alias "
	            "must name its precinct's county", f(l, 3), p.a, p.line);
}

/* Operators' aliases survive a reload and share the unique indexes with the
 * file's: a clash is named here rather than left to the index. */
static int operator_alias(struct loader *l, sqlite3_stmt *st, int i, const char *a,
                          const char *b)
{
	char code[CODE_MAX + 1] = "";
	int rc;

	sqlite3_bind_text(st, 1, a, -1, SQLITE_TRANSIENT);
	if (b)
		sqlite3_bind_text(st, 2, b, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		wr_store_text(st, 0, code, sizeof code);
	else if (rc != SQLITE_DONE)
		wr_store_fail(l->s, l->err, "checking operators' aliases");
	sqlite3_reset(st);
	if (rc == SQLITE_ROW)
		return badf(l, i, "an operator already made this an alias of %s; leave the "
		            "row out", code);
	return rc == SQLITE_DONE ? WR_OK : WR_ESTORE;
}

/* The resolver tries current codes first, so an old code that is also a
 * current one would never reach its alias. */
static int old_code_ok(struct loader *l)
{
	struct seen p;
	int rc;

	if (fits(l, 0, CODE_MAX))
		return WR_EINVAL;
	rc = find(l, "precincts.csv", f(l, 0), &p);
	if (rc)
		return rc < 0 ? rc : badf(l, 0, "is the code of a current precinct "
		                          "(precincts.csv line %ld); a tally with it goes there, "
		                          "never to %s", p.line, f(l, 3));
	if (operator_alias(l, l->q->op_code, 0, f(l, 0), NULL))
		return WR_EINVAL;
	return once(l, 0, f(l, 3), f(l, 1));
}

/* Names are tried before old names, so an old name that reads as another
 * precinct's current name would never reach its alias; two old names that
 * read the same would make the alias whichever the store returns first. */
static int old_name_ok(struct loader *l, char norm[WR_NORM_MAX])
{
	char key[KEY_MAX];
	struct seen p;
	int rc;

	if (normalised(l, 1, norm))
		return WR_EINVAL;
	join(key, f(l, 2), norm);
	rc = find(l, "precincts.csv name", key, &p);
	if (rc && (rc < 0 || strcmp(p.a, f(l, 3)) != 0))
		return rc < 0 ? rc : badf(l, 1, "reads the same as %s \"%s\" (precincts.csv "
		                          "line %ld) once normalised, so a tally by this name "
		                          "goes there, never to %s", p.a, p.b, p.line, f(l, 3));
	if (operator_alias(l, l->q->op_name, 1, f(l, 2), norm))
		return WR_EINVAL;
	rc = claim(l, "aliases.csv name", key, f(l, 3), f(l, 1), &p);
	if (rc)
		return rc < 0 ? rc : badf(l, 1, "reads the same as \"%s\" (line %ld, an old "
		                          "name of %s) once normalised", p.b, p.line, p.a);
	return WR_OK;
}

static int alias_row(struct loader *l)
{
	char norm[WR_NORM_MAX];

	if (!f(l, 0)[0] && !f(l, 1)[0])
		return bad(l, 0, "an alias needs old_code or old_name");
	if (need(l, 2) || need(l, 3) || alias_target(l) ||
	    (f(l, 0)[0] && old_code_ok(l)) || (f(l, 1)[0] && old_name_ok(l, norm)))
		return WR_EINVAL;
	bind_opt(l, 1, 0);
	bind_opt(l, 2, 1);
	if (f(l, 1)[0])
		bind_text(l, 3, norm);
	else
		sqlite3_bind_null(l->st, 3);
	bind(l, 4, 2);
	bind(l, 5, 3);
	return step(l);
}

static int baseline_row(struct loader *l)
{
	char key[KEY_MAX];
	long long year;
	struct seen p;
	int rc;

	if (need(l, 0) || need(l, 2) || fits(l, 2, WR_ID_MAX - 1) ||
	    known(l, 0, "precincts.csv", "no such precinct code in precincts.csv", NULL) ||
	    wr_csv_int(l->c, l->col[1], 1900, 2100, &year, l->err))
		return WR_EINVAL;
	snprintf(key, sizeof key, "%s\x1f%lld\x1f%s", f(l, 0), year, f(l, 2));
	rc = claim(l, l->file, key, "", "", &p);
	if (rc)
		return rc < 0 ? rc : badf(l, 2, "precinct %s, year %lld, candidate %s is "
		                          "already on line %ld", f(l, 0), year, f(l, 2), p.line);
	bind(l, 1, 0);
	sqlite3_bind_int64(l->st, 2, year);
	bind(l, 3, 2);
	return bind_int(l, 4, 3, 0, 10000000, 0) ? WR_EINVAL : step(l);
}

/* A reporter id as a tally or a keyer gives it: one that an id could
 * never equal (spaces at an end, an invisible control) would quietly turn
 * the check off for that chair. */
static int typed(struct loader *l, int i)
{
	const char *v = f(l, i);
	size_t n = strlen(v), off;
	uint32_t cp;

	if (v[0] == ' ' || v[n - 1] == ' ')
		return bad(l, i, "has a space at an end; no tally's reporter would match it");
	if (wr_utf8_find_control(v, n, &off, &cp))
		return badf(l, i, "has the invisible character U+%04X at byte %zu; no tally's "
		            "reporter would match it", (unsigned)cp, off);
	return WR_OK;
}

/* A reporter may be listed for several precincts (a super site's reporter
 * for each of its room's), but for a precinct only once. */
static int roster_row(struct loader *l)
{
	char key[KEY_MAX];
	struct seen p;
	int rc;

	if (need(l, 0) || need(l, 1) || fits(l, 0, REPORTER_MAX) || typed(l, 0) ||
	    known(l, 1, "precincts.csv", "no such precinct code in precincts.csv", NULL))
		return WR_EINVAL;
	rc = claim(l, l->file, join(key, f(l, 0), f(l, 1)), "", "", &p);
	if (rc)
		return rc < 0 ? rc : badf(l, 1, "reporter %s is already listed for precinct %s "
		                          "on line %ld", f(l, 0), f(l, 1), p.line);
	bind(l, 1, 0);
	bind(l, 2, 1);
	return step(l);
}

static const struct table {
	const char *file;
	const char *cols[MAX_COLS];
	const char *upsert;
	row_fn row;
	int optional;
	/* The store's keys, every one of which a reload must list again. */
	const char *stored, *noun, *nouns, *hint;
} tables[] = {
	{ "counties.csv",
	  { "fips", "name", "short_name", "tile_row", "tile_col", "lat", "lon",
	    "registered_rep" },
	  "INSERT INTO counties VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)"
	  " ON CONFLICT (fips) DO UPDATE SET name = ?2, norm_name = ?3, short_name = ?4,"
	  " tile_row = ?5, tile_col = ?6, lat = ?7, lon = ?8, registered_rep = ?9",
	  county_row, 0, "SELECT fips FROM counties", "county", "counties", "" },
	{ "sites.csv", { "code", "county_fips", "name" },
	  "INSERT INTO sites VALUES (?1, ?2, ?3)"
	  " ON CONFLICT (code) DO UPDATE SET county_fips = ?2, name = ?3",
	  site_row, 0, "SELECT code FROM sites", "site", "sites", "" },
	{ "precincts.csv", { "code", "county_fips", "name", "site", "registered_rep" },
	  "INSERT INTO precincts (code, county_fips, name, norm_name, site_code,"
	  " registered_rep) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (code) DO UPDATE"
	  " SET county_fips = ?2, name = ?3, norm_name = ?4, site_code = ?5,"
	  " registered_rep = ?6",
	  precinct_row, 0, "SELECT code FROM precincts", "precinct", "precincts",
	  " (a precinct redistricted away belongs in aliases.csv, loaded into a new"
	  " store)" },
	{ "aliases.csv", { "old_code", "old_name", "county_fips", "code" },
	  "INSERT INTO precinct_aliases (old_code, old_name, norm_old_name, county_fips,"
	  " precinct_id) VALUES (?1, ?2, ?3, ?4, (SELECT id FROM precincts WHERE code = ?5))",
	  alias_row, 1, NULL, NULL, NULL, NULL },
	{ "baselines.csv", { "precinct", "year", "candidate", "votes" },
	  "INSERT INTO baselines VALUES ((SELECT id FROM precincts WHERE code = ?1), ?2, ?3,"
	  " ?4) ON CONFLICT (precinct_id, year, candidate) DO UPDATE SET votes = ?4",
	  baseline_row, 1, NULL, NULL, NULL, NULL },
	{ "reporters.csv", { "reporter", "precinct" },
	  "INSERT INTO roster VALUES (?1, (SELECT id FROM precincts WHERE code = ?2))",
	  roster_row, 1, NULL, NULL, NULL, NULL },
};

static int open_table(struct loader *l, const struct table *t, const char *path)
{
	if (wr_csv_open(&l->c, path, l->err) != WR_OK)
		return WR_EINVAL;
	for (int i = 0; i < MAX_COLS && t->cols[i]; i++)
		if (wr_csv_column(l->c, t->cols[i], &l->col[i], l->err) != WR_OK)
			return WR_EINVAL;
	return wr_store_prepare(l->s, &l->st, t->upsert, l->err);
}

/* A reload never deletes: tallies may point at a stored precinct, and one
 * kept resolvable after it left the list would take tallies silently. A
 * stored row the file leaves out refuses the load (a first load has none). */
static int none_removed(struct loader *l, const struct table *t, const char *path)
{
	char sql[192], key[CODE_MAX + 1] = "";
	sqlite3_stmt *st;
	int rc;

	snprintf(sql, sizeof sql, "%s EXCEPT SELECT key FROM temp.fixture_keys"
	         " WHERE file = ?1 ORDER BY 1 LIMIT 1", t->stored);
	if (wr_store_prepare(l->s, &st, sql, l->err) != WR_OK)
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, t->file, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		wr_store_text(st, 0, key, sizeof key);
	else if (rc != SQLITE_DONE)
		wr_store_fail(l->s, l->err, "comparing the store with the fixtures");
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? WR_OK : WR_ESTORE;
	return wr_errf(l->err, WR_EINVAL, "%s: %s %s is in the store but not in %s; removing "
	               "%s is not supported: keep it in the file%s", path, t->noun, key,
	               t->file, t->nouns, t->hint);
}

static int load_table(struct wr_store *s, struct lookups *q, const char *dir,
                      const struct table *t, long *count, struct wr_err *err)
{
	struct loader l = { .s = s, .file = t->file, .q = q, .err = err };
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
	if (rc == 0 && t->stored)
		rc = none_removed(&l, t, path);
	sqlite3_finalize(l.st);
	wr_csv_close(l.c);
	return rc < 0 ? rc : WR_OK;
}

static int exec(struct wr_store *s, const char *sql, struct wr_err *err)
{
	if (sqlite3_exec(s->db, sql, NULL, NULL, NULL) != SQLITE_OK)
		return wr_store_fail(s, err, sql);
	return WR_OK;
}

/* Operators' aliases survive a reload; the file's are replaced whole.
 * Stored names are parked (no field can start with \1) so a reload that
 * swaps two names is not refused by the unique indexes half way; the
 * checks above hold the new names unique, and every stored county and
 * precinct is rewritten or the load refused (none_removed). */
static const char setup_sql[] =
	"DROP TABLE IF EXISTS temp.fixture_keys;"
	"CREATE TEMP TABLE fixture_keys (file TEXT, key TEXT, line INTEGER, a TEXT,"
	" b TEXT, PRIMARY KEY (file, key));"
	"DELETE FROM precinct_aliases WHERE origin = 'fixture';"
	"DELETE FROM roster;"
	"UPDATE counties SET norm_name = char(1) || fips, short_name = char(1) || fips;"
	"UPDATE precincts SET norm_name = char(1) || id;";

static int prepare_lookups(struct wr_store *s, struct lookups *q, struct wr_err *err)
{
	if (wr_store_prepare(s, &q->claim, "INSERT INTO temp.fixture_keys VALUES (?1, ?2,"
	                     " ?3, ?4, ?5) ON CONFLICT DO UPDATE SET line = line"
	                     " RETURNING line, a, b", err) ||
	    wr_store_prepare(s, &q->find, "SELECT line, a, b FROM temp.fixture_keys"
	                     " WHERE file = ?1 AND key = ?2", err) ||
	    wr_store_prepare(s, &q->op_code, "SELECT p.code FROM precinct_aliases a JOIN"
	                     " precincts p ON p.id = a.precinct_id WHERE a.origin ="
	                     " 'operator' AND a.old_code = ?1", err) ||
	    wr_store_prepare(s, &q->op_name, "SELECT p.code FROM precinct_aliases a JOIN"
	                     " precincts p ON p.id = a.precinct_id WHERE a.origin ="
	                     " 'operator' AND a.county_fips = ?1 AND a.norm_old_name = ?2",
	                     err))
		return WR_ESTORE;
	return WR_OK;
}

static int load_tables(struct wr_store *s, const char *dir, struct wr_fixture_counts *n,
                       struct wr_err *err)
{
	long *counts[] = { &n->counties, &n->sites, &n->precincts, &n->aliases,
	                   &n->baselines, &n->reporters };
	struct lookups q = { 0 };
	int rc = exec(s, setup_sql, err);

	if (rc == WR_OK)
		rc = prepare_lookups(s, &q, err);
	for (size_t i = 0; rc == WR_OK && i < sizeof tables / sizeof tables[0]; i++)
		rc = load_table(s, &q, dir, &tables[i], counts[i], err);
	sqlite3_finalize(q.claim);
	sqlite3_finalize(q.find);
	sqlite3_finalize(q.op_code);
	sqlite3_finalize(q.op_name);
	return rc;
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
	snprintf(path, sizeof path, "%s/rules.json", dir);
	if (rc == WR_OK && access(path, F_OK) == 0)
		rc = wr_rules_file_load(s, path, err);
	/* Rendered county parts hold candidate order, names and precinct
	 * lists: after a reload the next batch must render every county anew. */
	if (rc == WR_OK)
		rc = wr_store_exec(s, "DELETE FROM render_cache", err);
	return wr_store_finish(s, rc, err);
}
