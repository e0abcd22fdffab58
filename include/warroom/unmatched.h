/* The unmatched queue: tallies whose precinct could not be resolved wait
 * here, never lost, until an operator chooses the precinct. Choosing one
 * stores the tally as that precinct's newest revision and, when the tally
 * named its precinct by a name the store did not know, records that name
 * as an alias so later tallies with it resolve on their own. */
#ifndef WARROOM_UNMATCHED_H
#define WARROOM_UNMATCHED_H

#include "warroom/auth.h"
#include "warroom/err.h"
#include "warroom/store.h"

/* Resolves unmatched tally sid to the precinct with code. Validators and
 * supervisors only. WR_ENOTFOUND for an unknown tally or precinct,
 * WR_EPERM when the tally is not unmatched or the role may not. *alias is
 * set to 1 when a new alias was recorded (alias may be NULL). */
int wr_unmatched_resolve(struct wr_store *s, const struct wr_user *u, const char *sid,
                         const char *code, int *alias, struct wr_err *err);

#endif
