#include <curl/curl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "warroom/alloc.h"
#include "warroom/buf.h"
#include "warroom/feed.h"
#include "warroom/feedpage.h"
#include "warroom/fetch.h"
#include "warroom/pace.h"
#include "warroom/submission.h"
#include "warroom/timefmt.h"

struct cursor {
	char page[2048], etag[256];
	int64_t offset;
};

struct puller {
	struct wr_store *s;
	const struct wr_pull_opts *o;
	struct wr_pull_stats *st;
	struct wr_intake *in;
	struct wr_fetch f;
	struct wr_buf body;
	sqlite3_stmt *advance;  /* moves offset inside intake's transaction */
	int64_t taken;          /* offset the hook writes next */
	int failing;            /* the cursor holds a failure to clear */
	char **seen;            /* pages finished in this run, to catch a loop */
	size_t nseen;
};

static int stopped(const struct puller *p)
{
	return p->o->stop && *p->o->stop;
}

/* The URL names the cursor, the log lines and the origin of every record
 * read from it, so it must not hold a secret. */
static int check_url(const char *url, struct wr_err *err)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *user = NULL;
	int rc = WR_OK;

	if (!u || curl_url_set(u, CURLUPART_URL, url, CURLU_NON_SUPPORT_SCHEME) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK)
		rc = wr_errf(err, WR_EINVAL, "%s: not a URL", url);
	else if (strcmp(scheme, "http") && strcmp(scheme, "https") && strcmp(scheme, "file"))
		rc = wr_errf(err, WR_EINVAL, "%s: http://, https:// or file:// expected", url);
	else if (curl_url_get(u, CURLUPART_USER, &user, 0) == CURLUE_OK)
		rc = wr_errf(err, WR_EINVAL, "feed URL: credentials belong in "
		             "$WARROOM_FEED_TOKEN, not the URL");
	else if (strlen(url) >= sizeof ((struct cursor *)0)->page)
		rc = wr_errf(err, WR_EINVAL, "feed URL: longer than %zu bytes",
		             sizeof ((struct cursor *)0)->page - 1);
	curl_free(scheme);
	curl_free(user);
	curl_url_cleanup(u);
	return rc;
}

/* Binds the feed, a page, a number and a text as ?1..?4 and the time as
 * ?5, then runs sql in a transaction of its own. */
static int update(struct puller *p, const char *sql, const char *page, int64_t num,
                  const char *text, struct wr_err *err)
{
	sqlite3_stmt *st;
	char now[32];
	int rc;

	wr_time_format_utc(wr_time_now(), now);
	if ((rc = wr_store_begin(p->s, err)) != WR_OK)
		return rc;
	if (wr_store_prepare(p->s, &st, sql, err))
		return wr_store_finish(p->s, WR_ESTORE, err);
	sqlite3_bind_text(st, 1, p->o->url, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, page, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 3, num);
	sqlite3_bind_text(st, 4, text, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 5, now, -1, SQLITE_STATIC);
	rc = sqlite3_step(st) == SQLITE_DONE ? WR_OK
	     : wr_store_fail(p->s, err, "moving the feed cursor");
	sqlite3_finalize(st);
	return wr_store_finish(p->s, rc, err);
}

static int load_cursor(struct puller *p, struct cursor *c, struct wr_err *err)
{
	sqlite3_stmt *st;
	int rc;

	memset(c, 0, sizeof *c);
	if (wr_store_prepare(p->s, &st, "SELECT page, offset, coalesce(etag, '')"
	                                " FROM feed_cursors WHERE feed = ?1", err))
		return WR_ESTORE;
	sqlite3_bind_text(st, 1, p->o->url, -1, SQLITE_STATIC);
	if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		wr_store_text(st, 0, c->page, sizeof c->page);
		c->offset = sqlite3_column_int64(st, 1);
		wr_store_text(st, 2, c->etag, sizeof c->etag);
	}
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? WR_OK : wr_store_fail(p->s, err, "reading the feed cursor");
}

static int hook(void *arg, struct wr_audit *audit, int64_t submission,
                enum wr_outcome outcome, struct wr_err *err)
{
	struct puller *p = arg;
	sqlite3_stmt *st = p->advance;
	int rc;

	(void)audit, (void)submission, (void)outcome;
	sqlite3_bind_text(st, 1, p->o->url, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 2, p->taken);
	rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE ? WR_OK : wr_store_fail(p->s, err, "moving the feed cursor");
}

/* Submissions from..n-1 of the page, each moving the cursor with it. A
 * big page is taken TAKE_RUN records a transaction with a breath between,
 * so a console's write waiting in SQLite's busy handler finds the lock
 * free within a few of its retries instead of after the whole page. */
#define TAKE_RUN 100
#define TAKE_BREATH_MS 10

static int take(struct puller *p, const struct wr_feed_page *pg, const char *url,
                int64_t from, struct wr_err *err)
{
	enum wr_outcome outcome;
	size_t len;
	int rc = WR_OK;

	for (size_t i = (size_t)from; i < pg->n && rc == WR_OK; i++) {
		char *rec = wr_feed_page_record(pg, i, &len);

		p->taken = (int64_t)i + 1;
		wr_intake_set_hook(p->in, hook, p);
		rc = wr_intake_record(p->in, url, (long)i + 1, rec,
		                      len > WR_RECORD_MAX ? WR_RECORD_MAX : len, len, &outcome, err);
		free(rec);
		if (rc == WR_OK && (i + 1 - (size_t)from) % TAKE_RUN == 0 && i + 1 < pg->n &&
		    (rc = wr_intake_flush(p->in, err)) == WR_OK)
			wr_pause_ms(NULL, TAKE_BREATH_MS);
	}
	return rc == WR_OK ? wr_intake_flush(p->in, err) : rc;
}

static void log_page(struct puller *p, const char *url, const struct wr_intake_counts *before,
                     const struct wr_feed_page *pg)
{
	const struct wr_intake_counts *now = wr_intake_counts(p->in);
	char when[32];
	long got = 0;

	for (int i = 0; i < WR_OUTCOMES; i++)
		got += now->n[i] - before->n[i];
	if (!p->o->log || (!got && !*pg->next))
		return;
	wr_time_format_utc(wr_time_now(), when);
	fprintf(p->o->log, "%s pull: %s:", when, url);
	for (int i = 0; i < WR_OUTCOMES; i++)
		fprintf(p->o->log, "%s %ld %s", i ? "," : "", now->n[i] - before->n[i],
		        wr_outcome_name(i));
	fprintf(p->o->log, "%s%s\n", *pg->next ? "; next " : "; open, waiting", pg->next);
}

/* A chain that comes back to a page read before would be read round and
 * round, each lap a page of duplicates: the cursor stays, as for a
 * corrupt page, until the service mends its links. */
static int check_loop(struct puller *p, const char *page, const struct wr_feed_page *pg,
                      struct wr_err *err)
{
	if (!*pg->next)
		return WR_OK;
	for (size_t i = 0; i < p->nseen; i++)
		if (!strcmp(p->seen[i], pg->next))
			return wr_errf(err, WR_EIO, "%s: next: %s was read before: the feed's "
			               "pages link in a loop", page, pg->next);
	p->seen = wr_xrealloc(p->seen, (p->nseen + 1) * sizeof *p->seen);
	p->seen[p->nseen++] = wr_xstrdup(page);
	return WR_OK;
}

/* After the page's submissions are in: on to the next page, or remember
 * the ETag the open last page had at this offset. */
static int finish_page(struct puller *p, const struct cursor *c,
                       const struct wr_feed_page *pg, const char *etag, struct wr_err *err)
{
	/* A file:// feed has no ETag: a read that found nothing new writes
	 * nothing, or every poll would wake every console. */
	if (!*pg->next && (int64_t)pg->n == c->offset && !strcmp(etag, c->etag) && !p->failing)
		return WR_OK;
	p->failing = 0;
	if (*pg->next) {
		int rc = update(p, "UPDATE feed_cursors SET page = ?2, offset = 0, etag = NULL,"
		                   " pages = pages + 1, attempts = 0, last_ok_at = ?5,"
		                   " last_try_at = ?5, last_error = NULL WHERE feed = ?1",
		                pg->next, 0, NULL, err);

		p->st->pages += rc == WR_OK;
		return rc;
	}
	return update(p, "UPDATE feed_cursors SET offset = ?3, etag = nullif(?4, ''),"
	                 " attempts = 0, last_ok_at = ?5, last_try_at = ?5, last_error = NULL"
	                 " WHERE feed = ?1",
	              NULL, (int64_t)pg->n, etag, err);
}

static int read_page(struct puller *p, const struct cursor *c, const char *etag,
                     int *open, struct wr_err *err)
{
	struct wr_intake_counts before = *wr_intake_counts(p->in);
	struct wr_feed_page pg;
	int rc;

	if ((rc = wr_feed_page_parse(c->page, p->body.p, p->body.len, &pg, err)) != WR_OK)
		return WR_EIO;
	if ((int64_t)pg.n < c->offset)
		rc = wr_errf(err, WR_EIO, "%s: %zu submissions, fewer than the %" PRId64
		             " already taken from it: the page was rewritten, not appended to",
		             c->page, pg.n, c->offset);
	if (rc == WR_OK)
		rc = take(p, &pg, c->page, c->offset, err);
	if (rc == WR_OK)
		rc = check_loop(p, c->page, &pg, err);
	if (rc == WR_OK)
		rc = finish_page(p, c, &pg, etag, err);
	if (rc == WR_OK) {
		log_page(p, c->page, &before, &pg);
		*open = !*pg.next;
	}
	wr_feed_page_free(&pg);
	return rc;
}

/* One read of the page the cursor is on. *open is set when the feed is
 * read to the end of its open last page. */
static int step(struct puller *p, int *open, struct wr_err *err)
{
	struct cursor c;
	char etag[256], why[600];
	enum wr_got got;
	int rc;

	*open = 0;
	if ((rc = load_cursor(p, &c, err)) != WR_OK)
		return rc;
	p->st->reads++;
	got = wr_fetch_get(&p->f, c.page, c.etag, &p->body, etag, sizeof etag, why,
	                   sizeof why);
	if (got == WR_GOT_UNCHANGED) {
		p->st->unchanged++;
		*open = 1;
		if (!p->failing)
			return WR_OK;
		p->failing = 0;
		return update(p, "UPDATE feed_cursors SET attempts = 0, last_ok_at = ?5,"
		                 " last_try_at = ?5, last_error = NULL WHERE feed = ?1",
		              NULL, 0, NULL, err);
	}
	if (got != WR_GOT_BODY)
		return wr_errf(err, got == WR_GOT_AUTH ? WR_EAUTH : WR_EIO, "%s%s", why,
		               got == WR_GOT_AUTH ? " (check $WARROOM_FEED_TOKEN)" : "");
	return read_page(p, &c, etag, open, err);
}

static int failed(struct puller *p, int tries, const struct wr_err *why, struct wr_err *err)
{
	char now[32];

	p->st->failures++;
	p->failing = 1;
	wr_time_format_utc(wr_time_now(), now);
	if (p->o->log)
		fprintf(p->o->log, "%s pull: %s (try %d)\n", now, why->msg, tries);
	return update(p, "UPDATE feed_cursors SET attempts = attempts + 1, last_try_at = ?5,"
	                 " last_error = ?4 WHERE feed = ?1",
	              NULL, 0, why->msg, err);
}

static int loop(struct puller *p, struct wr_err *err)
{
	const struct wr_pull_opts *o = p->o;
	struct wr_err why;
	int open, rc, tries = 0;

	while (!stopped(p)) {
		if ((rc = step(p, &open, &why)) == WR_OK) {
			tries = 0;
			if (open && !o->follow)
				return WR_OK;
			if (open)
				wr_pause_ms(o->stop, o->poll_ms);
			continue;
		}
		/* A read cut short by a stop is not the feed's fault. */
		if (stopped(p))
			break;
		tries++;
		/* The failure is kept for status views; a store too broken to
		 * keep it will say so on the next step. */
		if (rc != WR_ESTORE)
			failed(p, tries, &why, err);
		else if (o->log)
			fprintf(o->log, "pull: %s (try %d)\n", why.msg, tries);
		if (!o->follow && tries >= o->max_tries) {
			*err = why;
			return rc;
		}
		wr_pause_ms(o->stop, wr_backoff_ms(o->backoff_ms, o->backoff_max_ms, tries));
	}
	return WR_OK;
}

static int start(struct puller *p, struct wr_err *err)
{
	int rc = update(p, "INSERT INTO feed_cursors (feed, page) VALUES (?1, ?1)"
	                   " ON CONFLICT (feed) DO NOTHING",
	                NULL, 0, NULL, err);

	if (rc == WR_OK && wr_store_prepare(p->s, &p->advance,
	        "UPDATE feed_cursors SET offset = ?2, etag = NULL, records = records + 1"
	        " WHERE feed = ?1", err))
		rc = WR_ESTORE;
	if (rc == WR_OK)
		rc = wr_fetch_open(&p->f, p->o->url, err);
	if (rc == WR_OK && p->o->timeout_ms > 0)
		p->f.timeout_ms = p->o->timeout_ms;
	p->f.stop = p->o->stop;
	return rc;
}

int wr_pull(struct wr_store *s, const struct wr_pull_opts *o, struct wr_pull_stats *st,
            struct wr_err *err)
{
	/* Failing until a read succeeds: a failure an earlier run left in the
	 * cursor is cleared by this run's first good read. */
	struct puller p = { .s = s, .o = o, .st = st, .failing = 1 };
	struct wr_err close_err;
	int rc;

	memset(st, 0, sizeof *st);
	if ((rc = check_url(o->url, err)) != WR_OK)
		return rc;
	if ((rc = wr_intake_open(&p.in, s, o->log, err)) != WR_OK)
		return rc;
	if ((rc = start(&p, err)) == WR_OK)
		rc = loop(&p, err);
	st->n = *wr_intake_counts(p.in);
	if (wr_intake_close(p.in, &close_err) != WR_OK && rc == WR_OK) {
		*err = close_err;
		rc = WR_ESTORE;
	}
	sqlite3_finalize(p.advance);
	for (size_t i = 0; i < p.nseen; i++)
		free(p.seen[i]);
	free(p.seen);
	wr_fetch_close(&p.f);
	wr_buf_free(&p.body);
	return rc;
}

static void read_state(sqlite3_stmt *st, void *row)
{
	struct wr_feed_state *fs = row;

	wr_store_text(st, 0, fs->feed, sizeof fs->feed);
	wr_store_text(st, 1, fs->page, sizeof fs->page);
	fs->offset = sqlite3_column_int64(st, 2);
	fs->pages = sqlite3_column_int64(st, 3);
	fs->records = sqlite3_column_int64(st, 4);
	fs->attempts = sqlite3_column_int(st, 5);
	wr_store_text(st, 6, fs->last_ok_at, sizeof fs->last_ok_at);
	wr_store_text(st, 7, fs->last_try_at, sizeof fs->last_try_at);
	wr_store_text(st, 8, fs->last_error, sizeof fs->last_error);
}

int wr_feed_states(struct wr_store *s, struct wr_feed_state **rows, size_t *n,
                   struct wr_err *err)
{
	sqlite3_stmt *st;

	*rows = NULL;
	*n = 0;
	if (wr_store_prepare(s, &st, "SELECT feed, page, offset, pages, records, attempts,"
	                             " last_ok_at, last_try_at, last_error"
	                             " FROM feed_cursors ORDER BY feed", err))
		return WR_ESTORE;
	return wr_store_rows(s, st, sizeof **rows, read_state, (void **)rows, n,
	                     "listing feed cursors", err);
}
