/* Read-only views of the store for the command line and the console: the
 * open flags, and one tally beside its baselines, its county's running
 * shares, its flags and its precinct's revision history. Built as JSON
 * values so `--json` and the text output show the same facts. */
#ifndef WARROOM_DETAIL_H
#define WARROOM_DETAIL_H

#include <jansson.h>

#include "warroom/err.h"
#include "warroom/store.h"

/* Flags of tallies still waiting for a decision, and second looks at
 * approved ones whose chair is not yet called back, worst first: an array
 * of {submission_id, precinct, rule, severity, message, value, threshold,
 * second_look}.
 * The caller owns *out. */
int wr_detail_flags(struct wr_store *s, json_t **out, struct wr_err *err);

/* What to put before a flag's message: WR_SECOND_LOOK for a flag raised
 * on a second look, "" for the others. flag is one of the flags above. */
const char *wr_detail_flag_note(const json_t *flag);

/* key is a submission_id or a precinct code (its newest tally). The caller
 * owns *out. WR_ENOTFOUND when neither matches. */
int wr_detail_tally(struct wr_store *s, const char *key, json_t **out, struct wr_err *err);

#endif
