/* A validator under load, for the concurrency test and the review benchmark:
 *
 *   validator_sim --db PATH --user NAME --pin PIN [--reject-every N]
 *                 [--idle-exit SECONDS] [--max N] [--deadline SECONDS]
 *                 [--samples FILE]
 *
 * Signs in once, then takes the queue as a console would: wr_review_next
 * claims the most urgent item, then wr_review_approve (or wr_review_reject,
 * every Nth item, with a reason). The wall time of each approve/reject call
 * is measured with CLOCK_MONOTONIC. An empty queue is polled every 20 ms;
 * the sim stops after --idle-exit seconds (default 3) of empty queue, after
 * --max decisions (default 100000) or after --deadline seconds in all
 * (default 600), whichever comes first. --samples writes every measured
 * call's milliseconds to FILE, one a line, so a benchmark can merge several
 * sims' percentiles exactly. On exit it prints one JSON line:
 *
 *   {"user":..,"decided":N,"approved":N,"rejected":N,"needs_second":N,
 *    "errors":N,"busy":N,"p50_ms":..,"p99_ms":..,"max_ms":..}
 *
 * decided = approved + rejected (successful calls; "needs_second" counts the
 * approvals of hard-flagged items that still wait for a second validator).
 * An error other than WR_ECLAIMED/WR_ENOTFOUND counts in "errors" and is
 * printed on stderr; one whose message says "locked" or "busy" counts in
 * "busy" too. Exit status: 0 when errors == 0, 1 usage, 2 sign-in or store
 * failure, 3 when some call failed. */
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "warroom/auth.h"
#include "warroom/err.h"
#include "warroom/review.h"
#include "warroom/store.h"

#define POLL_MS 20
#define MAX_ERRORS 1000   /* a store that keeps failing ends the run */

struct opts {
	const char *db, *user, *pin, *samples;
	long reject_every, max;
	double idle_exit, deadline;
};

struct stats {
	long approved, rejected, needs_second, errors, busy, lost;
	double *ms;
	size_t n, cap;
};

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

static void usage(void)
{
	fprintf(stderr, "usage: validator_sim --db PATH --user NAME --pin PIN "
	        "[--reject-every N] [--idle-exit SECONDS] [--max N] [--deadline SECONDS]\n"
	        "                     [--samples FILE]\n");
}

static int number(const char *s, double lo, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(s, &end);
	return errno == 0 && end != s && *end == '\0' && *out >= lo ? 0 : -1;
}

static int parse(int argc, char **argv, struct opts *o)
{
	static const struct option opts[] = {
		{ "db", required_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "pin", required_argument, NULL, 'p' },
		{ "reject-every", required_argument, NULL, 'r' },
		{ "idle-exit", required_argument, NULL, 'i' },
		{ "max", required_argument, NULL, 'm' },
		{ "deadline", required_argument, NULL, 't' },
		{ "samples", required_argument, NULL, 's' },
		{ NULL, 0, NULL, 0 },
	};
	double v;
	int c;

	*o = (struct opts){ NULL, NULL, NULL, NULL, 0, 100000, 3.0, 600.0 };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'd': o->db = optarg; break;
		case 'u': o->user = optarg; break;
		case 'p': o->pin = optarg; break;
		case 's': o->samples = optarg; break;
		case 'r':
			if (number(optarg, 0, &v) != 0)
				return -1;
			o->reject_every = (long)v;
			break;
		case 'i':
			if (number(optarg, 0, &o->idle_exit) != 0)
				return -1;
			break;
		case 'm':
			if (number(optarg, 1, &v) != 0)
				return -1;
			o->max = (long)v;
			break;
		case 't':
			if (number(optarg, 0.1, &o->deadline) != 0)
				return -1;
			break;
		default: return -1;
		}
	}
	return optind == argc && o->db && o->user && o->pin ? 0 : -1;
}

/* Counts an unexpected failure and says what it was. */
static void failed(struct stats *st, const char *user, const char *what, const char *sid,
                   int rc, const struct wr_err *err)
{
	st->errors++;
	if (strstr(err->msg, "locked") || strstr(err->msg, "busy") ||
	    strstr(err->msg, "BUSY"))
		st->busy++;
	fprintf(stderr, "validator_sim %s: %s %s: rc %d: %s\n", user, what, sid ? sid : "",
	        rc, err->msg);
}

static void add_sample(struct stats *st, double ms)
{
	if (st->n == st->cap) {
		st->cap = st->cap ? st->cap * 2 : 1024;
		st->ms = realloc(st->ms, st->cap * sizeof *st->ms);
		if (!st->ms) {
			fprintf(stderr, "validator_sim: out of memory\n");
			exit(2);
		}
	}
	st->ms[st->n++] = ms;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest-rank percentile of the sorted samples. */
static double percentile(const struct stats *st, double p)
{
	size_t k;

	if (st->n == 0)
		return 0;
	k = (size_t)(p / 100.0 * (double)st->n + 0.999999);
	if (k < 1)
		k = 1;
	if (k > st->n)
		k = st->n;
	return st->ms[k - 1];
}

/* Writes the samples, sorted, one a line. */
static int write_samples(const char *path, const struct stats *st)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		fprintf(stderr, "validator_sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	for (size_t i = 0; i < st->n; i++)
		fprintf(f, "%.3f\n", st->ms[i]);
	if (fclose(f) != 0) {
		fprintf(stderr, "validator_sim: %s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

static void report(const char *user, struct stats *st)
{
	json_t *name = json_string(user);
	char *quoted = name ? json_dumps(name, JSON_ENCODE_ANY) : NULL;

	qsort(st->ms, st->n, sizeof *st->ms, cmp_double);
	printf("{\"user\":%s,\"decided\":%ld,\"approved\":%ld,\"rejected\":%ld,"
	       "\"needs_second\":%ld,\"errors\":%ld,\"busy\":%ld,\"p50_ms\":%.3f,"
	       "\"p99_ms\":%.3f,\"max_ms\":%.3f}\n",
	       quoted ? quoted : "\"?\"", st->approved + st->rejected, st->approved,
	       st->rejected, st->needs_second, st->errors, st->busy, percentile(st, 50),
	       percentile(st, 99), st->n ? st->ms[st->n - 1] : 0.0);
	fflush(stdout);
	free(quoted);
	json_decref(name);
}

/* Decides one claimed item; returns 1 when a decision was made. */
static int decide(struct wr_review *r, const struct wr_user *u, const struct opts *o,
                  const struct wr_review_item *it, struct stats *st)
{
	long k = st->approved + st->rejected + 1;
	int reject = o->reject_every > 0 && k % o->reject_every == 0;
	enum wr_approval result = WR_APPROVED;
	struct wr_err err;
	double t0, t1;
	int rc;

	wr_err_clear(&err);
	t0 = now_ms();
	if (reject)
		rc = wr_review_reject(r, u, it->submission_id, "validator_sim: rejected for a "
		                      "callback test", &err);
	else
		rc = wr_review_approve(r, u, it->submission_id, &result, &err);
	t1 = now_ms();
	if (rc == WR_OK) {
		add_sample(st, t1 - t0);
		if (reject) {
			st->rejected++;
		} else {
			st->approved++;
			if (result == WR_NEEDS_SECOND)
				st->needs_second++;
		}
		return 1;
	}
	if (rc == WR_ECLAIMED || rc == WR_ENOTFOUND)
		st->lost++;
	else
		failed(st, u->name, reject ? "reject" : "approve", it->submission_id, rc, &err);
	return 0;
}

int main(int argc, char **argv)
{
	struct opts o;
	struct wr_store s;
	struct wr_review *r = NULL;
	struct wr_user u;
	struct wr_err err;
	struct stats st = { 0 };
	double start, idle_since = -1;
	long released = 0;
	int rc;

	if (parse(argc, argv, &o) != 0) {
		usage();
		return 1;
	}
	wr_err_clear(&err);
	if (wr_store_open(&s, o.db, &err) != WR_OK) {
		fprintf(stderr, "validator_sim %s: %s\n", o.user, err.msg);
		return 2;
	}
	if ((rc = wr_auth_login(&s, o.user, o.pin, &u, &err)) != WR_OK ||
	    (rc = wr_review_open(&r, &s, 0, &err)) != WR_OK) {
		fprintf(stderr, "validator_sim %s: %s\n", o.user, err.msg);
		wr_store_close(&s);
		return 2;
	}
	start = now_ms();
	while (st.approved + st.rejected < o.max && st.errors < MAX_ERRORS &&
	       now_ms() - start < o.deadline * 1e3) {
		struct wr_review_item it;

		wr_err_clear(&err);
		rc = wr_review_next(r, &u, &it, &err);
		if (rc == WR_OK) {
			idle_since = -1;
			decide(r, &u, &o, &it, &st);
			continue;
		}
		if (rc == WR_ENOTFOUND) {
			double t = now_ms();

			if (idle_since < 0)
				idle_since = t;
			else if (t - idle_since >= o.idle_exit * 1e3)
				break;
		} else {
			failed(&st, u.name, "next", NULL, rc, &err);
		}
		sleep_ms(POLL_MS);
	}
	/* Give back anything still held (a failed decision leaves its claim). */
	wr_err_clear(&err);
	if ((rc = wr_review_release_all(r, &u, &released, &err)) != WR_OK)
		failed(&st, u.name, "release-all", NULL, rc, &err);
	report(u.name, &st);
	if (o.samples && write_samples(o.samples, &st) != 0)
		st.errors++;
	wr_review_close(r);
	wr_store_close(&s);
	free(st.ms);
	return st.errors ? 3 : 0;
}
