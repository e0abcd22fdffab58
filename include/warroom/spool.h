/* A spool directory (`warroom ingest DIR --follow`): writers drop NDJSON
 * files into DIR; each complete file is ingested, committed, and only then
 * moved to DIR/done/ or, when it could not be read or a record of it was
 * quarantined, to DIR/failed/ beside NAME.errors (one line per problem).
 * Killed at any moment, a rerun neither loses nor doubles a tally: a file
 * committed but not yet moved is read again, and intake knows its records
 * as duplicates.
 *
 * A file is complete once it has a wanted name (wr_ndjson_wanted), is a
 * regular file, has kept the same size, mtime and inode for settle_ms, and
 * is empty or ends with a newline. Writers that cannot write in one go
 * should write under a dot name (or elsewhere on the same filesystem) and
 * rename into DIR; names ending in .tmp or .part are left alone too. */
#ifndef WARROOM_SPOOL_H
#define WARROOM_SPOOL_H

#include <signal.h>
#include <stdio.h>

#include "warroom/err.h"
#include "warroom/intake.h"
#include "warroom/store.h"

#define WR_SPOOL_POLL_MS 500
#define WR_SPOOL_SETTLE_MS 2000

struct wr_spool_opts {
	long poll_ms;                 /* follow: how long to wait when nothing was taken */
	long settle_ms;               /* how long a file must stay unchanged; 0 takes at once */
	volatile sig_atomic_t *stop;  /* set by a signal handler: checked between files
	                               * and while waiting; NULL never stops */
	FILE *log;                    /* intake's lines per record, one line per file
	                               * taken and per file left waiting; may be NULL */
	/* A monotonic clock in milliseconds for the settle period; NULL is
	 * CLOCK_MONOTONIC. Tests pass their own. */
	long long (*clock_ms)(void *arg);
	void *clock_arg;
};

struct wr_spool_stats {
	long done, failed;            /* files moved to done/ and to failed/ */
	struct wr_intake_counts n;    /* their records, as intake counted them */
};

struct wr_spool;

/* Takes DIR: creates DIR/done and DIR/failed, locks DIR/.warroom-spool.lock
 * (a second process watching the same directory gets WR_ECONFLICT) and
 * opens its own intake on s. WR_EINVAL when dir is not a directory, WR_EIO
 * when it cannot be used, WR_ESTORE when intake cannot open. */
int wr_spool_open(struct wr_spool **sp, struct wr_store *s, const char *dir,
                  const struct wr_spool_opts *o, struct wr_err *err);

/* One pass over DIR: every complete file, in name order, is ingested,
 * committed and moved. Returns how many files were moved (>= 0), WR_ESTORE
 * when the store failed (the file being read stays in DIR), WR_EIO when DIR
 * cannot be listed. Stops early, between files, once *stop is set. */
int wr_spool_scan(struct wr_spool *sp, struct wr_err *err);

/* Passes until *stop is set, waiting poll_ms after a pass that moved
 * nothing. WR_OK when stopped, else what wr_spool_scan failed with. */
int wr_spool_follow(struct wr_spool *sp, struct wr_err *err);

void wr_spool_stats(const struct wr_spool *sp, struct wr_spool_stats *out);

/* Commits what is pending (nothing, between files), unlocks and frees. */
int wr_spool_close(struct wr_spool *sp, struct wr_err *err);

#endif
