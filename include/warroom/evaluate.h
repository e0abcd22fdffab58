/* Flag quality: how well the anomaly rules catch the errors the simulator
 * plants, and how often they flag what is clean.
 *
 * One run: simulate a night (simulate.h) into workdir, create a store there
 * with the fixtures (and their rules.json), add a validator, then replay
 * the night in 15-minute slices of the time each record was sent. The clock
 * ($WARROOM_NOW, which intake and review read) is set to each slice's end;
 * intake stores and scores each record; after each slice the validator
 * claims and approves every tally scored clean (no warn or hard flag) — as
 * a validator would — so approved tallies feed the county outlier rule and
 * its re-scoring, exactly as on the night. Flagged tallies stay pending.
 *
 * At the end, per planted record, "caught" means:
 *  - duplicate: intake recognised it as a duplicate (not stored twice, so
 *    not double-counted);
 *  - old_precinct_name: it was stored as a tally of the right precinct
 *    (resolved through the alias), whatever its flags;
 *  - every other kind: its stored submission carries a warn or hard flag.
 * A clean record is flagged when its submission carries a warn or hard
 * flag; the clean flag rate is flagged / clean records.
 *  - every kind but duplicate and old_precinct_name is also caught when the
 *    tally that revised it was flagged conflicting_revision before it was
 *    approved: a validator then has both numbers in front of them.
 * "Distinct": for the kinds that leave a tally consistent (digit slips,
 * swapped candidates; simulate.h), those the simulator's own model calls
 * unusual: clean_odds below WR_EVAL_DISTINCT, so fewer than 1 in 100 of the
 * precinct's clean tallies look as odd; every record of the other kinds.
 * The rest look like an honest tally of their precinct and only a second
 * source (the hotline's read-back, the app and the hotline disagreeing)
 * can tell. The target applies to the distinct ones. "Best": for those
 * kinds, the slips a rule that knew the model exactly would catch if it
 * flagged as many clean tallies as the rules did (clean_odds below the
 * run's clean flag rate): how close the rules come to what the numbers
 * allow. "Approved": planted records the validator approved as clean, so
 * the wrong number got through, at least for a while (never counted for
 * duplicates and old names, whose numbers are true). */
#ifndef WARROOM_EVALUATE_H
#define WARROOM_EVALUATE_H

#include "warroom/err.h"
#include "warroom/simulate.h"

#define WR_EVAL_RULES 64     /* as many as struct wr_thresholds holds */
#define WR_EVAL_SLICE 900    /* seconds: validators act every 15 minutes */
#define WR_EVAL_DISTINCT 0.01  /* clean_odds below this: unusual for its precinct */

struct wr_eval_kind {
	long planted;          /* records of the kind ([WR_SIM_CLEAN]: clean ones) */
	long caught;           /* caught as above ([WR_SIM_CLEAN]: flagged) */
	long distinct, distinct_caught;
	long best;             /* what a rule knowing the model would catch */
	long approved;         /* approved as clean: the error got through */
	long second;           /* caught only on a second look, after approval
	                        * (scoring.h): the chair is called back */
	long distinct_second;  /* of distinct_caught, how many that way: the
	                        * error got past a validator */
	long by_rule[WR_EVAL_RULES];  /* records a rule flagged warn or hard, by
	                               * the rule's place in wr_rules_table */
};

struct wr_eval {
	long runs, records, slices;
	struct wr_eval_kind kind[WR_SIM_KINDS];
	long touched, touched_flagged;  /* clean records whose precinct a planted
	                                 * record also hit (their flags may be fair) */
	long untouched_by_rule[WR_EVAL_RULES];  /* flags on the other clean ones */
	long lost;                      /* clean records not stored as a tally:
	                                 * a simulator fault, should stay 0 */
};

/* One seed. workdir must exist; night.ndjson, labels.ndjson and
 * warroom.db are written in it. Sets $WARROOM_NOW while it runs and puts
 * the caller's value back. *out is overwritten. */
int wr_evaluate(const char *fixtures, const char *workdir, const struct wr_sim_options *o,
                struct wr_eval *out, struct wr_err *err);

/* Adds one run's counts to a sum. */
void wr_eval_add(struct wr_eval *sum, const struct wr_eval *one);

/* Kinds whose tally stays consistent (the sum matches, the precinct is
 * right): only their numbers' size can give them away, so only they can
 * look like an honest tally (distinct and best above). */
int wr_eval_consistent(enum wr_sim_kind k);

/* caught / planted, or -1 when nothing was planted. */
double wr_eval_recall(const struct wr_eval_kind *k);

#endif
