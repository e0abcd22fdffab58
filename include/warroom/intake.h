/* Intake: every record from a source ends in exactly one place — stored as
 * a tally (new, or a revision superseding the precinct's last one), the
 * unmatched queue, a recognised duplicate, or quarantine with its reason.
 * Idempotent on submission_id, so rerunning an interrupted load neither
 * loses nor doubles a tally. */
#ifndef WARROOM_INTAKE_H
#define WARROOM_INTAKE_H

#include <stdint.h>
#include <stdio.h>

#include "warroom/err.h"
#include "warroom/store.h"

enum wr_outcome {
	WR_ACCEPTED,
	WR_DUPLICATE,
	WR_REVISED,
	WR_UNMATCHED,
	WR_QUARANTINED,
	WR_OUTCOMES
};

struct wr_intake_counts {
	long n[WR_OUTCOMES];
};

struct wr_intake;
struct wr_audit;

/* log, when not NULL, gets one line per quarantined or unmatched record
 * ("FILE:LINE: quarantined: FIELD: REASON"). */
int wr_intake_open(struct wr_intake **in, struct wr_store *s, FILE *log,
                   struct wr_err *err);
/* Commits what is pending, then frees. */
int wr_intake_close(struct wr_intake *in, struct wr_err *err);

/* One record of len bytes (full_len is its length before any cut) from
 * origin:line. *outcome says where it went. Errors are store failures only:
 * a bad record is an outcome, not an error. */
int wr_intake_record(struct wr_intake *in, const char *origin, long line,
                     const char *buf, size_t len, size_t full_len,
                     enum wr_outcome *outcome, struct wr_err *err);

/* Who keyed the records that follow (a hotline user): stored as their
 * keyed_by, so review refuses that user's approval. NULL or "" clears.
 * WR_EINVAL when user is longer than 128 bytes. */
int wr_intake_set_keyer(struct wr_intake *in, const char *user);

/* Runs inside the write transaction of the record it was set for, after
 * the record ended somewhere and a stored tally was scored: submission is
 * its submissions.id (0 for a duplicate or a quarantined record). audit
 * is intake's own, batched with the tally's records; another handle would
 * fork the chain. A non-zero return undoes the whole open batch like a
 * store failure and is what wr_intake_record returns. This is how the
 * hotline commits its flag, its call and its audit atomically with the
 * tally. */
typedef int (*wr_intake_hook)(void *arg, struct wr_audit *audit, int64_t submission,
                              enum wr_outcome outcome, struct wr_err *err);

/* Sets fn for the next wr_intake_record only, whatever it ends in. */
void wr_intake_set_hook(struct wr_intake *in, wr_intake_hook fn, void *arg);

/* Makes everything ingested so far durable. */
int wr_intake_flush(struct wr_intake *in, struct wr_err *err);

/* Records counted so far; a batch undone by a store failure is taken out. */
const struct wr_intake_counts *wr_intake_counts(const struct wr_intake *in);
const char *wr_outcome_name(enum wr_outcome o);

#endif
