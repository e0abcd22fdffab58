/* Feeds NDJSON to intake from a file, every .ndjson/.jsonl/.json file of a
 * directory (in name order), or standard input. Kept apart from intake so
 * that each source (files, the app's feed, hotline keying) brings its own
 * reading and intake only decides where a record goes. */
#ifndef WARROOM_NDJSON_H
#define WARROOM_NDJSON_H

#include <stdio.h>

#include "warroom/err.h"
#include "warroom/intake.h"

/* path is a file, a directory or "-". log gets a line per skipped file.
 * WR_EIO when some input could not be read (the rest is still ingested),
 * WR_ESTORE when the store failed. */
int wr_ndjson_ingest(struct wr_intake *in, const char *path, FILE *log,
                     struct wr_err *err);

/* Reads f to its end; its records are named origin:LINE. A regular file is
 * committed in batches and once more at its end; anything else (a pipe)
 * record by record. WR_EIO when f could not be read to its end: the records
 * before the fault are ingested but may be uncommitted (wr_intake_flush).
 * WR_ESTORE when the store failed. */
int wr_ndjson_ingest_stream(struct wr_intake *in, FILE *f, const char *origin,
                            struct wr_err *err);

/* 1 when a directory entry of this name is read: it ends in .ndjson, .jsonl
 * or .json and does not start with a dot. */
int wr_ndjson_wanted(const char *name);

#endif
