-- Publishing: numbered batches of approved tallies, the documents each
-- batch renders (an outbox drained by the pusher), the per-county rendered
-- parts a later batch reuses, and the supervisor's freeze.

-- Who publishes the results and whose caucus it is, named in every NIST
-- CDF report.
ALTER TABLE contest ADD COLUMN issuer TEXT;
ALTER TABLE contest ADD COLUMN issuer_abbrev TEXT;
ALTER TABLE contest ADD COLUMN party TEXT;

-- One row per batch; its number is the NNNNNN in batches/NNNNNN/.
-- AUTOINCREMENT: a number once used (and perhaps pushed) is never reused,
-- even if the newest rows were removed in a repair.
CREATE TABLE batches (
  id          INTEGER PRIMARY KEY AUTOINCREMENT,
  created_at  TEXT NOT NULL,
  actor       TEXT NOT NULL,
  zeroes      INTEGER NOT NULL DEFAULT 0,  -- the empty structure before opening
  test        INTEGER NOT NULL DEFAULT 0,
  precincts   INTEGER NOT NULL,            -- tallies that changed in this batch
  counties    INTEGER NOT NULL,            -- counties re-rendered
  reporting   INTEGER NOT NULL,            -- precincts reporting after it
  manifest    BLOB NOT NULL                -- SHA-256 of manifest.json
);

-- The tally each precinct's public number comes from, and since which
-- batch. Written in the transaction that writes the batch to the outbox,
-- so a tally is published exactly when its documents are.
CREATE TABLE publications (
  precinct_id INTEGER PRIMARY KEY REFERENCES precincts(id),
  submission  INTEGER NOT NULL REFERENCES submissions(id),
  batch       INTEGER NOT NULL REFERENCES batches(id)
);

-- Every tally each batch published, for the audit and the console.
CREATE TABLE batch_items (
  batch       INTEGER NOT NULL REFERENCES batches(id),
  submission  INTEGER NOT NULL REFERENCES submissions(id),
  PRIMARY KEY (batch, submission)
) WITHOUT ROWID;

-- Files to push, in id order; latest.json is each batch's last row, so a
-- pusher that keeps the order never names a batch before all of it is out.
CREATE TABLE outbox (
  id           INTEGER PRIMARY KEY AUTOINCREMENT,
  batch        INTEGER NOT NULL REFERENCES batches(id),
  key          TEXT NOT NULL,             -- path under the target
  content_type TEXT NOT NULL,
  body         BLOB NOT NULL,
  sha256       BLOB NOT NULL,
  UNIQUE (batch, key)
);

-- How far each target has been pushed. The target is stored without
-- credentials (they come from the environment only).
CREATE TABLE push_cursors (
  target       TEXT PRIMARY KEY,
  last_id      INTEGER NOT NULL DEFAULT 0,
  attempts     INTEGER NOT NULL DEFAULT 0,  -- failed tries of the next item
  last_ok_at   TEXT,
  last_try_at  TEXT,
  last_error   TEXT
);

-- A county's rendered parts as of the batch that last changed it: a batch
-- renders only the counties whose tallies changed and reuses the rest.
-- votes holds the county's per-candidate totals, comma separated, in
-- ballot order; cdf_counts one VoteCounts run per candidate, one per line.
CREATE TABLE render_cache (
  county_fips   TEXT PRIMARY KEY REFERENCES counties(fips),
  batch         INTEGER NOT NULL,
  reporting     INTEGER NOT NULL,
  total         INTEGER NOT NULL,
  votes         TEXT NOT NULL,
  json_county   TEXT NOT NULL,
  json_precincts TEXT NOT NULL,
  csv_county    TEXT NOT NULL,
  csv_precincts TEXT NOT NULL,
  cdf_units     TEXT NOT NULL,
  cdf_counts    TEXT NOT NULL
);

CREATE TABLE publish_freeze (
  one      INTEGER PRIMARY KEY CHECK (one = 1),
  frozen   INTEGER NOT NULL,
  by_user  TEXT NOT NULL,
  reason   TEXT NOT NULL,
  at       TEXT NOT NULL
);

CREATE INDEX outbox_batch ON outbox(batch);
