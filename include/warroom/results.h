/* What the public sees: each precinct's published tally, read county by
 * county for rendering. Reads only; publish.c decides what is published. */
#ifndef WARROOM_RESULTS_H
#define WARROOM_RESULTS_H

#include "warroom/contest.h"
#include "warroom/err.h"
#include "warroom/render.h"
#include "warroom/store.h"

struct wr_results;

int wr_results_open(struct wr_results **r, struct wr_store *s, const struct wr_contest *c,
                    struct wr_err *err);
void wr_results_close(struct wr_results *r);

/* Every county in FIPS order; *fips and *names are owned by r. */
int wr_results_counties(struct wr_results *r, size_t *n, const char (**fips)[8],
                        const char (**names)[64], struct wr_err *err);

/* Fills county k (of wr_results_counties) with its precincts and their
 * published votes; with zero the structure only (nothing reporting), for
 * the pre-opening batch. The precinct array is reused across calls and
 * freed by wr_results_close. */
int wr_results_county(struct wr_results *r, size_t k, int zero, struct wr_rcounty *county,
                      struct wr_err *err);

#endif
