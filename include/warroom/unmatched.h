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

#define WR_UNMATCHED_SUGG 3

struct wr_unmatched_row {
	char submission_id[129];
	char name[129];           /* what the record named: "Polk / Saylor Twp", a code */
	char county[64];          /* the county's name, "" when unknown too */
	char reporter[129];
	char source[16];
	char received_at[32];
	long long total;
	size_t nsugg;
	char sugg_code[WR_UNMATCHED_SUGG][33];   /* best first */
	char sugg_name[WR_UNMATCHED_SUGG][129];
};

/* Tallies still waiting for an operator, oldest first. *rows is allocated;
 * the caller frees it with free(). */
int wr_unmatched_list(struct wr_store *s, struct wr_unmatched_row **rows, size_t *n,
                      struct wr_err *err);

#endif
