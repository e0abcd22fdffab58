#include <stdlib.h>

#include "warroom/assist.h"
#include "warroom/queue.h"
#include "warroom/timefmt.h"

/* The queue comes most urgent first, so the oldest unflagged tally is the
 * first unflagged one of the longest-waiting order; scan for the oldest by
 * received_at rather than rely on that. */
static const struct wr_queue_row *pick(const struct wr_queue_row *rows, size_t n,
                                       int64_t before)
{
	const struct wr_queue_row *best = NULL;

	for (size_t i = 0; i < n; i++) {
		const struct wr_queue_row *q = &rows[i];

		if (q->nflags || *q->holder || !*q->precinct || q->received_at > before)
			continue;
		if (!best || q->received_at < best->received_at)
			best = q;
	}
	return best;
}

int wr_assist_step(struct wr_store *s, struct wr_review *r, const struct wr_user *u,
                   int64_t min_age, int *approved, struct wr_err *err)
{
	struct wr_queue_row *rows;
	const struct wr_queue_row *q;
	struct wr_review_item item;
	enum wr_approval result;
	struct wr_err ignored;
	size_t n;
	int rc;

	*approved = 0;
	if ((rc = wr_queue_load(s, &rows, &n, err)) != WR_OK)
		return rc;
	q = pick(rows, n, wr_time_now() - min_age);
	rc = q ? wr_review_claim(r, u, q->submission_id, &item, err) : WR_OK;
	if (q && rc == WR_OK) {
		rc = wr_review_approve(r, u, q->submission_id, &result, err);
		/* A tally the core will not let u approve goes back for people. */
		if (rc != WR_OK)
			wr_review_release(r, u, q->submission_id, &ignored);
		else
			*approved = result == WR_APPROVED;
	}
	free(rows);
	/* Someone got there first, or its state moved on: not a failure. */
	return rc == WR_ECLAIMED || rc == WR_EPERM || rc == WR_ECONFLICT ? WR_OK : rc;
}
