-- Review: users and roles, anomaly flags, claims (leases), approvals,
-- callbacks for rejected tallies, and the tamper-evident audit trail.

CREATE TABLE users (
  id           INTEGER PRIMARY KEY,
  name         TEXT NOT NULL UNIQUE,
  role         TEXT NOT NULL
               CHECK (role IN ('validator', 'hotline', 'supervisor', 'admin')),
  secret       TEXT NOT NULL,          -- argon2id string (crypto_pwhash_str)
  disabled     INTEGER NOT NULL DEFAULT 0,
  failures     INTEGER NOT NULL DEFAULT 0,
  locked_until INTEGER NOT NULL DEFAULT 0,
  created_at   TEXT NOT NULL
);

-- One row per rule that fired on a submission; written by the rules.
CREATE TABLE flags (
  id         INTEGER PRIMARY KEY,
  submission INTEGER NOT NULL REFERENCES submissions(id),
  rule       TEXT NOT NULL,
  severity   TEXT NOT NULL CHECK (severity IN ('info', 'warn', 'hard')),
  message    TEXT NOT NULL,
  value      REAL,
  threshold  REAL,
  created_at TEXT NOT NULL
);
CREATE INDEX flags_submission ON flags(submission);

-- A claim is a lease: it lapses at expires_at without anyone cleaning up,
-- so a validator who walks away never blocks an item for long.
CREATE TABLE claims (
  submission INTEGER PRIMARY KEY REFERENCES submissions(id),
  user_id    INTEGER NOT NULL REFERENCES users(id),
  claimed_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX claims_user ON claims(user_id);

-- Each validator's approval; a hard-flagged tally needs two of them.
CREATE TABLE approvals (
  submission INTEGER NOT NULL REFERENCES submissions(id),
  user_id    INTEGER NOT NULL REFERENCES users(id),
  at         TEXT NOT NULL,
  PRIMARY KEY (submission, user_id)
) WITHOUT ROWID;

CREATE TABLE decisions (
  submission INTEGER PRIMARY KEY REFERENCES submissions(id),
  decision   TEXT NOT NULL CHECK (decision IN ('approved', 'rejected')),
  user_id    INTEGER NOT NULL REFERENCES users(id),
  override   INTEGER NOT NULL DEFAULT 0,
  reason     TEXT,
  at         TEXT NOT NULL
);

-- Rejected tallies the hotline must call back about.
CREATE TABLE callbacks (
  submission INTEGER PRIMARY KEY REFERENCES submissions(id),
  reason     TEXT NOT NULL,
  created_at TEXT NOT NULL,
  done_at    TEXT,
  done_by    INTEGER REFERENCES users(id)
);

-- Who keyed a hotline tally: nobody approves a tally they keyed.
ALTER TABLE submissions ADD COLUMN keyed_by TEXT;

-- Every state change, each record's hash covering the one before it.
CREATE TABLE audit (
  id        INTEGER PRIMARY KEY,
  at        TEXT NOT NULL,
  actor     TEXT NOT NULL,
  action    TEXT NOT NULL,
  subject   TEXT NOT NULL,
  details   TEXT NOT NULL,
  prev_hash BLOB NOT NULL,
  hash      BLOB NOT NULL
);

-- The chain's head, moved in the same transaction as every append, so that
-- removing the newest records is noticed too.
CREATE TABLE audit_head (
  one     INTEGER PRIMARY KEY CHECK (one = 1),
  last_id INTEGER NOT NULL,
  hash    BLOB NOT NULL
);
