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

#endif
