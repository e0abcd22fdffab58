/* The writer side of the collection service's feed (see feedpage.h for the
 * page layout the puller reads): a chain of pages page-000001.json,
 * page-000002.json, ... in one directory that any static host or S3 bucket
 * can serve. The demo replays a simulated night into one (replay.h) and the
 * tests write feeds with it.
 *
 *   {"feed":"warroom-feed/1","page":3,"submissions":[{...},...],
 *    "next":"page-000004.json"}
 *
 * What a reader can rely on:
 *  - every page is written beside its name (".page-NNNNNN.json.tmp") and
 *    renamed into place, so a reader sees the old page or the new one,
 *    never half of one;
 *  - a page is closed (given its next link) as soon as it holds page_size
 *    submissions, and the next page is written before the link to it, so a
 *    next link never names a missing file; a closed page never changes;
 *  - the open (last) page only grows: submissions are appended, never
 *    dropped or reordered.
 *
 * No fsync: rename alone is what keeps half pages from readers. fsync would
 * only add durability across a power cut, which a replayed demo or a test
 * does not need (rerun it from the night file), and it would cost a disk
 * flush per page write on every sync. The flip side: after a crash of the
 * machine (not of the process) the directory may not hold what the last
 * sync wrote. */
#ifndef WARROOM_FEEDWRITE_H
#define WARROOM_FEEDWRITE_H

#include <stddef.h>

#include "warroom/err.h"

#define WR_FEED_FORMAT "warroom-feed/1"
#define WR_FEEDW_PAGE_SIZE 100      /* a sensible page_size */
#define WR_FEEDW_MAX_PAGES 999999   /* six digits of page number */

struct wr_feedw;

/* Starts a fresh feed in dir (created, with its parents, when missing):
 * writes an empty page-000001.json at once so a puller can start. A dir
 * that already holds page-000001.json is refused with WR_EINVAL and left
 * untouched: a writer never clobbers a feed someone may be reading, and it
 * does not resume one either (remove the directory to start over). The
 * check and the first write are one step (link(2) of the written page), so
 * two writers racing for one dir cannot both win (on a file system without
 * hard links it checks, then renames). page_size (>= 1) is the number of
 * submissions a page holds before it is closed. */
int wr_feedw_open(struct wr_feedw **w, const char *dir, size_t page_size,
                  struct wr_err *err);

/* Appends one submission: json (len bytes, need not be NUL-terminated) must
 * be one JSON object, without duplicate member names (the page could not
 * carry them faithfully); anything else is refused with WR_EINVAL and
 * changes nothing. It is parsed and embedded as an object, so it reaches
 * the puller re-encoded (compact, members in their order), not byte for
 * byte. Nothing is written until wr_feedw_sync.
 *
 * Memory: the writer keeps the open page's submissions and what was added
 * since the last sync, nothing of closed pages; a caller adding a lot syncs
 * every page_size adds or so to hold it to about two pages. */
int wr_feedw_add(struct wr_feedw *w, const char *json, size_t len,
                 struct wr_err *err);

/* Writes what was added since the last sync: fills the open page up to
 * page_size, closes it when full (next page first, then the full page with
 * its link) and carries on into the next, as often as needed; then writes
 * the open page if it changed. On WR_EIO (err names the file) what was
 * written stays written, nothing added is lost, and the next sync carries
 * on from there. A sync with nothing added writes nothing. */
int wr_feedw_sync(struct wr_feedw *w, struct wr_err *err);

/* Where the feed stands after the last sync: the open (last) page's number
 * and how many submissions it holds on disk; every page before it is closed
 * and holds page_size. pending (may be NULL) gets how many submissions were
 * added and not yet synced. */
long wr_feedw_page(const struct wr_feedw *w, size_t *in_page, size_t *pending);

/* Frees the writer. It syncs nothing: submissions added since the last sync
 * are dropped, and the open page stays open (a puller keeps waiting on it).
 * NULL is fine. */
void wr_feedw_close(struct wr_feedw *w);

#endif
