/* Bulk-approves every county's unflagged tallies through the review core,
 * for benchmarks that need a night's worth of approved tallies quickly:
 *
 *   approve_counties DB USER PIN
 *
 * One sign-in, then wr_review_bulk_approve per county (one decision and one
 * audit record per tally, the county gate's counts kept as in a real night).
 * Prints the number approved; exit 0, or 2 on any failure. */
#include <stdio.h>
#include <stdlib.h>

#include "warroom/auth.h"
#include "warroom/review.h"
#include "warroom/store.h"

static int approve_all(struct wr_store *s, struct wr_review *r, const struct wr_user *u,
                       long *total, struct wr_err *err)
{
	sqlite3_stmt *st;
	long n;
	int rc = WR_OK, step;

	if (wr_store_prepare(s, &st, "SELECT fips FROM counties ORDER BY fips", err))
		return WR_ESTORE;
	while (rc == WR_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
		rc = wr_review_bulk_approve(r, u, (const char *)sqlite3_column_text(st, 0), &n, err);
		*total += n;
	}
	if (rc == WR_OK && step != SQLITE_DONE)
		rc = wr_store_fail(s, err, "listing counties");
	sqlite3_finalize(st);
	return rc;
}

int main(int argc, char **argv)
{
	struct wr_store s;
	struct wr_review *r = NULL;
	struct wr_user u;
	struct wr_err err;
	long total = 0;
	int rc;

	if (argc != 4) {
		fprintf(stderr, "usage: approve_counties DB USER PIN\n");
		return 1;
	}
	if ((rc = wr_store_open_mode(&s, argv[1], 0, &err)) != WR_OK) {
		fprintf(stderr, "approve_counties: %s\n", err.msg);
		return 2;
	}
	rc = wr_auth_login(&s, argv[2], argv[3], &u, &err);
	if (rc == WR_OK)
		rc = wr_review_open(&r, &s, 0, &err);
	if (rc == WR_OK)
		rc = approve_all(&s, r, &u, &total, &err);
	wr_review_close(r);
	wr_store_close(&s);
	if (rc != WR_OK) {
		fprintf(stderr, "approve_counties: %s\n", err.msg);
		return 2;
	}
	printf("%ld\n", total);
	return 0;
}
