/* `warroom demo`: a whole caucus night on one machine. A fresh store with
 * demo users, a simulated night replayed into a feed over accelerated
 * time, and beside the console, one child process per job the war room
 * runs: the puller reading that feed, assisting validators, a publisher
 * and a pusher to a file:// store. Leaving the console stops them all. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <sodium.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd.h"
#include "warroom/assist.h"
#include "warroom/console.h"
#include "warroom/contest.h"
#include "warroom/feed.h"
#include "warroom/fixtures.h"
#include "warroom/pace.h"
#include "warroom/publish.h"
#include "warroom/pusher.h"
#include "warroom/replay.h"
#include "warroom/review.h"
#include "warroom/simulate.h"
#include "warroom/status.h"
#include "warroom/target.h"
#include "warroom/timefmt.h"

#define NASSIST 4
#define MAX_KIDS 8

static const struct {
	const char *name, *pin;
	enum wr_role role;
} people[] = {
	{ "super", "1234", WR_ROLE_SUPERVISOR },
	{ "val1", "1111", WR_ROLE_VALIDATOR },
	{ "val2", "2222", WR_ROLE_VALIDATOR },
	{ "hot1", "3333", WR_ROLE_HOTLINE },
};

struct demo {
	const char *dir, *fixtures;
	double speed, run_for;
	unsigned long long seed;
	int console, assist;
	char db[PATH_MAX], feed[PATH_MAX], public[PATH_MAX], log[PATH_MAX];
	char feed_url[PATH_MAX + 64], target[PATH_MAX + 64];
	struct wr_night *night;
	struct {
		const char *name;
		pid_t pid;
		int failed;   /* ended on its own with an error (see the log) */
	} kids[MAX_KIDS];
	int nkids;
};

typedef int (*job_fn)(struct demo *d, volatile sig_atomic_t *stop, struct wr_err *err);

/* Night seconds scaled to real ones, within sane bounds. */
static long real_ms(const struct demo *d, double night_s, long lo, long hi)
{
	double ms = 1000 * night_s / d->speed;

	return ms < lo ? lo : ms > hi ? hi : (long)ms;
}

static int parse(int argc, char **argv, struct demo *d)
{
	static const struct option opts[] = {
		{ "speed", required_argument, NULL, 's' },
		{ "dir", required_argument, NULL, 'd' },
		{ "fixtures", required_argument, NULL, 'x' },
		{ "seed", required_argument, NULL, 'S' },
		{ "for", required_argument, NULL, 'f' },
		{ "no-console", no_argument, NULL, 'n' },
		{ "no-assist", no_argument, NULL, 'a' },
		{ NULL, 0, NULL, 0 },
	};
	long seed;
	int c, bad = 0;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 's': bad |= cmd_number(optarg, 1, 10000, &d->speed); break;
		case 'd': d->dir = optarg; break;
		case 'x': d->fixtures = optarg; break;
		case 'S':
			bad |= cmd_count(optarg, 0, 2147483647L, &seed);
			d->seed = (unsigned long long)seed;
			break;
		case 'f': bad |= cmd_number(optarg, 0, 86400, &d->run_for); break;
		case 'n': d->console = 0; break;
		case 'a': d->assist = 0; break;
		default: return -1;
		}
	}
	return !bad && optind == argc ? 0 : -1;
}

/* The fixtures beside the binary (a built tree), else ./fixtures/iowa. */
static const char *find_fixtures(char *buf, size_t n)
{
	char exe[PATH_MAX - 32];
	ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
	struct stat sb;

	if (getenv("WARROOM_FIXTURES"))
		return getenv("WARROOM_FIXTURES");
	if (len > 0) {
		exe[len] = '\0';
		*strrchr(exe, '/') = '\0';
		snprintf(buf, n, "%s/fixtures/iowa", exe);
		if (stat(buf, &sb) == 0 && S_ISDIR(sb.st_mode))
			return buf;
	}
	return "fixtures/iowa";
}

static int remove_one(const char *path, const struct stat *sb, int flag, struct FTW *f)
{
	(void)sb, (void)flag, (void)f;
	return remove(path) != 0 && errno != ENOENT;
}

static int remove_tree(const char *path)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -1;
	return nftw(path, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

static int empty_dir(const char *path)
{
	DIR *dir = opendir(path);
	struct dirent *e;
	int empty = 1;

	while (dir && empty && (e = readdir(dir)) != NULL)
		empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
	if (dir)
		closedir(dir);
	return dir && empty;
}

/* A demo directory is the demo's own (it holds the .warroom-demo mark):
 * it is emptied of the last night's files. Any other directory is used
 * only when empty, so the demo never deletes what it did not make. */
static int clear_dir(struct demo *d)
{
	static const char *const files[] = { "warroom.db", "warroom.db-wal", "warroom.db-shm",
	                                     "demo.log" };
	char path[PATH_MAX + 32];
	FILE *mark;

	if (mkdir(d->dir, 0755) != 0 && errno != EEXIST)
		return fprintf(stderr, "warroom: %s: %s\n", d->dir, strerror(errno)), -1;
	snprintf(path, sizeof path, "%s/.warroom-demo", d->dir);
	if (access(path, F_OK) != 0 && !empty_dir(d->dir))
		return fprintf(stderr, "warroom: %s %s; choose another --dir\n", d->dir,
		               access(d->db, F_OK) == 0 ? "holds a store the demo did not make"
		               : "is not empty and is not a demo's directory"), -1;
	for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
		snprintf(path, sizeof path, "%s/%s", d->dir, files[i]);
		if (unlink(path) != 0 && errno != ENOENT)
			return fprintf(stderr, "warroom: %s: %s\n", path, strerror(errno)), -1;
	}
	if (remove_tree(d->feed) != 0 || remove_tree(d->public) != 0)
		return fprintf(stderr, "warroom: cannot clear %s: %s\n", d->dir, strerror(errno)),
		       -1;
	snprintf(path, sizeof path, "%s/.warroom-demo", d->dir);
	if (!(mark = fopen(path, "w")) || fclose(mark) != 0)
		return fprintf(stderr, "warroom: %s: %s\n", path, strerror(errno)), -1;
	return 0;
}

/* The zeroes batch belongs before the caucus opens: the demo replays a
 * past night, so it is published on that night's clock. */
static int publish_zeroes(struct wr_store *s, struct wr_err *err)
{
	struct wr_publish_opts po = { .actor = "demo", .zeroes = 1 };
	struct wr_publish_result r;
	struct wr_contest c;
	char before[32];
	int rc;

	if ((rc = wr_contest_load(s, &c, err)) != WR_OK)
		return rc;
	wr_time_format_utc(c.opens_at - 1800, before);
	setenv("WARROOM_NOW", before, 1);
	rc = wr_publish(s, &po, &r, err);
	unsetenv("WARROOM_NOW");
	if (rc == WR_OK)
		wr_publish_result_free(&r);
	return rc;
}

static int add_users(struct wr_store *s, struct wr_err *err)
{
	unsigned char raw[16];
	char name[16], pin[33];
	int rc = WR_OK;

	for (size_t i = 0; i < sizeof people / sizeof people[0] && rc == WR_OK; i++)
		rc = wr_user_add(s, "demo", people[i].name, people[i].role, people[i].pin, err);
	/* Nobody signs in as an assistant: their PINs are thrown away. */
	for (int i = 1; i <= NASSIST && rc == WR_OK; i++) {
		snprintf(name, sizeof name, "assist%d", i);
		randombytes_buf(raw, sizeof raw);
		sodium_bin2hex(pin, sizeof pin, raw, sizeof raw);
		rc = wr_user_add(s, "demo", name, WR_ROLE_VALIDATOR, pin, err);
	}
	return rc;
}

static int prepare(struct demo *d)
{
	struct wr_sim_options so = { d->seed, WR_SIM_ERROR_RATE };
	struct wr_fixture_counts n;
	struct wr_store s;
	struct wr_err err;
	int rc;

	if (clear_dir(d) != 0)
		return EXIT_FAIL;
	if ((rc = wr_store_open_mode(&s, d->db, 1, &err)) != WR_OK)
		return cmd_exit(rc, &err);
	rc = wr_fixtures_load(&s, d->fixtures, &n, &err);
	if (rc == WR_OK)
		rc = add_users(&s, &err);
	if (rc == WR_OK)
		rc = publish_zeroes(&s, &err);
	wr_store_close(&s);
	if (rc == WR_OK)
		rc = wr_sim_run(d->fixtures, &so, &d->night, &err);
	return rc == WR_OK ? EXIT_OK : cmd_exit(rc, &err);
}

static int job_replay(struct demo *d, volatile sig_atomic_t *stop, struct wr_err *err)
{
	/* The first tallies come 25 minutes after the opening; before that
	 * there are only test tallies, sent at once. */
	struct wr_replay_opts o = { .speed = d->speed, .page_size = 100, .stop = stop,
	                            .log = stderr, .from = d->night->opens_at + 20 * 60 };

	return wr_replay(d->night, d->feed, &o, err);
}

static int job_pull(struct demo *d, volatile sig_atomic_t *stop, struct wr_err *err)
{
	struct wr_pull_opts o = { .url = d->feed_url, .follow = 1, .poll_ms = 250,
	                          .backoff_ms = 250, .backoff_max_ms = 5000,
	                          .stop = stop, .log = stderr };
	struct wr_pull_stats st;
	struct wr_store s;
	int rc;

	if ((rc = wr_store_open(&s, d->db, err)) != WR_OK)
		return rc;
	rc = wr_pull(&s, &o, &st, err);
	wr_store_close(&s);
	return rc;
}

static int job_push(struct demo *d, volatile sig_atomic_t *stop, struct wr_err *err)
{
	struct wr_push_opts o = { .actor = "demo", .follow = 1, .backoff_ms = 250,
	                          .backoff_max_ms = 5000, .poll_ms = 500, .stop = stop,
	                          .log = stderr };
	struct wr_push_stats st;
	struct wr_target t;
	struct wr_store s;
	int rc;

	if ((rc = wr_target_open(&t, d->target, NULL, err)) == WR_OK &&
	    (rc = wr_store_open(&s, d->db, err)) == WR_OK) {
		t.stop = stop;
		rc = wr_push(&s, &t, &o, &st, err);
		wr_store_close(&s);
	}
	wr_target_close(&t);
	return rc;
}

/* A batch every five minutes of the night; a freeze from the console is
 * waited out, not fought. */
static int publish_loop(struct demo *d, struct wr_store *s, volatile sig_atomic_t *stop,
                        struct wr_err *err)
{
	struct wr_publish_opts po = { .actor = "demo:publisher" };
	struct wr_publish_result r;
	int rc;

	while (!*stop) {
		wr_pause_ms(stop, real_ms(d, 300, 2000, 60000));
		if ((rc = wr_publish(s, &po, &r, err)) == WR_ESTORE)
			return rc;
		if (rc != WR_OK) {
			fprintf(stderr, "publish: %s\n", err->msg);
			continue;
		}
		if (r.batch)
			fprintf(stderr, "publish: batch %06lld: %ld tallies, %ld of %ld reporting\n",
			        (long long)r.batch, r.precincts, r.reporting, r.total);
		wr_publish_result_free(&r);
	}
	return WR_OK;
}

static int job_publish(struct demo *d, volatile sig_atomic_t *stop, struct wr_err *err)
{
	struct wr_store s;
	int rc;

	if ((rc = wr_store_open(&s, d->db, err)) != WR_OK)
		return rc;
	rc = publish_loop(d, &s, stop, err);
	wr_store_close(&s);
	return rc;
}

static int find_assistants(struct wr_store *s, struct wr_user *out, struct wr_err *err)
{
	struct wr_user *all;
	size_t n, k = 0;

	if (wr_user_list(s, &all, &n, err) != WR_OK)
		return -1;
	for (size_t i = 0; i < n && k < NASSIST; i++)
		if (!strncmp(all[i].name, "assist", 6))
			out[k++] = all[i];
	free(all);
	return (int)k;
}

/* Each assistant decides a clean tally in about 20 s of the night, and
 * lets it sit two minutes first, so people see it in the queue. */
static int job_assist(struct demo *d, volatile sig_atomic_t *stop, struct wr_err *err)
{
	struct wr_user crew[NASSIST];
	struct wr_review *r = NULL;
	struct wr_store s;
	int n, rc, approved;
	long pause = real_ms(d, 20.0 / NASSIST, 20, 5000);

	if ((rc = wr_store_open(&s, d->db, err)) != WR_OK)
		return rc;
	if ((n = find_assistants(&s, crew, err)) < 0)
		rc = WR_ESTORE;
	else if (n > 0)
		rc = wr_review_open(&r, &s, 0, err);
	for (int i = 0; rc == WR_OK && r && !*stop; i = (i + 1) % n) {
		rc = wr_assist_step(&s, r, &crew[i], (int64_t)ceil(120 / d->speed), &approved,
		                    err);
		wr_pause_ms(stop, approved ? pause : 250);
	}
	if (r)
		wr_review_close(r);
	wr_store_close(&s);
	return rc;
}

/* A job runs in a child of its own with its own store connection, its
 * output in the demo's log (the console owns the terminal), and dies with
 * the demo even when the demo is killed outright. */
static void spawn(struct demo *d, const char *name, job_fn fn)
{
	pid_t parent = getpid(), pid;
	struct wr_err err;
	int fd, rc;

	fflush(stdout);
	fflush(stderr);
	if ((pid = fork()) < 0) {
		fprintf(stderr, "warroom: demo: cannot start %s: %s\n", name, strerror(errno));
		return;
	}
	if (pid > 0) {
		d->kids[d->nkids].name = name;
		d->kids[d->nkids++].pid = pid;
		return;
	}
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(0);
	if ((fd = open(d->log, O_WRONLY | O_APPEND | O_CREAT, 0644)) >= 0) {
		dup2(fd, STDOUT_FILENO);
		dup2(fd, STDERR_FILENO);
		close(fd);
	}
	if ((fd = open("/dev/null", O_RDONLY)) >= 0) {
		dup2(fd, STDIN_FILENO);
		close(fd);
	}
	setvbuf(stderr, NULL, _IOLBF, 0);
	rc = fn(d, cmd_catch_stop(), &err);
	if (rc != WR_OK)
		fprintf(stderr, "%s: stopped: %s\n", name, err.msg);
	fflush(NULL);
	_exit(rc == WR_OK ? 0 : 2);
}

static int reaped(struct demo *d, int i)
{
	int status;

	if (d->kids[i].pid > 0 && waitpid(d->kids[i].pid, &status, WNOHANG) == d->kids[i].pid) {
		d->kids[i].pid = 0;
		d->kids[i].failed = !WIFEXITED(status) || WEXITSTATUS(status) != 0;
	}
	return d->kids[i].pid == 0;
}

/* A job that stopped with an error said why in the log; the demo says
 * which, and fails. */
static int report_failures(const struct demo *d)
{
	int n = 0;

	for (int i = 0; i < d->nkids; i++)
		if (d->kids[i].failed) {
			fprintf(stderr, "warroom: demo: %s stopped with an error (see %s)\n",
			        d->kids[i].name, d->log);
			n++;
		}
	return n;
}

/* SIGTERM, a few seconds to finish what each was doing, then SIGKILL. */
static void stop_all(struct demo *d)
{
	int left = 1;

	for (int i = 0; i < d->nkids; i++)
		if (d->kids[i].pid > 0)
			kill(d->kids[i].pid, SIGTERM);
	for (int t = 0; t < 100 && left; t++) {
		left = 0;
		for (int i = 0; i < d->nkids; i++)
			left += !reaped(d, i);
		if (left)
			wr_pause_ms(NULL, 50);
	}
	for (int i = 0; i < d->nkids; i++)
		if (d->kids[i].pid > 0) {
			kill(d->kids[i].pid, SIGKILL);
			waitpid(d->kids[i].pid, NULL, 0);
			d->kids[i].pid = 0;
		}
}

/* A stop can cut the pusher off mid-file; the night ends with the public
 * store holding every batch that was published. */
static void drain(const struct demo *d)
{
	struct wr_push_opts o = { .actor = "demo", .max_tries = 3, .backoff_ms = 100,
	                          .backoff_max_ms = 1000 };
	struct wr_push_stats st;
	struct wr_target t;
	struct wr_store s;
	struct wr_err err;
	int rc;

	if ((rc = wr_target_open(&t, d->target, NULL, &err)) == WR_OK &&
	    (rc = wr_store_open(&s, d->db, &err)) == WR_OK) {
		rc = wr_push(&s, &t, &o, &st, &err);
		wr_store_close(&s);
	}
	wr_target_close(&t);
	if (rc != WR_OK && rc != WR_EPERM)
		fprintf(stderr, "warroom: demo: last push: %s\n", err.msg);
}

static double seconds_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Without a console: until --for runs out, or the night is all sent and
 * the publisher and pusher had time for a last round. */
static void wait_headless(struct demo *d, volatile sig_atomic_t *stop)
{
	double start = seconds_now(), ended = 0,
	       grace = 2 * real_ms(d, 300, 2000, 60000) / 1000.0 + 3;

	while (!*stop) {
		double now = seconds_now();

		if (!ended && reaped(d, 0))
			ended = now;
		if (d->run_for > 0 ? now - start >= d->run_for : ended && now - ended >= grace)
			return;
		wr_pause_ms(stop, 200);
	}
}

static void summary(const struct demo *d)
{
	struct wr_batch_row newest = { 0 };
	struct wr_status st;
	struct wr_store s;
	struct wr_err err;
	size_t nb = 0;

	if (wr_store_open(&s, d->db, &err) != WR_OK) {
		fprintf(stderr, "warroom: demo: %s\n", err.msg);
		return;
	}
	if (wr_status_read(&s, &st, &err) != WR_OK) {
		fprintf(stderr, "warroom: demo: %s\n", err.msg);
		wr_store_close(&s);
		return;
	}
	if (wr_publish_batches(&s, &newest, 1, &nb, &err) != WR_OK)
		fprintf(stderr, "warroom: demo: %s\n", err.msg);
	printf("demo night: %ld of %ld precincts reported; %ld tallies: %ld approved, "
	       "%ld rejected, %ld waiting for review, %ld unmatched; %ld quarantined; "
	       "newest batch %06lld (%ld precincts reporting)\n",
	       st.precincts_reported, st.precincts_total, st.submissions,
	       wr_status_state(&st, "approved"), wr_status_state(&st, "rejected"),
	       wr_status_state(&st, "flagged") + wr_status_state(&st, "clean") +
	       wr_status_state(&st, "received"), wr_status_state(&st, "unmatched"),
	       st.quarantined, (long long)newest.id, newest.reporting);
	wr_status_free(&st);
	wr_store_close(&s);
}

static void tell(const struct demo *d)
{
	printf("store:     %s\n", d->db);
	printf("feed:      %s (replayed at %gx)\n", d->feed_url, d->speed);
	printf("published: %s/latest.json names the newest batch under %s/batches/\n",
	       d->public, d->public);
	printf("log:       %s (the feed, puller, publisher, pusher and assistants)\n", d->log);
	printf("users:     super/1234 (supervisor), val1/1111 and val2/2222 (validators), "
	       "hot1/3333 (hotline)\n");
}

static int paths(struct demo *d)
{
	char abs[PATH_MAX];
	static char fx[PATH_MAX];

	if (mkdir(d->dir, 0755) != 0 && errno != EEXIST)
		return fprintf(stderr, "warroom: %s: %s\n", d->dir, strerror(errno)), -1;
	if (!realpath(d->dir, abs))
		return fprintf(stderr, "warroom: %s: %s\n", d->dir, strerror(errno)), -1;
	if (strlen(abs) > PATH_MAX - 64)
		return fprintf(stderr, "warroom: %s: path too long\n", abs), -1;
	/* The feed and the public store are file:// URLs of this path. */
	if (abs[strspn(abs, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
	                    "/._-+")])
		return fprintf(stderr, "warroom: %s: choose a --dir whose path has only letters, "
		               "digits and / . _ - +\n", abs), -1;
	snprintf(d->db, sizeof d->db, "%s/warroom.db", abs);
	snprintf(d->feed, sizeof d->feed, "%s/feed", abs);
	snprintf(d->public, sizeof d->public, "%s/public", abs);
	snprintf(d->log, sizeof d->log, "%s/demo.log", abs);
	snprintf(d->feed_url, sizeof d->feed_url, "file://%s/page-000001.json", d->feed);
	snprintf(d->target, sizeof d->target, "file://%s", d->public);
	if (!d->fixtures)
		d->fixtures = find_fixtures(fx, sizeof fx);
	return 0;
}

static void start_jobs(struct demo *d)
{
	spawn(d, "replay", job_replay);  /* first: wait_headless watches kids[0] */
	spawn(d, "pull", job_pull);
	spawn(d, "publish", job_publish);
	spawn(d, "push", job_push);
	if (d->assist)
		spawn(d, "assist", job_assist);
}

static int run(int argc, char **argv)
{
	struct demo d = { .dir = "demo-night", .speed = 30, .seed = 2024, .console = 1,
	                  .assist = 1 };
	struct wr_console_opts co = { 0 };
	volatile sig_atomic_t *stop;
	struct wr_err err;
	int rc = WR_OK;

	if (parse(argc, argv, &d) != 0)
		return cmd_usage(&wr_cmd_demo);
	/* A live night runs on the real clock: claims lapse, tallies wait and
	 * assistants pace themselves by it. */
	unsetenv("WARROOM_NOW");
	if (paths(&d) != 0 || prepare(&d) != EXIT_OK)
		return EXIT_FAIL;
	tell(&d);
	d.console = d.console && isatty(STDIN_FILENO) && isatty(STDOUT_FILENO);
	stop = cmd_catch_stop();
	start_jobs(&d);
	if (d.console) {
		printf("opening the console (q quits and stops the night; ? shows the keys)\n");
		fflush(stdout);
		wr_pause_ms(stop, 1500);
		co.db = d.db;
		co.rows = 24, co.cols = 80;
		rc = wr_console_run(&co, &err);
	} else {
		printf("running without a console%s; stop it with Ctrl-C\n",
		       d.run_for > 0 ? " for the time given" : " until the night is over");
		fflush(stdout);
		wait_headless(&d, stop);
	}
	stop_all(&d);
	drain(&d);
	wr_night_free(d.night);
	if (rc != WR_OK)
		fprintf(stderr, "warroom: %s\n", err.msg);
	summary(&d);
	printf("published: open %s/latest.json\n", d.public);
	return rc == WR_OK && !report_failures(&d) ? EXIT_OK : EXIT_FAIL;
}

const struct wr_cmd wr_cmd_demo = {
	"demo",
	"[--speed X] [--dir DIR] [--seed N] [--fixtures DIR] [--no-assist]\n"
	"       [--no-console] [--for SECONDS]\n"
	"  A simulated caucus night in DIR (default ./demo-night; an empty directory\n"
	"  or one an earlier demo made, whose last night is cleared): a fresh store\n"
	"  with demo users, the night (simulator seed N, default 2024; fixtures from\n"
	"  DIR, default fixtures/iowa beside the binary) replayed X times faster\n"
	"  than real time (1 to 10000, default 30) into a feed that `pull` reads,\n"
	"  assisting validators approving unflagged tallies (not with --no-assist),\n"
	"  a batch published every 5 minutes of the night and pushed to DIR/public,\n"
	"  and the console. Leaving the console stops it all. Without a terminal\n"
	"  (or with --no-console) it runs until the night is over, or for SECONDS\n"
	"  (--for is for runs without the console).",
	"a live simulated caucus night with the console", run,
};
