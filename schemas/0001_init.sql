-- Caucus-night store, first version. Applied inside one transaction by
-- store.c; PRAGMA user_version records the highest migration applied.

CREATE TABLE schema_migrations (
  version    INTEGER PRIMARY KEY,
  name       TEXT NOT NULL,
  applied_at TEXT NOT NULL
);

CREATE TABLE counties (
  fips           TEXT PRIMARY KEY,
  name           TEXT NOT NULL,
  norm_name      TEXT NOT NULL,
  short_name     TEXT NOT NULL,
  tile_row       INTEGER,
  tile_col       INTEGER,
  lat            REAL,
  lon            REAL,
  registered_rep INTEGER NOT NULL CHECK (registered_rep >= 0)
);
CREATE UNIQUE INDEX counties_norm_name ON counties(norm_name);
CREATE UNIQUE INDEX counties_short_name ON counties(short_name);

-- A caucus site is one room; four or more precincts in it make a super site.
CREATE TABLE sites (
  code        TEXT PRIMARY KEY,
  county_fips TEXT NOT NULL REFERENCES counties(fips),
  name        TEXT NOT NULL
);

CREATE TABLE precincts (
  id             INTEGER PRIMARY KEY,
  code           TEXT NOT NULL UNIQUE,
  county_fips    TEXT NOT NULL REFERENCES counties(fips),
  name           TEXT NOT NULL,
  norm_name      TEXT NOT NULL,
  site_code      TEXT REFERENCES sites(code),
  registered_rep INTEGER NOT NULL CHECK (registered_rep >= 0)
);
-- Unique, so a tally given by name can only ever mean one precinct.
CREATE UNIQUE INDEX precincts_county_name ON precincts(county_fips, norm_name);
CREATE INDEX precincts_site ON precincts(site_code);

CREATE VIEW super_sites AS
  SELECT site_code AS code, count(*) AS precincts
    FROM precincts WHERE site_code IS NOT NULL
   GROUP BY site_code HAVING count(*) >= 4;

-- Old names and codes from before a redistricting. origin says whether the
-- fixture file or an operator resolving an unmatched tally made the alias.
CREATE TABLE precinct_aliases (
  id            INTEGER PRIMARY KEY,
  county_fips   TEXT NOT NULL REFERENCES counties(fips),
  old_code      TEXT,
  old_name      TEXT,
  norm_old_name TEXT,
  precinct_id   INTEGER NOT NULL REFERENCES precincts(id),
  origin        TEXT NOT NULL DEFAULT 'fixture'
                CHECK (origin IN ('fixture', 'operator')),
  CHECK (old_code IS NOT NULL OR old_name IS NOT NULL)
);
CREATE UNIQUE INDEX aliases_old_code ON precinct_aliases(old_code)
  WHERE old_code IS NOT NULL;
CREATE UNIQUE INDEX aliases_old_name ON precinct_aliases(county_fips, norm_old_name)
  WHERE norm_old_name IS NOT NULL;

CREATE TABLE contest (
  id        TEXT PRIMARY KEY,
  name      TEXT NOT NULL,
  state     TEXT NOT NULL,
  opens_at  TEXT NOT NULL,
  opens_at_s INTEGER NOT NULL
);

CREATE TABLE candidates (
  id       TEXT PRIMARY KEY,
  name     TEXT NOT NULL,
  position INTEGER NOT NULL UNIQUE
);

CREATE TABLE baselines (
  precinct_id INTEGER NOT NULL REFERENCES precincts(id),
  year        INTEGER NOT NULL,
  candidate   TEXT NOT NULL,
  votes       INTEGER NOT NULL CHECK (votes >= 0),
  PRIMARY KEY (precinct_id, year, candidate)
) WITHOUT ROWID;

CREATE VIEW baseline_totals AS
  SELECT precinct_id, year, sum(votes) AS total
    FROM baselines GROUP BY precinct_id, year;

-- One row per tally as it arrived. raw keeps the bytes verbatim; the parsed
-- columns are what the rules and the results read. precinct_id is NULL
-- while the tally waits in the unmatched queue.
CREATE TABLE submissions (
  id            INTEGER PRIMARY KEY,
  submission_id TEXT NOT NULL UNIQUE,
  content_hash  BLOB NOT NULL,
  source        TEXT NOT NULL CHECK (source IN ('app', 'hotline', 'import')),
  precinct_id   INTEGER REFERENCES precincts(id),
  precinct_ref  TEXT NOT NULL,
  resolved_by   TEXT NOT NULL
                CHECK (resolved_by IN ('code', 'alias_code', 'name', 'alias_name',
                                       'operator', 'unmatched')),
  reporter      TEXT NOT NULL,
  device        TEXT,
  reported_at   TEXT NOT NULL,
  reported_at_s INTEGER NOT NULL,
  received_at   TEXT NOT NULL,
  total         INTEGER NOT NULL CHECK (total >= 0),
  revision      INTEGER NOT NULL DEFAULT 1 CHECK (revision >= 1),
  supersedes    INTEGER REFERENCES submissions(id),
  state         TEXT NOT NULL DEFAULT 'received'
                CHECK (state IN ('received', 'unmatched', 'flagged', 'clean',
                                 'approved', 'rejected', 'superseded')),
  origin        TEXT NOT NULL,
  line          INTEGER NOT NULL,
  raw           BLOB NOT NULL
);
-- One tally per revision number of a precinct: two ingests racing for the
-- same precinct can never both write revision 2.
CREATE UNIQUE INDEX submissions_precinct ON submissions(precinct_id, revision)
  WHERE precinct_id IS NOT NULL;
CREATE INDEX submissions_state ON submissions(state);

CREATE TABLE votes (
  submission INTEGER NOT NULL REFERENCES submissions(id),
  candidate  TEXT NOT NULL REFERENCES candidates(id),
  votes      INTEGER NOT NULL CHECK (votes >= 0),
  PRIMARY KEY (submission, candidate)
) WITHOUT ROWID;

-- Records that could not be read as a submission. The unique key makes a
-- rerun of the same input after a crash store each bad record once.
CREATE TABLE quarantine (
  id          INTEGER PRIMARY KEY,
  origin      TEXT NOT NULL,
  line        INTEGER NOT NULL,
  raw         BLOB NOT NULL,
  raw_sha256  BLOB NOT NULL,
  field       TEXT,
  reason      TEXT NOT NULL,
  received_at TEXT NOT NULL,
  UNIQUE (origin, line, raw_sha256)
);

CREATE TABLE unmatched (
  submission  INTEGER PRIMARY KEY REFERENCES submissions(id),
  county_fips TEXT REFERENCES counties(fips),
  name        TEXT NOT NULL,
  suggestions TEXT NOT NULL,   -- JSON array of precinct codes, best first
  resolved_at TEXT,
  resolved_by TEXT
);
