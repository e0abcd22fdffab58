/* The puller: reads the collection service's feed (feedpage.h) into the
 * store. Its cursor (the page it is on and how many of that page's
 * submissions are in) lives in the store and moves in the same
 * transaction as the submissions it counts, so a puller killed at any
 * instant resumes where it stood, neither losing nor doubling a tally.
 * An unchanged page costs a 304 (ETag / If-None-Match). A page that cannot
 * be read or parsed is logged with its URL and retried with backoff; the
 * cursor stays, and nothing stored is touched. Write transactions last one
 * page at most and never span a network read, so consoles are never kept
 * waiting on the network. */
#ifndef WARROOM_FEED_H
#define WARROOM_FEED_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "warroom/err.h"
#include "warroom/intake.h"
#include "warroom/store.h"

struct wr_pull_opts {
	const char *url;       /* the feed's first page; names its cursor */
	int follow;            /* keep reading the open last page until stopped */
	int max_tries;         /* without follow: failed reads in a row before giving up */
	long poll_ms;          /* with follow: how often the open last page is read */
	long backoff_ms, backoff_max_ms;
	long timeout_ms;       /* one read; 0: 60 s */
	volatile sig_atomic_t *stop;
	FILE *log;             /* a line per page read, per failure, per bad record */
};

struct wr_pull_stats {
	long reads, unchanged, pages, failures;
	struct wr_intake_counts n;
};

/* Returns WR_OK when the feed is read to the end of its open last page
 * (or, with follow, when stopped); WR_EINVAL for a URL that is not
 * http(s):// or file:// or that holds credentials; after max_tries failed
 * reads WR_EIO (err names the page and why) or WR_EAUTH (refused, see
 * $WARROOM_FEED_TOKEN); WR_ESTORE when the store failed. */
int wr_pull(struct wr_store *s, const struct wr_pull_opts *o, struct wr_pull_stats *st,
            struct wr_err *err);

/* Where a feed's puller stands, for status views. */
struct wr_feed_state {
	char feed[2048], page[2048], last_ok_at[32], last_try_at[32], last_error[448];
	int64_t offset, pages, records;
	long attempts;
};

/* Every feed the store has a cursor for, in name order; free(*rows). */
int wr_feed_states(struct wr_store *s, struct wr_feed_state **rows, size_t *n,
                   struct wr_err *err);

#endif
