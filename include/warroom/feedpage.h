/* One page of the collection service's feed, the layout any static host
 * or S3 bucket can serve:
 *
 *   {"feed": "warroom-feed/1", "page": 3,
 *    "submissions": [ {submission}, ... ],
 *    "next": "page-000004.json"}
 *
 * "submissions" holds submission objects as NDJSON night files do, in the
 * order sent. "next" is a URL relative to the page's own, or null (or
 * absent) while the page is the last: the last page grows until the
 * service closes it by setting "next", and a page with a next link never
 * changes again. Other members are ignored. */
#ifndef WARROOM_FEEDPAGE_H
#define WARROOM_FEEDPAGE_H

#include <jansson.h>
#include <stddef.h>

#include "warroom/err.h"

struct wr_feed_page {
	json_t *root;
	json_t *subs;       /* borrowed from root */
	size_t n;
	char next[2048];    /* absolute URL, "" while the page is open */
};

/* Parses body (len bytes) fetched from url. WR_EINVAL names the url and
 * what is wrong (JSON error with line and column, a missing or mistyped
 * member, a next link that does not resolve or names the page itself). */
int wr_feed_page_parse(const char *url, const char *body, size_t len,
                       struct wr_feed_page *p, struct wr_err *err);
void wr_feed_page_free(struct wr_feed_page *p);

/* Submission i as the compact JSON text intake reads; free() it. */
char *wr_feed_page_record(const struct wr_feed_page *p, size_t i, size_t *len);

#endif
