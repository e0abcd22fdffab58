-- Statewide, the approved tallies of precincts with a 2016 caucus and what
-- those precincts gave in 2016: the night's turnout as a ratio of 2016,
-- which judges a precinct's turnout while its own county has too few
-- approved to say. One row, kept by the scorer beside county_stats, so a
-- tally never sums the counties to find it.
CREATE TABLE state_turnout (
  id             INTEGER PRIMARY KEY CHECK (id = 1),
  approved_votes INTEGER NOT NULL DEFAULT 0,
  approved_base  INTEGER NOT NULL DEFAULT 0
);
INSERT INTO state_turnout (id, approved_votes, approved_base)
  SELECT 1, coalesce(sum(approved_votes), 0), coalesce(sum(approved_base), 0)
  FROM county_stats;
