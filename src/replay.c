/* Replays a night into a feed (see replay.h): a loop of add what is due,
 * sync, sleep a little. */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "warroom/feedwrite.h"
#include "warroom/replay.h"

#define MAX_NAP 0.25   /* seconds: how long a stop may go unseen */
/* A record within this of its time goes now: no naps of a few nanoseconds,
 * and no endless ones with a clock that a short nap does not move (a fake
 * one: 1000 + 1e-13 is 1000). */
#define EARLY 0.001

static double real_now(void *ctx)
{
	struct timespec ts;

	(void)ctx;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void real_sleep(double s, void *ctx)
{
	struct timespec ts;

	(void)ctx;
	ts.tv_sec = (time_t)s;
	ts.tv_nsec = (long)((s - (double)ts.tv_sec) * 1e9);
	/* A signal (the one that sets stop, say) ends it early: fine, the loop
	 * looks at the clock and the flag again. */
	nanosleep(&ts, NULL);
}

struct run {
	const struct wr_night *n;
	const struct wr_replay_opts *o;
	struct wr_feedw *w;
	size_t ps;
	int at_once;
	long page;      /* the open page before the last sync */
};

static int stopped(const struct run *r)
{
	return r->o->stop && *r->o->stop;
}

/* The night time the replay's clock starts from. */
static int64_t origin(const struct run *r)
{
	int64_t first = r->n->n ? r->n->rec[0].sent_at : 0;

	return r->o->from > first ? r->o->from : first;
}

/* Seconds after the start that record i is due. */
static double due(const struct run *r, size_t i)
{
	double d = r->at_once ? 0 : (double)(r->n->rec[i].sent_at - origin(r)) / r->o->speed;

	return d > 0 ? d : 0;
}

static void fmt_dur(double s, char *out, size_t n)
{
	long t = isfinite(s) && s < 1e9 ? lround(s) : -1;

	if (t < 0)
		snprintf(out, n, "forever");
	else if (t >= 3600)
		snprintf(out, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(out, n, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(out, n, "%lds", t);
}

static void say_start(const struct run *r, const char *dir)
{
	double span = r->n->n ? (double)(r->n->rec[r->n->n - 1].sent_at - origin(r)) : 0;
	char night[32], real[32];

	if (!r->o->log)
		return;
	fmt_dur(span, night, sizeof night);
	if (r->at_once)
		fprintf(r->o->log, "replay: %zu submissions (%s of night) into %s, %zu a page, "
		        "all at once\n", r->n->n, night, dir, r->ps);
	else {
		fmt_dur(span / r->o->speed, real, sizeof real);
		fprintf(r->o->log, "replay: %zu submissions (%s of night) into %s, %zu a page, "
		        "at %gx: about %s\n", r->n->n, night, dir, r->ps, r->o->speed, real);
	}
	fflush(r->o->log);
}

/* Syncs and logs the pages that closed. */
static int sync_feed(struct run *r, struct wr_err *err)
{
	int rc = wr_feedw_sync(r->w, err);
	long page = wr_feedw_page(r->w, NULL, NULL);

	for (; r->page < page; r->page++)
		if (r->o->log)
			fprintf(r->o->log, "replay: page %ld closed (%zu submissions), %zu of %zu "
			        "sent\n", r->page, r->ps, (size_t)r->page * r->ps, r->n->n);
	if (r->o->log)
		fflush(r->o->log);
	return rc;
}

static int add(struct run *r, size_t i, struct wr_err *err)
{
	const struct wr_sim_record *rec = &r->n->rec[i];
	struct wr_err e;
	int rc = wr_feedw_add(r->w, rec->json, strlen(rec->json), &e);

	return rc == WR_OK ? WR_OK
	                   : wr_errf(err, rc, "record %zu (%s): %s", i + 1,
	                             rec->submission_id, e.msg);
}

/* Adds everything due by now (syncing every page_size), then syncs. */
static int send_due(struct run *r, size_t *i, double t, struct wr_err *err)
{
	size_t pending;
	int rc;

	while (*i < r->n->n && due(r, *i) <= t + EARLY) {
		if ((rc = add(r, *i, err)) != WR_OK)
			return rc;
		++*i;
		wr_feedw_page(r->w, NULL, &pending);
		if (pending >= r->ps) {
			if ((rc = sync_feed(r, err)) != WR_OK)
				return rc;
			if (stopped(r))
				return WR_OK;
		}
	}
	return sync_feed(r, err);
}

int wr_replay(const struct wr_night *n, const char *dir, const struct wr_replay_opts *o,
              struct wr_err *err)
{
	double (*now)(void *) = o->now ? o->now : real_now;
	void (*nap)(double, void *) = o->sleep ? o->sleep : real_sleep;
	struct run r = { n, o, NULL, o->page_size ? o->page_size : WR_FEEDW_PAGE_SIZE,
	                 !(o->speed > 0) || !isfinite(o->speed), 1 };
	double start, wait;
	size_t i = 0, in_page;
	int rc;

	if ((rc = wr_feedw_open(&r.w, dir, r.ps, err)) != WR_OK)
		return rc;
	say_start(&r, dir);
	start = now(o->clock_ctx);
	while (i < n->n && !stopped(&r)) {
		if ((rc = send_due(&r, &i, now(o->clock_ctx) - start, err)) != WR_OK)
			break;
		if (i < n->n && !stopped(&r) &&
		    (wait = due(&r, i) - (now(o->clock_ctx) - start)) > 0)
			nap(wait < MAX_NAP ? wait : MAX_NAP, o->clock_ctx);
	}
	if (o->log && rc == WR_OK) {
		r.page = wr_feedw_page(r.w, &in_page, NULL);
		if (i < n->n)
			fprintf(o->log, "replay: stopped, %zu of %zu sent\n", i, n->n);
		else
			fprintf(o->log, "replay: all %zu sent; page %ld open with %zu\n", n->n,
			        r.page, in_page);
		fflush(o->log);
	}
	wr_feedw_close(r.w);
	return rc;
}
