/* The public documents of a batch, built without touching the store: a
 * county's parts (its results JSON objects, CSV rows and NIST CDF pieces)
 * are rendered on their own, so a batch re-renders only the counties whose
 * tallies changed and splices in the parts of the others as they were.
 *
 * Documents: results.json (flat, schemas/results.schema.json), cdf.json
 * (NIST SP 1500-100 v2 ElectionReport), counties.csv, precincts.csv. */
#ifndef WARROOM_RENDER_H
#define WARROOM_RENDER_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/buf.h"
#include "warroom/contest.h"

struct wr_rprecinct {
	char code[WR_ID_MAX];
	char name[128];
	int reporting;                  /* a published tally stands for it */
	int64_t votes[WR_MAX_CANDIDATES];
};

struct wr_rcounty {
	char fips[8];
	char name[64];
	size_t nprecincts;
	struct wr_rprecinct *precincts;  /* in code order */
};

/* A county's rendered parts, as render_cache stores them. */
struct wr_county_parts {
	int64_t reporting, total;
	int64_t votes[WR_MAX_CANDIDATES];
	struct wr_buf json_county, json_precincts, csv_county, csv_precincts;
	struct wr_buf cdf_units;
	struct wr_buf cdf_counts;        /* one run per candidate, '\n' between */
};

void wr_county_parts_free(struct wr_county_parts *p);

/* Renders every part of one county. */
void wr_render_county(const struct wr_contest *c, const struct wr_rcounty *county,
                      struct wr_county_parts *out);

/* What a batch says about itself. */
struct wr_batch_info {
	int64_t batch;
	char generated[32];   /* RFC 3339 UTC */
	int test;
	const char *issuer, *issuer_abbrev, *vendor;
};

/* Whole documents from every county's parts, in county order. */
void wr_render_results(const struct wr_contest *c, const struct wr_batch_info *bi,
                       const struct wr_county_parts *parts, size_t n,
                       struct wr_buf *out);
void wr_render_cdf(const struct wr_contest *c, const struct wr_batch_info *bi,
                   const struct wr_county_parts *parts, const char (*fips)[8],
                   size_t n, struct wr_buf *out);
void wr_render_counties_csv(const struct wr_contest *c, const struct wr_county_parts *parts,
                            size_t n, struct wr_buf *out);
void wr_render_precincts_csv(const struct wr_contest *c,
                             const struct wr_county_parts *parts, size_t n,
                             struct wr_buf *out);

#endif
