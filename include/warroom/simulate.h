/* The caucus-night simulator: a whole night of precinct tallies drawn from a
 * model anchored on the fixtures, with errors of known kinds planted in it,
 * so the anomaly rules can be measured (evaluate.h) and the intake, review
 * and console tested against something that looks like caucus night.
 *
 * The model, per precinct:
 *  - turnout: a blend of three anchors, each scaled so the state sums to
 *    the real 2024 turnout (110,298 voters, 0.5907 of the 2016 caucus):
 *    45% the 2016 baseline, 35% the 2020 baseline, 20% registered
 *    Republicans; times a county factor and a precinct factor (log-normal,
 *    sigma 0.12 each);
 *  - shares: a county draws its shares from a Dirichlet around the 2024
 *    statewide shares (trump 51%, desantis 21%, haley 19%, ramaswamy 7.7%,
 *    hutchinson 0.2%, binkley 0.7%, other the rest; a candidate id the
 *    table lacks shares "other"); each precinct draws from a Dirichlet
 *    around its county's, then every voter picks a candidate from those
 *    shares, so small rooms are as noisy as real ones;
 *  - time: 25 minutes after contest.opens_at plus up to 100 minutes by size
 *    (bigger rooms count longer), plus noise; hotline calls wait a little;
 *  - source: 25% hotline (of those, one in ten given by county and precinct
 *    name, sometimes as a caller says it), 75% app with one reporter and
 *    one device per precinct; super sites (4+ precincts in one room) report
 *    every precinct through the app from one site reporter and device,
 *    minutes apart once the room is done.
 *
 * Planted errors: round(error_rate x precincts) plantings, the kinds taken
 * in turn, each on a precinct no other planting touches. Digit slips hit
 * one candidate's count and the total is the sum of what was keyed (the
 * app adds it up), so the sum check cannot see them; sum_not_total is the
 * kind where the sum does not match. See wr_sim_kind for each kind.
 *
 * Clean odds: a slip that leaves the tally adding up (transposition, extra
 * or missing digit, swapped candidates) can only be caught by its numbers,
 * and only if they lie outside what the precinct's clean tallies look like.
 * The simulator knows every hidden parameter of that precinct, so it
 * measures this: clean_odds is the share of the precinct's clean tallies,
 * drawn from the same model (2000 draws), that are as unusual as the keyed
 * one or more, under the model's own likelihood (the turnout's log-normal
 * and the counts' Dirichlet-multinomial); it counts the keyed tally too, so
 * it lies in (0, 1]. A slip with clean_odds 0.3 looks like three clean
 * tallies in ten, so no numbers-only rule can flag it without flagging
 * those; one at 0.0005 is as unusual as none of them. It is drawn from a
 * stream of its own per precinct, so the night and the other label members
 * are the same with it as without it.
 *
 * Determinism: the same fixtures, seed and error rate give byte-identical
 * output. The clean night and the plantings draw from separate streams, so
 * a seed's clean night is the same whatever the error rate. */
#ifndef WARROOM_SIMULATE_H
#define WARROOM_SIMULATE_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/err.h"

#define WR_SIM_ERROR_RATE 0.05

enum wr_sim_kind {
	WR_SIM_CLEAN,                /* no error planted */
	WR_SIM_DIGIT_TRANSPOSITION,  /* two adjacent digits of a count swapped */
	WR_SIM_EXTRA_DIGIT,          /* a digit inserted into a count */
	WR_SIM_MISSING_DIGIT,        /* a digit of a count dropped */
	WR_SIM_CANDIDATES_SWAPPED,   /* two candidates' counts exchanged (they
	                              * differ by 10% of the total or more) */
	WR_SIM_SUM_NOT_TOTAL,        /* total keyed off the candidates' sum */
	WR_SIM_OLD_PRECINCT_NAME,    /* phoned in by county + an aliases.csv name */
	WR_SIM_DUPLICATE,            /* a resend: same submission_id, same bytes */
	WR_SIM_CONFLICTING_REVISION, /* a later tally, other numbers, new id */
	WR_SIM_OVER_REGISTERED,      /* turnout above registered Republicans */
	WR_SIM_PRE_OPENING,          /* a test tally timestamped before opens_at;
	                              * the precinct's real tally still follows */
	WR_SIM_DEVICE_BURST,         /* one app device, after its own precinct,
	                              * sends 5-7 made-up tallies for precincts of
	                              * other sites of its county in < 15 minutes;
	                              * their own tallies still come */
	WR_SIM_WRONG_PRECINCT,       /* a precinct's tally keyed by the hotline
	                              * under another precinct of its county */
	WR_SIM_KINDS
};

/* "clean", "digit_transposition", ...; NULL out of range. */
const char *wr_sim_kind_name(enum wr_sim_kind k);

struct wr_sim_options {
	uint64_t seed;
	double error_rate;  /* 0..1: plantings per precinct */
};

/* One line of the night. */
struct wr_sim_record {
	int64_t sent_at;          /* when it is sent: its reported_at, except that a
	                           * resend repeats the reported_at of the original */
	enum wr_sim_kind kind;
	char submission_id[24];
	char precinct[33];        /* the precinct whose tally it is (for a wrong
	                           * precinct, not the one it names) */
	int touched;              /* its precinct (or the one it names) also has
	                           * a planted record, or it is the own tally of
	                           * a bursting device: flags here may be fair */
	long moved;               /* votes the error moved, -1 when not a count */
	long true_total;          /* the precinct's true turnout */
	double clean_odds;        /* for a numeric slip (digit slips and swaps):
	                           * the share of the precinct's clean tallies as
	                           * unusual as the keyed one (see the top); -1
	                           * for every other kind and for clean records */
	char *json;               /* the NDJSON record, no line end */
	char *label;              /* its labels line (JSON), NULL when clean */
};

struct wr_night {
	int64_t opens_at;
	size_t nprecincts;
	size_t n;
	struct wr_sim_record *rec;    /* in the order sent */
	long planted[WR_SIM_KINDS];   /* records per kind ([0]: clean ones) */
};

/* Reads fixtures (precincts.csv, baselines.csv, aliases.csv, contest.json)
 * and draws a night. err names the file on a bad fixture. */
int wr_sim_run(const char *fixtures, const struct wr_sim_options *o,
               struct wr_night **out, struct wr_err *err);

/* Writes the night as NDJSON and the labels as NDJSON, one object per
 * planted record, in line order:
 *   {"line": N, "submission_id": S, "kind": K, "precinct": CODE, ...}
 * line is the 1-based line of the night file (a resend shares its
 * submission_id with the original, so the line is what names it) and
 * precinct the precinct whose tally it is; kind-specific members say what
 * was planted: candidate, true_votes, keyed_votes (digit slips);
 * candidate, swapped_with, true_votes, keyed_votes (swaps); true_total,
 * keyed_total (sum_not_total, over_registered, with registered); keyed_name
 * (old names); resends_line; revises; minutes_before; device; and
 * keyed_precinct (wrong precinct). moved (where the error is in a count) is
 * how many votes it moved, true_total the precinct's real turnout. The
 * four numeric slips (digit slips and swaps) end with clean_odds, 4
 * decimals: what share of the precinct's clean tallies are as unusual (see
 * the top), so the evaluation can tell a slip no numbers-only rule could
 * catch (0.3: three clean tallies in ten look like it) from one it should.
 * Each file is written beside its name and renamed into place. */
int wr_sim_write(const struct wr_night *n, const char *night_path,
                 const char *labels_path, struct wr_err *err);

void wr_night_free(struct wr_night *n);

#endif
