/* Scoring: runs the rules on a tally in its context and keeps the running
 * per-county aggregates the rules need, so scoring one tally costs the same
 * whether 10 or 1,600 precincts are in. Every call runs inside the
 * caller's write transaction, with the change that caused it. */
#ifndef WARROOM_SCORING_H
#define WARROOM_SCORING_H

#include <stdint.h>

#include "warroom/err.h"
#include "warroom/rules.h"
#include "warroom/store.h"

struct wr_scorer;

/* How a second look's flag is shown and its callback begins. */
#define WR_SECOND_LOOK "second look after approval: "

int wr_scorer_open(struct wr_scorer **sc, struct wr_store *s, struct wr_err *err);
void wr_scorer_close(struct wr_scorer *sc);

/* A tally just became its precinct's newest (ingested, or resolved from the
 * unmatched queue): counts it in the aggregates and scores it. */
int wr_scorer_ingested(struct wr_scorer *sc, int64_t submission, struct wr_err *err);

/* Judges a stored tally again against its county's approved tallies (the
 * county rules only: the others keep what was judged on arrival); the
 * aggregates are not touched. An approved tally (not yet revised) keeps
 * its approval and its flags: a share rule (county_outlier, pooled_share)
 * that now fires and had not is added as a flag marked second_look, the
 * tally goes on the hotline's callback list (an open entry is kept, a done
 * one opened again), and the audit says so (actor "rules"): so this, and
 * wr_scorer_approved, must run in a write transaction and never inside an
 * audit batch (wr_audit_batch_begin), whose cached head it would skip. */
int wr_scorer_rescore(struct wr_scorer *sc, int64_t submission, struct wr_err *err);

/* A tally was approved: its shares join its county's distribution, and when
 * the county's approved count first reaches the outlier rule's minimum, and
 * each time it doubles after, the county's pending and approved tallies are
 * re-scored (wr_scorer_rescore), all but this one. */
int wr_scorer_approved(struct wr_scorer *sc, int64_t submission, struct wr_err *err);

struct wr_gate {
	int open;
	long reported, total;  /* precincts approved (with votes), and all */
	double volume_ratio;   /* votes / 2016 caucus of the same precincts, -1 none */
	char why[200];
};

/* Whether a county may publish: enough of its precincts approved, and
 * their votes in line with the 2016 caucus of the same precincts. */
int wr_scorer_gate(struct wr_scorer *sc, const char *county_fips, struct wr_gate *g,
                   struct wr_err *err);

/* SQLite statement steps run so far: scoring cost, for tests and benches. */
long wr_scorer_steps(const struct wr_scorer *sc);

#endif
