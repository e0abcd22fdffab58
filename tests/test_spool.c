/* The spool: a file is taken only when complete (settled for the settle
 * period by an injected clock, ending with a newline, a wanted name),
 * committed before it moves to done/ or failed/ (with NAME.errors naming
 * line and field), never moved over another file, taken in name order,
 * and a stop flag ends the loop between files. The clock of record times
 * is pinned with WARROOM_NOW. */
#include "testutil.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "warroom/intake.h"
#include "warroom/spool.h"

#define NOW_TEXT "2024-01-16T03:00:00Z"

struct fx {
	struct tu_store t;
	struct wr_spool *sp;
	struct wr_spool_opts o;
	volatile sig_atomic_t stop;
	long long now;          /* the injected clock, in ms */
	long long tick;         /* added at every reading of the clock */
	int stop_at_done;       /* when set: the clock sets stop once done/ holds a file */
	char dir[128];
	FILE *log;
	char *logbuf;
	size_t loglen;
};

static long long fake_clock(void *arg);

static void spool_open(struct fx *f, long settle_ms)
{
	struct wr_err err;

	f->o = (struct wr_spool_opts){ .poll_ms = 1, .settle_ms = settle_ms,
	                               .stop = &f->stop, .log = f->log,
	                               .clock_ms = fake_clock, .clock_arg = f };
	if (wr_spool_open(&f->sp, &f->t.s, f->dir, &f->o, &err) != WR_OK)
		fail_msg("spool: %s", err.msg);
}

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_int_equal(setenv("WARROOM_NOW", NOW_TEXT, 1), 0);
	tu_open(&f->t);
	snprintf(f->dir, sizeof f->dir, "%s/spool", f->t.dir);
	assert_int_equal(mkdir(f->dir, 0777), 0);
	f->log = open_memstream(&f->logbuf, &f->loglen);
	assert_non_null(f->log);
	f->now = 1000;
	spool_open(f, 0);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;
	struct wr_err err;

	if (f->sp)
		assert_int_equal(wr_spool_close(f->sp, &err), WR_OK);
	fclose(f->log);
	free(f->logbuf);
	tu_close(&f->t);
	free(f);
	return 0;
}

/* Reopens the spool with another settle period. */
static void settle(struct fx *f, long ms)
{
	struct wr_err err;

	assert_int_equal(wr_spool_close(f->sp, &err), WR_OK);
	spool_open(f, ms);
}

static const char *logtext(struct fx *f)
{
	fflush(f->log);
	return f->logbuf ? f->logbuf : "";
}

static int exists(struct fx *f, const char *rel)
{
	char path[256];
	struct stat sb;

	snprintf(path, sizeof path, "%s/%s", f->dir, rel);
	return lstat(path, &sb) == 0;
}

/* Writes (mode "w") or appends ("a") text to DIR/rel. */
static void put(struct fx *f, const char *rel, const char *mode, const char *text)
{
	char path[256];
	FILE *out;

	snprintf(path, sizeof path, "%s/%s", f->dir, rel);
	assert_non_null(out = fopen(path, mode));
	assert_int_equal(fputs(text, out) >= 0, 1);
	assert_int_equal(fclose(out), 0);
}

static void slurp(struct fx *f, const char *rel, char *out, size_t n)
{
	char path[256];
	FILE *in;
	size_t got;

	snprintf(path, sizeof path, "%s/%s", f->dir, rel);
	assert_non_null(in = fopen(path, "rb"));
	got = fread(out, 1, n - 1, in);
	out[got] = '\0';
	fclose(in);
}

/* A tally line for precinct pct, newline included. */
static const char *tally(char *buf, size_t n, const char *id, const char *pct, int trump)
{
	snprintf(buf, n, "{\"submission_id\":\"%s\",\"source\":\"app\",\"precinct\":\"%s\","
	         "\"reported_at\":\"2024-01-15T20:01:00-06:00\",\"reporter\":\"chair\","
	         "\"votes\":{\"trump\":%d,\"desantis\":12,\"haley\":5},\"total\":%d}\n",
	         id, pct, trump, trump + 17);
	return buf;
}

static int scan(struct fx *f)
{
	struct wr_err err;
	int n = wr_spool_scan(f->sp, &err);

	if (n < 0)
		fail_msg("scan: %s", err.msg);
	return n;
}

static long long q(struct fx *f, const char *sql)
{
	return tu_int(&f->t.s, sql);
}

static long long fake_clock(void *arg)
{
	struct fx *f = arg;

	if (f->stop_at_done && exists(f, "done/a.ndjson"))
		f->stop = 1;
	return f->now += f->tick;
}

static void test_taken_when_settled(void **state)
{
	struct fx *f = *state;
	char rec[512];

	settle(f, 2000);
	put(f, "a.ndjson", "w", tally(rec, sizeof rec, "a-1", "19153-001", 40));
	/* First seen now: not settled until 2 s pass without a change. */
	assert_int_equal(scan(f), 0);
	f->now += 1999;
	assert_int_equal(scan(f), 0);
	/* The writer adds a line: the settle period starts again. */
	put(f, "a.ndjson", "a", tally(rec, sizeof rec, "a-2", "19153-002", 41));
	assert_int_equal(scan(f), 0);
	f->now += 1999;
	assert_int_equal(scan(f), 0);
	assert_true(exists(f, "a.ndjson"));
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 0);
	f->now += 1;
	assert_int_equal(scan(f), 1);
	assert_false(exists(f, "a.ndjson"));
	assert_true(exists(f, "done/a.ndjson"));
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 2);
	assert_non_null(strstr(logtext(f), "spool: a.ndjson: 2 accepted, 0 duplicate, "
	                                   "0 revised, 0 unmatched, 0 quarantined -> done\n"));
}

static void test_needs_final_newline(void **state)
{
	struct fx *f = *state;
	char rec[512];

	tally(rec, sizeof rec, "a-1", "19153-001", 40);
	rec[strlen(rec) - 1] = '\0';
	put(f, "a.ndjson", "w", rec);
	assert_int_equal(scan(f), 0);
	f->now += 60000;
	assert_int_equal(scan(f), 0);
	assert_true(exists(f, "a.ndjson"));
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 0);
	/* Said once, not on every pass. */
	assert_non_null(strstr(logtext(f), "spool: a.ndjson: waiting: its last line has no "
	                                   "newline yet\n"));
	assert_null(strstr(strstr(logtext(f), "waiting") + 1, "waiting"));
	put(f, "a.ndjson", "a", "\n");
	assert_int_equal(scan(f), 1);
	assert_true(exists(f, "done/a.ndjson"));
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 1);
}

static void test_names_left_alone(void **state)
{
	struct fx *f = *state;
	char rec[512];

	tally(rec, sizeof rec, "a-1", "19153-001", 40);
	put(f, ".a.ndjson", "w", rec);
	put(f, "b.ndjson.tmp", "w", rec);
	put(f, "c.ndjson.part", "w", rec);
	put(f, "notes.txt", "w", rec);
	{
		char sub[256];

		snprintf(sub, sizeof sub, "%s/more.ndjson", f->dir);
		assert_int_equal(mkdir(sub, 0777), 0);
	}
	assert_int_equal(scan(f), 0);
	assert_int_equal(scan(f), 0);
	assert_true(exists(f, ".a.ndjson") && exists(f, "b.ndjson.tmp") &&
	            exists(f, "c.ndjson.part") && exists(f, "notes.txt"));
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 0);
	/* A writer's names are not mentioned; anything else is, once. */
	assert_null(strstr(logtext(f), ".a.ndjson"));
	assert_null(strstr(logtext(f), ".tmp"));
	assert_null(strstr(logtext(f), ".part"));
	assert_string_equal(logtext(f),
	                    "spool: more.ndjson: skipped: a directory (not read)\n"
	                    "spool: notes.txt: skipped: not a .ndjson, .jsonl or .json file\n");
	/* Renamed into place, a file is complete and taken. */
	{
		char from[256], to[256];

		snprintf(from, sizeof from, "%s/b.ndjson.tmp", f->dir);
		snprintf(to, sizeof to, "%s/b.ndjson", f->dir);
		assert_int_equal(rename(from, to), 0);
	}
	assert_int_equal(scan(f), 1);
	assert_true(exists(f, "done/b.ndjson"));
}

static void test_failed_with_errors(void **state)
{
	struct fx *f = *state;
	char rec[512], text[4096], line[256];

	put(f, "bad.jsonl", "w", tally(rec, sizeof rec, "a-1", "19153-001", 40));
	put(f, "bad.jsonl", "a", "{\"submission_id\":\"a-2\",\"source\":\"app\",\"precinct\":"
	    "\"19153-002\",\"reported_at\":\"2024-01-15T20:01:00-06:00\",\"reporter\":\"c\","
	    "\"votes\":{\"trump\":4,\"desantis\":-12,\"haley\":5},\"total\":-3}\n");
	put(f, "bad.jsonl", "a", "\n{\"submission_id\": oops\n");
	put(f, "bad.jsonl", "a", tally(rec, sizeof rec, "a-3", "99999-999", 40));
	assert_int_equal(scan(f), 1);
	assert_false(exists(f, "bad.jsonl"));
	assert_false(exists(f, "done/bad.jsonl"));
	assert_true(exists(f, "failed/bad.jsonl"));
	/* The good record and the unmatched one are kept all the same. */
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 2);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine"), 2);
	/* One line per quarantined record naming file, line and field; the
	 * unmatched record is not a problem of the file. */
	slurp(f, "failed/bad.jsonl.errors", text, sizeof text);
	snprintf(line, sizeof line, "%s/bad.jsonl:2: quarantined: votes.desantis: ", f->dir);
	assert_non_null(strstr(text, line));
	assert_ptr_equal(strstr(text, line), text);
	snprintf(line, sizeof line, "\n%s/bad.jsonl:4: quarantined: not valid JSON", f->dir);
	assert_non_null(strstr(text, line));
	assert_null(strstr(text, "unmatched"));
	assert_null(strstr(text, ":3:"));
	assert_int_equal(text[strlen(text) - 1], '\n');
	assert_null(strchr(strchr(strchr(text, '\n') + 1, '\n') + 1, '\n'));
	/* The operator sees intake's lines and then the file's line. */
	assert_non_null(strstr(logtext(f), ":5: unmatched:"));
	assert_non_null(strstr(logtext(f), "spool: bad.jsonl: 1 accepted, 0 duplicate, "
	                                   "0 revised, 1 unmatched, 2 quarantined -> failed\n"));
	{
		struct wr_spool_stats st;

		wr_spool_stats(f->sp, &st);
		assert_int_equal(st.done, 0);
		assert_int_equal(st.failed, 1);
		assert_int_equal(st.n.n[WR_QUARANTINED], 2);
		assert_int_equal(st.n.n[WR_ACCEPTED], 1);
	}
}

static void test_unreadable_fails(void **state)
{
	struct fx *f = *state;
	char path[256], text[1024];

	if (geteuid() == 0)
		skip();
	put(f, "locked.ndjson", "w", "\n");
	snprintf(path, sizeof path, "%s/locked.ndjson", f->dir);
	assert_int_equal(chmod(path, 0), 0);
	assert_int_equal(scan(f), 1);
	assert_true(exists(f, "failed/locked.ndjson"));
	slurp(f, "failed/locked.ndjson.errors", text, sizeof text);
	assert_non_null(strstr(text, "locked.ndjson: cannot open: "));
}

static void test_names_never_overwritten(void **state)
{
	struct fx *f = *state;
	char rec[512], text[1024];

	put(f, "done/a.ndjson", "w", "earlier\n");
	put(f, "a.ndjson", "w", tally(rec, sizeof rec, "a-1", "19153-001", 40));
	assert_int_equal(scan(f), 1);
	put(f, "a.ndjson", "w", tally(rec, sizeof rec, "a-2", "19153-002", 40));
	assert_int_equal(scan(f), 1);
	slurp(f, "done/a.ndjson", text, sizeof text);
	assert_string_equal(text, "earlier\n");
	slurp(f, "done/a.ndjson.1", text, sizeof text);
	assert_non_null(strstr(text, "\"a-1\""));
	slurp(f, "done/a.ndjson.2", text, sizeof text);
	assert_non_null(strstr(text, "\"a-2\""));
	assert_non_null(strstr(logtext(f), "-> done (as a.ndjson.2)\n"));
	/* Same in failed/, and the .errors goes with its file's new name. */
	put(f, "failed/b.ndjson", "w", "earlier\n");
	put(f, "b.ndjson", "w", "oops\n");
	assert_int_equal(scan(f), 1);
	slurp(f, "failed/b.ndjson", text, sizeof text);
	assert_string_equal(text, "earlier\n");
	assert_true(exists(f, "failed/b.ndjson.1"));
	assert_true(exists(f, "failed/b.ndjson.1.errors"));
	assert_false(exists(f, "failed/b.ndjson.errors"));
}

static void test_name_order(void **state)
{
	struct fx *f = *state;
	char rec[512];

	/* Three tallies for one precinct: revisions follow the names. */
	put(f, "c.ndjson", "w", tally(rec, sizeof rec, "c", "19153-001", 42));
	put(f, "a.ndjson", "w", tally(rec, sizeof rec, "a", "19153-001", 40));
	put(f, "b.json", "w", tally(rec, sizeof rec, "b", "19153-001", 41));
	put(f, "empty.ndjson", "w", "");
	assert_int_equal(scan(f), 4);
	assert_int_equal(q(f, "SELECT revision FROM submissions WHERE submission_id = 'a'"), 1);
	assert_int_equal(q(f, "SELECT revision FROM submissions WHERE submission_id = 'b'"), 2);
	assert_int_equal(q(f, "SELECT revision FROM submissions WHERE submission_id = 'c'"), 3);
	assert_true(exists(f, "done/empty.ndjson"));
	assert_true(strstr(logtext(f), "spool: a.ndjson") < strstr(logtext(f), "spool: b.json"));
	assert_true(strstr(logtext(f), "spool: b.json") < strstr(logtext(f), "spool: c.ndjson"));
}

/* A crash after the commit and before the move leaves the file in the
 * spool: reading it again finds duplicates and doubles nothing. */
static void test_read_again_after_crash(void **state)
{
	struct fx *f = *state;
	char rec[512], text[1024];

	put(f, "a.ndjson", "w", tally(rec, sizeof rec, "a-1", "19153-001", 40));
	put(f, "a.ndjson", "a", "{oops\n");
	assert_int_equal(scan(f), 1);
	slurp(f, "failed/a.ndjson", text, sizeof text);
	put(f, "a.ndjson", "w", text);
	/* The .errors of a move that was cut short, orphaned: written over. */
	put(f, "failed/a.ndjson.1.errors", "w", "stale\n");
	assert_int_equal(scan(f), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 1);
	assert_int_equal(q(f, "SELECT count(*) FROM quarantine"), 1);
	assert_non_null(strstr(logtext(f), "spool: a.ndjson: 0 accepted, 1 duplicate, 0 revised,"
	                                   " 0 unmatched, 1 quarantined -> failed (as "
	                                   "a.ndjson.1)\n"));
	slurp(f, "failed/a.ndjson.1.errors", text, sizeof text);
	assert_null(strstr(text, "stale"));
	assert_non_null(strstr(text, "a.ndjson:2: quarantined: "));
}

static void test_stop(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	char rec[512];

	put(f, "a.ndjson", "w", tally(rec, sizeof rec, "a", "19153-001", 40));
	put(f, "b.ndjson", "w", tally(rec, sizeof rec, "b", "19153-002", 40));
	put(f, "c.ndjson", "w", tally(rec, sizeof rec, "c", "19141-001", 40));
	f->stop = 1;
	assert_int_equal(scan(f), 0);
	assert_int_equal(wr_spool_follow(f->sp, &err), WR_OK);
	assert_true(exists(f, "a.ndjson"));
	/* Asked to stop while a file is under way (the clock is read as b is
	 * looked at, once a is done): b is finished, c waits. */
	f->stop = 0;
	f->stop_at_done = 1;
	assert_int_equal(wr_spool_follow(f->sp, &err), WR_OK);
	assert_true(exists(f, "done/a.ndjson"));
	assert_true(exists(f, "done/b.ndjson"));
	assert_true(exists(f, "c.ndjson"));
	assert_int_equal(q(f, "SELECT count(*) FROM submissions"), 2);
}

/* A follow loop keeps going over passes that take nothing and picks up a
 * file once it settles. Each look at a file moves the clock on 100 ms; the
 * file left without its newline keeps the clock read (and so the stop set)
 * after a.ndjson is gone. */
static void test_follow_waits(void **state)
{
	struct fx *f = *state;
	struct wr_err err;
	char rec[512];

	settle(f, 2000);
	f->tick = 100;
	put(f, "a.ndjson", "w", tally(rec, sizeof rec, "a", "19153-001", 40));
	put(f, "b.ndjson", "w", "{");
	f->stop_at_done = 1;
	assert_int_equal(wr_spool_follow(f->sp, &err), WR_OK);
	assert_true(exists(f, "done/a.ndjson"));
	assert_true(exists(f, "b.ndjson"));
	assert_true(f->now >= 1000 + 2000);
}

/* One follower per directory: another process cannot take the lock. */
static void test_one_follower(void **state)
{
	struct fx *f = *state;
	char path[256];
	pid_t pid;
	int status;

	snprintf(path, sizeof path, "%s/.warroom-spool.lock", f->dir);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int fd = open(path, O_RDWR);

		_exit(fd >= 0 && fcntl(fd, F_SETLK, &fl) != 0 &&
		      (errno == EAGAIN || errno == EACCES) ? 0 : 1);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_not_a_directory(void **state)
{
	struct fx *f = *state;
	struct wr_spool *sp = NULL;
	struct wr_err err;
	char path[256];

	put(f, "x.ndjson", "w", "\n");
	snprintf(path, sizeof path, "%s/x.ndjson", f->dir);
	assert_int_equal(wr_spool_open(&sp, &f->t.s, path, &f->o, &err), WR_EINVAL);
	assert_null(sp);
	assert_non_null(strstr(err.msg, "not a directory"));
	snprintf(path, sizeof path, "%s/none", f->dir);
	assert_int_equal(wr_spool_open(&sp, &f->t.s, path, &f->o, &err), WR_EIO);
	assert_null(sp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_taken_when_settled, setup, teardown),
		cmocka_unit_test_setup_teardown(test_needs_final_newline, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_left_alone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_failed_with_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unreadable_fails, setup, teardown),
		cmocka_unit_test_setup_teardown(test_names_never_overwritten, setup, teardown),
		cmocka_unit_test_setup_teardown(test_name_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_again_after_crash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stop, setup, teardown),
		cmocka_unit_test_setup_teardown(test_follow_waits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_follower, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_a_directory, setup, teardown),
	};

	/* A follow loop that never stops must fail the suite, not hang it. */
	alarm(120);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
