#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "warroom/alloc.h"
#include "warroom/lines.h"
#include "warroom/ndjson.h"
#include "warroom/submission.h"

static int blank(const char *buf, size_t len)
{
	for (size_t i = 0; i < len; i++)
		if (buf[i] != ' ' && buf[i] != '\t' && buf[i] != '\r')
			return 0;
	return 1;
}

/* A pipe can stall for minutes between records, and what was read from it
 * cannot be read again after a crash: commit each of its records at once,
 * so the write lock is never held while waiting and a kill loses nothing
 * already read. A file is batched: rerunning it redoes an undone batch. */
int wr_ndjson_ingest_stream(struct wr_intake *in, FILE *f, const char *origin,
                            struct wr_err *err)
{
	struct wr_lines lr;
	struct stat sb;
	enum wr_outcome outcome;
	int rc = WR_OK, got, pipe = fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode);

	wr_lines_init(&lr, f, WR_RECORD_MAX);
	while ((got = wr_lines_next(&lr)) == 1) {
		if (lr.full_len == lr.len && blank(lr.buf, lr.len))
			continue;
		rc = wr_intake_record(in, origin, lr.lineno, lr.buf, lr.len, lr.full_len,
		                      &outcome, err);
		if (rc == WR_OK && pipe)
			rc = wr_intake_flush(in, err);
		if (rc != WR_OK)
			break;
	}
	if (rc == WR_OK && got < 0)
		rc = wr_errf(err, WR_EIO, "%s: read error after line %ld: %s", origin,
		             lr.lineno, strerror(errno));
	wr_lines_free(&lr);
	if (rc == WR_OK)
		rc = wr_intake_flush(in, err);
	return rc;
}

static int ingest_file(struct wr_intake *in, const char *path, struct wr_err *err)
{
	char full[PATH_MAX];
	FILE *f = fopen(path, "rb");
	int rc;

	if (!f)
		return wr_errf(err, WR_EIO, "%s: cannot open: %s", path, strerror(errno));
	/* The absolute path names the record's origin, so a rerun from another
	 * directory still recognises quarantined records it stored before. */
	rc = wr_ndjson_ingest_stream(in, f, realpath(path, full) ? full : path, err);
	fclose(f);
	return rc;
}

int wr_ndjson_wanted(const char *name)
{
	const char *dot = strrchr(name, '.');

	return name[0] != '.' && dot &&
	       (!strcmp(dot, ".ndjson") || !strcmp(dot, ".jsonl") || !strcmp(dot, ".json"));
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Name order makes a spool of numbered files load in the order written. */
static int list_dir(const char *dir, char ***out, size_t *n, struct wr_err *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0;

	*n = 0;
	*out = NULL;
	if (!d)
		return wr_errf(err, WR_EIO, "%s: cannot open directory: %s", dir,
		               strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (*n == cap)
			names = wr_xrealloc(names, (cap = cap ? cap * 2 : 16) * sizeof *names);
		names[(*n)++] = wr_xstrdup(e->d_name);
	}
	closedir(d);
	if (*n)
		qsort(names, *n, sizeof *names, cmp_names);
	*out = names;
	return WR_OK;
}

/* A file that cannot be read is reported and the others still load; only a
 * store failure stops the directory. */
static int ingest_entry(struct wr_intake *in, const char *dir, const char *name,
                        FILE *log, struct wr_err *err)
{
	char path[PATH_MAX];
	struct stat sb;
	int rc;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (stat(path, &sb) != 0)
		return wr_errf(err, WR_EIO, "%s: %s", path, strerror(errno));
	if (!S_ISREG(sb.st_mode) || !wr_ndjson_wanted(name)) {
		if (log && name[0] != '.')
			fprintf(log, "%s: skipped: %s\n", path,
			        S_ISDIR(sb.st_mode) ? "a directory (not read recursively)"
			                            : "not a .ndjson, .jsonl or .json file");
		return WR_OK;
	}
	rc = ingest_file(in, path, err);
	if (rc != WR_OK && log)
		fprintf(log, "%s\n", err->msg);
	return rc;
}

static int ingest_dir(struct wr_intake *in, const char *dir, FILE *log,
                      struct wr_err *err)
{
	size_t n;
	char **names;
	int result = list_dir(dir, &names, &n, err);
	struct wr_err one;

	if (result != WR_OK)
		return result;
	for (size_t i = 0; i < n && result != WR_ESTORE; i++) {
		int rc = ingest_entry(in, dir, names[i], log, &one);

		if (rc != WR_OK) {
			if (err)
				*err = one;
			result = rc == WR_ESTORE || result == WR_OK ? rc : result;
		}
	}
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return result;
}

int wr_ndjson_ingest(struct wr_intake *in, const char *path, FILE *log,
                     struct wr_err *err)
{
	struct stat sb;

	if (strcmp(path, "-") == 0)
		return wr_ndjson_ingest_stream(in, stdin, "stdin", err);
	if (stat(path, &sb) != 0)
		return wr_errf(err, WR_EIO, "%s: %s", path, strerror(errno));
	return S_ISDIR(sb.st_mode) ? ingest_dir(in, path, log, err)
	                           : ingest_file(in, path, err);
}
