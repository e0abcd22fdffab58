/* Drains the outbox to one target, strictly in order: an item is pushed
 * only after every earlier one went out, so latest.json never names a
 * batch the target does not hold in full. The cursor moves in a short
 * write transaction after each success; a pusher killed at any moment
 * pushes the same item again on restart (same key, same bytes). */
#ifndef WARROOM_PUSHER_H
#define WARROOM_PUSHER_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "warroom/err.h"
#include "warroom/store.h"
#include "warroom/target.h"

struct wr_push_opts {
	const char *actor;        /* for the audit trail */
	int follow;               /* keep going: wait for new batches, retry forever */
	int max_tries;            /* without follow: tries per item before giving up */
	long backoff_ms;          /* first wait after a failure, doubled each time */
	long backoff_max_ms;
	long poll_ms;             /* with follow: how often to look for new items */
	volatile sig_atomic_t *stop;  /* set by a signal handler to end the loop */
	FILE *log;                /* one line per push problem and per batch out */
};

struct wr_push_stats {
	long items, batches, retries;
	int64_t last_batch;       /* the newest batch whose latest.json went out */
};

/* Returns WR_OK when the outbox is drained (or, with follow, when stopped),
 * WR_EAUTH when the target refused the credentials, WR_EIO when an item
 * could not be pushed (the message names it and why), WR_EPERM while a
 * supervisor's freeze holds publishing (with follow: waits it out). */
int wr_push(struct wr_store *s, struct wr_target *t, const struct wr_push_opts *o,
            struct wr_push_stats *st, struct wr_err *err);

/* Where one target stands, for status views. */
struct wr_push_state {
	int64_t last_id, backlog;   /* outbox items pushed through, and waiting */
	int64_t last_batch;         /* newest batch fully pushed, 0 none */
	long attempts;              /* failed tries of the next item */
	char last_ok_at[32], last_try_at[32], last_error[256];
};

int wr_push_state_read(struct wr_store *s, const char *target, struct wr_push_state *ps,
                       struct wr_err *err);

#endif
