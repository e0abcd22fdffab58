-- Hotline double entry: a phoned-in tally keyed once waits here, unseen by
-- validators, until a second hotline user keys the same call blind. Only
-- then is it ingested (once), carrying a hard flag when the two disagree.

CREATE TABLE hotline_calls (
  id            INTEGER PRIMARY KEY,
  -- Chosen at the first entry and kept, so the tally has the same id (and
  -- a retried second entry is a duplicate, never a second tally).
  submission_id TEXT NOT NULL UNIQUE,
  precinct      TEXT NOT NULL,              -- code as keyed
  reporter      TEXT NOT NULL,
  -- The first entry as the exact NDJSON record intake will read; never
  -- shown before the second entry, which keys blind.
  record        BLOB NOT NULL,
  first_by      INTEGER NOT NULL REFERENCES users(id),
  first_at      TEXT NOT NULL,
  state         TEXT NOT NULL DEFAULT 'awaiting'
                CHECK (state IN ('awaiting', 'matched', 'mismatched', 'withdrawn')),
  second_by     INTEGER REFERENCES users(id),
  second_at     TEXT,
  differences   TEXT,                       -- what the entries disagreed on
  -- A second entry by the first keyer would check nothing.
  CHECK (second_by IS NULL OR second_by <> first_by)
);
CREATE INDEX hotline_calls_awaiting ON hotline_calls(id) WHERE state = 'awaiting';
