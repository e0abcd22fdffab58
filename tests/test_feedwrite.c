/* The feed writer and the night replay: pages hold page_size submissions
 * and link on in order, the last one open (next null); what was added comes
 * back member for member; a refused submission changes nothing; no temp
 * file stays behind; an existing feed is never overwritten; a replay sends
 * the night in order, on time (a fake clock), and stops when asked. */
#include "testutil.h"

#include <dirent.h>
#include <jansson.h>
#include <math.h>
#include <signal.h>
#include <sys/stat.h>

#include "warroom/feedwrite.h"
#include "warroom/replay.h"
#include "warroom/simulate.h"

#define IOWA "fixtures/iowa"

struct tdir {
	char path[64];
};

static void tdir_make(struct tdir *d)
{
	snprintf(d->path, sizeof d->path, "/tmp/wrfeed.XXXXXX");
	assert_non_null(mkdtemp(d->path));
}

static void tdir_remove(struct tdir *d)
{
	char cmd[128];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", d->path);
	assert_int_equal(system(cmd), 0);
}

static json_t *load_page(const char *dir, long page)
{
	char path[256];
	json_error_t je;
	json_t *j;

	snprintf(path, sizeof path, "%s/page-%06ld.json", dir, page);
	if (!(j = json_load_file(path, JSON_REJECT_DUPLICATES, &je)))
		fail_msg("%s: %s", path, je.text);
	return j;
}

/* Follows the chain from page 1, checking each page's shape: the format,
 * its number, a closed page holds page_size and links to the next file, the
 * last one holds fewer and next is null. Returns every submission in order
 * and the number of pages. */
static json_t *read_feed(const char *dir, size_t page_size, long *npages)
{
	json_t *all = json_array();
	char want[32];

	for (long p = 1;; p++) {
		json_t *pg = load_page(dir, p), *subs = json_object_get(pg, "submissions"),
		       *next = json_object_get(pg, "next");

		assert_true(json_is_object(pg));
		assert_int_equal(json_object_size(pg), 4);
		assert_string_equal(json_string_value(json_object_get(pg, "feed")),
		                    "warroom-feed/1");
		assert_int_equal(json_integer_value(json_object_get(pg, "page")), p);
		assert_true(json_is_array(subs));
		assert_non_null(next);
		json_array_extend(all, subs);
		if (json_is_null(next)) {
			assert_true(json_array_size(subs) < page_size);
			json_decref(pg);
			*npages = p;
			return all;
		}
		snprintf(want, sizeof want, "page-%06ld.json", p + 1);
		assert_string_equal(json_string_value(next), want);
		assert_int_equal(json_array_size(subs), page_size);
		json_decref(pg);
	}
}

/* Only page-NNNNNN.json files in dir: no temp file, nothing else. */
static void only_pages(const char *dir, long npages)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	long n = 0, p;
	char tail[8];

	assert_non_null(d);
	while ((e = readdir(d))) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (sscanf(e->d_name, "page-%6ld.json%7s", &p, tail) != 1 ||
		    strlen(e->d_name) != strlen("page-000001.json"))
			fail_msg("%s: unexpected file %s", dir, e->d_name);
		n++;
	}
	closedir(d);
	assert_int_equal(n, npages);
}

static char *submission(int i)
{
	char *s = malloc(256);

	snprintf(s, 256, "{\"submission_id\":\"app-%06d\",\"source\":\"app\",\"precinct\":"
	         "\"19153-%03d\",\"note\":\"caf\\u00e9 \\\"%d\\\"\",\"votes\":{\"trump\":%d,"
	         "\"haley\":%d},\"total\":%d,\"share\":0.%d,\"late\":%s}", i, i % 1000, i,
	         i, 2 * i, 3 * i, i + 1, i % 2 ? "true" : "null");
	return s;
}

static void add_n(struct wr_feedw *w, int from, int to)
{
	struct wr_err err;

	for (int i = from; i < to; i++) {
		char *s = submission(i);

		if (wr_feedw_add(w, s, strlen(s), &err) != WR_OK)
			fail_msg("add %d: %s", i, err.msg);
		free(s);
	}
}

/* The feed holds submissions 0..n-1 of submission(), member for member. */
static void holds(json_t *all, int n)
{
	assert_int_equal(json_array_size(all), (size_t)n);
	for (int i = 0; i < n; i++) {
		char *s = submission(i);
		json_t *want = json_loads(s, 0, NULL);

		assert_non_null(want);
		if (!json_equal(want, json_array_get(all, (size_t)i)))
			fail_msg("submission %d differs", i);
		json_decref(want);
		free(s);
	}
}

static struct wr_feedw *open_ok(const char *dir, size_t page_size)
{
	struct wr_feedw *w = NULL;
	struct wr_err err;

	if (wr_feedw_open(&w, dir, page_size, &err) != WR_OK)
		fail_msg("open %s: %s", dir, err.msg);
	return w;
}

static void sync_ok(struct wr_feedw *w)
{
	struct wr_err err;

	if (wr_feedw_sync(w, &err) != WR_OK)
		fail_msg("sync: %s", err.msg);
}

/* --- the writer ------------------------------------------------------ */

static void test_empty_feed(void **state)
{
	struct tdir d;
	struct wr_feedw *w;
	json_t *all;
	long np;
	size_t in_page, pending;

	(void)state;
	tdir_make(&d);
	w = open_ok(d.path, 100);
	all = read_feed(d.path, 100, &np);
	assert_int_equal(np, 1);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);
	only_pages(d.path, 1);
	assert_int_equal(wr_feedw_page(w, &in_page, &pending), 1);
	assert_int_equal(in_page, 0);
	assert_int_equal(pending, 0);
	sync_ok(w);  /* nothing added: nothing changes */
	only_pages(d.path, 1);
	wr_feedw_close(w);
	tdir_remove(&d);
}

static void test_pages_fill_and_link(void **state)
{
	struct tdir d;
	struct wr_feedw *w;
	size_t len, in_page, pending;
	char path[128], *before, *after;
	json_t *all;
	long np;

	(void)state;
	tdir_make(&d);
	w = open_ok(d.path, 100);
	snprintf(path, sizeof path, "%s/page-000001.json", d.path);
	before = tu_slurp(path, &len);
	add_n(w, 0, 250);
	/* Buffered: nothing on disk until sync. */
	after = tu_slurp(path, NULL);
	assert_string_equal(before, after);
	free(after);
	only_pages(d.path, 1);
	assert_int_equal(wr_feedw_page(w, &in_page, &pending), 1);
	assert_int_equal(pending, 250);
	sync_ok(w);
	all = read_feed(d.path, 100, &np);
	assert_int_equal(np, 3);
	holds(all, 250);
	json_decref(all);
	only_pages(d.path, 3);
	assert_int_equal(wr_feedw_page(w, &in_page, &pending), 3);
	assert_int_equal(in_page, 50);
	assert_int_equal(pending, 0);
	/* The bytes of a page: compact, members in their order. */
	after = tu_slurp(path, NULL);
	{
		static const char head[] = "{\"feed\":\"warroom-feed/1\",\"page\":1,"
		                           "\"submissions\":[{\"submission_id\":\"app-000000\",";

		assert_memory_equal(after, head, strlen(head));
	}
	assert_non_null(strstr(after, "],\"next\":\"page-000002.json\"}\n"));
	free(after);
	free(before);
	wr_feedw_close(w);
	tdir_remove(&d);
}

static void test_appends_and_rolls(void **state)
{
	struct tdir d;
	struct wr_feedw *w;
	size_t in_page;
	json_t *all;
	long np;
	char *p1;
	char path[128];

	(void)state;
	tdir_make(&d);
	w = open_ok(d.path, 100);
	add_n(w, 0, 50);
	sync_ok(w);
	add_n(w, 50, 80);
	sync_ok(w);
	all = read_feed(d.path, 100, &np);
	assert_int_equal(np, 1);
	holds(all, 80);
	json_decref(all);
	/* Exactly full: the page closes at once, the next one is empty. */
	add_n(w, 80, 100);
	sync_ok(w);
	all = read_feed(d.path, 100, &np);
	assert_int_equal(np, 2);
	holds(all, 100);
	json_decref(all);
	snprintf(path, sizeof path, "%s/page-000001.json", d.path);
	p1 = tu_slurp(path, NULL);
	/* Across two pages in one sync; a closed page never changes again. */
	add_n(w, 100, 321);
	sync_ok(w);
	assert_int_equal(wr_feedw_page(w, &in_page, NULL), 4);
	assert_int_equal(in_page, 21);
	all = read_feed(d.path, 100, &np);
	assert_int_equal(np, 4);
	holds(all, 321);
	json_decref(all);
	{
		char *again = tu_slurp(path, NULL);

		assert_string_equal(p1, again);
		free(again);
	}
	free(p1);
	only_pages(d.path, 4);
	wr_feedw_close(w);
	tdir_remove(&d);
}

/* Page size 1: every add closes a page. */
static void test_page_size_one(void **state)
{
	struct tdir d;
	struct wr_feedw *w;
	struct wr_err err;
	json_t *all;
	long np;

	(void)state;
	tdir_make(&d);
	assert_int_equal(wr_feedw_open(&w, d.path, 0, &err), WR_EINVAL);
	assert_null(w);
	w = open_ok(d.path, 1);
	add_n(w, 0, 3);
	sync_ok(w);
	add_n(w, 3, 5);
	sync_ok(w);
	all = read_feed(d.path, 1, &np);
	assert_int_equal(np, 6);
	holds(all, 5);
	json_decref(all);
	only_pages(d.path, 6);
	wr_feedw_close(w);
	tdir_remove(&d);
}

static void test_refuses_non_objects(void **state)
{
	static const char *const bad[] = {
		"", " ", "[1,2]", "42", "\"text\"", "null", "{\"a\":1", "{\"a\":1}{}",
		"{\"a\":1} x", "{\"a\":1,\"a\":2}", "{'a':1}", "{\"a\":\"\\u0000\"}",
	};
	struct tdir d;
	struct wr_feedw *w;
	struct wr_err err;
	size_t in_page, pending;
	char path[128], *before, *after;
	json_t *all;
	long np;

	(void)state;
	tdir_make(&d);
	w = open_ok(d.path, 10);
	add_n(w, 0, 5);
	sync_ok(w);
	snprintf(path, sizeof path, "%s/page-000001.json", d.path);
	before = tu_slurp(path, NULL);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		memset(&err, 0, sizeof err);
		if (wr_feedw_add(w, bad[i], strlen(bad[i]), &err) != WR_EINVAL)
			fail_msg("accepted %s", bad[i]);
		assert_true(err.msg[0] != '\0');
	}
	/* Not NUL-terminated: only len bytes count. */
	assert_int_equal(wr_feedw_add(w, "{\"a\":1}XYZ", 7, &err), WR_OK);
	assert_int_equal(wr_feedw_add(w, "{\"a\":1}XYZ", 8, &err), WR_EINVAL);
	wr_feedw_page(w, &in_page, &pending);
	assert_int_equal(in_page, 5);
	assert_int_equal(pending, 1);
	after = tu_slurp(path, NULL);
	assert_string_equal(before, after);
	free(after);
	sync_ok(w);
	all = read_feed(d.path, 10, &np);
	assert_int_equal(np, 1);
	assert_int_equal(json_array_size(all), 6);
	assert_int_equal(json_integer_value(json_object_get(json_array_get(all, 5), "a")), 1);
	json_decref(all);
	only_pages(d.path, 1);
	free(before);
	wr_feedw_close(w);
	tdir_remove(&d);
}

/* A directory that holds a feed is refused and left as it was; a missing
 * one is made, parents and all. */
static void test_never_clobbers(void **state)
{
	struct tdir d;
	struct wr_feedw *w, *w2 = (void *)1;
	struct wr_err err;
	char sub[128], path[160], *before, *after;
	json_t *all;
	long np;

	(void)state;
	tdir_make(&d);
	snprintf(sub, sizeof sub, "%s/a/b/feed", d.path);
	w = open_ok(sub, 10);
	add_n(w, 0, 15);
	sync_ok(w);
	snprintf(path, sizeof path, "%s/page-000001.json", sub);
	before = tu_slurp(path, NULL);
	assert_int_equal(wr_feedw_open(&w2, sub, 10, &err), WR_EINVAL);
	assert_null(w2);
	assert_non_null(strstr(err.msg, "already holds a feed"));
	after = tu_slurp(path, NULL);
	assert_string_equal(before, after);
	free(before);
	free(after);
	all = read_feed(sub, 10, &np);
	assert_int_equal(np, 2);
	holds(all, 15);
	json_decref(all);
	only_pages(sub, 2);
	wr_feedw_close(w);
	/* A file where the directory should be. */
	snprintf(sub, sizeof sub, "%s/a/b/feed/page-000002.json/x", d.path);
	assert_int_equal(wr_feedw_open(&w2, sub, 10, &err), WR_EIO);
	assert_null(w2);
	wr_feedw_close(NULL);
	tdir_remove(&d);
}

/* A failed write loses nothing: the next sync carries on. The temp name of
 * page 2 taken by a directory makes its write fail, even for root. */
static void test_failed_write_retries(void **state)
{
	struct tdir d;
	struct wr_feedw *w;
	struct wr_err err;
	size_t in_page, pending;
	char path[128];
	json_t *all;
	long np;

	(void)state;
	tdir_make(&d);
	w = open_ok(d.path, 10);
	add_n(w, 0, 25);
	snprintf(path, sizeof path, "%s/.page-000002.json.tmp", d.path);
	assert_int_equal(mkdir(path, 0755), 0);
	assert_int_equal(wr_feedw_sync(w, &err), WR_EIO);
	assert_non_null(strstr(err.msg, ".page-000002.json.tmp"));
	assert_int_equal(wr_feedw_page(w, &in_page, &pending), 1);
	assert_int_equal(in_page, 0);
	assert_int_equal(pending, 25);
	all = read_feed(d.path, 10, &np);
	assert_int_equal(np, 1);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);
	assert_int_equal(rmdir(path), 0);
	sync_ok(w);
	all = read_feed(d.path, 10, &np);
	assert_int_equal(np, 3);
	holds(all, 25);
	json_decref(all);
	only_pages(d.path, 3);
	wr_feedw_close(w);
	tdir_remove(&d);
}

/* --- the replay ------------------------------------------------------ */

static struct wr_night *night;

static int make_night(void **state)
{
	struct wr_sim_options o = { 11, WR_SIM_ERROR_RATE };
	struct wr_err err;

	(void)state;
	if (wr_sim_run(IOWA, &o, &night, &err) != WR_OK)
		fail_msg("simulate: %s", err.msg);
	return 0;
}

static int free_night(void **state)
{
	(void)state;
	wr_night_free(night);
	return 0;
}

/* The feed holds the first n records of the night, in order. */
static void holds_night(const char *dir, size_t page_size, size_t n)
{
	json_t *all = read_feed(dir, page_size, &(long){ 0 });

	assert_int_equal(json_array_size(all), n);
	for (size_t i = 0; i < n; i++) {
		json_t *want = json_loads(night->rec[i].json, 0, NULL);

		assert_non_null(want);
		if (!json_equal(want, json_array_get(all, i)))
			fail_msg("record %zu (%s) differs", i + 1, night->rec[i].submission_id);
		json_decref(want);
	}
	json_decref(all);
}

static void test_replay_all_at_once(void **state)
{
	struct wr_replay_opts o = { .speed = 0, .page_size = 100 };
	struct tdir d;
	struct wr_err err;
	char *log = NULL, line[128];
	size_t loglen = 0;
	long np;

	(void)state;
	assert_true(night->n > 1000);
	tdir_make(&d);
	o.log = open_memstream(&log, &loglen);
	assert_int_equal(wr_replay(night, d.path, &o, &err), WR_OK);
	fclose(o.log);
	holds_night(d.path, 100, night->n);
	json_decref(read_feed(d.path, 100, &np));
	assert_int_equal(np, (long)(night->n / 100 + 1));
	only_pages(d.path, np);
	snprintf(line, sizeof line, "replay: page 1 closed (100 submissions), 100 of %zu sent\n",
	         night->n);
	assert_non_null(strstr(log, line));
	snprintf(line, sizeof line, "replay: page %ld closed (100 submissions), %ld of %zu "
	         "sent\n", np - 1, (np - 1) * 100, night->n);
	assert_non_null(strstr(log, line));
	snprintf(line, sizeof line, "replay: all %zu sent; page %ld open with %zu\n", night->n,
	         np, night->n % 100);
	assert_non_null(strstr(log, line));
	free(log);
	/* Not twice into one directory. */
	assert_int_equal(wr_replay(night, d.path, &o, &err), WR_EINVAL);
	holds_night(d.path, 100, night->n);
	tdir_remove(&d);
}

/* How many submissions the feed holds, from its last page alone. */
static size_t feed_length(const char *dir, size_t page_size)
{
	char path[256];
	long last = 1;
	json_t *pg;
	size_t n;

	for (;; last++) {
		snprintf(path, sizeof path, "%s/page-%06ld.json", dir, last + 1);
		if (access(path, F_OK) != 0)
			break;
	}
	pg = load_page(dir, last);
	assert_true(json_is_null(json_object_get(pg, "next")));
	n = (size_t)(last - 1) * page_size + json_array_size(json_object_get(pg, "submissions"));
	json_decref(pg);
	return n;
}

/* A fake clock: sleeping moves it on. At every sleep the feed on disk holds
 * exactly the records due by then. */
struct fake {
	double t, start;
	const char *dir;
	double speed;
	size_t page_size;
	int naps, stop_after;
	volatile sig_atomic_t *stop;
};

static double fake_now(void *ctx)
{
	return ((struct fake *)ctx)->t;
}

static void fake_sleep(double s, void *ctx)
{
	struct fake *f = ctx;
	size_t due = 0;

	assert_true(s > 0 && s <= 0.25);
	for (; due < night->n; due++)
		if ((double)(night->rec[due].sent_at - night->rec[0].sent_at) / f->speed >
		    f->t - f->start + 0.001)  /* replay.c sends up to 1 ms early */
			break;
	/* The whole feed now and then (that is slow: ~1800 naps), its length
	 * at every nap. */
	if (f->naps % 50 == 0)
		holds_night(f->dir, f->page_size, due);
	else
		assert_int_equal(feed_length(f->dir, f->page_size), due);
	f->t += s;
	if (++f->naps == f->stop_after)
		*f->stop = 1;
}

static void test_replay_on_time(void **state)
{
	struct fake f = { .t = 1000, .start = 1000, .speed = 900, .page_size = 50 };
	struct wr_replay_opts o = { .speed = 900, .page_size = 50, .now = fake_now,
	                            .sleep = fake_sleep, .clock_ctx = &f };
	double span = (double)(night->rec[night->n - 1].sent_at - night->rec[0].sent_at);
	struct tdir d;
	struct wr_err err;

	(void)state;
	tdir_make(&d);
	f.dir = d.path;
	assert_int_equal(wr_replay(night, d.path, &o, &err), WR_OK);
	holds_night(d.path, 50, night->n);
	/* It took the night's span over speed, in naps of at most 0.25 s. */
	assert_true(f.t - f.start >= span / 900 - 1e-9);
	assert_true(f.t - f.start <= span / 900 + 0.25 + 1e-9);
	assert_true(f.naps >= (int)(span / 900 / 0.25));
	tdir_remove(&d);
}

static void test_replay_stops(void **state)
{
	volatile sig_atomic_t stop = 1;
	struct fake f = { .t = 0, .start = 0, .speed = 600, .page_size = 100,
	                  .stop_after = 40, .stop = &stop };
	struct wr_replay_opts o = { .speed = 600, .page_size = 100, .stop = &stop,
	                            .now = fake_now, .sleep = fake_sleep, .clock_ctx = &f };
	struct tdir d;
	struct wr_err err;
	json_t *all;
	long np;
	size_t sent;

	(void)state;
	/* Already set: only the empty first page. */
	tdir_make(&d);
	f.dir = d.path;
	assert_int_equal(wr_replay(night, d.path, &o, &err), WR_OK);
	all = read_feed(d.path, 100, &np);
	assert_int_equal(np, 1);
	assert_int_equal(json_array_size(all), 0);
	json_decref(all);
	only_pages(d.path, 1);
	assert_int_equal(f.naps, 0);
	tdir_remove(&d);
	/* Set while it runs (after 40 naps, 10 s of fake time): what was sent
	 * by then is a whole, in-order start of the night. */
	stop = 0;
	tdir_make(&d);
	f.dir = d.path;
	assert_int_equal(wr_replay(night, d.path, &o, &err), WR_OK);
	assert_int_equal(f.naps, 40);
	all = read_feed(d.path, 100, &np);
	sent = json_array_size(all);
	json_decref(all);
	assert_true(sent > 0 && sent < night->n);
	holds_night(d.path, 100, sent);
	only_pages(d.path, np);
	tdir_remove(&d);
}

/* A tiny night over the real clock at a huge speed. */
static void test_replay_real_clock(void **state)
{
	struct wr_night small = *night;
	struct wr_replay_opts o = { .speed = 1e6, .page_size = 7 };
	struct tdir d;
	struct wr_err err;

	(void)state;
	small.n = 30;
	tdir_make(&d);
	assert_int_equal(wr_replay(&small, d.path, &o, &err), WR_OK);
	holds_night(d.path, 7, 30);
	tdir_remove(&d);
	/* An empty night: an empty feed. */
	small.n = 0;
	tdir_make(&d);
	assert_int_equal(wr_replay(&small, d.path, &o, &err), WR_OK);
	holds_night(d.path, 7, 0);
	tdir_remove(&d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_empty_feed),
		cmocka_unit_test(test_pages_fill_and_link),
		cmocka_unit_test(test_appends_and_rolls),
		cmocka_unit_test(test_page_size_one),
		cmocka_unit_test(test_refuses_non_objects),
		cmocka_unit_test(test_never_clobbers),
		cmocka_unit_test(test_failed_write_retries),
		cmocka_unit_test(test_replay_all_at_once),
		cmocka_unit_test(test_replay_on_time),
		cmocka_unit_test(test_replay_stops),
		cmocka_unit_test(test_replay_real_clock),
	};

	return cmocka_run_group_tests(tests, make_night, free_night);
}
