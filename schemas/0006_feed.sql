-- Where the puller stands in each feed it reads: the page it is on and how
-- many of that page's submissions are in the store. offset moves in the
-- same transaction as the submissions it counts, so a puller killed at any
-- instant resumes without losing or re-reading a tally. etag is the page's
-- as of offset, NULL when offset was written mid-page (the next read must
-- then fetch the page whole).
CREATE TABLE feed_cursors (
  feed         TEXT PRIMARY KEY,             -- the first page's URL
  page         TEXT NOT NULL,                -- URL of the page being read
  offset       INTEGER NOT NULL DEFAULT 0 CHECK (offset >= 0),
  etag         TEXT,
  pages        INTEGER NOT NULL DEFAULT 0,   -- pages read to their end
  records      INTEGER NOT NULL DEFAULT 0,   -- submissions taken in all
  attempts     INTEGER NOT NULL DEFAULT 0,   -- failed tries since the last read
  last_ok_at   TEXT,
  last_try_at  TEXT,
  last_error   TEXT
);
