/* The anomaly rules: one table entry per rule (id, default severity,
 * thresholds with defaults and bounds, a description), each explaining a
 * flag in a sentence with its numbers. The rules judge a tally's context
 * (struct wr_rule_ctx), which scoring.c assembles from the store; they
 * touch no store themselves, so each is testable on a plain struct. */
#ifndef WARROOM_RULES_H
#define WARROOM_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/contest.h"
#include "warroom/err.h"
#include "warroom/severity.h"
#include "warroom/store.h"

#define WR_RULE_PARAMS 6

struct wr_param {
	const char *name;
	double def, min, max;
	const char *help;
};

/* What the rules know about one tally. Counts of a missing baseline are -1. */
struct wr_rule_ctx {
	size_t ncand;
	const char *cand[WR_MAX_CANDIDATES];
	int64_t votes[WR_MAX_CANDIDATES];
	int64_t total;
	int64_t registered;          /* Republicans registered in the precinct */
	int64_t base2016, base2020;  /* baseline totals, -1 when none */
	double leader2016_share;     /* the 2016 leader's share there, -1 when none */
	int64_t reported_at, opens_at;
	int has_prev;                /* a previous revision of the precinct */
	int64_t prev_votes[WR_MAX_CANDIDATES], prev_total;
	int has_other;               /* the latest tally from the other source */
	char other_source[16];
	int64_t other_votes[WR_MAX_CANDIDATES], other_total;
	int reporter_sites, device_sites;  /* distinct sites they tallied for */
	const char *reporter;              /* as the tally names them */
	int roster_loaded;                 /* the party loaded a roster */
	int roster_listed;                 /* precincts the roster gives them */
	int roster_here;                   /* ... this one among them */
	char roster_first[33];             /* the first of those, by code */
	int site_precincts;                /* precincts in the tally's room */
	int64_t site_votes, site_registered, site_base2016;  /* current tallies */
	int64_t site_votes_based;          /* of the room's precincts with a 2016 */
	int64_t window_device, window_reporter;  /* submissions this 15 minutes */
	int64_t window_county, window_state;
	/* pooled_share: the other counties' approved shares, which a county's
	 * are drawn around, and the county's approved votes, which pull them
	 * toward its own. A tally that is itself approved is left out, so a
	 * second look does not judge it against its own votes. */
	double state_share[WR_MAX_CANDIDATES];
	int64_t state_votes;
	int state_sent;        /* 1: every tally sent so far, as the other
	                        * counties have too few approved */
	double county_share[WR_MAX_CANDIDATES];
	int64_t county_votes;
	int county_rooms;      /* the precincts those votes came from */
	int county_approved;                      /* precincts approved so far */
	/* Approved votes of precincts with a 2016 caucus, and their 2016 votes:
	 * the county's, or the state's while the county's 2016 votes are under
	 * turnout_county's min_base (turnout_statewide). */
	int64_t turnout_votes, turnout_base;
	int turnout_statewide;
	double county_median[WR_MAX_CANDIDATES];  /* share, over approved */
	double county_mad[WR_MAX_CANDIDATES];
};

struct wr_flag {
	const char *rule;
	enum wr_severity severity;
	char message[240];
	double value, threshold;
};

typedef int (*wr_rule_fn)(const struct wr_rule_ctx *c, const double *p, struct wr_flag *f);

/* When a rule judges a tally again after its arrival. A rule that judges
 * it against its county's approved tallies is judged again while the tally
 * waits for a decision, each time the county's context grows; one of those
 * that a digit slip moves (the shares) takes a second look at approved
 * tallies too (scoring.h). */
enum wr_rejudge { WR_REJUDGE_NEVER, WR_REJUDGE_PENDING, WR_REJUDGE_APPROVED };

struct wr_rule {
	const char *id;
	enum wr_severity severity;
	const char *description;
	struct wr_param params[WR_RULE_PARAMS];
	wr_rule_fn check;
	/* The least a rules file may set: integrity rules stay hard, so no file
	 * can let numbers that do not add up through on one approval. */
	enum wr_severity floor;
	enum wr_rejudge rejudge;
};

/* The rule table, in the order rules run. */
const struct wr_rule *wr_rules_table(size_t *n);
const struct wr_rule *wr_rule_find(const char *id);
int wr_rule_param(const struct wr_rule *r, const char *name);  /* index or -1 */

/* Thresholds in force: the table's defaults overridden by the store. */
struct wr_thresholds {
	enum wr_severity severity[64];
	double value[64][WR_RULE_PARAMS];
};

void wr_thresholds_default(struct wr_thresholds *t);
int wr_thresholds_load(struct wr_store *s, struct wr_thresholds *t, struct wr_err *err);

/* Validates a rules file ({"rules": {ID: {"severity": S, PARAM: N}}}) and
 * stores it, inside the caller's transaction. Every error names the rule
 * and parameter and the allowed range. */
int wr_rules_file_load(struct wr_store *s, const char *path, struct wr_err *err);

/* Runs every rule on c; fills up to max flags and returns how many fired. */
size_t wr_rules_run(const struct wr_thresholds *t, const struct wr_rule_ctx *c,
                    struct wr_flag *flags, size_t max);

#endif
