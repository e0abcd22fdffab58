/* The validators' review queue as a list, for the console: every tally still
 * waiting for a decision (received, flagged, clean), most urgent first in
 * the order `review next` takes them (worst open flag, then the longest
 * waiting), claimed ones included with who holds them. Read-only; one query
 * however long the queue, so a console can reload it on every change. */
#ifndef WARROOM_QUEUE_H
#define WARROOM_QUEUE_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/err.h"
#include "warroom/severity.h"
#include "warroom/store.h"

struct wr_queue_row {
	int64_t id;                 /* submissions.id */
	char submission_id[129];
	char precinct[33];          /* code */
	char precinct_name[96];
	char county_fips[8];
	char county_short[16];
	char county_name[64];
	char source[16];            /* app, hotline, import */
	int64_t reported_at;        /* the reporter's clock, Unix seconds */
	int64_t received_at;        /* when the store took it: the age counts from here */
	char state[16];             /* received, flagged, clean */
	enum wr_severity severity;  /* the worst open flag, WR_SEV_NONE without one */
	int nflags;                 /* open flags of any severity */
	char rule[40];              /* the worst flag's rule, "" without one */
	char message[240];          /* its sentence */
	char rules[256];            /* every flag's rule, space separated */
	int approvals;              /* so far; a hard flag needs 2 */
	char holder[33];            /* who holds a live claim, "" when none */
	int64_t claim_expires;      /* when that claim lapses, 0 when none */
};

/* The queue as of $WARROOM_NOW / the clock (a lapsed claim shows no
 * holder). On success *rows is an array of *n rows the caller frees with
 * free() (NULL when empty); on error *rows is NULL and *n 0. */
int wr_queue_load(struct wr_store *s, struct wr_queue_row **rows, size_t *n,
                  struct wr_err *err);

/* The console's `/` filter: 1 when every space-separated term of text is
 * found, ignoring ASCII case, in one of the row's county name, short name
 * or fips, precinct code or name, flag rules, state, source, severity,
 * submission_id or claim holder. An empty or NULL text matches every row.
 * Pure: touches nothing but its arguments. */
int wr_queue_match(const struct wr_queue_row *row, const char *text);

#endif
