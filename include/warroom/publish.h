/* Publishing: turns approved tallies into a numbered batch of public
 * documents. One write transaction marks the tallies published and puts
 * the batch's files in the outbox, so a tally is published exactly when
 * its documents are queued, whatever moment a crash picks. Only approved
 * tallies (with an approving decision, votes adding up to their total,
 * reported after the opening) of counties whose gate is open are taken. */
#ifndef WARROOM_PUBLISH_H
#define WARROOM_PUBLISH_H

#include <stddef.h>
#include <stdint.h>

#include "warroom/auth.h"
#include "warroom/err.h"
#include "warroom/store.h"

struct wr_publish_opts {
	const char *actor;   /* for the audit trail */
	int zeroes;          /* the structure with zero counts, before the opening */
	int test;            /* mark the batch as test data */
	int full;            /* re-render every county (benchmarks, repairs) */
};

struct wr_held_county {
	char fips[8];
	char why[200];
};

struct wr_publish_result {
	int64_t batch;             /* 0 when there was nothing new to publish */
	long precincts;            /* tallies newly published */
	long counties;             /* counties re-rendered */
	long reporting, total;     /* precincts reporting after the batch, of all */
	size_t files;
	size_t bytes;
	size_t nheld;
	struct wr_held_county *held;  /* approved tallies waiting at a closed gate */
};

void wr_publish_result_free(struct wr_publish_result *r);

/* WR_EPERM while publishing is frozen, or for zeroes once real results
 * went out. */
int wr_publish(struct wr_store *s, const struct wr_publish_opts *o,
               struct wr_publish_result *r, struct wr_err *err);

/* wr_publish on behalf of a signed-in user (the console): supervisors and
 * admins only, as the store has the user now (WR_EPERM, WR_EAUTH); the
 * batch's actor is the user, whatever o->actor says. */
int wr_publish_as(struct wr_store *s, const struct wr_user *u, const struct wr_publish_opts *o,
                  struct wr_publish_result *r, struct wr_err *err);

/* Supervisors (and admins) stop and restart publishing; a reason is
 * required to freeze. Audited. */
int wr_publish_freeze(struct wr_store *s, const struct wr_user *u, int frozen,
                      const char *reason, struct wr_err *err);

struct wr_freeze {
	int frozen;
	char by[64], reason[200], at[32];
};

int wr_publish_frozen(struct wr_store *s, struct wr_freeze *f, struct wr_err *err);

struct wr_batch_row {
	int64_t id;
	char created_at[32];
	char actor[64];
	int zeroes, test;
	long precincts, counties, reporting;
	long long bytes;       /* of its documents in the outbox */
	int files;
};

/* The newest batches first, at most max of them, into out; *n is how
 * many were filled. */
int wr_publish_batches(struct wr_store *s, struct wr_batch_row *out, size_t max,
                       size_t *n, struct wr_err *err);

#endif
