-- Anomaly rules: thresholds from the rules file, running per-county
-- aggregates (so scoring one tally never re-reads its county), and counts
-- per 15-minute window for the rate rules.

-- Thresholds loaded from a rules file; a rule or parameter absent here
-- takes its default from the rule table in src/rules.c.
CREATE TABLE rule_params (
  rule  TEXT NOT NULL,
  name  TEXT NOT NULL,
  value REAL NOT NULL,
  PRIMARY KEY (rule, name)
) WITHOUT ROWID;

CREATE TABLE rule_severity (
  rule     TEXT PRIMARY KEY,
  severity TEXT NOT NULL CHECK (severity IN ('info', 'warn', 'hard', 'off'))
) WITHOUT ROWID;

-- Per county: current tallies and their totals, and what the same
-- precincts gave in the baselines, kept up to date by the scorer.
CREATE TABLE county_stats (
  county_fips   TEXT PRIMARY KEY REFERENCES counties(fips),
  reported      INTEGER NOT NULL DEFAULT 0,
  votes         INTEGER NOT NULL DEFAULT 0,
  base2016      INTEGER NOT NULL DEFAULT 0,
  base2020      INTEGER NOT NULL DEFAULT 0,
  approved      INTEGER NOT NULL DEFAULT 0,
  -- approved tallies of precincts with a 2016 caucus: the county's turnout
  -- tonight as a ratio of 2016, for judging one precinct's turnout
  approved_votes INTEGER NOT NULL DEFAULT 0,
  approved_base  INTEGER NOT NULL DEFAULT 0
) WITHOUT ROWID;

-- Per county and candidate, how many approved precincts gave the candidate
-- a share in each 1% bin: the median and MAD of a county come from 101
-- bins, whatever the number of precincts.
CREATE TABLE county_share_bins (
  county_fips TEXT NOT NULL,
  candidate   TEXT NOT NULL,
  bin         INTEGER NOT NULL CHECK (bin BETWEEN 0 AND 100),
  n           INTEGER NOT NULL,
  PRIMARY KEY (county_fips, candidate, bin)
) WITHOUT ROWID;

-- Per county, and statewide under county_fips '*', the votes of approved
-- tallies per candidate: the pooled shares a room is compared with.
CREATE TABLE county_votes (
  county_fips TEXT NOT NULL,
  candidate   TEXT NOT NULL,
  votes       INTEGER NOT NULL,
  PRIMARY KEY (county_fips, candidate)
) WITHOUT ROWID;

-- Submissions and votes per 15-minute window, per scope: 'state',
-- 'county:FIPS', 'reporter:NAME', 'device:ID'.
CREATE TABLE rate_windows (
  scope       TEXT NOT NULL,
  window      INTEGER NOT NULL,
  submissions INTEGER NOT NULL DEFAULT 0,
  votes       INTEGER NOT NULL DEFAULT 0,
  PRIMARY KEY (scope, window)
) WITHOUT ROWID;

CREATE INDEX submissions_reporter ON submissions(reporter);
CREATE INDEX submissions_device ON submissions(device) WHERE device IS NOT NULL;
