/* The review state machine. A tally goes received -> (flagged|clean) ->
 * claimed -> approved | rejected, or superseded by a newer revision.
 * Nothing reaches the public before a human approved it, so every rule is
 * enforced here, for the console, the command line and the tests alike:
 *  - only validators and supervisors review; nobody reviews a tally they
 *    keyed themselves;
 *  - a claim is a lease (renewed while working, lapses on its own); two
 *    validators never hold the same item;
 *  - a hard-flagged tally needs two different validators' approvals, or a
 *    supervisor's override with a written reason;
 *  - a revision of a precinct that already had an approved tally needs a
 *    supervisor;
 *  - a rejected tally goes to the hotline's callback list with its reason.
 * Every change appends an audit record in the same transaction. */
#ifndef WARROOM_REVIEW_H
#define WARROOM_REVIEW_H

#include <stdint.h>

#include "warroom/auth.h"
#include "warroom/err.h"
#include "warroom/severity.h"
#include "warroom/store.h"

#define WR_LEASE_SECONDS 300

struct wr_review_item {
	int64_t id;
	char submission_id[129];
	char precinct[33];          /* "" while unmatched */
	char county_fips[8];
	char state[16];
	enum wr_severity severity;  /* the worst open flag */
	int approvals;              /* so far; a hard flag needs 2 */
	int64_t claim_expires;      /* when the caller's claim lapses, 0 if none */
};

enum wr_approval { WR_APPROVED, WR_NEEDS_SECOND };

struct wr_review;

/* lease: seconds a claim lasts (WR_LEASE_SECONDS when 0). */
int wr_review_open(struct wr_review **r, struct wr_store *s, int64_t lease,
                   struct wr_err *err);
void wr_review_close(struct wr_review *r);

/* Claims the most urgent item u may decide (worst flag first, then the
 * longest waiting). WR_ENOTFOUND when the queue holds none for u. */
int wr_review_next(struct wr_review *r, const struct wr_user *u,
                   struct wr_review_item *out, struct wr_err *err);
int wr_review_claim(struct wr_review *r, const struct wr_user *u, const char *sid,
                    struct wr_review_item *out, struct wr_err *err);
int wr_review_renew(struct wr_review *r, const struct wr_user *u, const char *sid,
                    struct wr_err *err);
int wr_review_release(struct wr_review *r, const struct wr_user *u, const char *sid,
                      struct wr_err *err);
/* Gives back every claim u holds (sign-out, a dropped session). */
int wr_review_release_all(struct wr_review *r, const struct wr_user *u, long *n,
                          struct wr_err *err);

int wr_review_approve(struct wr_review *r, const struct wr_user *u, const char *sid,
                      enum wr_approval *result, struct wr_err *err);
int wr_review_reject(struct wr_review *r, const struct wr_user *u, const char *sid,
                     const char *reason, struct wr_err *err);
int wr_review_override(struct wr_review *r, const struct wr_user *u, const char *sid,
                       const char *reason, struct wr_err *err);
/* Approves every unflagged, unclaimed item of a county that u may decide,
 * one decision and one audit record per item. */
int wr_review_bulk_approve(struct wr_review *r, const struct wr_user *u,
                           const char *county_fips, long *approved, struct wr_err *err);

#endif
