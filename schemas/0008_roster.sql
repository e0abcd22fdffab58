-- The party's roster of reporters: which precincts each precinct chair (or
-- a super site's reporter) is authorised to report. A tally whose reporter
-- is listed for other precincts only is flagged: on the hotline it is how a
-- tally keyed under the wrong precinct shows, since its numbers are a real
-- room's. The fixture file is the roster: a load replaces it whole, and no
-- tally points at it, so a chair replaced on the night simply drops out.
CREATE TABLE roster (
  reporter    TEXT NOT NULL,
  precinct_id INTEGER NOT NULL REFERENCES precincts(id),
  PRIMARY KEY (reporter, precinct_id)
) WITHOUT ROWID;
