#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "warroom/alloc.h"
#include "warroom/ndjson.h"
#include "warroom/spool.h"
#include "warroom/utf8.h"

#define LOCK_NAME ".warroom-spool.lock"
#define MAX_SUFFIX 100000

enum {
	NOTED_SKIP = 1,   /* said once why the entry is not read */
	NOTED_WAIT = 2,   /* said once that it waits for its last newline */
	STUCK = 4,        /* ingested but could not be moved: left until it changes */
	TAKEN = 8,        /* moved away: a new file of the name starts afresh */
	KNOWN = 16,       /* the state below was observed */
};

/* What a pass saw of one entry, kept for the next pass: a file is settled
 * when the same state has been seen for settle_ms. */
struct seen {
	char *name;
	dev_t dev;
	ino_t ino;
	off_t size;
	struct timespec mtime;
	long long since;
	unsigned flags;
};

struct wr_spool {
	struct wr_intake *in;
	struct wr_spool_opts o;
	char *dir;
	int lock;
	FILE *cap;         /* intake's log, read back after each file */
	struct seen *seen; /* by name */
	size_t nseen;
	long done, failed;
};

static long long mono_ms(void *arg)
{
	struct timespec ts;

	(void)arg;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static long long now_ms(const struct wr_spool *sp)
{
	return sp->o.clock_ms(sp->o.clock_arg);
}

static int stopped(const struct wr_spool *sp)
{
	return sp->o.stop && *sp->o.stop;
}

/* A file name as it may be shown: no control characters reach the log. */
static const char *shown(const char *name, char *out, size_t n)
{
	wr_utf8_escape(out, n, name, strlen(name), 0);
	return out;
}

static void say(const struct wr_spool *sp, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void say(const struct wr_spool *sp, const char *name, const char *fmt, ...)
{
	char esc[PATH_MAX];
	va_list ap;

	if (!sp->o.log)
		return;
	fprintf(sp->o.log, "spool: %s: ", shown(name, esc, sizeof esc));
	va_start(ap, fmt);
	vfprintf(sp->o.log, fmt, ap);
	va_end(ap);
	fputc('\n', sp->o.log);
	fflush(sp->o.log);
}

static int make_dir(const char *dir, const char *sub, struct wr_err *err)
{
	char path[PATH_MAX];
	struct stat sb;

	snprintf(path, sizeof path, "%s/%s", dir, sub);
	if (mkdir(path, 0777) != 0 && errno != EEXIST)
		return wr_errf(err, WR_EIO, "%s: cannot create: %s", path, strerror(errno));
	if (stat(path, &sb) != 0 || !S_ISDIR(sb.st_mode))
		return wr_errf(err, WR_EIO, "%s: is not a directory", path);
	return WR_OK;
}

/* One watcher per directory: two would read every file twice and race to
 * move it. The lock goes with the process, so a killed one leaves none. */
static int lock_dir(struct wr_spool *sp, struct wr_err *err)
{
	char path[PATH_MAX];
	struct flock fl;

	snprintf(path, sizeof path, "%s/%s", sp->dir, LOCK_NAME);
	sp->lock = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
	if (sp->lock < 0)
		return wr_errf(err, WR_EIO, "%s: cannot open: %s", path, strerror(errno));
	memset(&fl, 0, sizeof fl);
	fl.l_type = F_WRLCK;
	fl.l_whence = SEEK_SET;
	if (fcntl(sp->lock, F_SETLK, &fl) != 0) {
		if (errno == EACCES || errno == EAGAIN)
			return wr_errf(err, WR_ECONFLICT, "%s: another process is following "
			               "this spool directory", sp->dir);
		return wr_errf(err, WR_EIO, "%s: cannot lock: %s", path, strerror(errno));
	}
	return WR_OK;
}

int wr_spool_open(struct wr_spool **out, struct wr_store *s, const char *dir,
                  const struct wr_spool_opts *o, struct wr_err *err)
{
	struct wr_spool *sp;
	struct stat sb;
	int rc;

	*out = NULL;
	if (stat(dir, &sb) != 0)
		return wr_errf(err, WR_EIO, "%s: %s", dir, strerror(errno));
	if (!S_ISDIR(sb.st_mode))
		return wr_errf(err, WR_EINVAL, "%s: not a directory (a spool is a directory)",
		               dir);
	sp = wr_xcalloc(1, sizeof *sp);
	sp->o = *o;
	if (!sp->o.clock_ms)
		sp->o.clock_ms = mono_ms;
	sp->dir = wr_xstrdup(dir);
	sp->lock = -1;
	if ((rc = make_dir(dir, "done", err)) != WR_OK ||
	    (rc = make_dir(dir, "failed", err)) != WR_OK || (rc = lock_dir(sp, err)) != WR_OK)
		goto fail;
	/* Intake writes its lines for a file here; they are passed on to the
	 * log and, for a failed file, to its .errors. */
	if (!(sp->cap = tmpfile())) {
		rc = wr_errf(err, WR_EIO, "cannot make a temporary file: %s", strerror(errno));
		goto fail;
	}
	if ((rc = wr_intake_open(&sp->in, s, sp->cap, err)) != WR_OK)
		goto fail;
	*out = sp;
	return WR_OK;
fail:
	wr_spool_close(sp, NULL);
	return rc;
}

static void forget_all(struct wr_spool *sp)
{
	for (size_t i = 0; i < sp->nseen; i++)
		free(sp->seen[i].name);
	free(sp->seen);
	sp->seen = NULL;
	sp->nseen = 0;
}

int wr_spool_close(struct wr_spool *sp, struct wr_err *err)
{
	int rc = WR_OK;

	if (!sp)
		return WR_OK;
	if (sp->in)
		rc = wr_intake_close(sp->in, err);
	if (sp->cap)
		fclose(sp->cap);
	if (sp->lock >= 0)
		close(sp->lock);
	forget_all(sp);
	free(sp->dir);
	free(sp);
	return rc;
}

void wr_spool_stats(const struct wr_spool *sp, struct wr_spool_stats *out)
{
	out->done = sp->done;
	out->failed = sp->failed;
	out->n = *wr_intake_counts(sp->in);
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int cmp_seen(const void *key, const void *e)
{
	return strcmp((const char *)key, ((const struct seen *)e)->name);
}

/* Lists DIR again and carries over what earlier passes saw of each name
 * still there; the table stays in name order. */
static int relist(struct wr_spool *sp, struct wr_err *err)
{
	DIR *d = opendir(sp->dir);
	struct dirent *e;
	char **names = NULL;
	struct seen *next;
	size_t n = 0, cap = 0;

	if (!d)
		return wr_errf(err, WR_EIO, "%s: cannot list: %s", sp->dir, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (n == cap)
			names = wr_xrealloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
		names[n++] = wr_xstrdup(e->d_name);
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof *names, cmp_names);
	next = wr_xcalloc(n ? n : 1, sizeof *next);
	for (size_t i = 0; i < n; i++) {
		struct seen *old = sp->nseen ? bsearch(names[i], sp->seen, sp->nseen,
		                                       sizeof *sp->seen, cmp_seen) : NULL;

		if (old && !(old->flags & TAKEN))
			next[i] = *old;
		next[i].name = names[i];
	}
	free(names);
	forget_all(sp);
	sp->seen = next;
	sp->nseen = n;
	return WR_OK;
}

static int same_state(const struct seen *e, const struct stat *sb)
{
	return (e->flags & KNOWN) && e->dev == sb->st_dev && e->ino == sb->st_ino &&
	       e->size == sb->st_size && e->mtime.tv_sec == sb->st_mtim.tv_sec &&
	       e->mtime.tv_nsec == sb->st_mtim.tv_nsec;
}

/* A new state starts its settle period now and forgets what was said. */
static void observe(struct wr_spool *sp, struct seen *e, const struct stat *sb)
{
	e->dev = sb->st_dev;
	e->ino = sb->st_ino;
	e->size = sb->st_size;
	e->mtime = sb->st_mtim;
	e->since = now_ms(sp);
	e->flags = (e->flags & ~(unsigned)(NOTED_WAIT | STUCK)) | KNOWN;
}

static int ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && !strcmp(s + n - k, suffix);
}

/* Names a writer uses while it writes; never read, never mentioned. */
static int in_progress(const char *name)
{
	return name[0] == '.' || ends_with(name, ".tmp") || ends_with(name, ".part");
}

/* 1 when the file is empty or its last byte is a newline, 0 when not,
 * -1 when it cannot be read. */
static int ends_line(int fd, off_t size)
{
	char c;

	if (size == 0)
		return 1;
	if (pread(fd, &c, 1, size - 1) != 1)
		return -1;
	return c == '\n';
}

/* Hands what intake logged while reading a file on to the log and, when
 * errors is open, the file's quarantine lines ("ORIGIN:LINE: quarantined:
 * FIELD: REASON") to it; then empties the capture for the next file. */
static void relay(struct wr_spool *sp, const char *origin, FILE *errors)
{
	size_t olen = strlen(origin), cap = 0;
	char *line = NULL;
	ssize_t n;

	fflush(sp->cap);
	rewind(sp->cap);
	while ((n = getline(&line, &cap, sp->cap)) > 0) {
		const char *p = line + olen;

		if (sp->o.log)
			fwrite(line, 1, (size_t)n, sp->o.log);
		if (!errors || strncmp(line, origin, olen) != 0 || *p++ != ':')
			continue;
		p += strspn(p, "0123456789");
		if (!strncmp(p, ": quarantined: ", 15))
			fwrite(line, 1, (size_t)n, errors);
	}
	free(line);
	if (sp->o.log)
		fflush(sp->o.log);
	rewind(sp->cap);
	if (ftruncate(fileno(sp->cap), 0) != 0 && sp->o.log)
		fprintf(sp->o.log, "spool: cannot empty the intake log: %s\n", strerror(errno));
}

/* DIR/SUB/NAME, or NAME.1, NAME.2 ... when taken: a file is never moved
 * over another. Returns the suffix (0 none) or -1 with errno set. */
static int free_name(const struct wr_spool *sp, const char *sub, const char *name,
                     char *dest, size_t n)
{
	struct stat sb;

	for (int k = 0; k < MAX_SUFFIX; k++) {
		int len = k ? snprintf(dest, n, "%s/%s/%s.%d", sp->dir, sub, name, k)
		            : snprintf(dest, n, "%s/%s/%s", sp->dir, sub, name);

		if (len < 0 || (size_t)len + sizeof ".errors" > n) {
			errno = ENAMETOOLONG;
			return -1;
		}
		if (lstat(dest, &sb) != 0)
			return errno == ENOENT ? k : -1;
	}
	errno = EEXIST;
	return -1;
}

static void counts_text(const struct wr_intake_counts *c, char *out, size_t n)
{
	size_t at = 0;

	out[0] = '\0';
	for (int i = 0; i < WR_OUTCOMES && at < n; i++) {
		int k = snprintf(out + at, n - at, "%s%ld %s", i ? ", " : "", c->n[i],
		                 wr_outcome_name((enum wr_outcome)i));

		if (k < 0)
			break;
		at += (size_t)k;
	}
}

/* The file was read and committed (or could not be read at all): its
 * failed/NAME.errors is written first, then the file is moved, so a kill
 * between the two leaves the file in the spool to be read again. */
static int finish(struct wr_spool *sp, struct seen *e, const char *path,
                  const char *origin, const struct wr_intake_counts *n,
                  const char *problem)
{
	int failed = problem || n->n[WR_QUARANTINED] > 0;
	const char *sub = failed ? "failed" : "done";
	char dest[PATH_MAX], epath[PATH_MAX + 8], what[256], esc[PATH_MAX];
	char as[PATH_MAX + 32] = "";
	FILE *errors = NULL;
	int k = free_name(sp, sub, e->name, dest, sizeof dest), why = errno;

	if (k < 0) {
		relay(sp, origin, NULL);
		say(sp, e->name, "ingested, but no free name in %s/: %s; left in the spool "
		    "until it changes", sub, strerror(why));
		e->flags |= STUCK;
		return 0;
	}
	if (failed) {
		snprintf(epath, sizeof epath, "%s.errors", dest);
		if (!(errors = fopen(epath, "w")))
			say(sp, e->name, "cannot write its .errors in failed/: %s", strerror(errno));
	}
	relay(sp, origin, errors);
	if (errors) {
		if (problem)
			fprintf(errors, "%s\n", problem);
		if (fclose(errors) != 0)
			say(sp, e->name, "cannot write its .errors in failed/: %s", strerror(errno));
	}
	if (rename(path, dest) != 0) {
		say(sp, e->name, "ingested, but cannot move it to %s/: %s; left in the spool "
		    "until it changes", sub, strerror(errno));
		e->flags |= STUCK;
		return 0;
	}
	e->flags |= TAKEN;
	counts_text(n, what, sizeof what);
	if (k)
		snprintf(as, sizeof as, " (as %s.%d)", shown(e->name, esc, sizeof esc), k);
	if (problem)
		say(sp, e->name, "%s; %s -> %s%s", what, problem, sub, as);
	else
		say(sp, e->name, "%s -> %s%s", what, sub, as);
	if (failed)
		sp->failed++;
	else
		sp->done++;
	return 1;
}

static void delta(const struct wr_intake_counts *before, const struct wr_intake_counts *after,
                  struct wr_intake_counts *out)
{
	for (int i = 0; i < WR_OUTCOMES; i++)
		out->n[i] = after->n[i] - before->n[i];
}

/* Reads a settled file into intake, commits, and moves it. 1 when moved,
 * 0 when it stays for a later pass, WR_ESTORE when the store failed. */
static int take(struct wr_spool *sp, struct seen *e, const char *path, struct wr_err *err)
{
	struct wr_intake_counts before = *wr_intake_counts(sp->in), n;
	char origin[PATH_MAX];
	struct wr_err one, ferr;
	struct stat sb;
	FILE *f;
	int fd, rc, changed;

	memset(&n, 0, sizeof n);
	if (!realpath(path, origin))
		snprintf(origin, sizeof origin, "%s", path);
	/* A FIFO or link swapped in since the scan must not block or lead
	 * elsewhere: the fstat below then sees a different file and skips it. */
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW)) < 0) {
		if (errno == ENOENT)
			return 0;
		wr_errf(&one, WR_EIO, "%s: cannot open: %s", path, strerror(errno));
		return finish(sp, e, path, origin, &n, one.msg);
	}
	if (fstat(fd, &sb) != 0 || !same_state(e, &sb)) {
		close(fd);
		return 0;
	}
	switch (ends_line(fd, sb.st_size)) {
	case 0:
		close(fd);
		if (!(e->flags & NOTED_WAIT))
			say(sp, e->name, "waiting: its last line has no newline yet");
		e->flags |= NOTED_WAIT;
		return 0;
	case -1:
		wr_errf(&one, WR_EIO, "%s: cannot read: %s", path, strerror(errno));
		close(fd);
		return finish(sp, e, path, origin, &n, one.msg);
	}
	if (!(f = fdopen(fd, "rb"))) {
		say(sp, e->name, "left for the next pass: %s", strerror(errno));
		close(fd);
		return 0;
	}
	rc = wr_ndjson_ingest_stream(sp->in, f, origin, &one);
	/* Committed before it moves: a kill in between reads it again as
	 * duplicates, never loses it. */
	if (rc != WR_ESTORE && wr_intake_flush(sp->in, &ferr) != WR_OK) {
		one = ferr;
		rc = WR_ESTORE;
	}
	changed = fstat(fileno(f), &sb) != 0 || !same_state(e, &sb);
	fclose(f);
	if (rc == WR_ESTORE) {
		relay(sp, origin, NULL);
		say(sp, e->name, "left in the spool: the store failed");
		if (err)
			*err = one;
		return WR_ESTORE;
	}
	delta(&before, wr_intake_counts(sp->in), &n);
	if (rc == WR_OK && changed) {
		relay(sp, origin, NULL);
		say(sp, e->name, "changed while it was read; read again once it settles");
		observe(sp, e, &sb);
		return 0;
	}
	return finish(sp, e, path, origin, &n, rc == WR_OK ? NULL : one.msg);
}

/* 1 when the entry was taken, 0 when not (yet), <0 on a store failure. */
static int consider(struct wr_spool *sp, struct seen *e, struct wr_err *err)
{
	char path[PATH_MAX];
	struct stat sb;

	if (in_progress(e->name))
		return 0;
	if ((size_t)snprintf(path, sizeof path, "%s/%s", sp->dir, e->name) >= sizeof path ||
	    lstat(path, &sb) != 0)
		return 0;
	if (S_ISDIR(sb.st_mode) && (!strcmp(e->name, "done") || !strcmp(e->name, "failed")))
		return 0;
	if (!S_ISREG(sb.st_mode) || !wr_ndjson_wanted(e->name)) {
		if (!(e->flags & NOTED_SKIP))
			say(sp, e->name, "skipped: %s",
			    S_ISDIR(sb.st_mode) ? "a directory (not read)"
			    : S_ISREG(sb.st_mode) ? "not a .ndjson, .jsonl or .json file"
			                          : "not a regular file");
		e->flags |= NOTED_SKIP;
		return 0;
	}
	if (!same_state(e, &sb))
		observe(sp, e, &sb);
	if ((e->flags & STUCK) || now_ms(sp) - e->since < sp->o.settle_ms)
		return 0;
	return take(sp, e, path, err);
}

int wr_spool_scan(struct wr_spool *sp, struct wr_err *err)
{
	int rc, moved = 0;

	if ((rc = relist(sp, err)) != WR_OK)
		return rc;
	for (size_t i = 0; i < sp->nseen && !stopped(sp); i++) {
		if ((rc = consider(sp, &sp->seen[i], err)) < 0)
			return rc;
		moved += rc;
	}
	return moved;
}

/* Sleeps ms in short slices, so a signal that asks to stop is seen at once. */
static void pause_ms(const struct wr_spool *sp, long ms)
{
	while (ms > 0 && !stopped(sp)) {
		long slice = ms < 50 ? ms : 50;
		struct timespec ts = { 0, slice * 1000000L };

		nanosleep(&ts, NULL);
		ms -= slice;
	}
}

int wr_spool_follow(struct wr_spool *sp, struct wr_err *err)
{
	while (!stopped(sp)) {
		int rc = wr_spool_scan(sp, err);

		if (rc < 0)
			return rc;
		if (rc == 0)
			pause_ms(sp, sp->o.poll_ms);
	}
	return WR_OK;
}
