/* The feed puller: pages parse with errors that name the page and what is
 * wrong; next links resolve against the page; a pull reads a chain of pages
 * into the store once, follows a growing last page, resumes from its
 * cursor after a restart, keeps a failing page's error in the cursor and
 * clears it once the page reads, quarantines a bad record and moves past
 * it, and keeps the cursor equal to what the store holds from the page
 * even when intake fails half way through it. Feeds are file:// pages
 * written by the tests from the Iowa sample night. */
#include "testutil.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>

#include "warroom/feed.h"
#include "warroom/feedpage.h"
#include "warroom/intake.h"

#define IOWA "fixtures/iowa"
#define SAMPLE IOWA "/nights/sample.ndjson"
#define NOW_TEXT "2024-01-16T06:00:00Z"

/* The sample night's lines, and a store with the Iowa fixtures that each
 * test copies. */
static char **sample;
static size_t nsample;
static char seed_dir[64], seed_path[128];

struct fx {
	struct tu_store t;
	char dir[96];                 /* where the pages are */
	char url[256];                /* the first page, page-1.json */
	volatile sig_atomic_t stop;
	struct wr_pull_opts o;
	struct wr_pull_stats st;
	struct wr_err err;
	FILE *log;
	char *logbuf;
	size_t loglen;
};

/* ---- group setup ---------------------------------------------------- */

static void load_sample(void)
{
	FILE *fp = fopen(SAMPLE, "r");
	char *line = NULL;
	size_t cap = 0, room = 0;
	ssize_t len;

	assert_non_null(fp);
	while ((len = getline(&line, &cap, fp)) > 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (nsample == room) {
			room = room ? room * 2 : 1024;
			sample = realloc(sample, room * sizeof *sample);
			assert_non_null(sample);
		}
		sample[nsample++] = strdup(line);
	}
	free(line);
	fclose(fp);
	assert_true(nsample >= 700);
}

static int group_setup(void **state)
{
	struct wr_fixture_counts n;
	struct tu_store t;
	struct wr_err err;

	(void)state;
	assert_int_equal(setenv("WARROOM_NOW", NOW_TEXT, 1), 0);
	unsetenv("WARROOM_FEED_TOKEN");
	load_sample();
	tu_open_empty(&t);
	if (wr_fixtures_load(&t.s, IOWA, &n, &err) != WR_OK)
		fail_msg("fixtures: %s", err.msg);
	tu_seed_save(&t, seed_dir, seed_path);
	tu_close(&t);
	return 0;
}

static int group_teardown(void **state)
{
	(void)state;
	for (size_t i = 0; i < nsample; i++)
		free(sample[i]);
	free(sample);
	return tu_seed_remove(seed_dir);
}

/* ---- per-test setup ------------------------------------------------- */

static void page_url(const struct fx *f, const char *name, char *out, size_t n)
{
	snprintf(out, n, "file://%s/%s", f->dir, name);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	tu_open_copy(&f->t, seed_path);
	snprintf(f->dir, sizeof f->dir, "%s/feed", f->t.dir);
	assert_int_equal(mkdir(f->dir, 0700), 0);
	page_url(f, "page-1.json", f->url, sizeof f->url);
	f->log = open_memstream(&f->logbuf, &f->loglen);
	assert_non_null(f->log);
	f->o = (struct wr_pull_opts){ .url = f->url, .max_tries = 1, .poll_ms = 10,
	                              .backoff_ms = 1, .backoff_max_ms = 2,
	                              .timeout_ms = 5000, .stop = &f->stop, .log = f->log };
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	fclose(f->log);
	free(f->logbuf);
	tu_close(&f->t);
	free(f);
	return 0;
}

/* ---- pages ---------------------------------------------------------- */

/* Writes a whole file at once (a temp file renamed), as a host would. */
static void put_file(const struct fx *f, const char *name, const char *text)
{
	char path[256], tmp[272];
	FILE *fp;

	snprintf(path, sizeof path, "%s/%s", f->dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	assert_non_null(fp = fopen(tmp, "w"));
	fputs(text, fp);
	assert_int_equal(fclose(fp), 0);
	assert_int_equal(rename(tmp, path), 0);
}

/* A page of the given submission texts; next NULL leaves it open. */
static void page_items(const struct fx *f, const char *name, const char *const *items,
                       size_t n, const char *next)
{
	size_t cap = 256, len;
	char *text;

	for (size_t i = 0; i < n; i++)
		cap += strlen(items[i]) + 2;
	cap += next ? strlen(next) : 0;
	assert_non_null(text = malloc(cap));
	len = (size_t)snprintf(text, cap, "{\"feed\": \"warroom-feed/1\", \"submissions\": [");
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(text + len, cap - len, "%s%s", i ? ",\n" : "\n", items[i]);
	if (next)
		snprintf(text + len, cap - len, "], \"next\": \"%s\"}\n", next);
	else
		snprintf(text + len, cap - len, "], \"next\": null}\n");
	put_file(f, name, text);
	free(text);
}

/* A page of sample lines from..to-1. */
static void page(const struct fx *f, const char *name, size_t from, size_t to,
                 const char *next)
{
	assert_true(from <= to && to <= nsample);
	page_items(f, name, (const char *const *)sample + from, to - from, next);
}

/* ---- pulling and looking ---------------------------------------------- */

static int pull(struct fx *f)
{
	memset(&f->err, 0, sizeof f->err);
	return wr_pull(&f->t.s, &f->o, &f->st, &f->err);
}

static void pull_ok(struct fx *f)
{
	int rc = pull(f);

	if (rc != WR_OK)
		fail_msg("pull: %d: %s", rc, f->err.msg);
}

/* Every outcome of the last pull. */
static long taken(const struct fx *f)
{
	long n = 0;

	for (int i = 0; i < WR_OUTCOMES; i++)
		n += f->st.n.n[i];
	return n;
}

/* The one cursor the store holds. */
static struct wr_feed_state cursor(struct fx *f)
{
	struct wr_feed_state *rows, c;
	struct wr_err err;
	size_t n;

	if (wr_feed_states(&f->t.s, &rows, &n, &err) != WR_OK)
		fail_msg("feed states: %s", err.msg);
	assert_int_equal(n, 1);
	c = rows[0];
	free(rows);
	assert_string_equal(c.feed, f->url);
	return c;
}

static const char *logtext(struct fx *f)
{
	fflush(f->log);
	return f->logbuf ? f->logbuf : "";
}

static long long q(struct fx *f, const char *sql)
{
	return tu_int(&f->t.s, sql);
}

/* Records from page name in the store: tallies and quarantined ones. */
static long long from_page(struct fx *f, const char *name)
{
	char url[256], sql[768];

	page_url(f, name, url, sizeof url);
	snprintf(sql, sizeof sql, "SELECT (SELECT count(*) FROM submissions WHERE origin = '%s')"
	         " + (SELECT count(*) FROM quarantine WHERE origin = '%s')", url, url);
	return q(f, sql);
}

/* The highest line stored from page name, 0 when none. */
static long long last_line(struct fx *f, const char *name)
{
	char url[256], sql[768];

	page_url(f, name, url, sizeof url);
	snprintf(sql, sizeof sql, "SELECT coalesce(max(line), 0) FROM (SELECT line FROM"
	         " submissions WHERE origin = '%s' UNION ALL SELECT line FROM quarantine"
	         " WHERE origin = '%s')", url, url);
	return q(f, sql);
}

static void assert_on_page(struct fx *f, const char *name, int64_t offset)
{
	struct wr_feed_state c = cursor(f);
	char url[256];

	page_url(f, name, url, sizeof url);
	assert_string_equal(c.page, url);
	assert_int_equal(c.offset, offset);
}

static void reopen(struct fx *f)
{
	struct wr_err err;

	wr_store_close(&f->t.s);
	if (wr_store_open(&f->t.s, f->t.path, &err) != WR_OK)
		fail_msg("reopen: %s", err.msg);
}

/* ---- 1. pages --------------------------------------------------------- */

#define P1 "file:///x/feed/page-1.json"

static int parse(const char *body, struct wr_feed_page *p, struct wr_err *err)
{
	memset(err, 0, sizeof *err);
	return wr_feed_page_parse(P1, body, strlen(body), p, err);
}

/* body is refused with a message naming the page and holding want. */
static void refused(const char *body, const char *want, const char *field)
{
	struct wr_feed_page p;
	struct wr_err err;

	assert_int_equal(parse(body, &p, &err), WR_EINVAL);
	if (!strstr(err.msg, P1) || !strstr(err.msg, want))
		fail_msg("%s: got \"%s\", want the URL and \"%s\"", body, err.msg, want);
	assert_string_equal(err.field, field);
	assert_null(p.root);
}

static void test_page_errors(void **state)
{
	(void)state;
	refused("{\"submissions\": [1,\n 2", "line 2 column", "");
	refused("", "not a feed page", "");
	refused("[1, 2]", "a JSON object expected", "");
	refused("{\"next\": null}", "submissions: an array expected", "submissions");
	refused("{\"submissions\": {}}", "submissions: an array expected", "submissions");
	refused("{\"submissions\": [], \"submissions\": []}", "duplicate", "");
	refused("{\"submissions\": [], \"next\": 5}", "next: a URL or null expected", "next");
	refused("{\"submissions\": [], \"next\": \"\"}", "next: a URL or null", "next");
	refused("{\"submissions\": [], \"next\": \"page-1.json\"}", "names this page itself",
	        "next");
	refused("{\"submissions\": [], \"next\": \"" P1 "\"}", "names this page itself",
	        "next");
}

/* A page error reads "URL: what is wrong", the field named once. */
static void test_page_error_reads_url_first(void **state)
{
	struct wr_feed_page p;
	struct wr_err err;

	(void)state;
	assert_int_equal(parse("{\"submissions\": [], \"next\": 5}", &p, &err), WR_EINVAL);
	assert_string_equal(err.msg, P1 ": next: a URL or null expected");
	assert_int_equal(parse("{\"submissions\": 5}", &p, &err), WR_EINVAL);
	assert_string_equal(err.msg, P1 ": submissions: an array expected");
}

/* The absolute URL next resolves to against base ("" when open). */
static void resolves_at(const char *base, const char *next_json, const char *want)
{
	struct wr_feed_page p;
	struct wr_err err;
	char body[512];

	snprintf(body, sizeof body, "{\"page\": 1, \"submissions\": [{}]%s%s}",
	         next_json ? ", \"next\": " : "", next_json ? next_json : "");
	if (wr_feed_page_parse(base, body, strlen(body), &p, &err) != WR_OK)
		fail_msg("%s: %s", body, err.msg);
	assert_int_equal(p.n, 1);
	assert_string_equal(p.next, want);
	wr_feed_page_free(&p);
}

static void resolves(const char *next_json, const char *want)
{
	resolves_at(P1, next_json, want);
}

static void test_page_next(void **state)
{
	(void)state;
	resolves("\"page-2.json\"", "file:///x/feed/page-2.json");
	resolves("\"../other/p.json\"", "file:///x/other/p.json");
	resolves("\"./sub/page-2.json\"", "file:///x/feed/sub/page-2.json");
	resolves("\"/y/p.json\"", "file:///y/p.json");
	resolves_at("http://h.example/feed/page-1.json", "\"http://example.org/feed/p9.json\"",
	            "http://example.org/feed/p9.json");
	resolves_at("http://h.example/feed/page-1.json", "\"https://example.org:8443/f/p.json\"",
	            "https://example.org:8443/f/p.json");
	resolves("null", "");
	resolves(NULL, "");
	resolves_at("https://h.example/feed/page-1.json?k=1", "\"page-2.json?k=2\"",
	            "https://h.example/feed/page-2.json?k=2");
	resolves_at("https://h.example/feed/page-1.json", "\"//cdn.example/p.json\"",
	            "https://cdn.example/p.json");
}

/* A next link is held to what the feed's own URL is: no credentials (they
 * would reach the cursor, every record's origin and the log), a scheme a
 * read can fetch, and no way from a web feed to this machine's files. */
static void next_refused(const char *base, const char *next)
{
	struct wr_feed_page p;
	struct wr_err err;
	char body[512];

	snprintf(body, sizeof body, "{\"submissions\": [], \"next\": \"%s\"}", next);
	if (wr_feed_page_parse(base, body, strlen(body), &p, &err) == WR_OK) {
		wr_feed_page_free(&p);
		fail_msg("%s: next \"%s\" was taken", base, next);
	}
}

static void test_page_next_checked(void **state)
{
	(void)state;
	next_refused(P1, "http://user:secret@127.0.0.1/p.json");
	next_refused(P1, "ftp://x/p.json");
	next_refused("https://h.example/feed/page-1.json", "file:///etc/passwd");
}

static void test_page_record(void **state)
{
	const char *body = "{\"submissions\": [ {\"b\": 1, \"a\": [1, 2], \"s\": \"\\u00e9\"},"
	                   " 5, \"x\", null ], \"extra\": true}";
	struct wr_feed_page p;
	struct wr_err err;
	size_t len;
	char *r;

	(void)state;
	assert_int_equal(parse(body, &p, &err), WR_OK);
	assert_int_equal(p.n, 4);
	assert_string_equal(p.next, "");
	r = wr_feed_page_record(&p, 0, &len);
	assert_string_equal(r, "{\"b\":1,\"a\":[1,2],\"s\":\"\xc3\xa9\"}");
	assert_int_equal(len, strlen(r));
	free(r);
	r = wr_feed_page_record(&p, 1, &len);
	assert_string_equal(r, "5");
	assert_int_equal(len, 1);
	free(r);
	r = wr_feed_page_record(&p, 2, &len);
	assert_string_equal(r, "\"x\"");
	free(r);
	r = wr_feed_page_record(&p, 3, &len);
	assert_string_equal(r, "null");
	free(r);
	wr_feed_page_free(&p);
	assert_null(p.root);
}

/* ---- 2.-4. chains, growing pages, restarts ----------------------------- */

/* page-1 (0..10) -> page-2 (10..25) -> page-3 (25..40, open). */
static void chain(struct fx *f)
{
	page(f, "page-1.json", 0, 10, "page-2.json");
	page(f, "page-2.json", 10, 25, "page-3.json");
	page(f, "page-3.json", 25, 40, NULL);
}

static void test_chain(void **state)
{
	struct fx *f = *state;
	struct wr_feed_state c;

	chain(f);
	pull_ok(f);
	assert_int_equal(f->st.pages, 2);
	assert_int_equal(f->st.reads, 3);
	assert_int_equal(taken(f), 40);
	assert_int_equal(f->st.n.n[WR_DUPLICATE], 0);
	/* Each submission once: the sample has no repeated ids. */
	assert_int_equal(q(f, "SELECT count(*) + (SELECT count(*) FROM quarantine)"
	                      " FROM submissions"), 40);
	assert_int_equal(q(f, "SELECT count(DISTINCT submission_id) FROM submissions"),
	                 q(f, "SELECT count(*) FROM submissions"));
	assert_int_equal(from_page(f, "page-1.json"), 10);
	assert_int_equal(from_page(f, "page-2.json"), 15);
	assert_int_equal(from_page(f, "page-3.json"), 15);
	assert_on_page(f, "page-3.json", 15);
	c = cursor(f);
	assert_int_equal(c.records, 40);
	assert_int_equal(c.pages, 2);
	assert_int_equal(c.attempts, 0);
	assert_string_equal(c.last_error, "");
	assert_string_equal(c.last_ok_at, NOW_TEXT);
	assert_non_null(strstr(logtext(f), "page-2.json: 15 accepted"));
}

static void test_chain_again_takes_nothing(void **state)
{
	struct fx *f = *state;

	chain(f);
	pull_ok(f);
	pull_ok(f);
	assert_int_equal(f->st.reads, 1);
	assert_int_equal(f->st.pages, 0);
	assert_int_equal(taken(f), 0);
	assert_int_equal(cursor(f).records, 40);
	assert_on_page(f, "page-3.json", 15);
}

static void test_growing_page(void **state)
{
	struct fx *f = *state;

	chain(f);
	pull_ok(f);
	/* Ten more on the open last page: only they are taken. */
	page(f, "page-3.json", 25, 50, NULL);
	pull_ok(f);
	assert_int_equal(taken(f), 10);
	assert_int_equal(f->st.n.n[WR_ACCEPTED] + f->st.n.n[WR_REVISED], 10);
	assert_int_equal(f->st.n.n[WR_DUPLICATE], 0);
	assert_int_equal(f->st.pages, 0);
	assert_on_page(f, "page-3.json", 25);
	assert_int_equal(from_page(f, "page-3.json"), 25);
	/* Closed as it stood, and a new open page after it. */
	page(f, "page-3.json", 25, 50, "page-4.json");
	page(f, "page-4.json", 50, 55, NULL);
	pull_ok(f);
	assert_int_equal(taken(f), 5);
	assert_int_equal(f->st.n.n[WR_DUPLICATE], 0);
	assert_int_equal(f->st.pages, 1);
	assert_on_page(f, "page-4.json", 5);
	assert_int_equal(from_page(f, "page-3.json"), 25);
	assert_int_equal(cursor(f).records, 55);
	assert_int_equal(cursor(f).pages, 3);
}

static void test_restart_resumes(void **state)
{
	struct fx *f = *state;

	chain(f);
	pull_ok(f);
	/* Five more and closed; a new page of fifteen; a new process. */
	page(f, "page-3.json", 25, 45, "page-4.json");
	page(f, "page-4.json", 45, 60, NULL);
	reopen(f);
	pull_ok(f);
	assert_int_equal(f->st.n.n[WR_DUPLICATE], 0);
	assert_int_equal(taken(f), 20);
	assert_on_page(f, "page-4.json", 15);
	assert_int_equal(from_page(f, "page-3.json"), 20);
	assert_int_equal(from_page(f, "page-4.json"), 15);
	assert_int_equal(cursor(f).records, 60);
	assert_int_equal(q(f, "SELECT count(*) + (SELECT count(*) FROM quarantine)"
	                      " FROM submissions"), 60);
}

/* ---- 5.-7. bad pages and bad records ------------------------------------ */

static void test_corrupt_page(void **state)
{
	struct fx *f = *state;
	struct wr_feed_state c;
	char url2[256];

	page_url(f, "page-2.json", url2, sizeof url2);
	page(f, "page-1.json", 0, 10, "page-2.json");
	put_file(f, "page-2.json", "{\"submissions\": [ {\"submission_id\": ");
	f->o.max_tries = 2;
	assert_int_equal(pull(f), WR_EIO);
	if (!strstr(f->err.msg, url2))
		fail_msg("error does not name %s: %s", url2, f->err.msg);
	assert_int_equal(f->st.failures, 2);
	assert_int_equal(from_page(f, "page-1.json"), 10);
	c = cursor(f);
	assert_string_equal(c.page, url2);
	assert_int_equal(c.offset, 0);
	assert_int_equal(c.attempts, 2);
	assert_non_null(strstr(c.last_error, url2));
	assert_string_equal(c.last_try_at, NOW_TEXT);
	/* Fixed: read, and the failure is cleared. */
	page(f, "page-2.json", 10, 20, NULL);
	pull_ok(f);
	assert_int_equal(taken(f), 10);
	c = cursor(f);
	assert_int_equal(c.offset, 10);
	assert_int_equal(c.attempts, 0);
	assert_string_equal(c.last_error, "");
}

/* A page whose failure cleared although it had nothing new to give. */
static void test_failure_cleared_without_news(void **state)
{
	struct fx *f = *state;

	page(f, "page-1.json", 0, 5, NULL);
	pull_ok(f);
	put_file(f, "page-1.json", "not json");
	assert_int_equal(pull(f), WR_EIO);
	assert_int_equal(cursor(f).attempts, 1);
	page(f, "page-1.json", 0, 5, NULL);
	pull_ok(f);
	assert_int_equal(taken(f), 0);
	assert_int_equal(cursor(f).attempts, 0);
	assert_string_equal(cursor(f).last_error, "");
}

static void test_shrunk_page(void **state)
{
	struct fx *f = *state;

	page(f, "page-1.json", 0, 10, NULL);
	pull_ok(f);
	page(f, "page-1.json", 0, 6, NULL);
	assert_int_equal(pull(f), WR_EIO);
	if (!strstr(f->err.msg, f->url) || !strstr(f->err.msg, "6 submissions"))
		fail_msg("shrunk page: %s", f->err.msg);
	assert_int_equal(taken(f), 0);
	assert_on_page(f, "page-1.json", 10);
	assert_int_equal(cursor(f).records, 10);
	assert_int_equal(from_page(f, "page-1.json"), 10);
}

static void test_bad_records(void **state)
{
	struct fx *f = *state;
	const char *items[] = {
		sample[0], "5",
		"{\"submission_id\":\"bad-1\",\"source\":\"app\",\"reported_at\":"
		"\"2024-01-15T19:50:00-06:00\",\"reporter\":\"x\",\"votes\":{\"trump\":1,"
		"\"desantis\":0,\"haley\":0,\"ramaswamy\":0,\"hutchinson\":0,\"binkley\":0,"
		"\"other\":0},\"total\":1}",
		sample[1], sample[2],
	};

	page_items(f, "page-1.json", items, 5, NULL);
	pull_ok(f);
	assert_int_equal(f->st.n.n[WR_QUARANTINED], 2);
	assert_int_equal(f->st.n.n[WR_ACCEPTED], 3);
	assert_on_page(f, "page-1.json", 5);
	assert_int_equal(cursor(f).records, 5);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine WHERE line IN (2, 3)"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions WHERE line IN (1, 4, 5)"), 3);
	/* Read again, nothing is quarantined twice. */
	pull_ok(f);
	assert_int_equal(taken(f), 0);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine"), 2);
}

/* ---- 8.-10. URLs, missing pages, stopping -------------------------------- */

static void bad_url(struct fx *f, const char *url, const char *secret)
{
	f->o.url = url;
	assert_int_equal(pull(f), WR_EINVAL);
	assert_true(f->err.msg[0] != '\0');
	if (secret && strstr(f->err.msg, secret))
		fail_msg("the error repeats the secret: %s", f->err.msg);
	assert_int_equal(q(f, "SELECT count(*) FROM feed_cursors"), 0);
}

static void test_bad_urls(void **state)
{
	struct fx *f = *state;

	bad_url(f, "ftp://x/p.json", NULL);
	assert_non_null(strstr(f->err.msg, "ftp://x/p.json"));
	bad_url(f, "not a url", NULL);
	assert_non_null(strstr(f->err.msg, "not a url"));
	bad_url(f, "http://user:pw@127.0.0.1/p.json", ":pw@");
	assert_non_null(strstr(f->err.msg, "WARROOM_FEED_TOKEN"));
	bad_url(f, "", NULL);
}

static void test_missing_first_page(void **state)
{
	struct fx *f = *state;

	assert_int_equal(pull(f), WR_EIO);
	if (!strstr(f->err.msg, f->url))
		fail_msg("missing page: %s", f->err.msg);
	assert_int_equal(cursor(f).attempts, 1);
	assert_non_null(strstr(cursor(f).last_error, f->url));
	page(f, "page-1.json", 0, 3, NULL);
	pull_ok(f);
	assert_int_equal(taken(f), 3);
	assert_on_page(f, "page-1.json", 3);
	assert_int_equal(cursor(f).attempts, 0);
}

/* An empty page file (a host caught mid-write) says so. */
static void test_empty_page(void **state)
{
	struct fx *f = *state;

	put_file(f, "page-1.json", "");
	assert_int_equal(pull(f), WR_EIO);
	assert_non_null(strstr(f->err.msg, f->url));
	if (strstr(f->err.msg, "line -1") || strstr(f->err.msg, "wrong arguments"))
		fail_msg("empty page: %s", f->err.msg);
}

static volatile sig_atomic_t *alarm_stop;

static void on_alarm(int sig)
{
	(void)sig;
	if (alarm_stop)
		*alarm_stop = 1;
}

/* Pulls until a timer sets the stop flag ms from now. */
static int pull_for(struct fx *f, long ms)
{
	struct itimerval it = { { 0, 0 }, { ms / 1000, (ms % 1000) * 1000 } }, off = { 0 };
	struct sigaction sa, old;
	int rc;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_alarm;
	sigemptyset(&sa.sa_mask);
	alarm_stop = &f->stop;
	assert_int_equal(sigaction(SIGALRM, &sa, &old), 0);
	assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
	rc = pull(f);
	setitimer(ITIMER_REAL, &off, NULL);
	sigaction(SIGALRM, &old, NULL);
	alarm_stop = NULL;
	f->stop = 0;
	return rc;
}

/* Following an open last page that does not change: read again and
 * again, written once (the run's first good read), so consoles are not
 * woken by every poll. */
static void test_follow_unchanged_writes_nothing(void **state)
{
	struct fx *f = *state;
	int before;

	page(f, "page-1.json", 0, 3, NULL);
	pull_ok(f);
	f->o.follow = 1;
	before = sqlite3_total_changes(f->t.s.db);
	assert_int_equal(pull_for(f, 300), WR_OK);
	assert_true(f->st.reads >= 5);
	assert_int_equal(taken(f), 0);
	assert_int_equal(sqlite3_total_changes(f->t.s.db) - before, 1);
	assert_on_page(f, "page-1.json", 3);
}

/* Next links that lead back to an earlier page (page-1 -> page-2 -> page-1)
 * are refused like a corrupt page: read round and round they would add
 * duplicates without end. The alarm stops a pull that went round. */
static void test_page_loop(void **state)
{
	struct fx *f = *state;

	page(f, "page-1.json", 0, 3, "page-2.json");
	page(f, "page-2.json", 3, 6, "page-1.json");
	pull_for(f, 1000);
	assert_int_equal(taken(f) - f->st.n.n[WR_DUPLICATE], 6);
	if (f->st.pages > 2)
		fail_msg("went round the loop: %ld pages, %ld reads, records %lld", f->st.pages,
		         f->st.reads, (long long)cursor(f).records);
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void test_stopped(void **state)
{
	struct fx *f = *state;
	double t0 = now_s();

	page(f, "page-1.json", 0, 3, NULL);
	f->stop = 1;
	f->o.follow = 1;
	f->o.poll_ms = 60000;
	f->o.backoff_ms = f->o.backoff_max_ms = 60000;
	assert_int_equal(pull(f), WR_OK);
	assert_true(now_s() - t0 < 2.0);
	assert_int_equal(taken(f), 0);
}

/* ---- 11. the cursor is what the store holds -------------------------------- */

static void test_long_page(void **state)
{
	struct fx *f = *state;

	page(f, "page-1.json", 0, 600, NULL);
	pull_ok(f);
	assert_int_equal(taken(f), 600);
	assert_on_page(f, "page-1.json", 600);
	assert_int_equal(from_page(f, "page-1.json"), 600);
	assert_int_equal(cursor(f).records, 600);
}

/* After a pull that failed mid-page, the cursor stands at exactly what
 * the store holds from the page, and the next pull takes the rest once. */
static void assert_consistent_then_resumes(struct fx *f, int64_t stored)
{
	struct wr_feed_state c = cursor(f);

	assert_int_equal(c.offset, stored);
	assert_int_equal(c.records, stored);
	assert_int_equal(from_page(f, "page-1.json"), stored);
	assert_int_equal(last_line(f, "page-1.json"), stored);
	pull_ok(f);
	assert_int_equal(f->st.n.n[WR_DUPLICATE], 0);
	assert_int_equal(taken(f), 600 - stored);
	assert_on_page(f, "page-1.json", 600);
	assert_int_equal(from_page(f, "page-1.json"), 600);
	assert_int_equal(cursor(f).records, 600);
}

/* A store failure inside a later run of the page (at record 550, the
 * cursor's own update refused by a trigger) undoes records 501..550: the
 * puller commits a big page 100 records at a time. */
static void test_failure_mid_batch(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	page(f, "page-1.json", 0, 600, NULL);
	if (wr_store_exec(&f->t.s, "CREATE TEMP TRIGGER boom BEFORE UPDATE OF offset ON"
	                  " main.feed_cursors WHEN NEW.offset = 550 BEGIN"
	                  " SELECT RAISE(ABORT, 'injected'); END", &err) != WR_OK)
		fail_msg("trigger: %s", err.msg);
	assert_int_equal(pull(f), WR_ESTORE);
	assert_non_null(strstr(f->err.msg, "injected"));
	assert_int_equal(taken(f), 500);
	assert_int_equal(wr_store_exec(&f->t.s, "DROP TRIGGER temp.boom", &err), WR_OK);
	assert_consistent_then_resumes(f, 500);
}

/* The same inside the first batch: nothing from the page stays. */
static void test_failure_first_batch(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	page(f, "page-1.json", 0, 600, NULL);
	if (wr_store_exec(&f->t.s, "CREATE TEMP TRIGGER boom BEFORE INSERT ON"
	                  " main.submissions WHEN NEW.line = 100 BEGIN"
	                  " SELECT RAISE(ABORT, 'injected'); END", &err) != WR_OK)
		fail_msg("trigger: %s", err.msg);
	assert_int_equal(pull(f), WR_ESTORE);
	assert_int_equal(taken(f), 0);
	assert_int_equal(wr_store_exec(&f->t.s, "DROP TRIGGER temp.boom", &err), WR_OK);
	assert_consistent_then_resumes(f, 0);
}

/* Another process takes the write lock the moment intake's first batch
 * of the page (100 records) is committed (SQLite's WAL hook runs after a commit has
 * released the lock), so intake's next BEGIN IMMEDIATE finds it busy. */
struct locker {
	sqlite3 *db;
	int locked;
};

static int grab_lock(void *arg, sqlite3 *db, const char *name, int pages)
{
	struct locker *l = arg;
	sqlite3_stmt *st;
	long long offset = 0;

	(void)db, (void)name, (void)pages;
	if (l->locked)
		return SQLITE_OK;
	assert_int_equal(sqlite3_prepare_v2(l->db, "SELECT coalesce(max(offset), 0) FROM"
	                                    " feed_cursors", -1, &st, NULL), SQLITE_OK);
	if (sqlite3_step(st) == SQLITE_ROW)
		offset = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	if (offset > 0)
		l->locked = sqlite3_exec(l->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) == SQLITE_OK;
	return SQLITE_OK;
}

static void test_failure_store_locked(void **state)
{
	struct fx *f = *state;
	struct locker l = { NULL, 0 };

	page(f, "page-1.json", 0, 600, NULL);
	assert_int_equal(sqlite3_open_v2(f->t.path, &l.db, SQLITE_OPEN_READWRITE, NULL),
	                 SQLITE_OK);
	sqlite3_busy_timeout(f->t.s.db, 20);
	sqlite3_wal_hook(f->t.s.db, grab_lock, &l);
	assert_int_equal(pull(f), WR_ESTORE);
	assert_true(l.locked);
	assert_non_null(strstr(f->err.msg, "locked"));
	assert_int_equal(taken(f), 100);
	assert_int_equal(sqlite3_exec(l.db, "ROLLBACK", NULL, NULL, NULL), SQLITE_OK);
	sqlite3_wal_autocheckpoint(f->t.s.db, 1000);
	assert_consistent_then_resumes(f, 100);
	sqlite3_close(l.db);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_page_errors),
		cmocka_unit_test(test_page_error_reads_url_first),
		cmocka_unit_test(test_page_next),
		cmocka_unit_test(test_page_next_checked),
		cmocka_unit_test(test_page_record),
		cmocka_unit_test_setup_teardown(test_chain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_chain_again_takes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_growing_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_restart_resumes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_corrupt_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_cleared_without_news, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_shrunk_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_urls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing_first_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_loop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_unchanged_writes_nothing, setup,
		                                teardown),
		cmocka_unit_test_setup_teardown(test_stopped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_long_page, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_mid_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_first_batch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failure_store_locked, setup, teardown),
	};

	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
