/* Hotline keying: staff take phoned-in tallies when the app fails. A keyed
 * tally becomes a real submission (source "hotline") and goes through the
 * same intake as every other source, so parsing, precinct resolution,
 * revisions, rules and the audit all apply; it records who keyed it, and
 * review refuses that user's approval. Double entry holds a first keying
 * until a second user keys the same call blind, and flags a mismatch hard.
 * Rejected tallies wait on the callback list. The console's hotline view
 * reads and writes the store only through these functions; roles are
 * checked here: hotline, supervisor and admin key, validators do not. */
#ifndef WARROOM_HOTLINE_H
#define WARROOM_HOTLINE_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/auth.h"
#include "warroom/contest.h"
#include "warroom/err.h"
#include "warroom/intake.h"
#include "warroom/store.h"

/* A count the keyer has not typed yet. */
#define WR_HOTLINE_UNSET (-1)
#define WR_HOTLINE_COUNT_MAX 1000000000
/* The rule id of the flag a double-entry mismatch puts on its tally. */
#define WR_HOTLINE_RULE "double_entry"

enum wr_hotline_how {
	WR_HL_CODE,        /* the query is the precinct's code */
	WR_HL_OLD_CODE,    /* ... a code from before the redistricting */
	WR_HL_CODE_PREFIX, /* the code starts with the query */
	WR_HL_OLD_PREFIX,  /* an old code starts with it */
	WR_HL_NAME,        /* the current name starts with it */
	WR_HL_OLD_NAME,    /* an old name starts with it */
	WR_HL_NAME_WORD,   /* a word of the current name starts with it */
	WR_HL_OLD_WORD,    /* a word of an old name starts with it */
	WR_HL_COUNTY_NAME, /* a county, then the start of a name in it */
	WR_HL_COUNTY,      /* the county's name or short name starts with it */
};

struct wr_hotline_hit {
	char code[33];
	char name[129];
	char county[64];          /* the county's name */
	char county_fips[8];
	enum wr_hotline_how how;
	char why[192];            /* for the operator: "old name Union Twp 3" */
};

/* Precincts for a type-ahead, best first: the exact code, an exact old
 * code, code prefixes, then names (current before old, a name's start
 * before a later word's), a county followed by a name in it ("polk
 * union"), then the precincts of a matching county. Names compare as
 * wr_precinct_normalize has them, so "union twp no. 03" finds "Union
 * Township 3". An empty or blank query finds nothing. Each way stops at
 * max, so a search costs about a millisecond on Iowa's 1,687 precincts:
 * cheap enough for every keystroke. hits has room for max. */
int wr_hotline_search(struct wr_store *s, const char *query, struct wr_hotline_hit *hits,
                      size_t max, size_t *n, struct wr_err *err);

/* One phoned-in tally as the keyer typed it. */
struct wr_hotline_entry {
	char precinct[33];     /* the code chosen from the search */
	char reporter[129];    /* the caller's reporter id */
	int64_t votes[WR_MAX_CANDIDATES];  /* contest order; WR_HOTLINE_UNSET */
	int64_t total;                     /* when not typed yet */
	/* Set by the first save and kept: a retried save of the same entry
	 * (after an error, or a view that never saw the answer) sends the same
	 * record, which intake knows as a duplicate rather than a second
	 * tally. wr_hotline_entry_init clears them for a new call. */
	char submission_id[129];
	int64_t reported_at;
};

/* An empty entry: no precinct or reporter, every count unset. */
void wr_hotline_entry_init(struct wr_hotline_entry *e);

/* Checks an entry as the view shows it on each keystroke: WR_EINVAL with
 * the field named ("precinct", "reporter", "votes.ID", "total") for the
 * first problem in screen order: an empty or unreadable precinct or
 * reporter, a count unset or out of 0..WR_HOTLINE_COUNT_MAX, or candidate
 * votes that do not add up to the total (the message gives both). */
int wr_hotline_check(const struct wr_contest *c, const struct wr_hotline_entry *e,
                     struct wr_err *err);

/* The roster against the call, for the read-back: when the caller's
 * reporter id is on the roster for other precincts only, a sentence naming
 * them ("rep-19153-042 is on the roster for 19153-042 Des Moines 42, not
 * this precinct: ask which precinct they report"); when a roster is loaded
 * and does not list them, a sentence asking who they are (a stand-in, or
 * an id misheard); "" when the roster lists them here, when none is
 * loaded, or when the precinct is an old code (intake resolves it). out
 * has room for n bytes. */
#define WR_HOTLINE_ROSTER_MAX 400
int wr_hotline_roster(struct wr_store *s, const char *reporter, const char *precinct,
                      char *out, size_t n, struct wr_err *err);

/* Sum of the candidate votes typed so far (unset counts as 0). */
int64_t wr_hotline_sum(const struct wr_contest *c, const struct wr_hotline_entry *e);

#define WR_HOTLINE_LINE 160

/* The read-back, one line per candidate then the total ("Donald J. Trump
 * 41"), for the keyer to read to the caller. Writes at most max lines and
 * returns how many. */
size_t wr_hotline_readback(const struct wr_contest *c, const struct wr_hotline_entry *e,
                           char (*lines)[WR_HOTLINE_LINE], size_t max);

struct wr_hotline_result {
	enum wr_outcome outcome;   /* accepted, revised, unmatched, quarantined */
	char submission_id[129];
	/* unmatched: why and the closest precincts; quarantined: the field and
	 * the reason; a double entry: the differences ("" when they agreed) */
	char reason[448];
	int64_t call;              /* the double-entry call, 0 otherwise */
};

/* Keys one tally as u: a submission with a fresh submission_id
 * ("hotline-USER-UNIXTIME-HEX"), reported now (wr_time_now), keyed_by u,
 * through intake, with an audit record by u in the same transaction. An
 * unknown precinct is an outcome (unmatched), not an error. Saving the
 * same entry again is a duplicate (nothing changes); saving it changed
 * (a correction after the read-back) gives it a new id: a revision.
 * WR_EPERM for a role that may not key, WR_EINVAL (from wr_hotline_check)
 * for an entry that is not complete. */
int wr_hotline_save(struct wr_store *s, const struct wr_user *u, struct wr_hotline_entry *e,
                    struct wr_hotline_result *out, struct wr_err *err);

/* Double entry, first keying: holds the entry as a call awaiting a second
 * entry; nothing reaches validators yet. The precinct must be a known
 * code (current or old): an unmatched tally would be judged afresh when
 * resolved, losing a mismatch flag. out->call and out->submission_id say
 * which call; out->outcome is not used. The same entry again finds the
 * same call, so a retry never holds a call twice; the entry changed is
 * WR_ECONFLICT (withdraw the call and key it anew). */
int wr_hotline_first(struct wr_store *s, const struct wr_user *u, struct wr_hotline_entry *e,
                     struct wr_hotline_result *out, struct wr_err *err);

/* Double entry, second keying of call, blind, by another user (the first
 * keyer is WR_EPERM). The first entry's tally is ingested once, keyed_by
 * its keyer; when the entries differ in any field it carries a hard
 * WR_HOTLINE_RULE flag naming each difference with both values
 * ("Donald J. Trump 41 vs 14; total 120 vs 121"), written in the same
 * transaction and kept by re-scoring. out->reason holds the differences.
 * WR_ENOTFOUND for an unknown call, WR_EPERM for one no longer awaiting. */
int wr_hotline_second(struct wr_store *s, const struct wr_user *u, int64_t call,
                      const struct wr_hotline_entry *e, struct wr_hotline_result *out,
                      struct wr_err *err);

/* Drops an awaiting call keyed by mistake: its first keyer, a supervisor
 * or an admin. WR_ENOTFOUND, or WR_EPERM when not awaiting. */
int wr_hotline_withdraw(struct wr_store *s, const struct wr_user *u, int64_t call,
                        struct wr_err *err);

struct wr_hotline_call {
	int64_t id;
	char submission_id[129];
	char precinct[33];
	char precinct_name[129];   /* "" when the code is an old one */
	char county[64];
	char reporter[129];
	char keyed_by[33];
	char keyed_at[32];
};

/* Calls awaiting a second entry, oldest first, without their numbers (the
 * second keyer keys blind). On success *rows is an array of *n rows the
 * caller frees with free() (NULL when empty). */
int wr_hotline_awaiting(struct wr_store *s, struct wr_hotline_call **rows, size_t *n,
                        struct wr_err *err);

struct wr_hotline_callback {
	char submission_id[129];
	char precinct[33];
	char precinct_name[129];
	char county[64];
	char reporter[129];
	char reason[501];
	char rejected_at[32];      /* when listed: rejected, or a second look */
};

/* Tallies waiting for a call back to their chair, oldest first: rejected
 * ones, and approved ones a second look flagged (wr_scorer_rescore); done
 * ones are left out. On success *rows is an array of *n rows the caller frees with
 * free() (NULL when empty). */
int wr_hotline_callbacks(struct wr_store *s, struct wr_hotline_callback **rows, size_t *n,
                         struct wr_err *err);

/* Marks the callback of tally sid done by u, audited. WR_ENOTFOUND when
 * sid has no callback, WR_EPERM when it is done already or u's role is
 * not hotline, supervisor or admin. */
int wr_hotline_callback_done(struct wr_store *s, const struct wr_user *u, const char *sid,
                             struct wr_err *err);

#endif
