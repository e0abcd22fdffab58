/* Loads a fixture directory (counties, sites, precincts, aliases, baselines,
 * the reporters' roster, contest) into the store in one transaction: a
 * wrong list is refused whole with the file, line and column named, never
 * half loaded or silently changed. Every reference is checked before its
 * insert; a repeated key, or a name or old name that reads the same as
 * another in its county once normalised, is refused. Loading again updates
 * in place and keeps every stored tally; it never deletes, so a reload that
 * leaves out a stored county, site or precinct is refused. The roster
 * (reporters.csv, optional) is the exception: it is replaced whole, as no
 * tally points at it and a chair replaced on the night must drop out. A
 * tally is checked against the roster when it arrives: a reload changes
 * the flags of tallies that come after it, not of those already in. */
#ifndef WARROOM_FIXTURES_H
#define WARROOM_FIXTURES_H

#include "warroom/err.h"
#include "warroom/store.h"

struct wr_fixture_counts {
	long candidates, counties, sites, precincts, aliases, baselines, reporters;
};

int wr_fixtures_load(struct wr_store *s, const char *dir,
                     struct wr_fixture_counts *n, struct wr_err *err);

#endif
