/* The audit trail: every state change appends a record whose SHA-256 hash
 * covers the previous record's hash and this record, so an edited, removed
 * or reordered record breaks the chain at a point `verify` can name. */
#ifndef WARROOM_AUDIT_H
#define WARROOM_AUDIT_H

#include <jansson.h>
#include <stdio.h>

#include "warroom/err.h"
#include "warroom/store.h"

struct wr_audit;

int wr_audit_open(struct wr_audit **a, struct wr_store *s, struct wr_err *err);
void wr_audit_close(struct wr_audit *a);

/* Appends one record inside the caller's write transaction (so it commits
 * or rolls back with the change it describes). details is consumed. */
int wr_audit_append(struct wr_audit *a, const char *actor, const char *action,
                    const char *subject, json_t *details, struct wr_err *err);

/* Many appends in one transaction (a batch of ingested records): the head
 * is read once at begin and written once at end, which the caller must call
 * before committing (abort after a rollback). verify notices a forgotten end. */
int wr_audit_batch_begin(struct wr_audit *a, struct wr_err *err);
int wr_audit_batch_end(struct wr_audit *a, struct wr_err *err);
void wr_audit_batch_abort(struct wr_audit *a);

struct wr_audit_check {
	long records;     /* records read */
	long bad_id;      /* first record that fails, 0 when the chain holds */
	char why[384];    /* what is wrong with it */
};

/* Recomputes the chain. WR_OK with bad_id == 0 when it holds. */
int wr_audit_verify(struct wr_store *s, struct wr_audit_check *out, struct wr_err *err);

/* Writes every record as one JSON object per line. */
int wr_audit_export(struct wr_store *s, FILE *out, struct wr_err *err);

#endif
