/* Reading one URL with libcurl for the feed puller: http(s):// or file://,
 * a conditional GET (If-None-Match) so an unchanged page costs a 304 and
 * no parsing, a bound on the body so a runaway page cannot exhaust memory,
 * and a stop flag that ends a stalled transfer at once. A bearer token, if
 * the feed needs one, comes from $WARROOM_FEED_TOKEN, never a URL. */
#ifndef WARROOM_FETCH_H
#define WARROOM_FETCH_H

#include <signal.h>
#include <stddef.h>

#include "warroom/buf.h"
#include "warroom/err.h"

#define WR_FETCH_MAX (64u << 20)

struct wr_fetch {
	long connect_timeout_ms, timeout_ms;
	size_t max_bytes;
	volatile sig_atomic_t *stop;
	char auth[1100];   /* "Authorization: Bearer ..." or "" */
	char origin[600];  /* scheme://host:port the token may go to */
	void *curl;        /* one handle, so connections are reused */
};

enum wr_got {
	WR_GOT_BODY,       /* body and etag filled */
	WR_GOT_UNCHANGED,  /* 304: the page is as it was at etag */
	WR_GOT_RETRY,      /* not there (yet), unreachable, 5xx, too big: try later */
	WR_GOT_AUTH,       /* 401/403: the token is wrong or missing */
};

/* Sets defaults (10 s to connect, 60 s in all, WR_FETCH_MAX bytes). The
 * token is sent only to home's origin (scheme, host and port): a page
 * that links elsewhere never gets it. */
int wr_fetch_open(struct wr_fetch *f, const char *home, struct wr_err *err);
void wr_fetch_close(struct wr_fetch *f);

/* GETs url into body (reset first). etag, when not NULL or "", is sent as
 * If-None-Match; etag_out (n bytes) gets the reply's ETag, "" when none.
 * why says in a line what went wrong when the result is not a body. */
enum wr_got wr_fetch_get(struct wr_fetch *f, const char *url, const char *etag,
                         struct wr_buf *body, char *etag_out, size_t n, char *why,
                         size_t whylen);

#endif
