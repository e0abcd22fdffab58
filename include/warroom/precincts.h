/* Which precinct a tally is for. A wrong or renamed precinct must never stop
 * the night (2020's lesson): every lookup ends in a match or in the
 * unmatched queue with the closest precincts as suggestions. */
#ifndef WARROOM_PRECINCTS_H
#define WARROOM_PRECINCTS_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/err.h"
#include "warroom/store.h"
#include "warroom/submission.h"

#define WR_NORM_MAX 160
#define WR_SUGGESTIONS 3

enum wr_match {
	WR_MATCH_CODE,        /* the current code */
	WR_MATCH_ALIAS_CODE,  /* a code from before the redistricting */
	WR_MATCH_NAME,        /* the current name within the county */
	WR_MATCH_ALIAS_NAME,  /* an old name within the county */
	WR_MATCH_NONE,        /* unmatched: see suggestions */
};

struct wr_resolution {
	enum wr_match how;
	int64_t precinct_id;             /* 0 when unmatched */
	char code[33];
	char county_fips[8];             /* "" when the county is unknown too */
	size_t nsugg;
	char suggestions[WR_SUGGESTIONS][33];  /* precinct codes, best first */
	char why[200];                   /* for an operator, when unmatched */
};

/* Lower-cases, folds punctuation to spaces, "Twp" to "township", "Pct" to
 * "precinct", drops "No."/"#" before a number and leading zeros, so that
 * "UNION  Twp. No. 03" and "Union Township 3" compare equal. */
void wr_precinct_normalize(const char *in, char *out, size_t n);

/* Levenshtein distance, for suggestions. */
size_t wr_edit_distance(const char *a, const char *b);

const char *wr_match_name(enum wr_match m);

struct wr_resolver;

/* The resolver holds prepared statements on s; close it before s. */
int wr_resolver_open(struct wr_resolver **r, struct wr_store *s, struct wr_err *err);
void wr_resolver_close(struct wr_resolver *r);

/* Resolves by code, then old code, then name, then old name. A record whose
 * code and county/name point at different precincts is unmatched, not
 * guessed: a mistyped code must not replace another precinct's tally.
 * Unmatched is not an error: out->how is WR_MATCH_NONE and out->why says
 * why. Errors are store failures. */
int wr_resolve(struct wr_resolver *r, const struct wr_submission *sub,
               struct wr_resolution *out, struct wr_err *err);

/* County by FIPS, name or short name; "" in fips_out when unknown. */
int wr_resolve_county(struct wr_resolver *r, const char *county, char fips_out[8],
                      struct wr_err *err);

#endif
