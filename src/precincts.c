#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/precincts.h"

struct wr_resolver {
	struct wr_store *s;
	sqlite3_stmt *by_code, *by_alias_code, *by_name, *by_alias_name;
	sqlite3_stmt *county, *in_county, *codes_in_county, *all;
};

static const struct {
	const char *from, *to;
} synonyms[] = {
	{ "twp", "township" }, { "twsp", "township" }, { "tship", "township" },
	{ "pct", "precinct" }, { "prec", "precinct" }, { "wd", "ward" },
};

static int is_number(const char *t)
{
	if (!*t)
		return 0;
	for (; *t; t++)
		if (!isdigit((unsigned char)*t))
			return 0;
	return 1;
}

/* Appends one normalised token to out, spelling synonyms one way and
 * dropping leading zeros, so "Twp 03" and "Township 3" compare equal. */
static void emit(char *out, size_t n, size_t *len, const char *tok)
{
	size_t tl;

	for (size_t i = 0; i < sizeof synonyms / sizeof synonyms[0]; i++)
		if (strcmp(tok, synonyms[i].from) == 0)
			tok = synonyms[i].to;
	if (is_number(tok))
		while (tok[0] == '0' && tok[1])
			tok++;
	tl = strlen(tok);
	if (*len + tl + 2 > n)
		return;
	if (*len)
		out[(*len)++] = ' ';
	memcpy(out + *len, tok, tl);
	*len += tl;
	out[*len] = '\0';
}

static size_t next_token(const char **p, char *tok, size_t n)
{
	size_t k = 0;

	while (**p && !isalnum((unsigned char)**p) && !((unsigned char)**p & 0x80))
		(*p)++;
	/* An apostrophe joins rather than splits: "O'Brien" is "obrien", and so
	 * is the typographic O’Brien a phone keyboard types. */
	for (;;) {
		if (k > 0 && **p == '\'') {
			(*p)++;
		} else if (k > 0 && strncmp(*p, "\xE2\x80\x99", 3) == 0) {
			*p += 3;
		} else if (**p && (isalnum((unsigned char)**p) || ((unsigned char)**p & 0x80))) {
			if (k + 1 < n)
				tok[k++] = (char)tolower((unsigned char)**p);
			(*p)++;
		} else {
			break;
		}
	}
	tok[k] = '\0';
	return k;
}

void wr_precinct_normalize(const char *in, char *out, size_t n)
{
	char tok[WR_NORM_MAX], pending[WR_NORM_MAX] = "";
	size_t len = 0;

	out[0] = '\0';
	while (next_token(&in, tok, sizeof tok)) {
		if (pending[0] && !is_number(tok))
			emit(out, n, &len, pending);
		pending[0] = '\0';
		if (strcmp(tok, "no") == 0 || strcmp(tok, "num") == 0 ||
		    strcmp(tok, "number") == 0) {
			snprintf(pending, sizeof pending, "%s", tok);
			continue;
		}
		emit(out, n, &len, tok);
	}
	if (pending[0])
		emit(out, n, &len, pending);
}

size_t wr_edit_distance(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	size_t *row = wr_xmalloc((lb + 1) * sizeof *row);
	size_t d;

	for (size_t j = 0; j <= lb; j++)
		row[j] = j;
	for (size_t i = 1; i <= la; i++) {
		size_t diag = row[0];

		row[0] = i;
		for (size_t j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);

			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	d = row[lb];
	free(row);
	return d;
}

const char *wr_match_name(enum wr_match m)
{
	static const char *names[] = { "code", "alias_code", "name", "alias_name",
	                               "unmatched" };
	return names[m];
}

int wr_resolver_open(struct wr_resolver **out, struct wr_store *s, struct wr_err *err)
{
	struct wr_resolver *r = wr_xcalloc(1, sizeof *r);

	r->s = s;
	if (wr_store_prepare(s, &r->by_code,
	        "SELECT id, code, county_fips FROM precincts WHERE code = ?1", err) ||
	    wr_store_prepare(s, &r->by_alias_code,
	        "SELECT p.id, p.code, p.county_fips FROM precinct_aliases a"
	        " JOIN precincts p ON p.id = a.precinct_id WHERE a.old_code = ?1", err) ||
	    wr_store_prepare(s, &r->by_name,
	        "SELECT id, code, county_fips FROM precincts"
	        " WHERE county_fips = ?1 AND norm_name = ?2", err) ||
	    wr_store_prepare(s, &r->by_alias_name,
	        "SELECT p.id, p.code, p.county_fips FROM precinct_aliases a"
	        " JOIN precincts p ON p.id = a.precinct_id"
	        " WHERE a.county_fips = ?1 AND a.norm_old_name = ?2", err) ||
	    wr_store_prepare(s, &r->county,
	        "SELECT fips FROM counties WHERE fips = ?1 UNION ALL"
	        " SELECT fips FROM counties WHERE norm_name = ?2 UNION ALL"
	        " SELECT fips FROM counties WHERE short_name = upper(?1) LIMIT 1", err) ||
	    wr_store_prepare(s, &r->in_county,
	        "SELECT code, norm_name FROM precincts WHERE county_fips = ?1"
	        " UNION ALL SELECT p.code, a.norm_old_name FROM precinct_aliases a"
	        " JOIN precincts p ON p.id = a.precinct_id"
	        " WHERE a.county_fips = ?1 AND a.norm_old_name IS NOT NULL", err) ||
	    wr_store_prepare(s, &r->codes_in_county,
	        "SELECT code, code FROM precincts WHERE county_fips = ?1"
	        " UNION ALL SELECT p.code, a.old_code FROM precinct_aliases a"
	        " JOIN precincts p ON p.id = a.precinct_id"
	        " WHERE a.county_fips = ?1 AND a.old_code IS NOT NULL", err) ||
	    wr_store_prepare(s, &r->all,
	        "SELECT code, CASE WHEN ?1 THEN code ELSE norm_name END FROM precincts",
	        err)) {
		wr_resolver_close(r);
		return WR_ESTORE;
	}
	*out = r;
	return WR_OK;
}

void wr_resolver_close(struct wr_resolver *r)
{
	if (!r)
		return;
	sqlite3_finalize(r->by_code);
	sqlite3_finalize(r->by_alias_code);
	sqlite3_finalize(r->by_name);
	sqlite3_finalize(r->by_alias_name);
	sqlite3_finalize(r->county);
	sqlite3_finalize(r->in_county);
	sqlite3_finalize(r->codes_in_county);
	sqlite3_finalize(r->all);
	free(r);
}

/* Runs a bound lookup; 1 and fills out on a row, 0 on none, <0 on error. */
static int lookup(struct wr_resolver *r, sqlite3_stmt *st, struct wr_resolution *out,
                  struct wr_err *err)
{
	int rc = sqlite3_step(st);

	if (rc == SQLITE_ROW) {
		out->precinct_id = sqlite3_column_int64(st, 0);
		wr_store_text(st, 1, out->code, sizeof out->code);
		snprintf(out->county_fips, sizeof out->county_fips, "%s",
		         sqlite3_column_text(st, 2));
	}
	sqlite3_reset(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(r->s, err, "resolving a precinct");
	return rc == SQLITE_ROW;
}

static int lookup1(struct wr_resolver *r, sqlite3_stmt *st, const char *a,
                   struct wr_resolution *out, struct wr_err *err)
{
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	return lookup(r, st, out, err);
}

static int lookup2(struct wr_resolver *r, sqlite3_stmt *st, const char *a,
                   const char *b, struct wr_resolution *out, struct wr_err *err)
{
	sqlite3_bind_text(st, 1, a, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, b, -1, SQLITE_STATIC);
	return lookup(r, st, out, err);
}

int wr_resolve_county(struct wr_resolver *r, const char *county, char fips_out[8],
                      struct wr_err *err)
{
	char norm[WR_NORM_MAX];
	int rc;

	wr_precinct_normalize(county, norm, sizeof norm);
	/* "Polk County" and "Polk" name the same county. */
	size_t l = strlen(norm);
	if (l > 7 && strcmp(norm + l - 7, " county") == 0)
		norm[l - 7] = '\0';
	sqlite3_bind_text(r->county, 1, county, -1, SQLITE_STATIC);
	sqlite3_bind_text(r->county, 2, norm, -1, SQLITE_STATIC);
	rc = sqlite3_step(r->county);
	fips_out[0] = '\0';
	if (rc == SQLITE_ROW)
		wr_store_text(r->county, 0, fips_out, 8);
	sqlite3_reset(r->county);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return wr_store_fail(r->s, err, "resolving a county");
	return WR_OK;
}

/* Keeps the WR_SUGGESTIONS nearest distinct codes in out, sorted. */
static void consider(struct wr_resolution *out, size_t dist[], const char *code,
                     size_t d)
{
	size_t i, n = out->nsugg;

	for (i = 0; i < n; i++)
		if (strcmp(out->suggestions[i], code) == 0) {
			if (d >= dist[i])
				return;
			memmove(&out->suggestions[i], &out->suggestions[i + 1],
			        (n - i - 1) * sizeof out->suggestions[0]);
			memmove(&dist[i], &dist[i + 1], (n - i - 1) * sizeof dist[0]);
			n = --out->nsugg;
			break;
		}
	for (i = n; i > 0 && dist[i - 1] > d; i--)
		;
	if (i >= WR_SUGGESTIONS)
		return;
	if (n == WR_SUGGESTIONS)
		n--;
	memmove(&out->suggestions[i + 1], &out->suggestions[i],
	        (n - i) * sizeof out->suggestions[0]);
	memmove(&dist[i + 1], &dist[i], (n - i) * sizeof dist[0]);
	snprintf(out->suggestions[i], sizeof out->suggestions[i], "%s", code);
	dist[i] = d;
	out->nsugg = n + 1;
}

/* Scans the county when it is known (by name, or by the FIPS prefix of a
 * code), the whole state only when nothing narrows it: this runs inside a
 * write transaction, and a national precinct list is long. */
static int suggest(struct wr_resolver *r, const char *key, int by_code,
                   struct wr_resolution *out, struct wr_err *err)
{
	char fips[8] = "";
	sqlite3_stmt *st;
	size_t dist[WR_SUGGESTIONS];
	int rc;

	snprintf(fips, sizeof fips, "%s", out->county_fips);
	if (by_code && !fips[0] && strchr(key, '-') &&
	    (size_t)(strchr(key, '-') - key) < sizeof fips) {
		char prefix[8];

		snprintf(prefix, sizeof prefix, "%.*s", (int)(strchr(key, '-') - key), key);
		if (wr_resolve_county(r, prefix, fips, err) != WR_OK)
			return WR_ESTORE;
	}
	st = !fips[0] ? r->all : by_code ? r->codes_in_county : r->in_county;
	if (fips[0])
		sqlite3_bind_text(st, 1, fips, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_int(st, 1, by_code);
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		consider(out, dist, (const char *)sqlite3_column_text(st, 0),
		         wr_edit_distance(key, (const char *)sqlite3_column_text(st, 1)));
	sqlite3_reset(st);
	if (rc != SQLITE_DONE)
		return wr_store_fail(r->s, err, "finding suggestions");
	return WR_OK;
}

static void unmatched(struct wr_resolution *out)
{
	out->how = WR_MATCH_NONE;
	out->precinct_id = 0;
	out->code[0] = '\0';
}

/* Suggests the two precincts a disagreeing record points at. */
static void consider_pair(struct wr_resolution *out, const char *a, const char *b)
{
	snprintf(out->suggestions[out->nsugg++], sizeof out->suggestions[0], "%s", a);
	if (b && strcmp(a, b))
		snprintf(out->suggestions[out->nsugg++], sizeof out->suggestions[0], "%s", b);
}

static int by_name(struct wr_resolver *r, const struct wr_submission *sub,
                   struct wr_resolution *out, struct wr_err *err)
{
	char norm[WR_NORM_MAX], fips[8];
	int rc;

	if (wr_resolve_county(r, sub->county, fips, err) != WR_OK)
		return WR_ESTORE;
	snprintf(out->county_fips, sizeof out->county_fips, "%s", fips);
	if (!fips[0])
		return 0;
	wr_precinct_normalize(sub->precinct_name, norm, sizeof norm);
	rc = lookup2(r, r->by_name, fips, norm, out, err);
	if (rc)
		return rc < 0 ? rc : (out->how = WR_MATCH_NAME, 1);
	rc = lookup2(r, r->by_alias_name, fips, norm, out, err);
	if (rc)
		return rc < 0 ? rc : (out->how = WR_MATCH_ALIAS_NAME, 1);
	return 0;
}

static int by_code(struct wr_resolver *r, const struct wr_submission *sub,
                   struct wr_resolution *out, struct wr_err *err)
{
	int rc = lookup1(r, r->by_code, sub->precinct, out, err);

	if (rc == 1)
		out->how = WR_MATCH_CODE;
	else if (rc == 0 && (rc = lookup1(r, r->by_alias_code, sub->precinct, out, err)) == 1)
		out->how = WR_MATCH_ALIAS_CODE;
	return rc;
}

/* The code resolved; does the county and name the record also gives agree?
 * 1 when they do (or were not given), 0 when not (out says why). */
static int agrees(struct wr_resolver *r, const struct wr_submission *sub,
                  struct wr_resolution *out, struct wr_err *err)
{
	struct wr_resolution named;
	int rc;

	if (!sub->county[0])
		return 1;
	memset(&named, 0, sizeof named);
	rc = by_name(r, sub, &named, err);
	if (rc < 0)
		return rc;
	if (!strcmp(named.county_fips, out->county_fips) &&
	    (rc == 0 || named.precinct_id == out->precinct_id))
		return 1;
	snprintf(out->why, sizeof out->why, "code %.32s is a precinct of county %s, but "
	         "the record names %.40s / %.60s", sub->precinct, out->county_fips,
	         sub->county, sub->precinct_name);
	out->nsugg = 0;
	consider_pair(out, out->code, rc == 1 ? named.code : NULL);
	return 0;
}

int wr_resolve(struct wr_resolver *r, const struct wr_submission *sub,
               struct wr_resolution *out, struct wr_err *err)
{
	char norm[WR_NORM_MAX];
	int rc = 0;

	memset(out, 0, sizeof *out);
	if (sub->precinct[0] && (rc = by_code(r, sub, out, err)) == 1) {
		rc = agrees(r, sub, out, err);
		if (rc == 0) {
			unmatched(out);
			return WR_OK;
		}
	} else if (rc == 0 && sub->precinct_name[0]) {
		rc = by_name(r, sub, out, err);
	}
	if (rc < 0)
		return WR_ESTORE;
	if (rc == 1)
		return WR_OK;
	unmatched(out);
	snprintf(out->why, sizeof out->why, "precinct \"%.32s%s%.60s\" is not known",
	         sub->precinct[0] ? sub->precinct : sub->county,
	         sub->precinct[0] ? "" : " / ", sub->precinct[0] ? "" : sub->precinct_name);
	if (sub->precinct_name[0] && out->county_fips[0]) {
		wr_precinct_normalize(sub->precinct_name, norm, sizeof norm);
		return suggest(r, norm, 0, out, err);
	}
	if (sub->precinct[0])
		return suggest(r, sub->precinct, 1, out, err);
	wr_precinct_normalize(sub->precinct_name, norm, sizeof norm);
	return suggest(r, norm, 0, out, err);
}
