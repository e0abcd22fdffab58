/* The demo night's assisting validators: stand-ins for the war room's
 * other validators, so a newcomer working one console sees the board fill
 * in. They take only what a validator would wave through in seconds —
 * tallies with no flag at all, unclaimed, that waited their turn — and
 * decide them through the review module like anyone else (claim, approve,
 * audited under their own names). Every flagged tally is left for people. */
#ifndef WARROOM_ASSIST_H
#define WARROOM_ASSIST_H

#include <stdint.h>

#include "warroom/auth.h"
#include "warroom/err.h"
#include "warroom/review.h"
#include "warroom/store.h"

/* Approves the longest-waiting unflagged, unclaimed tally received at
 * least min_age seconds ago, as u. *approved is 1 when one was, 0 when
 * none qualified (or another validator claimed it first). */
int wr_assist_step(struct wr_store *s, struct wr_review *r, const struct wr_user *u,
                   int64_t min_age, int *approved, struct wr_err *err);

#endif
