-- tidings: nothing lost (issue 17).

-- A broadcast records its progress page by page: 'queuing' under a lease, the last reader queued so far, and how
-- many were queued. Any replica takes over a broadcast whose lease ran out and goes on after that reader.
ALTER TABLE broadcasts DROP CONSTRAINT IF EXISTS broadcasts_state_check;
ALTER TABLE broadcasts ADD CONSTRAINT broadcasts_state_check CHECK (state IN ('scheduled', 'queuing', 'queued', 'cancelled'));
ALTER TABLE broadcasts ADD COLUMN after_reader BIGINT NOT NULL DEFAULT -9223372036854775808,
                       ADD COLUMN lease_owner  TEXT,
                       ADD COLUMN lease_until  TIMESTAMPTZ;
CREATE INDEX broadcasts_queuing_idx ON broadcasts (lease_until) WHERE state = 'queuing';

-- A scheduled mailing minute does the same: the last reader planned, a lease, and when it finished.
ALTER TABLE mailing_runs ADD COLUMN after_reader BIGINT NOT NULL DEFAULT -9223372036854775808,
                         ADD COLUMN lease_until  TIMESTAMPTZ,
                         ADD COLUMN done_at      TIMESTAMPTZ;
UPDATE mailing_runs SET done_at = started_at;
CREATE INDEX mailing_runs_open_idx ON mailing_runs (lease_until) WHERE done_at IS NULL;

-- The transaction that cast or changed a vote: training reads votes by transaction below the snapshot's xmin,
-- so a vote whose seq was taken before, but committed after, a later one is never skipped.
ALTER TABLE votes ADD COLUMN xid xid8 NOT NULL DEFAULT pg_current_xact_id();
CREATE INDEX votes_xid_idx ON votes (xid);
-- the horizon a model version was trained up to (every vote of a transaction below it is in)
ALTER TABLE model_versions ADD COLUMN votes_xmin BIGINT;

-- The daily instant-push cap, exact under concurrency: one row per reader counts the pushes of the current 24-hour
-- window; taking a slot is one INSERT … ON CONFLICT DO UPDATE … WHERE used < cap (the row lock orders racers).
CREATE TABLE instant_quota (
    reader_id    BIGINT      PRIMARY KEY REFERENCES readers (id) ON DELETE CASCADE,
    window_start TIMESTAMPTZ NOT NULL,
    used         INT         NOT NULL
);

-- handled webhook updates are pruned after UPDATES_RETENTION_HOURS (their bodies are emptied once handled)
CREATE INDEX updates_processed_idx ON updates (processed_at) WHERE processed_at IS NOT NULL;
