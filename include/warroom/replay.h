/* Replays a simulated night (simulate.h) into a feed (feedwrite.h) over
 * accelerated time, for the demo and the puller's tests: record i goes out
 * at start + (rec[i].sent_at - origin) / speed (or up to 1 ms before), in
 * the night's order; origin is rec[0].sent_at, or opts.from when later. */
#ifndef WARROOM_REPLAY_H
#define WARROOM_REPLAY_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "warroom/err.h"
#include "warroom/simulate.h"

struct wr_replay_opts {
	double speed;                /* night seconds per real second; <= 0 (or
	                              * not finite): all at once */
	size_t page_size;            /* submissions per page; 0: WR_FEEDW_PAGE_SIZE */
	int64_t from;                /* night time (Unix s) the clock starts at:
	                              * records sent earlier go out at once, so a
	                              * demo skips a quiet start; 0: the first
	                              * record's */
	volatile sig_atomic_t *stop; /* when set (e.g. by a signal handler) the
	                              * replay syncs what it added and returns
	                              * WR_OK; NULL: never */
	FILE *log;                   /* a line per closed page, and one at the
	                              * start and the end; NULL: quiet */
	/* The clock, a seam for tests; NULL for the real one. now: seconds on
	 * a monotonic clock (CLOCK_MONOTONIC). sleep: waits about s seconds
	 * (nanosleep; a signal may cut it short). The replay never asks for
	 * more than 0.25 s at once, so a stop is seen quickly. */
	double (*now)(void *ctx);
	void (*sleep)(double s, void *ctx);
	void *clock_ctx;
};

/* Starts a fresh feed in dir (wr_feedw_open: refused with WR_EINVAL when
 * dir already holds one) and sends every record of n into it: each round
 * adds every record that is due, syncs (also every page_size adds, so at
 * most about two pages are in memory), then sleeps until the next is due.
 * Returns WR_OK when all were sent or a stop was asked for; WR_EIO when a
 * page could not be written (err names it; what was written stays, a
 * consistent feed to clear before a rerun); WR_EINVAL when a record is not
 * a JSON object (err names its line and submission_id). */
int wr_replay(const struct wr_night *n, const char *dir,
              const struct wr_replay_opts *o, struct wr_err *err);

#endif
